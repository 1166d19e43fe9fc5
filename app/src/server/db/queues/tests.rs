//! Database tests of queues: sampling, assignment, validation and progress.

use super::*;
use crate::domain::annotation::queue::QueueInput;
use crate::domain::metric::MetricInput;
use crate::domain::user::NewUser;
use crate::server::db::fixture::annotation::*;
use crate::server::db::fixture::fixture;
use crate::server::db::users;

#[sqlx::test(migrations = "../migrations")]
async fn stratified_samples_give_small_segments_an_equal_share(pool: PgPool) {
    let f = fixture(&pool).await;
    human_metric(&pool, &f).await;
    annotator(&pool, "anna").await;
    let mut languages = vec!["en"; 50];
    languages.extend(["de"; 5]);
    outputs(&pool, &f, &languages).await;

    let queue = create_queue(&pool, &f, queue_input("segment", "10", "anna", "1"))
        .await
        .unwrap();
    assert_eq!(
        strata(&pool, queue).await,
        [(Some("de".into()), 5), (Some("en".into()), 5)]
    );
    let queue = create_queue(&pool, &f, queue_input("segment", "20", "anna", "1"))
        .await
        .unwrap();
    assert_eq!(
        strata(&pool, queue).await,
        [(Some("de".into()), 5), (Some("en".into()), 15)]
    );
    let queue = create_queue(&pool, &f, queue_input("version", "8", "anna", "1"))
        .await
        .unwrap();
    assert_eq!(
        strata(&pool, queue).await,
        [(Some("v1".into()), 4), (Some("v2".into()), 4)]
    );
    let queue = create_queue(&pool, &f, queue_input("random", "7", "anna", "1"))
        .await
        .unwrap();
    assert_eq!(strata(&pool, queue).await, [(None, 7)]);
}

#[sqlx::test(migrations = "../migrations")]
async fn overlap_gives_each_item_that_many_distinct_annotators(pool: PgPool) {
    let f = fixture(&pool).await;
    human_metric(&pool, &f).await;
    for name in ["anna", "ben", "cleo"] {
        annotator(&pool, name).await;
    }
    outputs(&pool, &f, &["de"; 9]).await;
    let queue = create_queue(&pool, &f, queue_input("random", "9", "anna, ben, cleo", "2"))
        .await
        .unwrap();
    let per_item: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT count(*), count(DISTINCT a.annotator_id) FROM assignments a JOIN queue_items i ON i.id = a.item_id
         WHERE i.queue_id = $1 GROUP BY i.id",
    )
    .bind(queue)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(per_item.len(), 9);
    assert!(
        per_item.iter().all(|&(n, distinct)| n == 2 && distinct == 2),
        "{per_item:?}"
    );
    let progress = progress_by_annotator(&pool, queue).await.unwrap();
    let loads: Vec<i64> = progress.iter().map(|a| a.progress.pending).collect();
    assert_eq!(loads, [6, 6, 6]);
}

#[sqlx::test(migrations = "../migrations")]
async fn bad_queues_are_refused_on_their_field_and_store_nothing(pool: PgPool) {
    let f = fixture(&pool).await;
    human_metric(&pool, &f).await;
    annotator(&pool, "anna").await;
    outputs(&pool, &f, &["de"; 3]).await;
    let stranger = MetricInput {
        key: "stranger".into(),
        owner: "owner".into(),
        paradigm: "human".into(),
        cadence: "async".into(),
        scorer: r#"{"kind": "human", "rubric_id": 999}"#.into(),
        ..crate::domain::metric::tests::input()
    };
    // A metric cannot be saved with a rubric the project lacks; a rubric gone since is
    // refused by the queue.
    let refused =
        crate::server::metric_lifecycle::create(&pool, f.project, &stranger.parse().unwrap(), f.owner)
            .await
            .unwrap_err();
    assert_eq!(refused.field(), Some("scorer"));
    let stranger = MetricInput {
        scorer: r#"{"kind": "human"}"#.into(),
        ..stranger
    };
    crate::server::metric_lifecycle::create(&pool, f.project, &stranger.parse().unwrap(), f.owner)
        .await
        .unwrap();
    sqlx::query(
        r#"UPDATE metrics SET scorer = '{"kind": "human", "rubric_id": 999}' WHERE key = 'stranger'"#,
    )
    .execute(&pool)
    .await
    .unwrap();
    users::insert(
        &pool,
        &NewUser::parse("nora", "Nora", "a long password", "annotator").unwrap(),
        "h",
    )
    .await
    .unwrap();
    let cases = [
        (
            QueueInput {
                metrics: "stranger".into(),
                ..queue_input("random", "3", "anna", "1")
            },
            "metrics",
        ),
        (
            QueueInput {
                metrics: "no-such-metric".into(),
                ..queue_input("random", "3", "anna", "1")
            },
            "metrics",
        ),
        (queue_input("random", "3", "nobody", "1"), "annotators"),
        // Nora is an active user, but not a member of the project.
        (queue_input("random", "3", "anna, nora", "1"), "annotators"),
        (queue_input("failed", "3", "anna", "1"), "failed_metric"),
        (
            QueueInput {
                segment_key: "channel".into(),
                ..queue_input("segment", "3", "anna", "1")
            },
            "sampling",
        ),
    ];
    for (input, field) in cases {
        let error = create_queue(&pool, &f, input).await.unwrap_err();
        assert_eq!(error.field(), Some(field), "{error:?}");
    }
    let queues: i64 = sqlx::query_scalar("SELECT count(*) FROM annotation_queues")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(queues, 0);
}
