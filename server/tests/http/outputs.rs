//! Ingestion: idempotency, per-record errors, atomicity, keys, size limits, scoring at ingest.

use super::support::TestApp;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use sqlx::PgPool;

const OUTPUTS: &str = "/api/v1/projects/support-bot-dach/outputs";

/// An owner's client, a key for the demo project, and two active metrics (plus a draft and a
/// human one that must not score at ingest).
async fn setup(app: &TestApp) -> (Client, String) {
    app.with_metrics(
        &["no-delve", "reply-language", "valid-json", "persona-tone"],
        &["no-delve", "reply-language", "persona-tone"],
    )
    .await
}

fn record(id: &str, output: &str) -> Value {
    json!({
        "version": "prompt-v2", "model": "gpt-x", "external_id": id, "conversation_id": "c-1", "turn_index": 4,
        "messages": [{"role": "user", "content": "Wie kann ich meiner Rechnung widersprechen?"}],
        "output": output, "metadata": {"language": "de", "customer": "acme"}, "latency_ms": 420
    })
}

async fn count(pool: &PgPool, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
        .fetch_one(pool)
        .await
        .unwrap()
}

async fn post(app: &TestApp, key: &str, body: &Value) -> (StatusCode, Value) {
    let response = Client::new()
        .post(format!("{}{OUTPUTS}", app.base))
        .bearer_auth(key)
        .json(body)
        .send()
        .await
        .unwrap();
    (response.status(), response.json().await.unwrap_or(Value::Null))
}

#[sqlx::test(migrations = "../migrations")]
async fn each_new_output_is_scored_by_every_active_automated_metric(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (_, key) = setup(&app).await;
    let batch = json!([
        record(
            "a-1",
            "Sie können innerhalb von dreißig Tagen in Ihrem Kundenkonto widersprechen."
        ),
        record(
            "a-2",
            "Let us delve into it: you can object within thirty days in your customer account."
        ),
    ]);
    let (status, body) = post(&app, &key, &batch).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(
        (body["accepted"].as_u64(), body["scores"].as_u64()),
        (Some(2), Some(4)),
        "{body}"
    );

    let rows: Vec<(String, String, Option<bool>)> = sqlx::query_as(
        "SELECT o.external_id, m.key, s.passed FROM scores s JOIN outputs o ON o.id = s.output_id
         JOIN metrics m ON m.id = s.metric_id ORDER BY 1, 2",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        rows,
        [
            ("a-1".into(), "no-delve".into(), Some(true)),
            ("a-1".into(), "reply-language".into(), Some(true)),
            ("a-2".into(), "no-delve".into(), Some(false)),
            ("a-2".into(), "reply-language".into(), Some(false)),
        ]
    );
    let version: (String, Option<String>) = sqlx::query_as("SELECT label, model FROM system_versions")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(version, ("prompt-v2".into(), Some("gpt-x".into())));
}

