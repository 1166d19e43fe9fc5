-- Human scoring: versioned rubrics, annotation queues with assignments, blind ratings and
-- adjudicated final labels.

CREATE TABLE rubrics (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT rubrics_project_name_key UNIQUE (project_id, name)
);

-- A rubric's content. Editing a rubric that has ratings adds a version; ratings keep theirs.
CREATE TABLE rubric_versions (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    rubric_id    BIGINT NOT NULL REFERENCES rubrics (id) ON DELETE CASCADE,
    version      INTEGER NOT NULL CHECK (version >= 1),
    scale        TEXT NOT NULL CHECK (scale IN ('binary', 'ordinal', 'categorical')),
    levels       JSONB NOT NULL,
    instructions TEXT NOT NULL DEFAULT '',
    created_by   BIGINT NOT NULL REFERENCES users (id),
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT rubric_versions_rubric_version_key UNIQUE (rubric_id, version)
);

CREATE TABLE annotation_queues (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    sampling   JSONB NOT NULL,
    overlap    INTEGER NOT NULL CHECK (overlap >= 1),
    due_date   DATE,
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT annotation_queues_project_name_key UNIQUE (project_id, name)
);

CREATE TABLE queue_metrics (
    queue_id  BIGINT NOT NULL REFERENCES annotation_queues (id) ON DELETE CASCADE,
    metric_id BIGINT NOT NULL REFERENCES metrics (id),
    position  INTEGER NOT NULL,
    PRIMARY KEY (queue_id, metric_id)
);

CREATE TABLE queue_annotators (
    queue_id BIGINT NOT NULL REFERENCES annotation_queues (id) ON DELETE CASCADE,
    user_id  BIGINT NOT NULL REFERENCES users (id),
    PRIMARY KEY (queue_id, user_id)
);

CREATE TABLE queue_items (
    id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    queue_id  BIGINT NOT NULL REFERENCES annotation_queues (id) ON DELETE CASCADE,
    output_id BIGINT NOT NULL REFERENCES outputs (id) ON DELETE CASCADE,
    position  INTEGER NOT NULL,
    -- The stratum the item was drawn from (segment value or version label), if stratified.
    stratum   TEXT,
    CONSTRAINT queue_items_queue_output_key UNIQUE (queue_id, output_id)
);

-- Who rates which item: overlap k gives k distinct annotators per item.
CREATE TABLE assignments (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    item_id      BIGINT NOT NULL REFERENCES queue_items (id) ON DELETE CASCADE,
    annotator_id BIGINT NOT NULL REFERENCES users (id),
    status       TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'skipped')),
    comment      TEXT NOT NULL DEFAULT '',
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT assignments_item_annotator_key UNIQUE (item_id, annotator_id)
);

CREATE INDEX assignments_annotator_idx ON assignments (annotator_id, status);

-- One annotator's rating of one item on one metric, under the rubric version shown.
CREATE TABLE ratings (
    assignment_id     BIGINT NOT NULL REFERENCES assignments (id) ON DELETE CASCADE,
    metric_id         BIGINT NOT NULL REFERENCES metrics (id),
    rubric_version_id BIGINT NOT NULL REFERENCES rubric_versions (id),
    value             DOUBLE PRECISION NOT NULL,
    rated_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (assignment_id, metric_id)
);

CREATE INDEX ratings_rubric_version_idx ON ratings (rubric_version_id);

-- A manager's final label where annotators disagreed.
CREATE TABLE adjudications (
    item_id    BIGINT NOT NULL REFERENCES queue_items (id) ON DELETE CASCADE,
    metric_id  BIGINT NOT NULL REFERENCES metrics (id),
    value      DOUBLE PRECISION NOT NULL,
    note       TEXT NOT NULL DEFAULT '',
    decided_by BIGINT NOT NULL REFERENCES users (id),
    decided_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (item_id, metric_id)
);
