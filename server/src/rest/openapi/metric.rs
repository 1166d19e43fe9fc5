//! The metric document's schema — the body of `POST`/`PUT …/metrics` and the fields of every
//! metric answered — with one branch per scorer kind and its parameters, and the rules across
//! fields that JSON Schema can state (which scorers suit a paradigm, and a real-time cadence).
//!
//! The schema is the API's canonical spelling: names of choices in lower case, amounts such as
//! "2.50", dates as YYYY-MM-DD. (Metrics-as-code files are read more loosely; see
//! `app::domain::metric::document`.)

use super::text::{json_object, non_blank, text};
use app::domain::feedback::MAX_CATEGORIES;
use app::domain::metric::scorer::{MAX_PATTERN, MAX_WORDS, MODELLED_LANGUAGES};
use app::domain::metric::MAX_TAGS;
use serde_json::{json, Value};

/// Kinds scored by people.
const PEOPLE: [&str; 2] = ["human", "user_feedback"];
/// Kinds Vernier scores itself within microseconds: the only ones a real-time metric may use.
const BUILT_IN: [&str; 12] = [
    "exact_match",
    "contains",
    "not_contains",
    "regex",
    "length",
    "valid_json",
    "json_schema",
    "language_match",
    "lexical_similarity",
    "retrieval",
    "moderation",
    "consistency",
];

fn u32_schema(minimum: u32) -> Value {
    json!({"type": "integer", "minimum": minimum, "maximum": u32::MAX})
}

fn flag() -> Value {
    json!({"type": "boolean"})
}

fn nullable(mut schema: Value) -> Value {
    if let Some(kind) = schema.get("type").and_then(Value::as_str).map(str::to_owned) {
        schema["type"] = json!([kind, "null"]);
    }
    schema
}

/// A word list: 1 to 1,000 words of at most 200 characters, at least one not blank.
fn words() -> Value {
    json!({"type": "array", "minItems": 1, "maxItems": MAX_WORDS, "items": text(Some(200)), "contains": non_blank(None)})
}

/// A regular expression in Rust's `regex` syntax (it must compile: not stated here).
fn pattern(description: &str) -> Value {
    let mut schema = text(Some(MAX_PATTERN));
    schema["minLength"] = 1.into();
    schema["description"] = description.into();
    schema
}

/// One scorer kind: `{"kind": name, …parameters}`; `required` parameters besides the kind.
fn kind(name: &str, description: &str, parameters: Value, required: &[&str]) -> Value {
    let mut properties = parameters;
    properties["kind"] = json!({"const": name});
    let mut all_required = vec!["kind"];
    all_required.extend_from_slice(required);
    json!({"title": name, "description": description, "type": "object", "additionalProperties": false,
           "required": all_required, "properties": properties})
}

fn scale() -> Value {
    json!({"oneOf": [
        {"type": "object", "additionalProperties": false, "required": ["type"], "properties": {"type": {"const": "thumbs"}}},
        {"type": "object", "additionalProperties": false, "required": ["type"], "properties": {
            "type": {"const": "stars"}, "max": {"type": "integer", "minimum": 2, "maximum": 10, "default": 5}}},
        {"type": "object", "additionalProperties": false, "required": ["type", "names"], "properties": {
            "type": {"const": "categories"},
            "names": {"type": "array", "minItems": 2, "maxItems": MAX_CATEGORIES, "uniqueItems": true, "items": non_blank(Some(60)),
                "description": "The categories, worst first; valued by position."}}}
    ]})
}

