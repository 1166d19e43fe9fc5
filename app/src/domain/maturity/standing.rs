//! Where a project stands: its review with the sign-off it is held against, and its row in the
//! managers' overview.

use super::history::SignOff;
use super::{Item, Review, Thresholds};
use crate::domain::metric::kinds::Stage;
use crate::domain::money::Money;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A project's review as its page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProjectReview {
    pub review: Review,
    pub thresholds: Thresholds,
    pub sign_off: Option<SignOff>,
    /// Whether today's evidence still holds the stage signed off (true without a sign-off).
    pub backed: bool,
    /// Items up to the signed-off stage that no longer hold.
    pub lapsed: Vec<Item>,
}

/// One project in the managers' overview.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MaturityRow {
    pub slug: String,
    pub name: String,
    pub signed_off: Option<Stage>,
    pub computed: Option<Stage>,
    pub backed: bool,
    /// Items held, of all items.
    pub completion: (usize, usize),
    /// Active metrics past their review date.
    pub metrics_due: usize,
    /// The largest dollar impact of one metric over the last 30 days, and its key.
    pub top_impact: Option<(String, Money)>,
    pub last_reviewed: Option<DateTime<Utc>>,
}
