-- A/B tests read at their unit of randomisation, the end user.

-- The end user an output answered (their pseudonymous id, as feedback and the arm call take
-- it); NULL when the client does not say. Experiments count users by it.
ALTER TABLE outputs ADD COLUMN end_user TEXT;

-- A design planned in users: the independent verdicts per arm the power calculation asks for,
-- and the clustering of earlier traffic that turns them into users (verdicts per user and the
-- design effect). Experiments made before were planned in verdicts: as one verdict per user,
-- which is the most users the same power could need.
ALTER TABLE experiments ADD COLUMN verdicts_per_arm INTEGER;
UPDATE experiments SET verdicts_per_arm = sample_per_arm;
ALTER TABLE experiments ALTER COLUMN verdicts_per_arm SET NOT NULL;
ALTER TABLE experiments ADD CONSTRAINT experiments_verdicts_per_arm_check CHECK (verdicts_per_arm > 0);
ALTER TABLE experiments ADD COLUMN verdicts_per_user DOUBLE PRECISION NOT NULL DEFAULT 1 CHECK (verdicts_per_user >= 1);
ALTER TABLE experiments ADD COLUMN design_effect DOUBLE PRECISION NOT NULL DEFAULT 1 CHECK (design_effect >= 1);
