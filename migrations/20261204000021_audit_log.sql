-- Who did what, when and from where: sign-ins, users, memberships, projects, keys, endpoints,
-- channels. Rows are only ever added.

CREATE TABLE audit_log (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    actor        TEXT NOT NULL,
    action       TEXT NOT NULL,
    project_slug TEXT,
    target       TEXT NOT NULL DEFAULT '',
    detail       TEXT NOT NULL DEFAULT '',
    address      TEXT NOT NULL DEFAULT ''
);

CREATE INDEX audit_log_recent ON audit_log (id DESC);
CREATE INDEX audit_log_actor ON audit_log (actor, id DESC);
