//! The real-time check: verdicts of real-time metrics, the action, cache refresh, recording.

use super::support::TestApp;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use sqlx::PgPool;
use std::time::Duration;

const PROJECT: &str = "support-bot-dach";

/// Five metrics; reply-length stays a draft and faithful-to-context is async, so neither
/// answers a check.
async fn setup(app: &TestApp) -> (Client, String) {
    app.with_metrics(
        &[
            "no-delve",
            "moderation",
            "reply-language",
            "faithful-to-context",
            "reply-length",
        ],
        &["no-delve", "moderation", "reply-language", "faithful-to-context"],
    )
    .await
}

async fn check(app: &TestApp, key: &str, body: Value) -> (StatusCode, Value) {
    let url = format!("{}/api/v1/projects/{PROJECT}/check", app.base);
    let response = Client::new()
        .post(url)
        .bearer_auth(key)
        .json(&body)
        .send()
        .await
        .unwrap();
    (response.status(), response.json().await.unwrap_or(Value::Null))
}

fn metrics(answer: &Value) -> Vec<String> {
    let mut keys: Vec<String> = answer["verdicts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["metric"].as_str().unwrap().to_owned())
        .collect();
    keys.sort();
    keys
}

#[sqlx::test(migrations = "../migrations")]
async fn a_check_answers_the_most_severe_action_of_the_real_time_metrics(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (_, key) = setup(&app).await;
    let (status, answer) = check(
        &app,
        &key,
        json!({"output": "Let us delve into it, you idiot.", "metadata": {"language": "en"}}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["action"], "block");
    assert_eq!(metrics(&answer), ["moderation", "no-delve", "reply-language"]);
    assert!(answer["elapsed_us"].as_u64().is_some());

    let (_, clean) = check(
        &app,
        &key,
        json!({"output": "Happy to help with your invoice today.", "metadata": {"language": "en"}}),
    )
    .await;
    assert_eq!(clean["action"], "none", "{clean}");
}

#[sqlx::test(migrations = "../migrations")]
async fn an_english_reply_in_a_german_conversation_is_retried(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (_, key) = setup(&app).await;
    let body = json!({
        "messages": [{"role": "user", "content": "Hallo, ich habe eine Frage zu meiner letzten Rechnung."},
                     {"role": "assistant", "content": "Gerne, worum geht es?"},
                     {"role": "user", "content": "Wie kann ich der Rechnung widersprechen?"}],
        "output": "You can file an objection within thirty days through your customer account."
    });
    let (_, answer) = check(&app, &key, body).await;
    assert_eq!(answer["action"], "retry", "{answer}");
    let language = answer["verdicts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["metric"] == "reply-language")
        .unwrap();
    assert_eq!(language["passed"], false);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_retired_metric_leaves_the_check_without_a_restart(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (owner, key) = setup(&app).await;
    let body = json!({"output": "You idiot.", "metadata": {"language": "en"}});
    assert_eq!(check(&app, &key, body.clone()).await.1["action"], "block");
    app.call(
        &owner,
        "retire_metric",
        &[
            ("project", PROJECT),
            ("key", "moderation"),
            ("reason", "moved to the gateway"),
        ],
    )
    .await;
    let mut action = Value::Null;
    for _ in 0..40 {
        action = check(&app, &key, body.clone()).await.1["action"].clone();
        if action != "block" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(action, "none", "the cache must drop the retired metric");
}

#[sqlx::test(migrations = "../migrations")]
async fn checks_are_recorded_with_their_scores_after_answering(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (_, key) = setup(&app).await;
    for (i, text) in ["Gerne helfe ich Ihnen weiter.", "Let us delve."]
        .iter()
        .enumerate()
    {
        let (status, answer) = check(
            &app,
            &key,
            json!({"output": text, "external_id": format!("chk-{i}")}),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            answer["recorded"], true,
            "the answer says the check will be stored"
        );
    }
    let mut stored = (0i64, 0i64);
    for _ in 0..40 {
        stored = sqlx::query_as("SELECT (SELECT count(*) FROM outputs), (SELECT count(*) FROM scores)")
            .fetch_one(&app.pool)
            .await
            .unwrap();
        if stored.0 == 2 && stored.1 > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(stored.0, 2, "both checks are recorded");
    // The three real-time scores the check computed, and the async judge's pending score that
    // recording adds: four per check.
    assert_eq!(stored.1, 8, "with their scores: {stored:?}");
    let pending: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM scores s JOIN metrics m ON m.id = s.metric_id
         WHERE m.key = 'faithful-to-context' AND s.value IS NULL AND s.retry_at IS NOT NULL",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(pending, 2, "the judge's scores wait for the worker");
    let delve_failed: Option<bool> = sqlx::query_scalar(
        "SELECT s.passed FROM scores s JOIN metrics m ON m.id = s.metric_id JOIN outputs o ON o.id = s.output_id
         WHERE m.key = 'no-delve' AND o.external_id = 'chk-1'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(delve_failed, Some(false));
}

#[sqlx::test(migrations = "../migrations")]
async fn a_check_with_record_false_is_answered_but_not_stored(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (_, key) = setup(&app).await;
    let url = format!("{}/api/v1/projects/{PROJECT}/check", app.base);
    let send = |query: &'static str, id: &'static str| {
        Client::new()
            .post(format!("{url}{query}"))
            .bearer_auth(&key)
            .json(&json!({"output": "Gerne helfe ich Ihnen weiter.", "external_id": id}))
            .send()
    };
    let unrecorded = send("?record=false", "unrecorded").await.unwrap();
    assert_eq!(unrecorded.status(), StatusCode::OK);
    let answer: serde_json::Value = unrecorded.json().await.unwrap();
    assert_eq!(answer["recorded"], false);
    let bad = send("?record=maybe", "bad").await.unwrap();
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: serde_json::Value = bad.json().await.unwrap();
    assert_eq!(body["error"]["field"], "record");
    assert_eq!(send("", "recorded").await.unwrap().status(), StatusCode::OK);
    // The unrecorded check was never queued: once the recorded one is stored, nothing else comes.
    let mut stored: Vec<String> = Vec::new();
    for _ in 0..40 {
        stored = sqlx::query_scalar("SELECT external_id FROM outputs ORDER BY id")
            .fetch_all(&app.pool)
            .await
            .unwrap();
        if !stored.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(stored, ["recorded"]);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_check_needs_a_key_or_an_editor_and_a_reply(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (_, key) = setup(&app).await;
    let url = format!("{}/api/v1/projects/{PROJECT}/check", app.base);
    assert_eq!(
        Client::new()
            .post(&url)
            .json(&json!({"output": "x"}))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let (status, body) = check(&app, &key, json!({"input": "Hallo"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["records"][0]["field"], "output");
}
