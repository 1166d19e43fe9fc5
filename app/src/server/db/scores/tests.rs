//! The score seam: what each change reports, and proof that no other module writes scores.

use super::*;
use crate::domain::metric::kinds::Direction;
use crate::domain::score_row::ScoreRow;
use crate::server::db::fixture::fixture;
use serde_json::json;

/// Two stored outputs of the fixture's project and one metric; answers (metric, outputs).
async fn setup(pool: &PgPool) -> (i64, Vec<i64>) {
    let f = fixture(pool).await;
    let input = crate::domain::metric::MetricInput {
        key: "valid".into(),
        scorer: r#"{"kind": "valid_json"}"#.into(),
        ..crate::domain::metric::tests::input()
    };
    let metric = crate::server::metric_lifecycle::create(pool, f.project, &input.parse().unwrap(), f.owner)
        .await
        .unwrap()
        .id;
    let now = chrono::Utc::now();
    let records = (0..2)
        .map(|i| json!({"version": "v1", "input": "x", "output": format!("{i}")}))
        .collect();
    let batch = crate::domain::output::validate(records, now).unwrap();
    let mut tx = pool.begin().await.unwrap();
    let stored = crate::server::ingest::store_scored(&mut tx, f.project, &batch, &[])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    (metric, stored.outputs.iter().map(|o| o.id).collect())
}

fn row(metric_id: i64, value: f64) -> ScoreRow {
    ScoreRow {
        metric_id,
        value: Some(value),
        passed: Some(value >= 1.0),
        rationale: String::new(),
        error: None,
        retry: None,
    }
}

