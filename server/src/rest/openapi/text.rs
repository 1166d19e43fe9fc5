//! String schemas as the server reads text: no NUL character (PostgreSQL stores none), lengths
//! in characters as sent, and "blank" meaning only whitespace as Rust's `str::trim` sees it.

use serde_json::{json, Value};

/// The characters `str::trim` removes (Unicode `White_Space`), spelled out so that every
/// regular-expression dialect reading the document (ECMA-262, Python's, Rust's) agrees.
macro_rules! whitespace {
    () => {
        "\\t\\n\\u000B\\u000C\\r \\u0085\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000"
    };
}

/// The whitespace class's contents, for patterns built elsewhere.
pub const WHITESPACE: &str = whitespace!();
/// Text without a NUL character.
pub const NO_NUL: &str = "^[^\\u0000]*$";
/// Text with something besides whitespace, without a NUL character.
pub const NON_BLANK: &str = concat!("^[^\\u0000]*[^", whitespace!(), "\\u0000][^\\u0000]*$");

/// Any string without a NUL character, of at most `max` characters.
pub fn text(max: Option<usize>) -> Value {
    let mut schema = json!({"type": "string", "pattern": NO_NUL});
    if let Some(max) = max {
        schema["maxLength"] = max.into();
    }
    schema
}

/// A string that is not blank, without a NUL character, of at most `max` characters.
pub fn non_blank(max: Option<usize>) -> Value {
    let mut schema = text(max);
    schema["pattern"] = NON_BLANK.into();
    schema
}

/// One item of a list the form writes comma-separated (a version label, a metric key): not
/// blank, without a comma or a NUL character, of at most `max` characters.
pub fn list_item(max: usize) -> Value {
    json!({"type": "string", "maxLength": max,
        "pattern": concat!("^[^,\\u0000]*[^,", whitespace!(), "\\u0000][^,\\u0000]*$")})
}

/// A JSON object of any keys and values, without a NUL character in a key or a string however
/// deep (PostgreSQL stores no JSON with one); its values are the `JsonValue` component.
pub fn json_object() -> Value {
    json!({"type": "object", "propertyNames": text(None), "additionalProperties": {"$ref": "#/components/schemas/JsonValue"}})
}
