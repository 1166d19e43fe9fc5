//! Benchmarks, each reported as a ratio against a baseline measured in the same run:
//!
//! - ingestion through `POST …/outputs` (batches of 1,000, five active scorers) against `COPY` of
//!   the same outputs and their score rows into tables with the indexes and constraints of
//!   `outputs` and `scores`, from one client and from several (`bench/ingest.rs`);
//! - `POST …/check` latency (p50, p99) and throughput against `GET /ping` of the same server,
//!   from one sequential client and under 16 concurrent connections (`wrk`, `bench/concurrent.rs`).
//!
//! - the dashboards (overview, trend, release comparison) over 10 million scores, from the
//!   rollups against the same answers counted from raw scores (`bench/dashboards.rs`).
//!
//! - the language guardrail on the labelled set `data/language/texts.tsv`: caught, false alarms
//!   and abstained per language, and time per reply, against the previous rule
//!   (`bench/language.rs`; needs no database).
//!
//! Run: `DATABASE_URL=postgres://…/postgres cargo run --release -p server --features bench --bin bench [ingest|dashboards|language]`
//! (all of them without an argument; it creates and drops a database of its own on that server
//! for each).

mod concurrent;
mod dashboards;
mod ingest;
mod language;
mod rescoring;

use app::server::recording::RecorderSettings;
use leptos::prelude::LeptosOptions;
use reqwest::Client;
use serde_json::{json, Value};
use server::startup::{build_router, connect, Operations, SessionSettings, Settings};
use sqlx::{Connection, PgConnection};
use std::time::{Duration, Instant};

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
    if !["", "ingest", "dashboards", "language"].contains(&which.as_str()) {
        eprintln!("usage: bench [ingest|dashboards|language]");
        std::process::exit(2);
    }
    if which.is_empty() || which == "language" {
        println!("{}", language::run());
    }
    if which.is_empty() || which == "ingest" {
        println!("{}", in_database(run).await);
    }
    if which.is_empty() || which == "dashboards" {
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
    // Recording as a server runs it: with its journal (in a folder of the run's own).
    let journal = std::env::temp_dir().join(format!("vernier-bench-journal-{}", std::process::id()));
    let settings = Settings {
        sessions,
        operations: Operations {
            public_url: "http://127.0.0.1:3000".into(),
            recording: RecorderSettings {
                journal: Some(journal.clone()),
                ..RecorderSettings::default()
            },
            ..Operations::default()
        },
    };
    let router = build_router(pool.clone(), options, settings)
        .await
        .expect("router");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move { axum::serve(listener, router).await.expect("serve") });

    let keys = prepare(&base).await;
    let key = keys.0.clone();
    let client = Client::new();
    let rates = ingest::run(&client, &base, &keys, &pool, url).await;
    let (parse_rate, scoring_rate, per_scorer) = ingest::parts(&pool).await;
    let check_url = format!("{base}/api/v1/projects/support-bot-dach/check");
    let check = latencies(&client, &check_url, Some(&key)).await;
    let check_off = latencies(&client, &format!("{check_url}?record=false"), Some(&key)).await;
    let ping = latencies(&client, &format!("{base}/ping"), None).await;
    let concurrent = concurrent::run(&pool, &base, &key).await;
    let rescoring = rescoring::run(&client, &pool, &base).await;
    let _ = std::fs::remove_dir_all(&journal);
    let copy = rates.copy;
    let row = |name: &str, rate: f64, baseline: f64| {
        format!(
            "| {name} | {rate:.0} | {baseline:.0} | {:.2} |\n",
            rate / baseline
        )
    };
    let per_scorer: String = per_scorer
        .iter()
        .map(|(key, rate)| {
            row(
                &format!("— scorer {key} alone (in process, one core)"),
                *rate,
                copy,
            )
        })
        .collect();
    let (clients, n) = (ingest::CLIENTS, TEMPLATES.len());
    format!(
        "Ingestion, outputs per second, against COPY of the same outputs and their {n} score rows each \
         into tables with the indexes and constraints of `outputs` and `scores`:\n\n\
         | benchmark | Vernier | baseline | ratio |\n| --- | --- | --- | --- |\n\
         {}{}{}{}{}{per_scorer}\n\
         | benchmark | Vernier | baseline | ratio |\n| --- | --- | --- | --- |\n\
         | /check p50 vs /ping p50 (one client, sequential, recorded) | {} | {} | {:.2} |\n\
         | /check p99 vs /ping p99 (one client, sequential, recorded) | {} | {} | {:.2} |\n\
         | /check requests/s vs /ping (one client, sequential, recorded) | {:.0} | {:.0} | {:.2} |\n\
         | /check?record=false p50 vs /ping p50 | {} | {} | {:.2} |\n\
         | /check?record=false p99 vs /ping p99 | {} | {} | {:.2} |\n\n{concurrent}\n\n{rescoring}",
        row(
            &format!("ingest, one client (batches of {BATCH}, {n} scorers) vs COPY, one connection"),
            rates.api,
            copy
        ),
        row(
            &format!("ingest, {clients} clients vs COPY, {clients} connections"),
            rates.api_concurrent,
            rates.copy_concurrent
        ),
        row(
            "ingest with no active metric (storage and HTTP only), one client vs COPY",
            rates.bare,
            copy
        ),
        row(
            "— parse + validate alone (in process, one core)",
            parse_rate,
            copy
        ),
        row(
            &format!("— the {n} scorers alone (in process, one core)"),
            scoring_rate,
            copy
        ),
        micros(check.p50),
        micros(ping.p50),
        check.p50.as_secs_f64() / ping.p50.as_secs_f64(),
        micros(check.p99),
        micros(ping.p99),
        check.p99.as_secs_f64() / ping.p99.as_secs_f64(),
        check.rate,
        ping.rate,
        check.rate / ping.rate,
        micros(check_off.p50),
        micros(ping.p50),
        check_off.p50.as_secs_f64() / ping.p50.as_secs_f64(),
        micros(check_off.p99),
        micros(ping.p99),
        check_off.p99.as_secs_f64() / ping.p99.as_secs_f64(),
    )
}

