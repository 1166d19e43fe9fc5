-- Metrics: business-owned checks with a price on failure and a date to justify themselves again.

CREATE TABLE metrics (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id          BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    key                 TEXT NOT NULL,
    name                TEXT NOT NULL,
    description         TEXT NOT NULL DEFAULT '',
    question            TEXT NOT NULL,
    paradigm            TEXT NOT NULL CHECK (paradigm IN ('human', 'model', 'hybrid')),
    category            TEXT NOT NULL CHECK (category IN ('quality', 'safety', 'degradation', 'retrieval', 'format', 'language', 'other')),
    cadence             TEXT NOT NULL CHECK (cadence IN ('real-time', 'async')),
    action_on_failure   TEXT NOT NULL CHECK (action_on_failure IN ('alert', 'retry', 'flag', 'block', 'none')),
    scorer              JSONB NOT NULL,
    threshold           DOUBLE PRECISION NOT NULL,
    direction           TEXT NOT NULL CHECK (direction IN ('at_least', 'at_most')),
    stage               TEXT NOT NULL CHECK (stage IN ('crawl', 'walk', 'run')),
    owner_id            BIGINT NOT NULL REFERENCES users (id),
    -- Money in integer micro-dollars: exact, and fine enough for sub-cent evaluation costs.
    cost_per_failure    BIGINT NOT NULL CHECK (cost_per_failure >= 0),
    cost_per_evaluation BIGINT NOT NULL DEFAULT 0 CHECK (cost_per_evaluation >= 0),
    review_date         DATE NOT NULL,
    retirement_date     DATE,
    tags                TEXT[] NOT NULL DEFAULT '{}',
    status              TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'active', 'retired')),
    status_reason       TEXT NOT NULL DEFAULT '',
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT metrics_project_key_key UNIQUE (project_id, key),
    CONSTRAINT metrics_retired_has_reason CHECK (status <> 'retired' OR status_reason <> ''),
    CONSTRAINT metrics_retirement_after_review CHECK (retirement_date IS NULL OR retirement_date >= review_date)
);

CREATE INDEX metrics_project_status_idx ON metrics (project_id, status);
CREATE INDEX metrics_review_date_idx ON metrics (review_date) WHERE status <> 'retired';
CREATE INDEX metrics_tags_idx ON metrics USING GIN (tags);

-- Who changed what, when: one row per changed field.
CREATE TABLE metric_changes (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    metric_id  BIGINT NOT NULL REFERENCES metrics (id) ON DELETE CASCADE,
    changed_by BIGINT NOT NULL REFERENCES users (id),
    changed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    field      TEXT NOT NULL,
    old_value  TEXT NOT NULL,
    new_value  TEXT NOT NULL
);

CREATE INDEX metric_changes_metric_idx ON metric_changes (metric_id, changed_at);
