//! The counters behind Prometheus: verdicts counted as they are reached, never lowered by a
//! re-scoring, a removal or a pass-rule change, while the rollups follow what stands now.

use super::*;
use crate::domain::metric::kinds::Direction;
use crate::domain::metric::scorer::PassRule;
use crate::domain::score_row::ScoreRow;
use crate::server::db::fixture::{active_no_delve, fixture, ingest};
use crate::server::db::scores::{apply, ScoreChange};
use serde_json::json;
use std::collections::BTreeMap;

/// (segment key, segment value, result) → count, of metric `metric` and version v1.
async fn counts(pool: &PgPool, metric: &str) -> BTreeMap<(String, String, String), i64> {
    exported(pool)
        .await
        .unwrap()
        .into_iter()
        .filter(|c| c.metric == metric)
        .map(|c| ((c.segment_key, c.segment_value, c.result), c.count))
        .collect()
}

fn overall(counts: &BTreeMap<(String, String, String), i64>, result: &str) -> i64 {
    counts
        .get(&(String::new(), String::new(), result.to_owned()))
        .copied()
        .unwrap_or(0)
}

/// Failures standing now in the rollups, of `metric`.
async fn standing_failures(pool: &PgPool, metric: i64) -> i64 {
    sqlx::query_scalar(
        "SELECT COALESCE(sum(failures), 0)::bigint FROM score_rollups
         WHERE metric_id = $1 AND grain = 'day' AND segment_key = ''",
    )
    .bind(metric)
    .fetch_one(pool)
    .await
    .unwrap()
}

