//! Database tests of annotation: sampling, assignment, rubric versions, blind rating, final
//! labels, adjudication and hybrid scores.

use super::*;
use crate::domain::annotation::queue::QueueInput;
use crate::domain::annotation::work::Workspace;
use crate::domain::membership::ProjectRole;
use crate::domain::metric::kinds::Status;
use crate::domain::metric::MetricInput;
use crate::domain::rubric::{RubricDraft, RubricInput};
use crate::domain::user::NewUser;
use crate::server::db::fixture::{fixture, Fixture};
use crate::server::db::{members, projects, ratings, rubrics, users};
use serde_json::json;

/// A user who annotates in the fixture's project "bot".
async fn annotator(pool: &PgPool, username: &str) -> i64 {
    let id = users::insert(
        pool,
        &NewUser::parse(username, username, "a long password", "annotator").unwrap(),
        "h",
    )
    .await
    .unwrap()
    .id;
    let project = projects::id_by_slug(pool, "bot").await.unwrap();
    members::add(pool, project, username, ProjectRole::Annotator, id)
        .await
        .unwrap();
    id
}

fn rubric_draft(levels: &str) -> RubricDraft {
    RubricDraft::parse(&RubricInput {
        name: "Helpfulness".into(),
        scale: "ordinal".into(),
        levels: levels.into(),
        instructions: "As the customer would.".into(),
    })
    .unwrap()
}

