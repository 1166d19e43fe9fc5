//! Spans to outputs: which spans are GenAI generations, and the output record (in the ingestion
//! API's shape) and reported evaluations each becomes. Pure: no I/O.

use super::attributes::{shape, Attributes};
use super::messages::{conversation, EventView};
use app::domain::otlp::{BatchReport, Mapping};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::trace::v1::Span;
use serde_json::{json, Map, Value};

/// Operations that generate a reply.
const GENERATIONS: [&str; 4] = ["chat", "text_completion", "generate_content", "completion"];
/// The version recorded when the spans name none.
pub const UNVERSIONED: &str = "unversioned";
/// Most distinct attribute names a batch report lists.
const MAX_ATTRIBUTE_NAMES: usize = 300;

/// An evaluation computed elsewhere (`gen_ai.evaluation.result`).
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// The metric key it is stored under.
    pub name: String,
    pub value: Option<f64>,
    pub label: Option<String>,
    pub explanation: Option<String>,
}

/// A GenAI span as an output record for [`app::domain::output::validate`].
#[derive(Debug, Clone, PartialEq)]
pub struct MappedSpan {
    /// The span id, hex: also the output's external id.
    pub span_id: String,
    pub record: Value,
    pub evaluations: Vec<Evaluation>,
}

/// A request's outputs, and what happened to every span.
#[derive(Debug, Default)]
pub struct Mapped {
    pub spans: Vec<MappedSpan>,
    pub report: BatchReport,
}

/// Maps every span of the request; see the module documentation.
pub fn map(request: &ExportTraceServiceRequest, mapping: &Mapping) -> Mapped {
    let mut mapped = Mapped::default();
    for resource_spans in &request.resource_spans {
        let resource = Attributes::of(
            resource_spans
                .resource
                .as_ref()
                .map_or(&[][..], |r| r.attributes.as_slice()),
        );
        for span in resource_spans.scope_spans.iter().flat_map(|s| &s.spans) {
            mapped.report.spans += 1;
            let attributes = Attributes::of(&span.attributes);
            see_attributes(&mut mapped.report, &resource, &attributes, span);
            match one(span, &attributes, &resource, mapping) {
                Ok(one) => mapped.spans.push(one),
                Err(Skipped::Ignored(reason)) => mapped.report.ignore(reason),
                Err(Skipped::Rejected(problem)) => mapped.report.reject(format!(
                    "span {} ({}): {problem}",
                    hex::encode(&span.span_id),
                    span.name
                )),
            }
        }
    }
    mapped
}

enum Skipped {
    /// Not an output: counted by reason, not refused.
    Ignored(String),
    /// A GenAI generation that cannot be stored: refused (partial success).
    Rejected(String),
}

