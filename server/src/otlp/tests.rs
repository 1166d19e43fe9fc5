//! Each generation of conventions mapped from fixture spans, through the wire in both encodings.

use super::fixtures::{kv, s};
use super::mapping::{map, Evaluation, UNVERSIONED};
use super::wire::{decode, Encoding};
use app::domain::otlp::Mapping;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value as Any;
use opentelemetry_proto::tonic::common::v1::{KeyValue, KeyValueList};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::span::Event;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};
use prost::Message;
use serde_json::{json, Value};

const START: u64 = 1_780_000_000_000_000_000;

fn event(name: &str, attributes: Vec<KeyValue>) -> Event {
    Event {
        name: name.into(),
        attributes,
        time_unix_nano: START,
        ..Default::default()
    }
}

fn span(id: u8, attributes: Vec<KeyValue>, events: Vec<Event>) -> Span {
    Span {
        trace_id: vec![0xab; 16],
        span_id: vec![0, 0, 0, 0, 0, 0, 0, id],
        name: "chat gpt-4o".into(),
        start_time_unix_nano: START,
        end_time_unix_nano: START + 1_250_000_000,
        attributes,
        events,
        ..Default::default()
    }
}

fn request(resource: Vec<KeyValue>, spans: Vec<Span>) -> ExportTraceServiceRequest {
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(Resource {
                attributes: resource,
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

fn headers(content_type: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_str(content_type).unwrap());
    headers
}

/// The request sent as protobuf and read back, as the server reads it.
fn through_protobuf(request: &ExportTraceServiceRequest) -> ExportTraceServiceRequest {
    let (decoded, encoding) = decode(&headers("application/x-protobuf"), &request.encode_to_vec()).unwrap();
    assert_eq!(encoding, Encoding::Protobuf);
    decoded
}

fn records(request: &ExportTraceServiceRequest) -> Vec<Value> {
    map(request, &Mapping::default())
        .spans
        .into_iter()
        .map(|s| s.record)
        .collect()
}

#[test]
fn current_conventions_give_the_conversation_reply_model_tokens_version_and_segments() {
    let input = json!([
        {"role": "user", "parts": [{"type": "text", "content": "Wo ist meine Bestellung?"}]},
        {"role": "assistant", "parts": [{"type": "text", "content": "Welche Nummer?"}]},
        {"role": "user", "parts": [{"type": "text", "content": "4711"}, {"type": "blob", "content": "…"}]}
    ]);
    let output = json!([{"role": "assistant", "parts": [{"type": "text", "content": "Ihre Bestellung 4711 ist unterwegs."}], "finish_reason": "stop"}]);
    let sent = request(
        vec![s("service.name", "support-bot"), s("service.version", "v7")],
        vec![span(
            1,
            vec![
                s("gen_ai.operation.name", "chat"),
                s("gen_ai.provider.name", "openai"),
                s("gen_ai.request.model", "gpt-4o"),
                s("gen_ai.response.model", "gpt-4o-2024-08-06"),
                kv("gen_ai.usage.input_tokens", Any::IntValue(31)),
                kv("gen_ai.usage.output_tokens", Any::IntValue(9)),
                s("gen_ai.conversation.id", "conv-42"),
                s(
                    "gen_ai.system_instructions",
                    r#"[{"type": "text", "content": "Antworte auf Deutsch."}]"#,
                ),
                s("gen_ai.input.messages", &input.to_string()),
                s("gen_ai.output.messages", &output.to_string()),
                s("user.locale", "de-DE"),
            ],
            vec![event(
                "gen_ai.evaluation.result",
                vec![
                    s("gen_ai.evaluation.name", "faithfulness"),
                    kv("gen_ai.evaluation.score.value", Any::DoubleValue(0.8)),
                    s("gen_ai.evaluation.score.label", "pass"),
                    s("gen_ai.evaluation.explanation", "grounded in the order record"),
                ],
            )],
        )],
    );
    let mapped = map(&through_protobuf(&sent), &Mapping::default());
    assert_eq!(mapped.report.spans, 1);
    assert_eq!(mapped.report.rejected, 0);
    let one = &mapped.spans[0];
    assert_eq!(one.span_id, "0000000000000001");
    let r = &one.record;
    assert_eq!(r["version"], "v7");
    assert_eq!(r["model"], "gpt-4o-2024-08-06");
    assert_eq!(r["conversation_id"], "conv-42");
    assert_eq!(r["input"], "4711");
    assert_eq!(r["output"], "Ihre Bestellung 4711 ist unterwegs.");
    assert_eq!(
        r["messages"][0],
        json!({"role": "system", "content": "Antworte auf Deutsch."})
    );
    assert_eq!(r["messages"].as_array().unwrap().len(), 4);
    assert_eq!(r["tokens_in"], 31);
    assert_eq!(r["tokens_out"], 9);
    assert_eq!(r["latency_ms"], 1250);
    assert_eq!(r["external_id"], "0000000000000001");
    assert_eq!(r["metadata"]["language"], "de-DE");
    assert_eq!(r["metadata"]["trace_id"], "ab".repeat(16));
    let at = chrono::DateTime::parse_from_rfc3339(r["timestamp"].as_str().unwrap()).unwrap();
    assert_eq!(at.timestamp_nanos_opt().unwrap() as u64, START + 1_250_000_000);
    assert_eq!(
        one.evaluations,
        vec![Evaluation {
            name: "faithfulness".into(),
            value: Some(0.8),
            label: Some("pass".into()),
            explanation: Some("grounded in the order record".into()),
        }]
    );
    // The record is one the ingestion API accepts as it is.
    let valid = app::domain::output::validate(vec![r.clone()], chrono::Utc::now()).unwrap();
    assert_eq!(
        valid[0].occurred_at.timestamp_nanos_opt().unwrap() as u64,
        START + 1_250_000_000
    );
    assert!(mapped.report.attributes.contains_key("resource: service.version"));
    assert!(mapped
        .report
        .attributes
        .contains_key("event: gen_ai.evaluation.result"));
}

#[test]
fn openllmetry_indexed_attributes_map_the_same_way() {
    let sent = request(
        vec![s("service.version", "v2")],
        vec![span(
            2,
            vec![
                s("llm.request.type", "chat"),
                s("gen_ai.system", "openai"),
                s("gen_ai.request.model", "gpt-4o-mini"),
                s("gen_ai.prompt.0.role", "system"),
                s("gen_ai.prompt.0.content", "Be brief."),
                s("gen_ai.prompt.1.role", "user"),
                s("gen_ai.prompt.1.content", "Where is my parcel?"),
                s("gen_ai.completion.0.role", "assistant"),
                s("gen_ai.completion.0.content", "It ships today."),
                s("gen_ai.completion.1.content", "An alternative choice."),
                kv("gen_ai.usage.prompt_tokens", Any::IntValue(12)),
                kv("gen_ai.usage.completion_tokens", Any::IntValue(4)),
            ],
            vec![],
        )],
    );
    let r = &records(&through_protobuf(&sent))[0];
    assert_eq!(r["input"], "Where is my parcel?");
    assert_eq!(r["output"], "It ships today.", "the first choice only");
    assert_eq!(r["model"], "gpt-4o-mini");
    assert_eq!(r["tokens_in"], 12);
    assert_eq!(r["tokens_out"], 4);
    assert_eq!(r["messages"].as_array().unwrap().len(), 2);
    assert_eq!(
        r["conversation_id"],
        "ab".repeat(16),
        "the trace id without a conversation id"
    );
}

#[test]
fn older_message_and_choice_events_map_the_same_way() {
    let message = KeyValueList {
        values: vec![s("role", "assistant"), s("content", "Your parcel ships today.")],
    };
    let sent = request(
        vec![],
        vec![span(
            3,
            vec![s("gen_ai.operation.name", "chat"), s("gen_ai.system", "openai")],
            vec![
                event("gen_ai.system.message", vec![s("content", "Be brief.")]),
                event("gen_ai.user.message", vec![s("content", "Where is my parcel?")]),
                event(
                    "gen_ai.choice",
                    vec![
                        kv("index", Any::IntValue(0)),
                        kv("message", Any::KvlistValue(message)),
                    ],
                ),
            ],
        )],
    );
    let r = &records(&through_protobuf(&sent))[0];
    assert_eq!(r["input"], "Where is my parcel?");
    assert_eq!(r["output"], "Your parcel ships today.");
    assert_eq!(r["messages"][0]["role"], "system");
    assert_eq!(r["version"], UNVERSIONED);

    let prompt_events = request(
        vec![],
        vec![span(
            4,
            vec![s("gen_ai.system", "openai")],
            vec![
                event(
                    "gen_ai.content.prompt",
                    vec![s("gen_ai.prompt", r#"[{"role": "user", "content": "Hi"}]"#)],
                ),
                event(
                    "gen_ai.content.completion",
                    vec![s(
                        "gen_ai.completion",
                        r#"[{"role": "assistant", "content": "Hello!"}]"#,
                    )],
                ),
            ],
        )],
    );
    let r = &records(&prompt_events)[0];
    assert_eq!(
        (r["input"].as_str(), r["output"].as_str()),
        (Some("Hi"), Some("Hello!"))
    );
}

#[test]
fn openinference_llm_spans_map_and_its_other_kinds_are_ignored() {
    let sent = request(
        vec![s("service.version", "rag-3")],
        vec![
            span(
                5,
                vec![
                    s("openinference.span.kind", "LLM"),
                    s("llm.model_name", "claude-3-5-sonnet"),
                    s("llm.input_messages.0.message.role", "user"),
                    s(
                        "llm.input_messages.0.message.content",
                        "Summarise the refund policy.",
                    ),
                    s("llm.output_messages.0.message.role", "assistant"),
                    s(
                        "llm.output_messages.0.message.contents.0.message_content.type",
                        "text",
                    ),
                    s(
                        "llm.output_messages.0.message.contents.0.message_content.text",
                        "Refunds within 30 days.",
                    ),
                    kv("llm.token_count.prompt", Any::IntValue(20)),
                    kv("llm.token_count.completion", Any::IntValue(6)),
                    s("session.id", "sess-9"),
                    s("user.id", "u-77"),
                ],
                vec![],
            ),
            span(6, vec![s("openinference.span.kind", "RETRIEVER")], vec![]),
        ],
    );
    let mapped = map(&through_protobuf(&sent), &Mapping::default());
    assert_eq!(mapped.spans.len(), 1);
    let r = &mapped.spans[0].record;
    assert_eq!(r["input"], "Summarise the refund policy.");
    assert_eq!(r["output"], "Refunds within 30 days.");
    assert_eq!(r["model"], "claude-3-5-sonnet");
    assert_eq!(r["conversation_id"], "sess-9");
    assert_eq!(r["user"], "u-77", "the end user, for A/B tests");
    assert_eq!(
        (r["tokens_in"].as_i64(), r["tokens_out"].as_i64()),
        (Some(20), Some(6))
    );
    assert_eq!(
        mapped.report.ignored["OpenInference span of kind 'RETRIEVER' (not an LLM call)"],
        1
    );
}

#[test]
fn other_spans_are_ignored_by_reason_and_generations_without_a_reply_are_refused() {
    let sent = request(
        vec![],
        vec![
            span(7, vec![s("http.method", "GET")], vec![]),
            span(8, vec![s("gen_ai.operation.name", "embeddings")], vec![]),
            span(
                9,
                vec![
                    s("gen_ai.operation.name", "chat"),
                    s("gen_ai.input.messages", "[]"),
                ],
                vec![],
            ),
            span(10, vec![s("db.system", "postgresql")], vec![]),
        ],
    );
    let mapped = map(&sent, &Mapping::default());
    assert!(mapped.spans.is_empty());
    assert_eq!(mapped.report.spans, 4);
    assert_eq!(mapped.report.ignored["not a GenAI span"], 2);
    assert_eq!(
        mapped.report.ignored["GenAI operation 'embeddings' (not a generation)"],
        1
    );
    assert_eq!(mapped.report.rejected, 1);
    assert!(
        mapped.report.problems[0].starts_with("span 0000000000000009 (chat gpt-4o): no reply found"),
        "{:?}",
        mapped.report.problems
    );
    assert_eq!(mapped.report.attributes["http.method"], 1);
}

#[test]
fn a_project_mapping_chooses_the_version_attribute_and_the_segments() {
    let sent = request(
        vec![s("service.version", "v1"), s("deployment.release", "2026-12-rc1")],
        vec![span(
            11,
            vec![
                s("gen_ai.operation.name", "chat"),
                s(
                    "gen_ai.input.messages",
                    r#"[{"role": "user", "content": "Hallo"}]"#,
                ),
                s(
                    "gen_ai.output.messages",
                    r#"[{"role": "assistant", "content": "Guten Tag"}]"#,
                ),
                s("app.customer", "acme"),
            ],
            vec![],
        )],
    );
    let mapping = Mapping::parse("deployment.release", "app.customer = customer").unwrap();
    let r = &map(&sent, &mapping).spans[0].record;
    assert_eq!(r["version"], "2026-12-rc1");
    assert_eq!(r["metadata"]["customer"], "acme");
    assert!(r["metadata"].get("language").is_none());
    assert_eq!(r["output"], "Guten Tag", "a message's content may be plain text");
}

#[test]
fn the_json_encoding_with_hex_ids_and_string_numbers_decodes() {
    let body = json!({"resourceSpans": [{
        "resource": {"attributes": [{"key": "service.version", "value": {"stringValue": "v9"}}]},
        "scopeSpans": [{"scope": {"name": "test"}, "spans": [{
            "traceId": "5b8efff798038103d269b633813fc60c",
            "spanId": "eee19b7ec3c1b174",
            "name": "chat",
            "kind": 3,
            "startTimeUnixNano": "1780000000000000000",
            "endTimeUnixNano": "1780000000400000000",
            "attributes": [
                {"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}},
                {"key": "gen_ai.usage.input_tokens", "value": {"intValue": "17"}},
                {"key": "gen_ai.input.messages", "value": {"stringValue": "[{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":\"Hi\"}]}]"}},
                {"key": "gen_ai.output.messages", "value": {"stringValue": "[{\"role\":\"assistant\",\"parts\":[{\"type\":\"text\",\"content\":\"Hello\"}]}]"}}
            ],
            "events": [{"name": "gen_ai.evaluation.result", "timeUnixNano": "1780000000400000000", "attributes": [
                {"key": "gen_ai.evaluation.name", "value": {"stringValue": "relevance"}},
                {"key": "gen_ai.evaluation.score.label", "value": {"stringValue": "relevant"}}
            ]}]
        }]}]
    }]});
    let (request, encoding) = decode(&headers("application/json"), body.to_string().as_bytes()).unwrap();
    assert_eq!(encoding, Encoding::Json);
    let mapped = map(&request, &Mapping::default());
    let one = &mapped.spans[0];
    assert_eq!(one.span_id, "eee19b7ec3c1b174");
    assert_eq!(
        one.record["metadata"]["trace_id"],
        "5b8efff798038103d269b633813fc60c"
    );
    assert_eq!(one.record["tokens_in"], 17);
    assert_eq!(one.record["latency_ms"], 400);
    assert_eq!(one.record["version"], "v9");
    assert_eq!(one.evaluations[0].label.as_deref(), Some("relevant"));
    assert_eq!(one.evaluations[0].value, None);
}

#[test]
fn gzip_bodies_are_read_and_bad_bodies_are_named() {
    use std::io::Write;
    let sent = request(
        vec![],
        vec![span(12, vec![s("gen_ai.operation.name", "chat")], vec![])],
    );
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gzip.write_all(&sent.encode_to_vec()).unwrap();
    let mut zipped = headers("application/x-protobuf");
    zipped.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    let (decoded, _) = decode(&zipped, &gzip.finish().unwrap()).unwrap();
    assert_eq!(decoded, sent);

    let failure = decode(&zipped, b"not gzip").unwrap_err();
    assert_eq!(failure.status, StatusCode::BAD_REQUEST);
    assert!(failure.message.contains("gzip"), "{}", failure.message);
    let failure = decode(&headers("text/plain"), b"{}").unwrap_err();
    assert_eq!(failure.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let failure = decode(&headers("application/json"), b"{\"resourceSpans\": 3}").unwrap_err();
    assert_eq!(
        (failure.status, failure.encoding),
        (StatusCode::BAD_REQUEST, Encoding::Json)
    );
    assert!(failure.message.contains("JSON"), "{}", failure.message);
    // Found by schemathesis: serde reads a message written as an array, OTLP JSON does not.
    let failure = decode(&headers("application/json"), b"{\"resourceSpans\": [[null, []]]}").unwrap_err();
    assert!(failure.message.contains("list of objects"), "{}", failure.message);
    let failure = decode(&headers("application/x-protobuf"), &[0xff, 0xff, 0xff]).unwrap_err();
    assert_eq!(
        (failure.status, failure.encoding),
        (StatusCode::BAD_REQUEST, Encoding::Protobuf)
    );
}
