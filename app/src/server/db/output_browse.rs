//! Reading stored outputs for people: the filtered list and one output with its conversation.

use super::database;
use crate::domain::output::Message;
use crate::domain::output_browse::{
    show_value, OutputDetail, OutputRow, ParsedOutputFilter, Turn, Verdict, PAGE,
};
use crate::error::AppError;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use sqlx::types::Json;
use sqlx::{PgPool, Postgres, QueryBuilder};

#[derive(sqlx::FromRow)]
struct ListRow {
    id: i64,
    occurred_at: DateTime<Utc>,
    version: String,
    source: String,
    conversation_id: Option<String>,
    turn_index: Option<i32>,
    excerpt: String,
    metadata: Json<Map<String, Value>>,
    passed: i64,
    failed: i64,
    errors: i64,
    pending: i64,
}

/// The SQL condition on score `s` for a verdict.
fn verdict_condition(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Pass => "s.passed AND s.error IS NULL",
        Verdict::Fail => "s.passed = false AND s.error IS NULL",
        Verdict::Error => "s.error IS NOT NULL",
        Verdict::Pending => "s.value IS NULL AND s.error IS NULL AND s.retry_at IS NOT NULL",
        Verdict::NotApplicable => "s.value IS NULL AND s.error IS NULL AND s.retry_at IS NULL",
    }
}

/// Pushes the project (after `WHERE o.project_id = `) and the filter's conditions.
fn push_filter(query: &mut QueryBuilder<Postgres>, project_id: i64, filter: &ParsedOutputFilter) {
    query.push_bind(project_id);
    if let Some(version) = &filter.version {
        query.push(" AND v.label = ").push_bind(version.clone());
    }
    if let Some(source) = &filter.source {
        query.push(" AND o.source = ").push_bind(source.clone());
    }
    if let Some((key, value)) = &filter.segment {
        query
            .push(" AND o.metadata ->> ")
            .push_bind(key.clone())
            .push(" = ")
            .push_bind(value.clone());
    }
    if let Some(before) = filter.before {
        query.push(" AND o.id < ").push_bind(before);
    }
    if filter.metric.is_some() || filter.verdict.is_some() {
        query.push(" AND EXISTS (SELECT 1 FROM scores s JOIN metrics m ON m.id = s.metric_id WHERE s.output_id = o.id");
        if let Some(metric) = &filter.metric {
            query.push(" AND m.key = ").push_bind(metric.clone());
        }
        if let Some(verdict) = filter.verdict {
            query.push(" AND ").push(verdict_condition(verdict));
        }
        query.push(")");
    }
}

/// The ids of up to `limit` outputs the filter picks (ignoring its page), newest first, leaving
/// out eval runs' answers (they are answers to dataset items already).
pub async fn ids(
    pool: &PgPool,
    project_id: i64,
    filter: &ParsedOutputFilter,
    limit: i64,
) -> Result<Vec<i64>, AppError> {
    let mut query: QueryBuilder<Postgres> = QueryBuilder::new(
        "SELECT o.id FROM outputs o JOIN system_versions v ON v.id = o.version_id WHERE o.project_id = ",
    );
    let whole = ParsedOutputFilter {
        before: None,
        ..filter.clone()
    };
    push_filter(&mut query, project_id, &whole);
    query.push(" AND o.run_id IS NULL");
    query.push(" ORDER BY o.id DESC LIMIT ").push_bind(limit);
    Ok(query.build_query_scalar().fetch_all(pool).await?)
}

/// A page of a project's outputs, newest first, and the id to continue from.
pub async fn list(
    pool: &PgPool,
    project_id: i64,
    filter: &ParsedOutputFilter,
) -> Result<(Vec<OutputRow>, Option<i64>), AppError> {
    let mut query: QueryBuilder<Postgres> = QueryBuilder::new(
        "SELECT o.id, o.occurred_at, v.label AS version, o.source, o.conversation_id, o.turn_index,
            left(o.output, 160) AS excerpt, o.metadata, c.passed, c.failed, c.errors, c.pending
         FROM outputs o JOIN system_versions v ON v.id = o.version_id
         CROSS JOIN LATERAL (SELECT
            count(*) FILTER (WHERE s.passed AND s.error IS NULL) AS passed,
            count(*) FILTER (WHERE s.passed = false AND s.error IS NULL) AS failed,
            count(*) FILTER (WHERE s.error IS NOT NULL) AS errors,
            count(*) FILTER (WHERE s.value IS NULL AND s.error IS NULL AND s.retry_at IS NOT NULL) AS pending
            FROM scores s WHERE s.output_id = o.id) c
         WHERE o.project_id = ",
    );
    push_filter(&mut query, project_id, filter);
    query.push(" ORDER BY o.id DESC LIMIT ").push_bind(PAGE + 1);
    let mut rows: Vec<ListRow> = query.build_query_as().fetch_all(pool).await?;
    let next = (rows.len() as i64 > PAGE).then(|| {
        rows.truncate(PAGE as usize);
        rows.last().map(|r| r.id)
    });
    let rows = rows
        .into_iter()
        .map(|r| OutputRow {
            id: r.id,
            occurred_at: r.occurred_at,
            version: r.version,
            source: r.source,
            conversation_id: r.conversation_id,
            turn_index: r.turn_index,
            excerpt: r.excerpt,
            segments: r
                .metadata
                .0
                .iter()
                .map(|(k, v)| format!("{k}={}", show_value(v)))
                .collect(),
            passed: r.passed,
            failed: r.failed,
            errors: r.errors,
            pending: r.pending,
        })
        .collect();
    Ok((rows, next.flatten()))
}

