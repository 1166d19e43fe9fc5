//! Database tests of eval runs: a run pinned to one dataset version, found or created once,
//! and read back item by item with its verdicts.

use super::*;
use crate::domain::dataset::tests::item;
use crate::server::db::datasets;
use crate::server::db::fixture::{active_no_delve, fixture, Fixture};
use serde_json::json;

/// Dataset "golden" of the fixture's project with one version of items `a` and `b`.
async fn golden(pool: &PgPool, f: &Fixture) -> i64 {
    let id = datasets::create(pool, f.project, "golden", "", f.owner)
        .await
        .unwrap();
    let mut tx = pool.begin().await.unwrap();
    datasets::write_version(
        &mut tx,
        id,
        0,
        &[item("a", "Hallo"), item("b", "Kündigung")],
        "",
        f.owner,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

#[sqlx::test(migrations = "../migrations")]
async fn a_run_is_created_once_on_its_version_and_finds_its_items(pool: PgPool) {
    let f = fixture(&pool).await;
    golden(&pool, &f).await;
    let mut tx = pool.begin().await.unwrap();
    lock(&mut tx, f.project, &["base".to_owned()]).await.unwrap();
    assert!(dataset_exists(&mut tx, f.project, "golden").await.unwrap());
    assert!(!dataset_exists(&mut tx, f.project, "silver").await.unwrap());
    let version = version_of(&mut tx, f.project, "golden", 1)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(version_of(&mut tx, f.project, "golden", 2).await.unwrap(), None);
    let by_key = items_by_key(&mut tx, version, &["b".to_owned(), "zz".to_owned()])
        .await
        .unwrap();
    assert_eq!(
        by_key.keys().collect::<Vec<_>>(),
        ["b"],
        "only the version's items"
    );
    assert_eq!(by_key["b"].1.input.as_deref(), Some("Kündigung"));
    let (run, pinned) = find_or_create(&mut tx, f.project, "base", version).await.unwrap();
    assert_eq!(
        find_or_create(&mut tx, f.project, "base", version).await.unwrap(),
        (run, pinned)
    );
    assert_eq!(pinned, version);
    assert!(answered(&mut tx, run, &[by_key["b"].0]).await.unwrap().is_empty());
    tx.commit().await.unwrap();
    let listed = list(&pool, f.project).await.unwrap();
    assert_eq!(
        (
            listed.len(),
            listed[0].name.as_str(),
            listed[0].dataset.as_str(),
            listed[0].items,
            listed[0].outputs
        ),
        (1, "base", "golden", 2, 0)
    );
    assert!(matches!(
        find(&pool, f.project, "other").await,
        Err(AppError::NotFound(_))
    ));
}

#[sqlx::test(migrations = "../migrations")]
async fn results_read_each_answered_item_in_order_with_its_verdicts(pool: PgPool) {
    let f = fixture(&pool).await;
    active_no_delve(&pool, &f, "no-delve").await;
    golden(&pool, &f).await;
    let answer = |item: &str, reply: &str| {
        json!({"version": "v1", "dataset": "golden", "dataset_version": 1, "item_id": item,
               "run": "base", "output": reply, "external_id": format!("base-{item}")})
    };
    let answer = crate::server::ingest::ingest(
        &pool,
        &crate::server::scorer_cache::ScorerCache::default(),
        f.project,
        vec![answer("b", "Let us delve in."), answer("a", "Gerne.")],
        None,
    )
    .await
    .unwrap();
    assert_eq!(answer.status, 201);
    let run = find(&pool, f.project, "base").await.unwrap();
    assert_eq!(run.outputs, 2);
    let read: Vec<(String, Option<bool>)> = results(&pool, run.id)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.item_id, r.verdicts["no-delve"]))
        .collect();
    assert_eq!(
        read,
        [("a".to_owned(), Some(true)), ("b".to_owned(), Some(false))],
        "in the version's order, not the order answered"
    );
    let mut tx = pool.begin().await.unwrap();
    let version = version_of(&mut tx, f.project, "golden", 1)
        .await
        .unwrap()
        .unwrap();
    let ids: Vec<i64> = items_by_key(&mut tx, version, &["a".to_owned()])
        .await
        .unwrap()
        .values()
        .map(|(id, _)| *id)
        .collect();
    let done = answered(&mut tx, run.id, &ids).await.unwrap();
    assert_eq!(
        done.values().cloned().collect::<Vec<_>>(),
        [Some("base-a".to_owned())]
    );
}
