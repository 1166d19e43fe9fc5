//! What staff read and decide about ratings: every annotator's ratings of a metric (for
//! agreement) and the final labels managers set where annotators disagree.

use super::ratings::queue_metrics;
use crate::domain::annotation::agreement::Rating;
use crate::error::AppError;
use sqlx::PgPool;

/// Every rating of `metric_id` in the queue (or, without a queue, in every queue), with the
/// annotator's username. Only staff see this.
pub async fn of_metric(
    pool: &PgPool,
    metric_id: i64,
    queue_id: Option<i64>,
) -> Result<Vec<Rating>, AppError> {
    Ok(sqlx::query_as(
        "SELECT CASE WHEN $2::int8 IS NULL THEN i.output_id ELSE i.id END AS item_id, i.output_id,
            u.username AS annotator, g.value
         FROM ratings g JOIN assignments a ON a.id = g.assignment_id AND a.status = 'done'
         JOIN queue_items i ON i.id = a.item_id JOIN users u ON u.id = a.annotator_id
         WHERE g.metric_id = $1 AND ($2::int8 IS NULL OR i.queue_id = $2)
         ORDER BY 1, u.username",
    )
    .bind(metric_id)
    .bind(queue_id)
    .fetch_all(pool)
    .await?)
}

/// The final labels managers set in a queue for a metric, by item id.
pub async fn adjudicated(
    pool: &PgPool,
    queue_id: i64,
    metric_id: i64,
) -> Result<std::collections::BTreeMap<i64, f64>, AppError> {
    let rows: Vec<(i64, f64)> = sqlx::query_as(
        "SELECT d.item_id, d.value FROM adjudications d JOIN queue_items i ON i.id = d.item_id
         WHERE i.queue_id = $1 AND d.metric_id = $2",
    )
    .bind(queue_id)
    .bind(metric_id)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().collect())
}

/// Checks that `value` is a level of the rubric of queue metric `metric_id`.
pub async fn check_level(pool: &PgPool, queue_id: i64, metric_id: i64, value: f64) -> Result<(), AppError> {
    let metric = queue_metrics(pool, queue_id)
        .await?
        .into_iter()
        .find(|m| m.metric_id == metric_id)
        .ok_or_else(|| AppError::NotFound(format!("metric {metric_id} in this queue")))?;
    if !metric.rubric.levels.iter().any(|l| l.value == value) {
        return Err(AppError::invalid(
            "value",
            format!("{value} is not a level of the rubric"),
        ));
    }
    Ok(())
}

/// Sets the final label of a disputed item (checked by [`check_level`]) within the caller's
/// transaction; answers the item's output (whose labels the use case settles next).
pub async fn adjudicate_in(
    tx: &mut sqlx::PgConnection,
    queue_id: i64,
    item_id: i64,
    metric_id: i64,
    value: f64,
    note: &str,
    user_id: i64,
) -> Result<i64, AppError> {
    let output_id: i64 =
        sqlx::query_scalar("SELECT output_id FROM queue_items WHERE id = $1 AND queue_id = $2")
            .bind(item_id)
            .bind(queue_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("item {item_id} of this queue")))?;
    sqlx::query(
        "INSERT INTO adjudications (item_id, metric_id, value, note, decided_by) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (item_id, metric_id) DO UPDATE SET
            value = EXCLUDED.value, note = EXCLUDED.note, decided_by = EXCLUDED.decided_by, decided_at = now()",
    )
    .bind(item_id)
    .bind(metric_id)
    .bind(value)
    .bind(note.trim())
    .bind(user_id)
    .execute(&mut *tx)
    .await?;
    Ok(output_id)
}

#[cfg(test)]
mod tests;
