//! Ingestion against the storage limit: `POST …/outputs` in batches of 1,000 with five active
//! built-in scorers, against `COPY` of the same outputs **and their five score rows each** into
//! tables with the indexes and constraints of `outputs` and `scores` (foreign keys included),
//! each from one client and from [`CLIENTS`] at once, in the same run. Also the parts: storage
//! with no active metric, and parsing and scoring alone in process.

use super::{BATCH, TEMPLATES};
use reqwest::Client;
use serde_json::{json, Value};
use sqlx::{Connection, PgConnection, PgPool};
use std::time::Instant;

/// Batches per measurement.
const BATCHES: usize = 12;
/// Concurrent clients (or COPY connections) in the concurrent measurements.
pub const CLIENTS: usize = 4;

/// Outputs per second of each measurement.
pub struct Rates {
    pub api: f64,
    pub api_concurrent: f64,
    pub bare: f64,
    pub copy: f64,
    pub copy_concurrent: f64,
}

/// One output record; `i` makes its external id unique.
pub fn record(i: usize) -> Value {
    json!({
        "version": "bench-v1", "external_id": format!("bench-{i}"), "conversation_id": format!("c-{}", i / 5),
        "turn_index": i % 5, "input": "Wie kann ich der Rechnung widersprechen?",
        "output": format!("Sie können innerhalb von dreißig Tagen in Ihrem Kundenkonto widersprechen. Vorgang {i}."),
        "metadata": {"language": "de", "customer": format!("cust-{}", i % 50), "channel": "web"},
        "latency_ms": 300 + i % 200, "tokens_in": 120, "tokens_out": 40
    })
}

/// [`BATCHES`] request bodies of [`BATCH`] records, numbered from `first`.
pub fn bodies(first: usize) -> Vec<String> {
    (0..BATCHES)
        .map(|b| Value::Array((0..BATCH).map(|i| record(first + b * BATCH + i)).collect()).to_string())
        .collect()
}

/// Measures every rate; `keys` are the API keys of the scored project and of the bare one.
pub async fn run(client: &Client, base: &str, keys: &(String, String), pool: &PgPool, url: &str) -> Rates {
    let api = api_rate(client, base, "support-bot-dach", &keys.0, vec![bodies(0)]).await;
    let shares = (1..=CLIENTS).map(|c| bodies(c * 1_000_000)).collect();
    let api_concurrent = api_rate(client, base, "support-bot-dach", &keys.0, shares).await;
    let bare = api_rate(client, base, "bench-bare", &keys.1, vec![bodies(0)]).await;
    let metrics: Vec<i64> = sqlx::query_scalar(
        "SELECT m.id FROM metrics m JOIN projects p ON p.id = m.project_id
         WHERE p.slug = 'support-bot-dach' AND m.key = ANY($1) ORDER BY m.id",
    )
    .bind(TEMPLATES.map(String::from).to_vec())
    .fetch_all(pool)
    .await
    .expect("metrics");
    assert_eq!(metrics.len(), TEMPLATES.len());
    let mut connection = PgConnection::connect(url).await.expect("connect");
    for statement in [
        "CREATE TABLE outputs_base (LIKE outputs INCLUDING ALL)",
        "ALTER TABLE outputs_base ADD FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE CASCADE,
            ADD FOREIGN KEY (version_id) REFERENCES system_versions (id)",
        "CREATE TABLE scores_base (LIKE scores INCLUDING ALL)",
        "ALTER TABLE scores_base ADD FOREIGN KEY (output_id) REFERENCES outputs_base (id) ON DELETE CASCADE,
            ADD FOREIGN KEY (metric_id) REFERENCES metrics (id) ON DELETE CASCADE",
    ] {
        sqlx::query(statement)
            .execute(&mut connection)
            .await
            .expect("baseline tables");
    }
    let (project, version): (i64, i64) = sqlx::query_as(
        "SELECT v.project_id, v.id FROM system_versions v JOIN projects p ON p.id = v.project_id
         WHERE p.slug = 'support-bot-dach' AND v.label = 'bench-v1'",
    )
    .fetch_one(&mut connection)
    .await
    .expect("version");
    let batches = |first: usize| -> Vec<(String, String)> {
        (0..BATCHES)
            .map(|b| copy_batch(first + b * BATCH, project, version, &metrics))
            .collect()
    };
    let copy = copy_rate(url, vec![batches(10_000_000)]).await;
    let shares = (1..=CLIENTS)
        .map(|c| batches(10_000_000 + c * 1_000_000))
        .collect();
    let copy_concurrent = copy_rate(url, shares).await;
    Rates {
        api,
        api_concurrent,
        bare,
        copy,
        copy_concurrent,
    }
}

