//! HTTP tests against the real router (`build_router`) on an ephemeral port, with a fresh
//! database per test. One test binary; one module per area.

mod alerts;
mod api_keys;
mod audit;
mod auth;
mod browse;
mod check;
mod cross_project;
mod csrf;
mod delivery;
mod experiments;
mod feedback;
mod headers;
mod limits;
mod matrix;
mod members;
mod metrics_api;
mod openapi;
mod otlp;
mod outputs;
mod support;
mod throttle;
