//! Benchmarks, each reported as a ratio against a baseline measured in the same run:
//!
//! - ingestion through `POST …/outputs` (batches of 1,000, five active scorers) against a raw
//!   `COPY` of the same rows into a table shaped like `outputs`;
//! - `POST …/check` latency (p50, p99) and throughput against `GET /ping` of the same server.
//!
//! - the dashboards (overview, trend, release comparison) over 10 million scores, from the
//!   rollups against the same answers counted from raw scores (`bench/dashboards.rs`).
//!
//! Run: `DATABASE_URL=postgres://…/postgres cargo run --release -p server --features bench --bin bench [ingest|dashboards]`
//! (all of them without an argument; it creates and drops a database of its own on that server
//! for each).

mod dashboards;

use leptos::prelude::LeptosOptions;
use reqwest::Client;
use serde_json::{json, Value};
use server::startup::{build_router, connect, SessionSettings};
use sqlx::{Connection, PgConnection};
use std::time::{Duration, Instant};

const BATCHES: usize = 10;
const BATCH: usize = 1_000;
const CHECKS: usize = 3_000;
const TEMPLATES: [&str; 5] = [
    "no-delve",
    "valid-json",
    "reply-length",
    "moderation",
    "reply-language",
];

#[tokio::main]
async fn main() {
    let which = std::env::args().nth(1).unwrap_or_default();
    if !["", "ingest", "dashboards"].contains(&which.as_str()) {
        eprintln!("usage: bench [ingest|dashboards]");
        std::process::exit(2);
    }
    if which != "dashboards" {
        println!("{}", in_database(run).await);
    }
    if which != "ingest" {
        println!(
            "{}",
            in_database(|url| async move {
                let pool = connect(&url).await.expect("connect and migrate");
                server::demo::seed(&pool).await.expect("seed");
                dashboards::run(&pool).await
            })
            .await
        );
    }
}

/// Runs `bench` against a database of its own, created on `DATABASE_URL`'s server and dropped.
async fn in_database<F, Fut>(bench: F) -> String
where
    F: FnOnce(String) -> Fut,
    Fut: std::future::Future<Output = String>,
{
    let admin_url =
        std::env::var("DATABASE_URL").expect("set DATABASE_URL to a server where a database may be created");
    let name = format!("vernier_bench_{}", std::process::id());
    let mut admin = PgConnection::connect(&admin_url).await.expect("connect");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .expect("create database");
    let url = format!(
        "{}/{name}",
        admin_url
            .rsplit_once('/')
            .map_or(admin_url.as_str(), |(base, _)| base)
    );
    let report = bench(url).await;
    sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .execute(&mut admin)
        .await
        .expect("drop database");
    report
}

async fn run(url: String) -> String {
    let url = url.as_str();
    let pool = connect(url).await.expect("connect and migrate");
    server::demo::seed(&pool).await.expect("seed");
    let options = LeptosOptions::builder().output_name("vernier").build();
    let sessions = SessionSettings {
        idle: time::Duration::hours(1),
        absolute: chrono::Duration::hours(1),
        secure: false,
    };
    let router = build_router(pool.clone(), options, sessions)
        .await
        .expect("router");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move { axum::serve(listener, router).await.expect("serve") });

    let keys = prepare(&base).await;
    let key = keys.0.clone();
    let client = Client::new();
    let (ingest_rate, bare_rate, copy_rate, indexed_rate) = ingest(&client, &base, &keys, url).await;
    let (parse_rate, scoring_rate, per_scorer) = parts(&pool).await;
    let check = latencies(
        &client,
        &format!("{base}/api/v1/projects/support-bot-dach/check"),
        Some(&key),
    )
    .await;
    let ping = latencies(&client, &format!("{base}/ping"), None).await;
    let per_scorer: String = per_scorer
        .iter()
        .map(|(key, rate)| format!("\n| of which scorer {key} alone (one core) vs raw COPY | {rate:.0} | {copy_rate:.0} | {:.2} |", rate / copy_rate))
        .collect();
    format!(
        "| benchmark | Vernier | baseline | ratio |\n| --- | --- | --- | --- |\n\
         | ingest, rows/s (batches of {BATCH}, 5 scorers) vs raw COPY | {ingest_rate:.0} | {copy_rate:.0} | {:.2} |\n\
         | raw COPY into a table with the indexes of `outputs` vs raw COPY | {indexed_rate:.0} | {copy_rate:.0} | {:.2} |\n\
         | ingest with no active metric (storage and HTTP only) vs raw COPY | {bare_rate:.0} | {copy_rate:.0} | {:.2} |\n\
         | of which parse + validate alone (in process, one core) vs raw COPY | {parse_rate:.0} | {copy_rate:.0} | {:.2} |\n\
         | of which the 5 scorers alone (in process, one core) vs raw COPY | {scoring_rate:.0} | {copy_rate:.0} | {:.2} |{per_scorer}\n\
         | /check p50 vs /ping p50 | {} | {} | {:.2} |\n\
         | /check p99 vs /ping p99 | {} | {} | {:.2} |\n\
         | /check requests/s vs /ping (one client, sequential) | {:.0} | {:.0} | {:.2} |",
        ingest_rate / copy_rate,
        indexed_rate / copy_rate,
        bare_rate / copy_rate,
        parse_rate / copy_rate,
        scoring_rate / copy_rate,
        micros(check.p50),
        micros(ping.p50),
        check.p50.as_secs_f64() / ping.p50.as_secs_f64(),
        micros(check.p99),
        micros(ping.p99),
        check.p99.as_secs_f64() / ping.p99.as_secs_f64(),
        check.rate,
        ping.rate,
        check.rate / ping.rate,
    )
}

