//! What the Prometheus exposition reads at each scrape besides the counters
//! ([`super::verdict_counts`]): the scores standing now per metric × version from the daily
//! rollups, each monitor's state, and the worker's queue depths.

use crate::error::AppError;
use sqlx::PgPool;

/// Scores standing now of one metric × version over every day kept, with its cost per failure.
#[derive(Debug, sqlx::FromRow)]
pub struct Evaluations {
    pub project: String,
    pub metric: String,
    pub version: String,
    pub passes: i64,
    pub failures: i64,
    pub not_applicable: i64,
    pub errors: i64,
    pub cost_per_failure: i64,
}

/// Every metric's standing scores per version, over all traffic.
pub async fn evaluations(pool: &PgPool) -> Result<Vec<Evaluations>, AppError> {
    Ok(sqlx::query_as(
        "SELECT p.slug AS project, m.key AS metric, v.label AS version, sum(r.passes)::bigint AS passes, sum(r.failures)::bigint AS failures,
            sum(r.not_applicable)::bigint AS not_applicable, sum(r.errors)::bigint AS errors, m.cost_per_failure
         FROM score_rollups r JOIN metrics m ON m.id = r.metric_id JOIN projects p ON p.id = m.project_id
         JOIN system_versions v ON v.id = r.version_id
         WHERE r.grain = 'day' AND r.segment_key = ''
         GROUP BY p.slug, m.key, v.label, m.cost_per_failure",
    )
    .fetch_all(pool)
    .await?)
}

/// A monitor and the state it is in.
#[derive(Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct MonitorStateRow {
    pub project: String,
    pub monitor: String,
    pub metric: String,
    pub state: String,
}

/// Every monitor's state, by project and name.
pub async fn monitor_states(pool: &PgPool) -> Result<Vec<MonitorStateRow>, AppError> {
    Ok(sqlx::query_as(
        "SELECT p.slug AS project, mo.name AS monitor, m.key AS metric, mo.state FROM monitors mo
         JOIN projects p ON p.id = mo.project_id JOIN metrics m ON m.id = mo.metric_id ORDER BY p.slug, mo.name",
    )
    .fetch_all(pool)
    .await?)
}

/// Scoring jobs queued or running, and alert deliveries pending.
pub async fn queue_depths(pool: &PgPool) -> Result<(i64, i64), AppError> {
    Ok(sqlx::query_as(
        "SELECT (SELECT count(*) FROM scoring_jobs WHERE status IN ('queued', 'running')),
                (SELECT count(*) FROM alert_deliveries WHERE status = 'pending')",
    )
    .fetch_one(pool)
    .await?)
}

#[cfg(test)]
mod tests;
