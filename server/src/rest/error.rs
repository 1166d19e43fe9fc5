//! The one error envelope of the JSON API: `{"error": {"code", "message", "field"}}`.

use app::domain::output::RecordError;
use app::error::AppError;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// An API error: an `AppError` (so every status and message matches the UI's), or a batch
/// refused with every problem listed by record and field.
#[derive(Debug)]
pub enum ApiError {
    App(AppError),
    Records(Vec<RecordError>),
}

impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        Self::App(error)
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        Self::App(AppError::invalid("body", rejection.body_text()))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let error = match self {
            ApiError::App(error) => error,
            ApiError::Records(records) => {
                let message = format!("{} problem(s) in the batch; nothing was stored", records.len());
                let body = json!({ "error": { "code": "validation", "message": message, "field": null, "records": records } });
                return (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response();
            }
        };
        let code = match &error {
            AppError::Validation { .. } => "validation",
            AppError::Conflict { .. } => "conflict",
            AppError::Unauthorized => "unauthorized",
            AppError::Forbidden(_) => "forbidden",
            AppError::NotFound(_) => "not_found",
            AppError::TooLarge(_) => "too_large",
            AppError::TooManyRequests { .. } => "too_many_requests",
            AppError::Internal(_) => "internal",
        };
        let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = json!({ "error": { "code": code, "message": error.message(), "field": error.field() } });
        let mut response = (status, Json(body)).into_response();
        if let AppError::TooManyRequests { retry_after_secs, .. } = error {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, retry_after_secs.into());
        }
        response
    }
}

/// What a REST handler answers.
pub type ApiResult<T> = Result<T, ApiError>;
