//! Release comparison: version B against version A, per metric and inside every segment, with
//! p-values corrected for the number of comparisons, a verdict each, and the total change of a
//! metric split into what each segment's own rate did and what the shift in traffic mix did.

use super::explain::{Explaining, Explanation};
pub use super::segment::Segment;
use super::{Change, Counts, Rate, MIN_EVALUATIONS};
use crate::domain::stats::proportions::{benjamini_hochberg, sample_size};
use serde::{Deserialize, Serialize};

/// The false discovery rate the verdicts keep to.
pub const FDR: f64 = 0.05;

/// One metric's counts for versions A and B: all traffic, and each segment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricCounts {
    pub key: String,
    pub name: String,
    pub total: (Counts, Counts),
    pub segments: Vec<(Segment, (Counts, Counts))>,
}

/// What a comparison concluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Verdict {
    Regression,
    Improvement,
    NoSignificantChange,
    /// Too few verdicts on a side; `needed` per version would detect the observed change (at
    /// least five points).
    TooLittleData {
        needed: u64,
    },
}

impl Verdict {
    pub fn label(&self) -> String {
        match self {
            Verdict::Regression => "regression".into(),
            Verdict::Improvement => "improvement".into(),
            Verdict::NoSignificantChange => "no significant change".into(),
            Verdict::TooLittleData { needed } => format!("too little data (≈{needed} per version needed)"),
        }
    }

    /// Sorting rank: regressions first, then improvements, no change, too little data.
    fn rank(&self) -> u8 {
        match self {
            Verdict::Regression => 0,
            Verdict::Improvement => 1,
            Verdict::NoSignificantChange => 2,
            Verdict::TooLittleData { .. } => 3,
        }
    }
}

/// One comparison: a metric in all traffic (`segment` none) or in one segment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComparisonRow {
    pub metric_key: String,
    pub metric_name: String,
    pub segment: Option<Segment>,
    pub a: Rate,
    pub b: Rate,
    /// B − A with Newcombe's interval, and the test (z-test, or Fisher's when counts are small).
    pub change: Change,
    /// The Benjamini–Hochberg adjusted p-value over every row of the comparison.
    pub q: f64,
    pub verdict: Verdict,
}

/// A segment's part in a metric's total change: its own rate's change, weighted by its mean
/// share of traffic, and the change in its share, weighted by its mean rate. Over the values
/// of one key (with "(none)" for traffic without the key) the parts add up to the total change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Share {
    pub segment: Segment,
    pub rate_effect: f64,
    pub mix_effect: f64,
}

/// The total change of a metric split by the values of one segment key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attribution {
    pub metric_key: String,
    pub key: String,
    pub total_change: f64,
    pub shares: Vec<Share>,
}

/// The whole comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// Every metric in all traffic, then every segment, most alarming first.
    pub rows: Vec<ComparisonRow>,
    /// How many comparisons the correction counted.
    pub comparisons: usize,
    pub attributions: Vec<Attribution>,
    /// Per metric whose total changed, the segments that explain it most.
    pub explanations: Vec<Explanation>,
}

/// What a release comparison compares: two version labels over a range of days (the compare
/// page's address and the REST route's query).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CompareQuery {
    pub a: String,
    pub b: String,
    /// First and last day (YYYY-MM-DD); empty: the 90 days up to today.
    pub from: String,
    pub to: String,
}

/// The pair a release comparison offers first, from each version's (label, first day, last day)
/// with scored outputs: B is the newest version; A is the one it replaced — of the others, the
/// one that served last (an A/B test's variant that ended long ago is not what B replaced).
/// Empty labels where there are too few versions.
pub fn default_pair<T: PartialOrd + Copy>(versions: &[(String, Option<T>, Option<T>)]) -> (String, String) {
    let newest = versions.iter().filter(|(_, first, _)| first.is_some()).fold(
        None::<&(String, Option<T>, Option<T>)>,
        |best, v| match best {
            Some(b) if b.1 > v.1 => Some(b),
            _ => Some(v),
        },
    );
    let Some((b, _, _)) = newest else {
        return (String::new(), String::new());
    };
    let replaced = versions
        .iter()
        .filter(|(label, _, last)| label != b && last.is_some())
        .fold(None::<&(String, Option<T>, Option<T>)>, |best, v| match best {
            Some(x) if (x.2, x.1) > (v.2, v.1) => Some(x),
            _ => Some(v),
        });
    (replaced.map(|v| v.0.clone()).unwrap_or_default(), b.clone())
}

