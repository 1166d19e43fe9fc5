//! The worker against real Postgres and a local OpenAI-compatible stub.

use super::*;
use crate::domain::endpoint::{self, EndpointFields};
use crate::domain::metric::kinds::Status;
use crate::domain::metric::MetricInput;
use crate::domain::scoring_job::{JobReason, JobView};
use crate::server::db::fixture::{fixture, Fixture};
use crate::server::db::metrics;
use crate::server::scoring::openai_stub::{Stub, KEY};
use serde_json::json;

fn worker(pool: &PgPool) -> Worker {
    Worker::new(pool.clone(), Arc::new(ScorerCache::default()))
}

/// An async model-centric metric with `scorer`, created as a draft.
async fn metric(pool: &PgPool, f: &Fixture, key: &str, scorer: &str) -> i64 {
    let input = MetricInput {
        key: key.into(),
        owner: "owner".into(),
        cadence: "async".into(),
        scorer: scorer.into(),
        ..crate::domain::metric::tests::input()
    };
    crate::server::metric_lifecycle::create(pool, f.project, &input.parse().unwrap(), f.owner)
        .await
        .unwrap()
        .id
}

async fn activate(pool: &PgPool, f: &Fixture, key: &str) {
    crate::server::metric_lifecycle::set_status(pool, f.project, key, Status::Active, "", f.owner)
        .await
        .unwrap();
}

