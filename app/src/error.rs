//! The one error type that crosses the wire between the server and the browser.

use serde::{Deserialize, Serialize};
use server_fn::codec::JsonEncoding;
use server_fn::error::{FromServerFnError, ServerFnErrorErr};

/// Everything a server function can answer instead of its result.
///
/// Validation and conflict errors name the form field they belong to, so the page can show the
/// message next to it. `Internal` carries only an opaque reference; the full chain is logged on
/// the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// Bad input: `field` names the offending form field.
    #[error("{field}: {message}")]
    Validation { field: String, message: String },
    /// The input is well-formed but collides with stored data (a taken username or slug).
    #[error("{field}: {message}")]
    Conflict { field: String, message: String },
    /// No valid session (or API key).
    #[error("Please sign in.")]
    Unauthorized,
    /// Signed in, but the role may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// The thing asked for does not exist (or is not visible to the caller).
    #[error("{0} was not found.")]
    NotFound(String),
    /// The request is larger than allowed.
    #[error("{0}")]
    TooLarge(String),
    /// Too many attempts (failed sign-ins) or too much at once: try again after the pause.
    #[error("{message}")]
    TooManyRequests { message: String, retry_after_secs: u64 },
    /// Anything unexpected; details are in the server log.
    #[error("Something went wrong on the server ({0}).")]
    Internal(String),
}

impl AppError {
    /// A validation error on `field`.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::Validation {
            field: field.to_owned(),
            message: message.into(),
        }
    }

    /// A conflict with stored data on `field`.
    pub fn conflict(field: &str, message: impl Into<String>) -> Self {
        Self::Conflict {
            field: field.to_owned(),
            message: message.into(),
        }
    }

    /// The form field this error belongs to, if any.
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::Validation { field, .. } | Self::Conflict { field, .. } => Some(field),
            _ => None,
        }
    }

    /// The message without the field prefix, for showing next to a field.
    pub fn message(&self) -> String {
        match self {
            Self::Validation { message, .. } | Self::Conflict { message, .. } => message.clone(),
            other => other.to_string(),
        }
    }

    /// An unexpected failure: logged here with `context` and the request's id, answered as the
    /// opaque `Internal` variant carrying that id as the reference a user can quote.
    #[cfg(feature = "ssr")]
    pub fn internal(context: &str, error: impl std::fmt::Display) -> Self {
        let reference = crate::server::request::current_id()
            .unwrap_or_else(|| chrono::Utc::now().format("%Y%m%dT%H%M%S%.3f").to_string());
        tracing::error!(%reference, "{context}: {error}");
        Self::Internal(format!("ref {reference}"))
    }

    /// The HTTP status this error answers with.
    pub fn status(&self) -> u16 {
        match self {
            Self::Validation { .. } => 422,
            Self::Conflict { .. } => 409,
            Self::Unauthorized => 401,
            Self::Forbidden(_) => 403,
            Self::NotFound(_) => 404,
            Self::TooLarge(_) => 413,
            Self::TooManyRequests { .. } => 429,
            Self::Internal(_) => 500,
        }
    }
}

/// A database failure is unexpected: logged once here, with its whole chain of causes and the
/// request's id, and answered as the opaque `Internal` variant.
#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    fn from(error: sqlx::Error) -> Self {
        Self::internal("database", crate::server::request::chain(&error))
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // Arguments that do not decode are the caller's mistake, not ours.
            ServerFnErrorErr::Args(message) => Self::invalid("request", message),
            other => Self::Internal(other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_errors_name_their_field_and_answer_422() {
        let error = AppError::invalid("username", "must not be empty");
        assert_eq!(error.field(), Some("username"));
        assert_eq!(error.message(), "must not be empty");
        assert_eq!(error.status(), 422);
    }

    #[test]
    fn errors_survive_the_wire_encoding() {
        let error = AppError::Forbidden("Admins only.".into());
        let decoded = AppError::de(error.ser());
        assert_eq!(decoded, error);
    }

    #[test]
    fn undecodable_arguments_become_a_validation_error() {
        let error = AppError::from_server_fn_error(ServerFnErrorErr::Args("missing field".into()));
        assert_eq!(error.status(), 422);
    }
}
