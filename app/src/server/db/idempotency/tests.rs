//! Database tests of remembered answers to idempotent requests.

use super::*;
use crate::server::db::fixture::fixture;
use serde_json::json;

#[sqlx::test(migrations = "../migrations")]
async fn an_answer_is_remembered_per_project_and_a_second_one_conflicts(pool: PgPool) {
    let f = fixture(&pool).await;
    assert!(find(&pool, f.project, "k1").await.unwrap().is_none());
    let mut tx = pool.begin().await.unwrap();
    remember(&mut tx, f.project, "k1", b"request", 201, &json!({"accepted": 3}))
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let remembered = find(&pool, f.project, "k1").await.unwrap().expect("remembered");
    assert_eq!(
        (
            remembered.digest.as_slice(),
            remembered.status,
            remembered.response
        ),
        (b"request".as_slice(), 201, json!({"accepted": 3}))
    );
    let mut tx = pool.begin().await.unwrap();
    let again = remember(&mut tx, f.project, "k1", b"other", 201, &json!({}))
        .await
        .unwrap_err();
    assert!(matches!(again, AppError::Conflict { .. }), "{again:?}");
    assert_eq!(again.field(), Some("Idempotency-Key"));
}
