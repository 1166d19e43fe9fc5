//! Re-scoring jobs: queued by metric changes or by people, claimed by a worker with a lease, and
//! advanced chunk by chunk so an interrupted job resumes at its cursor.

use super::database;
use crate::domain::scoring_job::{JobReason, JobStatus, JobView};
use crate::error::AppError;
use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};

/// Queues a job for `metric_id`; an open job of the same metric is cancelled (superseded).
pub async fn enqueue_in(
    connection: &mut PgConnection,
    project_id: i64,
    metric_id: i64,
    reason: JobReason,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
    by: Option<i64>,
) -> Result<i64, AppError> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO scoring_jobs (project_id, metric_id, reason, from_time, to_time, created_by)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(project_id)
    .bind(metric_id)
    .bind(reason.as_str())
    .bind(from)
    .bind(to)
    .bind(by)
    .fetch_one(&mut *connection)
    .await?;
    sqlx::query(
        "UPDATE scoring_jobs SET status = 'cancelled', finished_at = now(), lease_until = NULL,
            message = 'superseded by job ' || $2
         WHERE metric_id = $1 AND id <> $2 AND status IN ('queued', 'running')",
    )
    .bind(metric_id)
    .bind(id)
    .execute(&mut *connection)
    .await?;
    Ok(id)
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    metric_key: String,
    reason: JobReason,
    from_time: DateTime<Utc>,
    to_time: DateTime<Utc>,
    status: JobStatus,
    total: Option<i32>,
    done: i32,
    errors: i32,
    message: String,
    created_by: Option<String>,
    created_at: DateTime<Utc>,
    finished_at: Option<DateTime<Utc>>,
}

impl Row {
    fn view(self) -> Result<JobView, AppError> {
        Ok(JobView {
            id: self.id,
            metric_key: self.metric_key,
            reason: self.reason,
            from_time: self.from_time,
            to_time: self.to_time,
            status: self.status,
            total: self.total,
            done: self.done,
            errors: self.errors,
            message: self.message,
            created_by: self.created_by,
            created_at: self.created_at,
            finished_at: self.finished_at,
        })
    }
}

/// The latest jobs of a metric, newest first.
pub async fn of_metric(pool: &PgPool, metric_id: i64, limit: i64) -> Result<Vec<JobView>, AppError> {
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT j.id, m.key AS metric_key, j.reason, j.from_time, j.to_time, j.status, j.total, j.done, j.errors,
                j.message, u.username AS created_by, j.created_at, j.finished_at
         FROM scoring_jobs j JOIN metrics m ON m.id = j.metric_id LEFT JOIN users u ON u.id = j.created_by
         WHERE j.metric_id = $1 ORDER BY j.id DESC LIMIT $2",
    )
    .bind(metric_id)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(Row::view).collect()
}

/// A job a worker holds.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Claimed {
    pub id: i64,
    pub project_id: i64,
    pub metric_id: i64,
    pub from_time: DateTime<Utc>,
    pub to_time: DateTime<Utc>,
    pub total: Option<i32>,
    pub cursor: i64,
}

/// Takes the oldest open job whose lease is free (never taken, or its worker stopped) for
/// `lease_secs`.
pub async fn claim(pool: &PgPool, lease_secs: i32) -> Result<Option<Claimed>, AppError> {
    sqlx::query_as(
        "UPDATE scoring_jobs SET status = 'running', lease_until = now() + make_interval(secs => $1),
            started_at = COALESCE(started_at, now())
         WHERE id = (SELECT id FROM scoring_jobs
                     WHERE status IN ('queued', 'running') AND (lease_until IS NULL OR lease_until < now())
                     ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
         RETURNING id, project_id, metric_id, from_time, to_time, total, cursor",
    )
    .bind(lease_secs)
    .fetch_optional(pool)
    .await
    .map_err(database)
}

/// Counts the outputs in the job's range and records the total.
pub async fn count_total(pool: &PgPool, job: &Claimed) -> Result<i32, AppError> {
    let total: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM outputs WHERE project_id = $1 AND occurred_at BETWEEN $2 AND $3",
    )
    .bind(job.project_id)
    .bind(job.from_time)
    .bind(job.to_time)
    .fetch_one(pool)
    .await?;
    let total = i32::try_from(total).unwrap_or(i32::MAX);
    sqlx::query("UPDATE scoring_jobs SET total = $2 WHERE id = $1")
        .bind(job.id)
        .bind(total)
        .execute(pool)
        .await?;
    Ok(total)
}

/// Moves the cursor past a scored chunk and releases the lease, so the next chunk goes to
/// whichever worker asks first; `false` when the job is no longer running (cancelled meanwhile),
/// so the caller must roll back.
pub async fn advance(
    connection: &mut PgConnection,
    id: i64,
    cursor: i64,
    done: i32,
    errors: i32,
) -> Result<bool, AppError> {
    let updated = sqlx::query(
        "UPDATE scoring_jobs SET cursor = $2, done = done + $3, errors = errors + $4, lease_until = NULL
         WHERE id = $1 AND status = 'running'",
    )
    .bind(id)
    .bind(cursor)
    .bind(done)
    .bind(errors)
    .execute(&mut *connection)
    .await?;
    Ok(updated.rows_affected() == 1)
}

/// Ends a running job.
pub async fn finish(pool: &PgPool, id: i64, status: JobStatus, message: &str) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE scoring_jobs SET status = $2, message = $3, finished_at = now(), lease_until = NULL
         WHERE id = $1 AND status = 'running'",
    )
    .bind(id)
    .bind(status.as_str())
    .bind(message)
    .execute(pool)
    .await?;
    Ok(())
}

/// Ends the project's open jobs as done with `message` (for outputs scored another way, as
/// the demo's traffic is at ingest); answers how many.
pub async fn finish_open(pool: &PgPool, project_id: i64, message: &str) -> Result<u64, AppError> {
    let done = sqlx::query(
        "UPDATE scoring_jobs SET status = 'done', message = $2, finished_at = now(), lease_until = NULL,
            total = COALESCE(total, done)
         WHERE project_id = $1 AND status IN ('queued', 'running')",
    )
    .bind(project_id)
    .bind(message)
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

#[cfg(test)]
mod tests;
