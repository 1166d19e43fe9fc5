-- Verdicts counted as they are reached, for Prometheus counters that only go up. A score counts
-- once in the result it first reaches (pass, fail, not_applicable or error) and again each time
-- a re-scoring moves it to another result; nothing is ever subtracted (a re-scoring that turns a
-- failure into a pass adds a pass and leaves the failure counted; a score removed stays
-- counted). The rollups keep what stands now, which re-scoring moves both ways.
CREATE TABLE verdict_counts (
    metric_id         BIGINT NOT NULL REFERENCES metrics (id) ON DELETE CASCADE,
    version_id        BIGINT NOT NULL REFERENCES system_versions (id) ON DELETE CASCADE,
    -- '' and '' for all traffic; else a segment key of the project and its value (as rollups).
    segment_key       TEXT NOT NULL,
    segment_value     TEXT NOT NULL,
    result            TEXT NOT NULL CHECK (result IN ('pass', 'fail', 'not_applicable', 'error')),
    count             BIGINT NOT NULL CHECK (count >= 0),
    -- For failures: the metric's cost per failure at the time each was reached, summed, in dollars.
    failure_cost_usd  DOUBLE PRECISION NOT NULL DEFAULT 0 CHECK (failure_cost_usd >= 0),
    PRIMARY KEY (metric_id, version_id, segment_key, segment_value, result)
);

-- A database from before starts its counters at what its rollups count now, priced at today's
-- cost per failure, so that the series go on from their last values.
INSERT INTO verdict_counts (metric_id, version_id, segment_key, segment_value, result, count, failure_cost_usd)
SELECT r.metric_id, r.version_id, r.segment_key, r.segment_value, t.result, t.count,
       CASE WHEN t.result = 'fail' THEN t.count * m.cost_per_failure / 1000000.0 ELSE 0 END
FROM (
    SELECT metric_id, version_id, segment_key, segment_value,
           sum(passes) AS passes, sum(failures) AS failures, sum(not_applicable) AS not_applicable,
           sum(errors) AS errors
    FROM score_rollups WHERE grain = 'day'
    GROUP BY metric_id, version_id, segment_key, segment_value
) r
JOIN metrics m ON m.id = r.metric_id
CROSS JOIN LATERAL (VALUES ('pass', r.passes), ('fail', r.failures),
                           ('not_applicable', r.not_applicable), ('error', r.errors)) AS t(result, count)
WHERE t.count > 0;
