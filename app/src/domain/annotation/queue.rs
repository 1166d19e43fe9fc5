//! Annotation queues as owners and managers define them: metrics, a sample, annotators,
//! overlap and a due date; and the pure rules for sampling and assignment.

use crate::choice;
use crate::domain::metric::parse_date;
use crate::domain::text::{bounded, list, optional};
use crate::error::AppError;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

choice!(
    /// How a queue's outputs are chosen.
    SamplingKind, "sampling" {
        Random = "random", "Random";
        BySegment = "segment", "Stratified by a segment key";
        ByVersion = "version", "Stratified by system version";
        Failed = "failed", "Failed by an automated metric";
        NegativeFeedback = "negative_feedback", "Negative end-user feedback";
    }
);

/// The sample of a queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Sampling {
    /// `n` outputs drawn at random.
    Random { n: u32 },
    /// Up to `n` outputs spread equally over the values of segment key `key`.
    Segment { key: String, n: u32 },
    /// Up to `n` outputs spread equally over the system versions.
    Version { n: u32 },
    /// Up to `n` outputs that automated metric `metric` failed (or flagged), newest first.
    Failed { metric: String, n: u32 },
    /// Up to `n` outputs whose end users' feedback on feedback metric `metric` fails it,
    /// newest first.
    NegativeFeedback { metric: String, n: u32 },
}

impl Sampling {
    /// How many outputs are wanted.
    pub fn n(&self) -> u32 {
        match self {
            Sampling::Random { n }
            | Sampling::Segment { n, .. }
            | Sampling::Version { n }
            | Sampling::Failed { n, .. }
            | Sampling::NegativeFeedback { n, .. } => *n,
        }
    }

    /// A sentence for pages.
    pub fn describe(&self) -> String {
        match self {
            Sampling::Random { n } => format!("{n} random outputs"),
            Sampling::Segment { key, n } => format!("{n} outputs stratified by segment '{key}'"),
            Sampling::Version { n } => format!("{n} outputs stratified by version"),
            Sampling::Failed { metric, n } => format!("{n} outputs failed by {metric}"),
            Sampling::NegativeFeedback { metric, n } => {
                format!("{n} outputs with negative feedback on {metric}")
            }
        }
    }
}

/// Largest sample of one queue.
pub const MAX_SAMPLE: u32 = 5_000;

/// A queue as the form submits it; lists are comma-separated.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct QueueInput {
    pub name: String,
    /// Keys of the human (or hybrid) metrics to rate.
    pub metrics: String,
    pub sampling: String,
    pub n: String,
    /// The segment key, for `segment` sampling.
    #[serde(default)]
    pub segment_key: String,
    /// The automated metric's key, for `failed` sampling.
    #[serde(default)]
    pub failed_metric: String,
    /// The feedback metric's key, for `negative_feedback` sampling.
    #[serde(default)]
    pub feedback_metric: String,
    /// Usernames of the annotators.
    pub annotators: String,
    pub overlap: String,
    #[serde(default)]
    pub due_date: String,
}

/// A validated queue; metric keys and usernames are checked against the project later.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueDraft {
    pub name: String,
    pub metrics: Vec<String>,
    pub sampling: Sampling,
    pub annotators: Vec<String>,
    pub overlap: u32,
    pub due_date: Option<NaiveDate>,
}

fn number(field: &str, value: &str, min: u32, max: u32) -> Result<u32, AppError> {
    value
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| AppError::invalid(field, format!("must be a whole number from {min} to {max}")))
}

impl QueueDraft {
    /// Validates every field; the first problem is reported on its field.
    pub fn parse(input: &QueueInput) -> Result<Self, AppError> {
        let name = bounded("name", &input.name, 1, 120)?;
        let metrics = list(&input.metrics);
        if metrics.is_empty() {
            return Err(AppError::invalid(
                "metrics",
                "name at least one human metric to rate",
            ));
        }
        let n = number("n", &input.n, 1, MAX_SAMPLE)?;
        let sampling = match SamplingKind::parse(&input.sampling)? {
            SamplingKind::Random => Sampling::Random { n },
            SamplingKind::ByVersion => Sampling::Version { n },
            SamplingKind::BySegment => Sampling::Segment {
                key: bounded("segment_key", &input.segment_key, 1, 100)?,
                n,
            },
            SamplingKind::Failed => Sampling::Failed {
                metric: bounded("failed_metric", &input.failed_metric, 1, 100)?,
                n,
            },
            SamplingKind::NegativeFeedback => Sampling::NegativeFeedback {
                metric: bounded("feedback_metric", &input.feedback_metric, 1, 100)?,
                n,
            },
        };
        let annotators = list(&input.annotators);
        if annotators.is_empty() {
            return Err(AppError::invalid("annotators", "assign at least one annotator"));
        }
        let overlap = number("overlap", &input.overlap, 1, 20)?;
        if overlap as usize > annotators.len() {
            return Err(AppError::invalid(
                "overlap",
                format!(
                    "each item needs {overlap} different annotators, but only {} are assigned",
                    annotators.len()
                ),
            ));
        }
        let due_date = optional(&input.due_date, |d| parse_date("due_date", d))?;
        Ok(Self {
            name,
            metrics,
            sampling,
            annotators,
            overlap,
            due_date,
        })
    }
}

