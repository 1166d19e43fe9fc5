//! Server-only code: database access, authentication, shared state. Compiled with `ssr` only.

pub mod alerting;
pub mod annotation;
pub mod api_keys;
pub mod audit;
pub mod auth;
pub mod dashboards;
pub mod datasets;
pub mod db;
pub mod experiments;
pub mod feedback;
pub mod hybrid;
pub mod ingest;
pub mod key_cache;
pub mod maturity;
pub mod metric_lifecycle;
pub mod password;
pub mod realtime;
pub mod request;
pub mod scoring;
pub mod secrets;
pub mod security;
pub mod sign_in;
pub mod state;
pub mod telemetry;
pub mod webhook_signature;
pub mod worker;
