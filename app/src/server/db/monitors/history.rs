//! A project's alert history, acknowledging its open alerts, and the open alerts the header
//! counts.

use crate::domain::monitor::view::AlertEvent;
use crate::error::AppError;
use chrono::{DateTime, Utc};
use sqlx::PgPool;

/// The project's alert history, newest first.
pub async fn events(pool: &PgPool, project_id: i64, limit: i64) -> Result<Vec<AlertEvent>, AppError> {
    Ok(sqlx::query_as(
        "SELECT e.id, e.monitor_id, mo.name AS monitor, m.name AS metric_name, e.previous_state, e.state,
            e.reason, e.observed_text, e.verdicts, e.at, u.display_name AS acknowledged_by, e.acknowledged_at
         FROM alert_events e JOIN monitors mo ON mo.id = e.monitor_id JOIN metrics m ON m.id = mo.metric_id
         LEFT JOIN users u ON u.id = e.acknowledged_by
         WHERE mo.project_id = $1 ORDER BY e.at DESC, e.id DESC LIMIT $2",
    )
    .bind(project_id)
    .bind(limit)
    .fetch_all(pool)
    .await?)
}

/// Records that `user` acknowledged an open alert of the project: the event that put a monitor
/// into the firing (or no-data) state it is still in. Reminders and past incidents are not open.
pub async fn acknowledge(
    pool: &PgPool,
    project_id: i64,
    event_id: i64,
    user: i64,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let done = sqlx::query(
        "UPDATE alert_events e SET acknowledged_by = $3, acknowledged_at = $4 FROM monitors mo
         WHERE e.id = $1 AND mo.id = e.monitor_id AND mo.project_id = $2 AND e.acknowledged_at IS NULL
           AND mo.state IN ('firing', 'no_data')
           AND e.id = (SELECT latest.id FROM alert_events latest
                       WHERE latest.monitor_id = mo.id AND latest.state = mo.state AND latest.reason = 'changed'
                       ORDER BY latest.at DESC, latest.id DESC LIMIT 1)",
    )
    .bind(event_id)
    .bind(project_id)
    .bind(user)
    .bind(now)
    .execute(pool)
    .await?
    .rows_affected();
    if done == 0 {
        return Err(AppError::invalid(
            "event",
            "is not an open alert of this project (already acknowledged, a reminder, or over)",
        ));
    }
    Ok(())
}

/// Open alerts (firing or without data, not acknowledged) per project slug among `projects`.
pub async fn open_alerts(pool: &PgPool, projects: &[i64]) -> Result<Vec<(String, i64)>, AppError> {
    Ok(sqlx::query_as(
        "SELECT p.slug, count(*) FROM monitors mo JOIN projects p ON p.id = mo.project_id
         WHERE mo.project_id = ANY($1) AND mo.state IN ('firing', 'no_data')
           AND (SELECT e.acknowledged_at IS NULL FROM alert_events e
                WHERE e.monitor_id = mo.id AND e.state = mo.state AND e.reason = 'changed'
                ORDER BY e.at DESC, e.id DESC LIMIT 1)
         GROUP BY p.slug ORDER BY p.slug",
    )
    .bind(projects)
    .fetch_all(pool)
    .await?)
}
