//! Projects.

use super::map_unique;
use crate::domain::membership::ProjectRole;
use crate::domain::project::{NewProject, ProjectListing, ProjectView};
use crate::error::AppError;
use sqlx::PgPool;

const SELECT: &str = "SELECT p.id, p.slug, p.name, p.description, p.purpose,
        u.display_name AS created_by, p.created_at
    FROM projects p JOIN users u ON u.id = p.created_by";

#[derive(sqlx::FromRow)]
struct ProjectRow {
    id: i64,
    slug: String,
    name: String,
    description: String,
    purpose: String,
    created_by: String,
    created_at: chrono::DateTime<chrono::Utc>,
}

impl From<ProjectRow> for ProjectView {
    fn from(row: ProjectRow) -> Self {
        Self {
            id: row.id,
            slug: row.slug,
            name: row.name,
            description: row.description,
            purpose: row.purpose,
            created_by: row.created_by,
            created_at: row.created_at,
        }
    }
}

/// Stores a new project; its creator becomes its first owner. A taken slug is a conflict.
pub async fn insert(pool: &PgPool, project: &NewProject, created_by: i64) -> Result<ProjectView, AppError> {
    let mut tx = pool.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO projects (slug, name, description, purpose, created_by)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(&project.slug)
    .bind(&project.name)
    .bind(&project.description)
    .bind(&project.purpose)
    .bind(created_by)
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| {
        map_unique(
            e,
            "projects_slug_key",
            "slug",
            "is already used by another project",
        )
    })?;
    super::members::add_in(&mut tx, id, created_by, ProjectRole::Owner, created_by).await?;
    tx.commit().await?;
    find(pool, "p.id = $1", id)
        .await?
        .ok_or_else(|| AppError::NotFound("Project".into()))
}

/// Every project, by name.
pub async fn list(pool: &PgPool) -> Result<Vec<ProjectView>, AppError> {
    let rows = sqlx::query_as::<_, ProjectRow>(&format!("{SELECT} ORDER BY lower(p.name), p.id"))
        .fetch_all(pool)
        .await?;
    Ok(rows.into_iter().map(ProjectView::from).collect())
}

/// The projects `user_id` is a member of, by name, with their role in each.
pub async fn list_for_member(pool: &PgPool, user_id: i64) -> Result<Vec<ProjectListing>, AppError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        project: ProjectRow,
        role: ProjectRole,
    }
    let rows = sqlx::query_as::<_, Row>(&format!(
        "{} JOIN project_members m ON m.project_id = p.id AND m.user_id = $1
         ORDER BY lower(p.name), p.id",
        SELECT.replacen(" FROM projects p", ", m.role FROM projects p", 1)
    ))
    .bind(user_id)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| ProjectListing {
            project: row.project.into(),
            role: row.role,
        })
        .collect())
}

/// One project by its id.
pub async fn find_by_id(pool: &PgPool, id: i64) -> Result<Option<ProjectView>, AppError> {
    find(pool, "p.id = $1", id).await
}

/// One project by slug.
pub async fn find_by_slug(pool: &PgPool, slug: &str) -> Result<Option<ProjectView>, AppError> {
    find(pool, "p.slug = $1", slug).await
}

/// The id of the project with `slug`; a missing project is not found.
pub async fn id_by_slug(pool: &PgPool, slug: &str) -> Result<i64, AppError> {
    sqlx::query_scalar("SELECT id FROM projects WHERE slug = $1")
        .bind(slug.trim())
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| crate::domain::membership::not_found(slug))
}

async fn find<T>(pool: &PgPool, condition: &str, value: T) -> Result<Option<ProjectView>, AppError>
where
    T: for<'q> sqlx::Encode<'q, sqlx::Postgres> + sqlx::Type<sqlx::Postgres> + Send,
{
    let row = sqlx::query_as::<_, ProjectRow>(&format!("{SELECT} WHERE {condition}"))
        .bind(value)
        .fetch_optional(pool)
        .await?;
    Ok(row.map(ProjectView::from))
}

/// Sets the metadata keys the project's dashboards break traffic down by, and recounts its
/// rollups, in one transaction.
pub async fn set_segment_keys(pool: &PgPool, project_id: i64, keys: &[String]) -> Result<(), AppError> {
    let mut checked: Vec<String> = Vec::new();
    for key in keys.iter().map(|k| k.trim()) {
        if key.is_empty() || key == "turn" {
            return Err(AppError::invalid(
                "segment_keys",
                "a segment key is a metadata key; it may be neither empty nor 'turn' (the turn segments are built in)",
            ));
        }
        if !checked.iter().any(|k| k == key) {
            checked.push(key.to_owned());
        }
    }
    let keys = &checked;
    let mut tx = pool.begin().await?;
    // A key no longer segmented by is no longer exported either.
    sqlx::query(
        "UPDATE projects SET segment_keys = $2, exported_segment_keys =
            ARRAY(SELECT k FROM unnest(exported_segment_keys) k WHERE k = ANY($2) OR k = 'turn')
         WHERE id = $1",
    )
    .bind(project_id)
    .bind(keys)
    .execute(&mut *tx)
    .await?;
    super::rollups::rebuild(&mut tx, project_id).await?;
    tx.commit().await?;
    Ok(())
}

