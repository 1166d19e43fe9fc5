//! Validated types and pure logic shared by the browser and the server.

pub mod api_key;
pub mod choice;
pub mod endpoint;
pub mod metric;
pub mod money;
pub mod output;
pub mod output_browse;
pub mod project;
pub mod role;
pub mod scoring_job;
pub mod text;
pub mod user;
