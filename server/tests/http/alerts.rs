//! Alerts end to end over HTTP: a local receiver gets the German regression's webhook with a
//! valid signature, after a retry of a 500; a channel that keeps failing is disabled; bad
//! monitors and channels name their field and store nothing; `/metrics` answers only the token
//! and follows Prometheus's naming, exporting segment values only when an owner says so.

use super::support::{TestApp, METRICS_TOKEN};
use app::domain::monitor::delivery::Outcome;
use app::server::webhook_signature;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode as AxumStatus};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use sqlx::PgPool;
use std::sync::{Arc, Mutex};

const PROJECT: &str = "support-bot-dach";

/// What a receiver got: the signature header and the body of each request.
type Received = Arc<Mutex<Vec<(Option<String>, String)>>>;

/// A local webhook receiver answering each request with the next of `statuses` (the last one
/// repeats); answers its address and what it received.
async fn receiver(statuses: Vec<u16>) -> (String, Received) {
    let received: Received = Arc::default();
    let state = (received.clone(), Arc::new(statuses));
    let app = axum::Router::new()
        .route(
            "/hook",
            axum::routing::post(
                |State((received, statuses)): State<(Received, Arc<Vec<u16>>)>,
                 headers: HeaderMap,
                 body: String| async move {
                    let mut got = received.lock().unwrap();
                    let signature = headers
                        .get(webhook_signature::HEADER)
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned);
                    got.push((signature, body));
                    let status = statuses[(got.len() - 1).min(statuses.len() - 1)];
                    AxumStatus::from_u16(status).unwrap()
                },
            ),
        )
        .with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (address, received)
}

/// The alerting settings of a test app (loopback receivers are allowed by default).
fn test_alerting() -> std::sync::Arc<app::server::alerting::Alerting> {
    app::server::alerting::Alerting::new("https://vernier.test", Default::default())
}

/// Calls a JSON server function; answers the status and body.
async fn call_json(app: &TestApp, client: &Client, endpoint: &str, body: Value) -> (StatusCode, Value) {
    let response = client
        .post(format!("{}/api/{endpoint}", app.base))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Adds a webhook channel to `url`; answers its id and generated secret.
async fn add_hook(
    app: &TestApp,
    owner: &Client,
    name: &str,
    url: &str,
    disable_after: &str,
) -> (i64, String) {
    let form = [
        ("project", PROJECT),
        ("id", "0"),
        ("name", name),
        ("kind", "webhook"),
        ("url", url),
        ("secret", ""),
        ("disable_after", disable_after),
    ];
    let (status, secret) = app.call(owner, "save_channel", &form).await;
    assert_eq!(status, StatusCode::OK, "{secret}");
    let id = sqlx::query_scalar("SELECT id FROM alert_channels WHERE name = $1")
        .bind(name)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    (id, secret.as_str().unwrap().to_owned())
}

/// The demo project with reply-language active, segmented by language; the owner and an API key.
async fn prepared(app: &TestApp) -> (Client, String) {
    let (owner, key) = app.with_metrics(&["reply-language"], &["reply-language"]).await;
    let form = [("project", PROJECT), ("keys", "language")];
    assert_eq!(
        app.call(&owner, "set_segment_keys", &form).await.0,
        StatusCode::OK
    );
    (owner, key)
}

fn german_monitor(channels: &[i64]) -> Value {
    json!({"name": "German replies", "metric": "reply-language", "segment": "language=de",
           "window_minutes": "15", "condition": "failure_rate_above", "threshold": "20%", "recovery": "10%",
           "min_sample": "5", "for_evaluations": "1", "channels": channels})
}

/// Ingests `n` German conversations' replies in English (failing reply-language) now.
async fn ingest_failing_german(app: &TestApp, key: &str, n: usize) {
    let records: Vec<Value> = (0..n)
        .map(|i| {
            json!({"version": "prompt-v2", "external_id": format!("late-de-{i}"), "input": "Wie kündige ich meinen Vertrag?",
                   "output": "You can cancel your contract online in your customer account at any time.",
                   "metadata": {"language": "de"}})
        })
        .collect();
    let response = Client::new()
        .post(format!("{}/api/v1/projects/{PROJECT}/outputs", app.base))
        .bearer_auth(key)
        .json(&records)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "{}",
        response.text().await.unwrap()
    );
}

