//! Building spans' attributes by hand, for the unit and HTTP tests of the OpenTelemetry door.

use opentelemetry_proto::tonic::common::v1::any_value::Value as Any;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue};

/// A text attribute.
pub fn s(key: &str, value: &str) -> KeyValue {
    kv(key, Any::StringValue(value.into()))
}

/// An attribute of any value.
pub fn kv(key: &str, value: Any) -> KeyValue {
    KeyValue {
        key: key.into(),
        value: Some(AnyValue { value: Some(value) }),
        ..Default::default()
    }
}
