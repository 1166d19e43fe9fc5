-- scores (output_id, metric_id) is unique, so its index already serves lookups by output_id;
-- the separate index only cost time on every score written.
DROP INDEX IF EXISTS scores_output_idx;
