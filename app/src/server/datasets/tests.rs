//! Database tests of datasets: versions never change, runs pin theirs, run outputs resolve
//! against their items (and stay out of production counts), comparisons pair items.

use super::*;
use crate::domain::dataset::run;
use crate::server::db::fixture::{active_no_delve, fixture, Fixture};
use crate::server::idempotent::{self, Refused};
use crate::server::ingest;
use crate::server::scorer_cache::ScorerCache;
use serde_json::{json, Value};

const GOLDEN: &str = r#"{"id": "cancel", "input": "Wie kündige ich?", "expected_output": "Im Kundenkonto.", "tags": {"language": "de"}}
{"id": "refund", "input": "When is my money back?", "tags": {"language": "en"}}
{"id": "hello", "input": "Hallo", "tags": {"language": "de"}}
"#;

async fn golden(pool: &PgPool, f: &Fixture) -> Dataset {
    db::datasets::create(pool, f.project, "golden", "", f.owner)
        .await
        .unwrap();
    let dataset = db::datasets::find(pool, f.project, "golden").await.unwrap();
    let change = import(
        pool,
        &dataset,
        "golden.jsonl",
        GOLDEN,
        Mode::Upsert,
        "first",
        f.owner,
        true,
    )
    .await
    .unwrap();
    assert!(change.errors.is_empty(), "{:?}", change.errors);
    assert_eq!(change.version, Some(1));
    db::datasets::find(pool, f.project, "golden").await.unwrap()
}

async fn send(pool: &PgPool, f: &Fixture, records: Vec<Value>) -> Result<idempotent::Answer, Refused> {
    ingest::ingest(pool, &ScorerCache::default(), f.project, records, None).await
}

fn answer(run: &str, version: i32, item: &str, reply: &str) -> Value {
    json!({"version": "v1", "dataset": "golden", "dataset_version": version, "item_id": item,
           "run": run, "output": reply, "external_id": format!("{run}-{item}")})
}

