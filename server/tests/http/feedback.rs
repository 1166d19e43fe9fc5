//! The feedback route: who may send, what a batch becomes (scores, waiting feedback), retries
//! and every kind of bad record.

use super::support::TestApp;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use sqlx::PgPool;

const PROJECT: &str = "support-bot-dach";

async fn post(
    app: &TestApp,
    key: &str,
    route: &str,
    body: &Value,
    idempotency: Option<&str>,
) -> (StatusCode, Value) {
    let mut request = Client::new()
        .post(format!("{}/api/v1/projects/{PROJECT}/{route}", app.base))
        .bearer_auth(key)
        .json(body);
    if let Some(idempotency) = idempotency {
        request = request.header("Idempotency-Key", idempotency);
    }
    let response = request.send().await.unwrap();
    (response.status(), response.json().await.unwrap_or(Value::Null))
}

fn output(external_id: &str) -> Value {
    json!({
        "version": "prompt-v9",
        "external_id": external_id,
        "messages": [{"role": "user", "content": "Wie kann ich meinen Vertrag kündigen?"}],
        "output": "You can cancel your contract in your account.",
        "metadata": {"language": "de"}
    })
}

/// The thumbs-up score of the output with `external_id`: (value, passed), if it has one.
async fn thumbs_score(app: &TestApp, external_id: &str) -> Option<(f64, bool)> {
    sqlx::query_as(
        "SELECT s.value, s.passed FROM scores s JOIN metrics m ON m.id = s.metric_id
         JOIN outputs o ON o.id = s.output_id WHERE m.key = 'thumbs-up' AND o.external_id = $1",
    )
    .bind(external_id)
    .fetch_optional(&app.pool)
    .await
    .unwrap()
}

