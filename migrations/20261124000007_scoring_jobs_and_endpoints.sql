-- Scoring that happens after ingest: re-scoring jobs, retries of failed or pending scores, and
-- the OpenAI-compatible endpoints that LLM judges and embedding scorers call.

-- Endpoints per project. API keys are write-only: no query that answers a caller selects them.
CREATE TABLE project_endpoints (
    project_id         BIGINT PRIMARY KEY REFERENCES projects (id) ON DELETE CASCADE,
    chat_url           TEXT,
    chat_model         TEXT,
    chat_api_key       TEXT,
    embeddings_url     TEXT,
    embeddings_model   TEXT,
    embeddings_api_key TEXT,
    timeout_ms         INTEGER NOT NULL DEFAULT 30000 CHECK (timeout_ms BETWEEN 100 AND 600000),
    updated_by         BIGINT REFERENCES users (id),
    updated_at         TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- A score waiting for an endpoint has no value, no error and a `retry_at`; a failed one keeps its
-- error and, while attempts remain, a `retry_at`.
ALTER TABLE scores
    ADD COLUMN attempts SMALLINT NOT NULL DEFAULT 0,
    ADD COLUMN retry_at TIMESTAMPTZ;

CREATE INDEX scores_retry_idx ON scores (retry_at) WHERE retry_at IS NOT NULL;
CREATE INDEX scores_output_idx ON scores (output_id);

-- Re-scoring stored outputs with one metric. `cursor` is the last output id scored, so a job
-- that was interrupted (a restart) resumes where it stopped; `lease_until` tells other workers
-- the job is taken.
CREATE TABLE scoring_jobs (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id  BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    metric_id   BIGINT NOT NULL REFERENCES metrics (id) ON DELETE CASCADE,
    reason      TEXT NOT NULL CHECK (reason IN ('activated', 'scorer_changed', 'requested')),
    from_time   TIMESTAMPTZ NOT NULL,
    to_time     TIMESTAMPTZ NOT NULL,
    status      TEXT NOT NULL DEFAULT 'queued'
                CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled')),
    total       INTEGER,
    done        INTEGER NOT NULL DEFAULT 0,
    errors      INTEGER NOT NULL DEFAULT 0,
    cursor      BIGINT NOT NULL DEFAULT 0,
    lease_until TIMESTAMPTZ,
    message     TEXT NOT NULL DEFAULT '',
    created_by  BIGINT REFERENCES users (id),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    started_at  TIMESTAMPTZ,
    finished_at TIMESTAMPTZ,
    CHECK (from_time <= to_time)
);

CREATE INDEX scoring_jobs_open_idx ON scoring_jobs (id) WHERE status IN ('queued', 'running');
CREATE INDEX scoring_jobs_metric_idx ON scoring_jobs (metric_id, id DESC);

-- Wake the workers when a job is queued.
CREATE FUNCTION notify_scoring_job() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('vernier_jobs', NEW.id::text);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER scoring_jobs_notify AFTER INSERT ON scoring_jobs
    FOR EACH ROW EXECUTE FUNCTION notify_scoring_job();
