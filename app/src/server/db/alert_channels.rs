//! Alert channels in storage, and their deliveries: queued with the alert event that causes them
//! (one transaction), taken by one worker at a time (`FOR UPDATE SKIP LOCKED` and a lease), and
//! recorded attempt by attempt. A channel failing `disable_after` attempts in a row is disabled
//! and its waiting deliveries abandoned.

use crate::domain::monitor::channel::{ChannelKind, ChannelView, DeliveryStatus, DeliveryView};
use crate::domain::monitor::delivery::{self, Attempt, Outcome};
use crate::domain::monitor::notice::{self, Notice};
use crate::error::AppError;
use chrono::{DateTime, Duration, Utc};
use sqlx::types::Json;
use sqlx::{PgConnection, PgPool};

/// A channel to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewChannel {
    pub name: String,
    pub kind: ChannelKind,
    /// Checked by `channel::check_url`.
    pub url: String,
    /// The webhook's signing secret; `None` on an edit keeps the stored one.
    pub secret: Option<String>,
    pub disable_after: i32,
}

/// Stores a channel (`id` none: a new one); answers its id.
pub async fn save(
    pool: &PgPool,
    project_id: i64,
    id: Option<i64>,
    channel: &NewChannel,
    by: i64,
) -> Result<i64, AppError> {
    // The signing secret is stored sealed (`server::secrets`); none stays empty.
    let secret = channel
        .secret
        .as_deref()
        .map(|s| {
            if s.is_empty() {
                Ok(String::new())
            } else {
                crate::server::secrets::seal(s)
            }
        })
        .transpose()?;
    let saved: Option<i64> = match id {
        None => {
            sqlx::query_scalar(
                "INSERT INTO alert_channels (project_id, name, kind, url, secret, disable_after, created_by)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (project_id, name) DO NOTHING RETURNING id",
            )
            .bind(project_id)
            .bind(&channel.name)
            .bind(channel.kind)
            .bind(&channel.url)
            .bind(secret.clone().unwrap_or_default())
            .bind(channel.disable_after)
            .bind(by)
            .fetch_optional(pool)
            .await?
        }
        Some(id) => {
            let taken: bool = sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM alert_channels WHERE project_id = $1 AND name = $2 AND id <> $3)",
            )
            .bind(project_id)
            .bind(&channel.name)
            .bind(id)
            .fetch_one(pool)
            .await?;
            if taken {
                return Err(AppError::invalid(
                    "name",
                    "another channel of this project has this name",
                ));
            }
            let updated: Option<i64> = sqlx::query_scalar(
                "UPDATE alert_channels SET name = $3, kind = $4, url = $5, secret = COALESCE($6, secret),
                    disable_after = $7 WHERE id = $1 AND project_id = $2 RETURNING id",
            )
            .bind(id)
            .bind(project_id)
            .bind(&channel.name)
            .bind(channel.kind)
            .bind(&channel.url)
            .bind(&secret)
            .bind(channel.disable_after)
            .fetch_optional(pool)
            .await?;
            return updated.ok_or_else(|| AppError::NotFound(format!("Channel {id}")));
        }
    };
    saved.ok_or_else(|| AppError::invalid("name", "another channel of this project has this name"))
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    name: String,
    kind: ChannelKind,
    url: String,
    signed: bool,
    disable_after: i32,
    consecutive_failures: i32,
    disabled_at: Option<DateTime<Utc>>,
    disabled_reason: String,
}

/// The project's channels, by name; secrets are not read.
pub async fn list(pool: &PgPool, project_id: i64) -> Result<Vec<ChannelView>, AppError> {
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, name, kind, url, secret <> '' AS signed, disable_after, consecutive_failures, disabled_at,
            disabled_reason FROM alert_channels WHERE project_id = $1 ORDER BY lower(name), id",
    )
    .bind(project_id)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| ChannelView {
            id: r.id,
            name: r.name,
            kind: r.kind,
            url: r.url,
            signed: r.signed,
            disable_after: r.disable_after,
            consecutive_failures: r.consecutive_failures,
            disabled_at: r.disabled_at,
            disabled_reason: r.disabled_reason,
        })
        .collect())
}

/// Deletes a channel and its delivery log.
pub async fn delete(pool: &PgPool, project_id: i64, id: i64) -> Result<(), AppError> {
    let deleted = sqlx::query("DELETE FROM alert_channels WHERE id = $1 AND project_id = $2")
        .bind(id)
        .bind(project_id)
        .execute(pool)
        .await?;
    super::found(deleted.rows_affected(), || format!("Channel {id}"))
}

/// Enables a channel again, its failures forgotten.
pub async fn enable(pool: &PgPool, project_id: i64, id: i64) -> Result<(), AppError> {
    let done = sqlx::query(
        "UPDATE alert_channels SET disabled_at = NULL, disabled_reason = '', consecutive_failures = 0
         WHERE id = $1 AND project_id = $2",
    )
    .bind(id)
    .bind(project_id)
    .execute(pool)
    .await?;
    super::found(done.rows_affected(), || format!("Channel {id}"))
}

