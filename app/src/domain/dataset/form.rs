//! The forms that create a dataset and write one item by hand, as typed.

use super::{name, Difficulty, Item, Origin, Tags};
use crate::domain::text;
use crate::error::AppError;
use serde::{Deserialize, Serialize};

/// A new dataset.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DatasetForm {
    pub name: String,
    pub description: String,
}

impl DatasetForm {
    /// The name and description, checked.
    pub fn parse(&self) -> Result<(String, String), AppError> {
        Ok((
            name(&self.name)?,
            text::bounded("description", &self.description, 0, 500)?,
        ))
    }
}

/// One item as the item form has it (tags comma-separated; edge case "on" when ticked).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ItemForm {
    pub id: String,
    pub input: String,
    pub expected_output: String,
    pub expected_label: String,
    pub language: String,
    pub topic: String,
    pub difficulty: String,
    pub edge_case: String,
    pub tags: String,
    pub case_id: String,
    pub variant: String,
}

impl ItemForm {
    /// The item written by hand (checked when the version is written).
    pub fn item(&self) -> Result<Item, AppError> {
        let some = |v: &str| Some(v.trim().to_owned()).filter(|v| !v.is_empty());
        Ok(Item {
            id: self.id.trim().to_owned(),
            input: some(&self.input),
            messages: None,
            expected_output: some(&self.expected_output),
            expected_label: some(&self.expected_label),
            tags: Tags {
                language: some(&self.language),
                topic: some(&self.topic),
                difficulty: text::optional(&self.difficulty, |d| Difficulty::parse("difficulty", d))?,
                edge_case: matches!(self.edge_case.as_str(), "on" | "true" | "yes"),
                tags: text::list(&self.tags),
            },
            case_id: some(&self.case_id),
            variant: some(&self.variant),
            source: Origin::Hand,
            output_id: None,
        })
    }
}
