//! Reusable views.

pub mod add_to_dataset;
pub mod charts;
pub mod data_table;
pub mod fields;
pub mod filters;
pub mod for_role;
pub mod forms;
pub mod header;
pub mod numbers;
pub mod outcome;
pub mod page_head;
pub mod params;
pub mod sparkline;