fn micros(d: Duration) -> String {
    format!("{} µs", d.as_micros())
}

/// Signs in as the demo owner, activates five real-time metrics and creates a key; also makes a
/// project with no metrics ("bench-bare") and a key for it, to measure storage alone.
async fn prepare(base: &str) -> (String, String) {
    let owner = Client::builder().cookie_store(true).build().expect("client");
    let call = |endpoint: &str, form: Vec<(&str, &str)>| {
        owner.post(format!("{base}/api/{endpoint}")).form(&form).send()
    };
    call(
        "login",
        vec![("username", "owner"), ("password", server::demo::DEMO_PASSWORD)],
    )
    .await
    .expect("login");
    for template in TEMPLATES {
        call(
            "add_template",
            vec![("project", "support-bot-dach"), ("template", template)],
        )
        .await
        .expect("template");
        call(
            "activate_metric",
            vec![("project", "support-bot-dach"), ("key", template)],
        )
        .await
        .expect("activate");
    }
    call(
        "create_project",
        vec![
            ("name", "Bench bare"),
            ("slug", "bench-bare"),
            ("description", ""),
            ("purpose", ""),
        ],
    )
    .await
    .expect("project");
    let mut keys = Vec::new();
    for project in ["support-bot-dach", "bench-bare"] {
        let created: Value = call("create_api_key", vec![("project", project), ("name", "bench")])
            .await
            .expect("key")
            .json()
            .await
            .expect("key body");
        keys.push(created["secret"].as_str().expect("secret").to_owned());
    }
    (keys.remove(0), keys.remove(0))
}

