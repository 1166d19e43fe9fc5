-- When each version first appeared (the trend's markers, the comparison's version list) is the
-- first all-traffic bucket of the version: found at once with this index instead of scanning
-- every rollup row.
CREATE INDEX score_rollups_version_first_idx ON score_rollups (version_id, grain, bucket) WHERE segment_key = '';
