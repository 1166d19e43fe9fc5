//! `GET /metrics` for Prometheus, behind the bearer token the admin configures
//! (`VERNIER_METRICS_TOKEN`; without one the endpoint answers 404 as if it did not exist), and the
//! middleware that counts every answered request by its route template.

use app::server::state::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The OpenMetrics text format, which `prometheus-client` writes and Prometheus reads.
const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The scrape.
pub async fn scrape(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let telemetry = &state.telemetry;
    if telemetry.token.is_none() {
        return (
            StatusCode::NOT_FOUND,
            "metrics are off: set VERNIER_METRICS_TOKEN",
        )
            .into_response();
    }
    let presented = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    if !telemetry.authorized(presented) {
        let mut response = (StatusCode::UNAUTHORIZED, "a bearer token is required").into_response();
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"vernier metrics\""),
        );
        return response;
    }
    match telemetry.render(&state.pool).await {
        Ok(text) => ([(header::CONTENT_TYPE, CONTENT_TYPE)], text).into_response(),
        Err(error) => {
            tracing::error!("rendering /metrics: {error}");
            (StatusCode::SERVICE_UNAVAILABLE, "metrics unavailable").into_response()
        }
    }
}

/// Counts each answered request by method, route template and status, and times the check.
pub async fn count_requests(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let method = request.method().as_str().to_owned();
    let started = std::time::Instant::now();
    let response = next.run(request).await;
    state.telemetry.record_request(
        &method,
        &route,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}