/// Sets the segment keys whose values `/metrics` exports as labels: each must be a segment key
/// of the project, or `turn`.
pub async fn set_exported_segment_keys(
    pool: &PgPool,
    project_id: i64,
    keys: &[String],
) -> Result<Vec<String>, AppError> {
    let known = segment_keys(pool, project_id).await?;
    let mut checked: Vec<String> = Vec::new();
    for key in keys.iter().map(|k| k.trim()).filter(|k| !k.is_empty()) {
        if key != "turn" && !known.iter().any(|k| k == key) {
            return Err(AppError::invalid(
                "exported",
                format!("'{key}' is not a segment key of this project"),
            ));
        }
        if !checked.iter().any(|k| k == key) {
            checked.push(key.to_owned());
        }
    }
    sqlx::query("UPDATE projects SET exported_segment_keys = $2 WHERE id = $1")
        .bind(project_id)
        .bind(&checked)
        .execute(pool)
        .await?;
    Ok(checked)
}

/// The segment keys whose values `/metrics` exports.
pub async fn exported_segment_keys(pool: &PgPool, project_id: i64) -> Result<Vec<String>, AppError> {
    Ok(
        sqlx::query_scalar("SELECT exported_segment_keys FROM projects WHERE id = $1")
            .bind(project_id)
            .fetch_one(pool)
            .await?,
    )
}

/// The metadata keys the project's dashboards break traffic down by.
pub async fn segment_keys(pool: &PgPool, project_id: i64) -> Result<Vec<String>, AppError> {
    Ok(
        sqlx::query_scalar("SELECT segment_keys FROM projects WHERE id = $1")
            .bind(project_id)
            .fetch_one(pool)
            .await?,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::user::NewUser;
    use crate::server::db::users;

    async fn owner(pool: &PgPool) -> i64 {
        let user = NewUser::parse("olivia", "Olivia Owner", "a long password", "owner").unwrap();
        users::insert(pool, &user, "hash").await.unwrap().id
    }

    #[sqlx::test(migrations = "../migrations")]
    async fn a_created_project_is_listed_and_found_by_slug(pool: PgPool) {
        let by = owner(&pool).await;
        let project =
            NewProject::parse("Support bot — DACH", "", "German support", "Answer tickets").unwrap();
        let stored = insert(&pool, &project, by).await.unwrap();
        assert_eq!(
            (stored.slug.as_str(), stored.created_by.as_str()),
            ("support-bot-dach", "Olivia Owner")
        );
        assert_eq!(list(&pool).await.unwrap(), vec![stored.clone()]);
        assert_eq!(
            find_by_slug(&pool, "support-bot-dach").await.unwrap(),
            Some(stored)
        );
        assert_eq!(find_by_slug(&pool, "nope").await.unwrap(), None);
    }

    #[sqlx::test(migrations = "../migrations")]
    async fn the_creator_of_a_project_becomes_its_owner_and_sees_it_listed(pool: PgPool) {
        let by = owner(&pool).await;
        let stored = insert(&pool, &NewProject::parse("Bot", "bot", "", "").unwrap(), by)
            .await
            .unwrap();
        let listed = list_for_member(&pool, by).await.unwrap();
        assert_eq!(
            listed,
            vec![ProjectListing {
                project: stored,
                role: ProjectRole::Owner
            }]
        );
        let other = users::insert(
            &pool,
            &NewUser::parse("viv", "Viv", "a long password", "viewer").unwrap(),
            "h",
        )
        .await
        .unwrap();
        assert_eq!(list_for_member(&pool, other.id).await.unwrap(), vec![]);
    }

    #[sqlx::test(migrations = "../migrations")]
    async fn a_taken_slug_is_a_conflict_on_the_slug_field(pool: PgPool) {
        let by = owner(&pool).await;
        insert(&pool, &NewProject::parse("Bot", "bot", "", "").unwrap(), by)
            .await
            .unwrap();
        let error = insert(&pool, &NewProject::parse("Other bot", "bot", "", "").unwrap(), by)
            .await
            .unwrap_err();
        assert_eq!(error.field(), Some("slug"));
        assert_eq!(list(&pool).await.unwrap().len(), 1);
    }

    #[sqlx::test(migrations = "../migrations")]
    async fn projects_are_listed_by_name_ignoring_case(pool: PgPool) {
        let by = owner(&pool).await;
        for name in ["beta", "Alpha", "gamma"] {
            insert(&pool, &NewProject::parse(name, "", "", "").unwrap(), by)
                .await
                .unwrap();
        }
        let names: Vec<String> = list(&pool).await.unwrap().into_iter().map(|p| p.name).collect();
        assert_eq!(names, ["Alpha", "beta", "gamma"]);
    }

    #[sqlx::test(migrations = "../migrations")]
    async fn segment_keys_are_checked_deduplicated_and_recount_the_rollups(pool: PgPool) {
        let f = crate::server::db::fixture::fixture(&pool).await;
        crate::server::db::fixture::active_no_delve(&pool, &f, "no-delve").await;
        crate::server::db::fixture::ingest(
            &pool,
            f.project,
            vec![serde_json::json!({"version": "v1", "output": "Gern.", "metadata": {"language": "de"}})],
        )
        .await;
        let keys = |list: &[&str]| list.iter().map(|k| k.to_string()).collect::<Vec<_>>();
        for bad in [keys(&["turn"]), keys(&["language", " "])] {
            let refused = set_segment_keys(&pool, f.project, &bad).await.unwrap_err();
            assert_eq!(refused.field(), Some("segment_keys"));
        }
        assert!(
            segment_keys(&pool, f.project).await.unwrap().is_empty(),
            "nothing stored"
        );
        set_segment_keys(&pool, f.project, &keys(&["language", " language "]))
            .await
            .unwrap();
        assert_eq!(segment_keys(&pool, f.project).await.unwrap(), ["language"]);
        let segments = crate::server::db::trends::segments(&pool, f.project)
            .await
            .unwrap();
        assert_eq!(
            segments.iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["language=de"],
            "recounted"
        );
    }
}
