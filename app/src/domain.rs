//! Validated types and pure logic shared by the browser and the server.

pub mod actor;
pub mod annotation;
pub mod api_key;
pub mod choice;
pub mod dataset;
pub mod endpoint;
pub mod experiment;
pub mod feedback;
pub mod hybrid;
pub mod judge_check;
pub mod maturity;
pub mod membership;
pub mod metric;
pub mod money;
pub mod monitor;
pub mod otlp;
pub mod output;
pub mod output_browse;
pub mod project;
pub mod role;
pub mod rubric;
pub mod scoring_job;
pub mod stats;
pub mod text;
pub mod trends;
pub mod user;
