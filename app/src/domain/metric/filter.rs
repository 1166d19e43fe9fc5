//! Filtering the metric list.

use super::kinds::{Cadence, Category, Stage, Status};
use crate::domain::text::optional;
use crate::error::AppError;
use serde::{Deserialize, Serialize};

/// The filters of the metric list, as the page's query string carries them (empty = any).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MetricFilter {
    pub status: String,
    pub stage: String,
    pub cadence: String,
    pub category: String,
    pub owner: String,
    pub tag: String,
    /// Free text, matched against key, name, description and question.
    pub q: String,
}

/// A checked filter, ready for the database.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedFilter {
    pub status: Option<Status>,
    pub stage: Option<Stage>,
    pub cadence: Option<Cadence>,
    pub category: Option<Category>,
    pub owner: Option<String>,
    pub tag: Option<String>,
    pub q: Option<String>,
}

impl MetricFilter {
    /// Checks each filter value; a bad one names its filter.
    pub fn parse(&self) -> Result<ParsedFilter, AppError> {
        let text = |value: &str, max: usize| {
            let value = value.trim();
            (!value.is_empty()).then(|| value.chars().take(max).collect::<String>().to_lowercase())
        };
        Ok(ParsedFilter {
            status: optional(&self.status, Status::parse)?,
            stage: optional(&self.stage, Stage::parse)?,
            cadence: optional(&self.cadence, Cadence::parse)?,
            category: optional(&self.category, Category::parse)?,
            owner: text(&self.owner, 40),
            tag: text(&self.tag, 32),
            q: text(&self.q, 200),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_filters_match_everything() {
        assert_eq!(MetricFilter::default().parse().unwrap(), ParsedFilter::default());
    }

    #[test]
    fn filters_are_checked_and_normalised() {
        let filter = MetricFilter {
            status: "Active".into(),
            tag: " Tone ".into(),
            q: " Delve ".into(),
            ..Default::default()
        };
        let parsed = filter.parse().unwrap();
        assert_eq!(parsed.status, Some(Status::Active));
        assert_eq!(
            (parsed.tag.as_deref(), parsed.q.as_deref()),
            (Some("tone"), Some("delve"))
        );
        let bad = MetricFilter {
            stage: "sprint".into(),
            ..Default::default()
        };
        assert_eq!(bad.parse().unwrap_err().field(), Some("stage"));
    }
}
