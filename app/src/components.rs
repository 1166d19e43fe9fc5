//! Reusable views.

pub mod forms;
pub mod header;
pub mod outcome;
