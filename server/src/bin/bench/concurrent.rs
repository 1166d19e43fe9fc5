//! The real-time check under concurrent load: `wrk` (Debian's package, a separate process)
//! with 16 connections for 30 seconds against `GET /ping`, `POST …/check?record=false` and
//! `POST …/check` (every check stored afterwards), on the same server in the same run. Reports
//! p50, p99 and requests per second, and how many of the answered checks were stored once the
//! recorder (queue and journal) settled.

use sqlx::PgPool;
use std::process::Command;
use std::time::Duration;

const CONNECTIONS: u32 = 16;
const SECONDS: u32 = 30;

/// One wrk run: latency percentiles (µs) and throughput.
pub struct Load {
    pub p50: f64,
    pub p99: f64,
    pub rate: f64,
    pub requests: u64,
}

/// Runs the three loads and reports them as a Markdown table, or says why it could not.
pub async fn run(pool: &PgPool, base: &str, key: &str) -> String {
    if Command::new("wrk").arg("--version").output().is_err() {
        return "concurrent check: skipped, `wrk` is not installed (apt-get install wrk)".into();
    }
    let check = format!("{base}/api/v1/projects/support-bot-dach/check");
    let script = std::env::temp_dir().join(format!("vernier-bench-{}.lua", std::process::id()));
    let body = serde_json::json!({
        "messages": [{"role": "user", "content": "Hallo, wie kann ich der Rechnung widersprechen?"}],
        "output": "Sie können innerhalb von dreißig Tagen in Ihrem Kundenkonto widersprechen.",
        "metadata": {"language": "de"}
    });
    std::fs::write(
        &script,
        format!(
            "wrk.method = \"POST\"\nwrk.body = [[{body}]]\nwrk.headers[\"Content-Type\"] = \"application/json\"\n\
             wrk.headers[\"Authorization\"] = \"Bearer {key}\"\n"
        ),
    )
    .expect("wrk script");
    let stored = || async {
        sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM outputs o JOIN system_versions v ON v.id = o.version_id WHERE v.label = 'unversioned'",
        )
        .fetch_one(pool)
        .await
        .expect("count")
    };
    let ping = wrk(&format!("{base}/ping"), None, CONNECTIONS, SECONDS).await;
    let unrecorded = wrk(
        &format!("{check}?record=false"),
        Some(&script),
        CONNECTIONS,
        SECONDS,
    )
    .await;
    let before = stored().await;
    let started = std::time::Instant::now();
    let recorded = wrk(&check, Some(&script), CONNECTIONS, SECONDS).await;
    let answered_in = started.elapsed();
    // Let the recorder store what waits in its queue and journal: done when three polls a
    // second apart find nothing new.
    let mut after = stored().await;
    let mut steady = 0;
    while steady < 3 {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let now = stored().await;
        steady = if now == after { steady + 1 } else { 0 };
        after = now;
    }
    let settled_in = started.elapsed() - answered_in - Duration::from_secs(3);
    let _ = std::fs::remove_file(&script);
    let row = |name: &str, load: &Load| load.row(name, load.rate / ping.rate);
    format!(
        "{CONNECTIONS} connections, 2 wrk threads, {SECONDS} s each, on loopback.\n\n\
         | endpoint | p50 | p99 | requests/s | throughput vs /ping |\n| --- | --- | --- | --- | --- |\n{}{}{}\n\
         Checks answered with recording on: {}; stored as outputs once the recorder settled: {} \
         (**{:.3}%**), {:.0} s after the load ended (the rest would be counted in \
         `vernier_checks_unrecorded_total`).",
        row("GET /ping", &ping),
        row("POST …/check?record=false", &unrecorded),
        row("POST …/check (recorded)", &recorded),
        recorded.requests,
        after - before,
        (after - before) as f64 * 100.0 / recorded.requests.max(1) as f64,
        settled_in.as_secs_f64(),
    )
}

impl Load {
    /// A Markdown table row: the name, p50, p99, requests per second and `ratio`.
    pub fn row(&self, name: &str, ratio: f64) -> String {
        format!(
            "| {name} | {:.0} µs | {:.0} µs | {:.0} | {ratio:.2} |\n",
            self.p50, self.p99, self.rate
        )
    }
}

/// Runs wrk against `url` (with `script`, if any) over `connections` for `seconds`.
pub async fn wrk(url: &str, script: Option<&std::path::Path>, connections: u32, seconds: u32) -> Load {
    let mut command = tokio::process::Command::new("wrk");
    command.args([
        &format!("-t{}", connections.min(2)),
        &format!("-c{connections}"),
        &format!("-d{seconds}s"),
        "--latency",
    ]);
    if let Some(script) = script {
        command.arg("-s").arg(script);
    }
    let output = command.arg(url).output().await.expect("wrk");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        !text.contains("Non-2xx") && !text.contains("Socket errors"),
        "{url}: errors under load\n{text}"
    );
    parse(&text).unwrap_or_else(|| panic!("unreadable wrk output for {url}:\n{text}"))
}

/// Reads wrk's `--latency` report.
fn parse(text: &str) -> Option<Load> {
    let percentile = |label: &str| {
        text.lines()
            .find(|l| l.trim_start().starts_with(label))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(micros)
    };
    let requests = text
        .lines()
        .find(|l| l.contains("requests in"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    let rate = text
        .lines()
        .find(|l| l.starts_with("Requests/sec:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(Load {
        p50: percentile("50%")?,
        p99: percentile("99%")?,
        rate,
        requests,
    })
}

/// wrk's durations ("812.00us", "1.20ms", "2.01s") in microseconds.
fn micros(value: &str) -> Option<f64> {
    let (number, scale) = if let Some(n) = value.strip_suffix("us") {
        (n, 1.0)
    } else if let Some(n) = value.strip_suffix("ms") {
        (n, 1e3)
    } else if let Some(n) = value.strip_suffix('s') {
        (n, 1e6)
    } else {
        return None;
    };
    number.parse::<f64>().ok().map(|n| n * scale)
}
