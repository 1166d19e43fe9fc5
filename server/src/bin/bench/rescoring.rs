//! The web threads during a re-scoring job: `GET /health` (a database round trip) under `wrk`
//! with 4 connections for 10 s, at rest and while the worker re-scores 100,000 outputs with the
//! language guardrail (activating the metric queues the job), on the same server in the same run.
//! Also how fast the job went.

use super::concurrent::{wrk, Load};
use super::{api_key, call, owner, BATCH};
use reqwest::Client;
use serde_json::Value;
use sqlx::PgPool;
use std::process::Command;
use std::time::{Duration, Instant};

const OUTPUTS: usize = 100_000;
const CONNECTIONS: u32 = 4;
const SECONDS: u32 = 10;
const PROJECT: &str = "bench-rescore";

/// Runs the measurement and reports it as Markdown, or says why it could not.
pub async fn run(client: &Client, pool: &PgPool, base: &str) -> String {
    if Command::new("wrk").arg("--version").output().is_err() {
        return "re-scoring: skipped, `wrk` is not installed (apt-get install wrk)".into();
    }
    let owner = owner(base).await;
    call(
        &owner,
        base,
        "create_project",
        vec![
            ("name", "Bench re-scoring"),
            ("slug", PROJECT),
            ("description", ""),
            ("purpose", ""),
        ],
    )
    .await;
    let key = api_key(&owner, base, PROJECT).await;
    let bodies: Vec<String> = (0..OUTPUTS / BATCH)
        .map(|b| {
            Value::Array(
                (0..BATCH)
                    .map(|i| super::ingest::record(50_000_000 + b * BATCH + i))
                    .collect(),
            )
            .to_string()
        })
        .collect();
    let shares = bodies.chunks(bodies.len() / 4).map(<[String]>::to_vec).collect();
    super::ingest::api_rate(client, base, PROJECT, &key, shares).await;
    let health = format!("{base}/health");
    let rest = wrk(&health, None, CONNECTIONS, SECONDS).await;

    let project = ("project", PROJECT);
    call(
        &owner,
        base,
        "add_template",
        vec![project, ("template", "reply-language")],
    )
    .await;
    let started = Instant::now();
    call(
        &owner,
        base,
        "activate_metric",
        vec![project, ("key", "reply-language")],
    )
    .await;
    // The worker claims the job within a second of its announcement.
    while matches!(progress(pool).await.0.as_str(), "none" | "queued") {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let busy = wrk(&health, None, CONNECTIONS, SECONDS).await;
    let (status_after_load, done_during_load) = progress(pool).await;
    while !matches!(progress(pool).await.0.as_str(), "done" | "failed" | "cancelled") {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let took = started.elapsed().as_secs_f64();
    let (status, done) = progress(pool).await;
    assert_eq!(
        (status.as_str(), done),
        ("done", OUTPUTS as i64),
        "the job re-scored every output"
    );
    let row = |name: &str, load: &Load| load.row(name, load.p99 / rest.p99);
    format!(
        "`GET /health` ({CONNECTIONS} connections, {SECONDS} s each) at rest and during a re-scoring job of \
         {OUTPUTS} outputs with the language guardrail:\n\n\
         | /health | p50 | p99 | requests/s | p99 vs at rest |\n| --- | --- | --- | --- | --- |\n{}{}\n\
         The job was {status_after_load} with {done_during_load} outputs re-scored when the load ended; it \
         re-scored all {done} in {took:.1} s ({:.0} outputs a second).",
        row("at rest", &rest),
        row("during the re-scoring job", &busy),
        done as f64 / took,
    )
}

/// The status of the project's latest job, and how many outputs it has scored.
async fn progress(pool: &PgPool) -> (String, i64) {
    sqlx::query_as::<_, (String, i64)>(
        "SELECT j.status, j.done::bigint FROM scoring_jobs j JOIN projects p ON p.id = j.project_id
         WHERE p.slug = $1 ORDER BY j.id DESC LIMIT 1",
    )
    .bind(PROJECT)
    .fetch_optional(pool)
    .await
    .expect("job")
    .unwrap_or_else(|| ("none".into(), 0))
}
