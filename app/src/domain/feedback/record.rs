//! End-user feedback as clients send it: each record checked on its own ([`validate`]), then
//! against the project — its feedback metrics and its outputs ([`resolve`]). Every problem is
//! reported by the record's index and field; a batch with any problem stores nothing.

use super::Scale;
use crate::domain::output::RecordError;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{HashMap, HashSet};

/// Feedback may wait this long for its output to be logged; after it, feedback naming an
/// unknown output is refused, and waiting feedback whose output never came is dropped.
pub const WAIT_HOURS: i64 = 24;
/// Longest comment, in characters.
pub const MAX_COMMENT: usize = 5_000;
/// Feedback dated further in the future than this is refused (clocks differ a little).
#[cfg(feature = "ssr")]
const FUTURE_SLACK_MINUTES: i64 = 5;

/// One feedback record as sent.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedbackRecord {
    /// The client's id of this feedback: a record sent again with it is a duplicate.
    pub id: Option<String>,
    /// The output's Vernier id…
    pub output_id: Option<i64>,
    /// …or the client's `external_id` of it.
    pub external_id: Option<String>,
    /// The feedback metric's key.
    pub metric: Option<String>,
    /// The answer on the metric's scale.
    pub value: Option<Value>,
    pub comment: Option<String>,
    /// The end user's pseudonymous id (never shown to annotators).
    pub user: Option<String>,
    /// When the user gave it; by default when it arrives.
    pub at: Option<DateTime<Utc>>,
}

/// Which output feedback is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Target {
    Output(i64),
    External(String),
}

impl Target {
    /// The record field naming it.
    pub fn field(&self) -> &'static str {
        match self {
            Target::Output(_) => "output_id",
            Target::External(_) => "external_id",
        }
    }
}

/// A record that is well formed, not yet checked against the project.
#[derive(Debug, Clone, PartialEq)]
pub struct NewFeedback {
    pub index: usize,
    pub id: Option<String>,
    pub target: Target,
    pub metric: String,
    pub answer: Value,
    pub comment: Option<String>,
    pub user: Option<String>,
    pub at: DateTime<Utc>,
}

/// Checks each record on its own; every problem of every record is returned.
#[cfg(feature = "ssr")]
pub fn validate(values: Vec<Value>, now: DateTime<Utc>) -> Result<Vec<NewFeedback>, Vec<RecordError>> {
    let mut batch = Vec::with_capacity(values.len());
    let mut errors = Vec::new();
    let mut seen_ids: HashMap<String, usize> = HashMap::new();
    let mut seen_records: HashMap<String, usize> = HashMap::new();
    for (index, value) in values.into_iter().enumerate() {
        if let Some(field) = crate::domain::output::field_with_nul(&value) {
            errors.push(RecordError {
                index,
                field,
                message: "must not contain NUL characters (U+0000)".into(),
            });
            continue;
        }
        let record: FeedbackRecord = match serde_path_to_error::deserialize(value) {
            Ok(record) => record,
            Err(error) => {
                let field = error.path().to_string();
                errors.push(RecordError {
                    index,
                    field: if field == "." || field.is_empty() {
                        "record".into()
                    } else {
                        field
                    },
                    message: error.into_inner().to_string(),
                });
                continue;
            }
        };
        let before = errors.len();
        let checked = check(index, record, now, &mut errors);
        if let Some(feedback) = checked.as_ref().filter(|_| errors.len() == before) {
            let (seen, field, key) = match &feedback.id {
                Some(id) => (&mut seen_ids, "id", id.clone()),
                None => (&mut seen_records, "record", identity(feedback)),
            };
            if let Some(first) = seen.insert(key, index) {
                errors.push(RecordError {
                    index,
                    field: field.into(),
                    message: format!("repeats record {first} of this batch"),
                });
            }
        }
        if errors.len() == before {
            batch.extend(checked);
        }
    }
    if errors.is_empty() {
        Ok(batch)
    } else {
        Err(errors)
    }
}

/// What makes two records without an id the same feedback.
#[cfg(feature = "ssr")]
fn identity(f: &NewFeedback) -> String {
    serde_json::json!([f.target, f.metric, f.answer, f.comment, f.user, f.at]).to_string()
}

