//! OTLP/HTTP traces in: protobuf and JSON bodies, gzip, keys, malformed bodies, partial success,
//! spans sent again, evaluation events as scores, and the mapping page's record of each batch.

use super::support::{metric_form, TestApp};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::any_value::Value as Any;
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::span::Event;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};
use prost::Message;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use server::otlp::fixtures::{kv, s};
use sqlx::PgPool;

const PROJECT: &str = "support-bot-dach";

/// A chat span answered in `reply`, with a faithfulness evaluation of `score`.
fn chat(id: u8, reply: &str, score: f64) -> Span {
    let now = chrono::Utc::now().timestamp_nanos_opt().unwrap() as u64;
    Span {
        trace_id: vec![0x5b; 16],
        span_id: vec![0xee, 0, 0, 0, 0, 0, 0, id],
        name: "chat gpt-4o".into(),
        start_time_unix_nano: now - 900_000_000,
        end_time_unix_nano: now,
        attributes: vec![
            s("gen_ai.operation.name", "chat"),
            s("gen_ai.request.model", "gpt-4o"),
            s(
                "gen_ai.input.messages",
                r#"[{"role": "user", "parts": [{"type": "text", "content": "Wie kann ich meinen Vertrag kündigen?"}]}]"#,
            ),
            s(
                "gen_ai.output.messages",
                &json!([{"role": "assistant", "parts": [{"type": "text", "content": reply}]}]).to_string(),
            ),
            s("user.locale", "de-DE"),
            kv("gen_ai.usage.input_tokens", Any::IntValue(40)),
        ],
        events: vec![Event {
            name: "gen_ai.evaluation.result".into(),
            attributes: vec![
                s("gen_ai.evaluation.name", "faithfulness"),
                kv("gen_ai.evaluation.score.value", Any::DoubleValue(score)),
                s(
                    "gen_ai.evaluation.explanation",
                    "checked against the contract terms",
                ),
            ],
            ..Default::default()
        }],
        ..Default::default()
    }
}

