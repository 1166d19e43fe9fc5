//! The sample ratio mismatch check: do the arms hold the share of users the design assigned
//! them? Pearson's chi-square goodness of fit of the users per arm against the design's split
//! (what SciPy's `chisquare(observed, expected)` computes). A tiny p-value means users were
//! lost, duplicated or moved between arms after assignment (a crash in one variant, a redirect,
//! a bot filter that treats the arms differently), and no comparison of the arms can be
//! trusted, however good it looks.
//!
//! Degenerate cases: fewer than two arms, or no users at all, give `p = 1` (nothing can be
//! out of ratio); an arm whose expected share is 0 is left out.

use serde::{Deserialize, Serialize};
use statrs::distribution::{ChiSquared, ContinuousCDF};

/// Below this p-value the split is called a mismatch (the threshold the experimentation
/// literature uses for SRM: with many experiments a day, 0.05 would raise false alarms daily).
pub const MISMATCH_P: f64 = 0.001;

/// The check's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SampleRatio {
    /// Users per arm, as observed.
    pub observed: Vec<u64>,
    /// Users per arm the design's split expects of the same total.
    pub expected: Vec<f64>,
    pub statistic: f64,
    pub p: f64,
}

impl SampleRatio {
    /// Whether the split is off beyond chance ([`MISMATCH_P`]).
    pub fn mismatch(&self) -> bool {
        self.p < MISMATCH_P
    }
}

/// A p-value for people: four decimals, or in scientific notation when smaller.
pub fn show_p(p: f64) -> String {
    if p < 0.0001 {
        format!("{p:.1e}")
    } else {
        format!("{p:.4}")
    }
}

/// Checks `observed` users per arm against the design's `weights` (any positive scale:
/// `[1, 1]` is an even split).
pub fn check(observed: &[u64], weights: &[f64]) -> SampleRatio {
    let total: u64 = observed.iter().sum();
    let weight: f64 = weights.iter().filter(|w| **w > 0.0).sum();
    let expected: Vec<f64> = weights
        .iter()
        .map(|w| {
            if weight > 0.0 {
                total as f64 * w.max(0.0) / weight
            } else {
                0.0
            }
        })
        .collect();
    let cells: Vec<(f64, f64)> = observed
        .iter()
        .zip(&expected)
        .filter(|(_, e)| **e > 0.0)
        .map(|(o, e)| (*o as f64, *e))
        .collect();
    let statistic: f64 = cells.iter().map(|(o, e)| (o - e).powi(2) / e).sum();
    let p = match ChiSquared::new((cells.len() as f64) - 1.0) {
        Ok(distribution) if cells.len() >= 2 && total > 0 => distribution.sf(statistic),
        _ => 1.0,
    };
    SampleRatio {
        observed: observed.to_vec(),
        expected,
        statistic,
        p,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(actual: f64, expected: f64) {
        assert!(
            (actual - expected).abs() <= 1e-9 * expected.abs(),
            "{actual} is not {expected}"
        );
    }

    #[test]
    fn matches_scipy_chisquare() {
        // scipy.stats.chisquare([5050, 4950]) → statistic 1.0, p 0.31731050786291415.
        let even = check(&[5050, 4950], &[1.0, 1.0]);
        close(even.statistic, 1.0);
        // (With one degree of freedom the p-value is erfc(√(χ² / 2)).)
        close(even.p, 0.317_310_507_862_914_15);
        assert!(!even.mismatch());
        // chisquare([5200, 4800]) → 16.0, p 6.334248366623996e-05: a mismatch.
        let off = check(&[5200, 4800], &[1.0, 1.0]);
        close(off.statistic, 16.0);
        close(off.p, 6.334_248_366_623_98e-5);
        assert!(off.mismatch());
        // Three arms: chisquare([100, 120, 80]) → 8.0, p = e^-4 = 0.018315638888734179.
        let three = check(&[100, 120, 80], &[1.0, 1.0, 1.0]);
        close(three.statistic, 8.0);
        close(three.p, 0.018_315_638_888_734_18);
        // An uneven design: chisquare([900, 100], f_exp=[800, 200]) → 62.5, and with one degree of
        // freedom p = erfc(√(62.5 / 2)) = 2.66444638923592e-15.
        let uneven = check(&[900, 100], &[4.0, 1.0]);
        close(uneven.statistic, 62.5);
        assert_eq!(uneven.expected, vec![800.0, 200.0]);
        close(uneven.p, 2.664_446_389_235_92e-15);
    }

    #[test]
    fn p_values_read_as_people_write_them() {
        assert_eq!(show_p(0.317_310_5), "0.3173");
        assert_eq!(show_p(6.334e-5), "6.3e-5");
    }

    #[test]
    fn degenerate_splits_have_one_answer() {
        assert_eq!(check(&[0, 0], &[1.0, 1.0]).p, 1.0, "no users");
        assert_eq!(check(&[10], &[1.0]).p, 1.0, "one arm");
        let exact = check(&[50, 50], &[1.0, 1.0]);
        assert_eq!((exact.statistic, exact.p), (0.0, 1.0));
        // Everyone in one arm of two is as far off as it gets.
        assert!(check(&[40, 0], &[1.0, 1.0]).mismatch());
    }
}
