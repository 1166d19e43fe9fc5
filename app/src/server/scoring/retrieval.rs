//! Ranking quality of retrieved documents against the relevant ones (binary relevance).

use std::collections::HashSet;

/// Precision@k: relevant documents among the first k retrieved, over k.
pub fn precision_at(retrieved: &[String], relevant: &HashSet<&str>, k: usize) -> f64 {
    if k == 0 {
        return 0.0;
    }
    hits(retrieved, relevant, k) as f64 / k as f64
}

/// Recall@k: relevant documents among the first k retrieved, over all relevant documents.
pub fn recall_at(retrieved: &[String], relevant: &HashSet<&str>, k: usize) -> Option<f64> {
    (!relevant.is_empty()).then(|| hits(retrieved, relevant, k) as f64 / relevant.len() as f64)
}

/// Reciprocal rank of the first relevant document (0 when none was retrieved).
pub fn reciprocal_rank(retrieved: &[String], relevant: &HashSet<&str>) -> f64 {
    retrieved
        .iter()
        .position(|id| relevant.contains(id.as_str()))
        .map_or(0.0, |rank| 1.0 / (rank + 1) as f64)
}

/// NDCG@k with gain 1 per relevant document and discount 1/log2(rank + 1); the ideal ranking
/// puts min(k, |relevant|) relevant documents first, counting relevant ones that were never
/// retrieved (as trec_eval does).
pub fn ndcg_at(retrieved: &[String], relevant: &HashSet<&str>, k: usize) -> Option<f64> {
    if relevant.is_empty() || k == 0 {
        return None;
    }
    let discount = |rank: usize| 1.0 / ((rank + 2) as f64).log2();
    let dcg: f64 = retrieved
        .iter()
        .take(k)
        .enumerate()
        .filter(|(_, id)| relevant.contains(id.as_str()))
        .map(|(r, _)| discount(r))
        .sum();
    let ideal: f64 = (0..k.min(relevant.len())).map(discount).sum();
    Some(dcg / ideal)
}

fn hits(retrieved: &[String], relevant: &HashSet<&str>, k: usize) -> usize {
    let mut seen = HashSet::new();
    retrieved
        .iter()
        .take(k)
        .filter(|id| relevant.contains(id.as_str()) && seen.insert(id.as_str()))
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn ndcg_matches_scikit_learn_when_every_relevant_document_is_retrieved() {
        // sklearn.metrics.ndcg_score([[1,0,1,0,0,1]], [[6,5,4,3,2,1]], k=6) = 0.8710785440003372; k=3 → 0.7039180890341348
        let retrieved = ids(&["a", "b", "c", "d", "e", "f"]);
        let relevant: HashSet<&str> = ["a", "c", "f"].into();
        assert!((ndcg_at(&retrieved, &relevant, 6).unwrap() - 0.871_078_544_000_337_2).abs() < 1e-12);
        assert!((ndcg_at(&retrieved, &relevant, 3).unwrap() - 0.703_918_089_034_134_8).abs() < 1e-12);
    }

    #[test]
    fn ndcg_counts_relevant_documents_that_were_not_retrieved() {
        // One relevant of two found at rank 1: DCG = 1, ideal = 1 + 1/log2(3).
        let relevant: HashSet<&str> = ["a", "z"].into();
        let expected = 1.0 / (1.0 + 1.0 / 3f64.log2());
        assert!((ndcg_at(&ids(&["a", "b"]), &relevant, 5).unwrap() - expected).abs() < 1e-12);
        assert_eq!(ndcg_at(&ids(&["a"]), &HashSet::new(), 5), None);
    }

    #[test]
    fn precision_recall_and_reciprocal_rank_by_hand() {
        let retrieved = ids(&["x", "a", "y", "b", "a"]);
        let relevant: HashSet<&str> = ["a", "b", "c"].into();
        assert_eq!(precision_at(&retrieved, &relevant, 2), 0.5);
        assert_eq!(
            precision_at(&retrieved, &relevant, 5),
            0.4,
            "a duplicate retrieval counts once"
        );
        assert_eq!(recall_at(&retrieved, &relevant, 4), Some(2.0 / 3.0));
        assert_eq!(reciprocal_rank(&retrieved, &relevant), 0.5);
        assert_eq!(reciprocal_rank(&ids(&["x"]), &relevant), 0.0);
        assert_eq!(recall_at(&retrieved, &HashSet::new(), 3), None);
    }
}
