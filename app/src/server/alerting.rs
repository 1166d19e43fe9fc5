//! Alerting's I/O: the settings alerts need, the two background loops (evaluating monitors,
//! delivering notifications) and one delivery attempt over HTTP. What to decide lives in
//! `domain::monitor`; what to store in `db::monitors` and `db::alert_channels`.

use super::db;
use super::db::alert_channels::{Pending, Tried};
use super::webhook_signature;
use crate::domain::monitor::channel::{is_private, Allowed, ChannelKind};
use crate::domain::monitor::delivery::{Attempt, Outcome, TIMEOUT_SECONDS};
use crate::error::AppError;
use argon2::password_hash::rand_core::{OsRng, RngCore};
use chrono::Utc;
use sqlx::PgPool;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What alerting needs from the server's configuration, shared by every handler.
#[derive(Debug)]
pub struct Alerting {
    /// Vernier's address as people reach it, for links in notifications.
    pub public_url: String,
    /// What webhooks may reach beyond HTTPS to public hosts.
    pub allowed: Allowed,
    pub client: reqwest::Client,
    /// Woken after an ingest made monitors due, so they are evaluated within seconds.
    pub wake: tokio::sync::Notify,
}

impl Alerting {
    pub fn new(public_url: &str, allowed: Allowed) -> Arc<Self> {
        let client = client_builder()
            .build()
            .expect("the webhook client is built from fixed settings");
        Arc::new(Alerting {
            public_url: public_url.trim_end_matches('/').to_owned(),
            allowed,
            client,
            wake: tokio::sync::Notify::new(),
        })
    }
}

/// A uniform draw in 0..1.
fn jitter() -> f64 {
    (OsRng.next_u32() as f64) / (u32::MAX as f64)
}

/// A client for one delivery: the address's host name resolved now and pinned, so the address
/// checked is the address reached; refused when it resolves to a private address the server
/// does not allow.
async fn pinned(url: &str, allowed: Allowed) -> Result<Option<reqwest::Client>, String> {
    let parsed = url::Url::parse(url).map_err(|e| format!("bad address: {e}"))?;
    let Some(url::Host::Domain(host)) = parsed.host() else {
        // A literal address was checked when the channel was saved.
        return Ok(None);
    };
    let port = parsed.port_or_known_default().unwrap_or(443);
    let addresses: Vec<std::net::SocketAddr> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|e| format!("cannot resolve {host}: {e}"))?
        .collect();
    let Some(first) = addresses.first().copied() else {
        return Err(format!("{host} has no address"));
    };
    if !allowed.private && addresses.iter().any(|a| is_private(a.ip())) {
        return Err(format!(
            "{host} resolves to a private address, which the server does not allow"
        ));
    }
    client_builder()
        .resolve(host, first)
        .build()
        .map(Some)
        .map_err(|e| format!("cannot prepare the request: {e}"))
}

fn client_builder() -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(TIMEOUT_SECONDS))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("Vernier/", env!("CARGO_PKG_VERSION")))
}

/// One attempt to deliver: POSTs the body (signed for webhooks) and times the answer.
pub async fn attempt(client: &reqwest::Client, pending: &Pending, allowed: Allowed) -> Tried {
    let client = match pinned(&pending.url, allowed).await {
        Ok(Some(pinned)) => pinned,
        Ok(None) => client.clone(),
        Err(why) => {
            let refused = why.contains("private address");
            return Tried {
                result: if refused {
                    Attempt::Refused(why)
                } else {
                    Attempt::Unreachable(why)
                },
                latency_ms: 0,
                jitter: jitter(),
            };
        }
    };
    let body = pending.body.0.to_string();
    let mut request = client
        .post(&pending.url)
        .header(reqwest::header::CONTENT_TYPE, "application/json");
    if pending.kind == ChannelKind::Webhook && !pending.secret.is_empty() {
        let signature = webhook_signature::header_value(&pending.secret, Utc::now().timestamp(), &body);
        request = request.header(webhook_signature::HEADER, signature);
    }
    let started = Instant::now();
    let result = match request.body(body).send().await {
        Ok(response) => Attempt::Answered(response.status().as_u16()),
        Err(error) if error.is_timeout() => {
            Attempt::Unreachable(format!("no answer within {TIMEOUT_SECONDS} s"))
        }
        // Without the address: the log is read by every reader of the project, and a Slack
        // address is itself a secret.
        Err(error) => Attempt::Unreachable(describe(&error.without_url())),
    };
    Tried {
        result,
        latency_ms: i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX),
        jitter: jitter(),
    }
}

