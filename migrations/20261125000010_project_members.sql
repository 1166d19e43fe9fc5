-- Roles are held per project. The global role keeps saying who is an admin; for everyone else it
-- is the role offered by default when they are added to a project (and owners create projects).

ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check
    CHECK (role IN ('admin', 'owner', 'manager', 'annotator', 'viewer'));

CREATE TABLE project_members (
    project_id BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    user_id    BIGINT NOT NULL REFERENCES users (id),
    role       TEXT NOT NULL CONSTRAINT project_members_role_check
               CHECK (role IN ('owner', 'manager', 'viewer', 'annotator')),
    added_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT project_members_pkey PRIMARY KEY (project_id, user_id)
);

CREATE INDEX project_members_user_idx ON project_members (user_id);

-- Every membership change: added (old_role NULL), role changed, removed (new_role NULL).
CREATE TABLE project_member_changes (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    user_id    BIGINT NOT NULL REFERENCES users (id),
    changed_by BIGINT NOT NULL REFERENCES users (id),
    old_role   TEXT CHECK (old_role IN ('owner', 'manager', 'viewer', 'annotator')),
    new_role   TEXT CHECK (new_role IN ('owner', 'manager', 'viewer', 'annotator')),
    changed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT project_member_changes_differ CHECK (old_role IS DISTINCT FROM new_role)
);

CREATE INDEX project_member_changes_project_idx ON project_member_changes (project_id, changed_at);

-- Existing databases keep working: every non-admin user becomes a member of every existing
-- project with the role they had (admins are global and need no membership), recorded as
-- added by the project's creator.
INSERT INTO project_members (project_id, user_id, role)
SELECT p.id, u.id, u.role FROM projects p CROSS JOIN users u WHERE u.role <> 'admin';

INSERT INTO project_member_changes (project_id, user_id, changed_by, old_role, new_role)
SELECT m.project_id, m.user_id, p.created_by, NULL, m.role
FROM project_members m JOIN projects p ON p.id = m.project_id;

-- A change made with a project API key is recorded under the key (its creator stays the user).
ALTER TABLE metric_changes ADD COLUMN api_key_id BIGINT REFERENCES api_keys (id);
