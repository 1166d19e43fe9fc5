//! What the dataset use cases report: a change (or its preview) and a dataset's health.

use super::edit::Counts;
use super::health::{self, Thresholds};
use super::run::{ItemResult, Paired, RunInfo, TagRate};
use super::variants::Sensitivity;
use super::{Item, LineError};
use crate::domain::trends::Rate;
use serde::{Deserialize, Serialize};

/// What a change would do (a preview) or did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// Every problem; when any, nothing is (or would be) written.
    pub errors: Vec<LineError>,
    pub counts: Counts,
    /// Items in the next version.
    pub items: usize,
    /// The version written (or that would be), `None` when nothing changes.
    pub version: Option<i32>,
    /// Whether the version was written (else this is a preview).
    pub written: bool,
    /// The first incoming items, for a preview.
    pub sample: Vec<Item>,
}

/// A dataset's health, as the health page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Health {
    pub version: i32,
    pub items: usize,
    pub thresholds: Thresholds,
    pub warnings: Vec<String>,
    pub balances: Vec<health::Balance>,
    /// Near-duplicate pairs, most similar first.
    pub duplicates: Vec<DuplicatePair>,
    pub coverage: Vec<health::Coverage>,
    /// Production outputs of the last 30 days the coverage is measured against.
    pub production: u64,
    /// Krippendorff's alpha per metric over items rated by several annotators (`Err`: why it
    /// is undefined).
    pub agreement: Vec<(String, Result<f64, String>)>,
    pub idle_days: i64,
    pub reviewed_at: Option<chrono::DateTime<chrono::Utc>>,
    pub reviewed_by: Option<String>,
    pub changed_at: chrono::DateTime<chrono::Utc>,
}

/// Two (near-)duplicate items.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DuplicatePair {
    pub first: String,
    pub first_text: String,
    pub second: String,
    pub second_text: String,
    pub jaccard: f64,
    pub exact: bool,
}

/// One metric of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunMetric {
    pub metric: String,
    pub rate: Rate,
    pub by_tag: Vec<TagRate>,
    pub sensitivity: Option<Sensitivity>,
}

/// A run's page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunView {
    pub run: RunInfo,
    pub metrics: Vec<RunMetric>,
    pub results: Vec<ItemResult>,
    /// Other runs on the same version, to compare with.
    pub peers: Vec<String>,
}

/// Two runs on one dataset version, compared item by item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunComparison {
    pub first: RunInfo,
    pub second: RunInfo,
    pub metrics: Vec<Paired>,
}
