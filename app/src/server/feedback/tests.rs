//! Database tests of feedback as a use case: scores from answers, waiting feedback attached
//! when its output arrives, rollups and hybrid metrics following.

use super::*;
use crate::domain::metric::kinds::Status;
use crate::domain::metric::MetricInput;
use crate::server::db::fixture::{fixture, Fixture};
use crate::server::ingest;
use crate::server::metric_lifecycle::{create, set_status};
use crate::server::scorer_cache::ScorerCache;
use serde_json::json;

async fn metric(pool: &PgPool, f: &Fixture, key: &str, paradigm: &str, scorer: &str, threshold: &str) {
    let input = MetricInput {
        key: key.into(),
        owner: "owner".into(),
        paradigm: paradigm.into(),
        cadence: "async".into(),
        scorer: scorer.into(),
        threshold: threshold.into(),
        ..crate::domain::metric::tests::input()
    };
    create(pool, f.project, &input.parse().unwrap(), f.owner)
        .await
        .unwrap();
    set_status(pool, f.project, key, Status::Active, "", f.owner)
        .await
        .unwrap();
}

/// An automated metric "no-delve" (1 unless the reply says "delve") and a hybrid "helpful" of
/// feedback metric `human` and it, with `weight` on the human side.
async fn hybrid_with_no_delve(pool: &PgPool, f: &Fixture, human: &str, weight: f64, threshold: &str) {
    metric(
        pool,
        f,
        "no-delve",
        "model",
        r#"{"kind": "not_contains", "words": ["delve"]}"#,
        "1",
    )
    .await;
    let scorer = format!(
        r#"{{"kind": "hybrid", "human": "{human}", "automated": "no-delve", "human_weight": {weight}}}"#
    );
    metric(pool, f, "helpful", "hybrid", &scorer, threshold).await;
}

/// An active feedback metric "thumbs": thumbs up passes.
async fn thumbs(pool: &PgPool, f: &Fixture) {
    metric(
        pool,
        f,
        "thumbs",
        "human",
        r#"{"kind": "user_feedback", "scale": {"type": "thumbs"}}"#,
        "1",
    )
    .await;
}

async fn stars(pool: &PgPool, f: &Fixture, combine: &str) {
    let scorer = format!(
        r#"{{"kind": "user_feedback", "scale": {{"type": "stars", "max": 5}}, "combine": "{combine}"}}"#
    );
    metric(pool, f, "stars", "human", &scorer, "4").await;
}

/// Logs an output per external id, as the outputs route does (waiting feedback attaches).
async fn log(pool: &PgPool, f: &Fixture, external_ids: &[&str]) -> Vec<i64> {
    let values = external_ids
        .iter()
        .map(|id| json!({"version": "v1", "input": "Hilfe?", "output": format!("Antwort {id}"), "external_id": id, "metadata": {"language": "de"}}))
        .collect();
    log_values(pool, f, values).await
}

