//! Monitors in storage: creating them, counting their window, and evaluating the due ones. With
//! several workers each due monitor is taken by one (`FOR UPDATE SKIP LOCKED`) and moved to its
//! next run in the same transaction, so a tick never evaluates a monitor twice and never sends a
//! notification twice.

use crate::domain::money::Money;
use crate::domain::monitor::{self, MonitorState, Notification, Reason, Rule, Status, Window};
use crate::error::AppError;
use chrono::{DateTime, Duration, Utc};
use sqlx::types::Json;
use sqlx::{PgConnection, PgPool};

/// A monitor to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewMonitor {
    pub name: String,
    pub metric_id: i64,
    /// (key, value), or none for all traffic.
    pub segment: Option<(String, String)>,
    pub version: Option<String>,
    pub window_minutes: i64,
    pub rule: Rule,
}

/// Stores a monitor, starting in OK; answers its id.
pub async fn insert(
    pool: &PgPool,
    project_id: i64,
    monitor: &NewMonitor,
    by: i64,
    now: DateTime<Utc>,
) -> Result<i64, AppError> {
    let (key, value) = monitor.segment.clone().unwrap_or_default();
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO monitors (project_id, metric_id, name, segment_key, segment_value, version_label,
            window_minutes, rule, status, created_by, next_run_at)
         SELECT $1, m.id, $3, $4, $5, $6, $7, $8, $9, $10, $11 FROM metrics m WHERE m.id = $2 AND m.project_id = $1
         ON CONFLICT (project_id, name) DO NOTHING RETURNING id",
    )
    .bind(project_id)
    .bind(monitor.metric_id)
    .bind(&monitor.name)
    .bind(key)
    .bind(value)
    .bind(monitor.version.clone().unwrap_or_default())
    .bind(i32::try_from(monitor.window_minutes).map_err(|_| AppError::invalid("window", "is too long"))?)
    .bind(Json(monitor.rule))
    .bind(Json(Status::new(now)))
    .bind(by)
    .bind(now)
    .fetch_optional(pool)
    .await?;
    id.ok_or_else(|| {
        AppError::invalid(
            "name",
            "another monitor of this project has this name, or the metric is not the project's",
        )
    })
}

#[derive(sqlx::FromRow)]
struct Due {
    id: i64,
    project_id: i64,
    metric_id: i64,
    segment_key: String,
    segment_value: String,
    version_label: String,
    window_minutes: i32,
    rule: Json<Rule>,
    status: Json<Status>,
    cost_per_failure: i64,
}

/// The window's counts of a monitor ending at `now`: up to an hour from the scores themselves
/// (an indexed range of the project's outputs); up to 48 hours from the hourly rollups (whole
/// hours, the current one included); longer from the daily rollups (whole days).
async fn window(connection: &mut PgConnection, due: &Due, now: DateTime<Utc>) -> Result<Window, AppError> {
    let minutes = i64::from(due.window_minutes);
    let (verdicts, failures): (i64, i64) = if minutes < 60 {
        sqlx::query_as(
            "SELECT count(*) FILTER (WHERE s.passed IS NOT NULL AND s.error IS NULL),
                    count(*) FILTER (WHERE s.passed = false AND s.error IS NULL)
             FROM outputs o JOIN scores s ON s.output_id = o.id AND s.metric_id = $2
             LEFT JOIN system_versions v ON v.id = o.version_id
             WHERE o.project_id = $1 AND o.occurred_at > $3 AND o.occurred_at <= $4
               AND ($5 = '' OR o.metadata ->> $5 = $6) AND ($7 = '' OR v.label = $7)",
        )
        .bind(due.project_id)
        .bind(due.metric_id)
        .bind(now - Duration::minutes(minutes))
        .bind(now)
        .bind(&due.segment_key)
        .bind(&due.segment_value)
        .bind(&due.version_label)
        .fetch_one(&mut *connection)
        .await?
    } else {
        let (grain, from) = if minutes <= 48 * 60 {
            let hours = (minutes + 59) / 60;
            ("hour", now - Duration::hours(hours - 1))
        } else {
            let days = (minutes + 1439) / 1440;
            ("day", now - Duration::days(days - 1))
        };
        sqlx::query_as(
            "SELECT COALESCE(sum(r.passes + r.failures), 0)::bigint, COALESCE(sum(r.failures), 0)::bigint
             FROM score_rollups r JOIN system_versions v ON v.id = r.version_id
             WHERE r.metric_id = $1 AND r.grain = $2 AND r.bucket >= date_trunc($2, $3::timestamptz, 'UTC')
               AND r.segment_key = $4 AND r.segment_value = $5 AND ($6 = '' OR v.label = $6)",
        )
        .bind(due.metric_id)
        .bind(grain)
        .bind(from)
        .bind(&due.segment_key)
        .bind(&due.segment_value)
        .bind(&due.version_label)
        .fetch_one(&mut *connection)
        .await?
    };
    let count = |n: i64| u64::try_from(n).unwrap_or(0);
    Ok(Window {
        verdicts: count(verdicts),
        failures: count(failures),
        dollar_impact: Money::from_micros(due.cost_per_failure).times(failures),
    })
}

