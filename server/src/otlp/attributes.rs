//! OpenTelemetry attribute values as JSON, looked up by name on a span and its resource.

use opentelemetry_proto::tonic::common::v1::any_value::Value as Any;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue};
use serde_json::{Map, Number, Value};
use std::collections::BTreeMap;

/// A set of attributes by name, values as JSON.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Attributes(pub BTreeMap<String, Value>);

impl Attributes {
    /// The attributes of a span, resource or event.
    pub fn of(pairs: &[KeyValue]) -> Self {
        Self(
            pairs
                .iter()
                .map(|kv| (kv.key.clone(), kv.value.as_ref().map_or(Value::Null, json)))
                .collect(),
        )
    }

    /// The value under `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.get(key).filter(|v| !v.is_null())
    }

    /// A text value (numbers and booleans written out); empty text is none.
    pub fn text(&self, key: &str) -> Option<String> {
        match self.get(key)? {
            Value::String(s) if s.trim().is_empty() => None,
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// A whole number (also given as text).
    pub fn integer(&self, key: &str) -> Option<i64> {
        match self.get(key)? {
            Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// A number (also given as text).
    pub fn number(&self, key: &str) -> Option<f64> {
        match self.get(key)? {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// A structured value: itself when an array or map, parsed when it is JSON text (several
    /// instrumentations send message lists as JSON strings).
    pub fn structured(&self, key: &str) -> Option<Value> {
        match self.get(key)? {
            Value::String(s) => serde_json::from_str::<Value>(s)
                .ok()
                .filter(|v| v.is_array() || v.is_object()),
            other @ (Value::Array(_) | Value::Object(_)) => Some(other.clone()),
            _ => None,
        }
    }

    /// The indexed groups under `prefix`: `prefix.0.role`, `prefix.0.content`, `prefix.1.role`…
    /// as (index, rest of the name → value), in index order.
    pub fn indexed(&self, prefix: &str) -> Vec<(usize, BTreeMap<&str, &Value>)> {
        let mut groups: BTreeMap<usize, BTreeMap<&str, &Value>> = BTreeMap::new();
        let dotted = format!("{prefix}.");
        for (key, value) in &self.0 {
            let Some(rest) = key.strip_prefix(&dotted) else {
                continue;
            };
            let Some((index, field)) = rest.split_once('.') else {
                continue;
            };
            if let Ok(index) = index.parse::<usize>() {
                groups.entry(index).or_default().insert(field, value);
            }
        }
        groups.into_iter().collect()
    }
}

/// An attribute value as JSON: maps become objects, arrays arrays, bytes hex text.
pub fn json(value: &AnyValue) -> Value {
    match &value.value {
        None => Value::Null,
        Some(Any::StringValue(s)) => Value::String(s.clone()),
        Some(Any::BoolValue(b)) => Value::Bool(*b),
        Some(Any::IntValue(i)) => Value::Number((*i).into()),
        Some(Any::DoubleValue(d)) => Number::from_f64(*d).map_or(Value::Null, Value::Number),
        Some(Any::ArrayValue(array)) => Value::Array(array.values.iter().map(json).collect()),
        Some(Any::KvlistValue(list)) => Value::Object(
            list.values
                .iter()
                .map(|kv| (kv.key.clone(), kv.value.as_ref().map_or(Value::Null, json)))
                .collect::<Map<String, Value>>(),
        ),
        Some(Any::BytesValue(bytes)) => Value::String(hex::encode(bytes)),
        Some(_) => Value::Null,
    }
}

/// An attribute name with its numeric parts replaced by `*` (`gen_ai.prompt.3.content` →
/// `gen_ai.prompt.*.content`), so that the mapping page lists each kind of attribute once.
pub fn shape(name: &str) -> String {
    name.split('.')
        .map(|part| {
            if !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()) {
                "*"
            } else {
                part
            }
        })
        .collect::<Vec<_>>()
        .join(".")
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry_proto::tonic::common::v1::{ArrayValue, KeyValueList};

    fn kv(key: &str, value: Any) -> KeyValue {
        KeyValue {
            key: key.into(),
            value: Some(AnyValue { value: Some(value) }),
            ..Default::default()
        }
    }

    #[test]
    fn values_become_json_and_are_read_by_type() {
        let attributes = Attributes::of(&[
            kv("s", Any::StringValue("de-DE".into())),
            kv("i", Any::IntValue(42)),
            kv("n", Any::StringValue("17".into())),
            kv("d", Any::DoubleValue(0.25)),
            kv("blank", Any::StringValue("  ".into())),
            kv("json", Any::StringValue(r#"[{"role": "user"}]"#.into())),
            kv(
                "list",
                Any::ArrayValue(ArrayValue {
                    values: vec![AnyValue {
                        value: Some(Any::KvlistValue(KeyValueList {
                            values: vec![kv("role", Any::StringValue("user".into()))],
                        })),
                    }],
                }),
            ),
        ]);
        assert_eq!(attributes.text("s").as_deref(), Some("de-DE"));
        assert_eq!(attributes.text("i").as_deref(), Some("42"));
        assert_eq!(attributes.integer("i"), Some(42));
        assert_eq!(attributes.integer("n"), Some(17));
        assert_eq!(attributes.number("d"), Some(0.25));
        assert_eq!(attributes.text("blank"), None);
        assert_eq!(attributes.text("missing"), None);
        let expected = serde_json::json!([{"role": "user"}]);
        assert_eq!(attributes.structured("json"), Some(expected.clone()));
        assert_eq!(attributes.structured("list"), Some(expected));
        assert_eq!(attributes.structured("s"), None);
    }

    #[test]
    fn indexed_attributes_group_by_index_in_order_and_names_take_their_shape() {
        let attributes = Attributes::of(&[
            kv("gen_ai.prompt.10.content", Any::StringValue("later".into())),
            kv("gen_ai.prompt.2.role", Any::StringValue("user".into())),
            kv("gen_ai.prompt.2.content", Any::StringValue("first".into())),
            kv("gen_ai.prompt.x.content", Any::StringValue("ignored".into())),
        ]);
        let groups = attributes.indexed("gen_ai.prompt");
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].0, 2);
        assert_eq!(groups[0].1["content"], &Value::String("first".into()));
        assert_eq!(groups[1].0, 10);
        assert_eq!(shape("gen_ai.prompt.10.content"), "gen_ai.prompt.*.content");
        assert_eq!(shape("service.version"), "service.version");
    }
}
