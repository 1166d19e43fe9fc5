//! Agreement between raters on the same items: percent agreement, Cohen's kappa, and linear
//! and quadratic weighted kappa for ordinal scales.

use super::{categories, index, Coefficient, Undefined};
use serde::{Deserialize, Serialize};

/// The share of agreeing rater pairs among all pairs of raters who rated the same item
/// (pairs pooled over items; with two raters per item, the share of items they agree on).
/// Each item lists its ratings; items with fewer than two count for nothing.
pub fn percent_agreement(items: &[Vec<f64>]) -> Coefficient {
    let (mut pairs, mut agreeing) = (0usize, 0usize);
    for ratings in items {
        for (i, a) in ratings.iter().enumerate() {
            for b in &ratings[i + 1..] {
                pairs += 1;
                agreeing += usize::from(a == b);
            }
        }
    }
    if pairs == 0 {
        return Err(Undefined::TooFew);
    }
    Ok(agreeing as f64 / pairs as f64)
}

/// Cohen's kappa of two raters over the items both rated: `(po - pe) / (1 - pe)`, with `po`
/// the observed agreement and `pe` the agreement expected from each rater's own category
/// frequencies. Undefined when no item was rated by both, or when both raters used one and
/// the same category throughout (`pe = 1`).
pub fn cohen_kappa(pairs: &[(f64, f64)]) -> Coefficient {
    if pairs.is_empty() {
        return Err(Undefined::TooFew);
    }
    let labels = categories(pairs.iter().flat_map(|&(a, b)| [a, b]));
    let (mut first, mut second) = (vec![0usize; labels.len()], vec![0usize; labels.len()]);
    let mut agreeing = 0usize;
    for &(a, b) in pairs {
        first[index(&labels, a)] += 1;
        second[index(&labels, b)] += 1;
        agreeing += usize::from(a == b);
    }
    let n = pairs.len() as f64;
    let observed = agreeing as f64 / n;
    let expected: f64 = first
        .iter()
        .zip(&second)
        .map(|(&a, &b)| (a as f64 / n) * (b as f64 / n))
        .sum();
    if (1.0 - expected).abs() < 1e-12 {
        return Err(Undefined::NoVariation);
    }
    Ok((observed - expected) / (1.0 - expected))
}

/// How a disagreement between categories i and j (positions on the ordered scale) is weighted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weights {
    /// |i − j|.
    Linear,
    /// (i − j)².
    Quadratic,
}

/// Linear and quadratic weighted kappa side by side, for ordinal scales.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct WeightedKappa {
    pub linear: Coefficient,
    pub quadratic: Coefficient,
}

impl WeightedKappa {
    /// Both weightings of `pairs` on the ordered `levels`.
    pub fn of(pairs: &[(f64, f64)], levels: &[f64]) -> Self {
        Self {
            linear: weighted_kappa(pairs, levels, Weights::Linear),
            quadratic: weighted_kappa(pairs, levels, Weights::Quadratic),
        }
    }
}

