//! Every request runs in a tracing span with its id (the client's `x-request-id` when it sent a
//! usable one, else a new one), method and path; the access gate adds the caller and project.
//! The id is answered in `x-request-id` and is the reference shown with an internal error.
//! The client's address (for sign-in throttling) is set for the request's task too.

use app::server::request::{accept_id, new_id, CLIENT_ADDRESS, REQUEST_ID};
use axum::extract::ConnectInfo;
use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use std::net::SocketAddr;
use tracing::Instrument;

/// The header carrying the request id both ways.
pub const HEADER: &str = "x-request-id";

/// The middleware; see the module documentation.
pub async fn request_id(trust_forwarded_for: bool, request: Request, next: Next) -> Response {
    let address = client_address(&request, trust_forwarded_for);
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
        .scope(
            id.clone(),
            CLIENT_ADDRESS.scope(address, next.run(request).instrument(span)),
        )
        .await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(HEADER, value);
    }
    response
}

/// The client's address: the connection's peer, or behind a trusted proxy the last
/// `X-Forwarded-For` entry (the one that proxy appended); "unknown" when neither is known.
fn client_address(request: &Request, trust_forwarded_for: bool) -> String {
    let forwarded = trust_forwarded_for
        .then(|| request.headers().get("x-forwarded-for"))
        .flatten()
        .and_then(|value| value.to_str().ok())
        .and_then(|list| list.rsplit(',').next())
        .map(str::trim)
        .filter(|last| last.parse::<std::net::IpAddr>().is_ok());
    match forwarded {
        Some(address) => address.to_owned(),
        None => request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map_or_else(|| "unknown".to_owned(), |info| info.0.ip().to_string()),
    }
}
