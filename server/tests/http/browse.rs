//! The outputs browser, LLM endpoints and re-scoring jobs through their server functions:
//! roles, filters, write-only keys, and a job run to completion by the server's worker.

use super::support::TestApp;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use sqlx::PgPool;

const PROJECT: &str = "support-bot-dach";

/// Two outputs scored by "no-delve" (one fails it), sent with an API key.
async fn setup(app: &TestApp) -> Client {
    let (owner, key) = app.with_metrics(&["no-delve", "valid-json"], &["no-delve"]).await;
    let batch = json!([
        {"version": "v1", "input": "Wie kündige ich?", "output": "Im Kundenkonto unter Verträge.",
         "metadata": {"language": "de"}, "conversation_id": "c-1", "turn_index": 0},
        {"version": "v2", "input": "How do I cancel?", "output": "Let us delve into your contract.",
         "metadata": {"language": "en"}, "conversation_id": "c-1", "turn_index": 1},
    ]);
    let response = Client::new()
        .post(format!("{}/api/v1/projects/{PROJECT}/outputs", app.base))
        .bearer_auth(key)
        .json(&batch)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    owner
}

async fn list(app: &TestApp, client: &Client, filter: &[(&str, &str)]) -> (StatusCode, Value) {
    let mut form = vec![("project", PROJECT)];
    form.extend_from_slice(filter);
    app.call(client, "list_outputs", &form).await
}

fn replies(page: &Value) -> Vec<String> {
    page["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["excerpt"].as_str().unwrap().to_owned())
        .collect()
}

#[sqlx::test(migrations = "../migrations")]
async fn staff_filter_outputs_by_version_segment_and_verdict(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    setup(&app).await;
    let manager = app.signed_in("manager").await;
    let (status, all) = list(&app, &manager, &[]).await;
    assert_eq!(status, StatusCode::OK, "{all}");
    assert_eq!(replies(&all).len(), 2);
    assert_eq!(all["versions"], json!(["v2", "v1"]));
    let (_, failing) = list(
        &app,
        &manager,
        &[("filter[metric]", "no-delve"), ("filter[verdict]", "fail")],
    )
    .await;
    assert_eq!(replies(&failing), ["Let us delve into your contract."]);
    let (_, german) = list(&app, &manager, &[("filter[segment]", "language=de")]).await;
    assert_eq!(replies(&german), ["Im Kundenkonto unter Verträge."]);
    let (_, v1) = list(
        &app,
        &manager,
        &[("filter[version]", "v1"), ("filter[verdict]", "fail")],
    )
    .await;
    assert!(replies(&v1).is_empty());
    let (status, bad) = list(&app, &manager, &[("filter[segment]", "language")]).await;
    assert_eq!(
        (status, bad["Validation"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("segment")),
        "{bad}"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn an_output_page_has_its_conversation_and_every_score_with_rationale(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let owner = setup(&app).await;
    let (_, failing) = list(&app, &owner, &[("filter[verdict]", "fail")]).await;
    let id = failing["rows"][0]["id"].as_i64().unwrap().to_string();
    let (status, output) = app
        .call(&owner, "get_output", &[("project", PROJECT), ("id", &id)])
        .await;
    assert_eq!(status, StatusCode::OK, "{output}");
    assert_eq!(output["input"], "How do I cancel?");
    assert_eq!(output["metadata"], json!([["language", "en"]]));
    assert_eq!(output["turns"].as_array().unwrap().len(), 2);
    let score = &output["scores"][0];
    assert_eq!(
        (score["metric_key"].as_str(), score["passed"].as_bool()),
        (Some("no-delve"), Some(false))
    );
    assert!(score["rationale"].as_str().unwrap().contains("delve"), "{score}");
}

#[sqlx::test(migrations = "../migrations")]
async fn annotators_may_not_browse_outputs(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    setup(&app).await;
    let annotator = app.signed_in("annotator").await;
    assert_eq!(list(&app, &annotator, &[]).await.0, StatusCode::FORBIDDEN);
    let (status, _) = app
        .call(&annotator, "get_output", &[("project", PROJECT), ("id", "1")])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(list(&app, &app.client(), &[]).await.0, StatusCode::UNAUTHORIZED);
}

fn endpoint_form<'a>(url: &'a str, key: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("project", PROJECT),
        ("input[chat_url]", url),
        ("input[chat_model]", "gpt-4o-mini"),
        ("input[chat_key]", key),
        ("input[embeddings_url]", ""),
        ("input[embeddings_model]", ""),
        ("input[embeddings_key]", ""),
        ("input[timeout_ms]", "20000"),
    ]
}

#[sqlx::test(migrations = "../migrations")]
async fn only_editors_set_endpoints_and_keys_never_come_back(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let owner = app.signed_in("owner").await;
    let manager = app.signed_in("manager").await;
    let form = endpoint_form("https://llm.example.com/v1", "sk-very-secret");
    assert_eq!(
        app.call(&manager, "save_endpoints", &form).await.0,
        StatusCode::FORBIDDEN
    );
    let (status, _) = app.call(&manager, "get_endpoints", &[("project", PROJECT)]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let (status, bad) = app
        .call(
            &owner,
            "save_endpoints",
            &endpoint_form("llm.example.com", "sk-x"),
        )
        .await;
    assert_eq!(
        (status, bad["Validation"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("chat_url"))
    );
    let (status, saved) = app.call(&owner, "save_endpoints", &form).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    let (_, shown) = app.call(&owner, "get_endpoints", &[("project", PROJECT)]).await;
    assert_eq!(
        shown["chat"],
        json!({"url": "https://llm.example.com/v1", "model": "gpt-4o-mini", "key_set": true})
    );
    assert!(!shown.to_string().contains("sk-very-secret") && !saved.to_string().contains("sk-very-secret"));
}

#[sqlx::test(migrations = "../migrations")]
async fn a_requested_job_runs_to_completion_and_roles_are_checked(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let owner = setup(&app).await;
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let form = [
        ("project", PROJECT),
        ("key", "no-delve"),
        ("from", "2020-01-01"),
        ("to", &today),
    ];
    let manager = app.signed_in("manager").await;
    assert_eq!(
        app.call(&manager, "start_scoring_job", &form).await.0,
        StatusCode::FORBIDDEN
    );
    let draft = [
        ("project", PROJECT),
        ("key", "valid-json"),
        ("from", "2020-01-01"),
        ("to", ""),
    ];
    let (status, refused) = app.call(&owner, "start_scoring_job", &draft).await;
    assert_eq!(
        (status, refused["Validation"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("metric"))
    );
    let backwards = [
        ("project", PROJECT),
        ("key", "no-delve"),
        ("from", &today),
        ("to", "2020-01-01"),
    ];
    let (_, refused) = app.call(&owner, "start_scoring_job", &backwards).await;
    assert_eq!(refused["Validation"]["field"], "to");

    let (status, id) = app.call(&owner, "start_scoring_job", &form).await;
    assert_eq!(status, StatusCode::OK, "{id}");
    let mut job = Value::Null;
    for _ in 0..100 {
        let (_, jobs) = app
            .call(
                &manager,
                "list_scoring_jobs",
                &[("project", PROJECT), ("key", "no-delve")],
            )
            .await;
        job = jobs[0].clone();
        if job["status"] == "done" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        (
            job["id"].clone(),
            job["status"].as_str(),
            job["total"].as_i64(),
            job["done"].as_i64()
        ),
        (id, Some("done"), Some(2), Some(2)),
        "{job}"
    );
}