/// The version labels of a project, newest first.
pub async fn versions(pool: &PgPool, project_id: i64) -> Result<Vec<String>, AppError> {
    sqlx::query_scalar("SELECT label FROM system_versions WHERE project_id = $1 ORDER BY id DESC")
        .bind(project_id)
        .fetch_all(pool)
        .await
        .map_err(database)
}

#[derive(sqlx::FromRow)]
struct DetailRow {
    id: i64,
    version: String,
    model: Option<String>,
    source: String,
    external_id: Option<String>,
    conversation_id: Option<String>,
    turn_index: Option<i32>,
    input: Option<String>,
    messages: Option<Json<Vec<Message>>>,
    output: String,
    expected_output: Option<String>,
    metadata: Json<Map<String, Value>>,
    retrieved_ids: Vec<String>,
    relevant_ids: Vec<String>,
    relevance: Json<std::collections::BTreeMap<String, f64>>,
    latency_ms: Option<i32>,
    tokens_in: Option<i32>,
    tokens_out: Option<i32>,
    occurred_at: DateTime<Utc>,
    ingested_at: DateTime<Utc>,
}

/// One output of a project with its scores and the turns of its conversation.
pub async fn detail(pool: &PgPool, project_id: i64, id: i64) -> Result<OutputDetail, AppError> {
    let row: DetailRow = sqlx::query_as(
        "SELECT o.id, v.label AS version, v.model, o.source, o.external_id, o.conversation_id, o.turn_index, o.input,
            o.messages, o.output, o.expected_output, o.metadata, o.retrieved_ids, o.relevant_ids, o.relevance,
            o.latency_ms, o.tokens_in, o.tokens_out, o.occurred_at, o.ingested_at
         FROM outputs o JOIN system_versions v ON v.id = o.version_id WHERE o.project_id = $1 AND o.id = $2",
    )
    .bind(project_id)
    .bind(id)
    .fetch_optional(pool)
    .await?
    .ok_or_else(|| AppError::NotFound(format!("Output {id}")))?;
    let turns: Vec<Turn> = match &row.conversation_id {
        Some(conversation) => sqlx::query_as(
            "SELECT id, turn_index, left(output, 80) AS excerpt FROM outputs WHERE project_id = $1 AND conversation_id = $2
             ORDER BY turn_index NULLS LAST, id LIMIT 200",
        )
        .bind(project_id)
        .bind(conversation)
        .fetch_all(pool)
        .await?,
        None => Vec::new(),
    };
    let mut metadata: Vec<(String, String)> = row
        .metadata
        .0
        .iter()
        .map(|(k, v)| (k.clone(), show_value(v)))
        .collect();
    metadata.sort();
    Ok(OutputDetail {
        id: row.id,
        version: row.version,
        model: row.model,
        source: row.source,
        external_id: row.external_id,
        conversation_id: row.conversation_id,
        turn_index: row.turn_index,
        input: row.input,
        messages: row.messages.map(|m| m.0).unwrap_or_default(),
        output: row.output,
        expected_output: row.expected_output,
        metadata,
        retrieved_ids: row.retrieved_ids,
        relevant_ids: row.relevant_ids,
        relevance: row.relevance.0.into_iter().collect(),
        latency_ms: row.latency_ms,
        tokens_in: row.tokens_in,
        tokens_out: row.tokens_out,
        occurred_at: row.occurred_at,
        ingested_at: row.ingested_at,
        scores: super::scores::of_output(pool, id).await?,
        feedback: super::feedback::of_output(pool, project_id, id).await?,
        turns,
    })
}

#[cfg(test)]
mod tests;
