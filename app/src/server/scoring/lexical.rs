//! Lexical similarity to the expected output: token F1, ROUGE-L and BLEU.

use std::collections::HashMap;

/// Lower-case word tokens: runs of letters and digits (as rouge-score tokenises).
pub fn tokens(text: &str) -> Vec<String> {
    text.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|token| !token.is_empty())
        .map(str::to_owned)
        .collect()
}

fn counts<T: AsRef<str>>(tokens: &[T]) -> HashMap<&str, usize> {
    let mut counts = HashMap::new();
    for token in tokens {
        *counts.entry(token.as_ref()).or_insert(0) += 1;
    }
    counts
}

/// Token-overlap F1 (as in SQuAD): harmonic mean of precision and recall of shared tokens.
/// Two empty texts agree (1.0); one empty text shares nothing (0.0).
pub fn token_f1<T: AsRef<str>>(candidate: &[T], reference: &[T]) -> f64 {
    if candidate.is_empty() || reference.is_empty() {
        return if candidate.is_empty() && reference.is_empty() {
            1.0
        } else {
            0.0
        };
    }
    let (c, r) = (counts(candidate), counts(reference));
    let shared: usize = c
        .iter()
        .map(|(token, n)| (*n).min(*r.get(token).unwrap_or(&0)))
        .sum();
    if shared == 0 {
        return 0.0;
    }
    let precision = shared as f64 / candidate.len() as f64;
    let recall = shared as f64 / reference.len() as f64;
    2.0 * precision * recall / (precision + recall)
}

