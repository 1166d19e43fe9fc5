use super::*;

/// `table`'s rows changed since its last ANALYZE, once the server's counters show at least
/// `expected` (backends flush them within a second or so; given up after ten).
async fn modified_since_analyze(pool: &PgPool, table: &str, expected: i64) -> i64 {
    let mut modified = 0;
    for _ in 0..100 {
        modified =
            sqlx::query_scalar("SELECT n_mod_since_analyze FROM pg_stat_user_tables WHERE relname = $1")
                .bind(table)
                .fetch_one(pool)
                .await
                .unwrap();
        if modified >= expected {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    modified
}

#[sqlx::test(migrations = "../migrations")]
async fn a_table_grown_past_autovacuums_threshold_is_analyzed_and_is_stale_no_more(pool: PgPool) {
    // The table's own thresholds, and autovacuum off for it, whatever the server's setting.
    sqlx::query(
        "CREATE TABLE grown (id int) WITH (autovacuum_enabled = false,
            autovacuum_analyze_threshold = 100, autovacuum_analyze_scale_factor = 0)",
    )
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query("INSERT INTO grown SELECT generate_series(1, 100)")
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(modified_since_analyze(&pool, "grown", 100).await, 100);
    assert!(
        !stale(&pool).await.unwrap().contains(&"public.grown".to_string()),
        "100 rows is not past 100"
    );

    sqlx::query("INSERT INTO grown VALUES (101)")
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(modified_since_analyze(&pool, "grown", 101).await, 101);
    assert!(stale(&pool).await.unwrap().contains(&"public.grown".to_string()));
    let analyzed = analyze_stale(&pool).await.unwrap();
    assert!(analyzed.contains(&"public.grown".to_string()), "{analyzed:?}");

    let (rows, analyzed_at): (f32, Option<chrono::DateTime<chrono::Utc>>) = sqlx::query_as(
        "SELECT c.reltuples, t.last_analyze FROM pg_class c JOIN pg_stat_user_tables t ON t.relid = c.oid
         WHERE c.relname = 'grown'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(rows, 101.0, "the planner now knows the table's size");
    assert!(analyzed_at.is_some());
    assert!(!stale(&pool).await.unwrap().contains(&"public.grown".to_string()));
}
