//! Database tests of storing outputs: versions, duplicates by external id, scores at ingest, and
//! reading outputs back as the scorers see them.

use super::*;
use crate::server::db::fixture::{active_no_delve, fixture, ingest as store};
use serde_json::json;
use sqlx::PgPool;

#[sqlx::test(migrations = "../migrations")]
async fn a_batch_is_stored_scored_and_a_repeated_external_id_is_a_duplicate(pool: PgPool) {
    let f = fixture(&pool).await;
    let metric = active_no_delve(&pool, &f, "no-delve").await;
    let first = store(
        &pool,
        f.project,
        vec![
            json!({"version": "v1", "output": "Gern helfe ich.", "external_id": "a"}),
            json!({"version": "v2", "model": "gpt-x", "output": "Let me delve into it.", "external_id": "b"}),
        ],
    )
    .await;
    assert_eq!((first.accepted, first.duplicates, first.scores), (2, 0, 2));
    let again = store(
        &pool,
        f.project,
        vec![json!({"version": "v1", "output": "changed", "external_id": "a"})],
    )
    .await;
    assert_eq!((again.accepted, again.duplicates, again.scores), (0, 1, 0));
    assert!(again.outputs[0].duplicate);
    assert_eq!(
        again.outputs[0].id, first.outputs[0].id,
        "the duplicate answers the stored output's id"
    );

    let verdicts: Vec<(i64, Option<bool>)> =
        sqlx::query_as("SELECT output_id, passed FROM scores WHERE metric_id = $1 ORDER BY output_id")
            .bind(metric)
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(
        verdicts,
        [
            (first.outputs[0].id, Some(true)),
            (first.outputs[1].id, Some(false))
        ]
    );
    let versions: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT label, model FROM system_versions WHERE project_id = $1 ORDER BY label")
            .bind(f.project)
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(
        versions,
        [("v1".into(), None), ("v2".into(), Some("gpt-x".into()))]
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn outputs_read_back_for_scoring_as_they_were_sent(pool: PgPool) {
    let f = fixture(&pool).await;
    let sent = json!({
        "version": "v1", "input": "Wie kündige ich?", "output": "So geht es.", "source": "eval",
        "metadata": {"language": "de"}, "retrieved_ids": ["d1", "d2"], "relevance": {"d2": 2.0},
        "conversation_id": "c1", "turn_index": 3, "latency_ms": 120, "timestamp": "2026-11-20T10:00:00Z"
    });
    let stored = store(
        &pool,
        f.project,
        vec![sent.clone(), json!({"version": "v1", "output": "later"})],
    )
    .await;
    let expected = crate::domain::output::validate(vec![sent], chrono::Utc::now())
        .unwrap()
        .remove(0);

    let by_id = by_ids_for_scoring(&pool, &[stored.outputs[0].id]).await.unwrap();
    assert_eq!(by_id, [(stored.outputs[0].id, expected.clone())]);

    let day = |d: u32| {
        chrono::NaiveDate::from_ymd_opt(2026, 11, d)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap()
            .and_utc()
    };
    let in_range = range_for_scoring(&pool, f.project, (day(20), day(21)), 0, 10)
        .await
        .unwrap();
    assert_eq!(
        in_range,
        [(stored.outputs[0].id, expected)],
        "only the output inside the range"
    );
    let after = range_for_scoring(&pool, f.project, (day(20), day(21)), stored.outputs[0].id, 10)
        .await
        .unwrap();
    assert!(after.is_empty(), "the cursor skips what was scored");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_known_version_is_read_unless_the_batch_tells_something_new_about_it(pool: PgPool) {
    let f = fixture(&pool).await;
    let version = |pool: PgPool| async move {
        sqlx::query_as::<_, (i64, Option<String>, Option<String>)>(
            "SELECT id, model, notes FROM system_versions WHERE label = 'v1'",
        )
        .fetch_one(&pool)
        .await
        .unwrap()
    };
    store(
        &pool,
        f.project,
        vec![json!({"version": "v1", "model": "m1", "output": "a"})],
    )
    .await;
    let created = version(pool.clone()).await;
    assert_eq!((created.1.as_deref(), created.2.as_deref()), (Some("m1"), None));
    // Saying nothing, or the same, leaves the version as it is.
    store(&pool, f.project, vec![json!({"version": "v1", "output": "b"})]).await;
    store(
        &pool,
        f.project,
        vec![json!({"version": "v1", "model": "m1", "output": "c"})],
    )
    .await;
    assert_eq!(version(pool.clone()).await, created);
    // Something new is written; what it leaves unset is kept.
    store(
        &pool,
        f.project,
        vec![json!({"version": "v1", "version_notes": "shorter prompt", "output": "d"})],
    )
    .await;
    let updated = version(pool.clone()).await;
    assert_eq!(updated.0, created.0, "the same version");
    assert_eq!(
        (updated.1.as_deref(), updated.2.as_deref()),
        (Some("m1"), Some("shorter prompt"))
    );
}
