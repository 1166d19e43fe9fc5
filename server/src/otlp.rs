//! OpenTelemetry traces in: GenAI spans become outputs (scored by every active metric, as
//! through the ingestion API) and their `gen_ai.evaluation.result` events become scores of the
//! project's external metrics. [`wire`] reads and answers OTLP/HTTP, [`mapping`] (with
//! [`messages`] and [`attributes`]) turns spans into output records; [`receive`] stores them.

pub mod attributes;
pub mod fixtures;
pub mod mapping;
pub mod messages;
pub mod wire;

#[cfg(test)]
mod tests;

use app::domain::metric::kinds::Status;
use app::domain::metric::MetricView;
use app::domain::otlp::BatchReport;
use app::domain::output;
use app::domain::score_row::ScoreRow;
use app::error::AppError;
use app::server::state::AppState;
use app::server::{db, idempotent, ingest};
use mapping::{Evaluation, MappedSpan};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use std::collections::HashMap;

/// Longest explanation kept with a reported score.
const MAX_EXPLANATION: usize = 2_000;

/// Maps, validates and stores a request's spans in the project; answers what became of them
/// (also recorded for the mapping page). Invalid GenAI spans are refused one by one; the valid
/// ones are stored in one transaction.
pub async fn receive(
    state: &AppState,
    project_id: i64,
    request: &ExportTraceServiceRequest,
    encoding: wire::Encoding,
) -> Result<BatchReport, AppError> {
    let pool = &state.pool;
    let mapping = db::otlp::mapping(pool, project_id).await?;
    let mapped = mapping::map(request, &mapping);
    let mut report = mapped.report;
    let external = external_metrics(pool, project_id).await?;
    let now = chrono::Utc::now();
    let mut batch = Vec::new();
    let mut reported = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for MappedSpan {
        span_id,
        record,
        evaluations,
    } in mapped.spans
    {
        if !seen.insert(span_id.clone()) {
            report.reject(format!("span {span_id}: sent twice in this request"));
            continue;
        }
        match output::validate(vec![record], now) {
            Ok(mut valid) => {
                batch.append(&mut valid);
                reported.push(scores(&external, evaluations, &mut report));
            }
            Err(problems) => {
                let said: Vec<String> = problems
                    .iter()
                    .map(|p| format!("{} {}", p.field, p.message))
                    .collect();
                report.reject(format!("span {span_id}: {}", said.join("; ")));
            }
        }
    }
    if !batch.is_empty() {
        for rows in chunks(batch, reported) {
            let (part, part_reported) = rows;
            let answer = ingest::store(
                pool,
                &state.scorers,
                project_id,
                part,
                part_reported.clone(),
                None,
            )
            .await
            .map_err(|refused| match refused {
                idempotent::Refused::App(error) => error,
                idempotent::Refused::Records(records) => AppError::invalid(
                    "spans",
                    records
                        .iter()
                        .map(|r| format!("{} {}", r.field, r.message))
                        .collect::<Vec<_>>()
                        .join("; "),
                ),
            })?;
            count_stored(&mut report, &answer.body, &part_reported);
        }
        state.alerting.wake.notify_one();
    }
    db::otlp::record(pool, project_id, encoding.name(), &report).await?;
    Ok(report)
}

/// The batch cut to the ingestion API's largest batch, each part with its reported scores.
fn chunks(
    batch: Vec<output::NewOutput>,
    reported: Vec<Vec<ScoreRow>>,
) -> Vec<(Vec<output::NewOutput>, Vec<Vec<ScoreRow>>)> {
    let mut parts = Vec::new();
    let mut outputs = batch.into_iter().peekable();
    let mut rows = reported.into_iter();
    while outputs.peek().is_some() {
        let part: Vec<_> = outputs.by_ref().take(output::MAX_BATCH).collect();
        let part_rows: Vec<_> = rows.by_ref().take(part.len()).collect();
        parts.push((part, part_rows));
    }
    parts
}

/// Counts new outputs, re-sent ones and the evaluations stored with the new ones.
fn count_stored(report: &mut BatchReport, body: &serde_json::Value, reported: &[Vec<ScoreRow>]) {
    let Some(outputs) = body.get("outputs").and_then(|o| o.as_array()) else {
        return;
    };
    for (stored, rows) in outputs.iter().zip(reported) {
        if stored.get("duplicate").and_then(|d| d.as_bool()) == Some(true) {
            report.duplicates += 1;
        } else {
            report.outputs += 1;
            report.evaluations += rows.len() as u32;
        }
    }
}

/// The project's active external metrics by key.
async fn external_metrics(
    pool: &sqlx::PgPool,
    project_id: i64,
) -> Result<HashMap<String, MetricView>, AppError> {
    let filter = app::domain::metric::filter::ParsedFilter {
        status: Some(Status::Active),
        ..Default::default()
    };
    Ok(db::metrics::list(pool, Some(project_id), &filter)
        .await?
        .into_iter()
        .filter(|m| m.definition.scorer.kind() == "external")
        .map(|m| (m.definition.key.clone(), m))
        .collect())
}

/// The score rows of a span's evaluations; the ones no external metric takes are counted as
/// ignored by reason.
pub fn scores(
    external: &HashMap<String, MetricView>,
    evaluations: Vec<Evaluation>,
    report: &mut BatchReport,
) -> Vec<ScoreRow> {
    let mut rows: Vec<ScoreRow> = Vec::new();
    for evaluation in evaluations {
        if evaluation.name.is_empty() {
            report.ignore("evaluation without gen_ai.evaluation.name");
            continue;
        }
        let Some(metric) = external.get(&evaluation.name) else {
            report.ignore(format!(
                "evaluation '{}': no active external metric with this key",
                evaluation.name
            ));
            continue;
        };
        if rows.iter().any(|row| row.metric_id == metric.id) {
            report.ignore(format!(
                "evaluation '{}': repeated on one span (first kept)",
                evaluation.name
            ));
            continue;
        }
        let label_passes = evaluation
            .label
            .as_deref()
            .and_then(|label| metric.definition.scorer.label_passes(label));
        let (value, passed) = match (evaluation.value, label_passes) {
            (Some(value), _) => (value, metric.definition.pass_rule.passes(value)),
            (None, Some(passes)) => (if passes { 1.0 } else { 0.0 }, passes),
            (None, None) => {
                report.ignore(format!(
                    "evaluation '{}': neither a score value nor a label",
                    evaluation.name
                ));
                continue;
            }
        };
        let mut rationale = String::new();
        if let Some(label) = &evaluation.label {
            rationale.push_str(&format!("label '{label}'"));
        }
        if let Some(explanation) = &evaluation.explanation {
            if !rationale.is_empty() {
                rationale.push_str(": ");
            }
            rationale.extend(explanation.chars().take(MAX_EXPLANATION));
        }
        rows.push(ScoreRow {
            metric_id: metric.id,
            value: Some(value),
            passed: Some(passed),
            rationale,
            error: None,
            retry: None,
        });
    }
    rows
}
