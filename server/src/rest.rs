//! The versioned REST API for clients (`/api/v1`): every route is listed here.
//!
//! Callers authenticate with their session cookie today; project API keys (from the ingestion
//! work) plug into [`caller::ApiCaller`], so handlers stay as they are.

pub mod caller;
pub mod check;
pub mod error;
pub mod metrics;
pub mod outputs;

use app::server::state::AppState;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;

/// The `/api/v1` routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/projects/{project}/metrics",
            get(metrics::list).post(metrics::create),
        )
        .route(
            "/api/v1/projects/{project}/metrics/{key}",
            get(metrics::get).put(metrics::update),
        )
        .route(
            "/api/v1/projects/{project}/metrics/{key}/retire",
            post(metrics::retire),
        )
        .route(
            "/api/v1/projects/{project}/metrics/{key}/activate",
            post(metrics::activate),
        )
        .route("/api/v1/projects/{project}/check", post(check::check))
        .route(
            "/api/v1/projects/{project}/outputs",
            post(outputs::ingest).layer(DefaultBodyLimit::max(outputs::MAX_BODY)),
        )
}
