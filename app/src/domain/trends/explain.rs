//! Why a metric's total moved: for a metric with a significant change, the segments whose own
//! rate accounts for most of it. Data first ([`Explanation`]); the sentence a page shows is
//! rendered from it ([`Explanation::sentence`]).

use super::compare::{Attribution, ComparisonRow, Segment, Share, Verdict, NONE};
use serde::{Deserialize, Serialize};

/// A segment that explains part of a metric's total change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Explaining {
    pub segment: Segment,
    /// Its own rate's part in the total change (weighted by its share of traffic), as a fraction.
    pub rate_effect: f64,
    /// How its own pass rate moved (B − A), as a fraction.
    pub own_change: f64,
}

/// What explains one metric's total change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    pub metric_key: String,
    pub metric_name: String,
    /// B − A in all traffic, as a fraction.
    pub total_change: f64,
    /// Strongest first; at most two.
    pub segments: Vec<Explaining>,
}

impl Explanation {
    /// "Reply language fell 2.0 points in all traffic; explained by language=de (2.0 of them;
    /// its own pass rate fell 40.0 points)."
    pub fn sentence(&self) -> String {
        let moved = |d: f64| if d < 0.0 { "fell" } else { "rose" };
        let parts: Vec<String> = self
            .segments
            .iter()
            .map(|s| {
                format!(
                    "{} ({:.1} of them; its own pass rate {} {:.1} points)",
                    s.segment,
                    s.rate_effect.abs() * 100.0,
                    moved(s.own_change),
                    s.own_change.abs() * 100.0
                )
            })
            .collect();
        format!(
            "{} {} {:.1} points in all traffic; explained by {}.",
            self.metric_name,
            moved(self.total_change),
            self.total_change.abs() * 100.0,
            parts.join(" and ")
        )
    }
}

/// For a metric with a significant change in any row: how far its total moved and the
/// segments whose own rate accounts for most of it: per segment key, the value that moved the
/// total most its way, kept when it accounts for at least half of the change (at most two
/// keys; else the single strongest).
pub(super) fn explain(
    key: &str,
    name: &str,
    attributions: &[Attribution],
    rows: &[ComparisonRow],
) -> Option<Explanation> {
    let changed = rows
        .iter()
        .any(|r| r.metric_key == key && matches!(r.verdict, Verdict::Regression | Verdict::Improvement));
    if !changed {
        return None;
    }
    let mine: Vec<&Attribution> = attributions.iter().filter(|a| a.metric_key == key).collect();
    let total = mine.first()?.total_change;
    if total == 0.0 {
        return None;
    }
    let toward = |share: &Share| share.rate_effect * total.signum();
    let mut best: Vec<&Share> = mine
        .iter()
        .filter_map(|a| {
            a.shares
                .iter()
                // Only segments whose own rate moved the total its way can explain it.
                .filter(|s| s.segment.value != NONE && toward(s) > 0.0)
                .max_by(|x, y| toward(x).total_cmp(&toward(y)))
        })
        .collect();
    best.sort_by(|x, y| toward(y).total_cmp(&toward(x)));
    let strong: Vec<&Share> = best
        .iter()
        .copied()
        .filter(|s| toward(s) >= total.abs() / 2.0)
        .take(2)
        .collect();
    let named = if strong.is_empty() {
        best.into_iter().take(1).collect()
    } else {
        strong
    };
    if named.is_empty() {
        return None;
    }
    let segments = named
        .iter()
        .map(|share| Explaining {
            segment: share.segment.clone(),
            rate_effect: share.rate_effect,
            own_change: rows
                .iter()
                .find(|r| r.metric_key == key && r.segment.as_ref() == Some(&share.segment))
                .and_then(|r| r.change.delta)
                .unwrap_or_default(),
        })
        .collect();
    Some(Explanation {
        metric_key: key.to_owned(),
        metric_name: name.to_owned(),
        total_change: total,
        segments,
    })
}
