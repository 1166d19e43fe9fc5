//! Failed sign-ins in a row per account name and client address (see `domain::throttle`).

use crate::domain::throttle::{Lockout, Scope};
use crate::error::AppError;
use chrono::{DateTime, Utc};
use sqlx::PgPool;

/// The latest lock among `subjects` still in force at `now`.
pub async fn locked_until(
    pool: &PgPool,
    subjects: &[(Scope, &str)],
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, AppError> {
    let scopes: Vec<&str> = subjects.iter().map(|(s, _)| s.as_str()).collect();
    let names: Vec<&str> = subjects.iter().map(|(_, n)| *n).collect();
    Ok(sqlx::query_scalar(
        "SELECT max(f.locked_until) FROM sign_in_failures f
         JOIN unnest($1::text[], $2::text[]) AS s(scope, subject) USING (scope, subject)
         WHERE f.locked_until > $3",
    )
    .bind(&scopes)
    .bind(&names)
    .bind(now)
    .fetch_one(pool)
    .await?)
}

/// Counts a failure of `subject` at `now` and answers the lock it earns, if any.
pub async fn record(
    pool: &PgPool,
    scope: Scope,
    subject: &str,
    now: DateTime<Utc>,
) -> Result<(u32, Option<DateTime<Utc>>), AppError> {
    let policy = scope.policy();
    let mut tx = pool.begin().await?;
    let stored: Option<(i32, DateTime<Utc>)> = sqlx::query_as(
        "SELECT failures, last_failure_at FROM sign_in_failures WHERE scope = $1 AND subject = $2 FOR UPDATE",
    )
    .bind(scope.as_str())
    .bind(subject)
    .fetch_optional(&mut *tx)
    .await?;
    let failures = policy.count(
        stored.map_or(0, |(n, _)| u32::try_from(n).unwrap_or(0)),
        stored.map(|(_, at)| at),
        now,
    );
    let locked_until = policy.lock(failures).map(|lock| now + lock);
    sqlx::query(
        "INSERT INTO sign_in_failures (scope, subject, failures, last_failure_at, locked_until)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (scope, subject) DO UPDATE
         SET failures = $3, last_failure_at = $4, locked_until = $5",
    )
    .bind(scope.as_str())
    .bind(subject)
    .bind(i32::try_from(failures).unwrap_or(i32::MAX))
    .bind(now)
    .bind(locked_until)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok((failures, locked_until))
}

/// Forgets the failures of `subjects` (a successful sign-in, or an admin lifting a lock);
/// answers how many counts there were.
pub async fn forget(pool: &PgPool, subjects: &[(Scope, &str)]) -> Result<u64, AppError> {
    let scopes: Vec<&str> = subjects.iter().map(|(s, _)| s.as_str()).collect();
    let names: Vec<&str> = subjects.iter().map(|(_, n)| *n).collect();
    Ok(sqlx::query(
        "DELETE FROM sign_in_failures f USING unnest($1::text[], $2::text[]) AS s(scope, subject)
         WHERE f.scope = s.scope AND f.subject = s.subject",
    )
    .bind(&scopes)
    .bind(&names)
    .execute(pool)
    .await?
    .rows_affected())
}

/// A stored count of failures, with its lock.
#[derive(sqlx::FromRow)]
struct Row {
    scope: String,
    subject: String,
    failures: i32,
    last_failure_at: DateTime<Utc>,
    locked_until: Option<DateTime<Utc>>,
}

/// Every count of recent failures, locked ones first, newest first.
pub async fn list(pool: &PgPool, now: DateTime<Utc>) -> Result<Vec<Lockout>, AppError> {
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT scope, subject, failures, last_failure_at, locked_until FROM sign_in_failures
         WHERE last_failure_at > $1 - interval '1 day' OR locked_until > $1
         ORDER BY (locked_until > $1) DESC NULLS LAST, last_failure_at DESC LIMIT 500",
    )
    .bind(now)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            Some(Lockout {
                scope: Scope::parse(&row.scope)?,
                subject: row.subject,
                failures: u32::try_from(row.failures).unwrap_or(0),
                last_failure_at: row.last_failure_at,
                locked_until: row.locked_until.filter(|until| *until > now),
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[sqlx::test(migrations = "../migrations")]
    async fn the_sixth_failure_locks_and_forgetting_lifts_it(pool: PgPool) {
        let now = Utc::now();
        let subjects = [(Scope::Account, "mia"), (Scope::Address, "10.0.0.7")];
        for n in 1..=5 {
            let (count, lock) = record(&pool, Scope::Account, "mia", now).await.unwrap();
            assert_eq!((count, lock), (n, None));
        }
        assert_eq!(locked_until(&pool, &subjects, now).await.unwrap(), None);
        let (count, lock) = record(&pool, Scope::Account, "mia", now).await.unwrap();
        assert_eq!((count, lock), (6, Some(now + Duration::seconds(30))));
        let until = locked_until(&pool, &subjects, now).await.unwrap().unwrap();
        assert!((until - (now + Duration::seconds(30))).num_milliseconds().abs() < 1);
        assert_eq!(
            locked_until(&pool, &subjects, now + Duration::seconds(31))
                .await
                .unwrap(),
            None
        );
        assert_eq!(
            locked_until(&pool, &[(Scope::Account, "otto")], now)
                .await
                .unwrap(),
            None
        );

        let listed = list(&pool, now).await.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!((listed[0].scope, listed[0].failures), (Scope::Account, 6));
        assert!(listed[0].locked_until.is_some());

        assert_eq!(forget(&pool, &subjects).await.unwrap(), 1);
        assert_eq!(locked_until(&pool, &subjects, now).await.unwrap(), None);
        assert_eq!(
            record(&pool, Scope::Account, "mia", now).await.unwrap(),
            (1, None)
        );
    }
}