fn export(spans: Vec<Span>) -> ExportTraceServiceRequest {
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(Resource {
                attributes: vec![
                    s("service.name", "support-bot"),
                    s("service.version", "prompt-v9"),
                ],
                ..Default::default()
            }),
            scope_spans: vec![ScopeSpans {
                spans,
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
}

/// The demo project with two active built-in metrics, an active external metric
/// "faithfulness" passing from 0.7, and a key.
async fn setup(app: &TestApp) -> (Client, String) {
    let (owner, key) = app
        .with_metrics(&["no-delve", "reply-language"], &["no-delve", "reply-language"])
        .await;
    let mut form = metric_form(PROJECT, "faithfulness", "model", r#"{"kind": "external"}"#);
    for (field, value) in form.iter_mut() {
        if *field == "input[threshold]" {
            *value = "0.7".into();
        }
    }
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, body) = app.call(&owner, "create_metric", &pairs).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = app
        .call(
            &owner,
            "activate_metric",
            &[("project", PROJECT), ("key", "faithfulness")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    (owner, key)
}

async fn send_protobuf(
    app: &TestApp,
    key: &str,
    request: &ExportTraceServiceRequest,
) -> (StatusCode, ExportTraceServiceResponse) {
    let response = Client::new()
        .post(format!("{}/v1/traces", app.base))
        .bearer_auth(key)
        .header("content-type", "application/x-protobuf")
        .body(request.encode_to_vec())
        .send()
        .await
        .unwrap();
    let status = response.status();
    assert_eq!(response.headers()["content-type"], "application/x-protobuf");
    let bytes = response.bytes().await.unwrap();
    (
        status,
        ExportTraceServiceResponse::decode(bytes).unwrap_or_default(),
    )
}

async fn scores(pool: &PgPool) -> Vec<(String, String, Option<f64>, Option<bool>)> {
    sqlx::query_as(
        "SELECT o.external_id, m.key, s.value, s.passed FROM scores s JOIN outputs o ON o.id = s.output_id
         JOIN metrics m ON m.id = s.metric_id ORDER BY 1, 2",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn genai_spans_become_scored_outputs_once_and_bad_ones_are_refused_by_partial_success(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (owner, key) = setup(&app).await;
    let mut no_reply = chat(3, "x", 0.5);
    no_reply.attributes.retain(|a| a.key != "gen_ai.output.messages");
    let http = Span {
        span_id: vec![1; 8],
        trace_id: vec![0x5b; 16],
        name: "GET /orders".into(),
        attributes: vec![s("http.request.method", "GET")],
        ..Default::default()
    };
    let request = export(vec![
        chat(
            1,
            "Sie können Ihren Vertrag im Kundenkonto unter „Verträge“ kündigen.",
            0.9,
        ),
        chat(
            2,
            "You can cancel your contract in your customer account under contracts.",
            0.4,
        ),
        no_reply,
        http,
    ]);
    let (status, answer) = send_protobuf(&app, &key, &request).await;
    assert_eq!(status, StatusCode::OK);
    let partial = answer.partial_success.expect("one span was refused");
    assert_eq!(partial.rejected_spans, 1);
    assert!(
        partial.error_message.contains("ee00000000000003"),
        "{}",
        partial.error_message
    );
    assert!(
        partial.error_message.contains("no reply"),
        "{}",
        partial.error_message
    );

    let expected = vec![
        (
            "ee00000000000001".to_owned(),
            "faithfulness".to_owned(),
            Some(0.9),
            Some(true),
        ),
        (
            "ee00000000000001".into(),
            "no-delve".into(),
            Some(1.0),
            Some(true),
        ),
        (
            "ee00000000000001".into(),
            "reply-language".into(),
            Some(1.0),
            Some(true),
        ),
        (
            "ee00000000000002".into(),
            "faithfulness".into(),
            Some(0.4),
            Some(false),
        ),
        (
            "ee00000000000002".into(),
            "no-delve".into(),
            Some(1.0),
            Some(true),
        ),
        (
            "ee00000000000002".into(),
            "reply-language".into(),
            Some(0.0),
            Some(false),
        ),
    ];
    assert_eq!(
        scores(&app.pool).await,
        expected,
        "the English reply to a German customer fails"
    );
    let (version, model, latency, tokens, language): (
        String,
        Option<String>,
        Option<i32>,
        Option<i32>,
        Option<String>,
    ) = sqlx::query_as(
        "SELECT v.label, v.model, o.latency_ms, o.tokens_in, o.metadata->>'language' FROM outputs o
             JOIN system_versions v ON v.id = o.version_id WHERE o.external_id = 'ee00000000000001'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(version, "prompt-v9");
    assert_eq!(model.as_deref(), Some("gpt-4o"));
    assert_eq!(latency, Some(900));
    assert_eq!(tokens, Some(40));
    assert_eq!(language.as_deref(), Some("de-DE"));

    // Sent again (an exporter's retry): nothing is stored twice.
    let (status, answer) = send_protobuf(&app, &key, &request).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(answer.partial_success.map(|p| p.rejected_spans), Some(1));
    assert_eq!(scores(&app.pool).await, expected);

    // The mapping page's record of both batches.
    let (status, overview) = app.call(&owner, "otlp_overview", &[("project", PROJECT)]).await;
    assert_eq!(status, StatusCode::OK, "{overview}");
    let batches = overview["batches"].as_array().unwrap();
    assert_eq!(batches.len(), 2);
    let (second, first) = (&batches[0]["report"], &batches[1]["report"]);
    assert_eq!(
        (
            first["spans"].as_u64(),
            first["outputs"].as_u64(),
            first["evaluations"].as_u64()
        ),
        (Some(4), Some(2), Some(2))
    );
    assert_eq!(
        (second["outputs"].as_u64(), second["duplicates"].as_u64()),
        (Some(0), Some(2))
    );
    assert_eq!(first["rejected"], 1);
    assert_eq!(first["ignored"]["not a GenAI span"], 1);
    assert_eq!(first["attributes"]["http.request.method"], 1);
    assert_eq!(batches[1]["encoding"], "protobuf");
}

#[sqlx::test(migrations = "../migrations")]
async fn json_and_gzip_bodies_are_read_and_answered_in_kind(pool: PgPool) {
    use std::io::Write;
    let app = TestApp::spawn(pool).await;
    let (owner, key) = setup(&app).await;
    let body = serde_json::to_vec(&export(vec![chat(
        4,
        "Gerne helfe ich Ihnen beim Kündigen im Kundenkonto.",
        0.8,
    )]))
    .unwrap();
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gzip.write_all(&body).unwrap();
    // A signed-in owner, on the project's own path, gzipped JSON.
    let response = owner
        .post(format!("{}/api/v1/projects/{PROJECT}/otlp/v1/traces", app.base))
        .header("content-type", "application/json")
        .header("content-encoding", "gzip")
        .body(gzip.finish().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/json");
    let answer: Value = response.json().await.unwrap();
    assert!(
        answer.get("partialSuccess").is_none_or(Value::is_null),
        "{answer}"
    );
    let stored: i64 =
        sqlx::query_scalar("SELECT count(*) FROM outputs WHERE external_id = 'ee00000000000004'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(stored, 1);

    // The key on the root path, plain JSON with a label-only evaluation.
    let mut span = chat(5, "Sie kündigen im Kundenkonto.", 0.0);
    span.events[0].attributes = vec![
        s("gen_ai.evaluation.name", "faithfulness"),
        s("gen_ai.evaluation.score.label", "Pass"),
    ];
    let response = Client::new()
        .post(format!("{}/v1/traces", app.base))
        .bearer_auth(&key)
        .json(&export(vec![span]))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let label: (Option<f64>, Option<bool>, String) = sqlx::query_as(
        "SELECT s.value, s.passed, s.rationale FROM scores s JOIN outputs o ON o.id = s.output_id
         JOIN metrics m ON m.id = s.metric_id WHERE o.external_id = 'ee00000000000005' AND m.key = 'faithfulness'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(label, (Some(1.0), Some(true), "label 'Pass'".to_owned()));
}

#[sqlx::test(migrations = "../migrations")]
async fn bad_keys_and_malformed_bodies_are_refused_in_the_request_encoding(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (_, key) = setup(&app).await;
    let request = export(vec![chat(6, "Hallo", 1.0)]);
    let post = |auth: Option<&str>, content_type: &str, body: Vec<u8>| {
        let mut builder = Client::new()
            .post(format!("{}/v1/traces", app.base))
            .header("content-type", content_type)
            .body(body);
        if let Some(auth) = auth {
            builder = builder.header("authorization", auth);
        }
        builder.send()
    };
    let bad_key = format!("Bearer vk_0123abcd_{}", "f".repeat(40));
    let response = post(Some(&bad_key), "application/x-protobuf", request.encode_to_vec())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    #[derive(Clone, PartialEq, prost::Message)]
    struct Status {
        #[prost(int32, tag = "1")]
        code: i32,
        #[prost(string, tag = "2")]
        message: String,
    }
    let status = Status::decode(response.bytes().await.unwrap()).unwrap();
    assert_eq!(status.code, 16, "UNAUTHENTICATED");
    assert!(status.message.contains("API key"), "{}", status.message);

    let response = post(None, "application/json", serde_json::to_vec(&request).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

    let auth = format!("Bearer {key}");
    let response = post(
        Some(&auth),
        "application/json",
        b"{\"resourceSpans\": {}}".to_vec(),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], 3);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("not an OTLP ExportTraceServiceRequest in JSON"),
        "{body}"
    );

    let response = post(Some(&auth), "application/x-protobuf", vec![0x0a, 0xff, 0xff])
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let response = post(Some(&auth), "text/plain", b"hello".to_vec()).await.unwrap();
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let outputs: i64 = sqlx::query_scalar("SELECT count(*) FROM outputs")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(outputs, 0, "nothing refused was stored");
}
