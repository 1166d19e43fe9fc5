//! Crawl, walk, run: a project's maturity review, computed from what Vernier knows of it. Each
//! stage has a checklist; an item is met when the evidence shows it, attested when a manager
//! vouches for it with a note (for what the data cannot show), and otherwise not met. The
//! computed stage is the highest stage whose items, and every earlier stage's, are all met or
//! attested. Pure: the database layer gathers the evidence.

pub mod advice;
pub mod challenge;
pub mod history;
pub mod markdown;
mod rules;
pub mod standing;

use crate::domain::metric::kinds::{Cadence, Category, FailureAction, Stage};
use crate::domain::money::Money;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

crate::choice!(
    /// One item of the checklist.
    Item, "item" {
        Purpose = "purpose", "The purpose is written";
        GoldenDataset = "golden-dataset", "A golden dataset to evaluate on";
        ScoredMetric = "scored-metric", "An active metric with a pass rule and an owner";
        RecentOutputs = "recent-outputs", "Outputs are being logged";
        Challenges = "challenges", "Known challenges, each with a hypothesis and a metric";
        HumanRatings = "human-ratings", "Human ratings with measured agreement";
        MetricHistory = "metric-history", "A metric retired or revised";
        SpecificMetrics = "specific-metrics", "Specific metrics in two categories or more";
        FeedbackLoop = "feedback-loop", "A feedback loop from end users";
        RealTimeAction = "real-time-action", "Real-time metrics act on failures";
        Monitors = "monitors", "Monitors that notify a channel";
        CompleteMetrics = "complete-metrics", "Every active metric has an owner, a cost and a review date";
        GoalsLinked = "goals-linked", "Every active metric serves a business goal";
        TuningData = "tuning-data", "Enough rated data to tune the system on";
    }
);

impl Item {
    /// The stage the item belongs to.
    pub fn stage(self) -> Stage {
        use Item::*;
        match self {
            Purpose | GoldenDataset | ScoredMetric | RecentOutputs => Stage::Crawl,
            Challenges | HumanRatings | MetricHistory | SpecificMetrics | FeedbackLoop => Stage::Walk,
            RealTimeAction | Monitors | CompleteMetrics | GoalsLinked | TuningData => Stage::Run,
        }
    }

    /// What the item asks, in the method's words.
    pub fn asks(self) -> &'static str {
        use Item::*;
        match self {
            Purpose => "You know what you are building and why: the project's purpose is written down.",
            GoldenDataset => {
                "You evaluate on a golden dataset of representative inputs with known good answers."
            }
            ScoredMetric => {
                "You have basic scoring criteria: an active metric with a pass rule and an owner."
            }
            RecentOutputs => "You log what the system does: outputs arrived in the last days.",
            Challenges => {
                "You know the system's challenges and have a hypothesis for each, tested by a metric."
            }
            HumanRatings => "People rate outputs, and their agreement is measured.",
            MetricHistory => "You learn from earlier attempts: a metric has been retired or revised.",
            SpecificMetrics => {
                "Metrics are specific (format, retrieval, consistency, language), not only general quality."
            }
            FeedbackLoop => {
                "The people the system serves have a say: their feedback (thumbs, stars, comments) flows into a metric."
            }
            RealTimeAction => "Automation: a real-time metric retries or blocks failing outputs.",
            Monitors => "Monitors watch the metrics and notify a channel.",
            CompleteMetrics => {
                "Every active metric has an owner, a cost per failure and a review date in the future."
            }
            GoalsLinked => {
                "Goals are mapped to metrics: each active metric tests a challenge tied to a business goal."
            }
            TuningData => {
                "You have data to improve the system: enough rated outputs to tune prompts or fine-tune."
            }
        }
    }

    /// Whether a manager may attest the item: what Vernier's data may not show (a golden
    /// dataset kept elsewhere, monitoring done elsewhere such as Grafana alerts on Vernier's
    /// `/metrics`, end users' feedback gathered by surveys). Every other item is
    /// judged on the data alone.
    pub fn attestable(self) -> bool {
        matches!(self, Item::GoldenDataset | Item::Monitors | Item::FeedbackLoop)
    }
}

/// An item's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ItemState {
    Met,
    Attested,
    NotMet,
}

impl ItemState {
    pub fn label(self) -> &'static str {
        match self {
            ItemState::Met => "met",
            ItemState::Attested => "attested",
            ItemState::NotMet => "not met",
        }
    }

    /// Met or attested.
    pub fn holds(self) -> bool {
        self != ItemState::NotMet
    }
}

/// The review's thresholds, set per project; every field has a default.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Thresholds {
    /// Items a golden dataset needs (named in the golden-dataset item's attestation).
    pub golden_items: u32,
    /// Outputs must have arrived within this many days.
    pub output_days: u32,
    /// Human ratings must be this recent (days).
    pub rating_days: u32,
    /// Krippendorff's alpha below this is flagged as too little agreement.
    pub min_alpha: f64,
    /// Rated outputs needed to tune prompts or fine-tune on.
    pub tuning_examples: u32,
    /// An attestation holds for this many days, then must be renewed.
    pub attestation_days: u32,
    /// More active metrics than this is too many to act on.
    pub max_active_metrics: u32,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            golden_items: 50,
            output_days: 7,
            rating_days: 30,
            min_alpha: 0.667,
            tuning_examples: 500,
            attestation_days: 90,
            max_active_metrics: 10,
        }
    }
}

