//! Validated types and pure logic shared by the browser and the server.

pub mod project;
pub mod role;
pub mod text;
pub mod user;