fn verdict(metric_id: i64, passed: bool) -> ScoreRow {
    ScoreRow {
        metric_id,
        value: Some(if passed { 1.0 } else { 0.0 }),
        passed: Some(passed),
        rationale: String::new(),
        error: None,
        retry: None,
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn verdicts_count_as_they_are_reached_and_no_change_lowers_them(pool: PgPool) {
    let f = fixture(&pool).await;
    let metric = active_no_delve(&pool, &f, "no-delve").await;
    let stored = ingest(
        &pool,
        f.project,
        vec![
            json!({"version": "v1", "output": "Let us delve in.", "turn_index": 2}),
            json!({"version": "v1", "output": "We delve.", "turn_index": 6}),
            json!({"version": "v1", "output": "Gerne.", "turn_index": 1}),
        ],
    )
    .await;
    let outputs: Vec<i64> = stored.outputs.iter().map(|o| o.id).collect();
    let first = counts(&pool, "no-delve").await;
    assert_eq!((overall(&first, "fail"), overall(&first, "pass")), (2, 1));
    assert!(
        !first.keys().any(|(key, _, _)| key == "turn"),
        "segments are exported only where an owner exports their key: {first:?}"
    );

    // Every score passes under a lenient rule: the failures stop standing, and stay counted.
    let mut connection = pool.acquire().await.unwrap();
    let lenient = PassRule {
        threshold: 0.0,
        direction: Direction::AtLeast,
    };
    let change = ScoreChange::ReapplyPassRule {
        metric_id: metric,
        rule: &lenient,
    };
    let changes = apply(&mut connection, change).await.unwrap();
    assert_eq!(changes.reached.len(), 2, "the two failures became passes");
    assert_eq!(standing_failures(&pool, metric).await, 0);
    let after = counts(&pool, "no-delve").await;
    assert_eq!((overall(&after, "fail"), overall(&after, "pass")), (2, 3));

    // The same verdict written again is not a new one; a removed score stays counted.
    let again = [(outputs[2], verdict(metric, true))];
    let rows = ScoreChange::Write {
        rows: &again,
        version: "test-1",
    };
    assert!(apply(&mut connection, rows).await.unwrap().reached.is_empty());
    let removal = ScoreChange::Remove {
        metric_id: metric,
        outputs: &outputs[..1],
    };
    apply(&mut connection, removal).await.unwrap();
    assert_eq!(counts(&pool, "no-delve").await, after);

    // A re-scoring back to a failure counts one more failure, and the exported segment too.
    sqlx::query("UPDATE projects SET exported_segment_keys = '{turn}' WHERE id = $1")
        .bind(f.project)
        .execute(&pool)
        .await
        .unwrap();
    let failing = [(outputs[1], verdict(metric, false))];
    let rows = ScoreChange::Write {
        rows: &failing,
        version: "test-1",
    };
    apply(&mut connection, rows).await.unwrap();
    let last = counts(&pool, "no-delve").await;
    assert_eq!((overall(&last, "fail"), overall(&last, "pass")), (3, 3));
    assert_eq!(
        last.get(&("turn".to_owned(), "5+".to_owned(), "fail".to_owned())),
        Some(&2),
        "the sixth turn failed at ingest and again now: {last:?}"
    );
    for (key, count) in &after {
        assert!(last.get(key).is_some_and(|now| now >= count), "{key:?} went down");
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn the_dollars_of_a_failure_are_priced_when_it_is_reached(pool: PgPool) {
    let f = fixture(&pool).await;
    let metric = active_no_delve(&pool, &f, "no-delve").await;
    let cost: i64 = sqlx::query_scalar("SELECT cost_per_failure FROM metrics WHERE id = $1")
        .bind(metric)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(cost > 0, "the fixture's metric costs something per failure");
    ingest(
        &pool,
        f.project,
        vec![json!({"version": "v1", "output": "delve"})],
    )
    .await;
    // The price doubles: failures already reached keep the price they were reached at.
    sqlx::query("UPDATE metrics SET cost_per_failure = cost_per_failure * 2 WHERE id = $1")
        .bind(metric)
        .execute(&pool)
        .await
        .unwrap();
    ingest(
        &pool,
        f.project,
        vec![json!({"version": "v1", "output": "delve again"})],
    )
    .await;
    let dollars: f64 = exported(&pool)
        .await
        .unwrap()
        .into_iter()
        .filter(|c| c.segment_key.is_empty() && c.result == "fail")
        .map(|c| c.failure_cost_usd)
        .sum();
    let expected = 3.0 * cost as f64 / 1_000_000.0;
    assert!((dollars - expected).abs() < 1e-9, "{dollars} != {expected}");
}

/// The scrape's counter samples (`…_total` lines), by series.
fn counter_samples(text: &str) -> BTreeMap<String, f64> {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.rsplit_once(' '))
        .filter(|(series, _)| {
            series
                .split('{')
                .next()
                .is_some_and(|name| name.ends_with("_total"))
        })
        .filter(|(series, _)| !series.starts_with("process_"))
        .map(|(series, value)| (series.to_owned(), value.parse().unwrap()))
        .collect()
}

#[sqlx::test(migrations = "../migrations")]
async fn no_counter_of_the_scrape_goes_down_when_failures_are_re_scored_away(pool: PgPool) {
    let f = fixture(&pool).await;
    let metric = active_no_delve(&pool, &f, "no-delve").await;
    ingest(
        &pool,
        f.project,
        vec![
            json!({"version": "v1", "output": "delve"}),
            json!({"version": "v1", "output": "Gerne."}),
        ],
    )
    .await;
    let telemetry = crate::server::telemetry::Telemetry::new(None);
    let before = telemetry.render(&pool).await.unwrap();
    let lenient = PassRule {
        threshold: 0.0,
        direction: Direction::AtLeast,
    };
    let mut connection = pool.acquire().await.unwrap();
    let change = ScoreChange::ReapplyPassRule {
        metric_id: metric,
        rule: &lenient,
    };
    apply(&mut connection, change).await.unwrap();
    let after = telemetry.render(&pool).await.unwrap();

    let (counters_before, counters_after) = (counter_samples(&before), counter_samples(&after));
    let fail =
        "vernier_evaluations_total{project=\"bot\",metric=\"no-delve\",version=\"v1\",result=\"fail\"}";
    assert_eq!(counters_before.get(fail), Some(&1.0), "{before}");
    for (series, value) in &counters_before {
        let now = counters_after.get(series).copied().unwrap_or(0.0);
        assert!(now >= *value, "{series} went from {value} to {now}");
    }
    // What stands now moved: the failure is gone from the gauge.
    let standing = "vernier_scores{project=\"bot\",metric=\"no-delve\",version=\"v1\",result=\"fail\"}";
    assert!(before.contains(&format!("{standing} 1")), "{before}");
    assert!(after.contains(&format!("{standing} 0")), "{after}");
    assert!(after.contains("# TYPE vernier_scores gauge"), "{after}");
    assert!(
        after.contains("# TYPE vernier_standing_failure_cost_usd gauge"),
        "{after}"
    );
}
