//! Browsing stored outputs: the filters of the list, its rows, and one output with its scores.

use super::output::Message;
use super::text::optional;
use crate::choice;
use crate::error::AppError;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Rows per page.
pub const PAGE: i64 = 50;

choice!(
    /// A score's state, as the list filters by it.
    Verdict, "verdict" {
        Pass = "pass", "passed";
        Fail = "fail", "failed";
        Error = "error", "scorer error";
        Pending = "pending", "pending";
        NotApplicable = "na", "not applicable";
    }
);

/// The list's filters as the address carries them (empty = any).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OutputFilter {
    pub version: String,
    pub source: String,
    /// `key=value` of the segment metadata, as `language=de`.
    pub segment: String,
    /// A metric key; with a verdict, outputs whose score of that metric has it.
    pub metric: String,
    pub verdict: String,
    /// Show outputs older than this id (the next page).
    pub before: String,
}

/// A checked filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedOutputFilter {
    pub version: Option<String>,
    pub source: Option<String>,
    pub segment: Option<(String, String)>,
    pub metric: Option<String>,
    pub verdict: Option<Verdict>,
    pub before: Option<i64>,
}

impl OutputFilter {
    /// Checks each filter; a bad one names its field.
    pub fn parse(&self) -> Result<ParsedOutputFilter, AppError> {
        let text = |value: &str| Some(value.trim().to_owned()).filter(|v| !v.is_empty());
        let source = optional(&self.source, |s| match s.trim() {
            s @ ("production" | "eval" | "synthetic") => Ok(s.to_owned()),
            other => Err(AppError::invalid(
                "source",
                format!("'{other}' is not one of: production, eval, synthetic"),
            )),
        })?;
        let segment = optional(&self.segment, |s| match s.split_once('=') {
            Some((key, value)) if !key.trim().is_empty() => {
                Ok((key.trim().to_owned(), value.trim().to_owned()))
            }
            _ => Err(AppError::invalid("segment", "write key=value, as in language=de")),
        })?;
        let before = optional(&self.before, |s| {
            s.trim()
                .parse::<i64>()
                .map_err(|_| AppError::invalid("before", "must be an output id"))
        })?;
        Ok(ParsedOutputFilter {
            version: text(&self.version),
            source,
            segment,
            metric: text(&self.metric),
            verdict: optional(&self.verdict, Verdict::parse)?,
            before,
        })
    }
}

/// One output in the list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutputRow {
    pub id: i64,
    pub occurred_at: DateTime<Utc>,
    pub version: String,
    pub source: String,
    pub conversation_id: Option<String>,
    pub turn_index: Option<i32>,
    /// The start of the reply.
    pub excerpt: String,
    /// Segment metadata as `key=value` pairs.
    pub segments: Vec<String>,
    pub passed: i64,
    pub failed: i64,
    pub errors: i64,
    pub pending: i64,
}

/// A page of the list, with what the filters can choose from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutputPage {
    pub rows: Vec<OutputRow>,
    /// The `before` of the next page, when there is one.
    pub next_before: Option<i64>,
    pub versions: Vec<String>,
    /// Metric keys with names.
    pub metrics: Vec<(String, String)>,
}

/// One score as the output page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct ScoreView {
    pub metric_key: String,
    pub metric_name: String,
    pub value: Option<f64>,
    pub passed: Option<bool>,
    pub rationale: String,
    pub error: Option<String>,
    pub scorer_version: String,
    pub attempts: i16,
    pub retry_at: Option<DateTime<Utc>>,
    pub scored_at: DateTime<Utc>,
}

impl ScoreView {
    /// The score's state.
    pub fn verdict(&self) -> Verdict {
        match (self.passed, &self.error, self.retry_at) {
            (_, Some(_), _) => Verdict::Error,
            (Some(true), None, _) => Verdict::Pass,
            (Some(false), None, _) => Verdict::Fail,
            (None, None, Some(_)) => Verdict::Pending,
            (None, None, None) => Verdict::NotApplicable,
        }
    }
}