#[cfg(feature = "ssr")]
fn check(
    index: usize,
    r: FeedbackRecord,
    now: DateTime<Utc>,
    errors: &mut Vec<RecordError>,
) -> Option<NewFeedback> {
    let mut fail = |field: &str, message: String| {
        errors.push(RecordError {
            index,
            field: field.into(),
            message,
        })
    };
    let mut text = |field: &str, value: Option<String>, max: usize| -> Option<String> {
        crate::domain::text::record_text(value, max).unwrap_or_else(|message| {
            fail(field, message);
            None
        })
    };
    let id = text("id", r.id, 200);
    // Naming both is refused even when the external id is blank.
    let both = r.output_id.is_some() && r.external_id.is_some();
    let external = text("external_id", r.external_id, 200);
    let metric = text("metric", r.metric, 100);
    let comment = text("comment", r.comment, MAX_COMMENT);
    let user = text("user", r.user, 200);
    let target = match (r.output_id, external) {
        (Some(_), _) if both => {
            fail("output_id", "give output_id or external_id, not both".into());
            None
        }
        (Some(id), None) if id > 0 => Some(Target::Output(id)),
        (Some(_), None) => {
            fail("output_id", "must be a positive Vernier output id".into());
            None
        }
        (None, Some(external)) => Some(Target::External(external)),
        (Some(_), Some(_)) => {
            fail("output_id", "give output_id or external_id, not both".into());
            None
        }
        (None, None) => {
            fail(
                "output_id",
                "is required: the output's Vernier id, or its external_id".into(),
            );
            None
        }
    };
    if metric.is_none() {
        fail("metric", "is required: the key of a feedback metric".into());
    }
    let answer = match r.value {
        None | Some(Value::Null) => {
            fail("value", "is required: the answer on the metric's scale".into());
            None
        }
        Some(value) => Some(value),
    };
    let at = r.at.unwrap_or(now);
    if at > now + Duration::minutes(FUTURE_SLACK_MINUTES) {
        fail("at", "is in the future".into());
    }
    Some(NewFeedback {
        index,
        id,
        target: target?,
        metric: metric?,
        answer: answer?,
        comment,
        user,
        at,
    })
}

/// A feedback metric of the project, as records are checked against it.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedbackMetric {
    pub id: i64,
    pub scale: Scale,
    /// Retired metrics take no feedback.
    pub retired: bool,
    /// Whether it is a feedback metric at all (the key may name another kind).
    pub is_feedback: bool,
}

/// The project's outputs the batch names: Vernier ids that exist, and external ids with the
/// Vernier id they have.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KnownOutputs {
    pub ids: HashSet<i64>,
    pub external: HashMap<String, i64>,
}

/// Feedback ready to store: its metric, valued answer and output (`None`: waiting for an
/// output with the record's external id).
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    pub feedback: NewFeedback,
    pub metric_id: i64,
    pub value: f64,
    pub output_id: Option<i64>,
}

/// Checks the batch against the project's feedback metrics and outputs (see [`WAIT_HOURS`]).
pub fn resolve(
    batch: Vec<NewFeedback>,
    metrics: &HashMap<String, FeedbackMetric>,
    known: &KnownOutputs,
    now: DateTime<Utc>,
) -> Result<Vec<Resolved>, Vec<RecordError>> {
    let mut resolved = Vec::with_capacity(batch.len());
    let mut errors = Vec::new();
    for feedback in batch {
        let fail = |field: &str, message: String| RecordError {
            index: feedback.index,
            field: field.into(),
            message,
        };
        let before = errors.len();
        let metric = match metrics.get(&feedback.metric) {
            None => {
                errors.push(fail(
                    "metric",
                    format!("'{}' is not a metric of this project", feedback.metric),
                ));
                None
            }
            Some(m) if !m.is_feedback => {
                errors.push(fail(
                    "metric",
                    format!(
                        "'{}' is not a feedback metric (its scorer is not user_feedback)",
                        feedback.metric
                    ),
                ));
                None
            }
            Some(m) if m.retired => {
                errors.push(fail(
                    "metric",
                    format!("'{}' is retired and takes no feedback", feedback.metric),
                ));
                None
            }
            Some(m) => Some(m),
        };
        let value = metric.and_then(|m| match m.scale.value("value", &feedback.answer) {
            Ok(value) => Some(value),
            Err(error) => {
                errors.push(fail("value", error.message().to_owned()));
                None
            }
        });
        let output_id = match &feedback.target {
            Target::Output(id) if known.ids.contains(id) => Some(*id),
            Target::Output(id) => {
                errors.push(fail(
                    "output_id",
                    format!("output {id} is not an output of this project"),
                ));
                None
            }
            Target::External(external) => match known.external.get(external) {
                Some(id) => Some(*id),
                None if now - feedback.at > Duration::hours(WAIT_HOURS) => {
                    errors.push(fail(
                        "external_id",
                        format!(
                            "no output has external_id '{external}', and feedback waits for its output only {WAIT_HOURS} hours after it was given"
                        ),
                    ));
                    None
                }
                None => None,
            },
        };
        if errors.len() == before {
            if let (Some(metric), Some(value)) = (metric, value) {
                resolved.push(Resolved {
                    metric_id: metric.id,
                    value,
                    output_id,
                    feedback,
                });
            }
        }
    }
    if errors.is_empty() {
        Ok(resolved)
    } else {
        Err(errors)
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests;
