//! Logged LLM outputs as clients send them, validated record by record.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Most records in one request.
pub const MAX_BATCH: usize = 1_000;
/// Longest output, input or expected output, in characters.
pub const MAX_TEXT: usize = 200_000;

/// The highest relevance grade accepted (graded relevance is usually 0–3).
pub const MAX_GRADE: f64 = 100.0;

/// One conversation turn.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Message {
    pub role: String,
    pub content: String,
}

/// One record as sent: everything optional here, so that validation can name each problem.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputRecord {
    pub version: Option<String>,
    pub model: Option<String>,
    pub prompt_hash: Option<String>,
    pub version_notes: Option<String>,
    pub conversation_id: Option<String>,
    pub turn_index: Option<i32>,
    /// The end user's pseudonymous id (A/B tests count users by it).
    pub user: Option<String>,
    pub input: Option<String>,
    pub messages: Option<Vec<Message>>,
    pub output: Option<String>,
    pub expected_output: Option<String>,
    pub source: Option<String>,
    pub metadata: Option<Map<String, Value>>,
    pub retrieved_ids: Option<Vec<String>>,
    pub relevant_ids: Option<Vec<String>>,
    /// Relevance grades of documents (id → grade, 0 to 100; 0–3 by convention), for NDCG
    /// with graded gains. A document in `relevant_ids` without a grade has grade 1.
    pub relevance: Option<BTreeMap<String, f64>>,
    pub latency_ms: Option<i32>,
    pub tokens_in: Option<i32>,
    pub tokens_out: Option<i32>,
    pub timestamp: Option<DateTime<Utc>>,
    pub external_id: Option<String>,
    /// An eval run's output names the dataset, its version and the item it answers, and the
    /// run (all four, or none).
    pub dataset: Option<String>,
    pub dataset_version: Option<i32>,
    pub item_id: Option<String>,
    pub run: Option<String>,
}

/// Which dataset item an eval run's output answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvalRef {
    pub dataset: String,
    pub version: i32,
    pub item_id: String,
    pub run: String,
    /// The run's and the item's ids, once resolved against the project.
    pub ids: Option<(i64, i64)>,
}

/// A validated output, ready to store (and, for a recorded check waiting in the journal, to
/// write to a file and read back).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewOutput {
    pub version: String,
    pub model: Option<String>,
    pub prompt_hash: Option<String>,
    pub version_notes: Option<String>,
    pub conversation_id: Option<String>,
    pub turn_index: Option<i32>,
    /// The end user's pseudonymous id.
    #[serde(default)]
    pub user: Option<String>,
    pub input: Option<String>,
    pub messages: Option<Vec<Message>>,
    pub output: String,
    pub expected_output: Option<String>,
    pub source: String,
    pub metadata: Map<String, Value>,
    pub retrieved_ids: Vec<String>,
    pub relevant_ids: Vec<String>,
    /// Relevance grades by document id (empty: binary relevance from `relevant_ids`).
    pub relevance: BTreeMap<String, f64>,
    pub latency_ms: Option<i32>,
    pub tokens_in: Option<i32>,
    pub tokens_out: Option<i32>,
    pub occurred_at: DateTime<Utc>,
    pub external_id: Option<String>,
    pub eval: Option<EvalRef>,
}

impl NewOutput {
    /// The user's turns, for scorers that look at the conversation.
    pub fn user_messages(&self) -> Vec<String> {
        match (&self.messages, &self.input) {
            (Some(messages), _) => messages
                .iter()
                .filter(|m| m.role == "user")
                .map(|m| m.content.clone())
                .collect(),
            (None, Some(input)) => vec![input.clone()],
            (None, None) => Vec::new(),
        }
    }
}

/// A problem with one record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordError {
    pub index: usize,
    pub field: String,
    pub message: String,
}

/// The record's first field holding a NUL character anywhere (in a string or a key, however
/// deep): PostgreSQL stores neither text nor JSON with one. `None` when there is none.
pub fn field_with_nul(record: &Value) -> Option<String> {
    fn has_nul(value: &Value) -> bool {
        match value {
            Value::String(text) => text.contains('\0'),
            Value::Array(items) => items.iter().any(has_nul),
            Value::Object(fields) => fields
                .iter()
                .any(|(key, value)| key.contains('\0') || has_nul(value)),
            _ => false,
        }
    }
    match record {
        Value::Object(fields) => fields
            .iter()
            .find(|(key, value)| key.contains('\0') || has_nul(value))
            .map(|(key, _)| {
                if key.is_empty() || key.contains('\0') {
                    "record".into()
                } else {
                    key.clone()
                }
            }),
        other => has_nul(other).then(|| "record".into()),
    }
}

