//! Database tests of metric history: who changed what, by a person or through an API key.

use super::*;
use crate::server::db::api_keys;
use crate::server::db::fixture::fixture;
use crate::server::metric_lifecycle::create;

#[sqlx::test(migrations = "../migrations")]
async fn changes_are_listed_newest_first_naming_the_person_or_the_key(pool: PgPool) {
    let f = fixture(&pool).await;
    let metric = create(
        &pool,
        f.project,
        &crate::domain::metric::tests::input().parse().unwrap(),
        f.owner,
    )
    .await
    .unwrap()
    .id;
    let key = api_keys::insert(&pool, f.project, "CI", "vk_ci", b"d", f.owner)
        .await
        .unwrap();
    let mut tx = pool.begin().await.unwrap();
    record(
        &mut tx,
        metric,
        Actor {
            user_id: f.owner,
            api_key_id: Some(key.id),
        },
        &[
            ("name", "Old".into(), "New".into()),
            ("tags", "a".into(), "a, b".into()),
        ],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let history = list(&pool, metric).await.unwrap();
    let rows: Vec<(&str, &str, &str, &str)> = history
        .iter()
        .map(|c| {
            (
                c.field.as_str(),
                c.old_value.as_str(),
                c.new_value.as_str(),
                c.changed_by.as_str(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("tags", "a", "a, b", "API key CI (vk_ci…, created by Otto Owner)"),
            ("name", "Old", "New", "API key CI (vk_ci…, created by Otto Owner)"),
            ("created", "", "Never says delve", "Otto Owner"),
        ]
    );
}