fn refused(result: Result<idempotent::Answer, Refused>) -> Vec<(usize, String)> {
    match result {
        Err(Refused::Records(errors)) => errors.into_iter().map(|e| (e.index, e.field)).collect(),
        Err(other) => panic!("{other:?}"),
        Ok(answer) => panic!("accepted: {:?}", answer.body),
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn a_version_never_changes_and_an_edit_writes_the_next(pool: PgPool) {
    let f = fixture(&pool).await;
    let dataset = golden(&pool, &f).await;
    let (v1, _) = db::datasets::version_id(&mut pool.acquire().await.unwrap(), dataset.id, Some(1))
        .await
        .unwrap()
        .unwrap();
    // The database itself refuses to change or delete a version's items.
    for statement in [
        "UPDATE dataset_items SET content = '{}' WHERE version_id = $1",
        "DELETE FROM dataset_items WHERE version_id = $1",
        "UPDATE dataset_versions SET note = 'rewritten' WHERE id = $1",
        "INSERT INTO dataset_items (version_id, position, item_key, content) VALUES ($1, 9, 'late', '{}')",
    ] {
        let error = sqlx::query(statement).bind(v1).execute(&pool).await.unwrap_err();
        assert!(error.to_string().contains("immutable"), "{statement}: {error}");
    }
    // An edit (one item changed, one added) is version 2; version 1 reads as before.
    let edit = r#"{"id": "hello", "input": "Hallo, ist da jemand?", "tags": {"language": "de"}}
{"id": "late", "input": "Ich warte seit Tagen.", "tags": {"language": "de"}}"#;
    let preview = import(
        &pool,
        &dataset,
        "edit.jsonl",
        edit,
        Mode::Upsert,
        "",
        f.owner,
        false,
    )
    .await
    .unwrap();
    assert_eq!(
        (preview.counts.added, preview.counts.changed, preview.version),
        (1, 1, Some(2))
    );
    assert_eq!(
        db::datasets::find(&pool, f.project, "golden")
            .await
            .unwrap()
            .latest,
        1,
        "a preview writes nothing"
    );
    let change = import(
        &pool,
        &dataset,
        "edit.jsonl",
        edit,
        Mode::Upsert,
        "reworded",
        f.owner,
        true,
    )
    .await
    .unwrap();
    assert_eq!(change.version, Some(2));
    let mut c = pool.acquire().await.unwrap();
    let old: Vec<Item> = db::datasets::items(&mut c, v1)
        .await
        .unwrap()
        .into_iter()
        .map(|(_, i)| i)
        .collect();
    assert_eq!(old.len(), 3);
    assert_eq!(old[2].input.as_deref(), Some("Hallo"));
    let (v2, _) = db::datasets::version_id(&mut c, dataset.id, None)
        .await
        .unwrap()
        .unwrap();
    let new: Vec<String> = db::datasets::items(&mut c, v2)
        .await
        .unwrap()
        .into_iter()
        .map(|(_, i)| i.id)
        .collect();
    assert_eq!(new, vec!["cancel", "refund", "hello", "late"]);
    // The same file again changes nothing and writes no version.
    let again = import(
        &pool,
        &dataset,
        "edit.jsonl",
        edit,
        Mode::Upsert,
        "",
        f.owner,
        true,
    )
    .await
    .unwrap();
    assert_eq!(again.version, None);
    // A file with a bad line is refused whole.
    let bad = import(
        &pool,
        &dataset,
        "bad.jsonl",
        "{\"id\": \"x\", \"input\": \"y\"}\n{oops",
        Mode::Upsert,
        "",
        f.owner,
        true,
    )
    .await
    .unwrap();
    assert_eq!((bad.errors[0].line, bad.errors[0].field.as_str()), (2, "line"));
    assert_eq!(
        db::datasets::find(&pool, f.project, "golden")
            .await
            .unwrap()
            .latest,
        2
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_run_pins_its_version_takes_what_it_leaves_out_from_the_item_and_stays_out_of_production(
    pool: PgPool,
) {
    let f = fixture(&pool).await;
    active_no_delve(&pool, &f, "no-delve").await;
    let dataset = golden(&pool, &f).await;
    send(
        &pool,
        &f,
        vec![
            answer("base", 1, "cancel", "Im Kundenkonto."),
            answer("base", 1, "refund", "Let us delve."),
        ],
    )
    .await
    .unwrap();
    let base = db::eval_runs::find(&pool, f.project, "base").await.unwrap();
    assert_eq!(
        (base.dataset.as_str(), base.version, base.outputs, base.items),
        ("golden", 1, 2, 3)
    );
    // The output took the item's input, expected output and language.
    let (input, expected, language, source): (String, Option<String>, Option<String>, String) = sqlx::query_as(
        "SELECT input, expected_output, metadata ->> 'language', source FROM outputs WHERE external_id = 'base-cancel'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        (
            input.as_str(),
            expected.as_deref(),
            language.as_deref(),
            source.as_str()
        ),
        ("Wie kündige ich?", Some("Im Kundenkonto."), Some("de"), "eval")
    );
    // Eval outputs never reach the rollups the dashboards and monitors read.
    let counted: i64 = sqlx::query_scalar("SELECT COALESCE(sum(evaluations), 0)::bigint FROM score_rollups")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(counted, 0);

    // Version 2 exists; the run stays on version 1, and naming it with version 2 is refused.
    import(
        &pool,
        &dataset,
        "more.jsonl",
        "{\"id\": \"new\", \"input\": \"Neu\"}",
        Mode::Upsert,
        "",
        f.owner,
        true,
    )
    .await
    .unwrap();
    assert_eq!(
        refused(send(&pool, &f, vec![answer("base", 2, "hello", "Hallo!")]).await),
        vec![(0, "run".to_string())]
    );
    // Unknown dataset, version and item; an item answered twice in one batch, or again.
    let wrong = |dataset: &str, version: i32, item: &str| {
        let mut record = answer("other", version, item, "x");
        record["dataset"] = json!(dataset);
        record["external_id"] = json!(format!("{dataset}-{version}-{item}"));
        record
    };
    let errors = refused(
        send(
            &pool,
            &f,
            vec![
                wrong("nope", 1, "cancel"),
                wrong("golden", 9, "cancel"),
                wrong("golden", 1, "nope"),
                {
                    let mut again = answer("base", 1, "refund", "Another answer");
                    again["external_id"] = json!("base-refund-2");
                    again
                },
            ],
        )
        .await,
    );
    assert_eq!(
        errors,
        vec![
            (0, "dataset".into()),
            (1, "dataset_version".into()),
            (2, "item_id".into()),
            (3, "item_id".into())
        ]
    );
    let mut twice = answer("third", 1, "hello", "a");
    twice["external_id"] = json!("third-hello-2");
    assert_eq!(
        refused(send(&pool, &f, vec![answer("third", 1, "hello", "a"), twice]).await),
        vec![(1, "item_id".to_string())]
    );
    assert!(
        db::eval_runs::find(&pool, f.project, "third").await.is_err(),
        "a refused batch leaves no run behind"
    );
    // Half the fields is refused by name; sending the same output again is a duplicate.
    let mut partial = answer("x", 1, "cancel", "y");
    partial.as_object_mut().unwrap().remove("run");
    assert_eq!(
        refused(send(&pool, &f, vec![partial]).await),
        vec![(0, "run".to_string())]
    );
    send(&pool, &f, vec![answer("base", 1, "cancel", "Im Kundenkonto.")])
        .await
        .unwrap();
    assert_eq!(
        db::eval_runs::find(&pool, f.project, "base")
            .await
            .unwrap()
            .outputs,
        2
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn two_runs_compare_item_by_item(pool: PgPool) {
    let f = fixture(&pool).await;
    active_no_delve(&pool, &f, "no-delve").await;
    golden(&pool, &f).await;
    send(
        &pool,
        &f,
        vec![
            answer("a", 1, "cancel", "fine"),
            answer("a", 1, "refund", "fine"),
            answer("a", 1, "hello", "Let us delve"),
        ],
    )
    .await
    .unwrap();
    send(
        &pool,
        &f,
        vec![
            answer("b", 1, "hello", "fine now"),
            answer("b", 1, "refund", "We delve into it"),
            answer("b", 1, "cancel", "fine"),
        ],
    )
    .await
    .unwrap();
    let a = db::eval_runs::results(
        &pool,
        db::eval_runs::find(&pool, f.project, "a").await.unwrap().id,
    )
    .await
    .unwrap();
    let b = db::eval_runs::results(
        &pool,
        db::eval_runs::find(&pool, f.project, "b").await.unwrap().id,
    )
    .await
    .unwrap();
    let ids: Vec<&str> = b.iter().map(|r| r.item_id.as_str()).collect();
    assert_eq!(ids, vec!["cancel", "refund", "hello"], "in the version's order");
    let paired = &run::compare(&a, &b)[0];
    assert_eq!(paired.metric, "no-delve");
    assert_eq!((paired.pairs, paired.both_pass), (3, 1));
    assert_eq!(paired.newly_failing, vec!["refund"]);
    assert_eq!(paired.newly_passing, vec!["hello"]);
    assert_eq!(paired.p, 1.0);
}

#[sqlx::test(migrations = "../migrations")]
async fn outputs_become_items_once_and_health_sees_duplicates_and_uncovered_segments(pool: PgPool) {
    let f = fixture(&pool).await;
    crate::server::db::projects::set_segment_keys(&pool, f.project, &["language".to_string()])
        .await
        .unwrap();
    let ingested = crate::server::db::fixture::ingest(
        &pool,
        f.project,
        (0..10)
            .map(|i| json!({"version": "v1", "input": format!("Frage {i}"), "output": "x", "metadata": {"language": if i < 8 { "de" } else { "it" }}}))
            .collect(),
    )
    .await;
    let ids: Vec<i64> = ingested.outputs.iter().map(|o| o.id).collect();
    let dataset = golden(&pool, &f).await;
    let added = add_outputs(&pool, f.project, &dataset, &ids[..2], f.owner)
        .await
        .unwrap();
    assert_eq!((added.counts.added, added.version), (2, Some(2)));
    let again = add_outputs(&pool, f.project, &dataset, &ids[..3], f.owner)
        .await
        .unwrap();
    assert_eq!(
        (again.counts.added, again.counts.unchanged, again.version),
        (1, 2, Some(3))
    );
    // Another project's output is not found, and nothing is written.
    let other = crate::server::db::fixture::second_project(&pool, &f).await;
    assert!(matches!(
        add_outputs(&pool, other, &dataset, &ids[..1], f.owner).await,
        Err(AppError::NotFound(_))
    ));
    // A near-duplicate of "Wie kündige ich?" and the Italian segment (20% of production) with no item.
    import(
        &pool,
        &dataset,
        "dup.jsonl",
        "{\"id\": \"cancel-2\", \"input\": \"wie KÜNDIGE ich\"}",
        Mode::Upsert,
        "",
        f.owner,
        true,
    )
    .await
    .unwrap();
    let dataset = db::datasets::find(&pool, f.project, "golden").await.unwrap();
    let health = health(
        &pool,
        f.project,
        &dataset,
        Thresholds::default(),
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(health.version, 4);
    assert_eq!(health.duplicates.len(), 1);
    assert_eq!(
        (
            health.duplicates[0].first.as_str(),
            health.duplicates[0].second.as_str(),
            health.duplicates[0].exact
        ),
        ("cancel", "cancel-2", true)
    );
    assert_eq!(health.production, 10);
    let italian = health.coverage.iter().find(|c| c.value == "it").unwrap();
    assert_eq!((italian.items, italian.production_share), (0, 0.2));
    assert!(
        health
            .warnings
            .iter()
            .any(|w| w == "language=it is 20.0% of production but has 0 items"),
        "{:?}",
        health.warnings
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn health_warns_when_the_annotators_of_its_items_disagree(pool: PgPool) {
    use crate::server::db::fixture::annotation::{
        annotator, create_queue, human_metric, outputs, queue_input, rate_next,
    };
    let f = fixture(&pool).await;
    let (_, metric) = human_metric(&pool, &f).await;
    let (anna, ben) = (annotator(&pool, "anna").await, annotator(&pool, "ben").await);
    outputs(&pool, &f, &["de", "en", "fr"]).await;
    let queue = create_queue(&pool, &f, queue_input("random", "3", "anna, ben", "2"))
        .await
        .unwrap();
    // Anna and Ben rate the same three outputs in the opposite order of quality.
    for (anna_says, ben_says) in [(3.0, 1.0), (2.0, 2.0), (1.0, 3.0)] {
        rate_next(&pool, queue, anna, metric, anna_says).await;
        rate_next(&pool, queue, ben, metric, ben_says).await;
    }
    let ids: Vec<i64> =
        sqlx::query_scalar("SELECT output_id FROM queue_items WHERE queue_id = $1 ORDER BY output_id")
            .bind(queue)
            .fetch_all(&pool)
            .await
            .unwrap();
    db::datasets::create(&pool, f.project, "rated", "", f.owner)
        .await
        .unwrap();
    let dataset = db::datasets::find(&pool, f.project, "rated").await.unwrap();
    add_outputs(&pool, f.project, &dataset, &ids, f.owner)
        .await
        .unwrap();
    let dataset = db::datasets::find(&pool, f.project, "rated").await.unwrap();
    let health = health(
        &pool,
        f.project,
        &dataset,
        Thresholds::default(),
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    let (key, alpha) = &health.agreement[0];
    assert_eq!(key, "helpfulness");
    let alpha = *alpha.as_ref().unwrap();
    assert!(alpha < 0.0, "opposite ratings disagree systematically: {alpha}");
    assert!(
        health
            .warnings
            .iter()
            .any(|w| w.starts_with("annotators agree too little on helpfulness")),
        "{:?}",
        health.warnings
    );
    // Unchanged and unreviewed for long is stale; a review resets the clock.
    let later = chrono::Utc::now() + chrono::Duration::days(120);
    let stale = super::health(&pool, f.project, &dataset, Thresholds::default(), later)
        .await
        .unwrap();
    assert!(
        stale
            .warnings
            .iter()
            .any(|w| w == "unchanged and unreviewed for 120 days"),
        "{:?}",
        stale.warnings
    );
    db::datasets::mark_reviewed(&pool, dataset.id, f.owner)
        .await
        .unwrap();
    let reviewed = db::datasets::find(&pool, f.project, "rated").await.unwrap();
    let fresh = super::health(
        &pool,
        f.project,
        &reviewed,
        Thresholds::default(),
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    assert!(!fresh.warnings.iter().any(|w| w.contains("unreviewed")));
    assert_eq!(fresh.reviewed_by.as_deref(), Some("Otto Owner"));
}