/// Another turn of the same conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Turn {
    pub id: i64,
    pub turn_index: Option<i32>,
    pub excerpt: String,
}

/// One output with everything known about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutputDetail {
    pub id: i64,
    pub version: String,
    pub model: Option<String>,
    pub source: String,
    pub external_id: Option<String>,
    pub conversation_id: Option<String>,
    pub turn_index: Option<i32>,
    pub input: Option<String>,
    pub messages: Vec<Message>,
    pub output: String,
    pub expected_output: Option<String>,
    /// Metadata as (key, JSON value) pairs, by key.
    pub metadata: Vec<(String, String)>,
    pub retrieved_ids: Vec<String>,
    pub relevant_ids: Vec<String>,
    /// Relevance grades (document id, grade), by id.
    pub relevance: Vec<(String, f64)>,
    pub latency_ms: Option<i32>,
    pub tokens_in: Option<i32>,
    pub tokens_out: Option<i32>,
    pub occurred_at: DateTime<Utc>,
    pub ingested_at: DateTime<Utc>,
    pub scores: Vec<ScoreView>,
    /// End users' feedback on it, newest first.
    pub feedback: Vec<crate::domain::feedback::FeedbackView>,
    /// Every turn of the conversation, this one included, in order.
    pub turns: Vec<Turn>,
}

/// A metadata value as shown: strings bare, anything else as JSON.
pub fn show_value(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_are_checked_and_trimmed() {
        let filter = OutputFilter {
            version: " v2 ".into(),
            segment: "language = de".into(),
            verdict: "fail".into(),
            before: "120".into(),
            ..Default::default()
        };
        let parsed = filter.parse().unwrap();
        assert_eq!(parsed.version.as_deref(), Some("v2"));
        assert_eq!(parsed.segment, Some(("language".into(), "de".into())));
        assert_eq!((parsed.verdict, parsed.before), (Some(Verdict::Fail), Some(120)));
        assert_eq!(
            OutputFilter::default().parse().unwrap(),
            ParsedOutputFilter::default()
        );
    }

    #[test]
    fn bad_filters_name_their_field() {
        let field = |filter: OutputFilter| filter.parse().unwrap_err().field().map(str::to_owned);
        let bad = |f: fn(&mut OutputFilter)| {
            let mut filter = OutputFilter::default();
            f(&mut filter);
            field(filter)
        };
        assert_eq!(bad(|f| f.segment = "language".into()).as_deref(), Some("segment"));
        assert_eq!(bad(|f| f.segment = "=de".into()).as_deref(), Some("segment"));
        assert_eq!(bad(|f| f.source = "prod".into()).as_deref(), Some("source"));
        assert_eq!(bad(|f| f.verdict = "maybe".into()).as_deref(), Some("verdict"));
        assert_eq!(bad(|f| f.before = "x".into()).as_deref(), Some("before"));
    }

    #[test]
    fn a_score_has_one_verdict() {
        let score = |passed: Option<bool>, error: Option<&str>, retry: bool| ScoreView {
            metric_key: "m".into(),
            metric_name: "M".into(),
            value: passed.map(|p| if p { 1.0 } else { 0.0 }),
            passed,
            rationale: String::new(),
            error: error.map(str::to_owned),
            scorer_version: "builtin-1".into(),
            attempts: 0,
            retry_at: retry.then(Utc::now),
            scored_at: Utc::now(),
        };
        assert_eq!(score(Some(true), None, false).verdict(), Verdict::Pass);
        assert_eq!(score(Some(false), None, false).verdict(), Verdict::Fail);
        assert_eq!(score(None, Some("503"), true).verdict(), Verdict::Error);
        assert_eq!(score(None, None, true).verdict(), Verdict::Pending);
        assert_eq!(score(None, None, false).verdict(), Verdict::NotApplicable);
    }
}
