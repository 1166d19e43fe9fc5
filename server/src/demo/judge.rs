//! The demo project's judge metric: "answers the question asked", graded 1–5 by an LLM judge.
//! The demo has no model to call, so the judge's verdicts on the sample traffic are written as a
//! judge would have returned them: a small, repeatable share of replies gets a middling or poor
//! grade, in both versions alike (the release comparison must not flag it). Replies ingested
//! later wait for a chat endpoint, as with any judge.

use app::domain::metric::kinds::Status;
use app::domain::metric::MetricInput;
use app::domain::score_row::ScoreRow;
use app::error::AppError;
use app::server::db::scores::ScoreChange;
use app::server::{db, metric_lifecycle};
use sqlx::PgPool;

/// The judge metric's key.
pub const KEY: &str = "answers-the-question";

/// The scorer version the demo's verdicts are recorded under.
const VERSION: &str = "llm_judge demo verdicts";

/// The judge's verdict for a reply: (grade 1–5, rationale).
fn verdict(output_id: i64) -> (f64, &'static str) {
    match output_id.rem_euclid(23) {
        0 => (2.0, "The reply answers a different question than the one asked."),
        1 => (
            3.0,
            "The reply does not say where to find the setting it mentions.",
        ),
        2..=4 => (4.0, "Answers the question; one step is vague."),
        _ => (5.0, "Answers the question fully."),
    }
}

/// Creates the judge metric (active) and writes its verdicts on the project's outputs.
pub async fn seed(pool: &PgPool, project_id: i64, owner: i64) -> Result<(), AppError> {
    let definition = MetricInput {
        key: KEY.into(),
        name: "Answers the question asked (judge)".into(),
        question: "Does the reply answer what the customer asked?".into(),
        paradigm: "model".into(),
        category: "quality".into(),
        cadence: "async".into(),
        action_on_failure: "flag".into(),
        scorer: r#"{"kind": "llm_judge", "rubric_prompt": "Grade the reply from 1 to 5: 5 if it fully answers the customer's question, 1 if it does not answer it. Reply as JSON: {\"score\": n, \"rationale\": \"...\"}."}"#.into(),
        threshold: "4".into(),
        direction: "at_least".into(),
        stage: "walk".into(),
        owner: "owner".into(),
        cost_per_failure: "0.60".into(),
        cost_per_evaluation: "0.004".into(),
        review_date: (chrono::Utc::now().date_naive() + chrono::Duration::days(45)).to_string(),
        tags: "judge".into(),
        ..MetricInput::default()
    }
    .parse()?;
    let metric = metric_lifecycle::create(pool, project_id, &definition, owner).await?;
    metric_lifecycle::set_status(pool, project_id, KEY, Status::Active, "", owner).await?;
    let replies: Vec<i64> = sqlx::query_scalar("SELECT id FROM outputs WHERE project_id = $1 ORDER BY id")
        .bind(project_id)
        .fetch_all(pool)
        .await
        .map_err(db::database)?;
    let rows: Vec<(i64, ScoreRow)> = replies
        .into_iter()
        .map(|output| {
            let (grade, rationale) = verdict(output);
            (
                output,
                ScoreRow {
                    metric_id: metric.id,
                    value: Some(grade),
                    passed: Some(definition.pass_rule.passes(grade)),
                    rationale: rationale.into(),
                    error: None,
                    retry: None,
                },
            )
        })
        .collect();
    for chunk in rows.chunks(1000) {
        let mut tx = pool.begin().await.map_err(db::database)?;
        db::scores::apply(
            &mut tx,
            ScoreChange::Write {
                rows: chunk,
                version: VERSION,
            },
        )
        .await?;
        tx.commit().await.map_err(db::database)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_replies_in_twenty_three_get_a_failing_grade() {
        let grades: Vec<f64> = (0..230).map(|id| verdict(id).0).collect();
        assert_eq!(grades.iter().filter(|g| **g < 4.0).count(), 20);
        assert!(grades.iter().all(|g| (1.0..=5.0).contains(g)));
    }
}
