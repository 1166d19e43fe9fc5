//! Monitors in storage: their definitions, muting, and the wake-up after an ingest. Counting a
//! scope's verdicts is in `counts`, evaluating the due monitors in `evaluation`, the alert
//! history and acknowledgements in `history`.

mod counts;
mod evaluation;
mod history;

pub use counts::buckets;
pub use evaluation::{alerts_link, evaluate_due, Evaluated};
pub use history::{acknowledge, events, open_alerts};

use crate::domain::money::Money;
use crate::domain::monitor::draft::MonitorSpec;
use crate::domain::monitor::view::MonitorView;
use crate::domain::monitor::{MonitorState, Rule, Status};
use crate::error::AppError;
use chrono::{DateTime, Utc};
use sqlx::types::Json;
use sqlx::{PgConnection, PgPool};

/// A monitor to store: a checked spec with the metric resolved.
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

/// Resolves a checked spec against the project: the metric must be the project's, the segment
/// key one it segments by (or `turn`), the version one it has seen.
pub async fn resolve(pool: &PgPool, project_id: i64, spec: &MonitorSpec) -> Result<NewMonitor, AppError> {
    let metric_id: Option<i64> =
        sqlx::query_scalar("SELECT id FROM metrics WHERE project_id = $1 AND key = $2")
            .bind(project_id)
            .bind(&spec.metric)
            .fetch_optional(pool)
            .await?;
    let metric_id = metric_id.ok_or_else(|| {
        AppError::invalid(
            "metric",
            format!("'{}' is not a metric of this project", spec.metric),
        )
    })?;
    if let Some((key, _)) = &spec.segment {
        let keys = super::projects::segment_keys(pool, project_id).await?;
        if key != "turn" && !keys.contains(key) {
            let known = if keys.is_empty() {
                "none yet".to_owned()
            } else {
                keys.join(", ")
            };
            return Err(AppError::invalid(
                "segment",
                format!("'{key}' is not a segment key of this project (turn, or one set on the segment keys page: {known})"),
            ));
        }
    }
    if let Some(version) = &spec.version {
        let known: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM system_versions WHERE project_id = $1 AND label = $2)",
        )
        .bind(project_id)
        .bind(version)
        .fetch_one(pool)
        .await?;
        if !known {
            return Err(AppError::invalid(
                "version",
                format!("'{version}' is not a version this project has seen"),
            ));
        }
    }
    Ok(NewMonitor {
        name: spec.name.clone(),
        metric_id,
        segment: spec.segment.clone(),
        version: spec.version.clone(),
        window_minutes: spec.window_minutes,
        rule: spec.rule,
    })
}

/// Stores a new monitor, starting in OK; answers its id.
pub async fn insert(
    pool: &PgPool,
    project_id: i64,
    monitor: &NewMonitor,
    by: i64,
    now: DateTime<Utc>,
) -> Result<i64, AppError> {
    save(pool, project_id, None, monitor, &[], by, now).await
}

