//! Database tests of ratings: blind work items, final labels when annotators agree, adjudication.

use crate::domain::annotation::work::Workspace;
use crate::error::AppError;
use crate::server::db::fixture::annotation::*;
use crate::server::db::fixture::fixture;
use crate::server::db::queues::annotator_standing;
use crate::server::db::ratings;
use sqlx::PgPool;

#[sqlx::test(migrations = "../migrations")]
async fn ratings_are_blind_and_give_final_labels_when_annotators_agree_or_are_adjudicated(pool: PgPool) {
    let f = fixture(&pool).await;
    let (_, metric) = human_metric(&pool, &f).await;
    let (anna, ben) = (annotator(&pool, "anna").await, annotator(&pool, "ben").await);
    let outsider = annotator(&pool, "cleo").await;
    outputs(&pool, &f, &["de"; 2]).await;
    let queue = create_queue(&pool, &f, queue_input("random", "2", "anna, ben", "2"))
        .await
        .unwrap();

    // Anna rates both items 3; Ben then sees his own (empty) ratings, never hers.
    rate_next(&pool, queue, anna, metric, 3.0).await;
    rate_next(&pool, queue, anna, metric, 3.0).await;
    let Workspace::Item(item) = ratings::work_item(&pool, queue, ben, None).await.unwrap() else {
        panic!()
    };
    assert!(
        item.ratings.is_empty(),
        "another annotator's ratings leaked: {:?}",
        item.ratings
    );
    assert_eq!((item.position, item.total), (1, 2));
    let own = ratings::work_item(&pool, queue, anna, Some(1)).await.unwrap();
    assert!(matches!(&own, Workspace::Item(i) if i.ratings == [(metric, 3.0)]));
    assert!(
        scores(&pool, metric).await.is_empty(),
        "no final label while Ben is pending"
    );
    let standing = annotator_standing(&pool, queue, outsider, false)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((standing.in_project, standing.assigned), (true, false));
    // Nobody rates through an assignment that is not theirs.
    let Workspace::Item(hers) = own else { panic!() };
    assert!(matches!(
        crate::server::annotation::rate(&pool, queue, ben, hers.assignment_id, &[(metric, 1.0)], "").await,
        Err(AppError::NotFound(_))
    ));
    let bad = crate::server::annotation::rate(&pool, queue, ben, item.assignment_id, &[(metric, 9.0)], "")
        .await
        .unwrap_err();
    assert_eq!(bad.field(), Some("ratings"));

    // Ben agrees on one item and not on the other.
    rate_next(&pool, queue, ben, metric, 3.0).await;
    rate_next(&pool, queue, ben, metric, 1.0).await;
    assert!(matches!(
        ratings::work_item(&pool, queue, ben, None).await.unwrap(),
        Workspace::Finished { .. }
    ));
    let labels = scores(&pool, metric).await;
    assert_eq!(
        labels.len(),
        1,
        "only the agreed item has a final label: {labels:?}"
    );
    assert_eq!(labels[0], (Some(3.0), Some(true), "2 annotator(s) agreed".into()));

    let disputed: i64 = sqlx::query_scalar(
        "SELECT i.id FROM queue_items i WHERE i.queue_id = $1 AND NOT EXISTS (SELECT 1 FROM scores s WHERE s.output_id = i.output_id)",
    )
    .bind(queue)
    .fetch_one(&pool)
    .await
    .unwrap();
    let error = crate::server::annotation::adjudicate(&pool, queue, disputed, metric, 7.0, "", f.owner)
        .await
        .unwrap_err();
    assert_eq!(error.field(), Some("value"));
    crate::server::annotation::adjudicate(&pool, queue, disputed, metric, 1.0, "off topic", f.owner)
        .await
        .unwrap();
    let labels = scores(&pool, metric).await;
    assert_eq!(labels.len(), 2);
    assert!(
        labels.contains(&(Some(1.0), Some(false), "adjudicated by Otto Owner".into())),
        "{labels:?}"
    );
}
