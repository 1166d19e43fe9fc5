//! End-user feedback on an output: the scale it is given on, and how several feedbacks on one
//! output combine into the output's value for a feedback metric.

use crate::error::AppError;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub mod record;

/// The scale end users answer on, written `{"type": "thumbs"}`, `{"type": "stars", "max": 5}`
/// or `{"type": "categories", "names": ["wrong", "unclear", "helpful"]}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Scale {
    /// Thumbs down (0) or up (1).
    Thumbs,
    /// Whole stars from 1 to `max`.
    Stars {
        #[serde(default = "five")]
        max: u8,
    },
    /// One of these categories, valued by position (0, 1, …), worst first.
    Categories { names: Vec<String> },
}

fn five() -> u8 {
    5
}

/// Most categories on one scale.
pub const MAX_CATEGORIES: usize = 20;

impl Scale {
    /// Checks the scale; errors are reported on the `scorer` field.
    pub fn validate(&self) -> Result<(), AppError> {
        match self {
            Scale::Thumbs => Ok(()),
            Scale::Stars { max } if !(2..=10).contains(max) => Err(AppError::invalid(
                "scorer",
                format!("a star scale has 2 to 10 stars, got {max}"),
            )),
            Scale::Stars { .. } => Ok(()),
            Scale::Categories { names } => {
                let mut seen = std::collections::HashSet::new();
                if !(2..=MAX_CATEGORIES).contains(&names.len()) {
                    return Err(AppError::invalid(
                        "scorer",
                        format!("a category scale has 2 to {MAX_CATEGORIES} names, worst first"),
                    ));
                }
                match names
                    .iter()
                    .find(|n| n.trim().is_empty() || n.chars().count() > 60 || !seen.insert(n.as_str()))
                {
                    Some(name) => Err(AppError::invalid(
                        "scorer",
                        format!("category '{name}' is empty, longer than 60 characters or repeated"),
                    )),
                    None => Ok(()),
                }
            }
        }
    }

    /// The lowest and highest value (for hybrid metrics, which bring it to 0..1).
    pub fn range(&self) -> (f64, f64) {
        match self {
            Scale::Thumbs => (0.0, 1.0),
            Scale::Stars { max } => (1.0, f64::from(*max)),
            Scale::Categories { names } => (0.0, names.len().saturating_sub(1) as f64),
        }
    }

    /// Every value an answer can have, lowest first (the levels of an ordinal scale).
    pub fn levels(&self) -> Vec<f64> {
        let (low, high) = self.range();
        (low as u32..=high as u32).map(f64::from).collect()
    }

    /// An answer's value as people read it: "thumbs up", "4★ of 5", a category's name (a mean of
    /// several answers: "67% thumbs up", "3.5★ of 5").
    pub fn label(&self, value: f64) -> String {
        match self {
            Scale::Thumbs if value == 1.0 => "thumbs up".into(),
            Scale::Thumbs if value == 0.0 => "thumbs down".into(),
            Scale::Thumbs => format!("{:.0}% thumbs up", value * 100.0),
            Scale::Stars { max } if value.fract() == 0.0 => format!("{value:.0}★ of {max}"),
            Scale::Stars { max } => format!("{value:.1}★ of {max}"),
            Scale::Categories { names } => names
                .get(value.round().max(0.0) as usize)
                .filter(|_| value.fract() == 0.0)
                .cloned()
                .unwrap_or_else(|| format!("{value:.2}")),
        }
    }

    /// A sentence for pages and documentation.
    pub fn describe(&self) -> String {
        match self {
            Scale::Thumbs => "thumbs up (1) or down (0)".into(),
            Scale::Stars { max } => format!("1 to {max} stars"),
            Scale::Categories { names } => {
                format!("one of {} (valued 0, 1, … in this order)", names.join(", "))
            }
        }
    }

    /// The value of an answer: `true`/`false` or "up"/"down" for thumbs, a whole number of stars,
    /// or a category's name. A bad answer is an error on `field`.
    pub fn value(&self, field: &str, answer: &serde_json::Value) -> Result<f64, AppError> {
        use serde_json::Value;
        match (self, answer) {
            (Scale::Thumbs, Value::Bool(up)) => Ok(f64::from(u8::from(*up))),
            (Scale::Thumbs, Value::String(s)) if s == "up" || s == "down" => {
                Ok(f64::from(u8::from(s == "up")))
            }
            (Scale::Thumbs, _) => Err(AppError::invalid(
                field,
                "must be true or false (or \"up\" / \"down\")",
            )),
            (Scale::Stars { max }, Value::Number(n)) => match n.as_u64() {
                Some(stars) if (1..=u64::from(*max)).contains(&stars) => Ok(stars as f64),
                _ => Err(AppError::invalid(
                    field,
                    format!("must be a whole number of stars from 1 to {max}"),
                )),
            },
            (Scale::Stars { max }, _) => Err(AppError::invalid(
                field,
                format!("must be a whole number of stars from 1 to {max}"),
            )),
            (Scale::Categories { names }, Value::String(s)) => names
                .iter()
                .position(|name| name == s)
                .map(|i| i as f64)
                .ok_or_else(|| {
                    AppError::invalid(field, format!("'{s}' is not one of: {}", names.join(", ")))
                }),
            (Scale::Categories { names }, _) => Err(AppError::invalid(
                field,
                format!("must be one of: {}", names.join(", ")),
            )),
        }
    }
}

crate::choice!(
    /// How several feedbacks on one output make its value.
    Combine, "combine" {
        /// The most recent answer (a user who changes their mind counts once, as they are now).
        Latest = "latest", "Latest";
        /// The mean of every answer.
        Mean = "mean", "Mean";
    }
);

