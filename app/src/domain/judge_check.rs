//! Checking an automated judge against people: on the outputs both scored, how often they
//! agree on pass/fail (kappa), how their values correlate, the confusion matrix, and whether
//! either favours long replies (the correlation of its score with the reply's length).

use super::stats::agreement::{cohen_kappa, percent_agreement, WeightedKappa};
use super::stats::confusion::Confusion;
use super::stats::correlation::{pearson, spearman};
use super::stats::Coefficient;
use crate::error::AppError;
use serde::{Deserialize, Serialize};

/// Length bias is flagged from this correlation on, unless the page sets another level.
pub const DEFAULT_BIAS_LEVEL: f64 = 0.3;

/// One output scored by both: the human final label and the judge's score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Paired {
    pub human: f64,
    pub human_passed: bool,
    pub judge: f64,
    pub judge_passed: bool,
    /// The reply's length in characters.
    pub length: usize,
}

/// The check of a judge against people.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JudgeCheck {
    pub outputs: usize,
    /// Share of outputs where both gave the same verdict.
    pub agreement: Coefficient,
    /// Cohen's kappa of the pass/fail verdicts.
    pub kappa: Coefficient,
    pub spearman: Coefficient,
    pub pearson: Coefficient,
    /// Linear and quadratic weighted kappa of the values, when both sides are ordinal: the
    /// human metric's rubric is ordinal and the judge scores on its levels.
    pub weighted: Option<WeightedKappa>,
    /// Verdicts: rows people (fail, pass), columns the judge.
    pub confusion: Confusion,
    /// Pearson correlation of the human value with the reply's length.
    pub human_length: Coefficient,
    /// Pearson correlation of the judge's value with the reply's length.
    pub judge_length: Coefficient,
    pub bias_level: f64,
}

impl JudgeCheck {
    /// Whether a correlation with length reaches the bias level (either sign).
    pub fn biased(&self, correlation: &Coefficient) -> bool {
        correlation.is_ok_and(|r| r.abs() >= self.bias_level)
    }
}

/// Checks the judge on `pairs`, flagging length bias from `bias_level`. `ordinal_levels` are the
/// level values of the human metric's rubric when it is ordinal; weighted kappa is computed
/// when every judge score is one of them too (otherwise the two sides are not on one scale).
pub fn judge_check(pairs: &[Paired], bias_level: f64, ordinal_levels: Option<&[f64]>) -> JudgeCheck {
    let verdict = |passed: bool| f64::from(u8::from(passed));
    let verdicts: Vec<(f64, f64)> = pairs
        .iter()
        .map(|p| (verdict(p.human_passed), verdict(p.judge_passed)))
        .collect();
    let values: Vec<(f64, f64)> = pairs.iter().map(|p| (p.human, p.judge)).collect();
    let with_length = |value: fn(&Paired) -> f64| {
        pearson(
            &pairs
                .iter()
                .map(|p| (value(p), p.length as f64))
                .collect::<Vec<_>>(),
        )
    };
    JudgeCheck {
        outputs: pairs.len(),
        agreement: percent_agreement(&verdicts.iter().map(|&(a, b)| vec![a, b]).collect::<Vec<_>>()),
        kappa: cohen_kappa(&verdicts),
        spearman: spearman(&values),
        pearson: pearson(&values),
        weighted: ordinal_levels
            .filter(|levels| {
                values
                    .iter()
                    .all(|(h, j)| levels.contains(h) && levels.contains(j))
            })
            .map(|levels| WeightedKappa::of(&values, levels)),
        confusion: Confusion::of(&verdicts),
        human_length: with_length(|p| p.human),
        judge_length: with_length(|p| p.judge),
        bias_level,
    }
}