/// Stores `replies`, each expecting "Gerne.".
async fn ingest(pool: &PgPool, f: &Fixture, replies: &[&str]) {
    let now = chrono::Utc::now();
    let values = replies
        .iter()
        .map(|reply| json!({"version": "v1", "input": "Wie kündige ich?", "output": reply, "expected_output": "Gerne.", "timestamp": now}))
        .collect();
    let batch = crate::domain::output::validate(values, now).unwrap();
    let scorers = crate::server::scorer_cache::scorers(pool, f.project)
        .await
        .unwrap();
    let mut tx = pool.begin().await.unwrap();
    crate::server::ingest::store_scored(&mut tx, f.project, &batch, &scorers)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

async fn jobs(pool: &PgPool, metric_id: i64) -> Vec<JobView> {
    scoring_jobs::of_metric(pool, metric_id, 10).await.unwrap()
}

/// (value, passed, error, attempts, has retry time) of each score of `metric_id`, by output id.
type Stored = (Option<f64>, Option<bool>, Option<String>, i16, bool);

async fn scores_of(pool: &PgPool, metric_id: i64) -> Vec<Stored> {
    sqlx::query_as(
        "SELECT value, passed, error, attempts, retry_at IS NOT NULL FROM scores WHERE metric_id = $1 ORDER BY output_id",
    )
    .bind(metric_id)
    .fetch_all(pool)
    .await
    .unwrap()
}

async fn point_at(pool: &PgPool, f: &Fixture, stub: &Stub, key: &str) {
    let fields = EndpointFields {
        url: stub.url.clone(),
        model: "stub-model".into(),
        key: key.into(),
        clear_key: false,
    };
    let input = endpoint::parse(&fields, &fields, "5000").unwrap();
    db::endpoints::save(pool, f.project, &input, f.owner)
        .await
        .unwrap();
}

const NO_DELVE: &str = r#"{"kind": "not_contains", "words": ["delve"]}"#;

#[test]
fn retries_wait_longer_each_time_then_stop() {
    let delays: Vec<Option<i32>> = (1..=6).map(|n| retry_after(n).map(|r| r.after_secs)).collect();
    assert_eq!(
        delays,
        [Some(30), Some(60), Some(120), Some(240), Some(480), None]
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn activating_a_metric_scores_the_stored_outputs_to_completion(pool: PgPool) {
    let f = fixture(&pool).await;
    ingest(&pool, &f, &["Gerne.", "Let us delve in.", "We delve."]).await;
    let id = metric(&pool, &f, "no-delve", NO_DELVE).await;
    assert!(jobs(&pool, id).await.is_empty(), "a draft is not scored");
    activate(&pool, &f, "no-delve").await;
    let queued = &jobs(&pool, id).await[0];
    assert_eq!(
        (queued.status, queued.reason, queued.total),
        (JobStatus::Queued, JobReason::Activated, None)
    );

    worker(&pool).drain().await.unwrap();
    let job = &jobs(&pool, id).await[0];
    assert_eq!(
        (job.status, job.total, job.done, job.percent()),
        (JobStatus::Done, Some(3), 3, 100)
    );
    let passed: Vec<Option<bool>> = scores_of(&pool, id).await.into_iter().map(|s| s.1).collect();
    assert_eq!(passed, [Some(true), Some(false), Some(false)]);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_changed_scorer_rescores_and_supersedes_the_open_job(pool: PgPool) {
    let f = fixture(&pool).await;
    ingest(&pool, &f, &["Gerne.", "Let us delve in."]).await;
    let id = metric(&pool, &f, "no-delve", NO_DELVE).await;
    activate(&pool, &f, "no-delve").await;
    let mut changed = metrics::find(&pool, f.project, "no-delve")
        .await
        .unwrap()
        .unwrap()
        .definition;
    changed.scorer = crate::domain::metric::scorer::ScorerSpec::parse_json(
        r#"{"kind": "not_contains", "words": ["gerne"]}"#,
    )
    .unwrap();
    crate::server::metric_lifecycle::update(&pool, f.project, "no-delve", &changed, f.owner)
        .await
        .unwrap();

    let listed = jobs(&pool, id).await;
    assert_eq!(
        (listed[0].reason, listed[0].status),
        (JobReason::ScorerChanged, JobStatus::Queued)
    );
    assert_eq!(listed[1].status, JobStatus::Cancelled);
    assert_eq!(listed[1].message, format!("superseded by job {}", listed[0].id));
    worker(&pool).drain().await.unwrap();
    let passed: Vec<Option<bool>> = scores_of(&pool, id).await.into_iter().map(|s| s.1).collect();
    assert_eq!(
        passed,
        [Some(false), Some(true)],
        "the new scorer's verdicts replace the old"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn an_interrupted_job_resumes_at_its_cursor_once_its_lease_expires(pool: PgPool) {
    let f = fixture(&pool).await;
    ingest(&pool, &f, &["a", "b", "c delve"]).await;
    let id = metric(&pool, &f, "no-delve", NO_DELVE).await;
    activate(&pool, &f, "no-delve").await;
    // A worker took the job, scored up to the first output and died.
    let claimed = scoring_jobs::claim(&pool, 300).await.unwrap().unwrap();
    let first: i64 = sqlx::query_scalar("SELECT min(id) FROM outputs")
        .fetch_one(&pool)
        .await
        .unwrap();
    let mut tx = pool.begin().await.unwrap();
    assert!(scoring_jobs::advance(&mut tx, claimed.id, first, 1, 0)
        .await
        .unwrap());
    tx.commit().await.unwrap();
    sqlx::query("UPDATE scoring_jobs SET lease_until = now() + interval '5 minutes'")
        .execute(&pool)
        .await
        .unwrap();
    assert!(!worker(&pool).step().await.unwrap(), "a leased job is left alone");

    sqlx::query("UPDATE scoring_jobs SET lease_until = now() - interval '1 second'")
        .execute(&pool)
        .await
        .unwrap();
    worker(&pool).drain().await.unwrap();
    let job = &jobs(&pool, id).await[0];
    assert_eq!((job.status, job.done), (JobStatus::Done, 3));
    let scored: Vec<Option<bool>> = scores_of(&pool, id).await.into_iter().map(|s| s.1).collect();
    assert_eq!(
        scored,
        [Some(true), Some(false)],
        "the output before the cursor is not scored again"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn judge_scores_wait_at_ingest_and_the_worker_fills_them(pool: PgPool) {
    let f = fixture(&pool).await;
    let stub = Stub::start().await;
    point_at(&pool, &f, &stub, KEY).await;
    let judge = r#"{"kind": "llm_judge", "rubric_prompt": "1 if the reply avoids filler, else 0"}"#;
    let id = metric(&pool, &f, "judge", judge).await;
    activate(&pool, &f, "judge").await;
    worker(&pool).drain().await.unwrap();
    ingest(&pool, &f, &["Gerne.", "Let us delve in."]).await;
    let waiting = scores_of(&pool, id).await;
    assert!(
        waiting.iter().all(|s| s.0.is_none() && s.2.is_none() && s.4),
        "{waiting:?}"
    );

    worker(&pool).drain().await.unwrap();
    let scored = scores_of(&pool, id).await;
    assert_eq!(
        scored,
        [
            (Some(1.0), Some(true), None, 0, false),
            (Some(0.0), Some(false), None, 0, false)
        ]
    );
    let version: String = sqlx::query_scalar("SELECT DISTINCT scorer_version FROM scores")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(version, "llm_judge-1:stub-model");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_failing_endpoint_keeps_the_output_records_the_error_and_is_retried(pool: PgPool) {
    let f = fixture(&pool).await;
    let stub = Stub::start().await;
    point_at(&pool, &f, &stub, KEY).await;
    let id = metric(&pool, &f, "similar", r#"{"kind": "embedding_similarity"}"#).await;
    activate(&pool, &f, "similar").await;
    stub.set_down(true);
    ingest(&pool, &f, &["Gerne."]).await;
    worker(&pool).drain().await.unwrap();
    let failed = &scores_of(&pool, id).await[0];
    assert!(
        failed.0.is_none() && failed.2.as_deref().is_some_and(|e| e.contains("503")),
        "{failed:?}"
    );
    assert_eq!(
        (failed.3, failed.4),
        (1, true),
        "one attempt made, another planned"
    );
    let wait: f64 = sqlx::query_scalar("SELECT extract(epoch FROM retry_at - now())::float8 FROM scores")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!((20.0..=31.0).contains(&wait), "retried in about 30 s, not {wait}");
    let outputs: i64 = sqlx::query_scalar("SELECT count(*) FROM outputs")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(outputs, 1);

    stub.set_down(false);
    sqlx::query("UPDATE scores SET retry_at = now()")
        .execute(&pool)
        .await
        .unwrap();
    worker(&pool).drain().await.unwrap();
    assert_eq!(
        scores_of(&pool, id).await,
        [(Some(1.0), Some(true), None, 0, false)]
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_retired_metric_stops_its_retries_and_cancels_its_job(pool: PgPool) {
    let f = fixture(&pool).await;
    let id = metric(&pool, &f, "similar", r#"{"kind": "embedding_similarity"}"#).await;
    activate(&pool, &f, "similar").await;
    worker(&pool).drain().await.unwrap();
    ingest(&pool, &f, &["Gerne."]).await;
    crate::server::metric_lifecycle::set_status(
        &pool,
        f.project,
        "similar",
        Status::Retired,
        "too slow",
        f.owner,
    )
    .await
    .unwrap();
    let queued = scoring_jobs::enqueue_in(
        &mut pool.acquire().await.unwrap(),
        f.project,
        id,
        JobReason::Requested,
        crate::domain::scoring_job::automatic_range(chrono::Utc::now()),
        None,
    )
    .await
    .unwrap();
    worker(&pool).drain().await.unwrap();
    let score = &scores_of(&pool, id).await[0];
    assert_eq!(
        (score.2.as_deref(), score.4),
        (Some("the metric is no longer active"), false)
    );
    let job = &jobs(&pool, id).await[0];
    assert_eq!((job.id, job.status), (queued, JobStatus::Cancelled));
}

#[sqlx::test(migrations = "../migrations")]
async fn a_new_pass_rule_applies_to_stored_scores_at_once(pool: PgPool) {
    let f = fixture(&pool).await;
    let f1 = r#"{"kind": "lexical_similarity", "measure": "token_f1"}"#;
    let id = metric(&pool, &f, "f1", f1).await;
    activate(&pool, &f, "f1").await;
    ingest(&pool, &f, &["Gerne.", "Gerne, gerne."]).await;
    let before: Vec<Option<bool>> = scores_of(&pool, id).await.into_iter().map(|s| s.1).collect();
    assert_eq!(
        before,
        [Some(true), Some(false)],
        "token F1 1 and 2/3 against a threshold of 1"
    );
    let mut looser = metrics::find(&pool, f.project, "f1")
        .await
        .unwrap()
        .unwrap()
        .definition;
    looser.pass_rule.threshold = 0.6;
    crate::server::metric_lifecycle::update(&pool, f.project, "f1", &looser, f.owner)
        .await
        .unwrap();
    let after: Vec<Option<bool>> = scores_of(&pool, id).await.into_iter().map(|s| s.1).collect();
    assert_eq!(after, [Some(true), Some(true)]);
    assert!(
        jobs(&pool, id)
            .await
            .iter()
            .all(|j| j.reason == JobReason::Activated),
        "no re-scoring needed"
    );
}
