//! Evaluating the due monitors. With several workers each due monitor is taken by one (`FOR
//! UPDATE SKIP LOCKED`) and moved to its next run in the same transaction, so a tick never
//! evaluates a monitor twice and never sends a notification twice.

use super::counts::{self, Scope};
use super::Defined;
use crate::domain::money::Money;
use crate::domain::monitor::notice::Notice;
use crate::domain::monitor::span::{self, Part};
use crate::domain::monitor::{self, Notification, Window};
use crate::error::AppError;
use chrono::{DateTime, Duration, Utc};
use sqlx::types::Json;
use sqlx::{PgConnection, PgPool};

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
    let scope = Scope {
        project_id: due.project_id,
        metric_id: due.metric_id,
        version: &d.version_label,
        key: &d.segment_key,
        value: &d.segment_value,
    };
    let (mut verdicts, mut failures) = (0_i64, 0_i64);
    for part in span::parts(now, i64::from(d.window_minutes)) {
        let (v, f) = match part {
            Part::Scores { from, to } => counts::scores(&mut *connection, &scope, from, to).await?,
            Part::Hours { from, to } => counts::rollups(&mut *connection, &scope, "hour", from, to).await?,
            Part::Days { from, to } => counts::rollups(&mut *connection, &scope, "day", from, to).await?,
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
    .bind(n.reason)
    .bind(n.observed)
    .bind(&notice.observed_text)
    .bind(i64::try_from(n.verdicts).unwrap_or(i64::MAX))
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    super::super::alert_channels::queue(&mut *tx, monitor.id, Some(event), &notice).await?;
    Ok(Some(n))
}
