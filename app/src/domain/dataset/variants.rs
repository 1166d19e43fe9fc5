//! Prompt-variant sensitivity: for a dataset whose items are variants of cases (zero-shot,
//! few-shot, instruction, paraphrase…), does a metric's verdict depend on the phrasing? Per
//! run and metric: the pass rate of each variant, the share of cases whose verdict is the same
//! in every variant (robustness), the worst variant, and the cases that flip.

use super::run::{pass_rate, ItemResult};
use crate::domain::stats::proportions::Proportion;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A case whose verdict differs between its variants.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Flip {
    pub case_id: String,
    /// Each variant's verdict, in variant order.
    pub verdicts: Vec<(String, bool)>,
}

/// One metric's sensitivity to the variants.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sensitivity {
    pub metric: String,
    /// Pass rate per variant, in variant order.
    pub variants: Vec<(String, Proportion)>,
    /// Cases judged in at least two variants.
    pub cases: u64,
    /// Of those, cases with one verdict in all of them.
    pub stable: u64,
    /// The variant with the lowest pass rate (ties: the first in order); `None` without
    /// verdicts, or when every variant has the same rate.
    pub worst: Option<String>,
    pub flips: Vec<Flip>,
}

impl Sensitivity {
    /// The share of cases whose verdict does not depend on the variant; `None` without cases.
    pub fn robustness(&self) -> Option<f64> {
        (self.cases > 0).then(|| self.stable as f64 / self.cases as f64)
    }
}

/// The sensitivity of `metric` in a run; `None` when no item is a variant of a case.
pub fn sensitivity(results: &[ItemResult], metric: &str) -> Option<Sensitivity> {
    let varied: Vec<&ItemResult> = results
        .iter()
        .filter(|r| r.case_id.is_some() && r.variant.is_some())
        .collect();
    if varied.is_empty() {
        return None;
    }
    let mut by_variant: BTreeMap<&str, Vec<&ItemResult>> = BTreeMap::new();
    let mut by_case: BTreeMap<&str, Vec<(String, bool)>> = BTreeMap::new();
    for r in &varied {
        let variant = r.variant.as_deref().unwrap_or_default();
        by_variant.entry(variant).or_default().push(r);
        if let Some(Some(passed)) = r.verdicts.get(metric) {
            by_case
                .entry(r.case_id.as_deref().unwrap_or_default())
                .or_default()
                .push((variant.to_owned(), *passed));
        }
    }
    let variants: Vec<(String, Proportion)> = by_variant
        .into_iter()
        .map(|(v, rs)| (v.to_owned(), pass_rate(rs.iter().copied(), metric)))
        .collect();
    let worst = variants
        .iter()
        .filter_map(|(v, p)| p.rate().map(|rate| (v, rate)))
        .fold(None::<(&String, f64)>, |worst, (v, rate)| match worst {
            Some((_, w)) if w <= rate => worst,
            _ => Some((v, rate)),
        })
        .filter(|(_, lowest)| {
            variants
                .iter()
                .filter_map(|(_, p)| p.rate())
                .any(|rate| rate > *lowest)
        })
        .map(|(v, _)| v.clone());
    let mut cases = 0;
    let mut stable = 0;
    let mut flips = Vec::new();
    for (case_id, mut verdicts) in by_case {
        if verdicts.len() < 2 {
            continue;
        }
        cases += 1;
        verdicts.sort();
        if verdicts.iter().all(|(_, p)| *p == verdicts[0].1) {
            stable += 1;
        } else {
            flips.push(Flip {
                case_id: case_id.to_owned(),
                verdicts,
            });
        }
    }
    Some(Sensitivity {
        metric: metric.to_owned(),
        variants,
        cases,
        stable,
        worst,
        flips,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::dataset::Tags;

    fn variant(case: &str, variant: &str, passed: Option<bool>) -> ItemResult {
        ItemResult {
            item_id: format!("{case}-{variant}"),
            output_id: 0,
            tags: Tags::default(),
            case_id: Some(case.into()),
            variant: Some(variant.into()),
            verdicts: [("m".to_string(), passed)].into_iter().collect(),
        }
    }

    #[test]
    fn robustness_is_the_share_of_cases_that_never_flip() {
        let results = vec![
            variant("a", "few-shot", Some(true)),
            variant("a", "zero-shot", Some(true)),
            variant("b", "few-shot", Some(true)),
            variant("b", "zero-shot", Some(false)),
            variant("c", "few-shot", Some(false)),
            variant("c", "zero-shot", Some(false)),
            // One verdict only: not a case for robustness, still in the variant's rate.
            variant("d", "few-shot", Some(true)),
            variant("d", "zero-shot", None),
        ];
        let s = sensitivity(&results, "m").unwrap();
        assert_eq!(s.cases, 3);
        let even = vec![
            variant("a", "few-shot", Some(true)),
            variant("a", "zero-shot", Some(true)),
        ];
        assert_eq!(
            sensitivity(&even, "m").unwrap().worst,
            None,
            "no variant is worse"
        );
        assert_eq!(s.stable, 2);
        assert_eq!(s.robustness(), Some(2.0 / 3.0));
        assert_eq!(
            s.variants,
            vec![
                ("few-shot".to_string(), Proportion::new(3, 4)),
                ("zero-shot".to_string(), Proportion::new(1, 3)),
            ]
        );
        assert_eq!(s.worst.as_deref(), Some("zero-shot"));
        assert_eq!(
            s.flips,
            vec![Flip {
                case_id: "b".into(),
                verdicts: vec![("few-shot".into(), true), ("zero-shot".into(), false)],
            }]
        );
    }

    #[test]
    fn without_variants_there_is_no_sensitivity_and_without_verdicts_no_worst() {
        let plain = vec![crate::domain::dataset::run::tests::result(
            "x",
            &[("m", Some(true))],
        )];
        assert_eq!(sensitivity(&plain, "m"), None);
        let s = sensitivity(&[variant("a", "v1", None)], "m").unwrap();
        assert_eq!((s.cases, s.robustness(), s.worst), (0, None, None));
    }
}
