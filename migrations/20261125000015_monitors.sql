-- Monitors: a condition on a metric (optionally one segment and/or version) over a window,
-- evaluated by the worker; and the alert events its state changes produce.

CREATE TABLE monitors (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id     BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    metric_id      BIGINT NOT NULL REFERENCES metrics (id) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    -- '' and '': all traffic.
    segment_key    TEXT NOT NULL DEFAULT '',
    segment_value  TEXT NOT NULL DEFAULT '',
    -- '': every version.
    version_label  TEXT NOT NULL DEFAULT '',
    window_minutes INTEGER NOT NULL CHECK (window_minutes BETWEEN 5 AND 10080),
    -- domain::monitor::Rule and ::Status as JSON; `state` repeats the status's state for queries.
    rule           JSONB NOT NULL,
    status         JSONB NOT NULL,
    state          TEXT NOT NULL DEFAULT 'ok',
    next_run_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    created_by     BIGINT NOT NULL REFERENCES users (id),
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT monitors_project_name_key UNIQUE (project_id, name)
);

CREATE INDEX monitors_due_idx ON monitors (next_run_at);

CREATE TABLE alert_events (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    monitor_id      BIGINT NOT NULL REFERENCES monitors (id) ON DELETE CASCADE,
    previous_state  TEXT NOT NULL,
    state           TEXT NOT NULL,
    -- 'changed' or 'reminder'.
    reason          TEXT NOT NULL,
    observed        DOUBLE PRECISION,
    verdicts        BIGINT NOT NULL,
    at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    acknowledged_by BIGINT REFERENCES users (id),
    acknowledged_at TIMESTAMPTZ
);

CREATE INDEX alert_events_monitor_idx ON alert_events (monitor_id, at DESC);
