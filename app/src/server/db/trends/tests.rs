//! Database tests of the dashboard reads: buckets by day and hour with filters, counts by
//! version and segment, versions in order of appearance, and the segments seen.

use super::*;
use crate::server::db::fixture::{active_no_delve, fixture, ingest};
use chrono::{Duration, DurationRound, Timelike};
use serde_json::json;

#[sqlx::test(migrations = "../migrations")]
async fn the_reads_add_up_rollups_by_bucket_version_and_segment(pool: PgPool) {
    let f = fixture(&pool).await;
    crate::server::db::projects::set_segment_keys(&pool, f.project, &["language".to_owned()])
        .await
        .unwrap();
    let metric = active_no_delve(&pool, &f, "no-delve").await;
    let now = Utc::now();
    let at = |days: i64| now - Duration::days(days);
    ingest(
        &pool,
        f.project,
        vec![
            json!({"version": "v1", "output": "Gern.", "timestamp": at(3), "metadata": {"language": "de"}}),
            json!({"version": "v1", "output": "I delve.", "timestamp": at(3), "metadata": {"language": "en"}, "turn_index": 6}),
            json!({"version": "v2", "output": "I delve.", "timestamp": at(1), "metadata": {"language": "de"}}),
            json!({"version": "v2", "output": "Fine.", "timestamp": at(0), "metadata": {"language": "de"}}),
        ],
    )
    .await;
    let range = (at(10), now + Duration::days(1));

    let all = buckets(
        &pool,
        f.project,
        &[metric],
        "day",
        range,
        &SeriesFilter::default(),
    )
    .await
    .unwrap();
    let per_day: Vec<(u64, u64)> = all.iter().map(|b| (b.counts.passes, b.counts.failures)).collect();
    assert_eq!(per_day.iter().map(|c| c.0 + c.1).sum::<u64>(), 4);
    assert!(all.windows(2).all(|w| w[0].at < w[1].at), "oldest first");
    let german_v2 = SeriesFilter {
        version: Some("v2".into()),
        segment: Some(Segment {
            key: "language".into(),
            value: "de".into(),
        }),
    };
    let german = buckets(&pool, f.project, &[metric], "day", range, &german_v2)
        .await
        .unwrap();
    let total = german.iter().fold(Counts::default(), |sum, b| sum.plus(b.counts));
    assert_eq!((total.passes, total.failures), (1, 1));
    let hours = buckets(
        &pool,
        f.project,
        &[metric],
        "hour",
        (at(2), now + Duration::hours(1)),
        &SeriesFilter::default(),
    )
    .await
    .unwrap();
    assert_eq!(hours.len(), 2, "the two recent outputs, each in its hour");
    assert!(hours.iter().all(|b| b.at.minute() == 0));

    let by_version = by_version_and_segment(
        &pool,
        f.project,
        &["v1".to_owned(), "v2".to_owned()],
        (at(10).date_naive(), now.date_naive()),
    )
    .await
    .unwrap();
    let find = |version: &str, segment: Option<(&str, &str)>| {
        by_version
            .iter()
            .find(|c| {
                c.version == version
                    && c.segment.as_ref().map(|s| (s.key.as_str(), s.value.as_str())) == segment
            })
            .map(|c| (c.counts.passes, c.counts.failures))
    };
    assert_eq!(find("v1", None), Some((1, 1)));
    assert_eq!(find("v2", Some(("language", "de"))), Some((1, 1)));
    assert_eq!(find("v1", Some(("turn", "5+"))), Some((0, 1)));
    assert_eq!(find("v2", Some(("language", "en"))), None);

    let seen = versions_seen(&pool, f.project).await.unwrap();
    let labels: Vec<&str> = seen.iter().map(|v| v.label.as_str()).collect();
    assert_eq!(labels, ["v1", "v2"]);
    let hour = |at: DateTime<Utc>| at.duration_trunc(Duration::hours(1)).unwrap();
    assert_eq!(
        seen[0].first_day,
        Some(hour(at(3)) - Duration::hours(i64::from(at(3).hour())))
    );
    assert_eq!(
        seen[0].first_hour, None,
        "three days ago: older than the hours kept"
    );
    assert_eq!(seen[1].first_hour, Some(hour(at(1))), "yesterday: to the hour");
    let segments: Vec<String> = segments(&pool, f.project)
        .await
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(segments, ["language=de", "language=en", "turn=5+"]);
}
