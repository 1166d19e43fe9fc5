-- OpenTelemetry traces in: each project's attribute mapping, and what each received batch became.

ALTER TABLE projects
    ADD COLUMN otlp_version_attribute TEXT NOT NULL DEFAULT 'service.version',
    ADD COLUMN otlp_segments JSONB NOT NULL DEFAULT '{"user.locale": "language"}';

CREATE TABLE otlp_batches (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id  BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    received_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    encoding    TEXT NOT NULL CHECK (encoding IN ('protobuf', 'json')),
    -- A domain::otlp::BatchReport.
    report      JSONB NOT NULL
);

CREATE INDEX otlp_batches_project_recent ON otlp_batches (project_id, id DESC);
