//! Agreement among the annotators of one metric: percent agreement, Cohen's kappa for each
//! pair, Krippendorff's alpha over all, and the items they disagree on.

use crate::domain::rubric::{Level, Scale};
use crate::domain::stats::agreement::{cohen_kappa, percent_agreement, WeightedKappa};
use crate::domain::stats::krippendorff::{alpha, Level as Measurement};
use crate::domain::stats::Coefficient;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One annotator's rating of one item.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Rating {
    pub item_id: i64,
    pub output_id: i64,
    pub annotator: String,
    pub value: f64,
}

/// Two annotators on the items both rated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairAgreement {
    pub first: String,
    pub second: String,
    pub items: usize,
    pub percent: Coefficient,
    pub kappa: Coefficient,
    /// Linear and quadratic weighted kappa, for ordinal rubrics only.
    pub weighted: Option<WeightedKappa>,
}

/// An item whose annotators gave different values, and its final label once adjudicated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Disagreement {
    pub item_id: i64,
    pub output_id: i64,
    pub ratings: Vec<(String, f64)>,
    pub resolved: Option<f64>,
}

/// The agreement on one metric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Agreement {
    pub metric_id: i64,
    pub metric_key: String,
    pub metric_name: String,
    pub scale: Scale,
    pub levels: Vec<Level>,
    /// Items rated by at least two annotators.
    pub items: usize,
    pub ratings: usize,
    pub percent: Coefficient,
    pub alphas: Vec<(Measurement, Coefficient)>,
    pub pairs: Vec<PairAgreement>,
    pub disagreements: Vec<Disagreement>,
}

/// Who the metric is, for [`agreement`].
#[derive(Debug, Clone, PartialEq)]
pub struct RatedMetricInfo {
    pub metric_id: i64,
    pub key: String,
    pub name: String,
    pub scale: Scale,
    pub levels: Vec<Level>,
}

/// Computes the agreement on `metric` from its ratings; `adjudicated` holds the final labels
/// set by managers, by item id.
pub fn agreement(metric: RatedMetricInfo, ratings: &[Rating], adjudicated: &BTreeMap<i64, f64>) -> Agreement {
    let mut by_item: BTreeMap<i64, (i64, BTreeMap<&str, f64>)> = BTreeMap::new();
    for rating in ratings {
        by_item
            .entry(rating.item_id)
            .or_insert_with(|| (rating.output_id, BTreeMap::new()))
            .1
            .insert(&rating.annotator, rating.value);
    }
    let units: Vec<Vec<f64>> = by_item
        .values()
        .map(|(_, values)| values.values().copied().collect())
        .collect();
    let annotators: Vec<&str> = {
        let mut all: Vec<&str> = ratings.iter().map(|r| r.annotator.as_str()).collect();
        all.sort_unstable();
        all.dedup();
        all
    };
    let level_values: Vec<f64> = metric.levels.iter().map(|level| level.value).collect();
    let ordinal = metric.scale == Scale::Ordinal;
    let mut pairs = Vec::new();
    for (i, first) in annotators.iter().enumerate() {
        for second in &annotators[i + 1..] {
            let both: Vec<(f64, f64)> = by_item
                .values()
                .filter_map(|(_, v)| Some((*v.get(first)?, *v.get(second)?)))
                .collect();
            if both.is_empty() {
                continue;
            }
            pairs.push(PairAgreement {
                first: (*first).to_owned(),
                second: (*second).to_owned(),
                items: both.len(),
                percent: percent_agreement(&both.iter().map(|&(a, b)| vec![a, b]).collect::<Vec<_>>()),
                kappa: cohen_kappa(&both),
                weighted: ordinal.then(|| WeightedKappa::of(&both, &level_values)),
            });
        }
    }
    let disagreements = by_item
        .iter()
        .filter(|(_, (_, values))| values.values().any(|v| Some(v) != values.values().next()))
        .map(|(&item_id, (output_id, values))| Disagreement {
            item_id,
            output_id: *output_id,
            ratings: values.iter().map(|(who, &v)| ((*who).to_owned(), v)).collect(),
            resolved: adjudicated.get(&item_id).copied(),
        })
        .collect();
    Agreement {
        items: units.iter().filter(|u| u.len() >= 2).count(),
        ratings: ratings.len(),
        percent: percent_agreement(&units),
        alphas: metric
            .scale
            .measurements()
            .iter()
            .map(|&level| (level, alpha(&units, level)))
            .collect(),
        pairs,
        disagreements,
        metric_id: metric.metric_id,
        metric_key: metric.key,
        metric_name: metric.name,
        scale: metric.scale,
        levels: metric.levels,
    }
}

