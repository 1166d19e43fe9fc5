//! The vocabulary of the score seam: a score row as a scorer, judge, person or report hands it
//! to storage, with the worker's retry schedule, and the version recorded with built-in scores.
//! Pure data, stored by the score seam of the database layer.

/// The version recorded with the scores of Vernier's built-in scorers.
pub const BUILTIN_SCORER_VERSION: &str = "builtin-1";

/// A score to store: `value` and `passed` are `None` when the scorer did not apply, failed or
/// waits for the worker.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ScoreRow {
    pub metric_id: i64,
    pub value: Option<f64>,
    pub passed: Option<bool>,
    pub rationale: String,
    pub error: Option<String>,
    /// Set when the worker must score it (again): an endpoint scorer, or one that failed.
    pub retry: Option<Retry>,
}

/// When the worker tries a score (again).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Retry {
    /// Attempts made so far.
    pub attempts: i16,
    /// Seconds to wait before the next attempt.
    pub after_secs: i32,
}

impl Retry {
    /// Waiting for its first attempt.
    pub const NOW: Retry = Retry {
        attempts: 0,
        after_secs: 0,
    };
}

impl ScoreRow {
    /// Whether the worker has yet to score it.
    pub fn pending(&self) -> bool {
        self.retry.is_some() && self.error.is_none()
    }
}
