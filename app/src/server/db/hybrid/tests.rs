//! Database tests of hybrid metrics: the parts a hybrid score combines, on failed samples.

use crate::domain::metric::kinds::Status;
use crate::domain::metric::MetricInput;
use crate::server::db::fixture::annotation::*;
use crate::server::db::fixture::fixture;
use serde_json::json;
use sqlx::PgPool;

#[sqlx::test(migrations = "../migrations")]
async fn failed_samples_and_hybrid_scores_build_on_automated_metrics(pool: PgPool) {
    let f = fixture(&pool).await;
    let (_, human) = human_metric(&pool, &f).await;
    let anna = annotator(&pool, "anna").await;
    // An automated metric that fails replies with "!" in them (all but the first).
    let automated = MetricInput {
        key: "no-delve".into(),
        owner: "owner".into(),
        scorer: r#"{"kind": "not_contains", "words": ["!"], "whole_words": false}"#.into(),
        ..crate::domain::metric::tests::input()
    };
    crate::server::metric_lifecycle::create(&pool, f.project, &automated.parse().unwrap(), f.owner)
        .await
        .unwrap();
    crate::server::metric_lifecycle::set_status(&pool, f.project, "no-delve", Status::Active, "", f.owner)
        .await
        .unwrap();
    let hybrid = MetricInput {
        key: "helpful-hybrid".into(),
        owner: "owner".into(),
        paradigm: "hybrid".into(),
        cadence: "async".into(),
        threshold: "0.5".into(),
        scorer:
            r#"{"kind": "hybrid", "human": "helpfulness", "automated": "no-delve", "human_weight": 0.75}"#
                .into(),
        ..crate::domain::metric::tests::input()
    };
    let wrong = MetricInput {
        key: "wrong-hybrid".into(),
        scorer: r#"{"kind": "hybrid", "human": "no-delve", "automated": "helpfulness"}"#.into(),
        ..hybrid.clone()
    };
    let refused = crate::server::metric_lifecycle::create(&pool, f.project, &wrong.parse().unwrap(), f.owner)
        .await
        .unwrap_err();
    assert_eq!(refused.field(), Some("scorer"));
    assert!(
        refused.message().contains("'no-delve' is not a human metric"),
        "{refused:?}"
    );
    let hybrid = crate::server::metric_lifecycle::create(&pool, f.project, &hybrid.parse().unwrap(), f.owner)
        .await
        .unwrap()
        .id;
    crate::server::metric_lifecycle::set_status(
        &pool,
        f.project,
        "helpful-hybrid",
        Status::Active,
        "",
        f.owner,
    )
    .await
    .unwrap();

    let now = chrono::Utc::now();
    let values = (0..4)
        .map(|i| json!({"version": "v1", "input": "Hilfe?", "output": format!("Antwort{}", "!".repeat(i)), "timestamp": now}))
        .collect();
    let batch = crate::domain::output::validate(values, now).unwrap();
    let scorers = crate::server::scorer_cache::scorers(&pool, f.project)
        .await
        .unwrap();
    let mut tx = pool.begin().await.unwrap();
    crate::server::ingest::store_scored(&mut tx, f.project, &batch, &scorers)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(
        scores(&pool, hybrid).await.is_empty(),
        "no hybrid score before people rate"
    );

    let queue = create_queue(&pool, &f, queue_input("failed", "10", "anna", "1"))
        .await
        .unwrap();
    assert_eq!(
        strata(&pool, queue).await,
        [(None, 3)],
        "the three failed replies"
    );
    rate_next(&pool, queue, anna, human, 3.0).await;
    // Human 3 of 1..3 is 1.0, the automated verdict 0: 0.75 · 1 + 0.25 · 0 = 0.75, passing.
    let hybrid_scores = scores(&pool, hybrid).await;
    assert_eq!(hybrid_scores.len(), 1);
    assert_eq!((hybrid_scores[0].0, hybrid_scores[0].1), (Some(0.75), Some(true)));

    // The judge check pairs the human label with the automated score of the same output.
    let pairs = crate::server::db::scores::paired(&pool, f.project, "helpfulness", "no-delve")
        .await
        .unwrap();
    assert_eq!(pairs.len(), 1);
    assert_eq!(
        (
            pairs[0].human,
            pairs[0].human_passed,
            pairs[0].judge,
            pairs[0].judge_passed
        ),
        (3.0, true, 0.0, false)
    );
    assert!(pairs[0].length > "Antwort".len());
}
