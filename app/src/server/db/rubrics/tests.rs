//! Database tests of rubrics: editing in place, and a new version once rated.

use crate::domain::annotation::work::Workspace;
use crate::server::db::fixture::annotation::*;
use crate::server::db::fixture::fixture;
use crate::server::db::{ratings, rubrics};
use sqlx::PgPool;

#[sqlx::test(migrations = "../migrations")]
async fn editing_a_rated_rubric_adds_a_version_and_ratings_keep_theirs(pool: PgPool) {
    let f = fixture(&pool).await;
    let (rubric, metric) = human_metric(&pool, &f).await;
    let anna = annotator(&pool, "anna").await;
    outputs(&pool, &f, &["de"]).await;

    // No ratings yet: an edit changes version 1 in place.
    let edited = rubrics::update(
        &pool,
        f.project,
        rubric,
        &rubric_draft("Bad\nOkay\nGreat"),
        f.owner,
    )
    .await
    .unwrap();
    assert_eq!((edited.version, edited.levels[0].label.as_str()), (1, "Bad"));

    let queue = create_queue(&pool, &f, queue_input("random", "1", "anna", "1"))
        .await
        .unwrap();
    rate_next(&pool, queue, anna, metric, 2.0).await;
    let edited = rubrics::update(
        &pool,
        f.project,
        rubric,
        &rubric_draft("Poor\nFair\nGood\nExcellent"),
        f.owner,
    )
    .await
    .unwrap();
    assert_eq!((edited.version, edited.levels.len(), edited.ratings), (2, 4, 1));
    let rated_under: i32 = sqlx::query_scalar(
        "SELECT v.version FROM ratings g JOIN rubric_versions v ON v.id = g.rubric_version_id",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(rated_under, 1);
    let old = rubrics::version(&pool, edited.version_id - 1).await.unwrap();
    assert_eq!(old.levels[0].label, "Bad");
    // The workspace now shows version 2.
    let Workspace::Item(item) = ratings::work_item(&pool, queue, anna, Some(1)).await.unwrap() else {
        panic!()
    };
    assert_eq!(item.metrics[0].rubric.version, 2);
}
