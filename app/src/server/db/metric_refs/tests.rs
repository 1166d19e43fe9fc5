//! Database tests of a scorer's references: rubrics and hybrid parts of the same project.

use super::*;
use crate::domain::rubric::{RubricDraft, RubricInput};
use crate::server::db::fixture::{fixture, second_project};
use crate::server::db::rubrics;
use sqlx::PgPool;

fn rubric() -> RubricDraft {
    RubricDraft::parse(&RubricInput {
        name: "Tone".into(),
        scale: "binary".into(),
        levels: "No\nYes".into(),
        instructions: String::new(),
    })
    .unwrap()
}

async fn check_json(pool: &PgPool, project: i64, json: &str) -> Result<(), AppError> {
    let spec = ScorerSpec::parse_json(json).unwrap();
    check(&mut pool.acquire().await.unwrap(), project, &spec).await
}

#[sqlx::test(migrations = "../migrations")]
async fn a_human_metric_needs_a_rubric_of_its_own_project(pool: PgPool) {
    let f = fixture(&pool).await;
    let other = second_project(&pool, &f).await;
    let own = rubrics::insert(&pool, f.project, &rubric(), f.owner)
        .await
        .unwrap();
    let foreign = rubrics::insert(&pool, other, &rubric(), f.owner).await.unwrap();

    check_json(
        &pool,
        f.project,
        &format!(r#"{{"kind": "human", "rubric_id": {own}}}"#),
    )
    .await
    .unwrap();
    let refused = check_json(
        &pool,
        f.project,
        &format!(r#"{{"kind": "human", "rubric_id": {foreign}}}"#),
    )
    .await
    .unwrap_err();
    assert_eq!(refused.field(), Some("scorer"));
    assert!(
        refused.message().contains("is not a rubric of this project"),
        "{refused:?}"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_hybrid_needs_a_human_and_an_automated_metric_of_the_project(pool: PgPool) {
    let f = fixture(&pool).await;
    let automated = crate::domain::metric::tests::input();
    crate::server::metric_lifecycle::create(&pool, f.project, &automated.parse().unwrap(), f.owner)
        .await
        .unwrap();
    let refused = check_json(
        &pool,
        f.project,
        r#"{"kind": "hybrid", "human": "no-delve", "automated": "no-delve"}"#,
    )
    .await
    .unwrap_err();
    assert!(
        refused.message().contains("'no-delve' is not a human metric"),
        "{refused:?}"
    );
    let refused = check_json(
        &pool,
        f.project,
        r#"{"kind": "hybrid", "human": "missing", "automated": "no-delve"}"#,
    )
    .await
    .unwrap_err();
    assert_eq!(refused.field(), Some("scorer"));
    // Built-in scorers refer to nothing.
    check_json(
        &pool,
        f.project,
        r#"{"kind": "not_contains", "words": ["delve"]}"#,
    )
    .await
    .unwrap();
}
