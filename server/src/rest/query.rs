//! The query-string extractor of the REST API: the query is checked against the operation's
//! parameters in the OpenAPI document (see [`super::contract`]), then read into `T`; a query
//! that fails either is refused like any other bad input — 422 in the error envelope, naming
//! the parameter — rather than with axum's plain-text 400.

use super::error::ApiError;
use app::error::AppError;
use axum::extract::{FromRequestParts, MatchedPath};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

/// `Query<T>`: the parameters as `T`, or 422 naming the parameter at fault.
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        if let Some(path) = parts.extensions.get::<MatchedPath>() {
            if let Some(problem) = super::contract::query_problem(parts.method.as_str(), path.as_str(), query)
            {
                return Err(AppError::invalid(&problem.field, problem.message).into());
            }
        }
        parse(query).map(Query).map_err(ApiError::from)
    }
}

/// Parses a query string, naming the parameter of the first problem.
pub fn parse<T: DeserializeOwned>(query: &str) -> Result<T, AppError> {
    let deserializer = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let path = error.path().to_string();
        let message = error.into_inner().to_string();
        let field = if path != "." && !path.is_empty() {
            path
        } else {
            // "duplicate field `to`", "missing field `user`": the name is in backticks.
            message.split('`').nth(1).unwrap_or("query").to_owned()
        };
        let message = match message.split_once(": ") {
            Some((prefix, rest)) if prefix == field => rest.to_owned(),
            _ => message,
        };
        AppError::invalid(&field, message)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[expect(
        dead_code,
        reason = "the test reads what the extractor accepts, not the fields"
    )]
    struct Params {
        days: Option<u32>,
        format: Option<String>,
    }

    fn field(query: &str) -> Option<String> {
        parse::<Params>(query)
            .err()
            .and_then(|e| e.field().map(str::to_owned))
    }

    #[test]
    fn problems_name_their_parameter() {
        assert!(parse::<Params>("days=3&format=csv").is_ok());
        assert_eq!(field("days=x").as_deref(), Some("days"));
        assert_eq!(field("days=-1").as_deref(), Some("days"));
        assert_eq!(field("format=a&format=b").as_deref(), Some("format"));
    }
}