/// What one pass over the due monitors did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Evaluated {
    /// Monitors evaluated.
    pub monitors: usize,
    /// Notifications made (monitor id and notification), also stored as alert events.
    pub notifications: Vec<(i64, Notification)>,
}

/// Evaluates up to `limit` monitors due at `now`, each once.
pub async fn evaluate_due(pool: &PgPool, now: DateTime<Utc>, limit: i64) -> Result<Evaluated, AppError> {
    let mut tx = pool.begin().await?;
    let due: Vec<Due> = sqlx::query_as(
        "SELECT mo.id, mo.project_id, mo.metric_id, mo.segment_key, mo.segment_value, mo.version_label,
            mo.window_minutes, mo.rule, mo.status, m.cost_per_failure
         FROM monitors mo JOIN metrics m ON m.id = mo.metric_id
         WHERE mo.next_run_at <= $1 ORDER BY mo.next_run_at, mo.id LIMIT $2
         FOR UPDATE OF mo SKIP LOCKED",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(&mut *tx)
    .await?;
    let mut sent = Vec::new();
    for monitor in &due {
        let counts = window(&mut tx, monitor, now).await?;
        let (status, notification) = monitor::step(&monitor.rule.0, &monitor.status.0, Some(&counts), now);
        sqlx::query("UPDATE monitors SET status = $2, state = $3, next_run_at = $4 WHERE id = $1")
            .bind(monitor.id)
            .bind(Json(status))
            .bind(status.state.as_str())
            .bind(now + Duration::minutes(1))
            .execute(&mut *tx)
            .await?;
        if let Some(n) = notification {
            sqlx::query(
                "INSERT INTO alert_events (monitor_id, previous_state, state, reason, observed, verdicts, at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(monitor.id)
            .bind(n.previous.as_str())
            .bind(n.state.as_str())
            .bind(match n.reason {
                Reason::Changed => "changed",
                Reason::Reminder => "reminder",
            })
            .bind(n.observed)
            .bind(i64::try_from(n.verdicts).unwrap_or(i64::MAX))
            .bind(now)
            .execute(&mut *tx)
            .await?;
            sent.push((monitor.id, n));
        }
    }
    tx.commit().await?;
    Ok(Evaluated {
        monitors: due.len(),
        notifications: sent,
    })
}

/// A monitor's state now.
pub async fn state(pool: &PgPool, monitor_id: i64) -> Result<MonitorState, AppError> {
    let state: String = sqlx::query_scalar("SELECT state FROM monitors WHERE id = $1")
        .bind(monitor_id)
        .fetch_one(pool)
        .await?;
    MonitorState::parse(&state)
}

#[cfg(test)]
mod tests;