#[sqlx::test(migrations = "../migrations")]
async fn the_same_external_ids_are_never_stored_twice(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (_, key) = setup(&app).await;
    let batch = json!([record("b-1", "Gerne."), record("b-2", "Natürlich.")]);
    let (_, first) = post(&app, &key, &batch).await;
    let (status, second) = post(
        &app,
        &key,
        &json!([record("b-2", "Natürlich."), record("b-3", "Ja.")]),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(
        (second["accepted"].as_u64(), second["duplicates"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(
        second["outputs"][0]["id"], first["outputs"][1]["id"],
        "a duplicate answers with the stored id"
    );
    assert_eq!(second["outputs"][0]["duplicate"], true);
    assert_eq!(count(&app.pool, "outputs").await, 3);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_repeated_idempotency_key_answers_as_the_first_time(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (_, key) = setup(&app).await;
    let send = |body: Value, idempotency: &'static str| {
        Client::new()
            .post(format!("{}{OUTPUTS}", app.base))
            .bearer_auth(&key)
            .header("idempotency-key", idempotency)
            .json(&body)
            .send()
    };
    let body = json!([{"version": "v1", "input": "Hallo", "output": "Hallo! Wie kann ich helfen?"}]);
    let first = send(body.clone(), "req-1").await.unwrap();
    let first_body: Value = first.json().await.unwrap();
    let again = send(body.clone(), "req-1").await.unwrap();
    assert_eq!(again.status(), StatusCode::CREATED);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.json::<Value>().await.unwrap(), first_body);
    assert_eq!(
        count(&app.pool, "outputs").await,
        1,
        "records without external ids are still stored once"
    );
    // The same records, their keys in another order and as NDJSON: the same request.
    let reordered = Client::new()
        .post(format!("{}{OUTPUTS}", app.base))
        .bearer_auth(&key)
        .header("idempotency-key", "req-1")
        .header("content-type", "application/x-ndjson")
        .body("{\"output\": \"Hallo! Wie kann ich helfen?\",  \"input\": \"Hallo\", \"version\": \"v1\"}\n")
        .send()
        .await
        .unwrap();
    assert_eq!(reordered.status(), StatusCode::CREATED);
    assert_eq!(reordered.headers()["idempotent-replayed"], "true");
    assert_eq!(count(&app.pool, "outputs").await, 1);

    let other = send(json!([{"version": "v1", "input": "x", "output": "y"}]), "req-1")
        .await
        .unwrap();
    assert_eq!(other.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        other.json::<Value>().await.unwrap()["error"]["field"],
        "Idempotency-Key"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_batch_with_a_bad_record_lists_every_error_and_stores_nothing(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (_, key) = setup(&app).await;
    let batch = json!([
        record("c-1", "Gut."),
        {"input": "x", "output": "y", "source": "prod"},
        {"version": "v1", "input": "x", "output": "y", "latency_ms": "fast"}
    ]);
    let (status, body) = post(&app, &key, &batch).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let problems: Vec<(u64, &str)> = body["error"]["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["index"].as_u64().unwrap(), r["field"].as_str().unwrap()))
        .collect();
    assert_eq!(problems, [(1, "version"), (1, "source"), (2, "latency_ms")]);
    assert_eq!(
        (
            count(&app.pool, "outputs").await,
            count(&app.pool, "scores").await,
            count(&app.pool, "system_versions").await
        ),
        (0, 0, 0)
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn ndjson_is_accepted_line_by_line(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (_, key) = setup(&app).await;
    let lines = format!("{}\n\n{}\n", record("n-1", "Ja."), record("n-2", "Nein."));
    let response = Client::new()
        .post(format!("{}{OUTPUTS}", app.base))
        .bearer_auth(&key)
        .header("content-type", "application/x-ndjson")
        .body(lines)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(count(&app.pool, "outputs").await, 2);
}

#[sqlx::test(migrations = "../migrations")]
async fn keys_and_roles_decide_who_may_send(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (owner, key) = setup(&app).await;
    let batch = json!([record("d-1", "Gut.")]);
    let anonymous = Client::new()
        .post(format!("{}{OUTPUTS}", app.base))
        .json(&batch)
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let form = [
        ("name", "Legal"),
        ("slug", "legal"),
        ("description", ""),
        ("purpose", ""),
    ];
    app.call(&owner, "create_project", &form).await;
    let elsewhere = Client::new()
        .post(format!("{}/api/v1/projects/legal/outputs", app.base))
        .bearer_auth(&key)
        .json(&batch)
        .send()
        .await
        .unwrap();
    assert_eq!(elsewhere.status(), StatusCode::NOT_FOUND);
    let annotator = app.signed_in("annotator").await;
    assert_eq!(
        annotator
            .post(format!("{}{OUTPUTS}", app.base))
            .json(&batch)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(count(&app.pool, "outputs").await, 0);
}

#[sqlx::test(migrations = "../migrations")]
async fn oversized_batches_and_bodies_get_413(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (_, key) = setup(&app).await;
    let many: Vec<Value> = (0..1001)
        .map(|i| json!({"version": "v1", "input": "x", "output": format!("{i}")}))
        .collect();
    let (status, body) = post(&app, &key, &Value::Array(many)).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, Some("too_large"))
    );
    let huge = json!([{"version": "v1", "input": "x", "output": "y".repeat(17 * 1024 * 1024)}]);
    let (status, _) = post(&app, &key, &huge).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(count(&app.pool, "outputs").await, 0);
}

#[sqlx::test(migrations = "../migrations")]
async fn graded_relevance_is_stored_shown_and_scored_by_ndcg(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (owner, key) = app.with_metrics(&[], &[]).await;
    let metrics = format!("{}/api/v1/projects/support-bot-dach/metrics", app.base);
    let metric = json!({
        "key": "ndcg", "name": "Retrieval ranks graded documents well", "question": "Are the best documents first?",
        "paradigm": "model", "category": "retrieval", "cadence": "async", "action_on_failure": "flag",
        "scorer": {"kind": "retrieval", "measure": "ndcg", "k": 6},
        "pass_rule": {"threshold": 0.9, "direction": "at_least"}, "stage": "walk", "owner": "owner",
        "cost_per_failure": "1", "review_date": "2030-01-01"
    });
    let created = owner.post(&metrics).json(&metric).send().await.unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    owner
        .post(format!("{metrics}/ndcg/activate"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();

    // sklearn.metrics.ndcg_score([[3,2,3,0,1,2]], [[6,5,4,3,2,1]]) = 0.9608081943360616
    let record = json!({"version": "v1", "input": "Wie kündige ich?", "output": "Im Kundenkonto.",
        "retrieved_ids": ["a", "b", "c", "d", "e", "f"],
        "relevance": {"a": 3, "b": 2, "c": 3, "d": 0, "e": 1, "f": 2}});
    let (status, body) = post(&app, &key, &json!([record])).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = body["outputs"][0]["id"].as_i64().unwrap();
    let (value, passed): (f64, bool) = sqlx::query_as(
        "SELECT s.value, s.passed FROM scores s JOIN metrics m ON m.id = s.metric_id WHERE m.key = 'ndcg' AND s.output_id = $1",
    )
    .bind(id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!((value - 0.960_808_194_336_061_6).abs() < 1e-12, "{value}");
    assert!(passed);
    let (status, detail) = app
        .call(
            &owner,
            "get_output",
            &[("project", "support-bot-dach"), ("id", &id.to_string())],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(detail["relevance"][0], json!(["a", 3.0]));

    let bad = json!([{"version": "v1", "input": "x", "output": "y", "relevance": {"a": -2}}]);
    let (status, body) = post(&app, &key, &bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.to_string().contains("relevance"), "{body}");
}