/// Rows per second through `POST …/outputs` of `project`, in batches of [`BATCH`].
async fn api_rate(client: &Client, base: &str, project: &str, key: &str, bodies: &[String]) -> f64 {
    let started = Instant::now();
    for body in bodies {
        let response = client
            .post(format!("{base}/api/v1/projects/{project}/outputs"))
            .bearer_auth(key)
            .header("content-type", "application/json")
            .body(body.clone())
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
    (bodies.len() * BATCH) as f64 / started.elapsed().as_secs_f64()
}

fn record(i: usize) -> Value {
    json!({
        "version": "bench-v1", "external_id": format!("bench-{i}"), "conversation_id": format!("c-{}", i / 5),
        "turn_index": i % 5, "input": "Wie kann ich der Rechnung widersprechen?",
        "output": format!("Sie können innerhalb von dreißig Tagen in Ihrem Kundenkonto widersprechen. Vorgang {i}."),
        "metadata": {"language": "de", "customer": format!("cust-{}", i % 50), "channel": "web"},
        "latency_ms": 300 + i % 200, "tokens_in": 120, "tokens_out": 40
    })
}

/// Rows per second through the API (five active scorers; no metric), and through COPY of the
/// same rows (a bare table; one with the indexes of `outputs`).
async fn ingest(client: &Client, base: &str, keys: &(String, String), url: &str) -> (f64, f64, f64, f64) {
    let bodies: Vec<String> = (0..BATCHES)
        .map(|b| Value::Array((0..BATCH).map(|i| record(b * BATCH + i)).collect()).to_string())
        .collect();
    let api = api_rate(client, base, "support-bot-dach", &keys.0, &bodies).await;
    let bare = api_rate(client, base, "bench-bare", &keys.1, &bodies).await;

    let mut connection = PgConnection::connect(url).await.expect("connect");
    sqlx::query("CREATE TABLE outputs_copy (LIKE outputs INCLUDING DEFAULTS)")
        .execute(&mut connection)
        .await
        .expect("table");
    let version: i64 = sqlx::query_scalar("SELECT id FROM system_versions LIMIT 1")
        .fetch_one(&mut connection)
        .await
        .expect("version");
    let project: i64 = sqlx::query_scalar("SELECT id FROM projects LIMIT 1")
        .fetch_one(&mut connection)
        .await
        .expect("project");
    let lines: Vec<String> = (0..BATCHES * BATCH)
        .map(|i| {
            let r = record(i);
            let field = |name: &str| r[name].as_str().unwrap_or_default().replace('\\', "\\\\").replace('\t', " ");
            format!(
                "{}\t{project}\t{version}\t{}\t{}\t{}\t{}\t{}\tproduction\t{}\t{}\t{}\t{}\t2026-11-24T10:00:00Z\n",
                1_000_000 + i,
                field("external_id"),
                field("conversation_id"),
                r["turn_index"],
                field("input"),
                field("output"),
                r["metadata"].to_string().replace('\\', "\\\\"),
                r["latency_ms"],
                r["tokens_in"],
                r["tokens_out"],
            )
        })
        .collect();
    let raw = copy_rate(&mut connection, "outputs_copy", &lines).await;
    // The same rows into a table with every index and default of `outputs` (no foreign keys):
    // what index maintenance alone costs, for reading the ratio.
    sqlx::query("CREATE TABLE outputs_indexed (LIKE outputs INCLUDING ALL)")
        .execute(&mut connection)
        .await
        .expect("table");
    let indexed = copy_rate(&mut connection, "outputs_indexed", &lines).await;
    (api, bare, raw, indexed)
}

/// Rows per second of `COPY … FROM STDIN` of `lines` into `table`, in batches of [`BATCH`].
async fn copy_rate(connection: &mut PgConnection, table: &str, lines: &[String]) -> f64 {
    let started = Instant::now();
    for chunk in lines.chunks(BATCH) {
        let mut copy = connection
            .copy_in_raw(&format!(
                "COPY {table} (id, project_id, version_id, external_id, conversation_id, turn_index, input, output, source, \
                 metadata, latency_ms, tokens_in, tokens_out, occurred_at) FROM STDIN"
            ))
            .await
            .expect("copy");
        copy.send(chunk.concat().into_bytes()).await.expect("copy data");
        copy.finish().await.expect("copy finish");
    }
    lines.len() as f64 / started.elapsed().as_secs_f64()
}

/// Rows per second of the two CPU-bound parts of ingestion, measured alone on one core: parsing
/// and validating the records, and scoring them with the project's five active scorers. They
/// bound what any storage strategy can reach.
async fn parts(pool: &sqlx::PgPool) -> (f64, f64, Vec<(String, f64)>) {
    let project: i64 = sqlx::query_scalar("SELECT id FROM projects WHERE slug = 'support-bot-dach'")
        .fetch_one(pool)
        .await
        .expect("project");
    let scorers = app::server::ingest::scorers(pool, project)
        .await
        .expect("scorers");
    assert_eq!(scorers.len(), TEMPLATES.len(), "five active scorers");
    let bodies: Vec<String> = (0..BATCHES)
        .map(|b| Value::Array((0..BATCH).map(|i| record(b * BATCH + i)).collect()).to_string())
        .collect();
    let started = Instant::now();
    let mut batches = Vec::with_capacity(BATCHES);
    for body in &bodies {
        let Value::Array(values) = serde_json::from_str(body).expect("json") else {
            panic!("an array")
        };
        batches.push(app::domain::output::validate(values, chrono::Utc::now()).expect("valid"));
    }
    let parse = (BATCHES * BATCH) as f64 / started.elapsed().as_secs_f64();
    let started = Instant::now();
    let mut scored = 0;
    for output in batches.iter().flatten() {
        let users = output.user_messages();
        let input = app::server::scoring::ScoringInput::of(output, &users);
        scored += scorers.iter().filter_map(|s| s.score(&input)).count();
    }
    assert_eq!(scored, BATCHES * BATCH * TEMPLATES.len());
    let scoring = (BATCHES * BATCH) as f64 / started.elapsed().as_secs_f64();
    let per_scorer = scorers
        .iter()
        .map(|scorer| {
            let started = Instant::now();
            for output in batches.iter().flatten() {
                let users = output.user_messages();
                let input = app::server::scoring::ScoringInput::of(output, &users);
                std::hint::black_box(scorer.score(&input));
            }
            let rate = (BATCHES * BATCH) as f64 / started.elapsed().as_secs_f64();
            (scorer.key.clone(), rate)
        })
        .collect();
    (parse, scoring, per_scorer)
}

struct Latency {
    p50: Duration,
    p99: Duration,
    rate: f64,
}

async fn latencies(client: &Client, url: &str, key: Option<&str>) -> Latency {
    let body = json!({
        "messages": [{"role": "user", "content": "Hallo, wie kann ich der Rechnung widersprechen?"}],
        "output": "Sie können innerhalb von dreißig Tagen in Ihrem Kundenkonto widersprechen.",
        "metadata": {"language": "de"}
    });
    let send = || async {
        let request = match key {
            Some(key) => client.post(url).bearer_auth(key).json(&body),
            None => client.get(url),
        };
        let response = request.send().await.expect("request");
        assert!(response.status().is_success(), "{url}: {}", response.status());
        response.bytes().await.expect("body");
    };
    for _ in 0..200 {
        send().await;
    }
    let mut samples = Vec::with_capacity(CHECKS);
    let started = Instant::now();
    for _ in 0..CHECKS {
        let t = Instant::now();
        send().await;
        samples.push(t.elapsed());
    }
    let rate = CHECKS as f64 / started.elapsed().as_secs_f64();
    samples.sort();
    Latency {
        p50: samples[CHECKS / 2],
        p99: samples[CHECKS * 99 / 100],
        rate,
    }
}
