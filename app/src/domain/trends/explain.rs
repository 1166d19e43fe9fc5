//! Why a metric's total moved: for a metric with a significant change, the segments whose own
//! rate accounts for most of it (found by the release comparison). Data first
//! ([`Explanation`]); the sentence a page shows is rendered from it ([`Explanation::sentence`]).

use super::segment::Segment;
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
