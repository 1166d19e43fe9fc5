//! Eval runs: a system's outputs on one pinned dataset version, scored by the project's
//! metrics. A run reads as pass rates per metric (with Wilson intervals), per item and per tag;
//! two runs on the same version compare item by item — paired — with McNemar's exact test on
//! the items whose verdict changed.

use super::Tags;
use crate::domain::stats::mcnemar;
use crate::domain::stats::proportions::Proportion;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// An eval run: its name, and the dataset version it pinned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct RunInfo {
    pub id: i64,
    pub name: String,
    pub dataset: String,
    pub version: i32,
    pub version_id: i64,
    /// Items in the version, and how many the run answered.
    pub items: i32,
    pub outputs: i64,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// One item's result in a run: its metrics' verdicts (`None`: not applicable, or the scorer
/// failed — such an item is left out of that metric's counts).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemResult {
    pub item_id: String,
    pub output_id: i64,
    pub tags: Tags,
    pub case_id: Option<String>,
    pub variant: Option<String>,
    pub verdicts: BTreeMap<String, Option<bool>>,
}

/// The metrics that judged any item, in name order.
pub fn metrics(results: &[ItemResult]) -> Vec<String> {
    let mut names: Vec<String> = results.iter().flat_map(|r| r.verdicts.keys().cloned()).collect();
    names.sort();
    names.dedup();
    names
}

/// A metric's passes over the items it judged.
pub fn pass_rate<'a>(results: impl IntoIterator<Item = &'a ItemResult>, metric: &str) -> Proportion {
    let mut p = Proportion::default();
    for r in results {
        if let Some(Some(passed)) = r.verdicts.get(metric) {
            p.n += 1;
            p.passes += u64::from(*passed);
        }
    }
    p
}

/// A metric's pass rate within each tag value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TagRate {
    pub dimension: String,
    pub value: String,
    pub rate: Proportion,
}

/// `metric`'s pass rate per tag value (dimensions as [`Tags::dimensions`]), in dimension then
/// value order; values the metric judged no item of are left out.
pub fn by_tag(results: &[ItemResult], metric: &str) -> Vec<TagRate> {
    let mut groups: BTreeMap<(String, String), Vec<&ItemResult>> = BTreeMap::new();
    for r in results {
        for (dimension, value) in r.tags.dimensions() {
            groups.entry((dimension.to_owned(), value)).or_default().push(r);
        }
    }
    groups
        .into_iter()
        .map(|((dimension, value), rs)| TagRate {
            dimension,
            value,
            rate: pass_rate(rs, metric),
        })
        .filter(|t| t.rate.n > 0)
        .collect()
}

/// Two runs of one metric, item by item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Paired {
    pub metric: String,
    /// Items judged in both runs.
    pub pairs: u64,
    pub both_pass: u64,
    pub both_fail: u64,
    /// Passed in the first run, failed in the second.
    pub newly_failing: Vec<String>,
    /// Failed in the first run, passed in the second.
    pub newly_passing: Vec<String>,
    /// McNemar's exact two-sided p-value on the discordant pairs.
    pub p: f64,
    /// Each run's pass rate over the paired items.
    pub first: Proportion,
    pub second: Proportion,
}

impl Paired {
    /// Whether the change is significant at `alpha`.
    pub fn significant(&self, alpha: f64) -> bool {
        self.p < alpha
    }
}