async fn stored(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM feedback")
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn feedback_scores_its_output_and_waits_for_one_not_logged_yet(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (_, key) = app.with_metrics(&["thumbs-up"], &["thumbs-up"]).await;
    let (status, _) = post(&app, &key, "outputs", &json!([output("req-1")]), None).await;
    assert_eq!(status, StatusCode::CREATED);

    let batch = json!([
        {"id": "fb-1", "external_id": "req-1", "metric": "thumbs-up", "value": false, "comment": "this is in English?!", "user": "u-1"},
        {"id": "fb-2", "external_id": "req-2", "metric": "thumbs-up", "value": "up", "user": "u-2"}
    ]);
    let (status, answer) = post(&app, &key, "feedback", &batch, None).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    assert_eq!(
        (&answer["accepted"], &answer["waiting"], &answer["scores"]),
        (&json!(2), &json!(1), &json!(1)),
        "{answer}"
    );
    assert_eq!(answer["feedback"][1]["waiting"], true);
    assert_eq!(thumbs_score(&app, "req-1").await, Some((0.0, false)));

    // The same records again: duplicates, nothing new stored.
    let (status, again) = post(&app, &key, "feedback", &batch, None).await;
    assert_eq!(status, StatusCode::CREATED, "{again}");
    assert_eq!((&again["accepted"], &again["duplicates"]), (&json!(0), &json!(2)));
    assert_eq!(again["feedback"][0]["id"], answer["feedback"][0]["id"]);
    assert_eq!(stored(&app).await, 2);
    // `true` is the same thumbs up as "up": still a duplicate.
    let same =
        json!([{"id": "fb-2", "external_id": "req-2", "metric": "thumbs-up", "value": true, "user": "u-2"}]);
    let (_, again) = post(&app, &key, "feedback", &same, None).await;
    assert_eq!(again["duplicates"], 1, "{again}");

    // The user changes their mind: the latest answer counts.
    let later = json!([{"external_id": "req-1", "metric": "thumbs-up", "value": true, "user": "u-1"}]);
    let (status, _) = post(&app, &key, "feedback", &later, None).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(thumbs_score(&app, "req-1").await, Some((1.0, true)));

    // The output the waiting feedback named arrives: its score follows.
    assert_eq!(thumbs_score(&app, "req-2").await, None);
    let (status, _) = post(&app, &key, "outputs", &json!([output("req-2")]), None).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(thumbs_score(&app, "req-2").await, Some((1.0, true)));
}

#[sqlx::test(migrations = "../migrations")]
async fn a_repeated_idempotency_key_answers_as_the_first_request_did(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (_, key) = app.with_metrics(&["thumbs-up"], &["thumbs-up"]).await;
    post(&app, &key, "outputs", &json!([output("req-1")]), None).await;
    let batch = json!([{"external_id": "req-1", "metric": "thumbs-up", "value": true}]);
    let (status, first) = post(&app, &key, "feedback", &batch, Some("k-1")).await;
    assert_eq!(status, StatusCode::CREATED);
    let response = Client::new()
        .post(format!("{}/api/v1/projects/{PROJECT}/feedback", app.base))
        .bearer_auth(&key)
        .header("Idempotency-Key", "k-1")
        .json(&batch)
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["idempotent-replayed"], "true");
    assert_eq!(response.json::<Value>().await.unwrap(), first);
    assert_eq!(
        stored(&app).await,
        1,
        "a record without id sent under one key is stored once"
    );
    // The same key on the outputs route is another key.
    let (status, _) = post(&app, &key, "outputs", &json!([output("req-9")]), Some("k-1")).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, error) = post(
        &app,
        &key,
        "feedback",
        &json!([{"output_id": 1, "metric": "x", "value": 1}]),
        Some("k-1"),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error["error"]["field"], "Idempotency-Key");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_bad_batch_names_every_record_and_field_and_stores_nothing(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (_, key) = app
        .with_metrics(&["thumbs-up", "no-delve"], &["thumbs-up", "no-delve"])
        .await;
    post(&app, &key, "outputs", &json!([output("req-1")]), None).await;
    let (_, first) = post(
        &app,
        &key,
        "feedback",
        &json!([{"id": "fb-1", "external_id": "req-1", "metric": "thumbs-up", "value": true}]),
        None,
    )
    .await;
    assert_eq!(first["accepted"], 1);
    let two_days_ago = (chrono::Utc::now() - chrono::Duration::days(2)).to_rfc3339();
    let batch = json!([
        {"external_id": "req-1", "metric": "thumbs-up", "value": true},
        {"external_id": "req-1", "metric": "nope", "value": true},
        {"external_id": "req-1", "metric": "no-delve", "value": true},
        {"external_id": "req-1", "metric": "thumbs-up", "value": 4},
        {"output_id": 999999, "metric": "thumbs-up", "value": true},
        {"external_id": "never-logged", "metric": "thumbs-up", "value": true, "at": two_days_ago},
        {"id": "fb-1", "external_id": "req-1", "metric": "thumbs-up", "value": false},
        {"external_id": "req-1", "metric": "thumbs-up"}
    ]);
    let (status, error) = post(&app, &key, "feedback", &batch, None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    let records: Vec<(u64, String)> = error["error"]["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["index"].as_u64().unwrap(),
                r["field"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    // The record missing its value fails on its own first; the others against the project.
    assert_eq!(records, vec![(7, "value".to_owned())], "{error}");
    let mut batch = batch;
    batch.as_array_mut().unwrap().pop();
    let (status, error) = post(&app, &key, "feedback", &batch, None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    let records: Vec<(u64, &str)> = error["error"]["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["index"].as_u64().unwrap(), r["field"].as_str().unwrap()))
        .collect();
    assert_eq!(
        records,
        vec![
            (1, "metric"),
            (2, "metric"),
            (3, "value"),
            (4, "output_id"),
            (5, "external_id"),
        ],
        "{error}"
    );
    let (status, error) = post(
        &app,
        &key,
        "feedback",
        &json!([batch[0].clone(), batch[6].clone()]),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    assert_eq!(error["error"]["records"][0]["field"], "id", "{error}");
    assert_eq!(stored(&app).await, 1, "nothing of a refused batch is stored");
    let (status, error) = post(&app, &key, "feedback", &json!([]), None).await;
    assert_eq!(
        (status, &error["error"]["field"]),
        (StatusCode::UNPROCESSABLE_ENTITY, &json!("body"))
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn viewers_and_annotators_may_not_send_feedback_and_owners_may(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (owner, key) = app.with_metrics(&["thumbs-up"], &["thumbs-up"]).await;
    post(&app, &key, "outputs", &json!([output("req-1")]), None).await;
    let body = json!([{"external_id": "req-1", "metric": "thumbs-up", "value": true}]);
    for (user, expected) in [
        ("viewer", StatusCode::FORBIDDEN),
        ("annotator", StatusCode::FORBIDDEN),
    ] {
        let client = app.signed_in(user).await;
        let response = client
            .post(format!("{}/api/v1/projects/{PROJECT}/feedback", app.base))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), expected, "{user}");
    }
    let response = owner
        .post(format!("{}/api/v1/projects/{PROJECT}/feedback", app.base))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let response = Client::new()
        .post(format!("{}/api/v1/projects/{PROJECT}/feedback", app.base))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}
