-- Where alerts go: a project's channels (a signed generic webhook, or a Slack-compatible
-- incoming webhook), which monitors notify which channels, and every delivery with its attempts.
-- Also which segment keys an owner exports to Prometheus as labels.

CREATE TABLE alert_channels (
    id                   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id           BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name                 TEXT NOT NULL,
    -- 'webhook' or 'slack'.
    kind                 TEXT NOT NULL CHECK (kind IN ('webhook', 'slack')),
    url                  TEXT NOT NULL,
    -- The webhook's signing secret; never shown again after it is set ('' for Slack).
    secret               TEXT NOT NULL DEFAULT '',
    -- Consecutive failed attempts that disable the channel.
    disable_after        INTEGER NOT NULL DEFAULT 5 CHECK (disable_after BETWEEN 1 AND 100),
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    -- Set when the channel was disabled (by failures, or by an owner), with why.
    disabled_at          TIMESTAMPTZ,
    disabled_reason      TEXT NOT NULL DEFAULT '',
    created_by           BIGINT NOT NULL REFERENCES users (id),
    created_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT alert_channels_project_name_key UNIQUE (project_id, name)
);

CREATE TABLE monitor_channels (
    monitor_id BIGINT NOT NULL REFERENCES monitors (id) ON DELETE CASCADE,
    channel_id BIGINT NOT NULL REFERENCES alert_channels (id) ON DELETE CASCADE,
    PRIMARY KEY (monitor_id, channel_id)
);

CREATE INDEX monitor_channels_channel_idx ON monitor_channels (channel_id);

CREATE TABLE alert_deliveries (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    channel_id      BIGINT NOT NULL REFERENCES alert_channels (id) ON DELETE CASCADE,
    -- NULL for a test message.
    alert_event_id  BIGINT REFERENCES alert_events (id) ON DELETE CASCADE,
    -- The body as sent (the signature is made at each attempt, over its timestamp).
    body            JSONB NOT NULL,
    -- 'pending', 'delivered', 'failed' (gave up or refused), 'abandoned' (channel disabled).
    status          TEXT NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'delivered', 'failed', 'abandoned')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    response_code   INTEGER,
    last_error      TEXT NOT NULL DEFAULT '',
    latency_ms      INTEGER,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished_at     TIMESTAMPTZ
);

CREATE INDEX alert_deliveries_due_idx ON alert_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX alert_deliveries_channel_idx ON alert_deliveries (channel_id, id DESC);

ALTER TABLE projects ADD COLUMN exported_segment_keys TEXT[] NOT NULL DEFAULT '{}';

-- The last evaluation's observation, for the alerts page and the ingest wake-up's debounce.
ALTER TABLE monitors
    ADD COLUMN last_observed DOUBLE PRECISION,
    ADD COLUMN last_verdicts BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN evaluated_at  TIMESTAMPTZ;

CREATE INDEX monitors_metric_idx ON monitors (metric_id);
CREATE INDEX alert_events_open_idx ON alert_events (monitor_id) WHERE acknowledged_at IS NULL;
ALTER TABLE alert_events ADD COLUMN observed_text TEXT NOT NULL DEFAULT '';
