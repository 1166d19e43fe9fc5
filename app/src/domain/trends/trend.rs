//! A metric's trend: the pass rate per day (or hour) with its Wilson band and n, failures and
//! their cost, and the days each system version first appeared.

use super::{Counts, Point, Rate};
use crate::domain::money::Money;
use serde::{Deserialize, Serialize};

/// What a metric's trend shows: a range, day or hour buckets, a version and a segment (the
/// metric page's address).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TrendAddress {
    /// Days back from now (default 30; with hours 2, at most 2).
    pub days: Option<u32>,
    /// `day` (default) or `hour`.
    pub grain: String,
    /// A version label; empty: all.
    pub version: String,
    /// `key=value`; empty: all traffic.
    pub segment: String,
}

/// One point of the trend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrendPoint {
    pub at: chrono::DateTime<chrono::Utc>,
    pub rate: Rate,
    pub failures: u64,
    pub failure_cost: Money,
}

/// A version's first appearance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionMarker {
    pub version: String,
    pub at: chrono::DateTime<chrono::Utc>,
}

/// The trend of one metric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trend {
    pub metric_key: String,
    pub metric_name: String,
    /// `day` or `hour`.
    pub grain: String,
    pub points: Vec<TrendPoint>,
    pub markers: Vec<VersionMarker>,
}

/// Builds the trend from rollup points (one per bucket, oldest first; buckets without scores
/// included with zero counts).
pub fn build(
    metric_key: String,
    metric_name: String,
    grain: &str,
    points: &[Point],
    cost_per_failure: Money,
    markers: Vec<VersionMarker>,
) -> Trend {
    let first = points.first().map(|p| p.at);
    Trend {
        metric_key,
        metric_name,
        grain: grain.to_owned(),
        points: points
            .iter()
            .map(|p| TrendPoint {
                at: p.at,
                rate: Rate::of(p.counts.pass_rate()),
                failures: p.counts.failures,
                failure_cost: Counts::failure_cost(&p.counts, cost_per_failure),
            })
            .collect(),
        // Only versions that appeared inside the range get a marker.
        markers: markers
            .into_iter()
            .filter(|m| first.is_some_and(|f| m.at >= f))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn points_carry_their_rate_band_n_and_cost_and_markers_outside_the_range_are_dropped() {
        let day = |d| chrono::Utc.with_ymd_and_hms(2026, 11, d, 0, 0, 0).unwrap();
        let counts = Counts::verdicts;
        let points = [
            Point {
                at: day(10),
                counts: counts(95, 5),
            },
            Point {
                at: day(11),
                counts: counts(2, 1),
            },
            Point {
                at: day(12),
                counts: Counts::default(),
            },
        ];
        let markers = vec![
            VersionMarker {
                version: "v1".into(),
                at: day(1),
            },
            VersionMarker {
                version: "v2".into(),
                at: day(11),
            },
        ];
        let trend = build(
            "m".into(),
            "M".into(),
            "day",
            &points,
            Money::from_cents(200),
            markers,
        );
        assert_eq!(trend.points[0].failure_cost, Money::from_cents(1000));
        assert!(!trend.points[0].rate.is_thin() && trend.points[1].rate.is_thin());
        assert_eq!(trend.points[2].rate.rate, None);
        assert_eq!(
            trend
                .markers
                .iter()
                .map(|m| m.version.as_str())
                .collect::<Vec<_>>(),
            ["v2"]
        );
    }
}