/// Stores a monitor (`id` none: a new one) and the channels it notifies, in one transaction. An
/// edited monitor keeps its state but counts its breaches afresh, and is evaluated at once.
pub async fn save(
    pool: &PgPool,
    project_id: i64,
    id: Option<i64>,
    monitor: &NewMonitor,
    channels: &[i64],
    by: i64,
    now: DateTime<Utc>,
) -> Result<i64, AppError> {
    let (key, value) = monitor.segment.clone().unwrap_or_default();
    let window =
        i32::try_from(monitor.window_minutes).map_err(|_| AppError::invalid("window", "is too long"))?;
    let mut tx = pool.begin().await?;
    // The new monitor starts in OK; an edited one keeps its state but counts breaches afresh.
    let (sql, status, last) = match id {
        None => (
            "INSERT INTO monitors (project_id, metric_id, name, segment_key, segment_value, version_label,
                window_minutes, rule, status, next_run_at, created_by)
             SELECT $1, m.id, $3, $4, $5, $6, $7, $8, $9, $10, $11 FROM metrics m WHERE m.id = $2 AND m.project_id = $1
             ON CONFLICT (project_id, name) DO NOTHING RETURNING id",
            Status::new(now),
            by,
        ),
        Some(id) => {
            let status: Option<Json<Status>> =
                sqlx::query_scalar("SELECT status FROM monitors WHERE id = $1 AND project_id = $2 FOR UPDATE")
                    .bind(id)
                    .bind(project_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            let mut status = status.ok_or_else(|| AppError::NotFound(format!("Monitor {id}")))?.0;
            status.breaching = 0;
            let taken: bool = sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM monitors WHERE project_id = $1 AND name = $2 AND id <> $3)",
            )
            .bind(project_id)
            .bind(&monitor.name)
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
            if taken {
                return Err(AppError::invalid("name", "another monitor of this project has this name"));
            }
            (
                "UPDATE monitors mo SET metric_id = m.id, name = $3, segment_key = $4, segment_value = $5,
                    version_label = $6, window_minutes = $7, rule = $8, status = $9, next_run_at = $10
                 FROM metrics m WHERE mo.id = $11 AND m.id = $2 AND m.project_id = $1 RETURNING mo.id",
                status,
                id,
            )
        }
    };
    let saved: Option<i64> = sqlx::query_scalar(sql)
        .bind(project_id)
        .bind(monitor.metric_id)
        .bind(&monitor.name)
        .bind(&key)
        .bind(&value)
        .bind(monitor.version.clone().unwrap_or_default())
        .bind(window)
        .bind(Json(monitor.rule))
        .bind(Json(status))
        .bind(now)
        .bind(last)
        .fetch_optional(&mut *tx)
        .await?;
    let saved = saved.ok_or_else(|| {
        AppError::invalid(
            "name",
            "another monitor of this project has this name, or the metric is not the project's",
        )
    })?;
    sqlx::query("DELETE FROM monitor_channels WHERE monitor_id = $1")
        .bind(saved)
        .execute(&mut *tx)
        .await?;
    let linked = sqlx::query(
        "INSERT INTO monitor_channels (monitor_id, channel_id)
         SELECT $1, c.id FROM alert_channels c WHERE c.project_id = $2 AND c.id = ANY($3)",
    )
    .bind(saved)
    .bind(project_id)
    .bind(channels)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if linked != channels.len() as u64 {
        return Err(AppError::invalid(
            "channels",
            "one of the channels is not this project's",
        ));
    }
    tx.commit().await?;
    Ok(saved)
}

/// A monitor's definition and status as stored, read by name.
#[derive(sqlx::FromRow)]
pub(super) struct Defined {
    name: String,
    metric_key: String,
    metric_name: String,
    segment_key: String,
    segment_value: String,
    version_label: String,
    window_minutes: i32,
    rule: Json<Rule>,
    status: Json<Status>,
}

#[derive(sqlx::FromRow)]
struct Stored {
    id: i64,
    #[sqlx(flatten)]
    defined: Defined,
    last_observed: Option<f64>,
    last_verdicts: i64,
    evaluated_at: Option<DateTime<Utc>>,
    channels: Vec<i64>,
    open_event: Option<i64>,
}

impl Stored {
    fn view(self) -> MonitorView {
        let Defined {
            name,
            metric_key,
            metric_name,
            segment_key,
            segment_value,
            version_label,
            window_minutes,
            rule,
            status,
        } = self.defined;
        let rule = rule.0;
        let last_observed = match (self.evaluated_at, self.last_observed) {
            (None, _) => "not evaluated yet".to_owned(),
            (Some(_), Some(value)) => {
                format!("{} of {}", rule.condition.format_value(value), self.last_verdicts)
            }
            (Some(_), None) => format!(
                "not enough data ({} of {} verdicts)",
                self.last_verdicts, rule.min_sample
            ),
        };
        MonitorView {
            id: self.id,
            spec: MonitorSpec {
                name,
                metric: metric_key,
                segment: (!segment_key.is_empty()).then_some((segment_key, segment_value)),
                version: Some(version_label).filter(|v| !v.is_empty()),
                window_minutes: i64::from(window_minutes),
                rule,
                channels: self.channels,
            },
            metric_name,
            state: status.0.state,
            since: status.0.since,
            muted_until: status.0.muted_until,
            last_observed,
            evaluated_at: self.evaluated_at,
            open_event: self.open_event,
        }
    }
}

const SELECT_MONITORS: &str = "SELECT mo.id, mo.name, m.key AS metric_key, m.name AS metric_name, mo.segment_key,
        mo.segment_value, mo.version_label, mo.window_minutes, mo.rule, mo.status, mo.last_observed,
        mo.last_verdicts, mo.evaluated_at,
        ARRAY(SELECT mc.channel_id FROM monitor_channels mc WHERE mc.monitor_id = mo.id ORDER BY 1) AS channels,
        (SELECT latest.id FROM (SELECT e.id, e.acknowledged_at FROM alert_events e
            WHERE e.monitor_id = mo.id AND e.state = mo.state AND e.reason = 'changed'
            ORDER BY e.at DESC, e.id DESC LIMIT 1) latest
         WHERE mo.state IN ('firing', 'no_data') AND latest.acknowledged_at IS NULL) AS open_event
     FROM monitors mo JOIN metrics m ON m.id = mo.metric_id WHERE mo.project_id = $1";

