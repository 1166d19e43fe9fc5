//! Scores: written in bulk (at ingest and by re-scoring jobs), claimed by the worker when an
//! endpoint scorer is due, and read per output.

use super::database;
use crate::domain::output_browse::ScoreView;
use crate::error::AppError;
use crate::server::scoring::active::ScoreRow;
use sqlx::{PgConnection, PgPool};

/// Writes scores, replacing an output's earlier score of the same metric.
pub async fn upsert(
    connection: &mut PgConnection,
    rows: &[(i64, ScoreRow)],
    version: &str,
) -> Result<(), AppError> {
    if rows.is_empty() {
        return Ok(());
    }
    let retry = |f: fn(&ScoreRow) -> Option<i32>| rows.iter().map(|(_, r)| f(r)).collect::<Vec<_>>();
    sqlx::query(
        "INSERT INTO scores (output_id, metric_id, value, passed, rationale, error, scorer_version, attempts, retry_at)
         SELECT t.output_id, t.metric_id, t.value, t.passed, t.rationale, t.error, $7, COALESCE(t.attempts, 0),
                now() + make_interval(secs => t.after_secs)
         FROM UNNEST($1::bigint[], $2::bigint[], $3::float8[], $4::bool[], $5::text[], $6::text[], $8::int[], $9::int[])
            AS t(output_id, metric_id, value, passed, rationale, error, attempts, after_secs)
         ON CONFLICT (output_id, metric_id) DO UPDATE SET
            value = EXCLUDED.value, passed = EXCLUDED.passed, rationale = EXCLUDED.rationale,
            error = EXCLUDED.error, scorer_version = EXCLUDED.scorer_version, scored_at = now(),
            attempts = EXCLUDED.attempts, retry_at = EXCLUDED.retry_at",
    )
    .bind(rows.iter().map(|(id, _)| *id).collect::<Vec<_>>())
    .bind(rows.iter().map(|(_, r)| r.metric_id).collect::<Vec<_>>())
    .bind(rows.iter().map(|(_, r)| r.value).collect::<Vec<_>>())
    .bind(rows.iter().map(|(_, r)| r.passed).collect::<Vec<_>>())
    .bind(rows.iter().map(|(_, r)| r.rationale.clone()).collect::<Vec<_>>())
    .bind(rows.iter().map(|(_, r)| r.error.clone()).collect::<Vec<_>>())
    .bind(version)
    .bind(retry(|r| r.retry.map(|r| i32::from(r.attempts))))
    .bind(retry(|r| r.retry.map(|r| r.after_secs)))
    .execute(&mut *connection)
    .await
    .map_err(database)?;
    Ok(())
}

/// A score the worker has claimed.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Due {
    pub output_id: i64,
    pub metric_id: i64,
    pub project_id: i64,
    pub attempts: i16,
}

/// Claims up to `limit` scores whose retry time has come; they are hidden from other workers
/// for `lease_secs`, after which a crashed worker's claims come due again.
pub async fn claim_due(pool: &PgPool, limit: i64, lease_secs: i32) -> Result<Vec<Due>, AppError> {
    sqlx::query_as(
        "UPDATE scores s SET retry_at = now() + make_interval(secs => $2)
         FROM outputs o
         WHERE o.id = s.output_id AND s.id IN (
            SELECT id FROM scores WHERE retry_at <= now() ORDER BY retry_at LIMIT $1 FOR UPDATE SKIP LOCKED)
         RETURNING s.output_id, s.metric_id, o.project_id, s.attempts",
    )
    .bind(limit)
    .bind(lease_secs)
    .fetch_all(pool)
    .await
    .map_err(database)
}

/// Ends the retries of a score whose metric no longer scores automatically.
pub async fn abandon(pool: &PgPool, due: &Due, why: &str) -> Result<(), AppError> {
    sqlx::query("UPDATE scores SET retry_at = NULL, error = $3 WHERE output_id = $1 AND metric_id = $2")
        .bind(due.output_id)
        .bind(due.metric_id)
        .bind(why)
        .execute(pool)
        .await
        .map_err(database)?;
    Ok(())
}

/// Every score of one output, by metric key.
pub async fn of_output(pool: &PgPool, output_id: i64) -> Result<Vec<ScoreView>, AppError> {
    sqlx::query_as(
        "SELECT m.key AS metric_key, m.name AS metric_name, s.value, s.passed, s.rationale, s.error,
                s.scorer_version, s.attempts, s.retry_at, s.scored_at
         FROM scores s JOIN metrics m ON m.id = s.metric_id
         WHERE s.output_id = $1 ORDER BY m.key",
    )
    .bind(output_id)
    .fetch_all(pool)
    .await
    .map_err(database)
}

/// The outputs of a project scored by both a human metric (its final label) and an automated
/// one, with each verdict and the reply's length, for checking the judge against people.
pub async fn paired(
    pool: &PgPool,
    project_id: i64,
    human: &str,
    automated: &str,
) -> Result<Vec<crate::domain::judge_check::Paired>, AppError> {
    let rows: Vec<(f64, bool, f64, bool, i32)> = sqlx::query_as(
        "SELECT h.value, h.passed, a.value, a.passed, char_length(o.output)
         FROM metrics hm JOIN scores h ON h.metric_id = hm.id
         JOIN metrics am ON am.project_id = hm.project_id AND am.key = $3
         JOIN scores a ON a.metric_id = am.id AND a.output_id = h.output_id
         JOIN outputs o ON o.id = h.output_id
         WHERE hm.project_id = $1 AND hm.key = $2
           AND h.value IS NOT NULL AND a.value IS NOT NULL AND h.passed IS NOT NULL AND a.passed IS NOT NULL",
    )
    .bind(project_id)
    .bind(human)
    .bind(automated)
    .fetch_all(pool)
    .await
    .map_err(database)?;
    Ok(rows
        .into_iter()
        .map(
            |(human, human_passed, judge, judge_passed, length)| crate::domain::judge_check::Paired {
                human,
                human_passed,
                judge,
                judge_passed,
                length: length.max(0) as usize,
            },
        )
        .collect())
}
