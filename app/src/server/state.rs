//! The state every request handler and server function can reach.

use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;
use sqlx::PgPool;

/// Session rules that are checked on each request, beyond the cookie's idle expiry.
#[derive(Debug, Clone, Copy)]
pub struct SessionPolicy {
    /// A session older than this (since sign-in) is ended, however active it is.
    pub absolute_lifetime: chrono::Duration,
}

/// Shared state: the router's state, and a context value inside server functions.
#[derive(Clone, Debug)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub pool: PgPool,
    pub sessions: SessionPolicy,
    /// Compiled real-time scorers per project.
    pub scorers: std::sync::Arc<super::scorer_cache::ScorerCache>,
    /// Verified API keys and project ids.
    pub keys: std::sync::Arc<super::key_cache::KeyCache>,
    /// Records real-time checks off the request path.
    pub recorder: super::recording::CheckRecorder,
    /// Alert settings, the webhook client and the monitors' wake-up.
    pub alerting: std::sync::Arc<super::alerting::Alerting>,
    /// Process metrics for `/metrics`, and its bearer token (`None`: the endpoint is off).
    pub telemetry: std::sync::Arc<super::telemetry::Telemetry>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