/// The value standing for traffic without the segment key.
pub const NONE: &str = "(none)";

/// Compares version B with version A for every metric and segment.
pub fn compare(metrics: &[MetricCounts]) -> Comparison {
    let mut rows = Vec::new();
    for metric in metrics {
        rows.push(row(metric, None, metric.total));
        for (segment, counts) in &metric.segments {
            rows.push(row(metric, Some(segment.clone()), *counts));
        }
    }
    let tested: Vec<usize> = (0..rows.len())
        .filter(|&i| !matches!(rows[i].verdict, Verdict::TooLittleData { .. }))
        .collect();
    let q = benjamini_hochberg(&tested.iter().map(|&i| rows[i].change.test.p).collect::<Vec<_>>());
    for (&i, q) in tested.iter().zip(q) {
        let row = &mut rows[i];
        row.q = q;
        row.verdict = match row.change.delta {
            Some(d) if q < FDR && d < 0.0 => Verdict::Regression,
            Some(d) if q < FDR && d > 0.0 => Verdict::Improvement,
            _ => Verdict::NoSignificantChange,
        };
    }
    rows.sort_by(|x, y| {
        x.verdict
            .rank()
            .cmp(&y.verdict.rank())
            .then(x.q.total_cmp(&y.q))
            .then(x.metric_key.cmp(&y.metric_key))
            .then(x.segment.cmp(&y.segment))
    });
    let attributions: Vec<Attribution> = metrics.iter().flat_map(attribute).collect();
    Comparison {
        comparisons: tested.len(),
        explanations: metrics
            .iter()
            .filter_map(|m| explain(&m.key, &m.name, &attributions, &rows))
            .collect(),
        rows,
        attributions,
    }
}

fn row(metric: &MetricCounts, segment: Option<Segment>, (a, b): (Counts, Counts)) -> ComparisonRow {
    let (a, b) = (a.pass_rate(), b.pass_rate());
    let verdict = if a.n < MIN_EVALUATIONS || b.n < MIN_EVALUATIONS {
        let base = a.rate().or(b.rate()).unwrap_or(0.5);
        // The observed change, at least five points, in its own direction.
        let observed = a.rate().zip(b.rate()).map_or(-0.05, |(x, y)| y - x);
        let change = if observed.abs() < 0.05 {
            0.05 * observed.signum()
        } else {
            observed
        };
        Verdict::TooLittleData {
            needed: sample_size(base, change),
        }
    } else {
        Verdict::NoSignificantChange
    };
    ComparisonRow {
        metric_key: metric.key.clone(),
        metric_name: metric.name.clone(),
        segment,
        a: Rate::of(a),
        b: Rate::of(b),
        change: Change::between(a, b),
        q: 1.0,
        verdict,
    }
}

/// The shift-share split of a metric's change for each of its segment keys.
fn attribute(metric: &MetricCounts) -> Vec<Attribution> {
    let (total_a, total_b) = (metric.total.0.pass_rate(), metric.total.1.pass_rate());
    let (Some(rate_a), Some(rate_b)) = (total_a.rate(), total_b.rate()) else {
        return Vec::new();
    };
    let mut keys: Vec<&str> = metric.segments.iter().map(|(s, _)| s.key.as_str()).collect();
    keys.dedup();
    keys.into_iter()
        .map(|key| {
            let mut parts: Vec<(Segment, (Counts, Counts))> = metric
                .segments
                .iter()
                .filter(|(s, _)| s.key == key)
                .cloned()
                .collect();
            let covered = parts
                .iter()
                .fold((Counts::default(), Counts::default()), |(a, b), (_, (x, y))| {
                    (a.plus(*x), b.plus(*y))
                });
            let rest = (metric.total.0.minus(covered.0), metric.total.1.minus(covered.1));
            if rest.0.passes + rest.0.failures + rest.1.passes + rest.1.failures > 0 {
                let segment = Segment {
                    key: key.to_owned(),
                    value: NONE.to_owned(),
                };
                parts.push((segment, rest));
            }
            let shares = parts
                .into_iter()
                .map(|(segment, (a, b))| {
                    let (a, b) = (a.pass_rate(), b.pass_rate());
                    let (wa, wb) = (a.n as f64 / total_a.n as f64, b.n as f64 / total_b.n as f64);
                    // A side without verdicts takes the other side's rate: all its part is mix.
                    let ra = a.rate().or(b.rate()).unwrap_or(0.0);
                    let rb = b.rate().unwrap_or(ra);
                    Share {
                        segment,
                        rate_effect: (wa + wb) / 2.0 * (rb - ra),
                        mix_effect: (ra + rb) / 2.0 * (wb - wa),
                    }
                })
                .collect();
            Attribution {
                metric_key: metric.key.clone(),
                key: key.to_owned(),
                total_change: rate_b - rate_a,
                shares,
            }
        })
        .collect()
}

