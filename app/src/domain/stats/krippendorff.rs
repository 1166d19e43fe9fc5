//! Krippendorff's alpha for any number of raters, with missing ratings, at the nominal,
//! ordinal and interval levels of measurement (Krippendorff 2011, "Computing Krippendorff's
//! Alpha-Reliability").
//!
//! `alpha = 1 - (n - 1) · Σ o_ck δ²_ck / Σ n_c n_k δ²_ck`, where `o` is the coincidence matrix
//! of pairable values (units rated at least twice), `n_c` its margins and `n` their total.

use super::{categories, index, Coefficient, Undefined};
use serde::{Deserialize, Serialize};

/// How differences between two values count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Level {
    /// Categories: any two different values disagree equally.
    Nominal,
    /// Ranks: a difference counts by how many values lie between the two.
    Ordinal,
    /// Numbers: the squared difference.
    Interval,
}

impl Level {
    /// The name shown on pages.
    pub fn label(self) -> &'static str {
        match self {
            Level::Nominal => "nominal",
            Level::Ordinal => "ordinal",
            Level::Interval => "interval",
        }
    }
}

/// Alpha over `units`, each listing the values its raters gave (missing ratings are simply
/// absent). Units with a single value are not pairable and are left out.
pub fn alpha(units: &[Vec<f64>], level: Level) -> Coefficient {
    let pairable: Vec<&Vec<f64>> = units.iter().filter(|u| u.len() >= 2).collect();
    let values = categories(pairable.iter().flat_map(|u| u.iter().copied()));
    let size = values.len();
    let mut coincidences = vec![vec![0.0f64; size]; size];
    for unit in &pairable {
        let weight = 1.0 / (unit.len() - 1) as f64;
        for (i, &a) in unit.iter().enumerate() {
            for (j, &b) in unit.iter().enumerate() {
                if i != j {
                    coincidences[index(&values, a)][index(&values, b)] += weight;
                }
            }
        }
    }
    let margins: Vec<f64> = coincidences.iter().map(|row| row.iter().sum()).collect();
    let total: f64 = margins.iter().sum();
    if total < 2.0 {
        return Err(Undefined::TooFew);
    }
    let distance = |c: usize, k: usize| -> f64 {
        match level {
            Level::Nominal => f64::from(u8::from(c != k)),
            Level::Interval => (values[c] - values[k]).powi(2),
            Level::Ordinal => {
                let (low, high) = (c.min(k), c.max(k));
                let between: f64 = margins[low..=high].iter().sum();
                (between - (margins[low] + margins[high]) / 2.0).powi(2)
            }
        }
    };
    let (mut observed, mut expected) = (0.0, 0.0);
    for c in 0..size {
        for k in 0..size {
            let d = distance(c, k);
            observed += coincidences[c][k] * d;
            expected += margins[c] * margins[k] * d;
        }
    }
    if expected == 0.0 {
        return Err(Undefined::NoVariation);
    }
    Ok(1.0 - (total - 1.0) * observed / expected)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::stats::assert_close;

    /// Turns a raters × units table (`None` = missing) into units of values.
    fn units(raters: &[&[Option<f64>]]) -> Vec<Vec<f64>> {
        (0..raters[0].len())
            .map(|u| raters.iter().filter_map(|r| r[u]).collect())
            .collect()
    }

    fn s(values: &[i32]) -> Vec<Option<f64>> {
        values.iter().map(|&v| (v != 0).then_some(f64::from(v))).collect()
    }

    /// Krippendorff (2011), section C: four observers, twelve units, missing values (0 here).
    fn krippendorff_2011() -> Vec<Vec<f64>> {
        let a = s(&[1, 2, 3, 3, 2, 1, 4, 1, 2, 0, 0, 0]);
        let b = s(&[1, 2, 3, 3, 2, 2, 4, 1, 2, 5, 0, 3]);
        let c = s(&[0, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, 0]);
        let d = s(&[1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, 0]);
        units(&[&a, &b, &c, &d])
    }

    /// Wikipedia, "Krippendorff's alpha", computational example: three coders, fifteen units.
    fn wikipedia() -> Vec<Vec<f64>> {
        let a = s(&[0, 0, 0, 0, 0, 3, 4, 1, 2, 1, 1, 3, 3, 0, 3]);
        let b = s(&[1, 0, 2, 1, 3, 3, 4, 3, 0, 0, 0, 0, 0, 0, 0]);
        let c = s(&[0, 0, 2, 1, 3, 4, 4, 0, 2, 1, 1, 3, 3, 0, 4]);
        units(&[&a, &b, &c])
    }

    #[test]
    fn the_published_worked_example_at_three_levels() {
        // Krippendorff (2011) reports alpha to three decimals.
        let data = krippendorff_2011();
        assert_close(alpha(&data, Level::Nominal), 0.743, 5e-4);
        assert_close(alpha(&data, Level::Ordinal), 0.815, 5e-4);
        assert_close(alpha(&data, Level::Interval), 0.849, 5e-4);
    }

    #[test]
    fn the_wikipedia_example_to_six_decimals() {
        let data = wikipedia();
        assert_close(alpha(&data, Level::Nominal), 0.691358, 5e-7);
        assert_close(alpha(&data, Level::Interval), 0.810845, 5e-7);
    }

    #[test]
    fn nominal_alpha_is_exact_on_the_wikipedia_example() {
        // n = 26 pairable values, 6 disagreeing coincidences, Σ n_c n_k (c ≠ k) = 486:
        // alpha = 1 - 25 · 6 / 486 = 56/81 = 0.691358…, the published value.
        assert_close(alpha(&wikipedia(), Level::Nominal), 56.0 / 81.0, 1e-12);
    }

    #[test]
    fn missing_ratings_leave_single_value_units_out() {
        // Adding units rated once changes nothing.
        let mut data = krippendorff_2011();
        let before = alpha(&data, Level::Nominal);
        data.push(vec![5.0]);
        data.push(vec![]);
        assert_eq!(alpha(&data, Level::Nominal), before);
    }

    #[test]
    fn degenerate_cases_have_a_defined_answer() {
        let agree = vec![vec![1.0, 1.0], vec![2.0, 2.0], vec![3.0, 3.0]];
        for level in [Level::Nominal, Level::Ordinal, Level::Interval] {
            assert_eq!(alpha(&agree, level), Ok(1.0));
            assert_eq!(
                alpha(&[vec![2.0, 2.0], vec![2.0, 2.0, 2.0]], level),
                Err(Undefined::NoVariation)
            );
            assert_eq!(alpha(&[vec![1.0], vec![2.0]], level), Err(Undefined::TooFew));
            assert_eq!(alpha(&[], level), Err(Undefined::TooFew));
        }
    }
}