/// Logs these output records; answers their ids.
async fn log_values(pool: &PgPool, f: &Fixture, values: Vec<Value>) -> Vec<i64> {
    let answer = ingest::ingest(pool, &ScorerCache::default(), f.project, values, None)
        .await
        .map_err(|e| format!("{e:?}"))
        .unwrap();
    answer.body["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_i64().unwrap())
        .collect()
}

async fn send(pool: &PgPool, f: &Fixture, records: Vec<Value>) -> Submitted {
    let answer = submit(pool, f.project, records, None)
        .await
        .map_err(|e| format!("{e:?}"))
        .unwrap();
    serde_json::from_value::<serde_json::Map<String, Value>>(answer.body.clone())
        .map(|body| Submitted {
            accepted: body["accepted"].as_u64().unwrap() as usize,
            duplicates: body["duplicates"].as_u64().unwrap() as usize,
            waiting: body["waiting"].as_u64().unwrap() as usize,
            scores: body["scores"].as_u64().unwrap() as usize,
            feedback: Vec::new(),
        })
        .unwrap()
}

/// (value, passed, rationale) of metric `key`'s score of `output`.
async fn score(pool: &PgPool, output: i64, key: &str) -> Option<(f64, bool, String)> {
    sqlx::query_as(
        "SELECT s.value, s.passed, s.rationale FROM scores s JOIN metrics m ON m.id = s.metric_id
         WHERE s.output_id = $1 AND m.key = $2",
    )
    .bind(output)
    .bind(key)
    .fetch_optional(pool)
    .await
    .unwrap()
}

/// (evaluations, passes) of metric `key` in the daily rollup of all traffic.
async fn rollup(pool: &PgPool, key: &str) -> (i64, i64) {
    sqlx::query_as(
        "SELECT COALESCE(sum(r.evaluations), 0)::int8, COALESCE(sum(r.passes), 0)::int8 FROM score_rollups r
         JOIN metrics m ON m.id = r.metric_id WHERE m.key = $1 AND r.grain = 'day' AND r.segment_key = ''",
    )
    .bind(key)
    .fetch_one(pool)
    .await
    .unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn answers_combine_into_the_outputs_score_and_the_rollups_follow(pool: PgPool) {
    let f = fixture(&pool).await;
    stars(&pool, &f, "mean").await;
    let ids = log(&pool, &f, &["a", "b"]).await;
    let sent = send(
        &pool,
        &f,
        vec![
            json!({"output_id": ids[0], "metric": "stars", "value": 5, "user": "u-1"}),
            json!({"output_id": ids[0], "metric": "stars", "value": 2, "user": "u-2", "comment": "too long"}),
            json!({"external_id": "b", "metric": "stars", "value": 4}),
        ],
    )
    .await;
    assert_eq!((sent.accepted, sent.scores, sent.waiting), (3, 2, 0));
    let (value, passed, rationale) = score(&pool, ids[0], "stars").await.unwrap();
    assert_eq!((value, passed), (3.5, false), "mean of 5 and 2 is under 4");
    assert!(
        rationale.contains("mean of 2 answers") && rationale.contains("too long"),
        "{rationale}"
    );
    assert!(score(&pool, ids[1], "stars").await.unwrap().1);
    assert_eq!(rollup(&pool, "stars").await, (2, 1));

    // A third answer on the first output turns it into a pass: the rollups move with it.
    send(
        &pool,
        &f,
        vec![json!({"output_id": ids[0], "metric": "stars", "value": 5})],
    )
    .await;
    assert_eq!(score(&pool, ids[0], "stars").await.unwrap().0, 4.0);
    assert_eq!(rollup(&pool, "stars").await, (2, 2));
}

#[sqlx::test(migrations = "../migrations")]
async fn feedback_sent_before_its_output_attaches_when_the_output_arrives(pool: PgPool) {
    let f = fixture(&pool).await;
    stars(&pool, &f, "latest").await;
    let sent = send(
        &pool,
        &f,
        vec![json!({"external_id": "later", "metric": "stars", "value": 1, "comment": "wrong language"})],
    )
    .await;
    assert_eq!((sent.accepted, sent.waiting, sent.scores), (1, 1, 0));
    assert_eq!(rollup(&pool, "stars").await, (0, 0));
    let ids = log(&pool, &f, &["later", "other"]).await;
    let (value, passed, _) = score(&pool, ids[0], "stars").await.unwrap();
    assert_eq!((value, passed), (1.0, false));
    assert_eq!(score(&pool, ids[1], "stars").await, None);
    assert_eq!(rollup(&pool, "stars").await, (1, 0));
    let views = db::feedback::of_output(&pool, f.project, ids[0]).await.unwrap();
    assert_eq!(views.len(), 1);
    assert_eq!(views[0].label, "1★ of 5");
    assert!(!views[0].passed);
}

#[sqlx::test(migrations = "../migrations")]
async fn waiting_feedback_older_than_the_window_is_dropped_not_attached(pool: PgPool) {
    let f = fixture(&pool).await;
    stars(&pool, &f, "latest").await;
    send(
        &pool,
        &f,
        vec![json!({"external_id": "late", "metric": "stars", "value": 2})],
    )
    .await;
    // It has waited longer than the window by now.
    sqlx::query("UPDATE feedback SET given_at = now() - interval '25 hours'")
        .execute(&pool)
        .await
        .unwrap();
    let ids = log(&pool, &f, &["late"]).await;
    assert_eq!(score(&pool, ids[0], "stars").await, None);
    let mut connection = pool.acquire().await.unwrap();
    assert_eq!(
        db::feedback::drop_expired(&mut connection, f.project)
            .await
            .unwrap(),
        1
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_hybrid_of_similarity_and_user_feedback_follows_the_feedback(pool: PgPool) {
    let f = fixture(&pool).await;
    thumbs(&pool, &f).await;
    hybrid_with_no_delve(&pool, &f, "thumbs", 0.5, "0.75").await;
    let ids = log(&pool, &f, &["a"]).await;
    assert_eq!(score(&pool, ids[0], "helpful").await, None, "no feedback yet");
    send(
        &pool,
        &f,
        vec![json!({"output_id": ids[0], "metric": "thumbs", "value": false})],
    )
    .await;
    let (value, passed, _) = score(&pool, ids[0], "helpful").await.unwrap();
    assert_eq!((value, passed), (0.5, false), "0.5 × 0 (thumbs down) + 0.5 × 1");
    send(
        &pool,
        &f,
        vec![json!({"output_id": ids[0], "metric": "thumbs", "value": true})],
    )
    .await;
    assert_eq!(score(&pool, ids[0], "helpful").await.unwrap().0, 1.0);
}

#[sqlx::test(migrations = "../migrations")]
async fn stars_count_on_their_own_scale_in_a_hybrid(pool: PgPool) {
    let f = fixture(&pool).await;
    stars(&pool, &f, "latest").await;
    hybrid_with_no_delve(&pool, &f, "stars", 1.0, "0.5").await;
    let ids = log(&pool, &f, &["a"]).await;
    send(
        &pool,
        &f,
        vec![json!({"output_id": ids[0], "metric": "stars", "value": 4})],
    )
    .await;
    assert_eq!(
        score(&pool, ids[0], "helpful").await.unwrap().0,
        0.75,
        "4 stars of 1..5 is three quarters of the way"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_new_combination_rule_recombines_and_the_scale_of_given_answers_stays(pool: PgPool) {
    let f = fixture(&pool).await;
    stars(&pool, &f, "latest").await;
    let ids = log(&pool, &f, &["a"]).await;
    send(
        &pool,
        &f,
        vec![
            json!({"output_id": ids[0], "metric": "stars", "value": 5, "at": "2026-11-25T08:00:00Z"}),
            json!({"output_id": ids[0], "metric": "stars", "value": 2, "at": "2026-11-25T09:00:00Z"}),
        ],
    )
    .await;
    assert_eq!(score(&pool, ids[0], "stars").await.unwrap().0, 2.0);
    let change = |scorer: &str| MetricInput {
        key: "stars".into(),
        owner: "owner".into(),
        paradigm: "human".into(),
        cadence: "async".into(),
        scorer: scorer.into(),
        threshold: "4".into(),
        ..crate::domain::metric::tests::input()
    };
    let mean =
        change(r#"{"kind": "user_feedback", "scale": {"type": "stars", "max": 5}, "combine": "mean"}"#);
    crate::server::metric_lifecycle::update(&pool, f.project, "stars", &mean.parse().unwrap(), f.owner)
        .await
        .unwrap();
    assert_eq!(score(&pool, ids[0], "stars").await.unwrap().0, 3.5);
    let thumbs = change(r#"{"kind": "user_feedback", "scale": {"type": "thumbs"}}"#);
    let refused =
        crate::server::metric_lifecycle::update(&pool, f.project, "stars", &thumbs.parse().unwrap(), f.owner)
            .await
            .unwrap_err();
    assert_eq!(refused.field(), Some("scorer"));
    assert_eq!(
        score(&pool, ids[0], "stars").await.unwrap().0,
        3.5,
        "nothing changed"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_queue_can_sample_the_outputs_end_users_disliked(pool: PgPool) {
    use crate::server::db::fixture::annotation::{annotator, create_queue, human_metric, queue_input};
    let f = fixture(&pool).await;
    human_metric(&pool, &f).await;
    annotator(&pool, "anna").await;
    thumbs(&pool, &f).await;
    let ids = log(&pool, &f, &["a", "b", "c"]).await;
    send(
        &pool,
        &f,
        vec![
            json!({"output_id": ids[0], "metric": "thumbs", "value": false, "comment": "wrong language"}),
            json!({"output_id": ids[1], "metric": "thumbs", "value": true}),
            json!({"output_id": ids[2], "metric": "thumbs", "value": "down"}),
        ],
    )
    .await;
    let queue = create_queue(&pool, &f, queue_input("negative_feedback", "10", "anna", "1"))
        .await
        .unwrap();
    let mut items: Vec<i64> = sqlx::query_scalar("SELECT output_id FROM queue_items WHERE queue_id = $1")
        .bind(queue)
        .fetch_all(&pool)
        .await
        .unwrap();
    items.sort();
    assert_eq!(items, vec![ids[0], ids[2]], "only the thumbs-down outputs");
    let mut not_feedback = queue_input("negative_feedback", "10", "anna", "1");
    not_feedback.feedback_metric = "helpfulness".into();
    let refused = create_queue(&pool, &f, not_feedback).await.unwrap_err();
    assert_eq!(refused.field(), Some("feedback_metric"));
}

#[sqlx::test(migrations = "../migrations")]
async fn complaints_are_listed_newest_given_first_searchable_and_paged(pool: PgPool) {
    use crate::domain::feedback::{CommentFilter, COMMENTS_PAGE};
    let f = fixture(&pool).await;
    stars(&pool, &f, "latest").await;
    let ids = log(&pool, &f, &["a"]).await;
    let start = chrono::Utc::now() - chrono::Duration::hours(2);
    let mut records: Vec<Value> = (0..=COMMENTS_PAGE)
        .map(|i| {
            let at = start + chrono::Duration::seconds(i);
            json!({"output_id": ids[0], "metric": "stars", "value": 1, "comment": format!("complaint {i}"), "at": at})
        })
        .collect();
    records.push(json!({"output_id": ids[0], "metric": "stars", "value": 5, "comment": "lovely"}));
    records.push(json!({"output_id": ids[0], "metric": "stars", "value": 2, "comment": "in English 100%_"}));
    send(&pool, &f, records).await;
    let first = db::feedback::negative_comments(&pool, f.project, &CommentFilter::default())
        .await
        .unwrap();
    assert_eq!(first.len() as i64, COMMENTS_PAGE);
    assert_eq!(
        first[0].comment.as_deref(),
        Some("in English 100%_"),
        "given now, so first"
    );
    assert_eq!(
        first[1].comment.as_deref(),
        Some(format!("complaint {COMMENTS_PAGE}").as_str())
    );
    assert!(first
        .iter()
        .all(|c| !c.passed && c.comment.as_deref() != Some("lovely")));
    let next = CommentFilter {
        before: first.last().map(|c| c.id),
        ..Default::default()
    };
    let rest = db::feedback::negative_comments(&pool, f.project, &next)
        .await
        .unwrap();
    assert_eq!(rest.len(), 2, "51 + 1 negative answers in all");
    assert_eq!(rest[1].comment.as_deref(), Some("complaint 0"));
    // A search is words, not a pattern: % and _ match themselves.
    let search = |text: &str| CommentFilter {
        search: text.into(),
        ..Default::default()
    };
    let found = db::feedback::negative_comments(&pool, f.project, &search("100%_"))
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert!(db::feedback::negative_comments(&pool, f.project, &search("0%_x"))
        .await
        .unwrap()
        .is_empty());
}

#[sqlx::test(migrations = "../migrations")]
async fn the_judge_check_reads_what_end_users_said_and_whether_they_favour_long_replies(pool: PgPool) {
    use crate::domain::judge_check::judge_check;
    let f = fixture(&pool).await;
    thumbs(&pool, &f).await;
    metric(
        &pool,
        &f,
        "long-enough",
        "model",
        r#"{"kind": "length", "unit": "words", "min": 4}"#,
        "1",
    )
    .await;
    // End users like the long replies and dislike the short ones; so does the length check.
    let values: Vec<Value> = (0..6)
        .map(|i| {
            let reply = if i % 2 == 0 { "Ja." } else { "Ja, das geht online im Kundenkonto unter Verträge." };
            json!({"version": "v1", "input": "Kann ich online kündigen?", "output": reply, "external_id": format!("o-{i}")})
        })
        .collect();
    log_values(&pool, &f, values).await;
    let answers = (0..6)
        .map(|i| json!({"external_id": format!("o-{i}"), "metric": "thumbs", "value": i % 2 == 1}))
        .collect();
    send(&pool, &f, answers).await;
    let pairs = db::scores::paired(&pool, f.project, "thumbs", "long-enough")
        .await
        .unwrap();
    assert_eq!(pairs.len(), 6);
    let check = judge_check(&pairs, 0.3, Some(&[0.0, 1.0]));
    assert_eq!(check.agreement.as_ref().ok().copied(), Some(1.0));
    assert!(
        check.biased(&check.human_length),
        "end users favour long replies here"
    );
}
