-- Graded relevance of retrieved documents (id → grade, e.g. 0–3), for NDCG with graded gains.
ALTER TABLE outputs ADD COLUMN relevance JSONB NOT NULL DEFAULT '{}'::jsonb;
