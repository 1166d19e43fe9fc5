//! The experiments REST API as a CI pipeline uses it: create a test from its design (field
//! errors named), list and read it, serve users their arms, log outputs with their user, stop it.

use super::support::TestApp;
use reqwest::{Client, Method, StatusCode};
use serde_json::{json, Value};
use sqlx::PgPool;

const PROJECT: &str = "support-bot-dach";

async fn call(
    app: &TestApp,
    key: &str,
    method: Method,
    route: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = Client::new()
        .request(method, format!("{}/api/v1/projects/{PROJECT}/{route}", app.base))
        .bearer_auth(key);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    (response.status(), response.json().await.unwrap_or(Value::Null))
}

fn design() -> Value {
    json!({"key": "shorter", "name": "Shorter prompt", "versions": ["v1", "v2"], "primary": "thumbs-up",
           "baseline": 0.5, "minimum_change": 0.2})
}

#[sqlx::test(migrations = "../migrations")]
async fn a_pipeline_creates_reads_serves_and_stops_an_experiment(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (_, key) = app.with_metrics(&["thumbs-up"], &["thumbs-up"]).await;
    let outputs: Vec<Value> = ["v1", "v2"]
        .iter()
        .map(|v| json!({"version": v, "input": "Hallo?", "output": "Guten Tag.", "user": "u-0"}))
        .collect();
    let (status, _) = call(&app, &key, Method::POST, "outputs", Some(json!(outputs))).await;
    assert_eq!(status, StatusCode::CREATED);

    // Refused on the field at fault, nothing stored.
    let refusals = [
        (json!({"versions": ["v9", "v1"]}), "versions"), // the control must have served outputs
        (json!({"primary": "nope"}), "primary"),
        (json!({"alpha": 0.5}), "alpha"),
        (json!({"minimum_change": 0}), "minimum_change"),
        (json!({"key": "No Spaces"}), "key"),
        (json!({"colour": "red"}), "colour"),
    ];
    for (change, field) in refusals {
        let mut body = design();
        for (name, value) in change.as_object().unwrap() {
            body[name] = value.clone();
        }
        let (status, answer) = call(&app, &key, Method::POST, "experiments", Some(body.clone())).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {answer}");
        assert_eq!(answer["error"]["field"], field, "{body}: {answer}");
    }
    let (_, listed) = call(&app, &key, Method::GET, "experiments", None).await;
    assert_eq!(listed["experiments"], json!([]), "nothing half-stored");

    let (status, created) = call(&app, &key, Method::POST, "experiments", Some(design())).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["design"]["sample_per_arm"], 93, "{created}");
    assert_eq!(created["verdict"]["kind"], "keep_collecting");
    // u-0 is in one arm: its output of the other version is left out, and that arm served
    // nobody today (judged at the horizon, not while collecting).
    let arms = &created["units"]["arms"];
    assert_eq!(
        arms[0]["excluded_outputs"].as_u64().unwrap() + arms[1]["excluded_outputs"].as_u64().unwrap(),
        1,
        "{created}"
    );
    assert!(created["units"]["uneven_day"].is_array(), "{created}");
    let (status, again) = call(&app, &key, Method::POST, "experiments", Some(design())).await;
    assert_eq!(status, StatusCode::CONFLICT, "a taken key: {again}");
    assert_eq!(again["error"]["field"], "key", "{again}");

    let (status, arm) = call(&app, &key, Method::GET, "experiments/shorter/arm?user=u-7", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(["v1", "v2"].contains(&arm["version"].as_str().unwrap()), "{arm}");
    let (_, listed) = call(&app, &key, Method::GET, "experiments", None).await;
    assert_eq!(listed["experiments"][0]["design"]["key"], "shorter");

    let (status, stopped) = call(&app, &key, Method::POST, "experiments/shorter/stop", None).await;
    assert_eq!(status, StatusCode::OK, "{stopped}");
    assert_eq!(stopped["verdict"]["kind"], "stopped_early");
    assert_eq!(stopped["ended_on"], created["design"]["started_on"]);
    let (status, _) = call(&app, &key, Method::POST, "experiments/nope/stop", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
