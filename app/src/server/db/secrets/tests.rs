//! Database tests of the secret columns: every non-empty secret is read, and one is replaced in
//! place without touching the others.

use super::*;
use crate::server::db::fixture::fixture;
use sqlx::PgPool;

#[sqlx::test(migrations = "../migrations")]
async fn every_stored_secret_is_read_and_one_is_replaced_in_place(pool: PgPool) {
    let f = fixture(&pool).await;
    sqlx::query(
        "INSERT INTO project_endpoints (project_id, chat_api_key, embeddings_api_key) VALUES ($1, 'chat-key', '')",
    )
    .bind(f.project)
    .execute(&pool)
    .await
    .unwrap();
    let mut tx = pool.begin().await.unwrap();
    let stored = all_for_update(&mut tx).await.unwrap();
    let values: Vec<&str> = stored.iter().map(|s| s.value.as_str()).collect();
    assert_eq!(values, ["chat-key"], "an empty secret is none, not a secret");
    replace(&mut tx, &stored[0], "sealed").await.unwrap();
    tx.commit().await.unwrap();
    let (chat, embeddings): (String, String) = sqlx::query_as(
        "SELECT chat_api_key, embeddings_api_key FROM project_endpoints WHERE project_id = $1",
    )
    .bind(f.project)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((chat.as_str(), embeddings.as_str()), ("sealed", ""));
}