impl Thresholds {
    /// Checks each threshold's range, naming the field of the first that is out of it.
    pub fn check(self) -> Result<Self, crate::error::AppError> {
        use crate::error::AppError;
        let days = |field: &str, value: u32| {
            if (1..=366).contains(&value) {
                Ok(())
            } else {
                Err(AppError::invalid(field, "must be from 1 to 366 days"))
            }
        };
        let count = |field: &str, value: u32| {
            if (1..=10_000_000).contains(&value) {
                Ok(())
            } else {
                Err(AppError::invalid(field, "must be from 1 to 10,000,000"))
            }
        };
        count("golden_items", self.golden_items)?;
        days("output_days", self.output_days)?;
        days("rating_days", self.rating_days)?;
        if !(0.0..=1.0).contains(&self.min_alpha) {
            return Err(AppError::invalid("min_alpha", "must be from 0 to 1"));
        }
        count("tuning_examples", self.tuning_examples)?;
        days("attestation_days", self.attestation_days)?;
        count("max_active_metrics", self.max_active_metrics)?;
        Ok(self)
    }
}

/// An active metric, as the review sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricFacts {
    pub key: String,
    pub name: String,
    pub category: Category,
    pub cadence: Cadence,
    pub action: FailureAction,
    pub owner: String,
    pub cost_per_failure: Money,
    pub review_date: NaiveDate,
    /// Whether a challenge with a business goal names the metric.
    pub has_goal: bool,
    /// Whether its scorer is an LLM judge.
    pub is_judge: bool,
}

/// A known challenge of the project.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChallengeFacts {
    pub title: String,
    pub hypothesis: String,
    pub goal: String,
    pub metrics: Vec<String>,
}

/// End users' answers on an active feedback metric within the rating window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedbackFacts {
    pub metric: String,
    pub answers: u64,
}

/// A monitor of an active metric, as the review sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonitorFacts {
    pub name: String,
    pub metric: String,
    /// Enabled channels it notifies.
    pub channels: u32,
}

/// Agreement measured on a human metric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgreementFacts {
    pub metric: String,
    /// Krippendorff's alpha; `None` when too few items were rated twice.
    pub alpha: Option<f64>,
    pub items: u64,
}

/// A manager's attestation of an item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attestation {
    pub item: Item,
    pub note: String,
    pub by: String,
    pub at: DateTime<Utc>,
}

/// Everything the review is computed from, gathered from the project's data.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    pub purpose: String,
    pub active: Vec<MetricFacts>,
    /// Keys of metrics retired, or whose definition was changed after creation (a new review
    /// date alone does not count).
    pub retired_or_revised: Vec<String>,
    pub outputs_recent: u64,
    pub last_output: Option<DateTime<Utc>>,
    pub challenges: Vec<ChallengeFacts>,
    /// Human ratings within the rating window.
    pub ratings_recent: u64,
    pub agreement: Vec<AgreementFacts>,
    /// Outputs with a final human label (what prompts can be tuned on).
    pub rated_outputs: u64,
    /// Attestations still in force.
    pub attestations: Vec<Attestation>,
    /// Monitors of active metrics.
    pub monitors: Vec<MonitorFacts>,
    /// Active feedback metrics and their recent answers.
    #[serde(default)]
    pub feedback: Vec<FeedbackFacts>,
    /// The project's datasets: name and items in the latest version.
    #[serde(default)]
    pub datasets: Vec<(String, u64)>,
}

/// One item of a review: its state and the evidence behind it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemReview {
    pub item: Item,
    pub stage: Stage,
    pub state: ItemState,
    /// What the data shows, in a sentence with its numbers.
    pub evidence: String,
    /// Where to look: (label, path under the project).
    pub links: Vec<(String, String)>,
    pub attestation: Option<Attestation>,
}

/// A project's review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Review {
    /// The highest stage held, `None` before crawl is.
    pub stage: Option<Stage>,
    pub items: Vec<ItemReview>,
    pub advice: Vec<String>,
}

impl Review {
    /// The items of `stage`.
    pub fn of(&self, stage: Stage) -> impl Iterator<Item = &ItemReview> {
        self.items.iter().filter(move |i| i.stage == stage)
    }

    /// Items held, and all items.
    pub fn completion(&self) -> (usize, usize) {
        (
            self.items.iter().filter(|i| i.state.holds()).count(),
            self.items.len(),
        )
    }

    /// The items up to `stage` that do not hold now (why a sign-off is no longer backed).
    pub fn lapsed(&self, stage: Stage) -> Vec<Item> {
        self.items
            .iter()
            .filter(|i| i.stage <= stage && !i.state.holds())
            .map(|i| i.item)
            .collect()
    }
}

/// The highest stage whose items and every earlier stage's items all hold.
pub fn computed_stage(items: &[ItemReview]) -> Option<Stage> {
    let mut reached = None;
    for stage in Stage::ALL {
        if items
            .iter()
            .filter(|i| i.stage == *stage)
            .all(|i| i.state.holds())
        {
            reached = Some(*stage);
        } else {
            break;
        }
    }
    reached
}

/// Reviews the evidence as of `today`.
pub fn review(evidence: &Evidence, thresholds: &Thresholds, today: NaiveDate) -> Review {
    let items: Vec<ItemReview> = Item::ALL
        .iter()
        .map(|&item| {
            let (met, text, links) = rules::judge(item, evidence, thresholds, today);
            // Only what the data cannot (or may not) show may be attested; the rest is judged on data.
            let attestation = evidence
                .attestations
                .iter()
                .find(|a| a.item == item && item.attestable())
                .cloned();
            let state = match (met, &attestation) {
                (true, _) => ItemState::Met,
                (false, Some(_)) => ItemState::Attested,
                (false, None) => ItemState::NotMet,
            };
            ItemReview {
                item,
                stage: item.stage(),
                state,
                evidence: text,
                links,
                attestation,
            }
        })
        .collect();
    let stage = computed_stage(&items);
    let advice = advice::advise(evidence, thresholds, &items, stage, today);
    Review { stage, items, advice }
}

#[cfg(test)]
mod tests;