/// The final label of an item from its ratings: the adjudicated value, else the value every
/// annotator gave; `None` while they disagree (or nobody rated it).
pub fn final_label(values: &[f64], adjudicated: Option<f64>) -> Option<f64> {
    adjudicated.or_else(|| {
        let first = *values.first()?;
        values.iter().all(|&v| v == first).then_some(first)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::stats::Undefined;

    fn rating(item_id: i64, annotator: &str, value: f64) -> Rating {
        Rating {
            item_id,
            output_id: item_id * 10,
            annotator: annotator.into(),
            value,
        }
    }

    fn metric(scale: Scale) -> RatedMetricInfo {
        RatedMetricInfo {
            metric_id: 1,
            key: "helpfulness".into(),
            name: "Helpfulness".into(),
            scale,
            levels: Vec::new(),
        }
    }

    #[test]
    fn pairs_disagreements_and_coefficients_come_from_the_ratings() {
        // Wikipedia's kappa example as two annotators over 50 items (20 yes-yes, 5 yes-no,
        // 10 no-yes, 15 no-no), plus one item rated by a third annotator only.
        let mut ratings = Vec::new();
        let cells = [(1.0, 1.0, 20), (1.0, 0.0, 5), (0.0, 1.0, 10), (0.0, 0.0, 15)];
        let mut item = 0;
        for (a, b, count) in cells {
            for _ in 0..count {
                item += 1;
                ratings.push(rating(item, "anna", a));
                ratings.push(rating(item, "ben", b));
            }
        }
        ratings.push(rating(99, "cleo", 1.0));
        let adjudicated = BTreeMap::from([(21, 1.0)]);
        let report = agreement(metric(Scale::Binary), &ratings, &adjudicated);
        assert_eq!((report.items, report.ratings), (50, 101));
        assert_eq!(report.pairs.len(), 1, "cleo shares no item with anyone");
        let pair = &report.pairs[0];
        assert_eq!(
            (pair.first.as_str(), pair.second.as_str(), pair.items),
            ("anna", "ben", 50)
        );
        assert!((pair.kappa.unwrap() - 0.4).abs() < 1e-12);
        assert!((pair.percent.unwrap() - 0.7).abs() < 1e-12);
        assert_eq!(report.disagreements.len(), 15);
        assert_eq!(report.disagreements[0].item_id, 21);
        assert_eq!(report.disagreements[0].resolved, Some(1.0));
        assert_eq!(report.alphas.len(), 1);
        assert_eq!(pair.weighted, None, "weighted kappa is for ordinal rubrics only");
    }

    #[test]
    fn ordinal_rubrics_show_linear_and_quadratic_weighted_kappa_per_pair() {
        // Ten items on a 1..3 rubric; sklearn.metrics.cohen_kappa_score(anna, ben, weights=…)
        // gives 0.5555555555555556 (linear) and 0.7101449275362319 (quadratic).
        let anna = [1.0, 2.0, 3.0, 1.0, 2.0, 3.0, 1.0, 2.0, 3.0, 3.0];
        let ben = [1.0, 2.0, 3.0, 2.0, 3.0, 3.0, 1.0, 1.0, 3.0, 2.0];
        let ratings: Vec<Rating> = (0..10)
            .flat_map(|i| {
                [
                    rating(i, "anna", anna[i as usize]),
                    rating(i, "ben", ben[i as usize]),
                ]
            })
            .collect();
        let mut info = metric(Scale::Ordinal);
        info.levels = ["Useless", "Partly", "Complete"]
            .iter()
            .zip(1..)
            .map(|(label, value)| Level {
                value: f64::from(value),
                label: (*label).to_owned(),
                description: String::new(),
                examples: Vec::new(),
            })
            .collect();
        let report = agreement(info, &ratings, &BTreeMap::new());
        let weighted = report.pairs[0].weighted.expect("ordinal");
        assert!((weighted.linear.unwrap() - 0.555_555_555_555_555_6).abs() < 1e-12);
        assert!((weighted.quadratic.unwrap() - 0.710_144_927_536_231_9).abs() < 1e-12);
    }

    #[test]
    fn unanimous_single_category_ratings_report_why_coefficients_are_undefined() {
        let ratings = [rating(1, "anna", 1.0), rating(1, "ben", 1.0)];
        let report = agreement(metric(Scale::Ordinal), &ratings, &BTreeMap::new());
        assert_eq!(report.percent, Ok(1.0));
        assert_eq!(report.pairs[0].kappa, Err(Undefined::NoVariation));
        assert!(report
            .alphas
            .iter()
            .all(|(_, a)| *a == Err(Undefined::NoVariation)));
        assert_eq!(report.alphas.len(), 3);
    }

    #[test]
    fn the_final_label_is_the_adjudicated_or_the_unanimous_value() {
        assert_eq!(final_label(&[2.0, 2.0], None), Some(2.0));
        assert_eq!(final_label(&[2.0, 3.0], None), None);
        assert_eq!(final_label(&[2.0, 3.0], Some(3.0)), Some(3.0));
        assert_eq!(final_label(&[], None), None);
    }
}