fn one(
    span: &Span,
    attributes: &Attributes,
    resource: &Attributes,
    mapping: &Mapping,
) -> Result<MappedSpan, Skipped> {
    let operation = attributes
        .text("gen_ai.operation.name")
        .or_else(|| attributes.text("llm.request.type"));
    let openinference = attributes.text("openinference.span.kind");
    let genai = operation.is_some()
        || openinference.is_some()
        || ["gen_ai.system", "gen_ai.provider.name", "gen_ai.request.model"]
            .iter()
            .any(|key| attributes.get(key).is_some());
    if !genai {
        return Err(Skipped::Ignored("not a GenAI span".into()));
    }
    if let Some(kind) = openinference
        .as_deref()
        .filter(|k| !k.eq_ignore_ascii_case("llm"))
    {
        return Err(Skipped::Ignored(format!(
            "OpenInference span of kind '{kind}' (not an LLM call)"
        )));
    }
    if let Some(operation) = operation.as_deref().filter(|op| !GENERATIONS.contains(op)) {
        return Err(Skipped::Ignored(format!(
            "GenAI operation '{operation}' (not a generation)"
        )));
    }
    let events: Vec<EventView<'_>> = span
        .events
        .iter()
        .map(|event| EventView {
            name: &event.name,
            attributes: Attributes::of(&event.attributes),
        })
        .collect();
    let talk = conversation(attributes, &events);
    if span.span_id.is_empty() || span.span_id.iter().all(|b| *b == 0) {
        return Err(Skipped::Rejected("the span has no span id".into()));
    }
    let reply: Vec<&str> = talk.output.iter().map(|m| m.content.as_str()).collect();
    if reply.is_empty() {
        return Err(Skipped::Rejected(
            "no reply found (gen_ai.output.messages, gen_ai.completion.*, llm.output_messages.*, or a gen_ai.choice event)"
                .into(),
        ));
    }
    let span_id = hex::encode(&span.span_id);
    let trace_id = hex::encode(&span.trace_id);
    let either = |key: &str| attributes.text(key).or_else(|| resource.text(key));
    let mut record = Map::new();
    record.insert(
        "version".into(),
        either(&mapping.version_attribute)
            .unwrap_or_else(|| UNVERSIONED.to_owned())
            .into(),
    );
    if let Some(model) = ["gen_ai.response.model", "gen_ai.request.model", "llm.model_name"]
        .iter()
        .find_map(|key| attributes.text(key))
    {
        record.insert("model".into(), model.into());
    }
    let conversation_id = ["gen_ai.conversation.id", "session.id"]
        .iter()
        .find_map(|key| attributes.text(key))
        .unwrap_or_else(|| trace_id.clone());
    record.insert("conversation_id".into(), conversation_id.into());
    // The end user: OpenTelemetry's `user.id` (formerly `enduser.id`).
    if let Some(user) = ["user.id", "enduser.id"]
        .iter()
        .find_map(|key| attributes.text(key).or_else(|| resource.text(key)))
    {
        record.insert("user".into(), user.into());
    }
    let last_user = talk
        .input
        .iter()
        .rev()
        .find(|m| m.role == "user")
        .or_else(|| talk.input.last());
    if let Some(input) = last_user {
        record.insert("input".into(), input.content.clone().into());
    }
    if !talk.input.is_empty() {
        record.insert("messages".into(), json!(talk.input));
    }
    record.insert("output".into(), reply.join("\n").into());
    for (field, keys) in [
        (
            "tokens_in",
            [
                "gen_ai.usage.input_tokens",
                "gen_ai.usage.prompt_tokens",
                "llm.token_count.prompt",
            ],
        ),
        (
            "tokens_out",
            [
                "gen_ai.usage.output_tokens",
                "gen_ai.usage.completion_tokens",
                "llm.token_count.completion",
            ],
        ),
    ] {
        if let Some(count) = keys.iter().find_map(|key| attributes.integer(key)) {
            record.insert(field.into(), count.clamp(0, i64::from(i32::MAX)).into());
        }
    }
    let (start, end) = (span.start_time_unix_nano, span.end_time_unix_nano);
    if start > 0 && end >= start {
        let millis = (end - start) / 1_000_000;
        record.insert("latency_ms".into(), millis.min(i32::MAX as u64).into());
    }
    let at = if end > 0 { end } else { start };
    if at > 0 {
        let time = chrono::DateTime::from_timestamp_nanos(at.min(i64::MAX as u64) as i64);
        record.insert("timestamp".into(), time.to_rfc3339().into());
    }
    record.insert("external_id".into(), span_id.clone().into());
    let mut metadata = Map::new();
    for (attribute, key) in &mapping.segments {
        if let Some(value) = either(attribute) {
            metadata.insert(key.clone(), value.into());
        }
    }
    metadata.insert("trace_id".into(), trace_id.into());
    record.insert("metadata".into(), metadata.into());
    Ok(MappedSpan {
        span_id,
        record: Value::Object(record),
        evaluations: evaluations(&events),
    })
}

/// The span's `gen_ai.evaluation.result` events that name an evaluation.
fn evaluations(events: &[EventView<'_>]) -> Vec<Evaluation> {
    events
        .iter()
        .filter(|event| event.name == "gen_ai.evaluation.result")
        .map(|event| {
            let a = &event.attributes;
            Evaluation {
                name: a.text("gen_ai.evaluation.name").unwrap_or_default(),
                value: a
                    .number("gen_ai.evaluation.score.value")
                    .filter(|v| v.is_finite()),
                label: a.text("gen_ai.evaluation.score.label"),
                explanation: a.text("gen_ai.evaluation.explanation"),
            }
        })
        .collect()
}

/// Counts the attribute names on the span and its resource (and its events' names), once per
/// span, in their shape; the list is bounded.
fn see_attributes(report: &mut BatchReport, resource: &Attributes, span: &Attributes, raw: &Span) {
    let mut names: std::collections::BTreeSet<String> = resource
        .0
        .keys()
        .map(|k| format!("resource: {}", shape(k)))
        .chain(span.0.keys().map(|k| shape(k)))
        .collect();
    names.extend(raw.events.iter().map(|e| format!("event: {}", e.name)));
    for name in names {
        if report.attributes.len() >= MAX_ATTRIBUTE_NAMES && !report.attributes.contains_key(&name) {
            continue;
        }
        *report.attributes.entry(name).or_default() += 1;
    }
}
