//! Ranking quality of retrieved documents against the relevant ones (binary relevance, and
//! graded relevance for NDCG).

use std::collections::{BTreeMap, HashMap, HashSet};

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

/// The relevance grade of each judged document: a graded document has its grade (0–3 by
/// convention, any non-negative number), a document only listed as relevant has grade 1.
pub fn grades<'a>(relevant: &'a [String], graded: &'a BTreeMap<String, f64>) -> HashMap<&'a str, f64> {
    let mut grades: HashMap<&str, f64> = relevant.iter().map(|id| (id.as_str(), 1.0)).collect();
    grades.extend(graded.iter().map(|(id, grade)| (id.as_str(), *grade)));
    grades
}

/// NDCG@k as scikit-learn's `ndcg_score` computes it: the gain of a document is its relevance
/// grade (binary relevance: 1), the discount is 1/log2(rank + 1), and the ideal ranking orders
/// every judged document by grade, counting relevant ones that were never retrieved (as
/// trec_eval does). A document retrieved twice gains once, at its first rank, so NDCG stays
/// within 0..1. `None` when no judged document has a positive grade: Vernier answers "not
/// applicable" there, where scikit-learn answers 0.
pub fn ndcg_at(retrieved: &[String], grades: &HashMap<&str, f64>, k: usize) -> Option<f64> {
    let discount = |rank: usize| 1.0 / ((rank + 2) as f64).log2();
    let mut ideal: Vec<f64> = grades.values().copied().filter(|grade| *grade > 0.0).collect();
    if ideal.is_empty() || k == 0 {
        return None;
    }
    ideal.sort_by(|a, b| b.total_cmp(a));
    let ideal: f64 = ideal
        .iter()
        .take(k)
        .enumerate()
        .map(|(r, g)| g * discount(r))
        .sum();
    let mut seen = HashSet::new();
    let dcg: f64 = retrieved
        .iter()
        .take(k)
        .enumerate()
        .filter(|(_, id)| seen.insert(id.as_str()))
        .map(|(r, id)| grades.get(id.as_str()).copied().unwrap_or(0.0) * discount(r))
        .sum();
    Some(positive_zero(dcg / ideal))
}

/// `value` with a negative zero made positive: an empty floating-point sum is −0.0, which must
/// never be shown or stored as "-0.000".
pub fn positive_zero(value: f64) -> f64 {
    if value == 0.0 {
        0.0
    } else {
        value
    }
}

