//! The HTTP gate in front of every server function: anonymous callers are refused before any
//! non-public function decodes its arguments, and a function's `AppError` is answered with its
//! real status (401, 403, 404, 409, 422) instead of server_fn's blanket 500.

use app::error::AppError;
use app::server::auth::{signed_in_user, AuthSession, GatedUser};
use app::server::state::AppState;
use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use leptos::server_fn::error::{FromServerFnError, SERVER_FN_ERROR_HEADER};
use std::collections::HashSet;
use std::sync::LazyLock;
use tower_sessions::Session;

/// Every registered server function path, and the ones anonymous callers may use.
static SERVER_FNS: LazyLock<(HashSet<&'static str>, HashSet<&'static str>)> = LazyLock::new(|| {
    let all = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path)
        .collect();
    (all, app::api::public_paths().into_iter().collect())
});

/// Largest error body re-read to set the status; errors are small JSON documents.
const MAX_ERROR_BODY: usize = 64 * 1024;

/// Largest body a server function takes: room for a dataset file of the largest size accepted
/// (10 MiB) sent as a form field, whose URL encoding can take up to three bytes a character.
pub const MAX_SERVER_FN_BODY: usize = 32 * 1024 * 1024;

/// The middleware; see the module documentation.
pub async fn gate(
    State(state): State<AppState>,
    session: Session,
    mut request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().to_owned();
    let (all, public) = &*SERVER_FNS;
    if all.contains(path.as_str()) {
        request = match within_limit(request).await {
            Ok(request) => request,
            Err(too_large) => return error_response(&too_large, &path),
        };
    }
    if all.contains(path.as_str()) && !public.contains(path.as_str()) {
        match signed_in_user(&state, &AuthSession::new(session)).await {
            Ok(Some(user)) => {
                request.extensions_mut().insert(GatedUser(user));
            }
            Ok(None) => return error_response(&AppError::Unauthorized, &path),
            Err(error) => return error_response(&error, &path),
        }
    }
    let response = next.run(request).await;
    if response.status() == StatusCode::INTERNAL_SERVER_ERROR
        && response.headers().contains_key(SERVER_FN_ERROR_HEADER)
    {
        return with_error_status(response).await;
    }
    response
}

/// The request with its body read whole, or `TooLarge` naming the limit when the body is
/// larger than [`MAX_SERVER_FN_BODY`] (by its `Content-Length`, or as it is read), before
/// anything decodes it.
async fn within_limit(request: Request) -> Result<Request, AppError> {
    let too_large = || {
        AppError::TooLarge(format!(
            "the request is larger than the {} MiB a form may send",
            MAX_SERVER_FN_BODY >> 20
        ))
    };
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_SERVER_FN_BODY as u64) {
        return Err(too_large());
    }
    let (parts, body) = request.into_parts();
    let bytes = to_bytes(body, MAX_SERVER_FN_BODY)
        .await
        .map_err(|_| too_large())?;
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

/// An error answered the way server functions answer errors, so the browser decodes it.
pub fn error_response(error: &AppError, path: &str) -> Response {
    let mut response = Response::new(Body::from(error.ser()));
    *response.status_mut() =
        StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if let Ok(value) = HeaderValue::from_str(path) {
        headers.insert(SERVER_FN_ERROR_HEADER, value);
    }
    response
}

async fn with_error_status(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_ERROR_BODY).await else {
        return Response::from_parts(parts, Body::from("error body too large"));
    };
    let error = AppError::de(bytes.clone());
    parts.status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if let AppError::TooManyRequests { retry_after_secs, .. } = error {
        parts
            .headers
            .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// The registered server function paths, for tests that check each one.
pub fn server_fn_paths() -> (Vec<&'static str>, Vec<&'static str>) {
    let (all, public) = &*SERVER_FNS;
    (all.iter().copied().collect(), public.iter().copied().collect())
}
