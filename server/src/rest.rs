//! The versioned REST API for clients (`/api/v1`): every route is listed here.
//!
//! Callers authenticate with a project API key (`Authorization: Bearer vk_…`) or a session
//! cookie; [`caller::ApiCaller::for_project`] decides their access to the project in one place.

pub mod audit;
pub mod batch;
pub mod caller;
pub mod check;
pub mod contract;
pub mod csv_body;
pub mod dashboards;
pub mod datasets;
pub mod error;
pub mod experiments;
pub mod feedback;
pub mod maturity;
pub mod metrics;
pub mod openapi;
pub mod otlp;
pub mod outputs;
pub mod query;

use app::server::state::AppState;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post, put, MethodRouter};
use axum::Router;
use std::collections::BTreeMap;

/// Every operation: method, path and handler. The router is built from this list, and the
/// OpenAPI test checks the document against it.
pub fn operations() -> Vec<(&'static str, &'static str, MethodRouter<AppState>)> {
    vec![
        ("GET", "/api/v1/openapi.json", get(openapi::document)),
        ("GET", "/api/v1/projects/{project}/metrics", get(metrics::list)),
        (
            "POST",
            "/api/v1/projects/{project}/metrics",
            post(metrics::create),
        ),
        (
            "GET",
            "/api/v1/projects/{project}/metrics/{key}",
            get(metrics::get),
        ),
        (
            "PUT",
            "/api/v1/projects/{project}/metrics/{key}",
            put(metrics::update),
        ),
        (
            "POST",
            "/api/v1/projects/{project}/metrics/{key}/retire",
            post(metrics::retire),
        ),
        (
            "POST",
            "/api/v1/projects/{project}/metrics/{key}/activate",
            post(metrics::activate),
        ),
        ("POST", "/api/v1/projects/{project}/check", post(check::check)),
        (
            "POST",
            "/api/v1/projects/{project}/outputs",
            post(outputs::ingest).layer(DefaultBodyLimit::max(batch::MAX_BODY)),
        ),
        (
            "POST",
            "/api/v1/projects/{project}/feedback",
            post(feedback::submit).layer(DefaultBodyLimit::max(batch::MAX_BODY)),
        ),
        ("GET", "/api/v1/projects/{project}/outputs", get(outputs::list)),
        (
            "POST",
            "/v1/traces",
            post(otlp::traces).layer(DefaultBodyLimit::max(otlp::MAX_BODY)),
        ),
        (
            "POST",
            "/api/v1/projects/{project}/otlp/v1/traces",
            post(otlp::project_traces).layer(DefaultBodyLimit::max(otlp::MAX_BODY)),
        ),
        (
            "GET",
            "/api/v1/projects/{project}/datasets/{name}/versions/{version}/items",
            get(datasets::export),
        ),
        (
            "GET",
            "/api/v1/projects/{project}/runs/compare",
            get(datasets::compare),
        ),
        ("GET", "/api/v1/projects/{project}/runs/{run}", get(datasets::run)),
        (
            "GET",
            "/api/v1/projects/{project}/overview",
            get(dashboards::overview),
        ),
        (
            "GET",
            "/api/v1/projects/{project}/compare",
            get(dashboards::compare),
        ),
        (
            "GET",
            "/api/v1/projects/{project}/metrics/{key}/trend",
            get(dashboards::trend),
        ),
        (
            "GET",
            "/api/v1/projects/{project}/maturity",
            get(maturity::review),
        ),
        ("GET", "/api/v1/maturity", get(maturity::overview)),
        ("GET", "/api/v1/audit", get(audit::list)),
        (
            "GET",
            "/api/v1/projects/{project}/experiments",
            get(experiments::list),
        ),
        (
            "POST",
            "/api/v1/projects/{project}/experiments",
            post(experiments::create),
        ),
        (
            "GET",
            "/api/v1/projects/{project}/experiments/{key}",
            get(experiments::get),
        ),
        (
            "POST",
            "/api/v1/projects/{project}/experiments/{key}/stop",
            post(experiments::stop),
        ),
        (
            "GET",
            "/api/v1/projects/{project}/experiments/{key}/arm",
            get(experiments::arm),
        ),
    ]
}

/// The `/api/v1` routes.
pub fn routes() -> Router<AppState> {
    let mut paths: BTreeMap<&str, MethodRouter<AppState>> = BTreeMap::new();
    for (_, path, handler) in operations() {
        let merged = match paths.remove(path) {
            Some(existing) => existing.merge(handler),
            None => handler,
        };
        paths.insert(path, merged);
    }
    paths
        .into_iter()
        .fold(Router::new(), |router, (path, handler)| {
            router.route(path, handler)
        })
        .layer(axum::middleware::from_fn(refuse_nul))
}

/// An address holding an encoded NUL character names nothing Vernier can store (PostgreSQL
/// keeps no text with one): 404 before any handler looks it up.
async fn refuse_nul(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    if request.uri().path().to_ascii_lowercase().contains("%00") {
        return error::ApiError::from(app::error::AppError::NotFound("The address".into())).into_response();
    }
    next.run(request).await
}
