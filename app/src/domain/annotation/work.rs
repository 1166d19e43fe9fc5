//! What pages show of queues: the list, progress, and one item of the annotator's workspace.

use super::queue::Sampling;
use crate::domain::output::Message;
use crate::domain::rubric::RubricView;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Done, skipped and pending assignments.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    pub done: i64,
    pub skipped: i64,
    pub pending: i64,
}

impl Progress {
    /// Every assignment.
    pub fn total(&self) -> i64 {
        self.done + self.skipped + self.pending
    }

    /// Share finished (done or skipped), in whole percent.
    pub fn percent(&self) -> i64 {
        match self.total() {
            0 => 100,
            total => (self.done + self.skipped) * 100 / total,
        }
    }
}

/// A queue in a list: for staff every queue of the project, for an annotator their own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueSummary {
    pub id: i64,
    pub project: String,
    pub name: String,
    pub sampling: Sampling,
    pub overlap: i32,
    pub due_date: Option<NaiveDate>,
    pub items: i64,
    pub metrics: Vec<String>,
    /// Everyone's progress for staff; the caller's own for an annotator.
    pub progress: Progress,
}

/// One annotator's progress in a queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnnotatorProgress {
    pub username: String,
    pub display_name: String,
    pub progress: Progress,
}

/// A metric rated in a queue, with the rubric version annotators see.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RatedMetric {
    pub metric_id: i64,
    pub key: String,
    pub name: String,
    pub rubric: RubricView,
}

/// One item of an annotator's workspace. Holds the caller's own ratings only: ratings of
/// other annotators never leave the server (blind rating).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkItem {
    pub queue_id: i64,
    pub queue_name: String,
    pub assignment_id: i64,
    /// Position among the caller's items, from 1.
    pub position: i64,
    pub total: i64,
    pub progress: Progress,
    pub status: String,
    pub conversation: Vec<Message>,
    pub input: Option<String>,
    pub output: String,
    pub expected_output: Option<String>,
    pub metrics: Vec<RatedMetric>,
    /// The caller's ratings of this item, by metric id.
    pub ratings: Vec<(i64, f64)>,
    pub comment: String,
}

/// The caller's workspace: an item, or nothing left to do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Workspace {
    Item(Box<WorkItem>),
    Finished { queue_name: String, progress: Progress },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_counts_skipped_items_as_finished() {
        let progress = Progress {
            done: 3,
            skipped: 1,
            pending: 4,
        };
        assert_eq!((progress.total(), progress.percent()), (8, 50));
        assert_eq!(Progress::default().percent(), 100);
    }
}
