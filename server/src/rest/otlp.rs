//! `POST /v1/traces` (the project of the API key) and `POST
//! /api/v1/projects/{project}/otlp/v1/traces`: OTLP/HTTP trace export, protobuf or JSON,
//! gzip or not. Errors are answered as OTLP asks: a `google.rpc.Status` in the request's
//! encoding.

use super::caller::{Allowed, ApiCaller};
use super::error::ApiError;
use crate::otlp::{self, wire};
use app::domain::membership::ProjectAccess;
use app::error::AppError;
use app::server::state::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

/// Largest request body (compressed or not).
pub const MAX_BODY: usize = 16 * 1024 * 1024;

/// `POST /v1/traces`: the spans go to the project of the API key presented.
pub async fn traces(
    State(state): State<AppState>,
    caller: Result<ApiCaller, ApiError>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let encoding = encoding(&headers);
    let allowed = match caller {
        Ok(caller) => caller.key_project(ProjectAccess::Edit).await,
        Err(error) => Err(error),
    };
    handle(&state, allowed, &headers, body, encoding).await
}

/// `POST /api/v1/projects/{project}/otlp/v1/traces`: the spans go to the named project (an API
/// key of it, or a signed-in owner).
pub async fn project_traces(
    State(state): State<AppState>,
    caller: Result<ApiCaller, ApiError>,
    Path(project): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let encoding = encoding(&headers);
    let allowed = match caller {
        Ok(caller) => caller.for_project(&project, ProjectAccess::Edit).await,
        Err(error) => Err(error),
    };
    handle(&state, allowed, &headers, body, encoding).await
}

fn encoding(headers: &HeaderMap) -> wire::Encoding {
    wire::Encoding::of(headers).unwrap_or_else(|fallback| fallback)
}

async fn handle(
    state: &AppState,
    allowed: Result<Allowed, ApiError>,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
    encoding: wire::Encoding,
) -> Response {
    let allowed = match allowed {
        Ok(allowed) => allowed,
        Err(error) => return failure(error, encoding).into_response(),
    };
    let body = match body {
        Ok(body) => body,
        Err(rejection) => {
            return wire::Failure::new(rejection.status(), rejection.body_text(), encoding).into_response()
        }
    };
    let (request, encoding) = match wire::decode(headers, &body) {
        Ok(decoded) => decoded,
        Err(failure) => return failure.into_response(),
    };
    match otlp::receive(state, allowed.project_id, &request, encoding).await {
        Ok(report) => {
            tracing::info!(
                project_id = allowed.project_id,
                spans = report.spans,
                outputs = report.outputs,
                duplicates = report.duplicates,
                rejected = report.rejected,
                "OTLP traces received"
            );
            wire::success(encoding, report.rejected, report.error_message())
        }
        Err(error) => failure(error.into(), encoding).into_response(),
    }
}

/// An API error as an OTLP failure.
fn failure(error: ApiError, encoding: wire::Encoding) -> wire::Failure {
    let error = match error {
        ApiError::App(error) => error,
        ApiError::Records(records) => AppError::invalid("spans", format!("{} problem(s)", records.len())),
    };
    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let message = match &error {
        AppError::Unauthorized => {
            "a project API key is required: Authorization: Bearer vk_… (OTEL_EXPORTER_OTLP_HEADERS=Authorization=Bearer%20vk_…)"
                .to_owned()
        }
        other => other.message(),
    };
    wire::Failure::new(status, message, encoding)
}
