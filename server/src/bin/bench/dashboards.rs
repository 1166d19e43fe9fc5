//! The dashboards benchmark: 10 million scores over 90 days (20 metrics, 5 versions, 3 segment
//! keys of 10 values each, written with `COPY`), then the overview, a metric trend and a release
//! comparison with segments, each answered from the rollups (what Vernier serves) and from the
//! raw scores (the same reads counting `scores` instead), p50 and p95 over repeated calls. Both
//! must give the same answer; the run stops if they do not.

use app::server::dashboards::{self, CompareQuery};
use app::server::db::trends::Source;
use chrono::{Duration as Days, Utc};
use sqlx::PgPool;
use std::time::{Duration, Instant};

const DAYS: i64 = 90;
const OUTPUTS: usize = 500_000;
const METRICS: usize = 20;
const VERSIONS: usize = 5;
/// Outputs per `COPY` of scores (20 scores each).
const CHUNK: usize = 25_000;
const FAST_CALLS: usize = 50;
const RAW_CALLS: usize = 5;

/// A small deterministic generator (SplitMix64): the same data on every run.
struct Random(u64);

impl Random {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }

    /// One of ten values, `skew` 1 uniform, higher skews towards value 0.
    fn value(&mut self, skew: i32) -> usize {
        ((self.next().powi(skew) * 10.0) as usize).min(9)
    }
}

/// One output's traits.
struct Output {
    version: usize,
    region: usize,
    plan: usize,
    channel: usize,
    turn: usize,
    seconds_ago: i64,
}

/// Output `i` of [`OUTPUTS`], spread evenly over the [`DAYS`] up to now; each version is live for
/// 18 days, and a new one takes half the traffic for its first 3 days.
fn output(i: usize, random: &mut Random) -> Output {
    let span = DAYS * 86_400;
    let seconds_ago = span - 1 - (i as i64 * span / OUTPUTS as i64);
    let day = (DAYS - 1 - seconds_ago / 86_400) as usize;
    let mut version = (day / 18).min(VERSIONS - 1);
    if version > 0 && day % 18 < 3 && random.next() < 0.5 {
        version -= 1;
    }
    Output {
        version,
        region: random.value(2),
        plan: random.value(1),
        channel: random.value(3),
        turn: (i % 8) + 1,
        seconds_ago,
    }
}

/// Score of metric `m` for `o` as a COPY line's value, passed and error columns. The last
/// version fails metric 0 for region r9 from turn five; values are multiples of 1/4, so sums are
/// exact in any order and both answers must match to the bit.
fn score(m: usize, o: &Output, random: &mut Random) -> String {
    let draw = random.next();
    if draw < 0.002 {
        return "\\N\t\\N\ttimeout".into();
    }
    if m % 5 == 4 && draw < 0.012 {
        return "\\N\t\\N\t\\N".into();
    }
    let mut pass_rate = 0.80 + 0.01 * m as f64;
    if m == 0 && o.version == VERSIONS - 1 && o.region == 9 && o.turn >= 5 {
        pass_rate -= 0.35;
    }
    let passed = random.next() < pass_rate;
    let value = match (m % 4 == 1, passed) {
        (true, true) => 0.75 + 0.25 * f64::from(u8::from(random.next() < 0.5)),
        (true, false) => 0.25 * f64::from(u8::from(random.next() < 0.5)),
        (false, passed) => f64::from(u8::from(passed)),
    };
    format!("{value}\t{passed}\t\\N")
}

/// What the benchmark built and measured.
pub struct Setup {
    pub project_id: i64,
    pub metric_ids: Vec<i64>,
    pub copy_rows_per_second: f64,
    pub rebuild: Duration,
}

