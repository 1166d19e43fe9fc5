use super::*;

/// `column` of `table` in `pg_stat_user_tables` once it reaches `expected` (backends flush
/// their counters within a second or so; given up after ten).
async fn counter(pool: &PgPool, table: &str, column: &str, expected: i64) -> i64 {
    let mut value = 0;
    for _ in 0..100 {
        value = sqlx::query_scalar(&format!(
            "SELECT {column} FROM pg_stat_user_tables WHERE relname = $1"
        ))
        .bind(table)
        .fetch_one(pool)
        .await
        .unwrap();
        if value >= expected {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    value
}

async fn due_of(pool: &PgPool, table: &str) -> Option<Due> {
    due(pool).await.unwrap().into_iter().find(|d| d.table == table)
}

/// Autovacuum off for the table whatever the server's setting, and thresholds of its own.
async fn table(pool: &PgPool, name: &str) {
    sqlx::query(&format!(
        "CREATE TABLE {name} (id int PRIMARY KEY, n int) WITH (autovacuum_enabled = false,
            autovacuum_analyze_threshold = 100, autovacuum_analyze_scale_factor = 0,
            autovacuum_vacuum_threshold = 150, autovacuum_vacuum_scale_factor = 0)"
    ))
    .execute(pool)
    .await
    .unwrap();
}

#[sqlx::test(migrations = "../migrations")]
async fn a_table_grown_past_the_analyze_threshold_is_analyzed(pool: PgPool) {
    table(&pool, "grown").await;
    sqlx::query("INSERT INTO grown SELECT generate_series(1, 100), 0")
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(counter(&pool, "grown", "n_mod_since_analyze", 100).await, 100);
    assert_eq!(
        due_of(&pool, "public.grown").await,
        None,
        "100 rows is not past 100"
    );

    sqlx::query("INSERT INTO grown VALUES (101, 0)")
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(counter(&pool, "grown", "n_mod_since_analyze", 101).await, 101);
    let expected = Due {
        table: "public.grown".into(),
        vacuum: false,
    };
    assert_eq!(due_of(&pool, "public.grown").await, Some(expected.clone()));
    assert!(run_due(&pool).await.unwrap().contains(&expected));

    let (rows, analyzed_at): (f32, Option<chrono::DateTime<chrono::Utc>>) = sqlx::query_as(
        "SELECT c.reltuples, t.last_analyze FROM pg_class c JOIN pg_stat_user_tables t ON t.relid = c.oid
         WHERE c.relname = 'grown'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(rows, 101.0, "the planner now knows the table's size");
    assert!(analyzed_at.is_some());
    assert_eq!(due_of(&pool, "public.grown").await, None);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_table_with_dead_rows_past_the_vacuum_threshold_is_vacuumed(pool: PgPool) {
    table(&pool, "churned").await;
    sqlx::query("INSERT INTO churned SELECT generate_series(1, 100), 0")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("ANALYZE churned").execute(&pool).await.unwrap();
    // Three rewrites of every row leave 300 dead rows, past the 150 allowed.
    for _ in 0..3 {
        sqlx::query("UPDATE churned SET n = n + 1")
            .execute(&pool)
            .await
            .unwrap();
    }
    assert!(counter(&pool, "churned", "n_dead_tup", 151).await > 150);
    let expected = Due {
        table: "public.churned".into(),
        vacuum: true,
    };
    assert_eq!(due_of(&pool, "public.churned").await, Some(expected.clone()));
    assert!(run_due(&pool).await.unwrap().contains(&expected));

    let (dead, vacuumed_at): (i64, Option<chrono::DateTime<chrono::Utc>>) =
        sqlx::query_as("SELECT n_dead_tup, last_vacuum FROM pg_stat_user_tables WHERE relname = 'churned'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(vacuumed_at.is_some());
    assert!(dead < 150, "{dead} dead rows left");
    assert_eq!(due_of(&pool, "public.churned").await, None);
}
