//! Monitors in storage: creating them, counting their window, and evaluating the due ones. With
//! several workers each due monitor is taken by one (`FOR UPDATE SKIP LOCKED`) and moved to its
//! next run in the same transaction, so a tick never evaluates a monitor twice and never sends a
//! notification twice.

use crate::domain::money::Money;
use crate::domain::monitor::backtest::Bucket;
use crate::domain::monitor::draft::MonitorSpec;
use crate::domain::monitor::notice::Notice;
use crate::domain::monitor::span::{self, Part};
use crate::domain::monitor::view::{AlertEvent, MonitorView};
use crate::domain::monitor::{self, MonitorState, Notification, Reason, Rule, Status, Window};
use crate::error::AppError;
use chrono::{DateTime, Duration, Utc};
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
struct Defined {
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

/// The verdicts of a monitor's scope in `step`-minute buckets from `from` to `to`, from the
/// scores themselves (hourly rollups are kept for two days only).
pub async fn buckets(
    pool: &PgPool,
    project_id: i64,
    monitor: &NewMonitor,
    step_minutes: i64,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<Bucket>, AppError> {
    let (key, value) = monitor.segment.clone().unwrap_or_default();
    let rows: Vec<(DateTime<Utc>, i64, i64)> = sqlx::query_as(&format!(
        "SELECT date_bin(make_interval(mins => $8::int), o.occurred_at, '1970-01-01 00:00:00+00'::timestamptz) AS bucket,
                count(*) FILTER (WHERE s.passed IS NOT NULL AND s.error IS NULL),
                count(*) FILTER (WHERE s.passed = false AND s.error IS NULL)
         FROM outputs o JOIN scores s ON s.output_id = o.id AND s.metric_id = $2
         LEFT JOIN system_versions v ON v.id = o.version_id
         WHERE o.project_id = $1 AND o.occurred_at >= $3 AND o.occurred_at < $4 AND {SCOPE}
         GROUP BY 1 ORDER BY 1"
    ))
    .bind(project_id)
    .bind(monitor.metric_id)
    .bind(from)
    .bind(to)
    .bind(monitor.version.clone().unwrap_or_default())
    .bind(key)
    .bind(value)
    .bind(step_minutes as i32)
    .fetch_all(pool)
    .await?;
    let count = |n: i64| u64::try_from(n).unwrap_or(0);
    Ok(rows
        .into_iter()
        .map(|(start, verdicts, failures)| Bucket {
            start,
            verdicts: count(verdicts),
            failures: count(failures),
        })
        .collect())
}

/// The scope filter over outputs `o` and versions `v`: version label `$5`, segment key `$6` and
/// value `$7` ('' for none; `turn` is the turn bucket the rollups count).
const SCOPE: &str = "($5 = '' OR v.label = $5) AND ($6 = '' OR (CASE WHEN $6 = 'turn'
        THEN CASE WHEN o.turn_index IS NULL THEN NULL WHEN o.turn_index <= 4 THEN '1-4' ELSE '5+' END
        ELSE o.metadata ->> $6 END) = $7)";

#[derive(sqlx::FromRow)]
struct Due {
    id: i64,
    project_id: i64,
    project_slug: String,
    project_name: String,
    metric_id: i64,
    cost_per_failure: i64,
    #[sqlx(flatten)]
    defined: Defined,
}

impl Due {
    /// What a notification about this monitor says.
    fn notice(
        &self,
        notification: Notification,
        window: &Window,
        public_url: &str,
        now: DateTime<Utc>,
    ) -> Notice {
        let condition = self.defined.rule.0.condition;
        Notice {
            project: self.project_slug.clone(),
            project_name: self.project_name.clone(),
            monitor_id: self.id,
            monitor: self.defined.name.clone(),
            metric: self.defined.metric_key.clone(),
            metric_name: self.defined.metric_name.clone(),
            segment: (!self.defined.segment_key.is_empty())
                .then(|| format!("{}={}", self.defined.segment_key, self.defined.segment_value)),
            version: Some(self.defined.version_label.clone()).filter(|v| !v.is_empty()),
            window_minutes: i64::from(self.defined.window_minutes),
            condition: condition.describe(),
            threshold: condition.threshold_text(),
            observed_text: notification
                .observed
                .map_or_else(|| "no data".to_owned(), |value| condition.format_value(value)),
            dollar_impact: window.dollar_impact,
            link: alerts_link(public_url, &self.project_slug),
            notification,
            at: now,
        }
    }
}

/// The alerts page of a project, as an absolute address.
pub fn alerts_link(public_url: &str, project: &str) -> String {
    format!("{}/projects/{project}/alerts", public_url.trim_end_matches('/'))
}