/// Length of the longest common subsequence, in O(n·m) time and O(m) memory.
fn lcs<T: AsRef<str>>(a: &[T], b: &[T]) -> usize {
    let mut previous = vec![0usize; b.len() + 1];
    let mut current = vec![0usize; b.len() + 1];
    for x in a {
        for (j, y) in b.iter().enumerate() {
            current[j + 1] = if x.as_ref() == y.as_ref() {
                previous[j] + 1
            } else {
                current[j].max(previous[j + 1])
            };
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

/// ROUGE-L F-measure (Lin 2004, β = 1, as rouge-score reports `fmeasure`).
pub fn rouge_l<T: AsRef<str>>(candidate: &[T], reference: &[T]) -> f64 {
    if candidate.is_empty() || reference.is_empty() {
        return 0.0;
    }
    let common = lcs(candidate, reference) as f64;
    if common == 0.0 {
        return 0.0;
    }
    let precision = common / candidate.len() as f64;
    let recall = common / reference.len() as f64;
    2.0 * precision * recall / (precision + recall)
}

fn ngrams<T: AsRef<str>>(tokens: &[T], n: usize) -> HashMap<Vec<&str>, usize> {
    let mut grams = HashMap::new();
    for window in tokens.windows(n) {
        *grams
            .entry(window.iter().map(AsRef::as_ref).collect())
            .or_insert(0) += 1;
    }
    grams
}

/// Sentence BLEU (Papineni et al. 2002) with 1- to 4-grams, uniform weights, clipped counts
/// against several references and the brevity penalty against the closest reference length,
/// computed as NLTK's `sentence_bleu`. Without smoothing a missing n-gram order gives 0; with
/// `smooth`, zero counts of 2- to 4-grams get ε = 0.1 (NLTK's `method1`), which suits short
/// replies. A candidate that shares no word with any reference scores 0 either way, as in NLTK
/// (smoothing never rescues a reply with no unigram match).
pub fn bleu<T: AsRef<str>>(candidate: &[T], references: &[&[T]], smooth: bool) -> f64 {
    if candidate.is_empty() || references.is_empty() {
        return 0.0;
    }
    let mut log_sum = 0.0;
    for n in 1..=4 {
        let grams = ngrams(candidate, n);
        let total: usize = grams.values().sum();
        let mut max_ref: HashMap<Vec<&str>, usize> = HashMap::new();
        for reference in references {
            for (gram, count) in ngrams(reference, n) {
                let entry = max_ref.entry(gram).or_insert(0);
                *entry = (*entry).max(count);
            }
        }
        let clipped: usize = grams
            .iter()
            .map(|(gram, count)| (*count).min(*max_ref.get(gram).unwrap_or(&0)))
            .sum();
        let precision = match (clipped, total) {
            (_, 0) => return 0.0,
            (0, _) if smooth && n > 1 => 0.1 / total as f64,
            (0, _) => return 0.0,
            (clipped, total) => clipped as f64 / total as f64,
        };
        log_sum += 0.25 * precision.ln();
    }
    let length = candidate.len() as i64;
    let closest = references
        .iter()
        .map(|r| r.len() as i64)
        .min_by_key(|&r| ((r - length).abs(), r))
        .unwrap_or(0);
    let brevity = if length > closest {
        1.0
    } else {
        (1.0 - closest as f64 / length as f64).exp()
    };
    brevity * log_sum.exp()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<&str> {
        text.split_whitespace().collect()
    }

    const H1: &str =
        "It is a guide to action which ensures that the military always obeys the commands of the party";
    const H2: &str = "It is to insure the troops forever hearing the activity guidebook that party direct";
    const R1: &str =
        "It is a guide to action that ensures that the military will forever heed Party commands";
    const R2: &str = "It is the guiding principle which guarantees the military forces always being under the command of the Party";
    const R3: &str = "It is the practical guide for the army always to heed the directions of the party";

    #[test]
    fn bleu_matches_nltk_on_the_papineni_example() {
        // nltk.translate.bleu_score.sentence_bleu([r1, r2, r3], h1) = 0.5045666840058485
        let refs = [words(R1), words(R2), words(R3)];
        let refs: Vec<&[&str]> = refs.iter().map(Vec::as_slice).collect();
        assert!((bleu(&words(H1), &refs, false) - 0.504_566_684_005_848_5).abs() < 1e-12);
        // sentence_bleu([r1], h1) = 0.41180376356915777
        assert!((bleu(&words(H1), &refs[..1], false) - 0.411_803_763_569_157_77).abs() < 1e-12);
    }

    #[test]
    fn a_reply_sharing_no_word_with_the_reference_scores_zero_as_in_nltk() {
        // sentence_bleu([["the","cat","sat"]], ["a","dog","ran"], smoothing_function=method1) = 0
        let reference = words("the cat sat");
        assert_eq!(bleu(&words("a dog ran"), &[&reference[..]], true), 0.0);
        assert_eq!(bleu(&words("a dog ran"), &[&reference[..]], false), 0.0);
        // One shared word keeps the smoothed score: sentence_bleu([["the","cat","sat","on","the",
        // "mat"]], ["the","dog","ran","away","fast"], smoothing_function=method1) = 0.0439891724758422
        let reference = words("the cat sat on the mat");
        let smoothed = bleu(&words("the dog ran away fast"), &[&reference[..]], true);
        assert!((smoothed - 0.043_989_172_475_842_2).abs() < 1e-12, "{smoothed}");
    }

    #[test]
    fn smoothed_bleu_matches_nltk_method1() {
        // sentence_bleu([r1, r2, r3], h2, smoothing_function=SmoothingFunction().method1) = 0.03703131191121491
        let refs = [words(R1), words(R2), words(R3)];
        let refs: Vec<&[&str]> = refs.iter().map(Vec::as_slice).collect();
        assert!((bleu(&words(H2), &refs, true) - 0.037_031_311_911_214_91).abs() < 1e-12);
        assert_eq!(
            bleu(&words(H2), &refs, false),
            0.0,
            "no 4-gram match and no smoothing gives 0"
        );
    }

    #[test]
    fn rouge_l_matches_rouge_score() {
        // rouge_score RougeScorer(['rougeL']).score(target, prediction).fmeasure
        let f = rouge_l(
            &tokens("police kill the gunman"),
            &tokens("police killed the gunman"),
        );
        assert!((f - 0.75).abs() < 1e-12);
        let f = rouge_l(
            &tokens("the cat lay on the red mat"),
            &tokens("the cat sat on the mat"),
        );
        assert!((f - 0.769_230_769_230_769_2).abs() < 1e-12);
    }

    #[test]
    fn token_f1_counts_shared_tokens_with_multiplicity() {
        // shared: the ×2, cat ×1 = 3; precision 3/3, recall 3/4 → F1 = 6/7
        let f = token_f1(&tokens("the the cat"), &tokens("the cat sat the"));
        assert!((f - 6.0 / 7.0).abs() < 1e-12, "{f}");
        // precision 1/2, recall 1/3 → F1 = 2/5
        let f = token_f1(&tokens("cat dog"), &tokens("cat sat mat"));
        assert!((f - 0.4).abs() < 1e-12, "{f}");
        assert_eq!(token_f1(&tokens("Paris!"), &tokens("paris")), 1.0);
        assert_eq!(token_f1(&tokens(""), &tokens("")), 1.0);
        assert_eq!(token_f1(&tokens("a"), &tokens("")), 0.0);
    }

    #[test]
    fn tokens_are_lower_case_words_in_any_script() {
        assert_eq!(tokens("Grüß Gott, Zoë! 42x"), ["grüß", "gott", "zoë", "42x"]);
    }
}
