//! Database tests of API keys: listing, finding a live key, use, and revocation.

use super::*;
use crate::server::db::fixture::{fixture, second_project};

#[sqlx::test(migrations = "../migrations")]
async fn a_key_is_listed_found_by_prefix_and_gone_once_revoked(pool: PgPool) {
    let f = fixture(&pool).await;
    let key = insert(&pool, f.project, "CI", "vk_abc", b"digest", f.owner)
        .await
        .unwrap();
    assert_eq!(
        (
            key.name.as_str(),
            key.created_by.as_str(),
            key.last_used_at,
            key.revoked_at
        ),
        ("CI", "Otto Owner", None, None)
    );
    let found = find_live(&pool, "vk_abc").await.unwrap().expect("the live key");
    assert_eq!(
        (
            found.id,
            found.project_id,
            found.created_by,
            found.digest.as_slice()
        ),
        (key.id, f.project, f.owner, b"digest".as_slice())
    );

    touch(&pool, key.id).await.unwrap();
    let listed = list(&pool, f.project).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert!(listed[0].last_used_at.is_some(), "use is recorded");

    revoke(&pool, f.project, key.id).await.unwrap();
    let first = list(&pool, f.project).await.unwrap()[0].revoked_at;
    revoke(&pool, f.project, key.id).await.unwrap();
    assert_eq!(
        list(&pool, f.project).await.unwrap()[0].revoked_at,
        first,
        "revoking twice keeps the first time"
    );
    assert!(find_live(&pool, "vk_abc").await.unwrap().is_none());
    assert!(
        matches!(
            revoke(&pool, f.project + 1, key.id).await,
            Err(AppError::NotFound(_))
        ),
        "another project's key is not found"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_creators_keys_are_revoked_in_one_project_or_everywhere(pool: PgPool) {
    let f = fixture(&pool).await;
    let other = second_project(&pool, &f).await;
    insert(&pool, f.project, "bot key", "vk_bot", b"d1", f.owner)
        .await
        .unwrap();
    insert(&pool, other, "legal key", "vk_legal", b"d2", f.owner)
        .await
        .unwrap();

    let mut tx = pool.begin().await.unwrap();
    assert_eq!(
        revoke_created_by(&mut tx, Some(f.project), f.owner)
            .await
            .unwrap(),
        1
    );
    tx.commit().await.unwrap();
    assert!(find_live(&pool, "vk_bot").await.unwrap().is_none());
    assert!(
        find_live(&pool, "vk_legal").await.unwrap().is_some(),
        "the other project's key lives on"
    );

    let mut tx = pool.begin().await.unwrap();
    assert_eq!(revoke_created_by(&mut tx, None, f.owner).await.unwrap(), 1);
    tx.commit().await.unwrap();
    assert!(find_live(&pool, "vk_legal").await.unwrap().is_none());
}
