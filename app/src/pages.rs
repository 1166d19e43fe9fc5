//! Routed pages, one per file.

pub mod annotate;
pub mod api_keys;
pub mod compare;
pub mod endpoints;
pub mod home;
pub mod impact;
pub mod judge_check;
pub mod login;
pub mod members;
pub mod metric;
pub mod metric_form;
pub mod metric_trend;
pub mod metrics;
pub mod metrics_io;
pub mod not_found;
pub mod output;
pub mod outputs;
pub mod overview;
pub mod project;
pub mod queue;
pub mod queue_report;
pub mod queues;
pub mod rescoring;
pub mod rubrics;
pub mod segment_keys;
pub mod users;
