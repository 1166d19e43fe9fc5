//! The demo's end-user feedback: a thumbs up or down on about one reply in five, with a comment
//! on some of the downs — German customers answered in English complain, and the A/B test's
//! short replies are liked better — and the A/B test itself, read long after its sample.

use super::traffic::{AB_ENDED_DAYS_AGO, AB_STARTED_DAYS_AGO, AB_TEST};
use app::domain::experiment::arm;
use app::domain::experiment::design::ExperimentForm;
use app::error::AppError;
use app::server::{db, experiments, feedback};
use chrono::{Duration, Utc};
use serde_json::{json, Value};
use sqlx::PgPool;

/// A number from 0 to 99 fixed by `salt` and the output's id.
fn percentile(salt: &str, id: &str) -> usize {
    arm(salt, id, 100).unwrap_or(0)
}

/// What end users say when they turn a thumb down.
const COMPLAINTS: [&str; 4] = [
    "Didn't answer my question.",
    "Too generic, I needed the date for my contract.",
    "I had to ask twice.",
    "Not helpful.",
];
const WRONG_LANGUAGE: [&str; 3] = [
    "this is in English?!",
    "Warum antworten Sie auf Englisch?",
    "Ich habe auf Deutsch gefragt.",
];

/// A feedback record for some of the traffic's outputs.
pub fn records(traffic: &[Value]) -> Vec<Value> {
    traffic
        .iter()
        .filter_map(|output| {
            let id = output["external_id"].as_str()?;
            if percentile("gives-feedback", id) >= 20 {
                return None;
            }
            let reply = output["output"].as_str().unwrap_or_default();
            let language = output["metadata"]["language"].as_str().unwrap_or_default();
            let english =
                reply.starts_with("Your ") || reply.starts_with("You ") || reply.starts_with("The ");
            let wrong_language = language != "en" && english;
            let liked = match (wrong_language, output["version"].as_str()) {
                (true, _) => 10,
                (false, _) if reply.contains("delve") || reply == "OK." => 40,
                (false, Some("prompt-v1-concise")) => 93,
                _ => 78,
            };
            let up = percentile("thumb", id) < liked;
            let comment = match (up, percentile("comments", id)) {
                (false, n) if wrong_language && n < 70 => Some(WRONG_LANGUAGE[n % 3]),
                (false, n) if n < 35 => Some(COMPLAINTS[n % 4]),
                _ => None,
            };
            let at = chrono::DateTime::parse_from_rfc3339(output["timestamp"].as_str()?)
                .ok()?
                .with_timezone(&Utc)
                + Duration::minutes(1);
            let mut record = json!({
                "id": format!("fb-{id}"),
                "external_id": id,
                "metric": "thumbs-up",
                "value": up,
                "user": output["user"].as_str().unwrap_or_default(),
                "at": at.min(Utc::now()),
            });
            if let Some(comment) = comment {
                record["comment"] = comment.into();
            }
            Some(record)
        })
        .collect()
}

/// Sends the feedback and records the A/B test that ran from five to three weeks ago.
pub async fn seed(pool: &PgPool, project_id: i64, owner: i64, traffic: &[Value]) -> Result<(), AppError> {
    for chunk in records(traffic).chunks(1000) {
        feedback::submit(pool, project_id, chunk.to_vec(), None)
            .await
            .map_err(|refused| AppError::Internal(format!("demo feedback refused: {refused:?}")))?;
    }
    let today = Utc::now().date_naive();
    let form = ExperimentForm {
        key: AB_TEST.into(),
        name: "Concise replies".into(),
        hypothesis: "Customers want the answer, not a paragraph: shorter replies earn more thumbs up.".into(),
        versions: "prompt-v1, prompt-v1-concise".into(),
        primary: "thumbs-up".into(),
        guardrails: "reply-length, reply-language".into(),
        baseline: "78%".into(),
        minimum_change: "10%".into(),
        started_on: String::new(),
        ..ExperimentForm::new()
    };
    // Created the day it started: planned from the traffic before it.
    let started = today - Duration::days(AB_STARTED_DAYS_AGO - 1);
    experiments::create(pool, project_id, &form, started, owner).await?;
    db::experiments::stop(
        pool,
        project_id,
        AB_TEST,
        today - Duration::days(AB_ENDED_DAYS_AGO),
    )
    .await
}
