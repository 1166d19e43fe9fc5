//! Near-duplicate items: MinHash signatures over word shingles, banded for locality-sensitive
//! hashing (Broder 1997; Leskovec, Rajaraman & Ullman, *Mining of Massive Datasets*, ch. 3), so
//! that only items sharing a band are compared; each candidate pair is then measured exactly
//! (the Jaccard similarity of the two shingle sets), so a reported pair is never an artefact of
//! the estimate. Exact duplicates (the same text once case, punctuation and spacing are set
//! aside) are reported as such.

use crate::domain::experiment::fnv1a;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap, HashSet};

/// Words per shingle.
pub const SHINGLE_WORDS: usize = 3;
/// Hash functions in a signature: `BANDS` bands of `ROWS` rows. With 32 × 4, pairs at Jaccard
/// 0.5 become candidates with probability 1 − (1 − 0.5⁴)³² ≈ 0.87, at 0.7 ≈ 0.9999.
pub const BANDS: usize = 32;
pub const ROWS: usize = 4;
/// The default similarity from which two items are near-duplicates.
pub const DEFAULT_THRESHOLD: f64 = 0.8;

/// Two items (by index) that are (near-)duplicates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pair {
    pub first: usize,
    pub second: usize,
    /// The Jaccard similarity of their shingle sets.
    pub jaccard: f64,
    /// The same text once case, punctuation and spacing are set aside.
    pub exact: bool,
}

/// The lower-cased words of `text` (letters and digits of any script).
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// The hashed word shingles of `text` (a text shorter than a shingle is one shingle).
pub fn shingles(text: &str) -> HashSet<u64> {
    let words = words(text);
    if words.len() <= SHINGLE_WORDS {
        return [fnv1a(words.join(" ").as_bytes())].into_iter().collect();
    }
    words
        .windows(SHINGLE_WORDS)
        .map(|w| fnv1a(w.join(" ").as_bytes()))
        .collect()
}

/// The Jaccard similarity of two sets (two empty sets are identical: 1).
pub fn jaccard(a: &HashSet<u64>, b: &HashSet<u64>) -> f64 {
    let union = a.union(b).count();
    if union == 0 {
        return 1.0;
    }
    a.intersection(b).count() as f64 / union as f64
}

/// SplitMix64's finaliser: the `i`-th hash function is `mix(x ^ seed_i)`.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The MinHash signature of a shingle set.
pub fn signature(shingles: &HashSet<u64>) -> Vec<u64> {
    (0..BANDS * ROWS)
        .map(|i| {
            let seed = mix(i as u64 + 1);
            shingles.iter().map(|&s| mix(s ^ seed)).min().unwrap_or(u64::MAX)
        })
        .collect()
}

/// The share of equal positions of two signatures: an unbiased estimate of their sets' Jaccard
/// similarity.
pub fn estimate(a: &[u64], b: &[u64]) -> f64 {
    let same = a.iter().zip(b).filter(|(x, y)| x == y).count();
    same as f64 / a.len().max(1) as f64
}

/// Candidate pairs compared at most: beyond, a dataset of thousands of near-identical items
/// would cost quadratic time; the pairs found by then are listed.
pub const MAX_CANDIDATES: usize = 100_000;

