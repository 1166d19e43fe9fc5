//! Removing a member releases what they were assigned to rate.

use super::*;
use crate::server::db::fixture::annotation::*;
use crate::server::db::fixture::fixture;

#[sqlx::test(migrations = "../migrations")]
async fn a_removed_annotators_pending_items_are_released_and_settle_on_the_others_ratings(pool: PgPool) {
    let f = fixture(&pool).await;
    let (_, metric) = human_metric(&pool, &f).await;
    let (anna, _ben) = (annotator(&pool, "anna").await, annotator(&pool, "ben").await);
    outputs(&pool, &f, &["de"; 2]).await;
    let queue = create_queue(&pool, &f, queue_input("random", "2", "anna, ben", "2"))
        .await
        .unwrap();
    rate_next(&pool, queue, anna, metric, 3.0).await;
    rate_next(&pool, queue, anna, metric, 3.0).await;
    assert!(scores(&pool, metric).await.is_empty(), "both items wait for Ben");

    let released = remove(&pool, f.project, "ben", f.owner).await.unwrap();
    assert_eq!(released, 2);
    let labels = scores(&pool, metric).await;
    assert_eq!(labels.len(), 2, "each item settles on Anna's rating: {labels:?}");
    assert!(labels
        .iter()
        .all(|(value, passed, _)| *value == Some(3.0) && *passed == Some(true)));
    let statuses: Vec<(String, String)> = sqlx::query_as(
        "SELECT a.status, a.comment FROM assignments a JOIN users u ON u.id = a.annotator_id
         WHERE u.username = 'ben' ORDER BY a.id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(statuses, vec![("skipped".to_owned(), RELEASED.to_owned()); 2]);
    // Ben is no longer a member; removing him again finds no membership.
    assert!(remove(&pool, f.project, "ben", f.owner).await.is_err());
    // Anna's finished work is untouched by a removal.
    assert_eq!(remove(&pool, f.project, "anna", f.owner).await.unwrap(), 0);
}
