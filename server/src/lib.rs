//! Vernier's server: configuration, database and sessions, the HTTP gate, and start-up.

pub mod cli;
pub mod config;
pub mod csrf;
pub mod delivery;
pub mod demo;
pub mod gate;
pub mod local_pg;
pub mod metrics_endpoint;
pub mod otlp;
pub mod request_id;
pub mod rest;
pub mod secret_key;
pub mod security_headers;
pub mod startup;