/// Parses the bias level a page sets (a correlation strictly between 0 and 1).
pub fn parse_bias_level(text: &str) -> Result<f64, AppError> {
    if text.trim().is_empty() {
        return Ok(DEFAULT_BIAS_LEVEL);
    }
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|level| *level > 0.0 && *level < 1.0)
        .ok_or_else(|| AppError::invalid("bias_level", "must be a number between 0 and 1, such as 0.3"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(human: f64, judge: f64, length: usize) -> Paired {
        Paired {
            human,
            human_passed: human >= 3.0,
            judge,
            judge_passed: judge >= 3.0,
            length,
        }
    }

    #[test]
    fn length_bias_is_measured_and_flagged_for_both_sides() {
        // The judge's score follows length; these people favour short replies.
        let pairs = [
            pair(5.0, 3.0, 100),
            pair(1.0, 4.0, 400),
            pair(4.0, 2.0, 80),
            pair(2.0, 5.0, 500),
            pair(3.0, 3.0, 250),
        ];
        let check = judge_check(&pairs, DEFAULT_BIAS_LEVEL, None);
        assert_eq!(check.outputs, 5);
        assert!(check.biased(&check.judge_length), "{:?}", check.judge_length);
        assert!(check.judge_length.unwrap() > 0.9);
        assert!(check.human_length.unwrap() < -0.8);
        assert!(
            check.biased(&check.human_length),
            "a negative correlation is a bias too"
        );
        assert!(!JudgeCheck {
            bias_level: 0.95,
            ..check.clone()
        }
        .biased(&check.judge_length));
        // Verdicts: people pass 5, 4, 3; the judge passes 3, 4, 5, 3.
        assert_eq!(check.confusion.counts, [vec![0, 2], vec![1, 2]]);
        assert!(check.spearman.unwrap() < 0.0);
    }

    #[test]
    fn agreement_and_correlations_use_the_published_formulas() {
        // The scipy pearsonr example as human and judge values.
        let pairs: Vec<Paired> = [(1.0, 10.0), (2.0, 9.0), (3.0, 2.5), (4.0, 6.0), (5.0, 4.0)]
            .iter()
            .map(|&(h, j)| pair(h, j, 10))
            .collect();
        let check = judge_check(&pairs, 0.5, Some(&[1.0, 2.0, 3.0, 4.0, 5.0]));
        assert!((check.pearson.unwrap() - -0.7426106572325057).abs() < 1e-12);
        assert_eq!(
            check.weighted, None,
            "judge values 10, 9, 2.5 are not rubric levels"
        );
        assert_eq!(
            check.human_length,
            Err(crate::domain::stats::Undefined::NoVariation)
        );
    }

    #[test]
    fn a_judge_scoring_on_the_ordinal_rubric_gets_weighted_kappa() {
        // sklearn.metrics.cohen_kappa_score(people, judge, weights='linear' / 'quadratic')
        // = 0.7807017543859649 / 0.8931623931623931 (scikit-learn 1.9.1).
        let people = [
            4., 4., 3., 4., 4., 4., 1., 1., 2., 2., 2., 4., 4., 4., 1., 3., 3., 3., 4., 4.,
        ];
        let judge = [
            4., 4., 3., 4., 4., 4., 1., 2., 2., 2., 3., 4., 4., 4., 1., 2., 3., 4., 3., 4.,
        ];
        let pairs: Vec<Paired> = people.iter().zip(&judge).map(|(&h, &j)| pair(h, j, 10)).collect();
        let check = judge_check(&pairs, DEFAULT_BIAS_LEVEL, Some(&[1.0, 2.0, 3.0, 4.0]));
        let weighted = check.weighted.expect("both sides on the rubric's levels");
        assert!((weighted.linear.unwrap() - 0.780_701_754_385_964_9).abs() < 1e-12);
        assert!((weighted.quadratic.unwrap() - 0.893_162_393_162_393_1).abs() < 1e-12);
        assert_eq!(judge_check(&pairs, DEFAULT_BIAS_LEVEL, None).weighted, None);
    }

    #[test]
    fn the_bias_level_is_checked() {
        assert_eq!(parse_bias_level(""), Ok(DEFAULT_BIAS_LEVEL));
        assert_eq!(parse_bias_level("0.5"), Ok(0.5));
        assert_eq!(parse_bias_level("1.5").unwrap_err().field(), Some("bias_level"));
    }
}
