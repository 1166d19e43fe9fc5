-- Project API keys for clients: shown once, stored as a SHA-256 digest with a visible prefix.

CREATE TABLE api_keys (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id   BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name         TEXT NOT NULL CHECK (char_length(name) BETWEEN 1 AND 80),
    prefix       TEXT NOT NULL CONSTRAINT api_keys_prefix_key UNIQUE,
    digest       BYTEA NOT NULL,
    created_by   BIGINT NOT NULL REFERENCES users (id),
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_used_at TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ
);

CREATE INDEX api_keys_project_idx ON api_keys (project_id);
