//! The data every matrix call works on: a human metric with a rubric, an automated metric, a
//! queue assigned to the annotator, outputs, an API key and a user to add.

use super::rows::p;
use super::PROJECT;
use crate::support::{metric_form, TestApp};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

/// Ids the fixture created, for the arguments of the calls.
pub(super) struct Ctx {
    pub(super) queue: i64,
    pub(super) item: i64,
    pub(super) human_metric: i64,
    pub(super) assignment: i64,
    pub(super) output: i64,
    pub(super) key_id: i64,
    pub(super) zoe: i64,
    pub(super) metrics_doc: String,
    /// A known challenge per caller (by name), for deleting.
    pub(super) challenges: std::collections::HashMap<&'static str, i64>,
    /// A monitor, an alert channel and an open alert event per caller, for deleting and acknowledging.
    pub(super) monitors: std::collections::HashMap<&'static str, i64>,
    pub(super) channels: std::collections::HashMap<&'static str, i64>,
    pub(super) alert_events: std::collections::HashMap<&'static str, i64>,
}

pub(super) fn metric_input(key: &str, scorer: &str) -> Vec<(&'static str, String)> {
    metric_form(PROJECT, key, "model", scorer)
}

/// A monitor form on the demo's reply-language metric.
pub(super) fn monitor_form(name: &str) -> Value {
    json!({"name": name, "metric": "reply-language", "window_minutes": "60", "condition": "failure_rate_above",
           "threshold": "20%", "recovery": "10%", "min_sample": "20", "for_evaluations": "1"})
}

pub(super) fn rest_metric(key: &str) -> Value {
    json!({
        "key": key, "name": "Matrix REST metric", "question": "Does the gate hold?", "paradigm": "model",
        "category": "format", "cadence": "async", "action_on_failure": "flag", "scorer": {"kind": "valid_json"},
        "pass_rule": {"threshold": 1, "direction": "at_least"}, "stage": "crawl", "owner": "owner",
        "cost_per_failure": "1", "review_date": "2030-01-01"
    })
}

pub(crate) fn output_record(id: &str) -> Value {
    json!({"version": "v1", "input": "Wie kündige ich?", "output": "Im Kundenkonto.", "external_id": id,
           "metadata": {"language": "de"}})
}