/// scikit-learn's graded example: six documents retrieved in order a..f with grades
/// [3, 2, 3, 0, 1, 2]; `sklearn.metrics.ndcg_score([[3,2,3,0,1,2]], [[6,5,4,3,2,1]])` =
/// 0.9608081943360616, and 0.9777813616305048 with k=3 (scikit-learn 1.9.1).
#[cfg(test)]
pub(crate) fn sklearn_graded_example() -> (Vec<String>, BTreeMap<String, f64>) {
    let grades = [
        ("a", 3.0),
        ("b", 2.0),
        ("c", 3.0),
        ("d", 0.0),
        ("e", 1.0),
        ("f", 2.0),
    ];
    (
        grades.iter().map(|(id, _)| (*id).to_owned()).collect(),
        grades.iter().map(|(id, g)| ((*id).to_owned(), *g)).collect(),
    )
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

    /// Binary grades of `relevant`.
    fn binary(relevant: &[&str]) -> HashMap<&'static str, f64> {
        relevant
            .iter()
            .map(|id| (&*Box::leak(id.to_string().into_boxed_str()), 1.0))
            .collect()
    }

    #[test]
    fn ndcg_matches_scikit_learn_when_every_relevant_document_is_retrieved() {
        // sklearn.metrics.ndcg_score([[1,0,1,0,0,1]], [[6,5,4,3,2,1]], k=6) = 0.8710785440003372; k=3 → 0.7039180890341348
        let retrieved = ids(&["a", "b", "c", "d", "e", "f"]);
        let relevant = binary(&["a", "c", "f"]);
        assert!((ndcg_at(&retrieved, &relevant, 6).unwrap() - 0.871_078_544_000_337_2).abs() < 1e-12);
        assert!((ndcg_at(&retrieved, &relevant, 3).unwrap() - 0.703_918_089_034_134_8).abs() < 1e-12);
    }

    #[test]
    fn ndcg_counts_relevant_documents_that_were_not_retrieved() {
        // One relevant of two found at rank 1: DCG = 1, ideal = 1 + 1/log2(3).
        let relevant = binary(&["a", "z"]);
        let expected = 1.0 / (1.0 + 1.0 / 3f64.log2());
        assert!((ndcg_at(&ids(&["a", "b"]), &relevant, 5).unwrap() - expected).abs() < 1e-12);
    }

    #[test]
    fn ndcg_with_no_relevant_document_is_not_applicable() {
        // scikit-learn answers 0.0 here (ndcg_score([[0,0,0]], [[3,2,1]])); Vernier says n/a, so
        // an output nobody judged is neither passed nor failed.
        assert_eq!(ndcg_at(&ids(&["a"]), &HashMap::new(), 5), None);
        let unjudged: HashMap<&str, f64> = [("a", 0.0)].into();
        assert_eq!(ndcg_at(&ids(&["a"]), &unjudged, 5), None);
    }

    #[test]
    fn a_document_retrieved_twice_gains_once_and_ndcg_stays_within_one() {
        // Retrieved [a, a], relevant {a}, k = 2: the second a gains nothing, NDCG = 1 (not 1.63).
        let relevant = binary(&["a"]);
        assert_eq!(ndcg_at(&ids(&["a", "a"]), &relevant, 2), Some(1.0));
        // [b, a, a] with relevant {a, c}: DCG = 1/log2(3), ideal = 1 + 1/log2(3).
        let relevant = binary(&["a", "c"]);
        let expected = (1.0 / 3f64.log2()) / (1.0 + 1.0 / 3f64.log2());
        let got = ndcg_at(&ids(&["b", "a", "a"]), &relevant, 3).unwrap();
        assert!((got - expected).abs() < 1e-12, "{got}");
    }

    #[test]
    fn ndcg_is_a_positive_zero_when_no_relevant_document_is_in_the_top_k() {
        let relevant = binary(&["z"]);
        let value = ndcg_at(&ids(&["a", "b"]), &relevant, 2).unwrap();
        assert_eq!(value, 0.0);
        assert!(value.is_sign_positive(), "NDCG read -0.000");
        assert_eq!(format!("{value:.3}"), "0.000");
        assert!(positive_zero(-0.0).is_sign_positive());
    }

    #[test]
    fn graded_ndcg_matches_scikit_learn() {
        let (retrieved, graded) = sklearn_graded_example();
        let grades = grades(&[], &graded);
        assert!((ndcg_at(&retrieved, &grades, 6).unwrap() - 0.960_808_194_336_061_6).abs() < 1e-12);
        assert!((ndcg_at(&retrieved, &grades, 3).unwrap() - 0.977_781_361_630_504_8).abs() < 1e-12);
    }

    #[test]
    fn graded_ndcg_counts_a_graded_document_that_was_not_retrieved() {
        // Retrieved [a, b, c] with grades a=1, b=0, c=2 and z=3 never retrieved (scored last):
        // sklearn.metrics.ndcg_score([[1,0,2,3]], [[4,3,2,1]], k=3) = 0.4200039915079282
        let graded: BTreeMap<String, f64> = [("a", 1.0), ("b", 0.0), ("c", 2.0), ("z", 3.0)]
            .into_iter()
            .map(|(id, g)| (id.to_owned(), g))
            .collect();
        let got = ndcg_at(&ids(&["a", "b", "c"]), &grades(&[], &graded), 3).unwrap();
        assert!((got - 0.420_003_991_507_928_2).abs() < 1e-12, "{got}");
    }

    #[test]
    fn a_grade_overrides_the_binary_relevance_of_a_listed_document() {
        let graded: BTreeMap<String, f64> = [("kb-40".to_owned(), 3.0)].into();
        let relevant = ids(&["kb-40", "kb-12"]);
        let grades = grades(&relevant, &graded);
        assert_eq!((grades["kb-40"], grades["kb-12"]), (3.0, 1.0));
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
