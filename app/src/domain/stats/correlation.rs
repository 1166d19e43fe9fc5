//! Association between two variables: Pearson's r and Spearman's rho (ties get average ranks).

use super::{Coefficient, Undefined};

/// Pearson's product-moment correlation of the pairs. Undefined for fewer than two pairs or
/// when either variable is constant.
pub fn pearson(pairs: &[(f64, f64)]) -> Coefficient {
    if pairs.len() < 2 {
        return Err(Undefined::TooFew);
    }
    let n = pairs.len() as f64;
    let mean_x = pairs.iter().map(|p| p.0).sum::<f64>() / n;
    let mean_y = pairs.iter().map(|p| p.1).sum::<f64>() / n;
    let (mut xy, mut xx, mut yy) = (0.0, 0.0, 0.0);
    for &(x, y) in pairs {
        let (dx, dy) = (x - mean_x, y - mean_y);
        xy += dx * dy;
        xx += dx * dx;
        yy += dy * dy;
    }
    if xx == 0.0 || yy == 0.0 {
        return Err(Undefined::NoVariation);
    }
    Ok((xy / (xx.sqrt() * yy.sqrt())).clamp(-1.0, 1.0))
}

/// Spearman's rank correlation: Pearson's r of the ranks, tied values sharing their average
/// rank (as scipy's `spearmanr` does).
pub fn spearman(pairs: &[(f64, f64)]) -> Coefficient {
    let xs = ranks(&pairs.iter().map(|p| p.0).collect::<Vec<_>>());
    let ys = ranks(&pairs.iter().map(|p| p.1).collect::<Vec<_>>());
    pearson(&xs.into_iter().zip(ys).collect::<Vec<_>>())
}

/// Ranks from 1, ties sharing the average of the ranks they span.
pub fn ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut ranks = vec![0.0; values.len()];
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && values[order[end]] == values[order[start]] {
            end += 1;
        }
        // Positions start..end hold ranks start+1 ..= end; their mean is (start + 1 + end) / 2.
        let shared = (start + 1 + end) as f64 / 2.0;
        for &i in &order[start..end] {
            ranks[i] = shared;
        }
        start = end;
    }
    ranks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::stats::assert_close;

    fn zip(x: &[f64], y: &[f64]) -> Vec<(f64, f64)> {
        x.iter().copied().zip(y.iter().copied()).collect()
    }

    #[test]
    fn pearson_matches_scipys_documented_example() {
        // scipy.stats.pearsonr([1, 2, 3, 4, 5], [10, 9, 2.5, 6, 4]) = -0.7426106572325057
        let pairs = zip(&[1.0, 2.0, 3.0, 4.0, 5.0], &[10.0, 9.0, 2.5, 6.0, 4.0]);
        assert_close(pearson(&pairs), -0.7426106572325057, 1e-12);
    }

    #[test]
    fn spearman_with_ties_matches_scipys_documented_example() {
        // scipy.stats.spearmanr([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]) = 0.8207826816681233
        let pairs = zip(&[1.0, 2.0, 3.0, 4.0, 5.0], &[5.0, 6.0, 7.0, 8.0, 7.0]);
        assert_close(spearman(&pairs), 0.8207826816681233, 1e-12);
    }

    #[test]
    fn spearman_sees_any_monotone_relation_as_perfect() {
        let pairs = zip(&[1.0, 2.0, 3.0, 4.0], &[1.0, 8.0, 27.0, 64.0]);
        assert_close(spearman(&pairs), 1.0, 1e-12);
        assert!(pearson(&pairs).unwrap() < 1.0);
    }

    #[test]
    fn ties_share_their_average_rank() {
        assert_eq!(ranks(&[10.0, 20.0, 10.0, 30.0, 10.0]), [2.0, 4.0, 2.0, 5.0, 2.0]);
    }

    #[test]
    fn degenerate_cases_have_a_defined_answer() {
        assert_eq!(pearson(&[(1.0, 2.0)]), Err(Undefined::TooFew));
        assert_eq!(
            pearson(&zip(&[1.0, 2.0, 3.0], &[4.0, 4.0, 4.0])),
            Err(Undefined::NoVariation)
        );
        assert_eq!(
            spearman(&zip(&[5.0, 5.0], &[1.0, 2.0])),
            Err(Undefined::NoVariation)
        );
    }
}