/// Outputs per second through `POST …/outputs` of `project`, each share of bodies sent by a
/// client of its own, all at once.
pub async fn api_rate(
    client: &Client,
    base: &str,
    project: &str,
    key: &str,
    shares: Vec<Vec<String>>,
) -> f64 {
    let outputs: usize = shares.iter().map(Vec::len).sum::<usize>() * BATCH;
    let started = Instant::now();
    let clients = shares.into_iter().map(|bodies| {
        let (client, url, key) = (
            client.clone(),
            format!("{base}/api/v1/projects/{project}/outputs"),
            key.to_owned(),
        );
        tokio::spawn(async move {
            for body in bodies {
                let response = client
                    .post(&url)
                    .bearer_auth(&key)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await
                    .expect("ingest");
                assert_eq!(
                    response.status(),
                    201,
                    "{}",
                    response.text().await.unwrap_or_default()
                );
            }
        })
    });
    for client in clients.collect::<Vec<_>>() {
        client.await.expect("client");
    }
    outputs as f64 / started.elapsed().as_secs_f64()
}

/// The COPY text of one batch: its outputs, and their five score rows each.
fn copy_batch(first: usize, project: i64, version: i64, metrics: &[i64]) -> (String, String) {
    let mut outputs = String::new();
    let mut scores = String::new();
    for i in first..first + BATCH {
        let r = record(i);
        let field = |name: &str| {
            r[name]
                .as_str()
                .unwrap_or_default()
                .replace('\\', "\\\\")
                .replace('\t', " ")
        };
        outputs += &format!(
            "{i}\t{project}\t{version}\t{}\t{}\t{}\t{}\t{}\tproduction\t{}\t{}\t{}\t{}\t2026-11-24T10:00:00Z\n",
            field("external_id"),
            field("conversation_id"),
            r["turn_index"],
            field("input"),
            field("output"),
            r["metadata"].to_string().replace('\\', "\\\\"),
            r["latency_ms"],
            r["tokens_in"],
            r["tokens_out"],
        );
        for metric in metrics {
            scores += &format!("{i}\t{metric}\t1\ttrue\treply in de (1.00), expected de\tbuiltin-1\n");
        }
    }
    (outputs, scores)
}

/// Outputs per second of COPY of the batches into the baseline tables, each share over a
/// connection of its own, a transaction per batch, all at once.
async fn copy_rate(url: &str, shares: Vec<Vec<(String, String)>>) -> f64 {
    let outputs: usize = shares.iter().map(Vec::len).sum::<usize>() * BATCH;
    let mut connections = Vec::new();
    for _ in 0..shares.len() {
        connections.push(PgConnection::connect(url).await.expect("connect"));
    }
    let started = Instant::now();
    let copies = shares.into_iter().zip(connections).map(|(batches, mut connection)| {
        tokio::spawn(async move {
            for (outputs, scores) in batches {
                let mut tx = connection.begin().await.expect("begin");
                for (statement, data) in [
                    (
                        "COPY outputs_base (id, project_id, version_id, external_id, conversation_id, turn_index, input, \
                         output, source, metadata, latency_ms, tokens_in, tokens_out, occurred_at) FROM STDIN",
                        outputs,
                    ),
                    (
                        "COPY scores_base (output_id, metric_id, value, passed, rationale, scorer_version) FROM STDIN",
                        scores,
                    ),
                ] {
                    let mut copy = tx.copy_in_raw(statement).await.expect("copy");
                    copy.send(data.into_bytes()).await.expect("copy data");
                    copy.finish().await.expect("copy finish");
                }
                tx.commit().await.expect("commit");
            }
        })
    });
    for copy in copies.collect::<Vec<_>>() {
        copy.await.expect("copy task");
    }
    outputs as f64 / started.elapsed().as_secs_f64()
}

/// Outputs per second of the two CPU-bound parts of ingestion, measured alone on one core:
/// parsing and validating the records, and scoring them with the project's five active scorers
/// (also each scorer alone).
pub async fn parts(pool: &PgPool) -> (f64, f64, Vec<(String, f64)>) {
    let project: i64 = sqlx::query_scalar("SELECT id FROM projects WHERE slug = 'support-bot-dach'")
        .fetch_one(pool)
        .await
        .expect("project");
    let scorers = app::server::scorer_cache::scorers(pool, project)
        .await
        .expect("scorers");
    assert_eq!(scorers.len(), TEMPLATES.len(), "five active scorers");
    let bodies = bodies(0);
    let started = Instant::now();
    let mut batches = Vec::with_capacity(BATCHES);
    for body in &bodies {
        let Value::Array(values) = serde_json::from_str(body).expect("json") else {
            panic!("an array")
        };
        batches.push(app::domain::output::validate(values, chrono::Utc::now()).expect("valid"));
    }
    let total = (BATCHES * BATCH) as f64;
    let parse = total / started.elapsed().as_secs_f64();
    let started = Instant::now();
    let mut scored = 0;
    for output in batches.iter().flatten() {
        let users = output.user_messages();
        let input = app::server::scoring::ScoringInput::of(output, &users);
        scored += scorers.iter().filter_map(|s| s.score(&input)).count();
    }
    assert_eq!(scored, BATCHES * BATCH * TEMPLATES.len());
    let scoring = total / started.elapsed().as_secs_f64();
    let per_scorer = scorers
        .iter()
        .map(|scorer| {
            let started = Instant::now();
            for output in batches.iter().flatten() {
                let users = output.user_messages();
                let input = app::server::scoring::ScoringInput::of(output, &users);
                std::hint::black_box(scorer.score(&input));
            }
            (scorer.key.clone(), total / started.elapsed().as_secs_f64())
        })
        .collect();
    (parse, scoring, per_scorer)
}