/// Every scorer kind with its parameters.
pub fn scorer() -> Value {
    let length_bound = nullable(u32_schema(0));
    json!({"description": "A scorer kind and its parameters, e.g. {\"kind\": \"not_contains\", \"words\": [\"delve\"]}.",
        "oneOf": [
        kind("exact_match", "The reply equals the expected output.", json!({"ignore_case": flag(), "trim": flag()}), &[]),
        kind("contains", "The reply contains any (or all) of the words.",
            json!({"words": words(), "require_all": flag(), "case_sensitive": flag(), "whole_words": flag()}), &["words"]),
        kind("not_contains", "The reply contains none of the words.",
            json!({"words": words(), "case_sensitive": flag(), "whole_words": flag()}), &["words"]),
        kind("regex", "The reply matches (or must not match) a regular expression.",
            json!({"pattern": pattern("Rust regex syntax; it must compile."), "must_match": flag()}), &["pattern"]),
        {"allOf": [
            kind("length", "The reply's length is within bounds (min, max or both).",
                json!({"unit": {"enum": ["chars", "words"]}, "min": length_bound, "max": length_bound}), &["unit"]),
            {"anyOf": [{"required": ["min"], "properties": {"min": {"type": "integer"}}},
                       {"required": ["max"], "properties": {"max": {"type": "integer"}}}]}
        ]},
        kind("valid_json", "The reply is valid JSON.", json!({}), &[]),
        kind("json_schema", "The reply is JSON conforming to a schema.", json!({"schema": {"anyOf": [{"type": "boolean"}, json_object()]}}), &["schema"]),
        kind("language_match", "The reply's language is the expected one (a metadata key, else the conversation's).", json!({
            "expected_key": nullable(text(None)), "min_chars": u32_schema(0),
            "min_confidence": {"type": "number", "minimum": 0, "maximum": 1},
            "languages": {"type": "array", "maxItems": MODELLED_LANGUAGES.len(), "uniqueItems": true, "items": {"enum": MODELLED_LANGUAGES}}
        }), &[]),
        kind("lexical_similarity", "Similarity to the expected output.",
            json!({"measure": {"enum": ["token_f1", "rouge_l", "bleu"]}}), &["measure"]),
        kind("retrieval", "Ranking quality of the retrieved documents at k.",
            json!({"measure": {"enum": ["precision", "recall", "mrr", "ndcg"]}, "k": {"type": "integer", "minimum": 1, "maximum": 1000}}), &["measure", "k"]),
        kind("moderation", "The reply uses no word of a moderation list.", json!({"words": words()}), &["words"]),
        kind("consistency", "Agreement among repeated samples of one input.", json!({"min_samples": u32_schema(2)}), &[]),
        kind("llm_judge", "An LLM judge with a rubric prompt, through the project's endpoint.", json!({
            "rubric_prompt": non_blank(Some(20_000)), "model": nullable(text(Some(200))),
            "temperature": {"type": "number", "minimum": 0, "maximum": 2},
            "score_pattern": nullable(pattern("A regular expression whose first group is the score."))
        }), &["rubric_prompt"]),
        kind("embedding_similarity", "Cosine similarity of embeddings of the reply and the expected output.",
            json!({"model": nullable(text(Some(200)))}), &[]),
        kind("human", "People rate outputs against a rubric in annotation queues.",
            json!({"rubric_id": {"type": ["integer", "null"], "minimum": 1, "maximum": i64::MAX}}), &[]),
        kind("user_feedback", "End users' feedback through the feedback API.",
            json!({"scale": scale(), "combine": {"enum": ["latest", "mean"]}}), &["scale"]),
        kind("external", "Scores computed outside Vernier and reported with each output.",
            json!({"pass_labels": {"type": "array", "maxItems": 100, "items": non_blank(Some(100))}}), &[]),
        kind("hybrid", "A weighted combination of a human metric's label and an automated metric's score.", json!({
            "human": non_blank(Some(64)), "automated": non_blank(Some(64)),
            "human_weight": {"type": "number", "minimum": 0, "maximum": 1},
            "automated_scale": {"type": "number", "exclusiveMinimum": 0}
        }), &["human", "automated"])
    ]})
}

/// `if paradigm/cadence is value then the scorer's kind is (not) one of kinds`.
fn rule(field: &str, value: &str, kinds: &[&str], allowed: bool) -> Value {
    let kind = if allowed {
        json!({"enum": kinds})
    } else {
        json!({"not": {"enum": kinds}})
    };
    json!({"if": {"required": [field], "properties": {field: {"const": value}}},
           "then": {"properties": {"scorer": {"properties": {"kind": kind}}}}})
}

