//! Every request runs in a tracing span with its id (the client's `x-request-id` when it sent a
//! usable one, else a new one), method and path; the access gate adds the caller and project.
//! The id is answered in `x-request-id` and is the reference shown with an internal error.

use app::server::request::{accept_id, new_id, REQUEST_ID};
use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

/// The header carrying the request id both ways.
pub const HEADER: &str = "x-request-id";

/// The middleware; see the module documentation.
pub async fn request_id(request: Request, next: Next) -> Response {
    let id = request
        .headers()
        .get(HEADER)
        .and_then(|value| value.to_str().ok())
        .and_then(accept_id)
        .unwrap_or_else(new_id);
    let span = tracing::info_span!(
        "request",
        id = %id,
        method = %request.method(),
        path = %request.uri().path(),
        user = tracing::field::Empty,
        project = tracing::field::Empty,
    );
    let mut response = REQUEST_ID
        .scope(id.clone(), next.run(request).instrument(span))
        .await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(HEADER, value);
    }
    response
}
