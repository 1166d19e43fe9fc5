//! Database tests of a project's endpoints: keys are write-only, kept, replaced or cleared.

use super::*;
use crate::domain::endpoint::{self, EndpointFields};
use crate::server::db::fixture::fixture;

fn chat(model: &str, key: &str, clear_key: bool) -> EndpointFields {
    EndpointFields {
        url: "http://127.0.0.1:9/v1/".into(),
        model: model.into(),
        key: key.into(),
        clear_key,
    }
}

async fn save_chat(pool: &PgPool, project: i64, by: i64, fields: EndpointFields) {
    let input = endpoint::parse(&fields, &EndpointFields::default(), "1000").unwrap();
    save(pool, project, &input, by).await.unwrap();
}

#[sqlx::test(migrations = "../migrations")]
async fn a_project_without_endpoints_has_the_defaults(pool: PgPool) {
    let f = fixture(&pool).await;
    assert_eq!(view(&pool, f.project).await.unwrap(), EndpointsView::default());
    let loaded = load(&pool, f.project).await.unwrap();
    assert!(loaded.chat.is_none() && loaded.embeddings.is_none());
}

#[sqlx::test(migrations = "../migrations")]
async fn endpoint_keys_are_write_only_kept_when_empty_and_cleared_on_request(pool: PgPool) {
    let f = fixture(&pool).await;
    save_chat(&pool, f.project, f.owner, chat("judge-model", "sk-secret", false)).await;
    let shown = view(&pool, f.project).await.unwrap();
    assert!(shown.chat.key_set && !shown.embeddings.key_set);
    assert_eq!(
        shown.chat.url, "http://127.0.0.1:9/v1",
        "the trailing slash is dropped"
    );
    assert!(
        !format!("{shown:?}").contains("sk-secret"),
        "a page never sees the key"
    );

    save_chat(&pool, f.project, f.owner, chat("other-model", "", false)).await;
    let loaded = load(&pool, f.project).await.unwrap();
    let endpoint = loaded.chat.unwrap();
    assert_eq!(
        (endpoint.model.as_str(), endpoint.api_key.as_deref()),
        ("other-model", Some("sk-secret")),
        "an empty key keeps the stored one"
    );
    assert_eq!(
        (loaded.embeddings.is_none(), loaded.timeout),
        (true, Duration::from_millis(1000))
    );

    save_chat(&pool, f.project, f.owner, chat("other-model", "", true)).await;
    assert!(!view(&pool, f.project).await.unwrap().chat.key_set);
    assert_eq!(load(&pool, f.project).await.unwrap().chat.unwrap().api_key, None);
}

#[sqlx::test(migrations = "../migrations")]
async fn keys_are_stored_sealed_plain_ones_are_sealed_at_start_up_and_rotation_reseals_them(pool: PgPool) {
    use crate::server::secret_rotation;
    use crate::server::secrets::{self, SecretKey, PREFIX};
    let f = fixture(&pool).await;
    save_chat(
        &pool,
        f.project,
        f.owner,
        chat("judge-model", "sk-secret-123", false),
    )
    .await;
    let stored: String = sqlx::query_scalar("SELECT chat_api_key FROM project_endpoints")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(
        stored.starts_with(PREFIX) && !stored.contains("sk-secret"),
        "{stored}"
    );
    assert_eq!(
        load(&pool, f.project)
            .await
            .unwrap()
            .chat
            .unwrap()
            .api_key
            .as_deref(),
        Some("sk-secret-123")
    );

    // A key written before sealing existed is sealed at start-up, once.
    sqlx::query("UPDATE project_endpoints SET embeddings_url = 'http://127.0.0.1:9/v1', embeddings_api_key = 'sk-plain'")
        .execute(&pool)
        .await
        .unwrap();
    let key = secrets::key().unwrap().clone();
    assert_eq!(secret_rotation::seal_plain(&pool, &key).await.unwrap(), 1);
    assert_eq!(secret_rotation::seal_plain(&pool, &key).await.unwrap(), 0);
    assert_eq!(
        load(&pool, f.project)
            .await
            .unwrap()
            .embeddings
            .unwrap()
            .api_key
            .as_deref(),
        Some("sk-plain")
    );

    // Rotation re-seals everything under the new key; the old key opens nothing any more.
    let new = SecretKey::generate();
    assert_eq!(secret_rotation::rotate(&pool, &key, &new).await.unwrap(), 2);
    let stored: String = sqlx::query_scalar("SELECT chat_api_key FROM project_endpoints")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(new.open(&stored).unwrap(), "sk-secret-123");
    assert!(key.open(&stored).is_err());
    assert!(
        secret_rotation::rotate(&pool, &key, &new).await.is_err(),
        "a wrong old key changes nothing"
    );
}
