//! The change history of metrics: one row per changed field, written in the same transaction
//! as the change itself.

use crate::domain::actor::Actor;
use crate::domain::metric::MetricChange;
use crate::error::AppError;
use sqlx::{PgConnection, PgPool};

/// Records `changes` (field, old, new) of `metric_id` made by `by` (a user, or an API key).
pub async fn record(
    connection: &mut PgConnection,
    metric_id: i64,
    by: Actor,
    changes: &[(&str, String, String)],
) -> Result<(), AppError> {
    for (field, old, new) in changes {
        sqlx::query(
            "INSERT INTO metric_changes (metric_id, changed_by, api_key_id, field, old_value, new_value)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(metric_id)
        .bind(by.user_id)
        .bind(by.api_key_id)
        .bind(field)
        .bind(old)
        .bind(new)
        .execute(&mut *connection)
        .await?;
    }
    Ok(())
}

/// Every recorded change of a metric, newest first. A change made with an API key names the key
/// (its name and prefix) and the user who created it.
pub async fn list(pool: &PgPool, metric_id: i64) -> Result<Vec<MetricChange>, AppError> {
    Ok(sqlx::query_as(
        "SELECT c.field, c.old_value, c.new_value,
            CASE WHEN k.id IS NULL THEN u.display_name
                 ELSE 'API key ' || k.name || ' (' || k.prefix || '…, created by ' || u.display_name || ')'
            END AS changed_by,
            c.changed_at
         FROM metric_changes c JOIN users u ON u.id = c.changed_by
         LEFT JOIN api_keys k ON k.id = c.api_key_id
         WHERE c.metric_id = $1 ORDER BY c.changed_at DESC, c.id DESC",
    )
    .bind(metric_id)
    .fetch_all(pool)
    .await?)
}

#[cfg(test)]
mod tests;