/// The project's monitors: firing first, then by name.
pub async fn list(pool: &PgPool, project_id: i64) -> Result<Vec<MonitorView>, AppError> {
    let rows: Vec<Stored> = sqlx::query_as(&format!(
        "{SELECT_MONITORS} ORDER BY (mo.state = 'firing') DESC, (mo.state = 'no_data') DESC, lower(mo.name)"
    ))
    .bind(project_id)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(Stored::view).collect())
}

/// One monitor of the project.
pub async fn find(pool: &PgPool, project_id: i64, id: i64) -> Result<MonitorView, AppError> {
    let row: Option<Stored> = sqlx::query_as(&format!("{SELECT_MONITORS} AND mo.id = $2"))
        .bind(project_id)
        .bind(id)
        .fetch_optional(pool)
        .await?;
    row.map(Stored::view)
        .ok_or_else(|| AppError::NotFound(format!("Monitor {id}")))
}

/// Deletes a monitor and its history.
pub async fn delete(pool: &PgPool, project_id: i64, id: i64) -> Result<(), AppError> {
    let deleted = sqlx::query("DELETE FROM monitors WHERE id = $1 AND project_id = $2")
        .bind(id)
        .bind(project_id)
        .execute(pool)
        .await?;
    super::found(deleted.rows_affected(), || format!("Monitor {id}"))
}

/// Mutes a monitor until `until`, or unmutes it (`None`); it is evaluated at once.
pub async fn mute(
    pool: &PgPool,
    project_id: i64,
    id: i64,
    until: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    let status: Option<Json<Status>> =
        sqlx::query_scalar("SELECT status FROM monitors WHERE id = $1 AND project_id = $2 FOR UPDATE")
            .bind(id)
            .bind(project_id)
            .fetch_optional(&mut *tx)
            .await?;
    let mut status = status
        .ok_or_else(|| AppError::NotFound(format!("Monitor {id}")))?
        .0;
    match until {
        Some(until) if until <= now => return Err(AppError::invalid("until", "must be in the future")),
        Some(until) => {
            status.muted_until = Some(until);
            if status.state != MonitorState::Muted {
                status.state = MonitorState::Muted;
                status.since = now;
            }
        }
        // Unmuting: the next evaluation starts afresh from OK.
        None => status.muted_until = Some(now),
    }
    sqlx::query("UPDATE monitors SET status = $2, state = $3, next_run_at = $4 WHERE id = $1")
        .bind(id)
        .bind(Json(status))
        .bind(status.state.as_str())
        .bind(now)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// After an ingest touched `metrics`: their monitors become due at once, or 10 seconds after
/// their last evaluation, so a stream of batches does not evaluate them on every batch.
pub async fn wake(connection: &mut PgConnection, metrics: &[i64]) -> Result<u64, AppError> {
    Ok(sqlx::query(
        "UPDATE monitors SET next_run_at = GREATEST(now(), COALESCE(evaluated_at, now()) + interval '10 seconds')
         WHERE metric_id = ANY($1) AND next_run_at > GREATEST(now(), COALESCE(evaluated_at, now()) + interval '10 seconds')",
    )
    .bind(metrics)
    .execute(connection)
    .await?
    .rows_affected())
}

/// What the monitor form offers: the project's metrics (key, name) and versions, newest first.
pub async fn choices(
    pool: &PgPool,
    project_id: i64,
) -> Result<(Vec<(String, String)>, Vec<String>), AppError> {
    let metrics = sqlx::query_as("SELECT key, name FROM metrics WHERE project_id = $1 ORDER BY lower(name)")
        .bind(project_id)
        .fetch_all(pool)
        .await?;
    let versions =
        sqlx::query_scalar("SELECT label FROM system_versions WHERE project_id = $1 ORDER BY id DESC")
            .bind(project_id)
            .fetch_all(pool)
            .await?;
    Ok((metrics, versions))
}

/// A metric's cost per failure.
pub async fn cost_per_failure(pool: &PgPool, metric_id: i64) -> Result<Money, AppError> {
    let micros: i64 = sqlx::query_scalar("SELECT cost_per_failure FROM metrics WHERE id = $1")
        .bind(metric_id)
        .fetch_one(pool)
        .await?;
    Ok(Money::from_micros(micros))
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
