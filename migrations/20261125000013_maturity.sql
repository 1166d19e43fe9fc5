-- The crawl-walk-run review: a project's known challenges, managers' attestations, and the
-- history of reviews, sign-offs and computed-stage changes (each with a snapshot of the review).

-- The review's thresholds (see domain::maturity::Thresholds); missing fields take defaults.
ALTER TABLE projects ADD COLUMN maturity_thresholds JSONB NOT NULL DEFAULT '{}';

-- A known challenge of the system, the hypothesis behind it, the business goal it threatens and
-- the metrics that test it.
CREATE TABLE challenges (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    title      TEXT NOT NULL,
    hypothesis TEXT NOT NULL DEFAULT '',
    goal       TEXT NOT NULL DEFAULT '',
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT challenges_project_title_key UNIQUE (project_id, title)
);

CREATE TABLE challenge_metrics (
    challenge_id BIGINT NOT NULL REFERENCES challenges (id) ON DELETE CASCADE,
    metric_id    BIGINT NOT NULL REFERENCES metrics (id) ON DELETE CASCADE,
    PRIMARY KEY (challenge_id, metric_id)
);

-- The attestation in force per item (its history is in maturity_events).
CREATE TABLE maturity_attestations (
    project_id  BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    item        TEXT NOT NULL,
    note        TEXT NOT NULL,
    attested_by BIGINT NOT NULL REFERENCES users (id),
    attested_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (project_id, item)
);

CREATE TABLE maturity_events (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('review', 'sign_off', 'attestation', 'withdrawal', 'stage_change')),
    -- The stage signed off, or the computed stage after a change ('' for none yet).
    stage      TEXT,
    item       TEXT,
    note       TEXT NOT NULL DEFAULT '',
    -- NULL for changes Vernier noticed itself.
    actor_id   BIGINT REFERENCES users (id),
    at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- The review as it was (domain::maturity::Review as JSON).
    snapshot   JSONB
);

CREATE INDEX maturity_events_project_idx ON maturity_events (project_id, at DESC, id DESC);
