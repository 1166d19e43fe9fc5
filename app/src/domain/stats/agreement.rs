//! Agreement between raters on the same items: percent agreement and Cohen's kappa.

use super::{categories, index, Coefficient, Undefined};

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::stats::assert_close;

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