/// Every pair of `texts` whose Jaccard similarity is at least `threshold`, most similar first.
/// An exact duplicate is listed once, against the first item with its text (and compared with
/// the others through it), so a text repeated k times gives k − 1 pairs, not k(k − 1)/2.
pub fn near_duplicates(texts: &[String], threshold: f64) -> Vec<Pair> {
    let normal: Vec<String> = texts.iter().map(|t| words(t).join(" ")).collect();
    let mut first_of: HashMap<&str, usize> = HashMap::new();
    let mut pairs = Vec::new();
    let mut distinct = Vec::new();
    for (i, text) in normal.iter().enumerate() {
        match first_of.get(text.as_str()) {
            Some(&first) => pairs.push(Pair {
                first,
                second: i,
                jaccard: 1.0,
                exact: true,
            }),
            None => {
                first_of.insert(text, i);
                distinct.push(i);
            }
        }
    }
    let sets: HashMap<usize, HashSet<u64>> = distinct.iter().map(|&i| (i, shingles(&texts[i]))).collect();
    let mut candidates = BTreeSet::new();
    let mut buckets: HashMap<(usize, Vec<u64>), Vec<usize>> = HashMap::new();
    'items: for &i in &distinct {
        let sig = signature(&sets[&i]);
        for band in 0..BANDS {
            let rows = sig[band * ROWS..(band + 1) * ROWS].to_vec();
            let bucket = buckets.entry((band, rows)).or_default();
            for &j in bucket.iter() {
                if candidates.len() >= MAX_CANDIDATES {
                    break 'items;
                }
                candidates.insert((j, i));
            }
            bucket.push(i);
        }
    }
    pairs.extend(candidates.into_iter().filter_map(|(first, second)| {
        let similarity = jaccard(&sets[&first], &sets[&second]);
        (similarity >= threshold).then_some(Pair {
            first,
            second,
            jaccard: similarity,
            exact: false,
        })
    }));
    pairs.sort_by(|a, b| {
        b.jaccard
            .total_cmp(&a.jaccard)
            .then(b.exact.cmp(&a.exact))
            .then(a.first.cmp(&b.first))
            .then(a.second.cmp(&b.second))
    });
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    const BASE: &str = "How do I cancel my mobile contract before the end of the minimum term without paying the full remaining fee";

    #[test]
    fn finds_a_constructed_near_duplicate_and_an_exact_one_but_not_a_different_question() {
        let one_word = BASE.replace("mobile", "phone");
        let found = near_duplicates(
            &texts(&[
                BASE,
                "When will my remaining balance be transferred to my bank account after the contract ends",
                &one_word,
                "how do i CANCEL my mobile contract, before the end of the minimum term without paying the full remaining fee?",
            ]),
            0.7,
        );
        // Exact (0, 3) first, then the one-word edit (0, 2) — (2, 3) is the same pair through
        // 3's first; never the other question.
        assert_eq!(
            found[0],
            Pair {
                first: 0,
                second: 3,
                jaccard: 1.0,
                exact: true
            }
        );
        let near: Vec<(usize, usize)> = found[1..].iter().map(|p| (p.first, p.second)).collect();
        assert_eq!(near, vec![(0, 2)]);
        // One changed word of 20 removes 3 of 18 shingles from each side: 15 / 21.
        assert!((found[1].jaccard - 15.0 / 21.0).abs() < 1e-12);
        assert!(!found[1].exact);
        assert!(found.iter().all(|p| p.first != 1 && p.second != 1));
    }

    #[test]
    fn the_threshold_is_inclusive_and_pairs_below_it_are_left_out() {
        let one_word = BASE.replace("mobile", "phone");
        let at = near_duplicates(&texts(&[BASE, &one_word]), 15.0 / 21.0);
        assert_eq!(at.len(), 1);
        assert!(near_duplicates(&texts(&[BASE, &one_word]), 0.72).is_empty());
    }

    #[test]
    fn the_signature_estimates_the_jaccard_similarity() {
        let a = shingles(BASE);
        let b = shingles(&BASE.replace("mobile", "phone"));
        let estimated = estimate(&signature(&a), &signature(&b));
        assert!((estimated - jaccard(&a, &b)).abs() < 0.15, "{estimated}");
        assert_eq!(estimate(&signature(&a), &signature(&a)), 1.0);
    }

    #[test]
    fn a_text_repeated_many_times_gives_one_pair_per_repeat() {
        let many: Vec<String> = (0..2_000).map(|_| BASE.to_owned()).collect();
        let found = near_duplicates(&many, 0.8);
        assert_eq!(found.len(), 1_999);
        assert!(found.iter().all(|p| p.first == 0 && p.exact));
    }

    #[test]
    fn short_and_empty_texts_have_one_answer() {
        // Under three words a text is one shingle: equal words are a duplicate, others are not.
        let found = near_duplicates(&texts(&["Hallo!", "hallo", "Servus", "", "  "]), 0.8);
        let pairs: Vec<(usize, usize, bool)> = found.iter().map(|p| (p.first, p.second, p.exact)).collect();
        assert_eq!(pairs, vec![(0, 1, true), (3, 4, true)]);
    }
}
