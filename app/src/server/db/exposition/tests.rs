//! Database tests of what a scrape reads: standing scores per metric and version from the rollups,
//! monitors' states and the worker's queues.

use super::*;
use crate::server::db::fixture::{active_no_delve, fixture, ingest};
use serde_json::json;

#[sqlx::test(migrations = "../migrations")]
async fn a_scrape_reads_each_metric_and_version_from_the_rollups(pool: PgPool) {
    let f = fixture(&pool).await;
    active_no_delve(&pool, &f, "no-delve").await;
    ingest(
        &pool,
        f.project,
        vec![
            json!({"version": "v1", "output": "Let us delve in."}),
            json!({"version": "v1", "output": "Gerne."}),
            json!({"version": "v2", "output": "Gerne."}),
        ],
    )
    .await;
    let mut rows: Vec<(String, String, i64, i64)> = evaluations(&pool)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.metric, r.version, r.passes, r.failures))
        .collect();
    rows.sort();
    assert_eq!(
        rows,
        [
            ("no-delve".to_owned(), "v1".to_owned(), 1, 1),
            ("no-delve".to_owned(), "v2".to_owned(), 1, 0),
        ]
    );
    assert_eq!(monitor_states(&pool).await.unwrap(), []);
    // Activating the metric queued its scoring job; no alert waits for delivery.
    assert_eq!(queue_depths(&pool).await.unwrap(), (1, 0));
}
