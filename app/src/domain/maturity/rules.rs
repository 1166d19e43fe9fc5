//! What the evidence says of each checklist item: whether the data shows it, and the sentence
//! (with its numbers and links) that says so. The review in the parent module turns these into
//! met, attested or not met.

use super::*;

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Whether the data shows `item`, and the sentence that says what it shows.
pub(super) fn judge(
    item: Item,
    e: &Evidence,
    t: &Thresholds,
    today: NaiveDate,
) -> (bool, String, Vec<(String, String)>) {
    use Item::*;
    let metric_link = |key: &str| (key.to_owned(), format!("metrics/{key}"));
    match item {
        Purpose => {
            let written = e.purpose.trim().chars().count() >= 10;
            let text = if written {
                format!("Purpose: “{}”", e.purpose.trim())
            } else {
                "No purpose is written on the project.".to_owned()
            };
            (written, text, vec![])
        }
        GoldenDataset => {
            let largest = e.datasets.iter().max_by_key(|(_, items)| *items);
            let text = match largest {
                Some((name, items)) => format!(
                    "{}; the largest, {name}, has {items} items (a golden set needs {}).",
                    plural(e.datasets.len(), "dataset", "datasets"),
                    t.golden_items
                ),
                None => format!(
                    "No dataset in Vernier: add one of at least {} items, or a manager attests one kept elsewhere.",
                    t.golden_items
                ),
            };
            let met = largest.is_some_and(|(_, items)| *items >= u64::from(t.golden_items));
            let links = largest
                .map(|(name, _)| vec![(name.clone(), format!("datasets/{name}"))])
                .unwrap_or_default();
            (met, text, links)
        }
        ScoredMetric => {
            let owned: Vec<&MetricFacts> = e.active.iter().filter(|m| !m.owner.trim().is_empty()).collect();
            let text = match owned.first() {
                Some(first) => format!(
                    "{} with a pass rule and an owner, e.g. {} (owner {}).",
                    plural(owned.len(), "active metric", "active metrics"),
                    first.name,
                    first.owner
                ),
                None => "No active metric has an owner.".to_owned(),
            };
            (
                !owned.is_empty(),
                text,
                owned.iter().take(3).map(|m| metric_link(&m.key)).collect(),
            )
        }
        RecentOutputs => {
            let last = e.last_output.map_or("never".to_owned(), |at| {
                at.format("%Y-%m-%d %H:%M UTC").to_string()
            });
            (
                e.outputs_recent > 0,
                format!(
                    "{} in the last {} days; the last arrived {last}.",
                    plural(e.outputs_recent as usize, "output", "outputs"),
                    t.output_days
                ),
                vec![("outputs".into(), "outputs".into())],
            )
        }
        Challenges => {
            let tested: Vec<&ChallengeFacts> = e
                .challenges
                .iter()
                .filter(|c| !c.hypothesis.trim().is_empty() && !c.metrics.is_empty())
                .collect();
            let untested = e.challenges.len() - tested.len();
            let mut text = format!(
                "{} with a hypothesis and a metric that tests it",
                plural(tested.len(), "challenge", "challenges")
            );
            if untested > 0 {
                text.push_str(&format!("; {untested} without a hypothesis or a metric"));
            }
            text.push('.');
            (
                !tested.is_empty() && untested == 0,
                text,
                vec![("challenges".into(), "maturity#challenges".into())],
            )
        }
        HumanRatings => {
            let measured: Vec<&AgreementFacts> = e.agreement.iter().filter(|a| a.alpha.is_some()).collect();
            let alphas: Vec<String> = measured
                .iter()
                .map(|a| {
                    let alpha = a.alpha.unwrap_or_default();
                    let flag = if alpha < t.min_alpha {
                        format!(", below {:.2}", t.min_alpha)
                    } else {
                        String::new()
                    };
                    format!("{} α = {alpha:.2} on {} items{flag}", a.metric, a.items)
                })
                .collect();
            let agreement = if alphas.is_empty() {
                "agreement not measured yet (no item rated by two people)".to_owned()
            } else {
                alphas.join("; ")
            };
            (
                e.ratings_recent > 0 && !measured.is_empty(),
                format!(
                    "{} in the last {} days; {agreement}.",
                    plural(e.ratings_recent as usize, "human rating", "human ratings"),
                    t.rating_days
                ),
                vec![("queues".into(), "queues".into())],
            )
        }
        MetricHistory => (
            !e.retired_or_revised.is_empty(),
            if e.retired_or_revised.is_empty() {
                "No metric has been retired or revised yet.".to_owned()
            } else {
                format!("Retired or revised: {}.", e.retired_or_revised.join(", "))
            },
            e.retired_or_revised
                .iter()
                .take(3)
                .map(|k| metric_link(k))
                .collect(),
        ),
        SpecificMetrics => {
            let mut categories: Vec<Category> = e
                .active
                .iter()
                .map(|m| m.category)
                .filter(|c| advice::SPECIFIC.contains(c))
                .collect();
            categories.sort();
            categories.dedup();
            let names: Vec<&str> = categories.iter().map(|c| c.label()).collect();
            (
                categories.len() >= 2,
                if names.is_empty() {
                    "No active metric in a specific category (format, retrieval, degradation, language)."
                        .to_owned()
                } else {
                    format!("Active metrics in: {}.", names.join(", "))
                },
                vec![],
            )
        }
        RealTimeAction => {
            let acting: Vec<&MetricFacts> = e
                .active
                .iter()
                .filter(|m| {
                    m.cadence == Cadence::RealTime
                        && matches!(m.action, FailureAction::Retry | FailureAction::Block)
                })
                .collect();
            (
                !acting.is_empty(),
                if acting.is_empty() {
                    "No active real-time metric retries or blocks a failing output.".to_owned()
                } else {
                    let named: Vec<String> = acting
                        .iter()
                        .map(|m| format!("{} ({})", m.name, m.action.label().to_lowercase()))
                        .collect();
                    format!("Acting in real time: {}.", named.join(", "))
                },
                acting.iter().take(3).map(|m| metric_link(&m.key)).collect(),
            )
        }
        FeedbackLoop => {
            let answered: Vec<&FeedbackFacts> = e.feedback.iter().filter(|f| f.answers > 0).collect();
            let text = if !answered.is_empty() {
                let total: u64 = answered.iter().map(|f| f.answers).sum();
                let named: Vec<String> = answered
                    .iter()
                    .map(|f| format!("{} ({})", f.metric, f.answers))
                    .collect();
                format!(
                    "{} in the last {} days: {}.",
                    plural(total as usize, "end-user answer", "end-user answers"),
                    t.rating_days,
                    named.join(", ")
                )
            } else if !e.feedback.is_empty() {
                format!(
                    "No end-user answer in the last {} days on {}: send thumbs or stars through the feedback API.",
                    t.rating_days,
                    e.feedback.iter().map(|f| f.metric.as_str()).collect::<Vec<_>>().join(", ")
                )
            } else {
                "No active feedback metric (scorer user_feedback), and no attestation of feedback gathered elsewhere.".to_owned()
            };
            (
                !answered.is_empty(),
                text,
                vec![("feedback".into(), "feedback".into())],
            )
        }
        Monitors => {
            let notifying: Vec<&MonitorFacts> = e.monitors.iter().filter(|m| m.channels > 0).collect();
            let text = if !notifying.is_empty() {
                let named: Vec<String> = notifying
                    .iter()
                    .take(3)
                    .map(|m| format!("{} ({})", m.name, m.metric))
                    .collect();
                format!(
                    "{} {} a channel: {}.",
                    plural(notifying.len(), "monitor", "monitors"),
                    if notifying.len() == 1 {
                        "notifies"
                    } else {
                        "notify"
                    },
                    named.join(", ")
                )
            } else if !e.monitors.is_empty() {
                format!(
                    "{}, but none notifies an enabled channel: add one on the alerts page.",
                    plural(e.monitors.len(), "monitor", "monitors")
                )
            } else {
                "No monitor watches an active metric (or a manager attests monitoring done elsewhere, such as Grafana alerts on /metrics).".to_owned()
            };
            (
                !notifying.is_empty(),
                text,
                vec![("alerts".into(), "alerts".into())],
            )
        }
        CompleteMetrics => {
            let incomplete: Vec<&MetricFacts> = e
                .active
                .iter()
                .filter(|m| {
                    m.owner.trim().is_empty() || m.cost_per_failure == Money::ZERO || m.review_date < today
                })
                .collect();
            let text = if e.active.is_empty() {
                "No active metric.".to_owned()
            } else if incomplete.is_empty() {
                format!(
                    "All {} have an owner, a cost per failure and a review date ahead.",
                    plural(e.active.len(), "active metric", "active metrics")
                )
            } else {
                let named: Vec<String> = incomplete.iter().map(|m| m.key.clone()).collect();
                format!(
                    "{} of {} lack an owner or a cost, or are past their review date: {}.",
                    incomplete.len(),
                    e.active.len(),
                    named.join(", ")
                )
            };
            (
                !e.active.is_empty() && incomplete.is_empty(),
                text,
                incomplete.iter().take(3).map(|m| metric_link(&m.key)).collect(),
            )
        }
        GoalsLinked => {
            let unlinked: Vec<&MetricFacts> = e.active.iter().filter(|m| !m.has_goal).collect();
            let text = if e.active.is_empty() {
                "No active metric.".to_owned()
            } else if unlinked.is_empty() {
                "Every active metric tests a challenge tied to a business goal.".to_owned()
            } else {
                let named: Vec<String> = unlinked.iter().map(|m| m.key.clone()).collect();
                format!(
                    "{} of {} test no challenge with a business goal: {}.",
                    unlinked.len(),
                    e.active.len(),
                    named.join(", ")
                )
            };
            (
                !e.active.is_empty() && unlinked.is_empty(),
                text,
                vec![("challenges".into(), "maturity#challenges".into())],
            )
        }
        TuningData => (
            e.rated_outputs >= u64::from(t.tuning_examples),
            format!(
                "{} with a final human label; {} wanted to tune on.",
                plural(e.rated_outputs as usize, "output", "outputs"),
                t.tuning_examples
            ),
            vec![("queues".into(), "queues".into())],
        ),
    }
}
