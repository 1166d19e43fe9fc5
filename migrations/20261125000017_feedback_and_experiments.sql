-- End-user feedback on outputs, and A/B tests between versions.

-- One answer of an end user on a feedback metric's scale. `output_id` is NULL while the
-- feedback waits for an output with `external_id` to be logged (for a limited time).
CREATE TABLE feedback (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id   BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    metric_id    BIGINT NOT NULL REFERENCES metrics (id) ON DELETE CASCADE,
    output_id    BIGINT REFERENCES outputs (id) ON DELETE CASCADE,
    external_id  TEXT,
    -- The client's id of this feedback, for idempotent retries.
    client_id    TEXT,
    -- The answer as sent, and its value on the scale.
    answer       JSONB NOT NULL,
    value        DOUBLE PRECISION NOT NULL,
    comment      TEXT,
    end_user     TEXT,
    given_at     TIMESTAMPTZ NOT NULL,
    received_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT feedback_target CHECK (output_id IS NOT NULL OR external_id IS NOT NULL),
    CONSTRAINT feedback_project_client_key UNIQUE (project_id, client_id)
);

CREATE INDEX feedback_output_idx ON feedback (output_id, metric_id);
CREATE INDEX feedback_waiting_idx ON feedback (project_id, external_id) WHERE output_id IS NULL;
CREATE INDEX feedback_metric_time_idx ON feedback (metric_id, given_at DESC);

-- An A/B test: versions serving traffic at once (the first is the control), the metric that
-- decides and the guardrails, and the sample each arm needs, fixed when it was created.
CREATE TABLE experiments (
    id                   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id           BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    key                  TEXT NOT NULL,
    name                 TEXT NOT NULL,
    hypothesis           TEXT NOT NULL DEFAULT '',
    versions             TEXT[] NOT NULL CHECK (cardinality(versions) >= 2),
    primary_metric_id    BIGINT NOT NULL REFERENCES metrics (id) ON DELETE CASCADE,
    guardrail_metric_ids BIGINT[] NOT NULL DEFAULT '{}',
    baseline             DOUBLE PRECISION NOT NULL CHECK (baseline > 0 AND baseline < 1),
    minimum_change       DOUBLE PRECISION NOT NULL CHECK (minimum_change > 0 AND minimum_change < 1),
    alpha                DOUBLE PRECISION NOT NULL CHECK (alpha > 0 AND alpha < 0.5),
    power                DOUBLE PRECISION NOT NULL CHECK (power >= 0.5 AND power < 1),
    sample_per_arm       INTEGER NOT NULL CHECK (sample_per_arm > 0),
    started_on           DATE NOT NULL,
    ended_on             DATE,
    -- The first day every arm had its sample, and the result read at it (fixed once read).
    horizon              DATE,
    result               JSONB,
    created_by           BIGINT NOT NULL REFERENCES users (id),
    created_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT experiments_project_key_key UNIQUE (project_id, key)
);
