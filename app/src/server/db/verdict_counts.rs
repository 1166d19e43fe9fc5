//! Verdicts counted as they are reached: what Prometheus's counters read, so that they only go
//! up. [`super::scores::apply`] adds each score that reaches a result it did not have (a new
//! score, or a re-scoring that moves it), in the same transaction as the score; nothing is ever
//! subtracted. What stands now, which re-scoring moves both ways, is the rollups' to say.

use super::rollups::SEGMENTS;
use super::scores::ScoreKey;
use crate::error::AppError;
use sqlx::{PgConnection, PgPool};

/// The results a score can reach, as stored and as Prometheus's `result` label says them.
pub const RESULTS: [&str; 4] = ["pass", "fail", "not_applicable", "error"];

/// The SQL for the result of the score whose columns `alias` qualifies (`"s."`, or `""` in a
/// `RETURNING`): one of [`RESULTS`], or NULL for a score still waiting for its verdict. The
/// rollups count the same way.
pub(super) fn result_of(alias: &str) -> String {
    format!(
        "CASE WHEN {alias}error IS NOT NULL THEN 'error' WHEN {alias}passed THEN 'pass'
              WHEN NOT {alias}passed THEN 'fail' WHEN {alias}retry_at IS NULL THEN 'not_applicable' END"
    )
}

/// The one of [`RESULTS`] that `text` names.
pub(super) fn result(text: &str) -> Option<&'static str> {
    RESULTS.into_iter().find(|r| *r == text)
}

/// Counts each score of `reached` in the result it reached, for all traffic and each segment
/// its output is in, with failures priced at their metric's cost per failure now. Eval runs'
/// outputs are not production traffic and are not counted.
pub(super) async fn add(
    connection: &mut PgConnection,
    reached: &[(ScoreKey, &'static str)],
) -> Result<(), AppError> {
    if reached.is_empty() {
        return Ok(());
    }
    sqlx::query(&format!(
        "INSERT INTO verdict_counts AS c
            (metric_id, version_id, segment_key, segment_value, result, count, failure_cost_usd)
         SELECT t.metric_id, o.version_id, seg.key, seg.value, t.result, count(*),
                CASE WHEN t.result = 'fail' THEN count(*) * (max(m.cost_per_failure) / 1000000.0) ELSE 0 END
         FROM UNNEST($1::bigint[], $2::bigint[], $3::text[]) AS t(output_id, metric_id, result)
         JOIN outputs o ON o.id = t.output_id JOIN projects p ON p.id = o.project_id
         JOIN metrics m ON m.id = t.metric_id
         {SEGMENTS}
         WHERE o.run_id IS NULL
         GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
         ON CONFLICT (metric_id, version_id, segment_key, segment_value, result) DO UPDATE SET
            count = c.count + EXCLUDED.count,
            failure_cost_usd = c.failure_cost_usd + EXCLUDED.failure_cost_usd"
    ))
    .bind(reached.iter().map(|(key, _)| key.output_id).collect::<Vec<_>>())
    .bind(reached.iter().map(|(key, _)| key.metric_id).collect::<Vec<_>>())
    .bind(reached.iter().map(|(_, result)| *result).collect::<Vec<_>>())
    .execute(connection)
    .await?;
    Ok(())
}

/// One counter: a metric × version × segment value × result, and the dollars of its failures.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Count {
    pub project: String,
    pub metric: String,
    pub version: String,
    pub segment_key: String,
    pub segment_value: String,
    pub result: String,
    pub count: i64,
    pub failure_cost_usd: f64,
}

/// Every counter, overall (`segment_key` empty) and per segment key its project exports.
pub async fn exported(pool: &PgPool) -> Result<Vec<Count>, AppError> {
    Ok(sqlx::query_as(
        "SELECT p.slug AS project, m.key AS metric, v.label AS version, c.segment_key, c.segment_value,
                c.result, c.count, c.failure_cost_usd
         FROM verdict_counts c JOIN metrics m ON m.id = c.metric_id JOIN projects p ON p.id = m.project_id
         JOIN system_versions v ON v.id = c.version_id
         WHERE c.segment_key = '' OR c.segment_key = ANY(p.exported_segment_keys)
         ORDER BY 1, 2, 3, 4, 5, 6",
    )
    .fetch_all(pool)
    .await?)
}

#[cfg(test)]
mod tests;
