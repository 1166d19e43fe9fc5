//! Statistics of agreement and association, pure and tested against published values.
//!
//! Every coefficient is a [`Coefficient`]: a number, or the reason it is undefined. The
//! degenerate cases have one documented answer each, so pages never show `NaN`:
//!
//! - fewer than two comparable ratings (or pairs) → [`Undefined::TooFew`];
//! - no variation at all (every rating in one category, or a constant variable) →
//!   [`Undefined::NoVariation`]. Agreement *among* raters is then perfect but chance
//!   agreement is too, so kappa and alpha are 0/0; percent agreement (which is defined, 100%)
//!   is shown beside them.

pub mod agreement;
pub mod confusion;
pub mod correlation;
pub mod krippendorff;
pub mod mcnemar;
pub mod power;
pub mod proportions;
pub mod ratio;
pub mod sample_ratio;

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a coefficient has no value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Undefined {
    /// Fewer than two comparable ratings or pairs.
    TooFew,
    /// Every value is the same, so expected disagreement (or variance) is zero.
    NoVariation,
}

impl fmt::Display for Undefined {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Undefined::TooFew => "n/a: too few ratings",
            Undefined::NoVariation => "n/a: one category only",
        })
    }
}

/// A coefficient, or why it is undefined.
pub type Coefficient = Result<f64, Undefined>;

/// The distinct values of `values`, ascending (values are compared exactly: rubric levels are
/// small numbers).
pub(crate) fn categories(values: impl IntoIterator<Item = f64>) -> Vec<f64> {
    let mut all: Vec<f64> = values.into_iter().collect();
    all.sort_by(f64::total_cmp);
    all.dedup();
    all
}

/// The index of `value` in the ascending `categories`.
pub(crate) fn index(categories: &[f64], value: f64) -> usize {
    categories
        .binary_search_by(|c| c.total_cmp(&value))
        .unwrap_or_else(|at| at)
}

/// Shows a coefficient with three decimals, or why it is undefined.
pub fn show(coefficient: &Coefficient) -> String {
    match coefficient {
        // A value that rounds to zero shows as 0.000, never -0.000.
        Ok(value) if value.abs() < 0.0005 => "0.000".to_owned(),
        Ok(value) => format!("{value:.3}"),
        Err(reason) => reason.to_string(),
    }
}

#[cfg(test)]
pub(crate) fn assert_close(actual: Coefficient, expected: f64, tolerance: f64) {
    let actual = actual.expect("a value");
    assert!(
        (actual - expected).abs() <= tolerance,
        "{actual} differs from {expected} by more than {tolerance}"
    );
}
