-- What produced an output, the outputs themselves, their scores, and idempotent requests.

CREATE TABLE system_versions (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id  BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    label       TEXT NOT NULL,
    model       TEXT,
    prompt_hash TEXT,
    notes       TEXT,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT system_versions_project_label_key UNIQUE (project_id, label)
);

CREATE TABLE outputs (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id      BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    version_id      BIGINT NOT NULL REFERENCES system_versions (id),
    external_id     TEXT,
    conversation_id TEXT,
    turn_index      INTEGER CHECK (turn_index >= 0),
    input           TEXT,
    messages        JSONB,
    output          TEXT NOT NULL,
    expected_output TEXT,
    source          TEXT NOT NULL CHECK (source IN ('production', 'eval', 'synthetic')),
    metadata        JSONB NOT NULL DEFAULT '{}',
    retrieved_ids   TEXT[] NOT NULL DEFAULT '{}',
    relevant_ids    TEXT[] NOT NULL DEFAULT '{}',
    latency_ms      INTEGER CHECK (latency_ms >= 0),
    tokens_in       INTEGER CHECK (tokens_in >= 0),
    tokens_out      INTEGER CHECK (tokens_out >= 0),
    occurred_at     TIMESTAMPTZ NOT NULL,
    ingested_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT outputs_project_external_key UNIQUE (project_id, external_id)
);

CREATE INDEX outputs_project_time_idx ON outputs (project_id, occurred_at DESC);
CREATE INDEX outputs_version_idx ON outputs (version_id);
CREATE INDEX outputs_metadata_idx ON outputs USING GIN (metadata jsonb_path_ops);

-- One score per output and metric; `value` is NULL when the scorer did not apply or failed.
CREATE TABLE scores (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    output_id      BIGINT NOT NULL REFERENCES outputs (id) ON DELETE CASCADE,
    metric_id      BIGINT NOT NULL REFERENCES metrics (id) ON DELETE CASCADE,
    value          DOUBLE PRECISION,
    passed         BOOLEAN,
    rationale      TEXT NOT NULL DEFAULT '',
    error          TEXT,
    scorer_version TEXT NOT NULL,
    scored_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT scores_output_metric_key UNIQUE (output_id, metric_id)
);

CREATE INDEX scores_metric_time_idx ON scores (metric_id, scored_at DESC);

-- A repeated Idempotency-Key answers as the first request did.
CREATE TABLE idempotency_keys (
    project_id     BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    key            TEXT NOT NULL,
    request_digest BYTEA NOT NULL,
    status         SMALLINT NOT NULL,
    response       JSONB NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (project_id, key)
);