/// A network error in words, with its cause (reqwest's own message alone says little).
fn describe(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text = format!("{text}: {cause}");
        source = cause.source();
    }
    text.chars().take(300).collect()
}

/// Attempts every delivery due at `now` (up to `limit`); answers each delivery's outcome.
pub async fn deliver_due(
    pool: &PgPool,
    alerting: &Alerting,
    now: chrono::DateTime<Utc>,
    limit: i64,
) -> Result<Vec<(i64, Outcome)>, AppError> {
    let taken = db::alert_channels::take_due(pool, now, limit, None).await?;
    deliver(pool, alerting, taken, now).await
}

/// Attempts one delivery now (a test message the owner waits for); answers its outcome.
pub async fn deliver_one(
    pool: &PgPool,
    alerting: &Alerting,
    delivery: i64,
) -> Result<Vec<(i64, Outcome)>, AppError> {
    let now = Utc::now();
    let taken = db::alert_channels::take_due(pool, now, 1, Some(delivery)).await?;
    deliver(pool, alerting, taken, now).await
}

async fn deliver(
    pool: &PgPool,
    alerting: &Alerting,
    taken: Vec<Pending>,
    now: chrono::DateTime<Utc>,
) -> Result<Vec<(i64, Outcome)>, AppError> {
    let tries = futures::future::join_all(
        taken
            .iter()
            .map(|pending| attempt(&alerting.client, pending, alerting.allowed)),
    )
    .await;
    let mut outcomes = Vec::with_capacity(taken.len());
    for (pending, tried) in taken.iter().zip(tries) {
        let (outcome, disabled) = db::alert_channels::record(pool, pending, &tried, now).await?;
        if disabled {
            tracing::warn!(
                channel = pending.channel_id,
                "alert channel disabled after repeated failures"
            );
        }
        outcomes.push((pending.id, outcome));
    }
    Ok(outcomes)
}

/// Evaluates due monitors every 5 seconds (each monitor is due once a minute, or sooner after an
/// ingest), and at once when woken.
pub async fn evaluate_loop(pool: PgPool, alerting: Arc<Alerting>) {
    const BATCH: i64 = 100;
    while !pool.is_closed() {
        loop {
            match db::monitors::evaluate_due(&pool, Utc::now(), BATCH, &alerting.public_url).await {
                Ok(done) if done.monitors as i64 == BATCH => continue,
                Ok(done) => {
                    if !done.notifications.is_empty() {
                        // Deliver what was just queued without waiting for the next tick.
                        deliver_now(&pool, &alerting).await;
                    }
                    break;
                }
                Err(error) => {
                    tracing::error!("evaluating monitors: {error}");
                    break;
                }
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(5)) => {}
            _ = alerting.wake.notified() => {
                // Let the ingest's transaction settle and nearby batches arrive.
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
}

async fn deliver_now(pool: &PgPool, alerting: &Alerting) {
    if let Err(error) = deliver_due(pool, alerting, Utc::now(), 50).await {
        tracing::error!("delivering alerts: {error}");
    }
}

/// Delivers due notifications every 5 seconds.
pub async fn deliver_loop(pool: PgPool, alerting: Arc<Alerting>) {
    let mut every = tokio::time::interval(Duration::from_secs(5));
    while !pool.is_closed() {
        every.tick().await;
        deliver_now(&pool, &alerting).await;
    }
}
