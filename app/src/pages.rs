//! Routed pages, one per file.

pub mod home;
pub mod login;
pub mod not_found;
pub mod project;
pub mod users;
