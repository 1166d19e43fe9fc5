//! Database tests of the output list and an output's page: filters, pages and conversations.

use super::*;
use crate::domain::output_browse::OutputFilter;
use crate::server::db::fixture::{active_no_delve, fixture, ingest as store};
use serde_json::json;

fn filter(build: impl FnOnce(&mut OutputFilter)) -> ParsedOutputFilter {
    let mut filter = OutputFilter::default();
    build(&mut filter);
    filter.parse().unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn the_list_filters_by_version_segment_source_and_verdict_and_pages_newest_first(pool: PgPool) {
    let f = fixture(&pool).await;
    active_no_delve(&pool, &f, "no-delve").await;
    let values = (0..PAGE + 3)
        .map(|i| {
            let language = if i % 3 == 0 { "de" } else { "en" };
            let reply = if i % 5 == 0 { "I delve." } else { "Fine." };
            json!({"version": format!("v{}", i % 2 + 1), "output": reply, "metadata": {"language": language}})
        })
        .collect();
    store(&pool, f.project, values).await;

    let (rows, next) = list(&pool, f.project, &filter(|_| ())).await.unwrap();
    assert_eq!(rows.len() as i64, PAGE);
    assert!(rows.windows(2).all(|w| w[0].id > w[1].id), "newest first");
    let (rest, none) = list(
        &pool,
        f.project,
        &filter(|q| q.before = next.unwrap().to_string()),
    )
    .await
    .unwrap();
    assert_eq!((rest.len(), none), (3, None));

    let (german, _) = list(&pool, f.project, &filter(|q| q.segment = "language=de".into()))
        .await
        .unwrap();
    assert_eq!(german.len(), 18);
    assert!(german.iter().all(|r| r.segments == ["language=de"]));
    let (failed, _) = list(
        &pool,
        f.project,
        &filter(|q| {
            q.metric = "no-delve".into();
            q.verdict = "fail".into();
        }),
    )
    .await
    .unwrap();
    assert_eq!(failed.len(), 11);
    assert!(failed
        .iter()
        .all(|r| (r.passed, r.failed, r.excerpt.as_str()) == (0, 1, "I delve.")));
    let (v2, _) = list(&pool, f.project, &filter(|q| q.version = "v2".into()))
        .await
        .unwrap();
    assert!(v2.iter().all(|r| r.version == "v2") && v2.len() == 26);
    let (eval, _) = list(&pool, f.project, &filter(|q| q.source = "eval".into()))
        .await
        .unwrap();
    assert!(eval.is_empty());
    assert_eq!(versions(&pool, f.project).await.unwrap(), ["v2", "v1"]);
}

#[sqlx::test(migrations = "../migrations")]
async fn an_outputs_page_has_its_scores_metadata_and_the_other_turns(pool: PgPool) {
    let f = fixture(&pool).await;
    active_no_delve(&pool, &f, "no-delve").await;
    let stored = store(
        &pool,
        f.project,
        vec![
            json!({"version": "v1", "output": "Hallo!", "conversation_id": "c1", "turn_index": 1, "metadata": {"language": "de", "tier": 2}}),
            json!({"version": "v1", "output": "Let me delve.", "conversation_id": "c1", "turn_index": 2}),
        ],
    )
    .await;
    let page = detail(&pool, f.project, stored.outputs[0].id).await.unwrap();
    assert_eq!(
        page.metadata,
        [("language".into(), "de".into()), ("tier".into(), "2".into())]
    );
    assert_eq!(page.scores.len(), 1);
    let turns: Vec<(Option<i32>, &str)> = page
        .turns
        .iter()
        .map(|t| (t.turn_index, t.excerpt.as_str()))
        .collect();
    assert_eq!(turns, [(Some(1), "Hallo!"), (Some(2), "Let me delve.")]);
    assert!(matches!(
        detail(&pool, f.project + 1, stored.outputs[0].id).await,
        Err(AppError::NotFound(_))
    ));
}