/// A metric as answered: the document and its lifecycle.
pub fn metric() -> Value {
    let mut metric = document();
    metric["description"] = "A metric: its document, its status and who owns it.".into();
    metric["properties"]["status"] = json!({"enum": ["draft", "active", "retired"]});
    metric["properties"]["status_reason"] = json!({"type": "string"});
    metric["properties"]["owner_name"] = json!({"type": "string"});
    metric["properties"]["created_at"] = json!({"type": "string", "format": "date-time"});
    metric["properties"]["updated_at"] = json!({"type": "string", "format": "date-time"});
    metric
}

/// The metric document.
pub fn document() -> Value {
    let money = "^\\$?[0-9]{1,3}(,?[0-9]{3}){0,2}(\\.[0-9]{1,6})?$";
    let mut people_or_hybrid = PEOPLE.to_vec();
    people_or_hybrid.push("hybrid");
    json!({
        "type": "object", "additionalProperties": false,
        "required": ["key", "name", "question", "paradigm", "category", "cadence", "action_on_failure",
                     "scorer", "pass_rule", "stage", "owner", "cost_per_failure", "review_date"],
        "description": "A metric as the API takes and answers it. Human-centric metrics are scored by people (kind human or user_feedback), model-centric ones by code or models (not people, not hybrid); a real-time metric needs a built-in scorer.",
        "allOf": [
            rule("paradigm", "human", &PEOPLE, true),
            rule("paradigm", "model", &people_or_hybrid, false),
            rule("cadence", "real-time", &BUILT_IN, true)
        ],
        "properties": {
            "key": {"type": "string", "pattern": "^(?!new$)[a-z0-9][a-z0-9_-]{0,62}[a-z0-9]$",
                    "description": "2 to 64 of a-z, 0-9, '-' and '_', starting and ending with a letter or digit; unique in the project ('new' is reserved)."},
            "name": non_blank(Some(120)), "description": text(Some(4000)), "question": non_blank(Some(1000)),
            "paradigm": {"enum": ["human", "model", "hybrid"]},
            "category": {"enum": ["quality", "safety", "degradation", "retrieval", "format", "language", "other"]},
            "cadence": {"enum": ["real-time", "async"]},
            "action_on_failure": {"enum": ["none", "alert", "flag", "retry", "block"]},
            "scorer": scorer(),
            "pass_rule": {"type": "object", "additionalProperties": false, "required": ["threshold", "direction"], "properties": {
                "threshold": {"anyOf": [{"type": "number"}, {"type": "string", "pattern": "^-?[0-9]{1,309}(\\.[0-9]+)?$"}],
                              "description": "A score passes at or above (at_least) or at or below (at_most) it."},
                "direction": {"enum": ["at_least", "at_most"]}}},
            "stage": {"enum": ["crawl", "walk", "run"]},
            "owner": {"type": "string", "pattern": "^[a-z0-9][a-z0-9._-]{1,38}[a-z0-9]$",
                      "description": "The owner's username: a member of the project."},
            "cost_per_failure": {"type": "string", "pattern": money, "description": "Dollars, e.g. \"2.50\" or \"1,250\" (up to six decimals, below a billion)."},
            "cost_per_evaluation": {"type": "string", "pattern": format!("^$|{money}"), "description": "Dollars per evaluation; empty is 0."},
            "review_date": {"type": "string", "format": "date", "description": "When the metric must justify itself again (YYYY-MM-DD)."},
            "retirement_date": {"type": "string", "anyOf": [{"maxLength": 0}, {"format": "date"}],
                                "description": "Empty, or a date (YYYY-MM-DD) not before the review date."},
            "tags": {"type": "array", "maxItems": MAX_TAGS, "items": {"type": "string", "pattern": "^[a-z0-9]([a-z0-9_-]{0,30}[a-z0-9])?$"}}
        }
    })
}
