//! The rollups' property: after any mix of ingests, re-scorings, removals, pass-rule changes,
//! abandoned retries and final labels, they equal what the raw scores add up to.

use super::*;
use crate::domain::metric::kinds::Direction;
use crate::domain::metric::scorer::PassRule;
use crate::domain::score_row::{Retry, ScoreRow};
use crate::server::db::fixture::annotation::{annotator, create_queue, human_metric, queue_input, rate_next};
use crate::server::db::fixture::{active_no_delve, fixture, ingest};
use crate::server::db::scores::{apply, ScoreChange, ScoreKey};
use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use serde_json::json;
use std::collections::BTreeMap;

/// A small deterministic generator (xorshift64*), so a failure can be replayed by its seed.
struct Random(u64);

impl Random {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

type Key = (i64, String, String, String, i64, DateTime<Utc>);

#[derive(Debug, Default, Clone, Copy, PartialEq)]
struct Counts {
    evaluations: i64,
    passes: i64,
    failures: i64,
    not_applicable: i64,
    errors: i64,
    value_sum: f64,
    value_sum_squares: f64,
}

#[derive(sqlx::FromRow)]
struct Raw {
    metric_id: i64,
    version_id: i64,
    occurred_at: DateTime<Utc>,
    metadata: serde_json::Value,
    turn_index: Option<i32>,
    value: Option<f64>,
    passed: Option<bool>,
    error: Option<String>,
    pending: bool,
}

/// What the rollups should hold, counted in Rust from the raw scores.
async fn expected(pool: &PgPool, segment_keys: &[&str]) -> BTreeMap<Key, Counts> {
    let raw: Vec<Raw> = sqlx::query_as(
        "SELECT s.metric_id, o.version_id, o.occurred_at, o.metadata, o.turn_index, s.value, s.passed, s.error,
            s.retry_at IS NOT NULL AS pending
         FROM scores s JOIN outputs o ON o.id = s.output_id",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let now = Utc::now();
    let mut counts: BTreeMap<Key, Counts> = BTreeMap::new();
    for score in raw {
        let mut segments = vec![(String::new(), String::new())];
        for key in segment_keys {
            if let Some(value) = score.metadata.get(*key).and_then(|v| v.as_str()) {
                segments.push((key.to_string(), value.to_owned()));
            }
        }
        if let Some(turn) = score.turn_index {
            segments.push(("turn".into(), if turn <= 4 { "1-4" } else { "5+" }.into()));
        }
        let mut grains = vec![(
            "day",
            score.occurred_at.duration_trunc(TimeDelta::days(1)).unwrap(),
        )];
        if score.occurred_at >= now - TimeDelta::hours(48) {
            grains.push((
                "hour",
                score.occurred_at.duration_trunc(TimeDelta::hours(1)).unwrap(),
            ));
        }
        for (grain, bucket) in grains {
            for (key, value) in &segments {
                let entry = counts
                    .entry((
                        score.metric_id,
                        grain.into(),
                        key.clone(),
                        value.clone(),
                        score.version_id,
                        bucket,
                    ))
                    .or_default();
                match (&score.error, score.passed) {
                    (Some(_), _) => entry.errors += 1,
                    (None, Some(passed)) => {
                        entry.evaluations += 1;
                        if passed {
                            entry.passes += 1;
                        } else {
                            entry.failures += 1;
                        }
                        let value = score.value.unwrap_or_default();
                        entry.value_sum += value;
                        entry.value_sum_squares += value * value;
                    }
                    (None, None) if !score.pending => {
                        entry.evaluations += 1;
                        entry.not_applicable += 1;
                    }
                    (None, None) => {}
                }
            }
        }
    }
    counts.retain(|_, c| *c != Counts::default());
    counts
}

#[derive(sqlx::FromRow)]
struct Stored {
    metric_id: i64,
    grain: String,
    segment_key: String,
    segment_value: String,
    version_id: i64,
    bucket: DateTime<Utc>,
    evaluations: i64,
    passes: i64,
    failures: i64,
    not_applicable: i64,
    errors: i64,
    value_sum: f64,
    value_sum_squares: f64,
}

/// What the rollups hold, rows that add up to nothing left out.
async fn stored(pool: &PgPool) -> BTreeMap<Key, Counts> {
    let rows: Vec<Stored> = sqlx::query_as("SELECT * FROM score_rollups")
        .fetch_all(pool)
        .await
        .unwrap();
    rows.into_iter()
        .map(|r| {
            let counts = Counts {
                evaluations: r.evaluations,
                passes: r.passes,
                failures: r.failures,
                not_applicable: r.not_applicable,
                errors: r.errors,
                value_sum: r.value_sum,
                value_sum_squares: r.value_sum_squares,
            };
            (
                (
                    r.metric_id,
                    r.grain,
                    r.segment_key,
                    r.segment_value,
                    r.version_id,
                    r.bucket,
                ),
                counts,
            )
        })
        .filter(|(_, c)| (c.evaluations, c.errors) != (0, 0) || c.value_sum.abs() > 1e-9)
        .collect()
}

fn assert_equal(stored: &BTreeMap<Key, Counts>, expected: &BTreeMap<Key, Counts>, step: &str) {
    let keys = |m: &BTreeMap<Key, Counts>| m.keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        keys(stored),
        keys(expected),
        "after {step}: the rollup rows differ"
    );
    for (key, want) in expected {
        let got = stored[key];
        let exact = |c: &Counts| (c.evaluations, c.passes, c.failures, c.not_applicable, c.errors);
        assert_eq!(exact(&got), exact(want), "after {step}: counts of {key:?}");
        assert!(
            (got.value_sum - want.value_sum).abs() < 1e-6,
            "after {step}: sum of {key:?}"
        );
        assert!(
            (got.value_sum_squares - want.value_sum_squares).abs() < 1e-6,
            "after {step}: squares of {key:?}"
        );
    }
}

fn row(metric_id: i64, random: &mut Random) -> ScoreRow {
    let value = random.below(5) as f64 / 4.0;
    let (passed, error, retry) = match random.below(6) {
        0 => (
            None,
            Some("timeout".to_owned()),
            Some(Retry {
                attempts: 1,
                after_secs: 60,
            }),
        ),
        1 => (
            None,
            None,
            Some(Retry {
                attempts: 0,
                after_secs: 0,
            }),
        ),
        2 => (None, None, None),
        _ => (Some(value >= 0.5), None, None),
    };
    ScoreRow {
        metric_id,
        value: passed.map(|_| value),
        passed,
        rationale: String::new(),
        error,
        retry,
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn rollups_equal_the_raw_scores_after_any_mix_of_changes(pool: PgPool) {
    let f = fixture(&pool).await;
    sqlx::query("UPDATE projects SET segment_keys = '{language,channel}' WHERE id = $1")
        .bind(f.project)
        .execute(&pool)
        .await
        .unwrap();
    let no_delve = active_no_delve(&pool, &f, "no-delve").await;
    let (_, human) = human_metric(&pool, &f).await;
    let anna = annotator(&pool, "anna").await;
    let segment_keys = ["language", "channel"];
    let mut random = Random(0x5eed_cafe);
    let now = Utc::now();

    for step in 0..24 {
        let what = match step % 6 {
            0 | 1 => {
                // Ingest: recent hours and older days, every segment, some late turns.
                let batch = (0..1 + random.below(8))
                    .map(|_| {
                        let hours_ago = *random.pick(&[1_i64, 5, 30, 47, 60, 200]);
                        let mut output = json!({
                            "version": random.pick(&["v1", "v2"]),
                            "output": random.pick(&["Gern.", "Let me delve.", "Hallo"]),
                            "timestamp": now - TimeDelta::hours(hours_ago) + TimeDelta::minutes(7),
                            "metadata": {"language": random.pick(&["de", "en", "fr"])},
                        });
                        if random.below(2) == 0 {
                            output["metadata"]["channel"] = json!(random.pick(&["chat", "mail"]));
                        }
                        if random.below(3) > 0 {
                            output["turn_index"] = json!(1 + random.below(8));
                        }
                        output
                    })
                    .collect();
                ingest(&pool, f.project, batch).await;
                "an ingest"
            }
            2 => {
                // Re-scoring: new values, verdicts, errors and pending states for some outputs.
                let outputs: Vec<i64> =
                    sqlx::query_scalar("SELECT id FROM outputs ORDER BY random() LIMIT 5")
                        .fetch_all(&pool)
                        .await
                        .unwrap();
                let rows: Vec<(i64, ScoreRow)> =
                    outputs.iter().map(|o| (*o, row(no_delve, &mut random))).collect();
                let mut tx = pool.begin().await.unwrap();
                apply(
                    &mut tx,
                    ScoreChange::Write {
                        rows: &rows,
                        version: "test",
                    },
                )
                .await
                .unwrap();
                tx.commit().await.unwrap();
                "a re-scoring"
            }
            3 => {
                let outputs: Vec<i64> = sqlx::query_scalar(
                    "SELECT output_id FROM scores WHERE metric_id = $1 ORDER BY random() LIMIT 2",
                )
                .bind(no_delve)
                .fetch_all(&pool)
                .await
                .unwrap();
                let mut tx = pool.begin().await.unwrap();
                apply(
                    &mut tx,
                    ScoreChange::Remove {
                        metric_id: no_delve,
                        outputs: &outputs,
                    },
                )
                .await
                .unwrap();
                if let Some(output) = outputs.first() {
                    let key = ScoreKey {
                        output_id: *output,
                        metric_id: no_delve,
                    };
                    // Abandoning a removed score changes nothing; the rollups must agree.
                    apply(&mut tx, ScoreChange::Abandon { key, why: "gone" })
                        .await
                        .unwrap();
                }
                let pending: Option<i64> = sqlx::query_scalar(
                    "SELECT output_id FROM scores WHERE metric_id = $1 AND retry_at IS NOT NULL LIMIT 1",
                )
                .bind(no_delve)
                .fetch_optional(&mut *tx)
                .await
                .unwrap();
                if let Some(output_id) = pending {
                    let key = ScoreKey {
                        output_id,
                        metric_id: no_delve,
                    };
                    apply(
                        &mut tx,
                        ScoreChange::Abandon {
                            key,
                            why: "no longer active",
                        },
                    )
                    .await
                    .unwrap();
                }
                tx.commit().await.unwrap();
                "removals and abandoned retries"
            }
            4 => {
                let rule = PassRule {
                    threshold: *random.pick(&[0.25, 0.5, 1.0]),
                    direction: *random.pick(&[Direction::AtLeast, Direction::AtMost]),
                };
                let mut tx = pool.begin().await.unwrap();
                apply(
                    &mut tx,
                    ScoreChange::ReapplyPassRule {
                        metric_id: no_delve,
                        rule: &rule,
                    },
                )
                .await
                .unwrap();
                tx.commit().await.unwrap();
                "a pass-rule change"
            }
            _ => {
                // Final labels: a one-annotator queue over a few outputs, each rated.
                let input = crate::domain::annotation::queue::QueueInput {
                    name: format!("labels {step}"),
                    ..queue_input("random", "2", "anna", "1")
                };
                let queue = create_queue(&pool, &f, input).await.unwrap();
                for _ in 0..2 {
                    rate_next(&pool, queue, anna, human, 1.0 + random.below(3) as f64).await;
                }
                "final labels"
            }
        };
        assert_equal(&stored(&pool).await, &expected(&pool, &segment_keys).await, what);
    }
    let labels: i64 = sqlx::query_scalar("SELECT count(*) FROM scores WHERE metric_id = $1")
        .bind(human)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(labels > 0, "the mix included final labels");

    // A recount from scratch gives the same rollups.
    let before = stored(&pool).await;
    let mut tx = pool.begin().await.unwrap();
    rebuild(&mut tx, f.project).await.unwrap();
    tx.commit().await.unwrap();
    assert_equal(&stored(&pool).await, &before, "a rebuild");
}

#[sqlx::test(migrations = "../migrations")]
async fn projects_never_counted_are_counted_at_start_up_and_old_hours_are_pruned(pool: PgPool) {
    let f = fixture(&pool).await;
    active_no_delve(&pool, &f, "no-delve").await;
    ingest(
        &pool,
        f.project,
        vec![json!({"version": "v1", "output": "Gern."})],
    )
    .await;
    sqlx::query("DELETE FROM score_rollups")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("UPDATE projects SET rollups_built_at = NULL")
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(rebuild_missing(&pool).await.unwrap(), 1);
    assert_eq!(rebuild_missing(&pool).await.unwrap(), 0, "counted once");
    let all_traffic: (i64, i64) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE grain = 'day'), count(*) FILTER (WHERE grain = 'hour')
         FROM score_rollups WHERE segment_key = ''",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(all_traffic, (1, 1));
    sqlx::query("UPDATE score_rollups SET bucket = bucket - interval '3 days' WHERE grain = 'hour'")
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(prune_hours(&pool).await.unwrap(), 1);
}

#[sqlx::test(migrations = "../migrations")]
async fn concurrent_changes_of_the_same_scores_keep_the_rollups_exact(pool: PgPool) {
    let f = fixture(&pool).await;
    let metric = active_no_delve(&pool, &f, "no-delve").await;
    let stored_outputs = ingest(
        &pool,
        f.project,
        (0..3)
            .map(|i| json!({"version": "v1", "output": format!("Antwort {i}")}))
            .collect(),
    )
    .await;
    let outputs: Vec<i64> = stored_outputs.outputs.iter().map(|o| o.id).collect();
    let writers = (0..6u64).map(|seed| {
        let (pool, outputs) = (pool.clone(), outputs.clone());
        tokio::spawn(async move {
            let mut random = Random(0x1234 + seed);
            for round in 0..12 {
                let mut tx = pool.begin().await.unwrap();
                if seed == 0 && round % 3 == 0 {
                    let rule = PassRule {
                        threshold: *random.pick(&[0.25, 0.75]),
                        direction: Direction::AtLeast,
                    };
                    let change = ScoreChange::ReapplyPassRule {
                        metric_id: metric,
                        rule: &rule,
                    };
                    apply(&mut tx, change).await.unwrap();
                } else {
                    let rows: Vec<(i64, ScoreRow)> =
                        outputs.iter().map(|o| (*o, row(metric, &mut random))).collect();
                    apply(
                        &mut tx,
                        ScoreChange::Write {
                            rows: &rows,
                            version: "test",
                        },
                    )
                    .await
                    .unwrap();
                }
                // Hold the transaction a moment, so that writers overlap.
                tokio::time::sleep(std::time::Duration::from_millis(random.below(5))).await;
                tx.commit().await.unwrap();
            }
        })
    });
    for writer in writers.collect::<Vec<_>>() {
        writer.await.unwrap();
    }
    assert_equal(
        &stored(&pool).await,
        &expected(&pool, &[]).await,
        "concurrent writers",
    );
}
