//! The confusion matrix of two labelings of the same items (people against a judge).

use super::categories;
use serde::{Deserialize, Serialize};

/// Counts of items by the first labeling's value (rows) and the second's (columns).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Confusion {
    /// The values seen in either labeling, ascending; rows and columns follow this order.
    pub labels: Vec<f64>,
    pub counts: Vec<Vec<usize>>,
}

impl Confusion {
    /// Tallies the pairs `(first, second)`.
    pub fn of(pairs: &[(f64, f64)]) -> Self {
        let labels = categories(pairs.iter().flat_map(|&(a, b)| [a, b]));
        let mut counts = vec![vec![0; labels.len()]; labels.len()];
        for &(a, b) in pairs {
            counts[super::index(&labels, a)][super::index(&labels, b)] += 1;
        }
        Self { labels, counts }
    }

    /// Items on which both labelings agree.
    pub fn agreeing(&self) -> usize {
        (0..self.labels.len()).map(|i| self.counts[i][i]).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_the_first_labeling_and_columns_the_second() {
        let confusion = Confusion::of(&[(1.0, 1.0), (1.0, 0.0), (0.0, 0.0), (0.0, 0.0), (1.0, 1.0)]);
        assert_eq!(confusion.labels, [0.0, 1.0]);
        assert_eq!(confusion.counts, [vec![2, 0], vec![1, 2]]);
        assert_eq!(confusion.agreeing(), 4);
    }
}
