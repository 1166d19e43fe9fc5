-- Rollups: every score counted once per metric × system version × segment × UTC day (and hour,
-- for the last 48 hours). Kept equal to the scores by the score seam in the same transaction;
-- dashboards, comparisons and monitors read only these.

-- The metadata keys a project's traffic is broken down by (language, customer, channel …).
ALTER TABLE projects ADD COLUMN segment_keys TEXT[] NOT NULL DEFAULT '{}';
-- When the project's rollups were last rebuilt from its scores; NULL: never (the server
-- rebuilds them at start-up, which covers projects that existed before rollups).
ALTER TABLE projects ADD COLUMN rollups_built_at TIMESTAMPTZ;
-- A new project has nothing to count.
ALTER TABLE projects ALTER COLUMN rollups_built_at SET DEFAULT now();

CREATE TABLE score_rollups (
    metric_id         BIGINT NOT NULL REFERENCES metrics (id) ON DELETE CASCADE,
    -- 'day' or 'hour'.
    grain             TEXT NOT NULL CHECK (grain IN ('day', 'hour')),
    -- '' and '' for all traffic; else a segment key and its value ('turn': '1-4' or '5+').
    segment_key       TEXT NOT NULL,
    segment_value     TEXT NOT NULL,
    version_id        BIGINT NOT NULL REFERENCES system_versions (id) ON DELETE CASCADE,
    bucket            TIMESTAMPTZ NOT NULL,
    -- Scores that reached a verdict or were not applicable.
    evaluations       BIGINT NOT NULL,
    passes            BIGINT NOT NULL,
    failures          BIGINT NOT NULL,
    not_applicable    BIGINT NOT NULL,
    errors            BIGINT NOT NULL,
    -- Of the values of scores with a verdict.
    value_sum         DOUBLE PRECISION NOT NULL,
    value_sum_squares DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (metric_id, grain, segment_key, segment_value, version_id, bucket)
);
