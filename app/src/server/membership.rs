//! Leaving a project as a use case: the membership ends and what the member was still assigned
//! to rate is released — marked skipped, saying why — so that items rated by several annotators
//! settle on the others' ratings instead of waiting for someone who can no longer rate them. All
//! in one transaction.

use super::db;
use crate::error::AppError;
use sqlx::PgPool;

/// Why a released assignment was skipped.
pub const RELEASED: &str = "released: the annotator was removed from the project";

/// Removes a member (see `db::members::remove_in`) and releases their pending assignments;
/// answers how many were released.
pub async fn remove(pool: &PgPool, project_id: i64, username: &str, by: i64) -> Result<usize, AppError> {
    let mut tx = pool.begin().await?;
    let user_id = db::members::remove_in(&mut tx, project_id, username, by).await?;
    let released = db::ratings::release_pending(&mut tx, project_id, user_id, RELEASED).await?;
    for (item, output) in &released {
        super::annotation::settle(&mut tx, *item, *output).await?;
    }
    tx.commit().await?;
    Ok(released.len())
}

#[cfg(test)]
mod tests;
