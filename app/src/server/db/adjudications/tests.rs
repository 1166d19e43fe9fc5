//! Database tests of what staff read and decide: every rating of a metric, and final labels.

use super::*;
use crate::server::db::fixture::annotation::*;
use crate::server::db::fixture::fixture;

#[sqlx::test(migrations = "../migrations")]
async fn staff_read_every_rating_and_a_final_label_must_be_a_rubric_level(pool: PgPool) {
    let f = fixture(&pool).await;
    let (_, metric) = human_metric(&pool, &f).await;
    let (anna, ben) = (annotator(&pool, "anna").await, annotator(&pool, "ben").await);
    outputs(&pool, &f, &["de"]).await;
    let queue = create_queue(&pool, &f, queue_input("random", "1", "anna, ben", "2"))
        .await
        .unwrap();
    rate_next(&pool, queue, anna, metric, 3.0).await;
    rate_next(&pool, queue, ben, metric, 1.0).await;

    let in_queue = of_metric(&pool, metric, Some(queue)).await.unwrap();
    let who: Vec<(&str, f64)> = in_queue.iter().map(|r| (r.annotator.as_str(), r.value)).collect();
    assert_eq!(who, [("anna", 3.0), ("ben", 1.0)]);
    let everywhere = of_metric(&pool, metric, None).await.unwrap();
    assert_eq!(
        everywhere[0].item_id, everywhere[0].output_id,
        "across queues, items are outputs"
    );
    assert!(of_metric(&pool, metric, Some(queue + 1))
        .await
        .unwrap()
        .is_empty());

    assert_eq!(
        check_level(&pool, queue, metric, 9.0).await.unwrap_err().field(),
        Some("value")
    );
    assert!(matches!(
        check_level(&pool, queue, metric + 1, 1.0).await,
        Err(AppError::NotFound(_))
    ));
    check_level(&pool, queue, metric, 2.0).await.unwrap();

    let item = in_queue[0].item_id;
    let mut tx = pool.begin().await.unwrap();
    let output = adjudicate_in(&mut tx, queue, item, metric, 2.0, " borderline ", f.owner)
        .await
        .unwrap();
    adjudicate_in(&mut tx, queue, item, metric, 3.0, "on reflection", f.owner)
        .await
        .unwrap();
    assert!(matches!(
        adjudicate_in(&mut tx, queue, item + 1000, metric, 3.0, "", f.owner).await,
        Err(AppError::NotFound(_))
    ));
    tx.rollback().await.unwrap();
    assert_eq!(output, in_queue[0].output_id);
    assert!(
        adjudicated(&pool, queue, metric).await.unwrap().is_empty(),
        "rolled back with its transaction"
    );

    let mut tx = pool.begin().await.unwrap();
    adjudicate_in(&mut tx, queue, item, metric, 2.0, "", f.owner)
        .await
        .unwrap();
    adjudicate_in(&mut tx, queue, item, metric, 3.0, "on reflection", f.owner)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        adjudicated(&pool, queue, metric)
            .await
            .unwrap()
            .into_iter()
            .collect::<Vec<_>>(),
        [(item, 3.0)],
        "deciding again replaces the label"
    );
}