/// Waits (up to 20 s) until `check` holds.
async fn eventually(what: &str, check: impl Fn() -> bool) {
    for _ in 0..200 {
        if check() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}");
}

#[sqlx::test(migrations = "../migrations")]
async fn the_german_regression_reaches_a_signed_webhook_after_a_retry(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (owner, key) = prepared(&app).await;
    let (url, received) = receiver(vec![500, 200]).await;
    let (hook, secret) = add_hook(&app, &owner, "Ops hook", &url, "5").await;
    assert!(secret.starts_with("whsec_") && secret.len() > 30, "{secret}");
    let (status, saved) = call_json(
        &app,
        &owner,
        "save_monitor",
        json!({"project": PROJECT, "id": 0, "form": german_monitor(&[hook])}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    // The ingest wakes the monitor; the evaluation queues the alert and tries it at once: 500.
    ingest_failing_german(&app, &key, 8).await;
    eventually("the first attempt", || received.lock().unwrap().len() == 1).await;
    let pages = app.call(&owner, "get_alerts", &[("project", PROJECT)]).await.1;
    assert_eq!(pages["monitors"][0]["state"], "firing", "{pages}");
    // The retry comes after the backoff: deliver as if 31 seconds had passed.
    let later = chrono::Utc::now() + chrono::Duration::seconds(31);
    let outcomes = app::server::alerting::deliver_due(&app.pool, &test_alerting(), later, 10)
        .await
        .unwrap();
    assert_eq!(outcomes.len(), 1);
    assert_eq!(outcomes[0].1, Outcome::Delivered);
    let got = received.lock().unwrap().clone();
    assert_eq!(got.len(), 2);
    for (signature, body) in &got {
        let signature = signature.as_deref().expect("signed");
        let now = chrono::Utc::now().timestamp();
        assert!(
            webhook_signature::verify(&secret, signature, body, now, 300),
            "{signature}"
        );
        assert!(!webhook_signature::verify(
            "another secret 123",
            signature,
            body,
            now,
            300
        ));
    }
    let body: Value = serde_json::from_str(&got[1].1).unwrap();
    assert_eq!(body["version"], 1);
    assert_eq!(
        (body["state"].as_str(), body["previous_state"].as_str()),
        (Some("firing"), Some("ok"))
    );
    assert_eq!(body["monitor"]["segment"], "language=de");
    assert_eq!(body["metric"]["key"], "reply-language");
    assert_eq!(body["n"], 8);
    assert_eq!(body["observed"], 1.0);
    assert_eq!(
        body["link"],
        format!("https://vernier.test/projects/{PROJECT}/alerts")
    );
    let log = app.call(&owner, "get_alerts", &[("project", PROJECT)]).await.1;
    let delivery = &log["deliveries"][0];
    assert_eq!(
        (delivery["status"].as_str(), delivery["attempts"].as_i64()),
        (Some("delivered"), Some(2))
    );
    assert_eq!(delivery["response_code"], 200);
    assert_eq!(log["channels"][0]["signed"], true);
    assert!(
        log["channels"][0].get("secret").is_none(),
        "the secret is never sent back"
    );
    // The header's badge counts the open alert until it is acknowledged.
    let manager = app.signed_in("manager").await;
    let open = app.call(&manager, "open_alerts", &[]).await.1;
    assert_eq!(open, json!([[PROJECT, 1]]));
    let event = log["monitors"][0]["open_event"].as_i64().unwrap();
    let (status, _) = app
        .call(
            &manager,
            "acknowledge_alert",
            &[("project", PROJECT), ("event", &event.to_string())],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(app.call(&manager, "open_alerts", &[]).await.1, json!([]));
}

#[sqlx::test(migrations = "../migrations")]
async fn a_channel_failing_its_configured_times_in_a_row_is_disabled(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (owner, key) = prepared(&app).await;
    let (url, received) = receiver(vec![503]).await;
    let (hook, _) = add_hook(&app, &owner, "Flaky", &url, "2").await;
    // A test message is answered at once and does not count against the channel.
    let (status, test) = app
        .call(
            &owner,
            "send_test_message",
            &[("project", PROJECT), ("id", &hook.to_string())],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (test["status"].as_str(), test["response_code"].as_i64()),
        (Some("failed"), Some(503))
    );
    let body: Value = serde_json::from_str(&received.lock().unwrap()[0].1).unwrap();
    assert_eq!(body["event"], "test");
    // A receiver that is not there: the log says why, without the address (readers see the log).
    let (closed, _) = add_hook(
        &app,
        &owner,
        "Closed",
        "http://127.0.0.1:9/private-path-token",
        "5",
    )
    .await;
    let (_, unreachable) = app
        .call(
            &owner,
            "send_test_message",
            &[("project", PROJECT), ("id", &closed.to_string())],
        )
        .await;
    let error = unreachable["last_error"].as_str().unwrap();
    assert_eq!(unreachable["status"], "failed");
    assert!(
        !error.is_empty() && !error.contains("private-path-token") && !error.contains("127.0.0.1"),
        "{error}"
    );
    app.call(
        &owner,
        "delete_channel",
        &[("project", PROJECT), ("id", &closed.to_string())],
    )
    .await;
    call_json(
        &app,
        &owner,
        "save_monitor",
        json!({"project": PROJECT, "id": 0, "form": german_monitor(&[hook])}),
    )
    .await;
    ingest_failing_german(&app, &key, 6).await;
    eventually("the first alert attempt", || received.lock().unwrap().len() == 2).await;
    let later = chrono::Utc::now() + chrono::Duration::minutes(5);
    app::server::alerting::deliver_due(&app.pool, &test_alerting(), later, 10)
        .await
        .unwrap();
    let page = app.call(&owner, "get_alerts", &[("project", PROJECT)]).await.1;
    let channel = &page["channels"][0];
    assert!(channel["disabled_at"].is_string(), "{channel}");
    assert!(channel["disabled_reason"]
        .as_str()
        .unwrap()
        .starts_with("2 failed attempts in a row; the last: HTTP 503"));
    // Enabled again by its owner.
    let (status, _) = app
        .call(
            &owner,
            "enable_channel",
            &[("project", PROJECT), ("id", &hook.to_string())],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let page = app.call(&owner, "get_alerts", &[("project", PROJECT)]).await.1;
    assert!(page["channels"][0]["disabled_at"].is_null());
}

#[sqlx::test(migrations = "../migrations")]
async fn bad_monitors_and_channels_name_their_field_and_store_nothing(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (owner, _) = prepared(&app).await;
    let with = |changes: Value| {
        let mut form = german_monitor(&[]);
        for (k, v) in changes.as_object().unwrap() {
            form[k] = v.clone();
        }
        json!({"project": PROJECT, "id": 0, "form": form})
    };
    let cases = [
        (json!({"metric": "no-such-metric"}), "metric"),
        (json!({"segment": "planet=mars"}), "segment"),
        (json!({"version": "prompt-v9"}), "version"),
        (json!({"window_minutes": "2"}), "window"),
        (json!({"window_minutes": "20000"}), "window"),
        (json!({"threshold": "1.5"}), "threshold"),
        (json!({"recovery": "40%"}), "recovery"),
        (json!({"min_sample": "0"}), "min_sample"),
    ];
    for (change, field) in cases {
        for endpoint in ["save_monitor", "backtest_monitor"] {
            let (status, body) = call_json(&app, &owner, endpoint, with(change.clone())).await;
            assert_eq!(
                status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{endpoint} {change}: {body}"
            );
            assert_eq!(body["Validation"]["field"], field, "{endpoint} {change}: {body}");
        }
    }
    let channel = |kind: &'static str, url: &'static str| {
        [
            ("project", PROJECT),
            ("id", "0"),
            ("name", "Bad"),
            ("kind", kind),
            ("url", url),
            ("secret", ""),
            ("disable_after", ""),
        ]
    };
    for (kind, url, field) in [
        ("webhook", "http://alerts.example.com/in", "url"),
        ("webhook", "not a url", "url"),
        ("webhook", "https://169.254.169.254/latest/meta-data", "url"),
        ("slack", "https://example.com/services/T0/B0/X", "url"),
        ("pager", "https://example.com/", "kind"),
    ] {
        let (status, body) = app.call(&owner, "save_channel", &channel(kind, url)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{kind} {url}: {body}");
        assert_eq!(body["Validation"]["field"], field, "{kind} {url}: {body}");
    }
    let short_secret = [
        ("project", PROJECT),
        ("id", "0"),
        ("name", "Bad"),
        ("kind", "webhook"),
        ("url", "https://alerts.example.com/in"),
        ("secret", "short"),
        ("disable_after", ""),
    ];
    assert_eq!(
        app.call(&owner, "save_channel", &short_secret).await.1["Validation"]["field"],
        "secret"
    );
    let stored: (i64, i64) =
        sqlx::query_as("SELECT (SELECT count(*) FROM monitors), (SELECT count(*) FROM alert_channels)")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(stored, (0, 0));
}

#[sqlx::test(migrations = "../migrations")]
async fn metrics_answer_only_the_token_in_prometheus_text_with_bounded_labels(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (owner, key) = prepared(&app).await;
    ingest_failing_german(&app, &key, 3).await;
    let check = Client::new()
        .post(format!("{}/api/v1/projects/{PROJECT}/check", app.base))
        .bearer_auth(&key)
        .json(&json!({"output": "Sie können online kündigen.", "metadata": {"language": "de"}}))
        .send()
        .await
        .unwrap();
    assert!(check.status().is_success(), "{}", check.text().await.unwrap());
    let scrape = |token: Option<&'static str>| {
        let request = Client::new().get(format!("{}/metrics", app.base));
        async move {
            let request = match token {
                Some(token) => request.bearer_auth(token),
                None => request,
            };
            let response = request.send().await.unwrap();
            let status = response.status();
            let content_type = response
                .headers()
                .get("content-type")
                .map(|v| v.to_str().unwrap().to_owned());
            (status, content_type, response.text().await.unwrap())
        }
    };
    assert_eq!(scrape(None).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(scrape(Some("wrong")).await.0, StatusCode::UNAUTHORIZED);
    let (status, content_type, text) = scrape(Some(METRICS_TOKEN)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type
        .unwrap()
        .starts_with("application/openmetrics-text; version=1.0.0"));
    for process in [
        "process_cpu_seconds_total ",
        "process_resident_memory_bytes ",
        "process_open_fds ",
        "process_start_time_seconds ",
    ] {
        assert!(
            text.contains(&format!("\n{process}")),
            "{process} missing: {text}"
        );
    }
    let line = |prefix: &str| text.lines().find(|l| l.starts_with(prefix)).map(str::to_owned);
    assert_eq!(
        line("vernier_evaluations_total{project=\"support-bot-dach\",metric=\"reply-language\",version=\"prompt-v2\",result=\"fail\"}"),
        Some("vernier_evaluations_total{project=\"support-bot-dach\",metric=\"reply-language\",version=\"prompt-v2\",result=\"fail\"} 3".into()),
        "{text}"
    );
    assert!(text.contains("# TYPE vernier_failure_cost_usd counter"), "{text}");
    assert!(line("vernier_failure_cost_usd_total{project=\"support-bot-dach\",metric=\"reply-language\",version=\"prompt-v2\"}").is_some());
    assert!(text.contains("vernier_check_duration_seconds_count 1"), "{text}");
    assert!(
        text.contains("vernier_checks_unrecorded_total{reason=\"queue_full\"} 0"),
        "every check of the test was recorded: {text}"
    );
    assert!(
        text.contains("route=\"/api/v1/projects/{project}/outputs\""),
        "route templates, not paths: {text}"
    );
    assert!(text.contains("vernier_worker_queue_depth{queue=\"alert_deliveries\"} 0"));
    assert_eq!(text.matches("# EOF").count(), 1);
    assert!(text.ends_with("# EOF\n"));
    assert!(
        !text.contains("segment_value"),
        "no segment values until exported"
    );
    assert!(!text.contains("late-de-"), "never output ids");
    let (status, _) = app
        .call(
            &owner,
            "set_exported_segment_keys",
            &[("project", PROJECT), ("keys", "language")],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, _, text) = scrape(Some(METRICS_TOKEN)).await;
    assert!(
        text.contains("vernier_segment_evaluations_total{project=\"support-bot-dach\",metric=\"reply-language\",version=\"prompt-v2\",segment_key=\"language\",segment_value=\"de\",result=\"fail\"} 3"),
        "{text}"
    );
    let (status, body) = app
        .call(
            &owner,
            "set_exported_segment_keys",
            &[("project", PROJECT), ("keys", "planet")],
        )
        .await;
    assert_eq!(
        (status, body["Validation"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("exported"))
    );
}