/// Validates a batch given as JSON values; every problem of every record is returned.
#[cfg(feature = "ssr")]
pub fn validate(values: Vec<Value>, now: DateTime<Utc>) -> Result<Vec<NewOutput>, Vec<RecordError>> {
    let mut outputs = Vec::with_capacity(values.len());
    let mut errors = Vec::new();
    let mut seen_ids = std::collections::HashMap::new();
    for (index, value) in values.into_iter().enumerate() {
        if let Some(field) = field_with_nul(&value) {
            errors.push(RecordError {
                index,
                field,
                message: "must not contain NUL characters (U+0000)".into(),
            });
            continue;
        }
        let record: OutputRecord = match serde_path_to_error::deserialize(value) {
            Ok(record) => record,
            Err(error) => {
                let field = error.path().to_string();
                errors.push(RecordError {
                    index,
                    // A problem with the record as a whole, or with a key that has no name
                    // (`""`), is reported on the record; the message names the key.
                    field: if field == "." || field.is_empty() {
                        "record".into()
                    } else {
                        field
                    },
                    message: error.into_inner().to_string(),
                });
                continue;
            }
        };
        let before = errors.len();
        let output = check(index, record, now, &mut errors);
        if let Some(id) = output.as_ref().and_then(|o| o.external_id.clone()) {
            if let Some(first) = seen_ids.insert(id, index) {
                errors.push(RecordError {
                    index,
                    field: "external_id".into(),
                    message: format!("repeats record {first} of this batch"),
                });
            }
        }
        if errors.len() == before {
            outputs.extend(output);
        }
    }
    if errors.is_empty() {
        Ok(outputs)
    } else {
        Err(errors)
    }
}

#[cfg(feature = "ssr")]
fn check(
    index: usize,
    r: OutputRecord,
    now: DateTime<Utc>,
    errors: &mut Vec<RecordError>,
) -> Option<NewOutput> {
    let mut fail = |field: &str, message: String| {
        errors.push(RecordError {
            index,
            field: field.into(),
            message,
        })
    };
    let short = |field: &str, value: Option<String>, max: usize, fail: &mut dyn FnMut(&str, String)| {
        crate::domain::text::record_text(value, max).unwrap_or_else(|message| {
            fail(field, message);
            None
        })
    };
    let eval = eval_ref(&r, &mut fail);
    let version = short("version", r.version, 100, &mut fail);
    if version.is_none() {
        fail(
            "version",
            "is required: the label of the system version that produced the output".into(),
        );
    }
    let long = |field: &str, value: Option<String>, fail: &mut dyn FnMut(&str, String)| match value {
        Some(v) if v.chars().count() > MAX_TEXT => {
            fail(field, format!("must be at most {MAX_TEXT} characters"));
            None
        }
        other => other,
    };
    let output = match r.output {
        None => {
            fail("output", "is required".into());
            None
        }
        output => long("output", output, &mut fail),
    };
    // An eval run's output may leave the input to its dataset item.
    let names_item =
        r.dataset.is_some() || r.dataset_version.is_some() || r.item_id.is_some() || r.run.is_some();
    if !names_item && r.input.is_none() && r.messages.as_ref().is_none_or(Vec::is_empty) {
        fail("input", "give the input or the conversation's messages".into());
    }
    let source = r
        .source
        .clone()
        .unwrap_or_else(|| if eval.is_some() { "eval" } else { "production" }.into());
    if !["production", "eval", "synthetic"].contains(&source.as_str()) {
        fail(
            "source",
            format!("'{source}' is not one of: production, eval, synthetic"),
        );
    } else if eval.is_some() && source != "eval" {
        fail("source", "an eval run's output has source 'eval'".into());
    }
    for (field, value) in [
        ("turn_index", r.turn_index),
        ("latency_ms", r.latency_ms),
        ("tokens_in", r.tokens_in),
        ("tokens_out", r.tokens_out),
    ] {
        if value.is_some_and(|v| v < 0) {
            fail(field, "must not be negative".into());
        }
    }
    for (field, ids) in [
        ("retrieved_ids", &r.retrieved_ids),
        ("relevant_ids", &r.relevant_ids),
    ] {
        if ids.as_ref().is_some_and(|ids| ids.len() > 1000) {
            fail(field, "at most 1000 ids".into());
        }
    }
    if let Some(relevance) = &r.relevance {
        if relevance.len() > 1000 {
            fail("relevance", "at most 1000 graded ids".into());
        }
        if let Some((id, grade)) = relevance.iter().find(|(_, g)| !(0.0..=MAX_GRADE).contains(*g)) {
            fail(
                "relevance",
                format!("the grade of '{id}' is {grade}; grades are numbers from 0 to {MAX_GRADE}"),
            );
        }
    }
    let metadata = r.metadata.unwrap_or_default();
    if serde_json::to_string(&metadata).map_or(0, |s| s.len()) > 16 * 1024 {
        fail("metadata", "must be at most 16 KiB of JSON".into());
    }
    let occurred_at = r.timestamp.unwrap_or(now);
    if occurred_at > now + chrono::Duration::days(1) {
        fail("timestamp", "is more than a day in the future".into());
    }
    let external_id = short("external_id", r.external_id, 200, &mut fail);
    let conversation_id = short("conversation_id", r.conversation_id, 200, &mut fail);
    let user = short("user", r.user, 200, &mut fail);
    let model = short("model", r.model, 200, &mut fail);
    let prompt_hash = short("prompt_hash", r.prompt_hash, 200, &mut fail);
    let version_notes = short("version_notes", r.version_notes, 2000, &mut fail);
    let input = long("input", r.input, &mut fail);
    let expected_output = long("expected_output", r.expected_output, &mut fail);
    Some(NewOutput {
        version: version?,
        model,
        prompt_hash,
        version_notes,
        conversation_id,
        turn_index: r.turn_index,
        user,
        input,
        messages: r.messages,
        output: output?,
        expected_output,
        source,
        metadata,
        retrieved_ids: r.retrieved_ids.unwrap_or_default(),
        relevant_ids: r.relevant_ids.unwrap_or_default(),
        relevance: r.relevance.unwrap_or_default(),
        latency_ms: r.latency_ms,
        tokens_in: r.tokens_in,
        tokens_out: r.tokens_out,
        occurred_at,
        external_id,
        eval,
    })
}

