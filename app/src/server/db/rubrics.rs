//! Rubrics and their versions. Editing a rubric that has ratings adds a version (ratings keep
//! the version they were made under); editing one without ratings changes it in place.

use super::map_unique;
use crate::domain::rubric::{Level, RubricDraft, RubricView, Scale};
use crate::error::AppError;
use sqlx::types::Json;
use sqlx::{PgConnection, PgPool};

const SELECT: &str = "SELECT r.id, v.id AS version_id, r.name, v.version, v.scale, v.levels, v.instructions,
        (SELECT count(*) FROM ratings g JOIN rubric_versions w ON w.id = g.rubric_version_id
         WHERE w.rubric_id = r.id) AS ratings
    FROM rubrics r
    JOIN LATERAL (SELECT * FROM rubric_versions v WHERE v.rubric_id = r.id ORDER BY v.version DESC LIMIT 1) v ON true";

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    version_id: i64,
    name: String,
    version: i32,
    scale: Scale,
    levels: Json<Vec<Level>>,
    instructions: String,
    ratings: i64,
}

impl Row {
    fn view(self) -> RubricView {
        RubricView {
            id: self.id,
            version_id: self.version_id,
            name: self.name,
            version: self.version,
            scale: self.scale,
            levels: self.levels.0,
            instructions: self.instructions,
            ratings: self.ratings,
        }
    }
}

/// The project's rubrics at their current versions, by name.
pub async fn list(pool: &PgPool, project_id: i64) -> Result<Vec<RubricView>, AppError> {
    let rows: Vec<Row> = sqlx::query_as(&format!("{SELECT} WHERE r.project_id = $1 ORDER BY r.name"))
        .bind(project_id)
        .fetch_all(pool)
        .await?;
    Ok(rows.into_iter().map(Row::view).collect())
}

/// One rubric of the project at its current version, or 404.
pub async fn get(pool: &PgPool, project_id: i64, id: i64) -> Result<RubricView, AppError> {
    let row: Option<Row> = sqlx::query_as(&format!("{SELECT} WHERE r.project_id = $1 AND r.id = $2"))
        .bind(project_id)
        .bind(id)
        .fetch_optional(pool)
        .await?;
    row.map(Row::view)
        .ok_or_else(|| AppError::NotFound(format!("rubric {id}")))
}

/// A rubric version by id (what an annotator rated under).
pub async fn version(pool: &PgPool, version_id: i64) -> Result<RubricView, AppError> {
    let row: Option<Row> = sqlx::query_as(
        "SELECT r.id, v.id AS version_id, r.name, v.version, v.scale, v.levels, v.instructions, 0::bigint AS ratings
         FROM rubric_versions v JOIN rubrics r ON r.id = v.rubric_id WHERE v.id = $1",
    )
    .bind(version_id)
    .fetch_optional(pool)
    .await?;
    row.map(Row::view)
        .ok_or_else(|| AppError::NotFound(format!("rubric version {version_id}")))
}

async fn insert_version(
    connection: &mut PgConnection,
    rubric_id: i64,
    version: i32,
    draft: &RubricDraft,
    user_id: i64,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO rubric_versions (rubric_id, version, scale, levels, instructions, created_by)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(rubric_id)
    .bind(version)
    .bind(draft.scale.as_str())
    .bind(Json(&draft.levels))
    .bind(&draft.instructions)
    .bind(user_id)
    .execute(connection)
    .await?;
    Ok(())
}

const TAKEN: &str = "another rubric of this project has this name";

/// Creates a rubric at version 1.
pub async fn insert(
    pool: &PgPool,
    project_id: i64,
    draft: &RubricDraft,
    user_id: i64,
) -> Result<i64, AppError> {
    let mut tx = pool.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO rubrics (project_id, name, created_by) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(project_id)
    .bind(&draft.name)
    .bind(user_id)
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| map_unique(e, "rubrics_project_name_key", "name", TAKEN))?;
    insert_version(&mut tx, id, 1, draft, user_id).await?;
    tx.commit().await?;
    Ok(id)
}

/// Saves an edit: a new version when the current one has ratings, else in place. Answers the
/// rubric as it now is.
pub async fn update(
    pool: &PgPool,
    project_id: i64,
    id: i64,
    draft: &RubricDraft,
    user_id: i64,
) -> Result<RubricView, AppError> {
    let mut tx = pool.begin().await?;
    // Locks the rubric so two edits cannot both add the same version number.
    #[derive(sqlx::FromRow)]
    struct Current {
        version_id: i64,
        version: i32,
        rated: bool,
    }
    let current: Option<Current> = sqlx::query_as(
        "SELECT v.id AS version_id, v.version,
            EXISTS (SELECT 1 FROM ratings g WHERE g.rubric_version_id = v.id) AS rated
         FROM rubrics r JOIN rubric_versions v ON v.rubric_id = r.id
         WHERE r.project_id = $1 AND r.id = $2
         ORDER BY v.version DESC LIMIT 1 FOR UPDATE OF r",
    )
    .bind(project_id)
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(Current {
        version_id,
        version,
        rated,
    }) = current
    else {
        return Err(AppError::NotFound(format!("rubric {id}")));
    };
    sqlx::query("UPDATE rubrics SET name = $2 WHERE id = $1")
        .bind(id)
        .bind(&draft.name)
        .execute(&mut *tx)
        .await
        .map_err(|e| map_unique(e, "rubrics_project_name_key", "name", TAKEN))?;
    if rated {
        insert_version(&mut tx, id, version + 1, draft, user_id).await?;
    } else {
        sqlx::query("UPDATE rubric_versions SET scale = $2, levels = $3, instructions = $4 WHERE id = $1")
            .bind(version_id)
            .bind(draft.scale.as_str())
            .bind(Json(&draft.levels))
            .bind(&draft.instructions)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    get(pool, project_id, id).await
}

#[cfg(test)]
mod tests;
