//! Route and query parameters as pages use them: typed, with defaults for what is missing.

use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_params_map};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// The numeric route parameter `name`; 0 when it is missing or not a number, which the server
/// answers with 404.
pub fn number_param(name: &'static str) -> impl Fn() -> i64 + Copy + Send + Sync + 'static {
    let params = use_params_map();
    move || {
        params
            .read()
            .get(name)
            .and_then(|value| value.parse::<i64>().ok())
            .unwrap_or_default()
    }
}

/// The route parameter `name` as text (empty when missing).
pub fn text_param(name: &'static str) -> impl Fn() -> String + Copy + Send + Sync + 'static {
    let params = use_params_map();
    move || params.read().get(name).unwrap_or_default()
}

/// The page's query string read as `T`, whose fields are `#[serde(default)]`: a missing
/// parameter is its default, and an address that does not parse reads as `T::default()`.
pub fn query_params<T>() -> Memo<T>
where
    T: DeserializeOwned + Default + PartialEq + Send + Sync + 'static,
{
    let location = use_location();
    Memo::new(move |_| location.search.with(|search| parse_query(search)))
}

/// `search` (with or without its leading `?`) as `T`, or the default when it does not parse.
pub fn parse_query<T: DeserializeOwned + Default>(search: &str) -> T {
    serde_urlencoded::from_str(search.trim_start_matches('?')).unwrap_or_default()
}

/// `value` as a query string, without the parameters that are empty.
pub fn query_string<T: Serialize>(value: &T) -> String {
    serde_urlencoded::to_string(value)
        .unwrap_or_default()
        .split('&')
        .filter(|pair| !pair.is_empty() && !pair.ends_with('='))
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
    #[serde(default)]
    struct Query {
        version: String,
        segment: String,
        days: Option<u32>,
    }

    #[test]
    fn a_query_string_reads_as_its_struct_with_defaults_for_what_is_missing() {
        assert_eq!(
            parse_query::<Query>("?segment=language%3Dde&days=7"),
            Query {
                version: String::new(),
                segment: "language=de".into(),
                days: Some(7)
            }
        );
        assert_eq!(parse_query::<Query>(""), Query::default());
    }

    #[test]
    fn a_malformed_query_string_reads_as_the_default() {
        assert_eq!(parse_query::<Query>("days=seven"), Query::default());
    }

    #[test]
    fn empty_parameters_are_left_out_and_values_are_escaped() {
        let query = Query {
            version: String::new(),
            segment: "language=de & more".into(),
            days: None,
        };
        assert_eq!(query_string(&query), "segment=language%3Dde+%26+more");
    }
}
