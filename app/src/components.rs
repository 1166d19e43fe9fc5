//! Reusable views.

pub mod for_role;
pub mod forms;
pub mod header;
pub mod outcome;