/// Weighted Cohen's kappa of two raters, as scikit-learn's
/// `cohen_kappa_score(first, second, labels=levels, weights=…)`: `1 − Σ w·O / Σ w·E`, with `O`
/// the observed joint distribution, `E` the product of the raters' own distributions, and `w`
/// the distance between positions on the ordered scale. The scale is `levels` together with
/// any observed value not among them, ascending; a near miss (4 for 5) then costs less than a
/// far one (1 for 5). Undefined as [`cohen_kappa`] is.
pub fn weighted_kappa(pairs: &[(f64, f64)], levels: &[f64], weights: Weights) -> Coefficient {
    if pairs.is_empty() {
        return Err(Undefined::TooFew);
    }
    let labels = categories(
        levels
            .iter()
            .copied()
            .chain(pairs.iter().flat_map(|&(a, b)| [a, b])),
    );
    let k = labels.len();
    let mut observed = vec![vec![0.0; k]; k];
    let (mut first, mut second) = (vec![0.0; k], vec![0.0; k]);
    for &(a, b) in pairs {
        let (i, j) = (index(&labels, a), index(&labels, b));
        observed[i][j] += 1.0;
        first[i] += 1.0;
        second[j] += 1.0;
    }
    let n = pairs.len() as f64;
    let weight = |i: usize, j: usize| {
        let distance = i.abs_diff(j) as f64;
        match weights {
            Weights::Linear => distance,
            Weights::Quadratic => distance * distance,
        }
    };
    let (mut disagreement, mut chance) = (0.0, 0.0);
    for i in 0..k {
        for j in 0..k {
            disagreement += weight(i, j) * observed[i][j] / n;
            chance += weight(i, j) * (first[i] / n) * (second[j] / n);
        }
    }
    if chance.abs() < 1e-12 {
        return Err(Undefined::NoVariation);
    }
    Ok(1.0 - disagreement / chance)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::stats::assert_close;

    fn zip(first: &[f64], second: &[f64]) -> Vec<(f64, f64)> {
        first.iter().copied().zip(second.iter().copied()).collect()
    }

    #[test]
    fn weighted_kappa_matches_scikit_learn() {
        // sklearn.metrics.cohen_kappa_score(a, b, weights=None / 'linear' / 'quadratic'),
        // scikit-learn 1.9.1: 0.3939393939393939, 0.5555555555555556, 0.7101449275362319.
        let pairs = zip(
            &[1.0, 2.0, 3.0, 1.0, 2.0, 3.0, 1.0, 2.0, 3.0, 3.0],
            &[1.0, 2.0, 3.0, 2.0, 3.0, 3.0, 1.0, 1.0, 3.0, 2.0],
        );
        let levels = [1.0, 2.0, 3.0];
        assert_close(cohen_kappa(&pairs), 0.393_939_393_939_393_9, 1e-12);
        assert_close(
            weighted_kappa(&pairs, &levels, Weights::Linear),
            0.555_555_555_555_555_6,
            1e-12,
        );
        assert_close(
            weighted_kappa(&pairs, &levels, Weights::Quadratic),
            0.710_144_927_536_231_9,
            1e-12,
        );
        // Twenty ratings on four levels: 0.6240601503759399, 0.7807017543859649, 0.8931623931623931.
        let pairs = zip(
            &[
                4., 4., 3., 4., 4., 4., 1., 1., 2., 2., 2., 4., 4., 4., 1., 3., 3., 3., 4., 4.,
            ],
            &[
                4., 4., 3., 4., 4., 4., 1., 2., 2., 2., 3., 4., 4., 4., 1., 2., 3., 4., 3., 4.,
            ],
        );
        let levels = [1.0, 2.0, 3.0, 4.0];
        assert_close(cohen_kappa(&pairs), 0.624_060_150_375_939_9, 1e-12);
        assert_close(
            weighted_kappa(&pairs, &levels, Weights::Linear),
            0.780_701_754_385_964_9,
            1e-12,
        );
        assert_close(
            weighted_kappa(&pairs, &levels, Weights::Quadratic),
            0.893_162_393_162_393_1,
            1e-12,
        );
    }

    #[test]
    fn weighted_kappa_places_values_on_the_whole_rubric_scale() {
        // Only 1, 3 and 5 of a 1..5 rubric used; sklearn's cohen_kappa_score(a, b,
        // labels=[1,2,3,4,5], weights=…) = 0.30000000000000004 (linear), 0.5 (quadratic).
        let pairs = zip(&[1., 3., 5., 5., 3., 1., 3.], &[1., 5., 5., 3., 3., 3., 1.]);
        let levels = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_close(weighted_kappa(&pairs, &levels, Weights::Linear), 0.3, 1e-12);
        assert_close(weighted_kappa(&pairs, &levels, Weights::Quadratic), 0.5, 1e-12);
    }

    #[test]
    fn weighted_kappa_degenerate_cases_match_the_unweighted_ones() {
        assert_eq!(
            weighted_kappa(&[], &[1.0, 2.0], Weights::Linear),
            Err(Undefined::TooFew)
        );
        let same = vec![(2.0, 2.0); 6];
        assert_eq!(
            weighted_kappa(&same, &[1.0, 2.0, 3.0], Weights::Quadratic),
            Err(Undefined::NoVariation)
        );
        let perfect = zip(&[1., 2., 3.], &[1., 2., 3.]);
        assert_close(
            weighted_kappa(&perfect, &[1., 2., 3.], Weights::Linear),
            1.0,
            1e-12,
        );
    }

    /// Builds rating pairs from a 2×2 table: both yes, first yes only, second yes only, both no.
    fn table(yes_yes: usize, yes_no: usize, no_yes: usize, no_no: usize) -> Vec<(f64, f64)> {
        [
            ((1.0, 1.0), yes_yes),
            ((1.0, 0.0), yes_no),
            ((0.0, 1.0), no_yes),
            ((0.0, 0.0), no_no),
        ]
        .into_iter()
        .flat_map(|(pair, count)| std::iter::repeat_n(pair, count))
        .collect()
    }

    #[test]
    fn kappa_matches_the_textbook_example() {
        // Wikipedia, "Cohen's kappa", simple example: 50 proposals, po = 0.7, pe = 0.5.
        assert_close(cohen_kappa(&table(20, 5, 10, 15)), 0.4, 1e-12);
    }

    #[test]
    fn equal_agreement_can_give_different_kappas() {
        // Wikipedia, "Same percentages but different numbers": both po = 0.60.
        assert_close(cohen_kappa(&table(45, 15, 25, 15)), 0.1304, 5e-5);
        assert_close(cohen_kappa(&table(25, 35, 5, 35)), 0.2593, 5e-5);
        assert_close(cohen_kappa(&table(45, 15, 25, 15)), 0.06 / 0.46, 1e-12);
        assert_close(cohen_kappa(&table(25, 35, 5, 35)), 0.14 / 0.54, 1e-12);
    }

    #[test]
    fn kappa_of_more_than_two_categories() {
        // Three categories, ten items, seven agreements: po = 0.7.
        let mut pairs = vec![(1.0, 1.0); 3];
        pairs.extend([(2.0, 2.0); 2]);
        pairs.extend([(3.0, 3.0); 2]);
        pairs.extend([(1.0, 2.0), (2.0, 3.0), (3.0, 1.0)]);
        // first: 1×4, 2×3, 3×3; second: 1×4, 2×3, 3×3 → pe = .16 + .09 + .09 = .34
        assert_close(cohen_kappa(&pairs), (0.7 - 0.34) / (1.0 - 0.34), 1e-12);
    }

    #[test]
    fn perfect_agreement_gives_one_and_chance_level_gives_zero() {
        assert_close(cohen_kappa(&table(10, 0, 0, 10)), 1.0, 1e-12);
        assert_close(cohen_kappa(&table(5, 5, 5, 5)), 0.0, 1e-12);
    }

    #[test]
    fn degenerate_cases_have_a_defined_answer() {
        assert_eq!(cohen_kappa(&[]), Err(Undefined::TooFew));
        // Both raters always said "pass": they agree, but so would chance.
        assert_eq!(cohen_kappa(&table(8, 0, 0, 0)), Err(Undefined::NoVariation));
        assert_eq!(percent_agreement(&vec![vec![1.0; 2]; 8]), Ok(1.0));
        // One rater used one category, the other two: defined (pe < 1).
        assert_close(cohen_kappa(&table(3, 1, 0, 0)), 0.0, 1e-12);
    }

    #[test]
    fn percent_agreement_pools_pairs_over_items() {
        // Item 1: three raters, pairs (1,1) agree, (1,2) ×2 disagree; item 2: two agree;
        // item 3: one rating only, no pair.
        let items = [vec![1.0, 1.0, 2.0], vec![3.0, 3.0], vec![4.0]];
        assert_close(percent_agreement(&items), 2.0 / 4.0, 1e-12);
        assert_eq!(percent_agreement(&[vec![4.0]]), Err(Undefined::TooFew));
    }
}
