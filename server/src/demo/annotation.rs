//! The demo project's human metric: a helpfulness rubric, the metric, and a queue of recent
//! replies waiting for the demo annotator (with the manager as a second rater on a few).

use app::domain::annotation::queue::{QueueDraft, QueueInput};
use app::domain::metric::kinds::Status;
use app::domain::metric::MetricInput;
use app::domain::rubric::{RubricDraft, RubricInput};
use app::error::AppError;
use app::server::{db, metric_lifecycle};
use sqlx::PgPool;

/// Creates the rubric, the human metric and the queue.
pub async fn seed(pool: &PgPool, project_id: i64, owner: i64) -> Result<(), AppError> {
    let rubric = RubricDraft::parse(&RubricInput {
        name: "Helpfulness".into(),
        scale: "ordinal".into(),
        levels: "Unhelpful | does not answer the question\nPartly helpful | answers part of it\nHelpful | answers it fully, in the customer's language".into(),
        instructions: "Rate as the customer would: did the reply solve their problem?".into(),
    })?;
    let rubric_id = db::rubrics::insert(pool, project_id, &rubric, owner).await?;
    let metric = MetricInput {
        key: "helpfulness".into(),
        name: "Helpfulness (people)".into(),
        question: "Do customers get an answer that solves their problem?".into(),
        paradigm: "human".into(),
        category: "quality".into(),
        cadence: "async".into(),
        action_on_failure: "flag".into(),
        scorer: format!(r#"{{"kind": "human", "rubric_id": {rubric_id}}}"#),
        threshold: "2".into(),
        direction: "at_least".into(),
        stage: "walk".into(),
        owner: "owner".into(),
        cost_per_failure: "3.00".into(),
        cost_per_evaluation: "0.40".into(),
        review_date: (chrono::Utc::now().date_naive() + chrono::Duration::days(60)).to_string(),
        tags: "people".into(),
        ..MetricInput::default()
    }
    .parse()?;
    metric_lifecycle::create(pool, project_id, &metric, owner).await?;
    metric_lifecycle::set_status(pool, project_id, "helpfulness", Status::Active, "", owner).await?;
    let queue = QueueDraft::parse(&QueueInput {
        name: "Helpfulness, German replies".into(),
        metrics: "helpfulness".into(),
        sampling: "segment".into(),
        n: "20".into(),
        segment_key: "language".into(),
        failed_metric: String::new(),
        feedback_metric: String::new(),
        annotators: "annotator".into(),
        overlap: "1".into(),
        due_date: (chrono::Utc::now().date_naive() + chrono::Duration::days(7)).to_string(),
    })?;
    db::queues::insert(pool, project_id, &queue, owner).await?;
    Ok(())
}