/// Queues a notification for every enabled channel of the monitor, each in its channel's shape.
pub async fn queue(
    connection: &mut PgConnection,
    monitor_id: i64,
    event: Option<i64>,
    notice: &Notice,
) -> Result<u64, AppError> {
    Ok(sqlx::query(
        "INSERT INTO alert_deliveries (channel_id, alert_event_id, body)
         SELECT c.id, $2, CASE WHEN c.kind = 'slack' THEN $4 ELSE $3 END
         FROM monitor_channels mc JOIN alert_channels c ON c.id = mc.channel_id
         WHERE mc.monitor_id = $1 AND c.disabled_at IS NULL",
    )
    .bind(monitor_id)
    .bind(event)
    .bind(Json(notice::webhook_body(notice)))
    .bind(Json(notice::slack_body(notice)))
    .execute(connection)
    .await?
    .rows_affected())
}

/// Queues a test message for a channel of the project, due at once; answers the delivery's id.
pub async fn queue_test(
    pool: &PgPool,
    project_id: i64,
    channel_id: i64,
    public_url: &str,
    now: DateTime<Utc>,
) -> Result<i64, AppError> {
    #[derive(sqlx::FromRow)]
    struct Found {
        kind: ChannelKind,
        slug: String,
        name: String,
    }
    let found: Option<Found> = sqlx::query_as(
        "SELECT c.kind, p.slug, p.name FROM alert_channels c JOIN projects p ON p.id = c.project_id
         WHERE c.id = $1 AND c.project_id = $2",
    )
    .bind(channel_id)
    .bind(project_id)
    .fetch_optional(pool)
    .await?;
    let Found { kind, slug, name } =
        found.ok_or_else(|| AppError::NotFound(format!("Channel {channel_id}")))?;
    let link = super::monitors::alerts_link(public_url, &slug);
    let body = notice::test_body(kind == ChannelKind::Slack, &slug, &name, &link, now);
    Ok(sqlx::query_scalar(
        "INSERT INTO alert_deliveries (channel_id, body, next_attempt_at) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(channel_id)
    .bind(Json(body))
    .bind(now)
    .fetch_one(pool)
    .await?)
}

/// The project's latest deliveries, up to `per_channel` of each channel, newest first.
pub async fn deliveries(
    pool: &PgPool,
    project_id: i64,
    per_channel: i64,
) -> Result<Vec<DeliveryView>, AppError> {
    Ok(sqlx::query_as(
        "SELECT id, channel_id, summary, status, attempts, response_code, last_error, latency_ms, created_at,
            next_attempt_at
         FROM (SELECT d.*, row_number() OVER (PARTITION BY d.channel_id ORDER BY d.id DESC) AS nth,
                 CASE WHEN d.alert_event_id IS NULL THEN 'Test message'
                      ELSE COALESCE(d.body #>> '{monitor,name}', 'Alert') || ': ' || initcap(replace(COALESCE(d.body ->> 'state',
                           (SELECT e.state FROM alert_events e WHERE e.id = d.alert_event_id)), '_', ' '))
                 END AS summary
               FROM alert_deliveries d JOIN alert_channels c ON c.id = d.channel_id WHERE c.project_id = $1) recent
         WHERE nth <= $2 ORDER BY id DESC",
    )
    .bind(project_id)
    .bind(per_channel)
    .fetch_all(pool)
    .await?)
}

/// A delivery taken for an attempt.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Pending {
    pub id: i64,
    pub channel_id: i64,
    pub kind: ChannelKind,
    pub url: String,
    pub secret: String,
    pub body: Json<serde_json::Value>,
    pub attempts: i32,
    /// A test message: tried once, not counted against the channel.
    pub test: bool,
}

/// How long a taken delivery is left to its worker before another may try it.
pub const LEASE_SECONDS: i64 = 120;

/// Takes up to `limit` deliveries due at `now` of enabled channels (test messages also to
/// disabled ones), or only delivery `only`, leasing each to this worker.
pub async fn take_due(
    pool: &PgPool,
    now: DateTime<Utc>,
    limit: i64,
    only: Option<i64>,
) -> Result<Vec<Pending>, AppError> {
    let mut tx = pool.begin().await?;
    let mut taken: Vec<Pending> = sqlx::query_as(
        "SELECT d.id, d.channel_id, c.kind, c.url, c.secret, d.body, d.attempts, d.alert_event_id IS NULL AS test
         FROM alert_deliveries d JOIN alert_channels c ON c.id = d.channel_id
         WHERE d.status = 'pending' AND d.next_attempt_at <= $1 AND (c.disabled_at IS NULL OR d.alert_event_id IS NULL)
           AND ($3::bigint IS NULL OR d.id = $3)
         ORDER BY d.next_attempt_at, d.id LIMIT $2 FOR UPDATE OF d SKIP LOCKED",
    )
    .bind(now)
    .bind(limit)
    .bind(only)
    .fetch_all(&mut *tx)
    .await?;
    for pending in &mut taken {
        if !pending.secret.is_empty() {
            pending.secret = crate::server::secrets::open(&pending.secret)?;
        }
    }
    let ids: Vec<i64> = taken.iter().map(|p| p.id).collect();
    sqlx::query("UPDATE alert_deliveries SET next_attempt_at = $2 WHERE id = ANY($1)")
        .bind(&ids)
        .bind(now + Duration::seconds(LEASE_SECONDS))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(taken)
}

