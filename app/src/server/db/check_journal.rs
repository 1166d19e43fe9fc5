//! How far each check-journal segment has been stored (see `recording::journal`).

use super::database;
use crate::error::AppError;
use sqlx::{PgConnection, PgPool};

/// How many of the segment's checks are stored (0 for a segment never replayed).
pub async fn stored(pool: &PgPool, segment: &str) -> Result<usize, AppError> {
    let stored: Option<i32> =
        sqlx::query_scalar("SELECT stored FROM check_journal_progress WHERE segment = $1")
            .bind(segment)
            .fetch_optional(pool)
            .await
            .map_err(database)?;
    Ok(stored.unwrap_or(0).max(0) as usize)
}

/// Takes the segment for the caller's transaction (other servers replaying the same folder
/// wait until it ends) and answers how many of its checks are stored.
pub async fn claim(connection: &mut PgConnection, segment: &str) -> Result<usize, AppError> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended('check_journal:' || $1, 0))")
        .bind(segment)
        .execute(&mut *connection)
        .await
        .map_err(database)?;
    let stored: Option<i32> =
        sqlx::query_scalar("SELECT stored FROM check_journal_progress WHERE segment = $1")
            .bind(segment)
            .fetch_optional(&mut *connection)
            .await
            .map_err(database)?;
    Ok(stored.unwrap_or(0).max(0) as usize)
}

/// Records, in the transaction storing them, that the segment's first `stored` checks are in
/// (progress never moves back).
pub async fn advance(connection: &mut PgConnection, segment: &str, stored: usize) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO check_journal_progress (segment, stored) VALUES ($1, $2)
         ON CONFLICT (segment) DO UPDATE SET stored = GREATEST(check_journal_progress.stored, EXCLUDED.stored)",
    )
    .bind(segment)
    .bind(i32::try_from(stored).unwrap_or(i32::MAX))
    .execute(connection)
    .await
    .map_err(database)?;
    Ok(())
}

/// Forgets a segment once its file is gone.
pub async fn forget(pool: &PgPool, segment: &str) -> Result<(), AppError> {
    sqlx::query("DELETE FROM check_journal_progress WHERE segment = $1")
        .bind(segment)
        .execute(pool)
        .await
        .map_err(database)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[sqlx::test(migrations = "../migrations")]
    async fn progress_is_kept_per_segment_until_forgotten(pool: PgPool) {
        assert_eq!(stored(&pool, "a").await.unwrap(), 0);
        let mut tx = pool.begin().await.unwrap();
        advance(&mut tx, "a", 500).await.unwrap();
        advance(&mut tx, "a", 700).await.unwrap();
        advance(&mut tx, "a", 600).await.unwrap();
        assert_eq!(
            claim(&mut tx, "a").await.unwrap(),
            700,
            "the transaction sees its own progress"
        );
        tx.commit().await.unwrap();
        let mut rolled_back = pool.begin().await.unwrap();
        advance(&mut rolled_back, "b", 5).await.unwrap();
        drop(rolled_back);
        assert_eq!(
            (
                stored(&pool, "a").await.unwrap(),
                stored(&pool, "b").await.unwrap()
            ),
            (700, 0)
        );
        forget(&pool, "a").await.unwrap();
        assert_eq!(stored(&pool, "a").await.unwrap(), 0);
    }
}
