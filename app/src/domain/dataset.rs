//! Golden datasets: curated items (an input, what a good reply is, tags) that eval runs are
//! scored on. A dataset's content is versioned: every change makes the next version, and a
//! version never changes, so a run that pinned it can always be read and compared.

pub mod edit;
#[cfg(feature = "ssr")]
pub mod file;
pub mod form;
pub mod health;
pub mod minhash;
pub mod report;
pub mod run;
pub mod variants;

use crate::domain::output::Message;
use crate::domain::text;
use crate::error::AppError;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Most items in one version.
pub const MAX_ITEMS: usize = 10_000;
/// Longest input, expected output or message, in characters.
pub const MAX_TEXT: usize = 20_000;

/// A dataset's name: lower-case letters, digits, `-` and `_`.
pub fn name(value: &str) -> Result<String, AppError> {
    text::identifier("name", value, 1, 60, &['-', '_'])
}

/// A dataset with its latest version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Dataset {
    pub id: i64,
    pub project_id: i64,
    pub name: String,
    pub description: String,
    pub created_at: DateTime<Utc>,
    /// The latest version's number (0: no content yet) and size.
    pub latest: i32,
    pub items: i32,
    /// When the content last changed (the latest version's time, else creation).
    pub changed_at: DateTime<Utc>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub reviewed_by: Option<String>,
    pub runs: i64,
}

/// One version of a dataset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Version {
    pub id: i64,
    pub number: i32,
    pub note: String,
    pub items: i32,
    pub created_by: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// Where an item came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// Written by hand (or imported).
    #[default]
    Hand,
    /// Taken from a logged output (its id is kept on the item).
    Production,
    /// Generated.
    Synthetic,
}

impl Origin {
    pub const ALL: [Origin; 3] = [Origin::Hand, Origin::Production, Origin::Synthetic];

    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Hand => "hand",
            Origin::Production => "production",
            Origin::Synthetic => "synthetic",
        }
    }

    pub fn parse(field: &str, value: &str) -> Result<Self, AppError> {
        Origin::ALL
            .into_iter()
            .find(|o| o.as_str() == value.trim())
            .ok_or_else(|| {
                AppError::invalid(
                    field,
                    format!("'{value}' is not one of: hand, production, synthetic"),
                )
            })
    }
}

/// How hard an item is meant to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Difficulty {
    Easy,
    Medium,
    Hard,
}

impl Difficulty {
    pub const ALL: [Difficulty; 3] = [Difficulty::Easy, Difficulty::Medium, Difficulty::Hard];

    pub fn as_str(self) -> &'static str {
        match self {
            Difficulty::Easy => "easy",
            Difficulty::Medium => "medium",
            Difficulty::Hard => "hard",
        }
    }

    pub fn parse(field: &str, value: &str) -> Result<Self, AppError> {
        Difficulty::ALL
            .into_iter()
            .find(|d| d.as_str() == value.trim())
            .ok_or_else(|| AppError::invalid(field, format!("'{value}' is not one of: easy, medium, hard")))
    }
}

/// An item's tags: the known ones, and free ones.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tags {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub difficulty: Option<Difficulty>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub edge_case: bool,
    /// Free tags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
}

impl Tags {
    /// The tag dimensions a breakdown can group by, with this item's value in each (an item
    /// without a value is in none of that dimension's groups).
    pub fn dimensions(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if let Some(language) = &self.language {
            out.push(("language", language.clone()));
        }
        if let Some(topic) = &self.topic {
            out.push(("topic", topic.clone()));
        }
        if let Some(difficulty) = self.difficulty {
            out.push(("difficulty", difficulty.as_str().to_owned()));
        }
        out.push(("edge case", if self.edge_case { "yes" } else { "no" }.to_owned()));
        for tag in &self.tags {
            out.push(("tag", tag.clone()));
        }
        out
    }
}

/// One item of a dataset version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    /// The item's id, unique within a version and kept across versions.
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub messages: Option<Vec<Message>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_output: Option<String>,
    /// The class a classification metric (intent recognition) should find.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_label: Option<String>,
    #[serde(default)]
    pub tags: Tags,
    /// Items with one case id are variants of one case (zero-shot, few-shot, paraphrase…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    #[serde(default)]
    pub source: Origin,
    /// The logged output the item was taken from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_id: Option<i64>,
}

impl Item {
    /// The text a near-duplicate check compares: the input, or the user's turns.
    pub fn prompt_text(&self) -> String {
        match (&self.input, &self.messages) {
            (Some(input), _) => input.clone(),
            (None, Some(messages)) => messages
                .iter()
                .filter(|m| m.role == "user")
                .map(|m| m.content.as_str())
                .collect::<Vec<_>>()
                .join("\n"),
            (None, None) => String::new(),
        }
    }

