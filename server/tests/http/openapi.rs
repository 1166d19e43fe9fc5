//! The OpenAPI document matches the API: every operation exists, every route is documented,
//! and the documented examples validate against the documented schemas and are accepted.

use super::support::TestApp;
use reqwest::{Client, Method, StatusCode};
use serde_json::{json, Value};
use sqlx::PgPool;

async fn document(app: &TestApp) -> Value {
    let response = Client::new()
        .get(format!("{}/api/v1/openapi.json", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "served without credentials");
    response.json().await.unwrap()
}

/// A schema of the document with its `$ref`s resolvable (the components travel along).
fn validator(doc: &Value, schema: &Value) -> jsonschema::Validator {
    let mut schema = schema.clone();
    schema["components"] = doc["components"].clone();
    jsonschema::validator_for(&schema).unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn every_documented_operation_exists_and_every_route_is_documented(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let doc = document(&app).await;
    assert_eq!(doc["openapi"], "3.1.0");
    let mut operations = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            operations.push(format!("{} {path}", method.to_uppercase()));
            let url = path
                .replace("{project}", "support-bot-dach")
                .replace("{key}", "no-delve");
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let status = Client::new()
                .request(method.clone(), format!("{}{url}", app.base))
                .send()
                .await
                .unwrap()
                .status();
            assert!(
                status != StatusCode::NOT_FOUND && status != StatusCode::METHOD_NOT_ALLOWED,
                "{method} {url}: {status}"
            );
        }
    }
    operations.sort();
    let mut routes: Vec<String> = server::rest::operations()
        .iter()
        .map(|(m, p, _)| format!("{m} {p}"))
        .collect();
    routes.sort();
    assert_eq!(
        operations, routes,
        "the document and the router list the same operations"
    );
}

/// Posts the documented example of `POST …/{route}` and answers the reply, after checking that
/// the example and the reply both fit the documented schemas.
async fn post_example(app: &TestApp, doc: &Value, key: &str, route: &str) -> Value {
    let operation = &doc["paths"][format!("/api/v1/projects/{{project}}/{route}")]["post"];
    let media = &operation["requestBody"]["content"]["application/json"];
    assert!(
        validator(doc, &media["schema"]).is_valid(&media["example"]),
        "{route}"
    );
    let response = Client::new()
        .post(format!("{}/api/v1/projects/support-bot-dach/{route}", app.base))
        .bearer_auth(key)
        .json(&media["example"])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED, "{route}");
    let answer: Value = response.json().await.unwrap();
    let schema = &operation["responses"]["201"]["content"]["application/json"]["schema"];
    assert!(validator(doc, schema).is_valid(&answer), "{route}: {answer}");
    answer
}

#[sqlx::test(migrations = "../migrations")]
async fn the_documented_examples_validate_and_are_accepted(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let doc = document(&app).await;
    let ingest = &doc["paths"]["/api/v1/projects/{project}/outputs"]["post"];
    let media = &ingest["requestBody"]["content"]["application/json"];
    let records = validator(&doc, &media["schema"]);
    assert!(records.is_valid(&media["example"]));
    assert!(
        !records.is_valid(&json!([{"output": "x", "latency": 3}])),
        "unknown fields are refused"
    );

    let (_, key) = app
        .with_metrics(
            &["no-delve", "reply-language", "thumbs-up"],
            &["no-delve", "reply-language", "thumbs-up"],
        )
        .await;
    let ingested = post_example(&app, &doc, &key, "outputs").await;
    assert_eq!(ingested["accepted"], 1);

    let stored = post_example(&app, &doc, &key, "feedback").await;
    assert_eq!(
        (&stored["accepted"], &stored["scores"]),
        (&json!(1), &json!(1)),
        "the example's thumbs down scores the ingest example's output: {stored}"
    );

    // The experiment example tests a version not deployed yet against prompt-v2, whose
    // thumbs-up verdicts give the baseline.
    let client = Client::new();
    let served = json!([{"version": "prompt-v2", "input": "Hallo?", "output": "Gern.", "external_id": "req-v2", "user": "u-1"}]);
    let liked = json!([{"external_id": "req-v2", "metric": "thumbs-up", "value": true}]);
    for (route, body) in [("outputs", served), ("feedback", liked)] {
        let response = client
            .post(format!("{}/api/v1/projects/support-bot-dach/{route}", app.base))
            .bearer_auth(&key)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED, "{route}");
    }
    let experiment = post_example(&app, &doc, &key, "experiments").await;
    assert_eq!(
        experiment["design"]["versions"],
        json!(["prompt-v2", "prompt-v3"]),
        "{experiment}"
    );

    let check = &doc["paths"]["/api/v1/projects/{project}/check"]["post"];
    let example = &check["requestBody"]["content"]["application/json"]["example"];
    assert!(validator(&doc, &json!({"$ref": "#/components/schemas/CheckRecord"})).is_valid(example));
    let response = Client::new()
        .post(format!("{}/api/v1/projects/support-bot-dach/check", app.base))
        .bearer_auth(&key)
        .json(example)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let answer: Value = response.json().await.unwrap();
    assert!(validator(
        &doc,
        &check["responses"]["200"]["content"]["application/json"]["schema"]
    )
    .is_valid(&answer));
    assert_eq!(
        answer["action"], "retry",
        "the example is the German conversation answered in English: {answer}"
    );

    let refused = Client::new()
        .post(format!("{}/api/v1/projects/support-bot-dach/outputs", app.base))
        .bearer_auth(&key)
        .json(&json!([{"version": "v", "input": "x"}]))
        .send()
        .await
        .unwrap();
    let error: Value = refused.json().await.unwrap();
    assert!(
        validator(&doc, &json!({"$ref": "#/components/schemas/Error"})).is_valid(&error),
        "{error}"
    );
}