/// Compares `second` with `first` for every metric either judged, pairing items by id. Items
/// in only one run, or without a verdict in one of them, are not pairs.
pub fn compare(first: &[ItemResult], second: &[ItemResult]) -> Vec<Paired> {
    let by_id: BTreeMap<&str, &ItemResult> = first.iter().map(|r| (r.item_id.as_str(), r)).collect();
    let mut all = metrics(first);
    all.extend(metrics(second));
    all.sort();
    all.dedup();
    all.into_iter()
        .map(|metric| {
            let mut paired = Paired {
                metric: metric.clone(),
                pairs: 0,
                both_pass: 0,
                both_fail: 0,
                newly_failing: Vec::new(),
                newly_passing: Vec::new(),
                p: 1.0,
                first: Proportion::default(),
                second: Proportion::default(),
            };
            for b in second {
                let Some(a) = by_id.get(b.item_id.as_str()) else {
                    continue;
                };
                let (Some(Some(was)), Some(Some(now))) = (a.verdicts.get(&metric), b.verdicts.get(&metric))
                else {
                    continue;
                };
                paired.pairs += 1;
                match (was, now) {
                    (true, true) => paired.both_pass += 1,
                    (false, false) => paired.both_fail += 1,
                    (true, false) => paired.newly_failing.push(b.item_id.clone()),
                    (false, true) => paired.newly_passing.push(b.item_id.clone()),
                }
            }
            paired.newly_failing.sort();
            paired.newly_passing.sort();
            let (b, c) = (
                paired.newly_failing.len() as u64,
                paired.newly_passing.len() as u64,
            );
            paired.p = mcnemar::exact_p(b, c);
            paired.first = Proportion::new(paired.both_pass + b, paired.pairs);
            paired.second = Proportion::new(paired.both_pass + c, paired.pairs);
            paired
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn result(id: &str, verdicts: &[(&str, Option<bool>)]) -> ItemResult {
        ItemResult {
            item_id: id.to_owned(),
            output_id: 0,
            tags: Tags::default(),
            case_id: None,
            variant: None,
            verdicts: verdicts.iter().map(|(m, v)| (m.to_string(), *v)).collect(),
        }
    }

    #[test]
    fn pairs_items_by_id_and_tests_the_discordant_ones() {
        let t = Some(true);
        let f = Some(false);
        let first = vec![
            result("a", &[("tone", t)]),
            result("b", &[("tone", t)]),
            result("c", &[("tone", f)]),
            result("d", &[("tone", t)]),
            result("only-first", &[("tone", t)]),
            result("not-judged", &[("tone", t)]),
        ];
        // In another order, and with an item only the second run has.
        let second = vec![
            result("d", &[("tone", f)]),
            result("c", &[("tone", t)]),
            result("b", &[("tone", f)]),
            result("a", &[("tone", t)]),
            result("only-second", &[("tone", f)]),
            result("not-judged", &[("tone", None)]),
        ];
        let paired = &compare(&first, &second)[0];
        assert_eq!(paired.pairs, 4);
        assert_eq!(paired.both_pass, 1);
        assert_eq!(paired.both_fail, 0);
        assert_eq!(paired.newly_failing, vec!["b", "d"]);
        assert_eq!(paired.newly_passing, vec!["c"]);
        assert_eq!(paired.p, mcnemar::exact_p(2, 1));
        assert_eq!(paired.first, Proportion::new(3, 4));
        assert_eq!(paired.second, Proportion::new(2, 4));
    }

    #[test]
    fn rates_leave_out_items_without_a_verdict_and_break_down_by_tag() {
        let mut de = result("a", &[("m", Some(false))]);
        de.tags.language = Some("de".into());
        let mut en = result("b", &[("m", Some(true))]);
        en.tags.language = Some("en".into());
        let none = result("c", &[("m", None)]);
        let results = vec![de, en, none];
        assert_eq!(pass_rate(&results, "m"), Proportion::new(1, 2));
        let tags = by_tag(&results, "m");
        let languages: Vec<(String, Proportion)> = tags
            .iter()
            .filter(|t| t.dimension == "language")
            .map(|t| (t.value.clone(), t.rate))
            .collect();
        assert_eq!(
            languages,
            vec![
                ("de".into(), Proportion::new(0, 1)),
                ("en".into(), Proportion::new(1, 1))
            ]
        );
        assert!(compare(&[], &results).iter().all(|p| p.pairs == 0 && p.p == 1.0));
    }
}