/// The window's counts of a monitor ending at `now`: whole hours and days from the rollups, the
/// ragged ends from the scores themselves (see `domain::monitor::span`).
async fn window(connection: &mut PgConnection, due: &Due, now: DateTime<Utc>) -> Result<Window, AppError> {
    let d = &due.defined;
    let (mut verdicts, mut failures) = (0_i64, 0_i64);
    for part in span::parts(now, i64::from(d.window_minutes)) {
        let (v, f): (i64, i64) = match part {
            Part::Scores { from, to } => {
                sqlx::query_as(&format!(
                    "SELECT count(*) FILTER (WHERE s.passed IS NOT NULL AND s.error IS NULL),
                            count(*) FILTER (WHERE s.passed = false AND s.error IS NULL)
                     FROM outputs o JOIN scores s ON s.output_id = o.id AND s.metric_id = $2
                     LEFT JOIN system_versions v ON v.id = o.version_id
                     WHERE o.project_id = $1 AND o.occurred_at >= $3 AND o.occurred_at < $4 AND {SCOPE}"
                ))
                .bind(due.project_id)
                .bind(due.metric_id)
                .bind(from)
                .bind(to)
                .bind(&d.version_label)
                .bind(&d.segment_key)
                .bind(&d.segment_value)
                .fetch_one(&mut *connection)
                .await?
            }
            Part::Hours { from, to } | Part::Days { from, to } => {
                let grain = if matches!(part, Part::Hours { .. }) {
                    "hour"
                } else {
                    "day"
                };
                sqlx::query_as(
                    "SELECT COALESCE(sum(r.passes + r.failures), 0)::bigint, COALESCE(sum(r.failures), 0)::bigint
                     FROM score_rollups r JOIN system_versions v ON v.id = r.version_id
                     WHERE r.metric_id = $1 AND r.grain = $2 AND r.bucket >= $3 AND r.bucket < $4
                       AND r.segment_key = $5 AND r.segment_value = $6 AND ($7 = '' OR v.label = $7)",
                )
                .bind(due.metric_id)
                .bind(grain)
                .bind(from)
                .bind(to)
                .bind(&d.segment_key)
                .bind(&d.segment_value)
                .bind(&d.version_label)
                .fetch_one(&mut *connection)
                .await?
            }
        };
        verdicts += v;
        failures += f;
    }
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

/// Evaluates up to `limit` monitors due at `now`, each once and each in a transaction of its
/// own: the monitor is taken with `FOR UPDATE SKIP LOCKED` (another worker skips it) and moved to
/// its next run; each notification is stored as an alert event and queued for every enabled
/// channel of the monitor in that same transaction, so it is delivered exactly when it is
/// recorded. A monitor whose evaluation fails is logged and tried again a minute later, without
/// holding up the others. Links point at `public_url`.
pub async fn evaluate_due(
    pool: &PgPool,
    now: DateTime<Utc>,
    limit: i64,
    public_url: &str,
) -> Result<Evaluated, AppError> {
    let mut done = Evaluated::default();
    let mut failed: Vec<i64> = Vec::new();
    for _ in 0..limit {
        let mut tx = pool.begin().await?;
        let due: Option<Due> = sqlx::query_as(
            "SELECT mo.id, mo.name, mo.project_id, p.slug AS project_slug, p.name AS project_name, mo.metric_id,
                m.key AS metric_key, m.name AS metric_name, mo.segment_key, mo.segment_value, mo.version_label,
                mo.window_minutes, mo.rule, mo.status, m.cost_per_failure
             FROM monitors mo JOIN metrics m ON m.id = mo.metric_id JOIN projects p ON p.id = mo.project_id
             WHERE mo.next_run_at <= $1 AND mo.id <> ALL($2) ORDER BY mo.next_run_at, mo.id LIMIT 1
             FOR UPDATE OF mo SKIP LOCKED",
        )
        .bind(now)
        .bind(&failed)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(monitor) = due else { break };
        match evaluate(&mut tx, &monitor, now, public_url).await {
            Ok(notification) => {
                tx.commit().await?;
                done.monitors += 1;
                done.notifications.extend(notification.map(|n| (monitor.id, n)));
            }
            Err(error) => {
                drop(tx);
                tracing::error!(monitor = monitor.id, "evaluating a monitor: {error}");
                failed.push(monitor.id);
                sqlx::query("UPDATE monitors SET next_run_at = $2 WHERE id = $1")
                    .bind(monitor.id)
                    .bind(now + Duration::minutes(1))
                    .execute(pool)
                    .await?;
            }
        }
    }
    Ok(done)
}

/// Evaluates one taken monitor: its window, its next status, and the notification if any.
async fn evaluate(
    tx: &mut PgConnection,
    monitor: &Due,
    now: DateTime<Utc>,
    public_url: &str,
) -> Result<Option<Notification>, AppError> {
    let counts = window(&mut *tx, monitor, now).await?;
    let rule = monitor.defined.rule.0;
    let (status, notification) = monitor::step(&rule, &monitor.defined.status.0, Some(&counts), now);
    let observed = (counts.verdicts >= rule.min_sample.max(1)).then(|| rule.condition.value(&counts));
    sqlx::query(
        "UPDATE monitors SET status = $2, state = $3, next_run_at = $4, last_observed = $5,
            last_verdicts = $6, evaluated_at = $7 WHERE id = $1",
    )
    .bind(monitor.id)
    .bind(Json(status))
    .bind(status.state.as_str())
    .bind(now + Duration::minutes(1))
    .bind(observed)
    .bind(i64::try_from(counts.verdicts).unwrap_or(i64::MAX))
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let Some(n) = notification else {
        return Ok(None);
    };
    let notice = monitor.notice(n, &counts, public_url, now);
    let event: i64 = sqlx::query_scalar(
        "INSERT INTO alert_events (monitor_id, previous_state, state, reason, observed, observed_text, verdicts, at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(monitor.id)
    .bind(n.previous.as_str())
    .bind(n.state.as_str())
    .bind(match n.reason {
        Reason::Changed => "changed",
        Reason::Reminder => "reminder",
    })
    .bind(n.observed)
    .bind(&notice.observed_text)
    .bind(i64::try_from(n.verdicts).unwrap_or(i64::MAX))
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    super::alert_channels::queue(&mut *tx, monitor.id, Some(event), &notice).await?;
    Ok(Some(n))
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
