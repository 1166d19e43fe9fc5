//! Remembered answers to requests that carried an `Idempotency-Key`.

use super::map_unique;
use crate::error::AppError;
use sqlx::{PgConnection, PgPool};

/// A remembered answer: the request's digest, status and body.
#[derive(sqlx::FromRow)]
pub struct Remembered {
    pub digest: Vec<u8>,
    #[sqlx(try_from = "i16")]
    pub status: u16,
    pub response: serde_json::Value,
}

/// The answer remembered for `key` in the project.
pub async fn find(pool: &PgPool, project_id: i64, key: &str) -> Result<Option<Remembered>, AppError> {
    Ok(sqlx::query_as(
        "SELECT request_digest AS digest, status, response FROM idempotency_keys WHERE project_id = $1 AND key = $2",
    )
    .bind(project_id)
    .bind(key)
    .fetch_optional(pool)
    .await?)
}

/// Remembers an answer within the request's transaction; a concurrent request with the same
/// key loses with a conflict and can retry to get the stored answer.
pub async fn remember(
    connection: &mut PgConnection,
    project_id: i64,
    key: &str,
    digest: &[u8],
    status: u16,
    response: &serde_json::Value,
) -> Result<(), AppError> {
    sqlx::query("INSERT INTO idempotency_keys (project_id, key, request_digest, status, response) VALUES ($1, $2, $3, $4, $5)")
        .bind(project_id)
        .bind(key)
        .bind(digest)
        .bind(status as i16)
        .bind(response)
        .execute(connection)
        .await
        .map_err(|e| map_unique(e, "idempotency_keys_pkey", "Idempotency-Key", "a request with this key is being processed; retry"))?;
    Ok(())
}

#[cfg(test)]
mod tests;