/// Makes the project, its metrics and versions, and writes the outputs and scores with COPY.
async fn build(pool: &PgPool) -> Setup {
    use app::domain::metric::MetricInput;
    use app::domain::project::NewProject;
    use app::server::{db, metric_lifecycle};
    let owner: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'owner'")
        .fetch_one(pool)
        .await
        .expect("demo owner");
    let project = db::projects::insert(
        pool,
        &NewProject::parse("Bench dashboards", "bench-dashboards", "", "").expect("project"),
        owner,
    )
    .await
    .expect("insert project")
    .id;
    db::projects::set_segment_keys(pool, project, &["region".into(), "plan".into(), "channel".into()])
        .await
        .expect("segment keys");
    let mut metric_ids = Vec::new();
    for m in 0..METRICS {
        let key = format!("m-{m:02}");
        let input = MetricInput {
            key: key.clone(),
            name: format!("Bench metric {m}"),
            question: "Does the reply do its job?".into(),
            paradigm: "model".into(),
            category: "quality".into(),
            cadence: "real-time".into(),
            action_on_failure: "flag".into(),
            scorer: r#"{"kind": "not_contains", "words": ["delve"]}"#.into(),
            threshold: "1".into(),
            direction: "at_least".into(),
            stage: "crawl".into(),
            owner: "owner".into(),
            cost_per_failure: format!("${}.50", m % 7 + 1),
            cost_per_evaluation: "$0.002".into(),
            review_date: "2099-01-31".into(),
            ..MetricInput::default()
        };
        let definition = input.parse().expect("metric input");
        metric_ids.push(
            metric_lifecycle::create(pool, project, &definition, owner)
                .await
                .expect("metric")
                .id,
        );
        metric_lifecycle::set_status(
            pool,
            project,
            &key,
            app::domain::metric::kinds::Status::Active,
            "",
            owner,
        )
        .await
        .expect("activate");
    }
    let mut versions = Vec::new();
    for v in 1..=VERSIONS {
        versions.push(
            sqlx::query_scalar::<_, i64>(
                "INSERT INTO system_versions (project_id, label) VALUES ($1, $2) RETURNING id",
            )
            .bind(project)
            .bind(format!("bench-v{v}"))
            .fetch_one(pool)
            .await
            .expect("version"),
        );
    }

    let mut connection = pool.acquire().await.expect("connection");
    let started = Instant::now();
    let mut random = Random(7);
    let now = Utc::now();
    let mut rows = 0usize;
    for chunk in 0..OUTPUTS / CHUNK {
        let outputs: Vec<Output> = (chunk * CHUNK..(chunk + 1) * CHUNK)
            .map(|i| output(i, &mut random))
            .collect();
        let lines: String = outputs
            .iter()
            .enumerate()
            .map(|(n, o)| {
                let i = chunk * CHUNK + n;
                format!(
                    "{project}\t{}\tb-{i}\tc-{}\t{}\treply {i}\tproduction\t{{\"region\": \"r{}\", \"plan\": \"p{}\", \"channel\": \"c{}\"}}\t{}\n",
                    versions[o.version],
                    i / 8,
                    o.turn,
                    o.region,
                    o.plan,
                    o.channel,
                    (now - Days::seconds(o.seconds_ago)).to_rfc3339(),
                )
            })
            .collect();
        let mut copy = connection
            .copy_in_raw(
                "COPY outputs (project_id, version_id, external_id, conversation_id, turn_index, output, source, \
                 metadata, occurred_at) FROM STDIN",
            )
            .await
            .expect("copy outputs");
        copy.send(lines.into_bytes()).await.expect("output rows");
        copy.finish().await.expect("copy outputs finish");
        // One session writes alone, so the chunk's identities are consecutive.
        let first: i64 =
            sqlx::query_scalar("SELECT min(id) FROM outputs WHERE project_id = $1 AND external_id = $2")
                .bind(project)
                .bind(format!("b-{}", chunk * CHUNK))
                .fetch_one(&mut *connection)
                .await
                .expect("first id");
        let mut lines = String::with_capacity(CHUNK * METRICS * 40);
        for (n, o) in outputs.iter().enumerate() {
            for (m, metric) in metric_ids.iter().enumerate() {
                lines.push_str(&format!(
                    "{}\t{metric}\t{}\tbench\n",
                    first + n as i64,
                    score(m, o, &mut random)
                ));
            }
        }
        let mut copy = connection
            .copy_in_raw(
                "COPY scores (output_id, metric_id, value, passed, error, scorer_version) FROM STDIN",
            )
            .await
            .expect("copy scores");
        copy.send(lines.into_bytes()).await.expect("score rows");
        copy.finish().await.expect("copy scores finish");
        rows += CHUNK * (METRICS + 1);
    }
    let copy_rows_per_second = rows as f64 / started.elapsed().as_secs_f64();
    let started = Instant::now();
    let mut tx = pool.begin().await.expect("transaction");
    db::rollups::rebuild(&mut tx, project).await.expect("rebuild");
    tx.commit().await.expect("commit");
    let rebuild = started.elapsed();
    sqlx::query("VACUUM ANALYZE")
        .execute(pool)
        .await
        .expect("analyze");
    Setup {
        project_id: project,
        metric_ids,
        copy_rows_per_second,
        rebuild,
    }
}

/// p50 and p95 of `calls` calls of `call` (after one warm-up), and its answer.
async fn timed<T, F, Fut>(calls: usize, call: F) -> (Duration, Duration, T)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let mut answer = call().await;
    let mut times = Vec::with_capacity(calls);
    for _ in 0..calls {
        let started = Instant::now();
        answer = call().await;
        times.push(started.elapsed());
    }
    times.sort();
    let at = |q: f64| times[((times.len() as f64 * q).ceil() as usize).clamp(1, times.len()) - 1];
    (at(0.50), at(0.95), answer)
}