/// The rule a feedback metric combines by unless it says otherwise.
pub fn latest() -> Combine {
    Combine::Latest
}

/// One answer's value and time.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    pub value: f64,
    pub at: DateTime<Utc>,
}

/// The output's value from its answers; `None` without any. Ties of time go to the later
/// answer in the list (the one received last).
pub fn combine(rule: Combine, answers: &[Answer]) -> Option<f64> {
    if answers.is_empty() {
        return None;
    }
    Some(match rule {
        Combine::Latest => {
            answers
                .iter()
                .fold(
                    answers[0],
                    |latest, a| if a.at >= latest.at { *a } else { latest },
                )
                .value
        }
        Combine::Mean => answers.iter().map(|a| a.value).sum::<f64>() / answers.len() as f64,
    })
}

/// One answer as pages show it (the end user's id is never part of it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct FeedbackView {
    pub id: i64,
    pub output_id: i64,
    pub metric_key: String,
    pub metric_name: String,
    pub version: String,
    /// The answer as people read it ("thumbs down", "2★ of 5"); from the metric's scale.
    #[cfg_attr(feature = "ssr", sqlx(skip))]
    pub label: String,
    pub value: f64,
    /// Whether this answer alone passes the metric's rule.
    pub passed: bool,
    pub comment: Option<String>,
    pub given_at: DateTime<Utc>,
}

/// Which negative feedback comments to list (the comments page's address).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CommentFilter {
    /// A feedback metric's key; empty: all.
    pub metric: String,
    /// A version label; empty: all.
    pub version: String,
    /// Words the comment contains (case-insensitive); empty: any comment.
    pub search: String,
    /// Only answers given before this answer (by id): the next page.
    pub before: Option<i64>,
}

/// Comments per page.
pub const COMMENTS_PAGE: i64 = 50;

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use serde_json::json;

    fn at(minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 12, minute, 0).unwrap()
    }

    #[test]
    fn answers_are_valued_on_their_scale_or_refused_on_the_field() {
        assert_eq!(Scale::Thumbs.value("value", &json!(true)).unwrap(), 1.0);
        assert_eq!(Scale::Thumbs.value("value", &json!("down")).unwrap(), 0.0);
        assert_eq!(Scale::Stars { max: 5 }.value("value", &json!(4)).unwrap(), 4.0);
        let categories = Scale::Categories {
            names: vec!["wrong".into(), "unclear".into(), "helpful".into()],
        };
        assert_eq!(categories.value("value", &json!("helpful")).unwrap(), 2.0);
        for (scale, bad) in [
            (Scale::Thumbs, json!(1)),
            (Scale::Stars { max: 5 }, json!(6)),
            (Scale::Stars { max: 5 }, json!(0)),
            (Scale::Stars { max: 5 }, json!(4.5)),
            (categories, json!("great")),
        ] {
            assert_eq!(
                scale.value("value", &bad).unwrap_err().field(),
                Some("value"),
                "{scale:?} {bad}"
            );
        }
    }

    #[test]
    fn scales_know_their_range_levels_and_labels_and_refuse_odd_shapes() {
        let stars: Scale = serde_json::from_value(json!({"type": "stars"})).unwrap();
        assert_eq!(stars, Scale::Stars { max: 5 });
        assert_eq!(stars.range(), (1.0, 5.0));
        assert_eq!(stars.levels(), vec![1.0, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!(stars.label(4.0), "4★ of 5");
        assert_eq!(stars.label(3.5), "3.5★ of 5");
        assert_eq!(Scale::Thumbs.levels(), vec![0.0, 1.0]);
        assert_eq!(Scale::Thumbs.label(0.0), "thumbs down");
        assert_eq!(Scale::Thumbs.label(2.0 / 3.0), "67% thumbs up");
        let categories: Scale =
            serde_json::from_value(json!({"type": "categories", "names": ["wrong", "ok", "great"]})).unwrap();
        assert_eq!(categories.range(), (0.0, 2.0));
        assert_eq!(categories.label(1.0), "ok");
        assert_eq!(categories.label(0.5), "0.50");
        for bad in [
            Scale::Stars { max: 1 },
            Scale::Stars { max: 11 },
            Scale::Categories {
                names: vec!["one".into()],
            },
            Scale::Categories {
                names: vec!["a".into(), "a".into()],
            },
            Scale::Categories {
                names: vec!["a".into(), " ".into()],
            },
        ] {
            assert_eq!(bad.validate().unwrap_err().field(), Some("scorer"), "{bad:?}");
        }
        assert!(serde_json::from_value::<Scale>(json!({"type": "hearts"})).is_err());
    }

    #[test]
    fn several_answers_combine_by_the_stated_rule() {
        let answers = [
            Answer {
                value: 5.0,
                at: at(1),
            },
            Answer {
                value: 1.0,
                at: at(9),
            },
            Answer {
                value: 3.0,
                at: at(5),
            },
        ];
        assert_eq!(combine(Combine::Latest, &answers), Some(1.0));
        assert_eq!(combine(Combine::Mean, &answers), Some(3.0));
        assert_eq!(combine(Combine::Mean, &[]), None);
        assert_eq!(combine(Combine::Latest, &[]), None);
        // The same minute: the one received last counts.
        let tie = [
            Answer {
                value: 0.0,
                at: at(2),
            },
            Answer {
                value: 1.0,
                at: at(2),
            },
        ];
        assert_eq!(combine(Combine::Latest, &tie), Some(1.0));
    }
}