pub(super) async fn setup(app: &TestApp) -> Ctx {
    let (status, _) = app
        .call(
            &app.client(),
            "login",
            &[("username", "ghost"), ("password", "wrong")],
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a failed sign-in to lift"
    );
    let owner = app.signed_in("owner").await;
    let call = |client: &Client, name: &'static str, pairs: Vec<(&'static str, String)>| {
        let client = client.clone();
        async move {
            let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let (status, body) = app.call(&client, name, &pairs).await;
            assert_eq!(status, StatusCode::OK, "setup {name}: {body}");
            body
        }
    };
    call(
        &owner,
        "add_template",
        vec![p(), ("template", "reply-language".into())],
    )
    .await;
    call(
        &owner,
        "activate_metric",
        vec![p(), ("key", "reply-language".into())],
    )
    .await;
    let rubric = call(
        &owner,
        "save_rubric",
        vec![
            p(),
            ("input[name]", "Tone".into()),
            ("input[scale]", "ordinal".into()),
            ("input[levels]", "Rude\nPlain\nWarm".into()),
            ("input[instructions]", "".into()),
        ],
    )
    .await;
    let scorer = format!(r#"{{"kind": "human", "rubric_id": {}}}"#, rubric["id"]);
    let tone = metric_form(PROJECT, "tone", "human", &scorer);
    call(&owner, "create_metric", tone).await;
    call(&owner, "activate_metric", vec![p(), ("key", "tone".into())]).await;
    let thumbs = metric_form(
        PROJECT,
        "thumbs",
        "human",
        r#"{"kind": "user_feedback", "scale": {"type": "thumbs"}}"#,
    );
    call(&owner, "create_metric", thumbs).await;
    call(&owner, "activate_metric", vec![p(), ("key", "thumbs".into())]).await;
    call(
        &owner,
        "create_metric",
        metric_input("fixed", r#"{"kind": "valid_json"}"#),
    )
    .await;
    call(&owner, "activate_metric", vec![p(), ("key", "fixed".into())]).await;
    let created = owner
        .post(format!("{}/api/v1/projects/{PROJECT}/metrics", app.base))
        .json(&rest_metric("rest-fixed"))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    owner
        .post(format!(
            "{}/api/v1/projects/{PROJECT}/metrics/rest-fixed/activate",
            app.base
        ))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    let key = call(&owner, "create_api_key", vec![p(), ("name", "setup".into())]).await;
    let mut batch: Vec<Value> = (0..4).map(|i| output_record(&format!("setup-{i}"))).collect();
    // A second version, so that the release comparison has two to compare.
    batch[3]["version"] = "v2".into();
    send_outputs(app, key["secret"].as_str().unwrap(), &batch).await;
    // A golden dataset with two items and two runs on its first version.
    call(
        &owner,
        "create_dataset",
        vec![
            p(),
            ("input[name]", "golden-fixed".into()),
            ("input[description]", "".into()),
        ],
    )
    .await;
    call(
        &owner,
        "import_dataset",
        vec![
            p(),
            ("name", "golden-fixed".into()),
            ("input[file_name]", "golden.jsonl".into()),
            (
                "input[text]",
                "{\"id\": \"a\", \"input\": \"Hallo\"}\n{\"id\": \"b\", \"input\": \"Tschüss\"}".into(),
            ),
            ("input[mode]", "upsert".into()),
            ("input[note]", "".into()),
            ("input[confirm]", "yes".into()),
        ],
    )
    .await;
    let runs: Vec<Value> = ["run-a", "run-b"]
        .iter()
        .flat_map(|run| {
            ["a", "b"].map(|item| {
                json!({"version": "v1", "dataset": "golden-fixed", "dataset_version": 1, "item_id": item,
                       "run": run, "output": "{}", "external_id": format!("{run}-{item}")})
            })
        })
        .collect();
    send_outputs(app, key["secret"].as_str().unwrap(), &runs).await;
    call(
        &owner,
        "create_experiment",
        vec![
            p(),
            ("input[key]", "ab-fixed".into()),
            ("input[name]", "Matrix A/B".into()),
            ("input[versions]", "v1, v2".into()),
            ("input[primary]", "rest-fixed".into()),
            ("input[baseline]", "50%".into()),
            ("input[minimum_change]", "10%".into()),
            ("input[alpha]", "0.05".into()),
            ("input[power]", "80%".into()),
        ],
    )
    .await;
    let queue = call(
        &owner,
        "create_queue",
        vec![
            p(),
            ("input[name]", "Matrix".into()),
            ("input[metrics]", "tone".into()),
            ("input[sampling]", "random".into()),
            ("input[n]", "2".into()),
            ("input[annotators]", "annotator".into()),
            ("input[overlap]", "1".into()),
            ("input[due_date]", "".into()),
        ],
    )
    .await
    .as_i64()
    .unwrap();
    let metrics_doc = call(&owner, "export_metrics", vec![p(), ("format", "yaml".into())])
        .await
        .as_str()
        .unwrap()
        .to_owned();
    let admin = app.signed_in("admin").await;
    let zoe = call(
        &admin,
        "create_user",
        vec![
            ("username", "zoe".into()),
            ("display_name", "".into()),
            ("password", "a long password".into()),
            ("role", "viewer".into()),
        ],
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let (item, assignment): (i64, i64) = sqlx::query_as(
        "SELECT i.id, a.id FROM queue_items i JOIN assignments a ON a.item_id = i.id
         WHERE i.queue_id = $1 ORDER BY i.id LIMIT 1",
    )
    .bind(queue)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let human_metric: i64 = sqlx::query_scalar(
        "SELECT m.id FROM metrics m JOIN projects p ON p.id = m.project_id WHERE m.key = 'tone' AND p.slug = $1",
    )
    .bind(PROJECT)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let output: i64 = sqlx::query_scalar(
        "SELECT min(o.id) FROM outputs o JOIN projects p ON p.id = o.project_id WHERE p.slug = $1",
    )
    .bind(PROJECT)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let mut challenges = std::collections::HashMap::new();
    for caller in super::CALLERS {
        let id = call(
            &owner,
            "save_challenge",
            vec![
                p(),
                ("id", "0".into()),
                ("title", format!("To be deleted by {}", caller.name())),
                ("hypothesis", String::new()),
                ("goal", String::new()),
                ("metrics", String::new()),
            ],
        )
        .await;
        challenges.insert(caller.name(), id.as_i64().unwrap());
    }
    let mut monitors = std::collections::HashMap::new();
    let mut channels = std::collections::HashMap::new();
    let mut alert_events = std::collections::HashMap::new();
    for caller in super::CALLERS {
        let monitor = app
            .call_json(
                &owner,
                "save_monitor",
                &json!({"project": PROJECT, "id": 0, "form": monitor_form(&format!("Watched by {}", caller.name()))}),
            )
            .await;
        let monitor = monitor.as_i64().expect("a monitor id");
        // Firing, with its open alert, and not evaluated again during the test.
        sqlx::query(
            "UPDATE monitors SET state = 'firing', status = jsonb_set(status, '{state}', '\"firing\"'),
                next_run_at = now() + interval '1 day' WHERE id = $1",
        )
        .bind(monitor)
        .execute(&app.pool)
        .await
        .unwrap();
        let event: i64 = sqlx::query_scalar(
            "INSERT INTO alert_events (monitor_id, previous_state, state, reason, verdicts)
             VALUES ($1, 'pending', 'firing', 'changed', 40) RETURNING id",
        )
        .bind(monitor)
        .fetch_one(&app.pool)
        .await
        .unwrap();
        let channel_name = format!("Hook of {}", caller.name());
        call(
            &owner,
            "save_channel",
            vec![
                p(),
                ("id", "0".into()),
                ("name", channel_name.clone()),
                ("kind", "webhook".into()),
                ("url", "http://127.0.0.1:9/closed".into()),
                ("secret", String::new()),
                ("disable_after", "5".into()),
            ],
        )
        .await;
        let channel: i64 = sqlx::query_scalar("SELECT id FROM alert_channels WHERE name = $1")
            .bind(&channel_name)
            .fetch_one(&app.pool)
            .await
            .unwrap();
        monitors.insert(caller.name(), monitor);
        channels.insert(caller.name(), channel);
        alert_events.insert(caller.name(), event);
    }
    // Crawl is held (purpose, an owned active metric, today's outputs, and this attestation),
    // so the managers' sign-off succeeds.
    let manager = app.signed_in("manager").await;
    call(
        &manager,
        "attest_item",
        vec![
            p(),
            ("item", "golden-dataset".into()),
            ("note", "kept by support".into()),
        ],
    )
    .await;
    Ctx {
        challenges,
        monitors,
        channels,
        alert_events,
        queue,
        item,
        human_metric,
        assignment,
        output,
        key_id: key["key"]["id"].as_i64().unwrap(),
        zoe,
        metrics_doc,
    }
}

/// Ingests `records` into the project with the API key `secret`.
async fn send_outputs(app: &TestApp, secret: &str, records: &[Value]) {
    let sent = app
        .client()
        .post(format!("{}/api/v1/projects/{PROJECT}/outputs", app.base))
        .bearer_auth(secret)
        .json(records)
        .send()
        .await
        .unwrap();
    let status = sent.status();
    assert_eq!(
        status,
        StatusCode::CREATED,
        "{}",
        sent.text().await.unwrap_or_default()
    );
}
