//! `/metrics` for Prometheus: the process's own series (requests by route, the latency of the
//! real-time check) kept in memory, and Vernier's numbers read from the database at each
//! scrape (evaluations, the cost of failures, monitor states, queue depths). Encoded by
//! `prometheus-client` in the text exposition format. Labels are bounded: projects, metrics,
//! versions, monitors, route templates and states, plus the values of only those segment keys
//! an owner exported; never output ids.

use super::db;
use crate::error::AppError;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use sqlx::PgPool;
use std::sync::atomic::AtomicU64;

type Labels = Vec<(&'static str, String)>;

/// Why an answered check may not be stored (see `recording`).
pub const UNRECORDED_REASONS: [&str; 6] = [
    "queue_full",
    "storage_error",
    "recorder_stopped",
    "journal_full",
    "journal_error",
    "journal_unreadable",
];

/// The process's metrics and the scrape token.
#[derive(Debug)]
pub struct Telemetry {
    /// The bearer token a scrape must present; `None`: `/metrics` is off.
    pub token: Option<String>,
    registry: Registry,
    requests: Family<Labels, Counter>,
    check_seconds: Histogram,
    unrecorded: Family<Labels, Counter>,
    recorded: Counter,
    journaled: Counter,
    pending: Family<Labels, Gauge>,
}

impl Telemetry {
    pub fn new(token: Option<String>) -> std::sync::Arc<Self> {
        let mut registry = Registry::default();
        let requests = Family::<Labels, Counter>::default();
        registry.register(
            "vernier_http_requests",
            "HTTP requests answered, by method, route template and status",
            requests.clone(),
        );
        // 0.5 ms to about 4 s.
        let check_seconds = Histogram::new(exponential_buckets(0.0005, 2.0, 14));
        registry.register(
            "vernier_check_duration_seconds",
            "Time to answer the real-time check (POST /api/v1/projects/{project}/check)",
            check_seconds.clone(),
        );
        let unrecorded = Family::<Labels, Counter>::default();
        registry.register(
            "vernier_checks_unrecorded",
            "Real-time checks answered but not stored, by reason (queue_full, storage_error or \
             recorder_stopped where no journal is kept: the queue was full, storing failed, the \
             server was stopping; journal_full, journal_error: the journal could not take them; \
             journal_unreadable: a journal line could not be read back)",
            unrecorded.clone(),
        );
        let recorded = Counter::default();
        registry.register(
            "vernier_checks_recorded",
            "Real-time checks stored, from the queue or replayed from the journal",
            recorded.clone(),
        );
        let journaled = Counter::default();
        registry.register(
            "vernier_checks_journaled",
            "Real-time checks written to the local journal because the queue was full, their batch \
             failed or the server was stopping (each is stored when the journal is replayed)",
            journaled.clone(),
        );
        let pending = Family::<Labels, Gauge>::default();
        registry.register(
            "vernier_checks_pending",
            "Real-time checks answered and waiting to be stored, in memory (queue) or on disk (journal)",
            pending.clone(),
        );
        // Every reason is exported from the start, at 0, so an alert rule can rely on it.
        for reason in UNRECORDED_REASONS {
            let _ = unrecorded.get_or_create(&vec![("reason", reason.to_owned())]);
        }
        std::sync::Arc::new(Telemetry {
            token: token.filter(|t| !t.trim().is_empty()),
            registry,
            requests,
            check_seconds,
            unrecorded,
            recorded,
            journaled,
            pending,
        })
    }

    /// Counts `n` checks answered but not stored, and why (one of [`UNRECORDED_REASONS`]).
    pub fn unrecorded_checks(&self, reason: &'static str, n: u64) {
        self.unrecorded
            .get_or_create(&vec![("reason", reason.to_owned())])
            .inc_by(n);
    }

    /// Counts `n` checks stored.
    pub fn recorded_checks(&self, n: u64) {
        self.recorded.inc_by(n);
    }

    /// Counts `n` checks written to the journal.
    pub fn journaled_checks(&self, n: u64) {
        self.journaled.inc_by(n);
    }

    /// Sets how many checks wait in memory and in the journal.
    pub fn pending_checks(&self, queue: i64, journal: i64) {
        for (place, value) in [("queue", queue), ("journal", journal)] {
            self.pending
                .get_or_create(&vec![("where", place.to_owned())])
                .set(value);
        }
    }

    /// Counts an answered request; `route` is the matched template, never the raw path.
    pub fn record_request(&self, method: &str, route: &str, status: u16, seconds: f64) {
        self.requests
            .get_or_create(&vec![
                ("method", method.to_owned()),
                ("route", route.to_owned()),
                ("status", status.to_string()),
            ])
            .inc();
        if route == CHECK_ROUTE {
            self.check_seconds.observe(seconds);
        }
    }

    /// Whether `header` (an `Authorization` value) carries the token, compared in constant time.
    pub fn authorized(&self, header: Option<&str>) -> bool {
        let (Some(token), Some(presented)) = (&self.token, header.and_then(|h| h.strip_prefix("Bearer ")))
        else {
            return false;
        };
        super::api_keys::same_digest(presented.trim().as_bytes(), token.as_bytes())
    }

    /// The exposition: the process's series, then those read from the database.
    pub async fn render(&self, pool: &PgPool) -> Result<String, AppError> {
        let stored = stored_metrics(pool).await?;
        let mut text = String::new();
        let failed = |e: std::fmt::Error| AppError::internal("encode metrics", e);
        encode(&mut text, &self.registry).map_err(failed)?;
        // Each encoding ends the exposition with `# EOF`; only the last may.
        if let Some(cut) = text.strip_suffix("# EOF\n") {
            text = cut.to_owned();
        }
        encode(&mut text, &stored).map_err(failed)?;
        Ok(text)
    }
}

/// The real-time check's route template.
pub const CHECK_ROUTE: &str = "/api/v1/projects/{project}/check";

/// Vernier's numbers as of now: counters of verdicts as they were reached (which only go up),
/// gauges of what stands now from the daily rollups (which re-scoring moves both ways), and the
/// monitors.
async fn stored_metrics(pool: &PgPool) -> Result<Registry, AppError> {
    let mut all = Registry::default();
    register_process(&mut all);
    let mut evaluations: Vec<(Labels, u64)> = Vec::new();
    let mut segments: Vec<(Labels, u64)> = Vec::new();
    let mut costs: Vec<(Labels, f64)> = Vec::new();
    for count in db::verdict_counts::exported(pool).await? {
        let mut labels: Labels = vec![
            ("project", count.project),
            ("metric", count.metric),
            ("version", count.version),
        ];
        let total = count.count.max(0) as u64;
        if count.segment_key.is_empty() {
            if count.result == "fail" {
                costs.push((labels.clone(), count.failure_cost_usd.max(0.0)));
            }
            labels.push(("result", count.result));
            evaluations.push((labels, total));
        } else {
            labels.push(("segment_key", count.segment_key));
            labels.push(("segment_value", count.segment_value));
            labels.push(("result", count.result));
            segments.push((labels, total));
        }
    }
    register_each(
        &mut all,
        "vernier_evaluations",
        "Verdicts reached, by project, metric, system version and result (pass, fail, \
         not_applicable, error): each score counted when it first reaches a result and again when a \
         re-scoring moves it to another; never lowered (vernier_scores says what stands now)",
        evaluations,
    );
    register_each(
        &mut all,
        "vernier_segment_evaluations",
        "Verdicts reached in each value of the segment keys the project's owners export",
        segments,
    );
    register_costs(
        &mut all,
        "vernier_failure_cost_usd",
        "Dollars lost to failures as they were reached, each at its metric's cost per failure then",
        costs,
    );
    let mut standing: Vec<(Labels, i64)> = Vec::new();
    let mut standing_costs: Vec<(Labels, f64)> = Vec::new();
    for row in db::exposition::evaluations(pool).await? {
        let base: Labels = vec![
            ("project", row.project.clone()),
            ("metric", row.metric.clone()),
            ("version", row.version.clone()),
        ];
        let results = [row.passes, row.failures, row.not_applicable, row.errors];
        for (result, count) in db::verdict_counts::RESULTS.into_iter().zip(results) {
            let mut labels = base.clone();
            labels.push(("result", result.to_owned()));
            standing.push((labels, count));
        }
        let cost = row.failures.max(0) as f64 * row.cost_per_failure as f64 / 1_000_000.0;
        standing_costs.push((base, cost));
    }
    register_gauges(
        &mut all,
        "vernier_scores",
        "Scores as they stand now, by project, metric, system version and result: a re-scoring \
         moves them both ways",
        standing,
    );
    register_float_gauges(
        &mut all,
        "vernier_standing_failure_cost_usd",
        "Dollars of the failures standing now, at each metric's cost per failure today",
        standing_costs,
    );
    let monitors = db::exposition::monitor_states(pool).await?;
    let mut gauges: Vec<(Labels, i64)> = Vec::new();
    for db::exposition::MonitorStateRow {
        project,
        monitor,
        metric,
        state,
    } in &monitors
    {
        for option in crate::domain::monitor::MonitorState::ALL {
            gauges.push((
                vec![
                    ("project", project.clone()),
                    ("monitor", monitor.clone()),
                    ("metric", metric.clone()),
                    ("state", option.as_str().to_owned()),
                ],
                i64::from(option.as_str() == state),
            ));
        }
    }
    register_gauges(
        &mut all,
        "vernier_monitor_state",
        "1 for the state each monitor is in, 0 for the others",
        gauges,
    );
    let (scoring, deliveries) = db::exposition::queue_depths(pool).await?;
    register_gauges(
        &mut all,
        "vernier_worker_queue_depth",
        "Work waiting for the background worker, by queue",
        vec![
            (vec![("queue", "scoring_jobs".to_owned())], scoring),
            (vec![("queue", "alert_deliveries".to_owned())], deliveries),
        ],
    );
    Ok(all)
}

/// The standard process series (CPU, memory, open files, start time), read from `/proc/self` on
/// Linux; nothing elsewhere.
fn register_process(registry: &mut Registry) {
    // Linux's clock ticks per second and page size on the platforms Vernier runs on.
    const TICKS: f64 = 100.0;
    const PAGE: i64 = 4096;
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return;
    };
    // Fields after the command name (which may hold spaces), counted from field 3.
    let Some(rest) = stat.rsplit_once(')').map(|(_, rest)| rest) else {
        return;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let field = |n: usize| {
        fields
            .get(n - 3)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    let cpu = Counter::<f64, AtomicU64>::default();
    cpu.inc_by((field(14) + field(15)) / TICKS);
    registry.register(
        "process_cpu_seconds",
        "Total user and system CPU time spent in seconds",
        cpu,
    );
    let gauge = |value: i64| {
        let g = Gauge::<i64, std::sync::atomic::AtomicI64>::default();
        g.set(value);
        g
    };
    registry.register(
        "process_resident_memory_bytes",
        "Resident memory size in bytes",
        gauge(field(24) as i64 * PAGE),
    );
    registry.register(
        "process_virtual_memory_bytes",
        "Virtual memory size in bytes",
        gauge(field(23) as i64),
    );
    if let Ok(fds) = std::fs::read_dir("/proc/self/fd") {
        registry.register(
            "process_open_fds",
            "Number of open file descriptors",
            gauge(fds.count() as i64),
        );
    }
    let boot = std::fs::read_to_string("/proc/stat").ok().and_then(|text| {
        text.lines().find_map(|line| {
            line.strip_prefix("btime ")
                .and_then(|v| v.trim().parse::<i64>().ok())
        })
    });
    if let Some(boot) = boot {
        registry.register(
            "process_start_time_seconds",
            "Start time of the process since the Unix epoch in seconds",
            gauge(boot + (field(22) / TICKS) as i64),
        );
    }
}

/// Registers a counter family holding these totals.
fn register_each(registry: &mut Registry, name: &str, help: &str, totals: Vec<(Labels, u64)>) {
    let family = Family::<Labels, Counter>::default();
    for (labels, total) in totals {
        family.get_or_create(&labels).inc_by(total);
    }
    registry.register(name, help, family);
}

/// Registers a counter family of dollar totals.
fn register_costs(registry: &mut Registry, name: &str, help: &str, totals: Vec<(Labels, f64)>) {
    let family = Family::<Labels, Counter<f64, AtomicU64>>::default();
    for (labels, total) in totals {
        family.get_or_create(&labels).inc_by(total);
    }
    registry.register(name, help, family);
}

/// Registers a gauge family holding these dollar values.
fn register_float_gauges(registry: &mut Registry, name: &str, help: &str, values: Vec<(Labels, f64)>) {
    let family = Family::<Labels, Gauge<f64, AtomicU64>>::default();
    for (labels, value) in values {
        family.get_or_create(&labels).set(value);
    }
    registry.register(name, help, family);
}

/// Registers a gauge family holding these values.
fn register_gauges(registry: &mut Registry, name: &str, help: &str, values: Vec<(Labels, i64)>) {
    let family = Family::<Labels, Gauge>::default();
    for (labels, value) in values {
        family.get_or_create(&labels).set(value);
    }
    registry.register(name, help, family);
}
