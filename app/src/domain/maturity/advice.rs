//! Advice for the next step: the method's lessons, each said only when the project's data calls
//! for it, most pressing first.

use super::{Evidence, ItemReview, Thresholds};
use crate::domain::metric::kinds::{Category, Stage};
use chrono::NaiveDate;

/// The categories that count as specific metrics (the rest are general quality, safety, other).
pub const SPECIFIC: [Category; 4] = [
    Category::Format,
    Category::Retrieval,
    Category::Degradation,
    Category::Language,
];

/// The advice for a project, most pressing first.
pub fn advise(
    e: &Evidence,
    t: &Thresholds,
    items: &[ItemReview],
    stage: Option<Stage>,
    today: NaiveDate,
) -> Vec<String> {
    let mut advice = Vec::new();
    if e.active.is_empty() {
        advice.push(
            "Start with one metric: the failure that costs you most, with a pass rule, an owner and a cost per failure."
                .to_owned(),
        );
    }
    let loose = e
        .active
        .iter()
        .filter(|m| m.owner.trim().is_empty() || m.review_date < today)
        .count();
    if e.active.len() > t.max_active_metrics as usize {
        advice.push(format!(
            "{} active metrics, {loose} without an owner or past their review date: too many to act on. The worst \
             thing is a dashboard of 20 metrics that helps nobody; retire the ones nobody acts on.",
            e.active.len()
        ));
    } else if loose > 0 {
        advice.push(format!(
            "{loose} active {} no owner or {} past {} review date: review {}, or retire {}.",
            if loose == 1 { "metric has" } else { "metrics have" },
            if loose == 1 { "is" } else { "are" },
            if loose == 1 { "its" } else { "their" },
            if loose == 1 { "it" } else { "them" },
            if loose == 1 { "it" } else { "them" },
        ));
    }
    if e.outputs_recent == 0 {
        advice.push(format!(
            "No outputs in {} days: nothing is being measured. Send production traffic to Vernier before tuning metrics.",
            t.output_days
        ));
    }
    if e.ratings_recent == 0 && !e.active.is_empty() {
        advice.push(if e.active.iter().any(|m| m.is_judge) {
            format!(
                "No human ratings in {} days: your judge is unchecked. Have people rate a sample and compare.",
                t.rating_days
            )
        } else {
            format!(
                "No human ratings in {} days: nobody has checked what the scorers say.",
                t.rating_days
            )
        });
    }
    for a in &e.agreement {
        if let Some(alpha) = a.alpha.filter(|alpha| *alpha < t.min_alpha) {
            advice.push(format!(
                "Annotators agree at α = {alpha:.2} on {} (below {:.2}): sharpen the rubric before trusting its ratings.",
                a.metric, t.min_alpha
            ));
        }
    }
    if e.challenges.is_empty() {
        advice.push(
            "Write down the system's known challenges, a hypothesis for each and the metric that would show it."
                .to_owned(),
        );
    }
    let next = match stage {
        None => Some(Stage::Crawl),
        Some(Stage::Crawl) => Some(Stage::Walk),
        Some(Stage::Walk) => Some(Stage::Run),
        Some(Stage::Run) => None,
    };
    if let Some(next) = next {
        let missing: Vec<&str> = items
            .iter()
            .filter(|i| i.stage == next && !i.state.holds())
            .map(|i| i.item.label())
            .collect();
        if !missing.is_empty() {
            advice.push(format!(
                "Next, {}: {}.",
                next.label().to_lowercase(),
                missing.join("; ").to_lowercase()
            ));
        }
    } else {
        advice.push(
            "Running: keep the review dates honest and retire what no longer pays for itself.".to_owned(),
        );
    }
    advice
}