/// For a metric with a significant change in any row: how far its total moved and the
/// segments whose own rate accounts for most of it: per segment key, the value that moved the
/// total most its way, kept when it accounts for at least half of the change (at most two
/// keys; else the single strongest).
fn explain(
    key: &str,
    name: &str,
    attributions: &[Attribution],
    rows: &[ComparisonRow],
) -> Option<Explanation> {
    let changed = rows
        .iter()
        .any(|r| r.metric_key == key && matches!(r.verdict, Verdict::Regression | Verdict::Improvement));
    if !changed {
        return None;
    }
    let mine: Vec<&Attribution> = attributions.iter().filter(|a| a.metric_key == key).collect();
    let total = mine.first()?.total_change;
    if total == 0.0 {
        return None;
    }
    let toward = |share: &Share| share.rate_effect * total.signum();
    let mut best: Vec<&Share> = mine
        .iter()
        .filter_map(|a| {
            a.shares
                .iter()
                // Only segments whose own rate moved the total its way can explain it.
                .filter(|s| s.segment.value != NONE && toward(s) > 0.0)
                .max_by(|x, y| toward(x).total_cmp(&toward(y)))
        })
        .collect();
    best.sort_by(|x, y| toward(y).total_cmp(&toward(x)));
    let strong: Vec<&Share> = best
        .iter()
        .copied()
        .filter(|s| toward(s) >= total.abs() / 2.0)
        .take(2)
        .collect();
    let named = if strong.is_empty() {
        best.into_iter().take(1).collect()
    } else {
        strong
    };
    if named.is_empty() {
        return None;
    }
    let segments = named
        .iter()
        .map(|share| Explaining {
            segment: share.segment.clone(),
            rate_effect: share.rate_effect,
            own_change: rows
                .iter()
                .find(|r| r.metric_key == key && r.segment.as_ref() == Some(&share.segment))
                .and_then(|r| r.change.delta)
                .unwrap_or_default(),
        })
        .collect();
    Some(Explanation {
        metric_key: key.to_owned(),
        metric_name: name.to_owned(),
        total_change: total,
        segments,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_pair_is_the_newest_version_against_the_one_it_replaced() {
        let v = |label: &str, first: u32, last: u32| (label.to_owned(), Some(first), Some(last));
        // prompt-v1 served days 0–36; a concise variant ran beside it on days 8–21; v2 from 36.
        let versions = vec![
            v("prompt-v1", 0, 36),
            v("prompt-v1-concise", 8, 21),
            v("prompt-v2", 36, 42),
        ];
        assert_eq!(
            default_pair(&versions),
            ("prompt-v1".to_owned(), "prompt-v2".to_owned())
        );
        assert_eq!(
            default_pair(&versions[..1]),
            (String::new(), "prompt-v1".to_owned())
        );
        assert_eq!(default_pair::<u32>(&[]), (String::new(), String::new()));
    }

    fn counts(passes: u64, failures: u64) -> Counts {
        Counts::verdicts(passes, failures)
    }

    fn segment(key: &str, value: &str) -> Segment {
        Segment {
            key: key.into(),
            value: value.into(),
        }
    }

    /// German is 5% of traffic; its pass rate falls from 95% to 55% in B while English holds.
    fn story() -> MetricCounts {
        let (de_a, de_b) = (counts(190, 10), counts(110, 90));
        let (en_a, en_b) = (counts(3610, 190), counts(3610, 190));
        MetricCounts {
            key: "reply-language".into(),
            name: "Reply language".into(),
            total: (de_a.plus(en_a), de_b.plus(en_b)),
            segments: vec![
                (segment("language", "de"), (de_a, de_b)),
                (segment("language", "en"), (en_a, en_b)),
                (segment("channel", "chat"), (counts(20, 2), counts(19, 3))),
            ],
        }
    }

    #[test]
    fn a_regression_in_a_small_segment_surfaces_first_while_the_total_is_judged_on_its_own() {
        let comparison = compare(&[story()]);
        let first = &comparison.rows[0];
        assert_eq!(first.segment, Some(segment("language", "de")));
        assert_eq!(first.verdict, Verdict::Regression);
        assert!(first.q < 1e-10);
        let english = comparison
            .rows
            .iter()
            .find(|r| r.segment == Some(segment("language", "en")))
            .unwrap();
        assert_eq!(
            english.verdict,
            Verdict::NoSignificantChange,
            "no false alarm where nothing changed"
        );
        let chat = comparison
            .rows
            .iter()
            .find(|r| r.segment == Some(segment("channel", "chat")))
            .unwrap();
        assert!(matches!(chat.verdict, Verdict::TooLittleData { needed } if needed > 30));
        assert_eq!(
            comparison.comparisons, 3,
            "too-little-data rows are not counted as comparisons"
        );
    }

    #[test]
    fn the_shift_share_parts_add_up_to_the_total_change() {
        let comparison = compare(&[story()]);
        for attribution in &comparison.attributions {
            let sum: f64 = attribution
                .shares
                .iter()
                .map(|s| s.rate_effect + s.mix_effect)
                .sum();
            assert!((sum - attribution.total_change).abs() < 1e-12, "{attribution:?}");
        }
        let language = comparison
            .attributions
            .iter()
            .find(|a| a.key == "language")
            .unwrap();
        let de = language.shares.iter().find(|s| s.segment.value == "de").unwrap();
        // 5% of traffic × a 40-point fall = 2 points, all of the drop.
        assert!((de.rate_effect + 0.02).abs() < 1e-12);
        assert!(de.mix_effect.abs() < 1e-12, "the mix did not change");
        let channel = comparison
            .attributions
            .iter()
            .find(|a| a.key == "channel")
            .unwrap();
        assert!(
            channel.shares.iter().any(|s| s.segment.value == NONE),
            "the rest of the traffic has a part"
        );
        let sentences: Vec<String> = comparison
            .explanations
            .iter()
            .map(Explanation::sentence)
            .collect();
        assert_eq!(
            sentences,
            ["Reply language fell 2.0 points in all traffic; explained by language=de (2.0 of them; its own pass rate fell 40.0 points)."]
        );
        assert_eq!(comparison.explanations[0].metric_key, "reply-language");
    }

    #[test]
    fn a_shifting_mix_alone_is_a_mix_effect() {
        // Both segments keep their rates (90% and 50%); B sends twice the share to the worse one.
        let (good_a, good_b) = (counts(720, 80), counts(540, 60));
        let (bad_a, bad_b) = (counts(100, 100), counts(200, 200));
        let metric = MetricCounts {
            key: "m".into(),
            name: "M".into(),
            total: (good_a.plus(bad_a), good_b.plus(bad_b)),
            segments: vec![
                (segment("tier", "good"), (good_a, good_b)),
                (segment("tier", "bad"), (bad_a, bad_b)),
            ],
        };
        let attribution = &compare(&[metric]).attributions[0];
        assert!(attribution.shares.iter().all(|s| s.rate_effect.abs() < 1e-12));
        assert!((attribution.total_change + 0.08).abs() < 1e-12);
    }

    #[test]
    fn nothing_to_compare_gives_an_empty_comparison() {
        let empty = MetricCounts {
            key: "m".into(),
            name: "M".into(),
            total: (Counts::default(), Counts::default()),
            segments: Vec::new(),
        };
        let comparison = compare(&[empty]);
        assert!(matches!(
            comparison.rows[0].verdict,
            Verdict::TooLittleData { .. }
        ));
        assert!(comparison.attributions.is_empty() && comparison.explanations.is_empty());
    }
}