/// The record's eval reference: all four fields, or none (each missing one is named).
#[cfg(feature = "ssr")]
fn eval_ref(r: &OutputRecord, fail: &mut dyn FnMut(&str, String)) -> Option<EvalRef> {
    let named = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let (dataset, item_id, run) = (named(&r.dataset), named(&r.item_id), named(&r.run));
    // A field that is present names an eval run's output, even blank (and then is missing).
    if r.dataset.is_none() && r.dataset_version.is_none() && r.item_id.is_none() && r.run.is_none() {
        return None;
    }
    let mut missing = false;
    for (field, given) in [
        ("dataset", dataset.is_some()),
        ("dataset_version", r.dataset_version.is_some()),
        ("item_id", item_id.is_some()),
        ("run", run.is_some()),
    ] {
        if !given {
            fail(
                field,
                "an eval run's output names the dataset, dataset_version, item_id and run".into(),
            );
            missing = true;
        }
    }
    if r.dataset_version.is_some_and(|v| v < 1) {
        fail("dataset_version", "versions are numbered from 1".into());
        missing = true;
    }
    // Run names and item ids appear in addresses: the dataset's id rules, and `compare` is the
    // comparison's own address.
    for (field, value) in [("run", &run), ("item_id", &item_id)] {
        if let Some(Err(crate::error::AppError::Validation { message, .. })) =
            value.as_deref().map(|v| crate::domain::text::item_key(field, v))
        {
            fail(field, message);
            missing = true;
        }
    }
    if run.as_deref() == Some("compare") {
        fail("run", "'compare' is reserved; choose another run name".into());
        missing = true;
    }
    if missing {
        return None;
    }
    Some(EvalRef {
        dataset: dataset?,
        version: r.dataset_version?,
        item_id: item_id?,
        run: run?,
        ids: None,
    })
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use serde_json::json;

    fn now() -> DateTime<Utc> {
        "2026-11-24T10:00:00Z".parse().unwrap()
    }

    #[test]
    fn a_minimal_record_gets_defaults() {
        let outputs = validate(
            vec![json!({"version": "v1", "input": "Hallo", "output": "Guten Tag"})],
            now(),
        )
        .unwrap();
        assert_eq!(
            (outputs[0].source.as_str(), outputs[0].occurred_at),
            ("production", now())
        );
        assert_eq!(outputs[0].user_messages(), ["Hallo"]);
    }

    #[test]
    fn every_problem_is_named_by_record_and_field() {
        let errors = validate(
            vec![
                json!({"version": "v1", "input": "ok", "output": "ok"}),
                json!({"input": "x", "output": "y", "source": "prod", "latency_ms": -5}),
                json!({"version": "v1", "input": "x", "output": 42}),
                json!({"version": "v1", "output": "y", "colour": "red"}),
                json!({"version": "v1", "messages": [], "output": "y", "timestamp": "2026-12-24T00:00:00Z"}),
            ],
            now(),
        )
        .unwrap_err();
        let found: Vec<(usize, &str)> = errors.iter().map(|e| (e.index, e.field.as_str())).collect();
        assert_eq!(
            found,
            [
                (1, "version"),
                (1, "source"),
                (1, "latency_ms"),
                (2, "output"),
                (3, "colour"),
                (4, "input"),
                (4, "timestamp")
            ]
        );
    }

    #[test]
    fn a_key_without_a_name_is_refused_on_the_record() {
        // Found by `scripts/fuzz.sh` (fuzz/found/output_records-empty-field-name.json).
        let errors = validate(
            vec![json!({"version": "v1", "input": "q", "output": "a", "": "q"})],
            now(),
        )
        .unwrap_err();
        assert_eq!((errors[0].index, errors[0].field.as_str()), (0, "record"));
        assert!(
            errors[0].message.contains("unknown field"),
            "{}",
            errors[0].message
        );
    }

    #[test]
    fn a_nul_character_anywhere_is_refused_on_its_field() {
        let errors = validate(
            vec![
                json!({"version": "v1", "input": "q", "output": "a\u{0}b"}),
                json!({"version": "v1", "input": "q", "output": "a", "metadata": {"k": ["x\u{0}"]}}),
                json!({"version": "v1", "input": "q", "output": "a", "metadata": {"\u{0}": 1}}),
            ],
            now(),
        )
        .unwrap_err();
        let found: Vec<(usize, &str)> = errors.iter().map(|e| (e.index, e.field.as_str())).collect();
        assert_eq!(found, [(0, "output"), (1, "metadata"), (2, "metadata")]);
        assert!(errors[0].message.contains("NUL"));
    }

    #[test]
    fn relevance_grades_are_kept_and_a_bad_grade_is_refused_on_the_relevance_field() {
        let ok = json!({"version": "v1", "input": "x", "output": "y", "relevant_ids": ["kb-12"],
                        "relevance": {"kb-40": 3, "kb-12": 1}});
        let outputs = validate(vec![ok], now()).unwrap();
        assert_eq!(outputs[0].relevance.get("kb-40"), Some(&3.0));
        let bad = [
            json!({"version": "v1", "input": "x", "output": "y", "relevance": {"kb-40": -1}}),
            json!({"version": "v1", "input": "x", "output": "y", "relevance": {"kb-40": 101}}),
            json!({"version": "v1", "input": "x", "output": "y", "relevance": {"kb-40": "high"}}),
        ];
        for record in bad {
            let errors = validate(vec![record.clone()], now()).unwrap_err();
            assert!(errors[0].field.starts_with("relevance"), "{record}: {errors:?}");
        }
    }

    #[test]
    fn an_external_id_may_not_repeat_within_a_batch() {
        let record = json!({"version": "v1", "input": "x", "output": "y", "external_id": "a-1"});
        let errors = validate(vec![record.clone(), record], now()).unwrap_err();
        assert_eq!((errors[0].index, errors[0].field.as_str()), (1, "external_id"));
    }

    #[test]
    fn the_end_user_is_kept_and_a_long_id_is_refused_on_its_field() {
        let outputs = validate(
            vec![json!({"version": "v1", "input": "x", "output": "y", "user": " u-5d1c "})],
            now(),
        )
        .unwrap();
        assert_eq!(outputs[0].user.as_deref(), Some("u-5d1c"));
        let errors = validate(
            vec![json!({"version": "v1", "input": "x", "output": "y", "user": "u".repeat(201)})],
            now(),
        )
        .unwrap_err();
        assert_eq!((errors[0].index, errors[0].field.as_str()), (0, "user"));
    }

    #[test]
    fn the_user_turns_come_from_the_messages() {
        let outputs = validate(
            vec![json!({"version": "v1", "output": "y", "messages": [
                {"role": "system", "content": "Be brief"}, {"role": "user", "content": "Hallo"},
                {"role": "assistant", "content": "Hi"}, {"role": "user", "content": "Wie geht's?"}]})],
            now(),
        )
        .unwrap();
        assert_eq!(outputs[0].user_messages(), ["Hallo", "Wie geht's?"]);
    }
}