/// A rubric (ordinal 1..3) and a human metric "helpfulness" using it, passing from 2.
async fn human_metric(pool: &PgPool, f: &Fixture) -> (i64, i64) {
    let rubric = rubrics::insert(
        pool,
        f.project,
        &rubric_draft("Useless\nPartly\nComplete"),
        f.owner,
    )
    .await
    .unwrap();
    let input = MetricInput {
        key: "helpfulness".into(),
        owner: "owner".into(),
        paradigm: "human".into(),
        cadence: "async".into(),
        action_on_failure: "flag".into(),
        threshold: "2".into(),
        scorer: format!(r#"{{"kind": "human", "rubric_id": {rubric}}}"#),
        ..crate::domain::metric::tests::input()
    };
    let metric = crate::server::metric_lifecycle::create(pool, f.project, &input.parse().unwrap(), f.owner)
        .await
        .unwrap();
    (rubric, metric.id)
}

/// Stores outputs with the given languages (and versions v1/v2 alternating).
async fn outputs(pool: &PgPool, f: &Fixture, languages: &[&str]) {
    let now = chrono::Utc::now();
    let values = languages
        .iter()
        .enumerate()
        .map(|(i, language)| json!({
            "version": format!("v{}", i % 2 + 1), "input": "Wie kündige ich?",
            "output": format!("Antwort {i}{}", "!".repeat(i)), "metadata": {"language": language}, "timestamp": now
        }))
        .collect();
    let batch = crate::domain::output::validate(values, now).unwrap();
    let mut tx = pool.begin().await.unwrap();
    super::super::outputs::ingest(&mut tx, f.project, &batch, &[])
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

fn queue_input(sampling: &str, n: &str, annotators: &str, overlap: &str) -> QueueInput {
    QueueInput {
        name: format!("{sampling} {n}"),
        metrics: "helpfulness".into(),
        sampling: sampling.into(),
        n: n.into(),
        segment_key: "language".into(),
        failed_metric: "no-delve".into(),
        annotators: annotators.into(),
        overlap: overlap.into(),
        due_date: "2026-12-24".into(),
    }
}

async fn create(pool: &PgPool, f: &Fixture, input: QueueInput) -> Result<i64, AppError> {
    insert(pool, f.project, &QueueDraft::parse(&input)?, f.owner).await
}

/// (stratum, items) of a queue.
async fn strata(pool: &PgPool, queue: i64) -> Vec<(Option<String>, i64)> {
    sqlx::query_as("SELECT stratum, count(*) FROM queue_items WHERE queue_id = $1 GROUP BY 1 ORDER BY 1")
        .bind(queue)
        .fetch_all(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn stratified_samples_give_small_segments_an_equal_share(pool: PgPool) {
    let f = fixture(&pool).await;
    human_metric(&pool, &f).await;
    annotator(&pool, "anna").await;
    let mut languages = vec!["en"; 50];
    languages.extend(["de"; 5]);
    outputs(&pool, &f, &languages).await;

    let queue = create(&pool, &f, queue_input("segment", "10", "anna", "1"))
        .await
        .unwrap();
    assert_eq!(
        strata(&pool, queue).await,
        [(Some("de".into()), 5), (Some("en".into()), 5)]
    );
    let queue = create(&pool, &f, queue_input("segment", "20", "anna", "1"))
        .await
        .unwrap();
    assert_eq!(
        strata(&pool, queue).await,
        [(Some("de".into()), 5), (Some("en".into()), 15)]
    );
    let queue = create(&pool, &f, queue_input("version", "8", "anna", "1"))
        .await
        .unwrap();
    assert_eq!(
        strata(&pool, queue).await,
        [(Some("v1".into()), 4), (Some("v2".into()), 4)]
    );
    let queue = create(&pool, &f, queue_input("random", "7", "anna", "1"))
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
    let queue = create(&pool, &f, queue_input("random", "9", "anna, ben, cleo", "2"))
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
        let error = create(&pool, &f, input).await.unwrap_err();
        assert_eq!(error.field(), Some(field), "{error:?}");
    }
    let queues: i64 = sqlx::query_scalar("SELECT count(*) FROM annotation_queues")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(queues, 0);
}

/// Rates the annotator's first pending item with `value`; answers the assignment id.
async fn rate_next(pool: &PgPool, queue: i64, who: i64, metric: i64, value: f64) -> i64 {
    let Workspace::Item(item) = ratings::work_item(pool, queue, who, None).await.unwrap() else {
        panic!("an item to rate")
    };
    crate::server::annotation::rate(pool, queue, who, item.assignment_id, &[(metric, value)], "")
        .await
        .unwrap();
    item.assignment_id
}

/// (value, passed, rationale) of the metric's scores, by output.
async fn scores(pool: &PgPool, metric: i64) -> Vec<(Option<f64>, Option<bool>, String)> {
    sqlx::query_as("SELECT value, passed, rationale FROM scores WHERE metric_id = $1 ORDER BY output_id")
        .bind(metric)
        .fetch_all(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn ratings_are_blind_and_give_final_labels_when_annotators_agree_or_are_adjudicated(pool: PgPool) {
    let f = fixture(&pool).await;
    let (_, metric) = human_metric(&pool, &f).await;
    let (anna, ben) = (annotator(&pool, "anna").await, annotator(&pool, "ben").await);
    let outsider = annotator(&pool, "cleo").await;
    outputs(&pool, &f, &["de"; 2]).await;
    let queue = create(&pool, &f, queue_input("random", "2", "anna, ben", "2"))
        .await
        .unwrap();

    // Anna rates both items 3; Ben then sees his own (empty) ratings, never hers.
    rate_next(&pool, queue, anna, metric, 3.0).await;
    rate_next(&pool, queue, anna, metric, 3.0).await;
    let Workspace::Item(item) = ratings::work_item(&pool, queue, ben, None).await.unwrap() else {
        panic!()
    };
    assert!(
        item.ratings.is_empty(),
        "another annotator's ratings leaked: {:?}",
        item.ratings
    );
    assert_eq!((item.position, item.total), (1, 2));
    let own = ratings::work_item(&pool, queue, anna, Some(1)).await.unwrap();
    assert!(matches!(&own, Workspace::Item(i) if i.ratings == [(metric, 3.0)]));
    assert!(
        scores(&pool, metric).await.is_empty(),
        "no final label while Ben is pending"
    );
    let standing = annotator_standing(&pool, queue, outsider, false)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((standing.in_project, standing.assigned), (true, false));
    // Nobody rates through an assignment that is not theirs.
    let Workspace::Item(hers) = own else { panic!() };
    assert!(matches!(
        crate::server::annotation::rate(&pool, queue, ben, hers.assignment_id, &[(metric, 1.0)], "").await,
        Err(AppError::NotFound(_))
    ));
    let bad = crate::server::annotation::rate(&pool, queue, ben, item.assignment_id, &[(metric, 9.0)], "")
        .await
        .unwrap_err();
    assert_eq!(bad.field(), Some("ratings"));

    // Ben agrees on one item and not on the other.
    rate_next(&pool, queue, ben, metric, 3.0).await;
    rate_next(&pool, queue, ben, metric, 1.0).await;
    assert!(matches!(
        ratings::work_item(&pool, queue, ben, None).await.unwrap(),
        Workspace::Finished { .. }
    ));
    let labels = scores(&pool, metric).await;
    assert_eq!(
        labels.len(),
        1,
        "only the agreed item has a final label: {labels:?}"
    );
    assert_eq!(labels[0], (Some(3.0), Some(true), "2 annotator(s) agreed".into()));

    let disputed: i64 = sqlx::query_scalar(
        "SELECT i.id FROM queue_items i WHERE i.queue_id = $1 AND NOT EXISTS (SELECT 1 FROM scores s WHERE s.output_id = i.output_id)",
    )
    .bind(queue)
    .fetch_one(&pool)
    .await
    .unwrap();
    let error = crate::server::annotation::adjudicate(&pool, queue, disputed, metric, 7.0, "", f.owner)
        .await
        .unwrap_err();
    assert_eq!(error.field(), Some("value"));
    crate::server::annotation::adjudicate(&pool, queue, disputed, metric, 1.0, "off topic", f.owner)
        .await
        .unwrap();
    let labels = scores(&pool, metric).await;
    assert_eq!(labels.len(), 2);
    assert!(
        labels.contains(&(Some(1.0), Some(false), "adjudicated by Otto Owner".into())),
        "{labels:?}"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn editing_a_rated_rubric_adds_a_version_and_ratings_keep_theirs(pool: PgPool) {
    let f = fixture(&pool).await;
    let (rubric, metric) = human_metric(&pool, &f).await;
    let anna = annotator(&pool, "anna").await;
    outputs(&pool, &f, &["de"]).await;

    // No ratings yet: an edit changes version 1 in place.
    let edited = rubrics::update(
        &pool,
        f.project,
        rubric,
        &rubric_draft("Bad\nOkay\nGreat"),
        f.owner,
    )
    .await
    .unwrap();
    assert_eq!((edited.version, edited.levels[0].label.as_str()), (1, "Bad"));

    let queue = create(&pool, &f, queue_input("random", "1", "anna", "1"))
        .await
        .unwrap();
    rate_next(&pool, queue, anna, metric, 2.0).await;
    let edited = rubrics::update(
        &pool,
        f.project,
        rubric,
        &rubric_draft("Poor\nFair\nGood\nExcellent"),
        f.owner,
    )
    .await
    .unwrap();
    assert_eq!((edited.version, edited.levels.len(), edited.ratings), (2, 4, 1));
    let rated_under: i32 = sqlx::query_scalar(
        "SELECT v.version FROM ratings g JOIN rubric_versions v ON v.id = g.rubric_version_id",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(rated_under, 1);
    let old = rubrics::version(&pool, edited.version_id - 1).await.unwrap();
    assert_eq!(old.levels[0].label, "Bad");
    // The workspace now shows version 2.
    let Workspace::Item(item) = ratings::work_item(&pool, queue, anna, Some(1)).await.unwrap() else {
        panic!()
    };
    assert_eq!(item.metrics[0].rubric.version, 2);
}

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
    let scorers = crate::server::ingest::scorers(&pool, f.project).await.unwrap();
    let mut tx = pool.begin().await.unwrap();
    super::super::outputs::ingest(&mut tx, f.project, &batch, &scorers)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(
        scores(&pool, hybrid).await.is_empty(),
        "no hybrid score before people rate"
    );

    let queue = create(&pool, &f, queue_input("failed", "10", "anna", "1"))
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
