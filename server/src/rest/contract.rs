//! The OpenAPI document enforced: request bodies and query strings are checked against the
//! document's own schemas, so the document and the server cannot disagree about what is well
//! formed. The domain's validation runs as well and names problems in its own words; a request
//! the domain would take but the schema does not is still refused, with the schema's reason.

use super::openapi;
use super::openapi::text::{NON_BLANK, NO_NUL};
use app::domain::output::RecordError;
use jsonschema::error::ValidationErrorKind;
use jsonschema::{ValidationError, Validator};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::LazyLock;

/// The schemas request bodies are checked against, by component name.
pub const BODIES: [&str; 6] = [
    "OutputRecord",
    "CheckRecord",
    "FeedbackRecord",
    "MetricDocument",
    "RetireBody",
    "ExperimentDesign",
];

static VALIDATORS: LazyLock<HashMap<&'static str, Validator>> = LazyLock::new(|| {
    let components = openapi::openapi()["components"].clone();
    BODIES
        .iter()
        .map(|name| {
            let schema = json!({"$ref": format!("#/components/schemas/{name}"), "components": components});
            let validator = jsonschema::options()
                .should_validate_formats(true)
                .build(&schema)
                .unwrap_or_else(|e| panic!("the OpenAPI schema {name} does not compile: {e}"));
            (*name, validator)
        })
        .collect()
});

/// Per operation ("GET /api/v1/…"), its query parameters as one object schema: the schema
/// (whose properties say how to type each value) and its validator.
static QUERIES: LazyLock<HashMap<String, (Value, Validator)>> = LazyLock::new(|| {
    let document = openapi::openapi();
    let mut validators = HashMap::new();
    for (path, item) in document["paths"].as_object().into_iter().flatten() {
        for (method, operation) in item.as_object().into_iter().flatten() {
            let parameters: Vec<&Value> = operation["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "query")
                .collect();
            let properties: serde_json::Map<String, Value> = parameters
                .iter()
                .map(|p| {
                    (
                        p["name"].as_str().unwrap_or_default().to_owned(),
                        p["schema"].clone(),
                    )
                })
                .collect();
            let required: Vec<&Value> = parameters
                .iter()
                .filter(|p| p["required"] == true)
                .map(|p| &p["name"])
                .collect();
            let schema = json!({"type": "object", "properties": properties, "required": required});
            let validator = jsonschema::options()
                .should_validate_formats(true)
                .build(&schema)
                .unwrap_or_else(|e| panic!("the query of {method} {path} does not compile: {e}"));
            validators.insert(format!("{} {path}", method.to_uppercase()), (schema, validator));
        }
    }
    validators
});

/// The first problem of a query string of the operation `method path` (as the document spells
/// the path, e.g. `/api/v1/projects/{project}/outputs`): a parameter given twice, one holding a
/// NUL character, or one its schema refuses. Values are read as the schema's type says
/// (`days=5` is the integer 5). Parameters the document does not name are left alone.
pub fn query_problem(method: &str, path: &str, query: &str) -> Option<Problem> {
    let mut values = serde_json::Map::new();
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        let problem = |message: &str| {
            Some(Problem {
                field: name.to_string(),
                message: message.into(),
            })
        };
        if value.contains('\0') || name.contains('\0') {
            return problem("must not contain NUL characters (U+0000)");
        }
        if values.contains_key(name.as_ref()) {
            return problem("is given more than once");
        }
        values.insert(name.into_owned(), Value::String(value.into_owned()));
    }
    let (schema, validator) = QUERIES.get(&format!("{method} {path}"))?;
    let typed = typed(&schema["properties"], values);
    let problem = validator.iter_errors(&typed).next().map(|error| describe(&error));
    problem
}

/// The values as the parameters' schemas (`properties`) type them: integers and booleans that
/// parse become JSON numbers and booleans (others stay text, for the schema to refuse).
fn typed(properties: &Value, mut values: serde_json::Map<String, Value>) -> Value {
    for (name, value) in values.iter_mut() {
        let text = value.as_str().unwrap_or_default().to_owned();
        match properties[name.as_str()]["type"].as_str() {
            Some("integer") => {
                if let Ok(number) = text.parse::<i64>() {
                    *value = number.into();
                }
            }
            Some("boolean") if text == "true" || text == "false" => *value = Value::Bool(text == "true"),
            _ => {}
        }
    }
    Value::Object(values)
}