async fn write(pool: &PgPool, rows: &[(i64, ScoreRow)]) -> ScoreChanges {
    let mut connection = pool.acquire().await.unwrap();
    apply(
        &mut connection,
        ScoreChange::Write {
            rows,
            version: "test-1",
        },
    )
    .await
    .unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn a_write_reports_new_updated_and_newly_failing_scores(pool: PgPool) {
    let (metric, outputs) = setup(&pool).await;
    let key = |output_id: i64| ScoreKey {
        output_id,
        metric_id: metric,
    };
    let first = write(
        &pool,
        &[(outputs[0], row(metric, 1.0)), (outputs[1], row(metric, 0.0))],
    )
    .await;
    assert_eq!(first.added, [key(outputs[0]), key(outputs[1])]);
    assert!(first.updated.is_empty());
    assert_eq!(
        first.newly_failing,
        [key(outputs[1])],
        "a new failure is newly failing"
    );

    let second = write(
        &pool,
        &[(outputs[0], row(metric, 0.0)), (outputs[1], row(metric, 0.0))],
    )
    .await;
    assert!(second.added.is_empty());
    assert_eq!(second.updated.len(), 2);
    assert_eq!(
        second.newly_failing,
        [key(outputs[0])],
        "a failure that stays is not news"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn removing_and_reapplying_a_pass_rule_report_their_changes(pool: PgPool) {
    let (metric, outputs) = setup(&pool).await;
    write(
        &pool,
        &[(outputs[0], row(metric, 0.5)), (outputs[1], row(metric, 1.0))],
    )
    .await;
    let mut connection = pool.acquire().await.unwrap();
    let stricter = PassRule {
        threshold: 0.9,
        direction: Direction::AtMost,
    };
    let changes = apply(
        &mut connection,
        ScoreChange::ReapplyPassRule {
            metric_id: metric,
            rule: &stricter,
        },
    )
    .await
    .unwrap();
    assert_eq!(changes.updated.len(), 2);
    assert_eq!(
        changes.newly_failing,
        [ScoreKey {
            output_id: outputs[1],
            metric_id: metric
        }],
        "1.0 passed at least 1 and fails at most 0.9"
    );
    let removed = apply(
        &mut connection,
        ScoreChange::Remove {
            metric_id: metric,
            outputs: &outputs[..1],
        },
    )
    .await
    .unwrap();
    assert_eq!(
        removed.removed,
        [ScoreKey {
            output_id: outputs[0],
            metric_id: metric
        }]
    );
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM scores")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(left, 1);
}

/// Any SQL statement in the sources that writes `scores` (an INSERT, UPDATE, DELETE, MERGE,
/// TRUNCATE or COPY, however it is spaced or cased) is the seam's own or a test's.
#[test]
fn no_module_but_the_seam_writes_scores() {
    use crate::layering::{is_test_file, sources, split_source, statements_writing};
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = sources(&root.join("src"));
    files.extend(sources(&root.join("../server/src")));
    let seam = root.join("src/server/db/scores.rs").canonicalize().unwrap();
    let mut offenders = Vec::new();
    let mut seam_writes = 0;
    for file in files {
        let (_, literals) = split_source(&std::fs::read_to_string(&file).unwrap());
        let writes = statements_writing(&literals, "scores");
        if file.canonicalize().unwrap() == seam {
            seam_writes = writes.len();
        } else if !is_test_file(&file) && !file.to_string_lossy().contains("/bin/bench/") {
            // The benchmark seeds millions of scores with COPY and then recounts the rollups
            // whole (`db::rollups::rebuild`); nothing in Vernier itself may.
            offenders.extend(writes.iter().map(|w| format!("{}: {w}", file.display())));
        }
    }
    assert!(
        offenders.is_empty(),
        "score writes outside db::scores::apply: {offenders:#?}"
    );
    assert!(seam_writes > 0, "the seam itself writes");
}

/// An edit holds its metric's row lock while it works; scores of that metric must still be
/// written meanwhile (a `FOR UPDATE` lock made ingest and an edit wait for each other).
#[sqlx::test(migrations = "../migrations")]
async fn a_metric_locked_for_an_edit_does_not_block_writing_its_scores(pool: PgPool) {
    let (metric, outputs) = setup(&pool).await;
    let (project,): (i64,) = sqlx::query_as("SELECT project_id FROM metrics WHERE id = $1")
        .bind(metric)
        .fetch_one(&pool)
        .await
        .unwrap();
    let mut edit = pool.begin().await.unwrap();
    let locked = crate::server::db::metrics::lock(&mut edit, project, "valid")
        .await
        .unwrap();
    assert_eq!(locked.id, metric);

    let mut ingest = pool.begin().await.unwrap();
    sqlx::query("SET LOCAL lock_timeout = '2s'")
        .execute(&mut *ingest)
        .await
        .unwrap();
    let rows = [(outputs[0], row(metric, 1.0))];
    let written = apply(
        &mut ingest,
        ScoreChange::Write {
            rows: &rows,
            version: "test-1",
        },
    )
    .await;
    assert!(
        written.is_ok(),
        "the score waited for the metric's lock: {written:?}"
    );
    ingest.commit().await.unwrap();
    edit.rollback().await.unwrap();
    assert_eq!(of_output(&pool, outputs[0]).await.unwrap().len(), 1);
}

#[sqlx::test(migrations = "../migrations")]
async fn values_too_small_or_too_large_to_square_are_stored_within_range(pool: PgPool) {
    // Found by schemathesis: an NDCG of about 1e-213 (a relevance grade of 9e-211) made the
    // rollups' sum of squares underflow, and PostgreSQL failed the whole batch.
    let (metric, outputs) = setup(&pool).await;
    write(
        &pool,
        &[
            (outputs[0], row(metric, 9.2e-211)),
            (outputs[1], row(metric, 6.5e300)),
        ],
    )
    .await;
    let stored: Vec<f64> =
        sqlx::query_scalar("SELECT value FROM scores WHERE metric_id = $1 ORDER BY output_id")
            .bind(metric)
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(stored, vec![0.0, 1e100]);
    let squares: f64 = sqlx::query_scalar(
        "SELECT sum(value_sum_squares) FROM score_rollups WHERE metric_id = $1 AND grain = 'day' AND segment_key = ''",
    )
    .bind(metric)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(squares, 1e200);
}
