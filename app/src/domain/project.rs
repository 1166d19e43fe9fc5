//! Projects: one LLM application each.

use super::text::{bounded, identifier};
use crate::error::AppError;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A project as pages and the API see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectView {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub purpose: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// A project in the caller's project list, with the caller's role there (admins: owner).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectListing {
    pub project: ProjectView,
    pub role: super::membership::ProjectRole,
}

/// A validated request to create a project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProject {
    pub name: String,
    pub slug: String,
    pub description: String,
    pub purpose: String,
}

impl NewProject {
    /// Longest name.
    pub const NAME_MAX: usize = 100;
    /// Longest slug.
    pub const SLUG_MAX: usize = 48;
    /// Longest description or purpose.
    pub const TEXT_MAX: usize = 2000;

    /// Parses every field; a blank slug is derived from the name.
    pub fn parse(name: &str, slug: &str, description: &str, purpose: &str) -> Result<Self, AppError> {
        let name = bounded("name", name, 1, Self::NAME_MAX)?;
        let slug = if slug.trim().is_empty() {
            slugify(&name)
        } else {
            slug.trim().to_owned()
        };
        Ok(Self {
            slug: parse_slug(&slug)?,
            name,
            description: bounded("description", description, 0, Self::TEXT_MAX)?,
            purpose: bounded("purpose", purpose, 0, Self::TEXT_MAX)?,
        })
    }
}

/// Parses a project slug: 2–48 characters of `a-z 0-9 -`.
pub fn parse_slug(value: &str) -> Result<String, AppError> {
    identifier("slug", value, 2, NewProject::SLUG_MAX, &['-'])
}

/// Derives a slug from a name: lower case, runs of other characters become one dash.
pub fn slugify(name: &str) -> String {
    let mut slug = String::new();
    for c in name.to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-');
    slug.chars()
        .take(NewProject::SLUG_MAX)
        .collect::<String>()
        .trim_end_matches('-')
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slug_is_derived_from_the_name() {
        assert_eq!(slugify("Support bot — DACH"), "support-bot-dach");
        assert_eq!(slugify("  RAG: FAQ (v2) "), "rag-faq-v2");
    }

    #[test]
    fn a_blank_slug_takes_the_derived_one() {
        let project = NewProject::parse("Support bot — DACH", "", "", "").unwrap();
        assert_eq!(project.slug, "support-bot-dach");
    }

    #[test]
    fn a_name_without_letters_needs_an_explicit_slug() {
        let error = NewProject::parse("!!!", "", "", "").unwrap_err();
        assert_eq!(error.field(), Some("slug"));
    }

    #[test]
    fn an_empty_name_is_refused_on_the_name_field() {
        assert_eq!(
            NewProject::parse(" ", "x1", "", "").unwrap_err().field(),
            Some("name")
        );
    }

    #[test]
    fn an_over_long_description_is_refused() {
        let error = NewProject::parse("Bot", "bot", &"x".repeat(2001), "").unwrap_err();
        assert_eq!(error.field(), Some("description"));
    }
}
