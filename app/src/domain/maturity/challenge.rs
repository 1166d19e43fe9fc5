//! A project's known challenges: what goes wrong, the hypothesis why, the business goal it
//! threatens, and the metrics that test it.

use crate::error::AppError;
use serde::{Deserialize, Serialize};

/// A stored challenge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Challenge {
    pub id: i64,
    pub title: String,
    pub hypothesis: String,
    pub goal: String,
    /// Keys of the metrics that test it.
    pub metrics: Vec<String>,
}

/// A checked challenge, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChallengeDraft {
    pub title: String,
    pub hypothesis: String,
    pub goal: String,
    pub metrics: Vec<String>,
}

fn bounded(field: &str, text: &str, max: usize, required: bool) -> Result<String, AppError> {
    let text = text.trim();
    if required && text.is_empty() {
        return Err(AppError::invalid(field, "is required"));
    }
    if text.chars().count() > max {
        return Err(AppError::invalid(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    Ok(text.to_owned())
}

impl ChallengeDraft {
    /// Checks the form's text; `metrics` is a comma-separated list of metric keys.
    pub fn parse(title: &str, hypothesis: &str, goal: &str, metrics: &str) -> Result<Self, AppError> {
        let mut keys: Vec<String> = metrics
            .split(',')
            .map(|k| k.trim().to_ascii_lowercase())
            .filter(|k| !k.is_empty())
            .collect();
        keys.sort();
        keys.dedup();
        if keys.len() > 20 {
            return Err(AppError::invalid("metrics", "name at most 20 metrics"));
        }
        Ok(ChallengeDraft {
            title: bounded("title", title, 200, true)?,
            hypothesis: bounded("hypothesis", hypothesis, 2000, false)?,
            goal: bounded("goal", goal, 500, false)?,
            metrics: keys,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_draft_is_trimmed_and_its_metrics_listed_once() {
        let draft = ChallengeDraft::parse(
            " Late turns drift to English ",
            "Long contexts dilute the instruction",
            "Keep German customers",
            "reply-language, Reply-Language,, no-delve",
        )
        .unwrap();
        assert_eq!(draft.title, "Late turns drift to English");
        assert_eq!(draft.metrics, ["no-delve", "reply-language"]);
    }

    #[test]
    fn bad_fields_are_named() {
        let title = ChallengeDraft::parse("  ", "", "", "").unwrap_err();
        assert!(title.to_string().contains("title"), "{title}");
        let long = "x".repeat(501);
        let goal = ChallengeDraft::parse("t", "", &long, "").unwrap_err();
        assert!(goal.to_string().contains("goal"), "{goal}");
    }
}