/// What an attempt did.
#[derive(Debug, Clone, PartialEq)]
pub struct Tried {
    pub result: Attempt,
    pub latency_ms: i32,
    /// A uniform draw in 0..1 for the backoff's jitter.
    pub jitter: f64,
}

/// Records an attempt of a taken delivery at `now`: its result, the next attempt or the end, and
/// the channel's run of failures (disabling it, and abandoning its waiting deliveries, when the
/// run reaches its limit). Answers the outcome and whether the channel was disabled.
pub async fn record(
    pool: &PgPool,
    pending: &Pending,
    tried: &Tried,
    now: DateTime<Utc>,
) -> Result<(Outcome, bool), AppError> {
    let attempt = pending.attempts + 1;
    let outcome = if pending.test && !tried.result.succeeded() {
        Outcome::Failed
    } else {
        delivery::outcome(attempt, &tried.result, tried.jitter)
    };
    let (status, next, finished) = match outcome {
        Outcome::Delivered => (DeliveryStatus::Delivered, now, Some(now)),
        Outcome::RetryAfter(wait) => (DeliveryStatus::Pending, now + wait, None),
        Outcome::Failed => (DeliveryStatus::Failed, now, Some(now)),
    };
    let (code, error) = match &tried.result {
        Attempt::Answered(code) => (
            Some(i32::from(*code)),
            if tried.result.succeeded() {
                String::new()
            } else {
                format!("HTTP {code}")
            },
        ),
        Attempt::Unreachable(why) | Attempt::Refused(why) => (None, why.clone()),
    };
    let mut tx = pool.begin().await?;
    // Only the attempt this worker leased: a delivery abandoned meanwhile (its channel was
    // disabled) stays abandoned, and its channel's run is not counted twice.
    let recorded = sqlx::query(
        "UPDATE alert_deliveries SET status = $2, attempts = $3, next_attempt_at = $4, response_code = $5,
            last_error = $6, latency_ms = $7, finished_at = $8
         WHERE id = $1 AND status = 'pending' AND attempts = $3 - 1",
    )
    .bind(pending.id)
    .bind(status)
    .bind(attempt)
    .bind(next)
    .bind(code)
    .bind(&error)
    .bind(tried.latency_ms)
    .bind(finished)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    let mut disabled = false;
    if recorded == 1 && !pending.test {
        if outcome == Outcome::Delivered {
            sqlx::query("UPDATE alert_channels SET consecutive_failures = 0 WHERE id = $1")
                .bind(pending.channel_id)
                .execute(&mut *tx)
                .await?;
        } else {
            #[derive(sqlx::FromRow)]
            struct Run {
                consecutive_failures: i32,
                disable_after: i32,
                already: bool,
            }
            let Run {
                consecutive_failures: failures,
                disable_after,
                already,
            } = sqlx::query_as(
                "UPDATE alert_channels SET consecutive_failures = consecutive_failures + 1 WHERE id = $1
                 RETURNING consecutive_failures, disable_after, disabled_at IS NOT NULL AS already",
            )
            .bind(pending.channel_id)
            .fetch_one(&mut *tx)
            .await?;
            if !already && delivery::disables(failures, disable_after) {
                disabled = true;
                sqlx::query("UPDATE alert_channels SET disabled_at = $2, disabled_reason = $3 WHERE id = $1")
                    .bind(pending.channel_id)
                    .bind(now)
                    .bind(format!("{failures} failed attempts in a row; the last: {error}"))
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "UPDATE alert_deliveries SET status = 'abandoned', finished_at = $2, last_error =
                        CASE WHEN last_error = '' THEN 'channel disabled' ELSE last_error || '; channel disabled' END
                     WHERE channel_id = $1 AND status = 'pending' AND alert_event_id IS NOT NULL",
                )
                .bind(pending.channel_id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
        }
    }
    tx.commit().await?;
    Ok((outcome, disabled))
}

/// Deliveries waiting, for the worker queue gauge.
pub async fn waiting(pool: &PgPool) -> Result<i64, AppError> {
    Ok(
        sqlx::query_scalar("SELECT count(*) FROM alert_deliveries WHERE status = 'pending'")
            .fetch_one(pool)
            .await?,
    )
}

#[cfg(test)]
mod tests;