/// A problem of a body: the top-level field it is in ("record" for the body as a whole) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub field: String,
    pub message: String,
}

/// The first problem of `value` against the component schema `name`, if any.
pub fn problem(name: &str, value: &Value) -> Option<Problem> {
    // Free-form parts (a JSON Schema scorer's schema) have no pattern to refuse a NUL, and
    // PostgreSQL stores none: refused wherever it is, keys included, on its top-level field.
    if let Some(field) = app::domain::output::field_with_nul(value) {
        return Some(Problem {
            field,
            message: "must not contain NUL characters (U+0000)".into(),
        });
    }
    let validator = VALIDATORS
        .get(name)
        .unwrap_or_else(|| panic!("{name} is not one of contract::BODIES"));
    let problem = validator.iter_errors(value).next().map(|error| describe(&error));
    problem
}

/// `value` read as a `T`; what does not fit is an error on its path (`body` for the whole).
pub fn deserialize<T: serde::de::DeserializeOwned>(value: &Value) -> Result<T, app::error::AppError> {
    serde_path_to_error::deserialize(value).map_err(|error| {
        let field = error.path().to_string();
        app::error::AppError::invalid(
            if field == "." { "body" } else { &field },
            error.into_inner().to_string(),
        )
    })
}

/// Whole numbers written with a fraction (`5.0`) become integers, as JSON Schema reads them
/// (`5.0` is an integer there), so the domain's integer fields take them too.
pub fn whole_numbers(value: &mut Value) {
    match value {
        Value::Number(number) if !number.is_i64() && !number.is_u64() => {
            if let Some(float) = number
                .as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0)
            {
                *value = Value::from(float as i64);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(whole_numbers),
        Value::Object(fields) => fields.values_mut().for_each(whole_numbers),
        _ => {}
    }
}

/// A batch of records checked against the component schema `name`: `Ok` when every record
/// fits, else every record's first problem — in the domain's words (`domain` validates a
/// copy) where it finds any, else the schema's.
pub fn admit(
    name: &str,
    values: &mut [Value],
    domain: impl FnOnce(Vec<Value>) -> Vec<RecordError>,
) -> Result<(), Vec<RecordError>> {
    values.iter_mut().for_each(whole_numbers);
    let problems = records(name, values);
    if problems.is_empty() {
        return Ok(());
    }
    let own_words = domain(values.to_vec());
    Err(if own_words.is_empty() { problems } else { own_words })
}

/// Every record's first problem against the component schema `name`, by index.
pub fn records(name: &str, values: &[Value]) -> Vec<RecordError> {
    values
        .iter()
        .enumerate()
        .filter_map(|(index, value)| {
            problem(name, value).map(|p| RecordError {
                index,
                field: p.field,
                message: p.message,
            })
        })
        .collect()
}

fn describe(error: &ValidationError<'_>) -> Problem {
    let top = error
        .instance_path()
        .as_str()
        .split('/')
        .nth(1)
        .map(|segment| segment.replace("~1", "/").replace("~0", "~"));
    let (field, message) = match error.kind() {
        ValidationErrorKind::Required { property } => (
            top.or_else(|| property.as_str().map(str::to_owned)),
            format!("{property} is required"),
        ),
        ValidationErrorKind::AdditionalProperties { unexpected } if top.is_none() => (
            unexpected.first().cloned(),
            format!(
                "is not a field of this record (unexpected: {})",
                unexpected.join(", ")
            ),
        ),
        ValidationErrorKind::Pattern { pattern } if pattern == NO_NUL => {
            (top, "must not contain NUL characters (U+0000)".into())
        }
        ValidationErrorKind::Pattern { pattern } if pattern == NON_BLANK => {
            (top, "must not be blank or contain NUL characters (U+0000)".into())
        }
        _ => (top, error.to_string()),
    };
    Problem {
        field: field.filter(|f| !f.is_empty()).unwrap_or_else(|| "record".into()),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_body_schema_compiles() {
        for name in BODIES {
            assert!(VALIDATORS.contains_key(name), "{name}");
        }
    }

    /// Every object a request body may hold either takes no keys of its own choosing or says
    /// its keys hold no NUL and what its values may be, so that what the document allows,
    /// PostgreSQL can store.
    #[test]
    fn every_free_form_object_of_a_body_states_its_keys_hold_no_nul() {
        fn visit(schema: &Value, at: &str, components: &Value, seen: &mut Vec<String>) {
            match schema {
                Value::Object(fields) => {
                    if let Some(reference) = fields.get("$ref").and_then(Value::as_str) {
                        let name = reference.trim_start_matches("#/components/schemas/");
                        if !seen.iter().any(|s| s == name) {
                            seen.push(name.to_owned());
                            visit(&components[name], name, components, seen);
                        }
                    }
                    let object = match &fields.get("type") {
                        Some(Value::String(kind)) => kind == "object",
                        Some(Value::Array(kinds)) => kinds.iter().any(|k| k == "object"),
                        _ => false,
                    };
                    let extra = fields.get("additionalProperties");
                    if object && extra != Some(&Value::Bool(false)) {
                        assert_eq!(
                            fields.get("propertyNames").map(|names| &names["pattern"]),
                            Some(&json!(NO_NUL)),
                            "a free-form object in {at} does not refuse NUL in its keys"
                        );
                        assert!(
                            extra.is_some_and(|e| e != &Value::Bool(true)),
                            "a free-form object in {at} takes any value (a NUL in a string too)"
                        );
                    }
                    for (name, value) in fields {
                        visit(value, &format!("{at}/{name}"), components, seen);
                    }
                }
                Value::Array(items) => items.iter().for_each(|item| visit(item, at, components, seen)),
                _ => {}
            }
        }
        let components = &openapi::openapi()["components"]["schemas"];
        let mut seen: Vec<String> = BODIES.iter().map(|name| name.to_string()).collect();
        for name in BODIES {
            visit(&components[name], name, components, &mut seen);
        }
        assert!(seen.iter().any(|name| name == "JsonValue"), "{seen:?}");
    }

    #[test]
    fn the_document_refuses_a_nul_in_a_key_of_a_json_schema_scorers_schema() {
        // Found by schemathesis: the document allowed it, the server refused it.
        let metric = json!({"key": "reply-shape", "name": "Reply has our shape",
            "question": "Can our integration read every reply?", "paradigm": "model",
            "category": "format", "cadence": "real-time", "action_on_failure": "retry",
            "scorer": {"kind": "json_schema", "schema": {"a\u{0}": true}},
            "pass_rule": {"threshold": 1, "direction": "at_least"}, "stage": "crawl",
            "owner": "owner", "cost_per_failure": "1", "review_date": "2027-03-01"});
        let mut fine = metric.clone();
        fine["scorer"]["schema"] = json!({"a": {"b": [1, "c"]}});
        let errors: Vec<String> = VALIDATORS["MetricDocument"]
            .iter_errors(&fine)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{errors:?}");
        assert!(!VALIDATORS["MetricDocument"].is_valid(&metric));
    }

    #[test]
    fn a_nul_anywhere_is_refused_on_its_top_level_field() {
        // Found by schemathesis: a NUL in a key of a JSON Schema scorer's schema reached
        // PostgreSQL's jsonb (500).
        let metric =
            json!({"key": "k", "scorer": {"kind": "json_schema", "schema": {"a\u{0}": {"b": [1, "c"]}}}});
        let found = problem("MetricDocument", &metric).unwrap();
        assert_eq!(found.field, "scorer");
        assert!(found.message.contains("NUL"), "{}", found.message);
    }

    #[test]
    fn problems_name_the_top_level_field() {
        let found = |value: Value| problem("OutputRecord", &value).map(|p| p.field);
        assert_eq!(found(json!({"version": "v", "input": "q", "output": "a"})), None);
        assert_eq!(
            found(json!({"version": "v", "input": "q"})).as_deref(),
            Some("output")
        );
        assert_eq!(
            found(json!({"version": " ", "input": "q", "output": "a"})).as_deref(),
            Some("version")
        );
        assert_eq!(
            found(json!({"version": "v", "input": "q", "output": "a", "colour": 1})).as_deref(),
            Some("colour")
        );
        assert_eq!(
            found(json!({"version": "v", "input": "q", "output": "a", "metadata": {"k": ["\u{0}"]}}))
                .as_deref(),
            Some("metadata")
        );
        let blank = problem(
            "OutputRecord",
            &json!({"version": "\u{3000}", "input": "q", "output": "a"}),
        )
        .unwrap();
        assert!(blank.message.contains("blank"), "{}", blank.message);
    }
}