/// Splits a sample of `n` over strata of the given sizes equally, so a small segment (the 3%
/// German speakers) is rated as often as a large one. A stratum smaller than its share gives
/// all it has and the rest goes to the others, one at a time in stratum order.
pub fn allocate(sizes: &[usize], n: usize) -> Vec<usize> {
    let mut taken = vec![0; sizes.len()];
    let mut left = n.min(sizes.iter().sum());
    while left > 0 {
        let open: Vec<usize> = (0..sizes.len()).filter(|&i| taken[i] < sizes[i]).collect();
        let share = (left / open.len()).max(1);
        for i in open {
            if left == 0 {
                break;
            }
            let more = share.min(sizes[i] - taken[i]).min(left);
            taken[i] += more;
            left -= more;
        }
    }
    taken
}

/// Who rates each of `items` items: `overlap` distinct annotators per item, rotating so that
/// everyone gets the same number of items (±1). `annotators` must hold at least `overlap`.
pub fn assign(items: usize, annotators: &[i64], overlap: usize) -> Vec<Vec<i64>> {
    let m = annotators.len();
    (0..items)
        .map(|item| {
            (0..overlap)
                .map(|j| annotators[(item * overlap + j) % m])
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> QueueInput {
        QueueInput {
            name: "Helpfulness, week 48".into(),
            metrics: "helpfulness, tone, helpfulness".into(),
            sampling: "segment".into(),
            n: "30".into(),
            segment_key: "language".into(),
            failed_metric: String::new(),
            feedback_metric: String::new(),
            annotators: "anna, ben".into(),
            overlap: "2".into(),
            due_date: "2026-12-01".into(),
        }
    }

    #[test]
    fn a_queue_parses_with_lists_deduplicated() {
        let draft = QueueDraft::parse(&input()).unwrap();
        assert_eq!(draft.metrics, ["helpfulness", "tone"]);
        assert_eq!(
            draft.sampling,
            Sampling::Segment {
                key: "language".into(),
                n: 30
            }
        );
        assert_eq!(draft.annotators, ["anna", "ben"]);
        assert_eq!(draft.due_date, NaiveDate::from_ymd_opt(2026, 12, 1));
    }

    #[test]
    fn bad_queues_name_the_field() {
        type Spoil = fn(&mut QueueInput);
        let cases: [(Spoil, &str); 7] = [
            (|i| i.metrics = " ".into(), "metrics"),
            (|i| i.n = "0".into(), "n"),
            (|i| i.sampling = "everything".into(), "sampling"),
            (|i| i.segment_key = String::new(), "segment_key"),
            (|i| i.annotators = String::new(), "annotators"),
            (|i| i.overlap = "3".into(), "overlap"),
            (|i| i.due_date = "soon".into(), "due_date"),
        ];
        for (spoil, field) in cases {
            let mut bad = input();
            spoil(&mut bad);
            assert_eq!(QueueDraft::parse(&bad).unwrap_err().field(), Some(field));
        }
    }

    #[test]
    fn strata_share_the_sample_equally_and_small_ones_give_what_they_have() {
        assert_eq!(allocate(&[100, 100, 100], 30), [10, 10, 10]);
        // 97% English, 3% German: German is not drowned out.
        assert_eq!(allocate(&[970, 30], 40), [20, 20]);
        assert_eq!(allocate(&[970, 5], 40), [35, 5]);
        assert_eq!(allocate(&[3, 2], 40), [3, 2]);
        assert_eq!(allocate(&[10, 10, 10], 4).iter().sum::<usize>(), 4);
        assert_eq!(allocate(&[], 4), Vec::<usize>::new());
    }

    #[test]
    fn each_item_gets_overlap_distinct_annotators_and_load_is_balanced() {
        let annotators = [1, 2, 3];
        let plan = assign(10, &annotators, 2);
        for raters in &plan {
            assert_eq!(raters.len(), 2);
            assert_ne!(raters[0], raters[1]);
        }
        let load: Vec<usize> = annotators
            .iter()
            .map(|a| plan.iter().filter(|r| r.contains(a)).count())
            .collect();
        assert!(
            load.iter().max().unwrap() - load.iter().min().unwrap() <= 1,
            "{load:?}"
        );
    }
}
