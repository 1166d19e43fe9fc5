use super::*;
use crate::domain::user::NewUser;
use crate::server::db::fixture::fixture;
use crate::server::db::users;

async fn user(pool: &PgPool, username: &str, role: &str) -> i64 {
    let new = NewUser::parse(username, "", "a long password", role).unwrap();
    users::insert(pool, &new, "h").await.unwrap().id
}

fn roles(members: &[MemberView]) -> Vec<(&str, ProjectRole)> {
    members.iter().map(|m| (m.username.as_str(), m.role)).collect()
}

#[sqlx::test(migrations = "../migrations")]
async fn an_added_member_is_listed_has_a_standing_and_is_recorded(pool: PgPool) {
    let f = fixture(&pool).await;
    let viv = user(&pool, "viv", "viewer").await;
    add(&pool, f.project, "Viv", ProjectRole::Viewer, f.owner)
        .await
        .unwrap();
    let members = list(&pool, f.project).await.unwrap();
    assert_eq!(
        roles(&members),
        [
            ("olga", ProjectRole::Viewer),
            ("owner", ProjectRole::Owner),
            ("viv", ProjectRole::Viewer)
        ]
    );
    let standing = standing(&pool, "bot", viv).await.unwrap();
    assert_eq!(
        standing,
        Standing {
            project_id: Some(f.project),
            role: Some(ProjectRole::Viewer)
        }
    );
    let history = history(&pool, f.project).await.unwrap();
    assert_eq!(history.len(), 3, "the creator's, olga's and viv's additions");
    assert_eq!(
        (history[0].username.as_str(), history[0].changed_by.as_str()),
        ("viv", "Otto Owner")
    );
    assert_eq!(
        (history[0].old_role, history[0].new_role),
        (None, Some(ProjectRole::Viewer))
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn standing_tells_a_missing_project_from_a_non_member(pool: PgPool) {
    let f = fixture(&pool).await;
    let stranger = user(&pool, "stranger", "owner").await;
    let outside = standing(&pool, "bot", stranger).await.unwrap();
    assert_eq!((outside.project_id, outside.role), (Some(f.project), None));
    let missing = standing(&pool, "no-such-project", stranger).await.unwrap();
    assert_eq!((missing.project_id, missing.role), (None, None));
}

#[sqlx::test(migrations = "../migrations")]
async fn adding_an_unknown_user_or_a_member_twice_is_refused_on_username_and_changes_nothing(pool: PgPool) {
    let f = fixture(&pool).await;
    let before = (
        list(&pool, f.project).await.unwrap(),
        history(&pool, f.project).await.unwrap(),
    );
    let unknown = add(&pool, f.project, "nobody", ProjectRole::Viewer, f.owner)
        .await
        .unwrap_err();
    assert_eq!(unknown.field(), Some("username"));
    assert!(unknown.message().contains("no active user"), "{unknown}");
    let twice = add(&pool, f.project, "owner", ProjectRole::Viewer, f.owner)
        .await
        .unwrap_err();
    assert_eq!((twice.field(), twice.status()), (Some("username"), 409));
    let blank = add(&pool, f.project, " ", ProjectRole::Viewer, f.owner)
        .await
        .unwrap_err();
    assert_eq!(blank.field(), Some("username"));
    let after = (
        list(&pool, f.project).await.unwrap(),
        history(&pool, f.project).await.unwrap(),
    );
    assert_eq!(before, after);
}

#[sqlx::test(migrations = "../migrations")]
async fn the_last_owner_can_be_neither_removed_nor_demoted_but_a_second_owner_frees_them(pool: PgPool) {
    let f = fixture(&pool).await;
    let error = crate::server::membership::remove(&pool, f.project, "owner", f.owner)
        .await
        .unwrap_err();
    assert_eq!(error.field(), Some("username"));
    let error = change_role(&pool, f.project, "owner", ProjectRole::Manager, f.owner)
        .await
        .unwrap_err();
    assert!(error.message().contains("last owner"), "{error}");
    assert!(roles(&list(&pool, f.project).await.unwrap()).contains(&("owner", ProjectRole::Owner)));

    change_role(&pool, f.project, "olga", ProjectRole::Owner, f.owner)
        .await
        .unwrap();
    change_role(&pool, f.project, "owner", ProjectRole::Manager, f.owner)
        .await
        .unwrap();
    crate::server::membership::remove(&pool, f.project, "owner", f.owner)
        .await
        .unwrap();
    assert_eq!(
        roles(&list(&pool, f.project).await.unwrap()),
        [("olga", ProjectRole::Owner)]
    );
    let history = history(&pool, f.project).await.unwrap();
    let changes: Vec<_> = history
        .iter()
        .map(|c| (c.username.as_str(), c.old_role, c.new_role))
        .collect();
    assert_eq!(
        changes,
        [
            ("owner", Some(ProjectRole::Manager), None),
            ("owner", Some(ProjectRole::Owner), Some(ProjectRole::Manager)),
            ("olga", Some(ProjectRole::Viewer), Some(ProjectRole::Owner)),
            ("olga", None, Some(ProjectRole::Viewer)),
            ("owner", None, Some(ProjectRole::Owner)),
        ]
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn changing_a_non_member_is_refused_and_the_same_role_records_nothing(pool: PgPool) {
    let f = fixture(&pool).await;
    user(&pool, "zed", "viewer").await;
    let error = change_role(&pool, f.project, "zed", ProjectRole::Viewer, f.owner)
        .await
        .unwrap_err();
    assert!(error.message().contains("not a member"), "{error}");
    change_role(&pool, f.project, "owner", ProjectRole::Owner, f.owner)
        .await
        .unwrap();
    assert_eq!(history(&pool, f.project).await.unwrap().len(), 2);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_users_memberships_and_the_candidates_to_add_are_complementary(pool: PgPool) {
    let f = fixture(&pool).await;
    let anna = user(&pool, "anna", "annotator").await;
    user(&pool, "xavier", "viewer").await;
    add(&pool, f.project, "anna", ProjectRole::Annotator, f.owner)
        .await
        .unwrap();
    assert_eq!(
        of_user(&pool, anna).await.unwrap(),
        vec![Membership {
            slug: "bot".into(),
            role: ProjectRole::Annotator
        }]
    );
    let candidates: Vec<String> = candidates(&pool, f.project)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.username)
        .collect();
    assert_eq!(candidates, ["xavier"]);
    let owners: Vec<String> = people(&pool, f.project)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.username)
        .collect();
    assert_eq!(
        owners,
        ["anna", "olga", "owner"],
        "members may own metrics; xavier is no member"
    );
    assert_eq!(
        usernames_with_role(&pool, f.project, ProjectRole::Annotator)
            .await
            .unwrap(),
        ["anna"]
    );
}

/// Runs the migration files whose names pass `wanted`, in order.
async fn run_migrations(pool: &PgPool, wanted: impl Fn(&str) -> bool) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../migrations");
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    for file in files {
        let stem = file.file_name().unwrap().to_string_lossy().into_owned();
        if wanted(&stem) {
            let sql = std::fs::read_to_string(&file).unwrap();
            sqlx::raw_sql(&sql).execute(pool).await.unwrap();
        }
    }
}

#[sqlx::test(migrations = false)]
async fn the_migration_makes_every_existing_user_a_member_of_every_project_with_their_role(pool: PgPool) {
    const MEMBERSHIP: &str = "20261125000010";
    run_migrations(&pool, |name| name < MEMBERSHIP).await;
    sqlx::raw_sql(
        "INSERT INTO users (username, display_name, password_hash, role) VALUES
            ('ada', 'Ada', 'h', 'admin'), ('otto', 'Otto', 'h', 'owner'),
            ('mia', 'Mia', 'h', 'manager'), ('anna', 'Anna', 'h', 'annotator');
         INSERT INTO projects (slug, name, created_by) SELECT 'bot', 'Bot', id FROM users WHERE username = 'otto';
         INSERT INTO projects (slug, name, created_by) SELECT 'rag', 'RAG', id FROM users WHERE username = 'ada';",
    )
    .execute(&pool)
    .await
    .unwrap();
    run_migrations(&pool, |name| name.starts_with(MEMBERSHIP)).await;

    let members: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT p.slug, u.username, m.role FROM project_members m
         JOIN projects p ON p.id = m.project_id JOIN users u ON u.id = m.user_id
         ORDER BY p.slug, u.username",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let expected: Vec<(String, String, String)> = [
        ("bot", "anna", "annotator"),
        ("bot", "mia", "manager"),
        ("bot", "otto", "owner"),
        ("rag", "anna", "annotator"),
        ("rag", "mia", "manager"),
        ("rag", "otto", "owner"),
    ]
    .into_iter()
    .map(|(a, b, c)| (a.into(), b.into(), c.into()))
    .collect();
    assert_eq!(members, expected, "admins are global and need no membership");
    let recorded: i64 =
        sqlx::query_scalar("SELECT count(*) FROM project_member_changes WHERE old_role IS NULL")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(recorded, 6, "each migrated membership is recorded as added");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_deactivated_owner_does_not_keep_a_project_owned(pool: PgPool) {
    let f = fixture(&pool).await;
    change_role(&pool, f.project, "olga", ProjectRole::Owner, f.owner)
        .await
        .unwrap();
    sqlx::query("UPDATE users SET active = false WHERE username = 'olga'")
        .execute(&pool)
        .await
        .unwrap();
    let error = crate::server::membership::remove(&pool, f.project, "owner", f.owner)
        .await
        .unwrap_err();
    assert!(error.message().contains("last owner"), "{error}");
}

#[sqlx::test(migrations = "../migrations")]
async fn an_owner_removed_or_demoted_loses_the_keys_they_created(pool: PgPool) {
    let f = fixture(&pool).await;
    change_role(&pool, f.project, "olga", ProjectRole::Owner, f.owner)
        .await
        .unwrap();
    let olga: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'olga'")
        .fetch_one(&pool)
        .await
        .unwrap();
    for (creator, prefix) in [(olga, "vk_olga0001"), (f.owner, "vk_otto0001")] {
        sqlx::query("INSERT INTO api_keys (project_id, name, prefix, digest, created_by) VALUES ($1, 'ci', $2, '\\x00', $3)")
            .bind(f.project)
            .bind(prefix)
            .bind(creator)
            .execute(&pool)
            .await
            .unwrap();
    }
    change_role(&pool, f.project, "olga", ProjectRole::Manager, f.owner)
        .await
        .unwrap();
    let live: Vec<String> =
        sqlx::query_scalar("SELECT prefix FROM api_keys WHERE revoked_at IS NULL ORDER BY prefix")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(
        live,
        ["vk_otto0001"],
        "olga's key ended with her ownership; otto's stays"
    );
}
