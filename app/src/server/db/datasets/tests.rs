//! Database tests of datasets: names unique per project, versions written whole and read back
//! in order, reviews, and the production counts health is measured against.

use super::*;
use crate::domain::dataset::tests::item;
use crate::server::db::fixture::{fixture, ingest, second_project};
use serde_json::json;

#[sqlx::test(migrations = "../migrations")]
async fn versions_are_written_whole_and_read_back_in_order(pool: PgPool) {
    let f = fixture(&pool).await;
    let id = create(&pool, f.project, "golden", "German tickets", f.owner)
        .await
        .unwrap();
    let taken = create(&pool, f.project, "golden", "", f.owner).await.unwrap_err();
    assert_eq!(taken.field(), Some("name"));
    let legal = second_project(&pool, &f).await;
    create(&pool, legal, "golden", "", f.owner).await.unwrap();
    assert!(matches!(
        find(&pool, f.project, "silver").await,
        Err(AppError::NotFound(_))
    ));

    let mut tx = pool.begin().await.unwrap();
    assert_eq!(
        lock_latest(&mut tx, id).await.unwrap(),
        (None, 0),
        "no content yet"
    );
    let first = [item("b", "Hallo"), item("a", "Kündigung")];
    assert_eq!(
        write_version(&mut tx, id, 0, &first, "first", f.owner)
            .await
            .unwrap(),
        1
    );
    let second = [item("a", "Kündigung bitte")];
    assert_eq!(
        write_version(&mut tx, id, 1, &second, "", f.owner).await.unwrap(),
        2
    );
    tx.commit().await.unwrap();

    let mut connection = pool.acquire().await.unwrap();
    let (v1, number) = version_id(&mut connection, id, Some(1)).await.unwrap().unwrap();
    assert_eq!(number, 1);
    let stored: Vec<String> = items(&mut connection, v1)
        .await
        .unwrap()
        .into_iter()
        .map(|(_, i)| i.id)
        .collect();
    assert_eq!(stored, ["b", "a"], "in the order written");
    assert_eq!(
        version_id(&mut connection, id, None).await.unwrap().unwrap().1,
        2,
        "the latest"
    );
    assert_eq!(version_id(&mut connection, id, Some(3)).await.unwrap(), None);
    let numbers: Vec<(i32, i32)> = versions(&pool, id)
        .await
        .unwrap()
        .iter()
        .map(|v| (v.number, v.items))
        .collect();
    assert_eq!(numbers, [(2, 1), (1, 2)], "newest first, with their sizes");

    mark_reviewed(&pool, id, f.owner).await.unwrap();
    let golden = find(&pool, f.project, "golden").await.unwrap();
    assert_eq!(
        (golden.latest, golden.items, golden.reviewed_by.as_deref()),
        (2, 1, Some("Otto Owner"))
    );
    assert_eq!(
        list(&pool, f.project).await.unwrap().len(),
        1,
        "the other project's is not listed"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn production_segments_count_the_project_segment_values_of_the_last_30_days(pool: PgPool) {
    let f = fixture(&pool).await;
    sqlx::query("UPDATE projects SET segment_keys = '{language}' WHERE id = $1")
        .bind(f.project)
        .execute(&pool)
        .await
        .unwrap();
    let old = chrono::Utc::now() - chrono::Duration::days(40);
    let stored = ingest(
        &pool,
        f.project,
        vec![
            json!({"version": "v1", "output": "Gerne.", "metadata": {"language": "de"}}),
            json!({"version": "v1", "output": "Gerne.", "metadata": {"language": "de"}}),
            json!({"version": "v1", "output": "Sure.", "metadata": {"language": "en"}}),
            json!({"version": "v1", "output": "Sure.", "metadata": {"channel": "mail"}}),
            json!({"version": "v1", "output": "Alt.", "metadata": {"language": "de"}, "timestamp": old}),
        ],
    )
    .await;
    let (total, mut counts) = production_segments(&pool, f.project).await.unwrap();
    counts.sort_by(|a, b| a.value.cmp(&b.value));
    let counts: Vec<(&str, &str, u64)> = counts
        .iter()
        .map(|c| (c.key.as_str(), c.value.as_str(), c.outputs))
        .collect();
    assert_eq!(total, 4, "the 40-day-old output is out");
    assert_eq!(
        counts,
        [("language", "de", 2), ("language", "en", 1)],
        "only the project's segment keys"
    );
    let ids: Vec<i64> = stored.outputs.iter().map(|o| o.id).collect();
    assert_eq!(
        known_outputs(&pool, f.project, &[ids[0], ids[1] + 1000])
            .await
            .unwrap(),
        [ids[0]]
    );
    let as_items = outputs_as_items(&pool, f.project, &ids[..1]).await.unwrap();
    assert_eq!(as_items[0].output_id, Some(ids[0]));
    assert!(
        ratings_of(&pool, f.project, &ids).await.unwrap().is_empty(),
        "nobody rated them"
    );
}