fn millis(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// One measured read: its name, and p50/p95 from the rollups and from raw scores.
struct Measured {
    name: &'static str,
    fast: (Duration, Duration),
    raw: (Duration, Duration),
}

impl Measured {
    fn row(&self) -> String {
        let ratio = self.raw.1.as_secs_f64() / self.fast.1.as_secs_f64();
        let met = self.fast.1 < Duration::from_millis(50) && ratio >= 100.0;
        format!(
            "| {} | {} / {} | {} / {} | {ratio:.0}× | {} |",
            self.name,
            millis(self.fast.0),
            millis(self.fast.1),
            millis(self.raw.0),
            millis(self.raw.1),
            if met { "met" } else { "**not met**" },
        )
    }
}

/// Measures one read from both sources and checks they agree.
async fn measure<'a, T, F, Fut>(name: &'static str, pool: &'a PgPool, read: F) -> Measured
where
    T: PartialEq,
    F: Fn(Source<'a>) -> Fut,
    Fut: std::future::Future<Output = Result<T, app::error::AppError>>,
{
    let (f50, f95, fast) = timed(FAST_CALLS, || read(Source::Rollups(pool))).await;
    let (r50, r95, raw) = timed(RAW_CALLS, || read(Source::Scores(pool))).await;
    let (fast, raw) = (fast.expect(name), raw.expect(name));
    assert!(fast == raw, "{name}: the rollups and the raw scores disagree");
    Measured {
        name,
        fast: (f50, f95),
        raw: (r50, r95),
    }
}

/// Builds the data, measures, and answers the report's Markdown.
pub async fn run(pool: &PgPool) -> String {
    let setup = build(pool).await;
    let project = setup.project_id;
    let today = Utc::now().date_naive();
    let now = Utc::now();
    let overview = measure("overview, 30 days, 20 metrics", pool, |source| {
        dashboards::overview(source, project, 30, today)
    })
    .await;
    let address = app::domain::trends::trend::TrendAddress::default();
    let address = &address;
    let trend = measure("trend of one metric, 30 days, all traffic", pool, |source| {
        dashboards::trend(source, project, "m-00", address, now)
    })
    .await;
    let filtered = app::domain::trends::trend::TrendAddress {
        segment: "region=r9".into(),
        version: "bench-v5".into(),
        ..Default::default()
    };
    let filtered = &filtered;
    let trend_segment = measure(
        "trend of one metric, 30 days, one version and segment",
        pool,
        |source| dashboards::trend(source, project, "m-00", filtered, now),
    )
    .await;
    let query = CompareQuery {
        a: "bench-v4".into(),
        b: "bench-v5".into(),
        ..CompareQuery::default()
    };
    let query_ref = &query;
    let comparison = measure(
        "comparison of two versions, 90 days, every segment",
        pool,
        |source| dashboards::compare(source, project, query_ref, today),
    )
    .await;
    let found = dashboards::compare(pool, project, &query, today)
        .await
        .expect("comparison");
    let flagged: Vec<String> = found
        .rows
        .iter()
        .filter(|row| row.verdict == app::domain::trends::compare::Verdict::Regression)
        .map(|row| {
            format!(
                "{} {}",
                row.metric_key,
                row.segment
                    .as_ref()
                    .map_or("all traffic".to_owned(), |s| format!("{}={}", s.key, s.value))
            )
        })
        .collect();

    let sizes: (i64, i64, i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM score_rollups WHERE metric_id = ANY($1)),
                (SELECT count(*) FROM scores WHERE metric_id = ANY($1)),
                pg_total_relation_size('score_rollups'), pg_total_relation_size('scores'),
                pg_total_relation_size('outputs')",
    )
    .bind(&setup.metric_ids)
    .fetch_one(pool)
    .await
    .expect("sizes");
    let mb = |bytes: i64| bytes as f64 / 1_048_576.0;
    format!(
        "| read | rollups p50 / p95 | raw scores p50 / p95 | p95 ratio | target (p95 < 50 ms, ≥ 100×) |\n\
         | --- | --- | --- | --- | --- |\n{}\n{}\n{}\n{}\n\n\
         Calls: {FAST_CALLS} from the rollups, {RAW_CALLS} from raw scores, each after one warm-up; every answer \
         from the rollups equals the answer from raw scores.\n\n\
         Data: {} scores and {OUTPUTS} outputs written with COPY at {:.0} rows/s; rollups rebuilt in {:.1} s.\n\
         Rollup rows: {} ({:.2} per 1,000 scores); `score_rollups` {:.0} MB against `scores` {:.0} MB and `outputs` {:.0} MB (tables with indexes).\n\n\
         Regressions the comparison flags (bench-v5 against bench-v4, {} rows corrected together): {}.",
        overview.row(),
        trend.row(),
        trend_segment.row(),
        comparison.row(),
        sizes.1,
        setup.copy_rows_per_second,
        setup.rebuild.as_secs_f64(),
        sizes.0,
        sizes.0 as f64 * 1000.0 / sizes.1 as f64,
        mb(sizes.2),
        mb(sizes.3),
        mb(sizes.4),
        found.comparisons,
        if flagged.is_empty() { "none".to_owned() } else { flagged.join(", ") },
    )
}