/// A client signed in as the demo owner.
async fn owner(base: &str) -> Client {
    let owner = Client::builder().cookie_store(true).build().expect("client");
    call(
        &owner,
        base,
        "login",
        vec![("username", "owner"), ("password", server::demo::DEMO_PASSWORD)],
    )
    .await;
    owner
}

/// Calls a server function as a form post and answers its response.
async fn call(client: &Client, base: &str, endpoint: &str, form: Vec<(&str, &str)>) -> reqwest::Response {
    let response = client
        .post(format!("{base}/api/{endpoint}"))
        .form(&form)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{endpoint}: {e}"));
    assert!(
        response.status().is_success(),
        "{endpoint}: {}",
        response.status()
    );
    response
}

fn micros(d: Duration) -> String {
    format!("{} µs", d.as_micros())
}

/// Signs in as the demo owner, activates five real-time metrics and creates a key; also makes a
/// project with no metrics ("bench-bare") and a key for it, to measure storage alone.
async fn prepare(base: &str) -> (String, String) {
    let owner = owner(base).await;
    for template in TEMPLATES {
        let project = ("project", "support-bot-dach");
        call(
            &owner,
            base,
            "add_template",
            vec![project, ("template", template)],
        )
        .await;
        call(&owner, base, "activate_metric", vec![project, ("key", template)]).await;
    }
    call(
        &owner,
        base,
        "create_project",
        vec![
            ("name", "Bench bare"),
            ("slug", "bench-bare"),
            ("description", ""),
            ("purpose", ""),
        ],
    )
    .await;
    let mut keys = Vec::new();
    for project in ["support-bot-dach", "bench-bare"] {
        keys.push(api_key(&owner, base, project).await);
    }
    (keys.remove(0), keys.remove(0))
}

/// A new API key of `project`.
async fn api_key(owner: &Client, base: &str, project: &str) -> String {
    let created: Value = call(
        owner,
        base,
        "create_api_key",
        vec![("project", project), ("name", "bench")],
    )
    .await
    .json()
    .await
    .expect("key body");
    created["secret"].as_str().expect("secret").to_owned()
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