    /// Checks and normalises the item; the first wrong field is named.
    pub fn checked(mut self) -> Result<Item, AppError> {
        self.id = text::item_key("id", &self.id)?;
        let long = |field: &str, value: &Option<String>| -> Result<Option<String>, AppError> {
            match value {
                None => Ok(None),
                Some(v) if v.trim().is_empty() => Ok(None),
                Some(v) if v.contains('\0') => {
                    Err(AppError::invalid(field, "must not contain NUL characters"))
                }
                Some(v) if v.chars().count() > MAX_TEXT => Err(AppError::invalid(
                    field,
                    format!("must be at most {MAX_TEXT} characters"),
                )),
                Some(v) => Ok(Some(v.clone())),
            }
        };
        self.input = long("input", &self.input)?;
        self.expected_output = long("expected_output", &self.expected_output)?;
        if self.messages.as_ref().is_some_and(Vec::is_empty) {
            self.messages = None;
        }
        if let Some(messages) = &self.messages {
            for (i, m) in messages.iter().enumerate() {
                if !["system", "user", "assistant", "tool"].contains(&m.role.as_str()) {
                    return Err(AppError::invalid(
                        &format!("messages[{i}].role"),
                        "must be one of: system, user, assistant, tool",
                    ));
                }
                long(&format!("messages[{i}].content"), &Some(m.content.clone()))?;
            }
        }
        if self.input.is_none() && self.messages.is_none() {
            return Err(AppError::invalid("input", "an item needs an input or messages"));
        }
        let short = |field: &str, value: &Option<String>| -> Result<Option<String>, AppError> {
            match value.as_deref().map(str::trim) {
                None | Some("") => Ok(None),
                Some(v) => text::bounded(field, v, 1, 100).map(Some),
            }
        };
        self.expected_label = short("expected_label", &self.expected_label)?;
        self.tags.language = short("tags.language", &self.tags.language)?.map(|l| l.to_lowercase());
        self.tags.topic = short("tags.topic", &self.tags.topic)?;
        let mut free = Vec::new();
        for tag in &self.tags.tags {
            let tag = text::bounded("tags.tags", tag, 1, 60)?;
            if !free.contains(&tag) {
                free.push(tag);
            }
        }
        self.tags.tags = free;
        self.case_id = self
            .case_id
            .as_deref()
            .map(|c| text::item_key("case_id", c))
            .transpose()?;
        self.variant = self
            .variant
            .as_deref()
            .map(|v| text::item_key("variant", v))
            .transpose()?;
        if self.variant.is_some() && self.case_id.is_none() {
            return Err(AppError::invalid(
                "case_id",
                "a variant belongs to a case: give its case_id",
            ));
        }
        if self.output_id.is_some() && self.source != Origin::Production {
            return Err(AppError::invalid(
                "output_id",
                "only an item from production names an output",
            ));
        }
        Ok(self)
    }
}

/// A problem at one line (1-based) of an import, or one item of a batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineError {
    pub line: usize,
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for LineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}, {}: {}", self.line, self.field, self.message)
    }
}

/// Where an item is: its line, or (line 0) already in the dataset.
fn place(line: usize) -> String {
    if line == 0 {
        "an item already in the dataset".into()
    } else {
        format!("the item at line {line}")
    }
}

/// Checks a whole version's items, each at its line (`lines[i]` for `items[i]`): every item
/// on its own, then ids unique and one item per variant of a case. All problems are returned.
pub fn check_all(items: Vec<(usize, Item)>) -> Result<Vec<Item>, Vec<LineError>> {
    let mut errors = Vec::new();
    let mut checked = Vec::with_capacity(items.len());
    let mut ids = std::collections::HashMap::new();
    let mut variants = std::collections::HashMap::new();
    if items.len() > MAX_ITEMS {
        errors.push(LineError {
            line: items.get(MAX_ITEMS).map_or(0, |(line, _)| *line),
            field: "file".into(),
            message: format!("a dataset holds at most {MAX_ITEMS} items"),
        });
        return Err(errors);
    }
    for (line, item) in items {
        match item.checked() {
            Err(AppError::Validation { field, message }) => errors.push(LineError { line, field, message }),
            Err(other) => errors.push(LineError {
                line,
                field: "item".into(),
                message: other.to_string(),
            }),
            Ok(item) => {
                if let Some(first) = ids.insert(item.id.clone(), line) {
                    errors.push(LineError {
                        line,
                        field: "id".into(),
                        message: format!("'{}' is already the id of {}", item.id, place(first)),
                    });
                }
                if let (Some(case), Some(variant)) = (&item.case_id, &item.variant) {
                    if let Some(first) = variants.insert((case.clone(), variant.clone()), line) {
                        errors.push(LineError {
                            line,
                            field: "variant".into(),
                            message: format!(
                                "case '{case}' already has variant '{variant}' ({})",
                                place(first)
                            ),
                        });
                    }
                }
                checked.push(item);
            }
        }
    }
    if errors.is_empty() {
        Ok(checked)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
pub(crate) mod tests;
