//! Project API keys.

use crate::domain::api_key::ApiKeyView;
use crate::error::AppError;
use sqlx::PgPool;

const SELECT: &str =
    "SELECT k.id, k.name, k.prefix, u.display_name AS created_by, k.created_at, k.last_used_at,
        k.revoked_at
    FROM api_keys k JOIN users u ON u.id = k.created_by";

/// Stores a new key's digest.
pub async fn insert(
    pool: &PgPool,
    project_id: i64,
    name: &str,
    prefix: &str,
    digest: &[u8],
    by: i64,
) -> Result<ApiKeyView, AppError> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO api_keys (project_id, name, prefix, digest, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(project_id)
    .bind(name)
    .bind(prefix)
    .bind(digest)
    .bind(by)
    .fetch_one(pool)
    .await?;
    Ok(sqlx::query_as(&format!("{SELECT} WHERE k.id = $1"))
        .bind(id)
        .fetch_one(pool)
        .await?)
}

/// A project's keys, newest first, revoked ones included.
pub async fn list(pool: &PgPool, project_id: i64) -> Result<Vec<ApiKeyView>, AppError> {
    Ok(sqlx::query_as(&format!(
        "{SELECT} WHERE k.project_id = $1 ORDER BY k.created_at DESC, k.id DESC"
    ))
    .bind(project_id)
    .fetch_all(pool)
    .await?)
}

/// Revokes a key of the project; revoking twice keeps the first time.
pub async fn revoke(pool: &PgPool, project_id: i64, id: i64) -> Result<(), AppError> {
    let done = sqlx::query(
        "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1 AND project_id = $2",
    )
    .bind(id)
    .bind(project_id)
    .execute(pool)
    .await?;
    if done.rows_affected() == 0 {
        return Err(AppError::NotFound("API key".into()));
    }
    Ok(())
}

/// Revokes the live keys `user_id` created, in one project or (`None`) in every project: their
/// owner rights end with the creator's.
pub async fn revoke_created_by(
    connection: &mut sqlx::PgConnection,
    project_id: Option<i64>,
    user_id: i64,
) -> Result<u64, AppError> {
    let done = sqlx::query(
        "UPDATE api_keys SET revoked_at = now()
         WHERE created_by = $1 AND ($2::int8 IS NULL OR project_id = $2) AND revoked_at IS NULL",
    )
    .bind(user_id)
    .bind(project_id)
    .execute(&mut *connection)
    .await?;
    Ok(done.rows_affected())
}

/// A live key's project, creator and digest, by prefix.
#[derive(sqlx::FromRow)]
pub struct KeyRecord {
    pub id: i64,
    pub project_id: i64,
    pub created_by: i64,
    pub digest: Vec<u8>,
}

/// The live (not revoked) key with `prefix`.
pub async fn find_live(pool: &PgPool, prefix: &str) -> Result<Option<KeyRecord>, AppError> {
    Ok(sqlx::query_as(
        "SELECT id, project_id, created_by, digest FROM api_keys WHERE prefix = $1 AND revoked_at IS NULL",
    )
    .bind(prefix)
    .fetch_optional(pool)
    .await?)
}

/// Records use, at most once a minute per key so busy clients do not write on every call.
pub async fn touch(pool: &PgPool, id: i64) -> Result<(), AppError> {
    sqlx::query("UPDATE api_keys SET last_used_at = now() WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')")
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests;
