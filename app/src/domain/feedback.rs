//! End-user feedback on an output: the scale it is given on, and how several feedbacks on one
//! output combine into the output's value for a feedback metric.

use crate::error::AppError;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The scale end users answer on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Scale {
    /// Thumbs down (0) or up (1).
    Thumbs,
    /// Whole stars from 1 to `max`.
    Stars { max: u8 },
    /// One of these categories, valued by position (0, 1, …).
    Categories(Vec<String>),
}

impl Scale {
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
            (Scale::Categories(names), Value::String(s)) => names
                .iter()
                .position(|name| name == s)
                .map(|i| i as f64)
                .ok_or_else(|| {
                    AppError::invalid(field, format!("'{s}' is not one of: {}", names.join(", ")))
                }),
            (Scale::Categories(names), _) => Err(AppError::invalid(
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
        let categories = Scale::Categories(vec!["wrong".into(), "unclear".into(), "helpful".into()]);
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
