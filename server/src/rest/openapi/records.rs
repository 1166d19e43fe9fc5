//! Schemas of the records clients send — outputs (to ingest, or to check in real time) and end
//! users' feedback — stating exactly what `app::domain::output` and
//! `app::domain::feedback::record` enforce: a request valid here is accepted unless it names
//! something the project does not hold, and a request invalid here is refused with 422.

use super::text::{json_object, non_blank, text, WHITESPACE};
use app::domain::output::{MAX_BATCH, MAX_GRADE, MAX_TEXT};
use serde_json::{json, Map, Value};

/// `int32` as the server stores it, from `minimum`.
fn int32(minimum: i64) -> Value {
    json!({"type": "integer", "format": "int32", "minimum": minimum, "maximum": i32::MAX})
}

/// Any JSON value without a NUL character in a string or a key, however deep (PostgreSQL
/// stores no JSON with one).
fn json_value() -> Value {
    json!({"anyOf": [
        text(None),
        {"type": ["number", "boolean", "null"]},
        {"type": "array", "items": {"$ref": "#/components/schemas/JsonValue"}},
        json_object()
    ]})
}

/// The fields an output record may have (the eval fields only when `eval`).
fn output_properties(eval: bool) -> Map<String, Value> {
    let ids = json!({"type": "array", "maxItems": 1000, "items": text(None)});
    let mut properties = json!({
        "version": with_description(non_blank(Some(100)), "System version label; created on first sight."),
        "model": text(Some(200)), "prompt_hash": text(Some(200)), "version_notes": text(Some(2000)),
        "conversation_id": text(Some(200)), "turn_index": int32(0),
        "user": with_description(text(Some(200)), "The end user's pseudonymous id (as feedback and the arm call take it): A/B tests count users by it, never outputs."),
        "input": text(Some(MAX_TEXT)),
        "messages": {"type": "array", "items": {"$ref": "#/components/schemas/Message"}},
        "output": text(Some(MAX_TEXT)),
        "expected_output": text(Some(MAX_TEXT)),
        "source": {"enum": ["production", "eval", "synthetic"], "description": "Default production (eval for an eval run's output)."},
        "metadata": with_description(json_object(), "Segment metadata: language, customer, channel, any key; at most 16 KiB of JSON."),
        "retrieved_ids": ids.clone(),
        "relevant_ids": ids,
        "relevance": {
            "type": "object", "maxProperties": 1000, "propertyNames": text(None),
            "additionalProperties": {"type": "number", "minimum": 0, "maximum": MAX_GRADE},
            "description": "Graded relevance of documents by id (0–3 by convention) for NDCG with graded gains, as scikit-learn's ndcg_score computes it. An id in relevant_ids without a grade has grade 1; an id graded 0 is judged not relevant."
        },
        "latency_ms": int32(0), "tokens_in": int32(0), "tokens_out": int32(0),
        "timestamp": {"type": "string", "format": "date-time", "description": "When it happened; default now; at most a day ahead of the server's clock."},
        "external_id": with_description(text(Some(200)), "Your id; a repeated one is not stored twice.")
    });
    if eval {
        // Dataset keys: 1 to 100 of these characters once trimmed; 'compare' is no run's name.
        let key = |description: &str, reserved: &str| {
            let pattern = format!("^{reserved}[{WHITESPACE}]*[A-Za-z0-9._:-]{{1,100}}[{WHITESPACE}]*$");
            json!({"type": "string", "pattern": pattern, "description": description})
        };
        properties["dataset"] = with_description(
            non_blank(None),
            "An eval run's output: the dataset whose item it answers (with dataset_version, item_id and run).",
        );
        properties["dataset_version"] =
            with_description(int32(1), "The dataset version the run is pinned to.");
        properties["item_id"] = key(
            "The item answered; its input, expected output and language fill what the record leaves out.",
            "",
        );
        let not_compare = format!("(?![{WHITESPACE}]*compare[{WHITESPACE}]*$)");
        properties["run"] = key(
            "The run's name: created by its first output, pinned to that version ('compare' is reserved).",
            &not_compare,
        );
    }
    match properties {
        Value::Object(map) => map,
        _ => unreachable!("a literal object"),
    }
}

fn with_description(mut schema: Value, description: &str) -> Value {
    schema["description"] = description.into();
    schema
}

/// An output to ingest.
fn output_record() -> Value {
    let eval_fields = ["dataset", "dataset_version", "item_id", "run"];
    let together: Map<String, Value> = eval_fields
        .iter()
        .map(|field| {
            let others: Vec<&str> = eval_fields.iter().copied().filter(|f| f != field).collect();
            (field.to_string(), json!(others))
        })
        .collect();
    json!({
        "type": "object", "additionalProperties": false, "required": ["version", "output"],
        "description": "One logged LLM response: its input (`input`, or a non-empty `messages`) unless it is an eval run's output, which names its dataset item instead (all four of dataset, dataset_version, item_id and run) and has source eval.",
        "properties": output_properties(true),
        "dependentRequired": together,
        "anyOf": [
            {"required": ["input"]},
            {"required": ["messages"], "properties": {"messages": {"minItems": 1}}},
            {"required": ["run"]}
        ],
        "if": {"required": ["run"]},
        "then": {"properties": {"source": {"const": "eval"}}}
    })
}

/// A reply to check in real time: `version` and the input may be left out; no eval fields.
fn check_record() -> Value {
    json!({
        "type": "object", "additionalProperties": false, "required": ["output"],
        "description": "One reply to check, as an output record without the eval fields; `version` (default `unversioned`) and the input may be left out.",
        "properties": output_properties(false)
    })
}

/// One end user's answer on a feedback metric.
fn feedback_record() -> Value {
    json!({
        "type": "object", "additionalProperties": false, "required": ["metric", "value"],
        "description": "One end user's answer on a feedback metric. Give `output_id` or `external_id`, not both.",
        "oneOf": [{"required": ["output_id"]}, {"required": ["external_id"]}],
        "properties": {
            "id": with_description(text(Some(200)), "Your id of this feedback: sent again, it is a duplicate."),
            "output_id": {"type": "integer", "minimum": 1, "maximum": i64::MAX, "description": "Vernier's id of the output."},
            "external_id": with_description(non_blank(Some(200)), "Your id of the output (its `external_id`)."),
            "metric": with_description(non_blank(Some(100)), "The key of a feedback metric (scorer kind `user_feedback`)."),
            "value": {"description": "On the metric's scale: true/false or \"up\"/\"down\" for thumbs, a whole number of stars, or a category's name.",
                "oneOf": [{"type": "boolean"}, {"type": "integer", "minimum": 1}, text(None)]},
            "comment": text(Some(app::domain::feedback::record::MAX_COMMENT)),
            "user": with_description(text(Some(200)), "The end user's pseudonymous id; never shown to annotators."),
            "at": {"type": "string", "format": "date-time", "description": "When the user gave it; default now; at most 5 minutes ahead of the server's clock."}
        }
    })
}

/// The record schemas, by name.
pub fn schemas() -> Value {
    json!({
        "JsonValue": json_value(),
        "Message": {"type": "object", "additionalProperties": false, "required": ["role", "content"],
            "properties": {"role": text(None), "content": text(None)}},
        "OutputRecord": output_record(),
        "CheckRecord": check_record(),
        "FeedbackRecord": feedback_record()
    })
}

/// A batch of records (JSON array) of `schema`.
pub fn batch(schema: &str) -> Value {
    json!({"type": "array", "minItems": 1, "maxItems": MAX_BATCH, "items": {"$ref": format!("#/components/schemas/{schema}")}})
}
