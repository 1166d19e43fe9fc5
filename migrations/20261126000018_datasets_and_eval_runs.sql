-- Golden datasets, their immutable versions and items, and eval runs on a pinned version.

CREATE TABLE datasets (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id  BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_by  BIGINT REFERENCES users (id),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- The last time someone reviewed the content and found it current.
    reviewed_at TIMESTAMPTZ,
    reviewed_by BIGINT REFERENCES users (id),
    CONSTRAINT datasets_project_name_key UNIQUE (project_id, name)
);

-- A version is the whole content at one time; every change writes the next one.
CREATE TABLE dataset_versions (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dataset_id BIGINT NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
    number     INTEGER NOT NULL CHECK (number >= 1),
    note       TEXT NOT NULL DEFAULT '',
    items      INTEGER NOT NULL CHECK (items >= 0),
    created_by BIGINT REFERENCES users (id),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT dataset_versions_number_key UNIQUE (dataset_id, number)
);

CREATE TABLE dataset_items (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    version_id BIGINT NOT NULL REFERENCES dataset_versions (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    item_key   TEXT NOT NULL,
    -- The item as the domain serialises it (input, expected output and label, tags, case,
    -- variant, source).
    content    JSONB NOT NULL,
    CONSTRAINT dataset_items_key UNIQUE (version_id, item_key)
);

-- Versions and their items never change; only deleting the whole dataset (or project)
-- removes them.
CREATE FUNCTION refuse_dataset_version_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND pg_trigger_depth() > 1 THEN
        RETURN OLD;  -- a cascade from deleting the dataset or project
    END IF;
    RAISE EXCEPTION 'dataset versions are immutable: write the next version instead'
        USING ERRCODE = 'integrity_constraint_violation';
END $$;

CREATE TRIGGER dataset_versions_immutable BEFORE UPDATE OR DELETE ON dataset_versions
    FOR EACH ROW EXECUTE FUNCTION refuse_dataset_version_change();
CREATE TRIGGER dataset_items_immutable BEFORE UPDATE OR DELETE ON dataset_items
    FOR EACH ROW EXECUTE FUNCTION refuse_dataset_version_change();

-- Items join a version only in the transaction that writes it.
CREATE FUNCTION refuse_item_in_old_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT created_at FROM dataset_versions WHERE id = NEW.version_id) < now() THEN
        RAISE EXCEPTION 'dataset versions are immutable: write the next version instead'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER dataset_items_only_new BEFORE INSERT ON dataset_items
    FOR EACH ROW EXECUTE FUNCTION refuse_item_in_old_version();

-- An eval run: a named set of outputs on one pinned dataset version.
CREATE TABLE eval_runs (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    version_id BIGINT NOT NULL REFERENCES dataset_versions (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT eval_runs_project_name_key UNIQUE (project_id, name)
);
CREATE INDEX eval_runs_version_idx ON eval_runs (version_id);

-- An output of a run answers one item of the run's version, once.
ALTER TABLE outputs
    ADD COLUMN run_id BIGINT REFERENCES eval_runs (id) ON DELETE CASCADE,
    ADD COLUMN dataset_item_id BIGINT REFERENCES dataset_items (id) ON DELETE CASCADE,
    ADD CONSTRAINT outputs_run_item_check CHECK ((run_id IS NULL) = (dataset_item_id IS NULL));
CREATE UNIQUE INDEX outputs_run_item_key ON outputs (run_id, dataset_item_id) WHERE run_id IS NOT NULL;
CREATE INDEX outputs_dataset_item_idx ON outputs (dataset_item_id) WHERE dataset_item_id IS NOT NULL;
