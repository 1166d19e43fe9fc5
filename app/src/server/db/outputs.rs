//! Storing outputs: versions on first sight, outputs in bulk (idempotent by external id) and
//! their scores, all in one transaction.

use super::database;
use super::scores::ScoreChange;
use crate::domain::output::NewOutput;
use crate::domain::score_row::{ScoreRow, BUILTIN_SCORER_VERSION};
use crate::error::AppError;
use serde::Serialize;
use sqlx::PgConnection;
use std::collections::HashMap;

/// What became of one record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stored {
    pub index: usize,
    pub id: i64,
    /// Already stored under the same external id; nothing was written.
    pub duplicate: bool,
}

/// The outcome of a batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ingested {
    pub accepted: usize,
    pub duplicates: usize,
    pub scores: usize,
    pub outputs: Vec<Stored>,
}

/// Stores a validated batch; `score(index, output)` gives the scores of each new output (a
/// duplicate is not scored again).
pub async fn ingest(
    connection: &mut PgConnection,
    project_id: i64,
    batch: &[NewOutput],
    mut score: impl FnMut(usize, &NewOutput) -> Vec<ScoreRow>,
) -> Result<Ingested, AppError> {
    let versions = upsert_versions(connection, project_id, batch).await?;
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT nextval(pg_get_serial_sequence('outputs', 'id')) FROM generate_series(1, $1)",
    )
    .bind(batch.len() as i64)
    .fetch_all(&mut *connection)
    .await?;
    let inserted: Vec<i64> = insert_outputs(connection, project_id, batch, &ids, &versions).await?;
    let inserted: std::collections::HashSet<i64> = inserted.into_iter().collect();

    let duplicate_ids: Vec<String> = batch
        .iter()
        .zip(&ids)
        .filter(|(_, id)| !inserted.contains(id))
        .filter_map(|(o, _)| o.external_id.clone())
        .collect();
    let existing: HashMap<String, i64> = sqlx::query_as::<_, (String, i64)>(
        "SELECT external_id, id FROM outputs WHERE project_id = $1 AND external_id = ANY($2)",
    )
    .bind(project_id)
    .bind(&duplicate_ids)
    .fetch_all(&mut *connection)
    .await?
    .into_iter()
    .collect();

    let mut outputs = Vec::with_capacity(batch.len());
    let mut rows: Vec<(i64, ScoreRow)> = Vec::new();
    for (index, (output, id)) in batch.iter().zip(&ids).enumerate() {
        if inserted.contains(id) {
            rows.extend(score(index, output).into_iter().map(|row| (*id, row)));
            outputs.push(Stored {
                index,
                id: *id,
                duplicate: false,
            });
        } else {
            let existing_id = output
                .external_id
                .as_ref()
                .and_then(|e| existing.get(e))
                .copied()
                .unwrap_or_default();
            outputs.push(Stored {
                index,
                id: existing_id,
                duplicate: true,
            });
        }
    }
    let version = BUILTIN_SCORER_VERSION;
    super::scores::apply(connection, ScoreChange::Insert { rows: &rows, version }).await?;
    let accepted = inserted.len();
    Ok(Ingested {
        accepted,
        duplicates: batch.len() - accepted,
        scores: rows.len(),
        outputs,
    })
}

/// The id of every version the batch names, created on first sight. A version whose model,
/// prompt hash and notes the batch leaves unset or repeats is only read: writing it would lock
/// its row until the batch commits and make every concurrent batch of that version wait.
async fn upsert_versions(
    connection: &mut PgConnection,
    project_id: i64,
    batch: &[NewOutput],
) -> Result<HashMap<String, i64>, AppError> {
    let mut first: Vec<&NewOutput> = Vec::new();
    for output in batch {
        if !first.iter().any(|o| o.version == output.version) {
            first.push(output);
        }
    }
    let labels: Vec<&str> = first.iter().map(|o| o.version.as_str()).collect();
    type Known = (i64, String, Option<String>, Option<String>, Option<String>);
    let known: Vec<Known> = sqlx::query_as(
        "SELECT id, label, model, prompt_hash, notes FROM system_versions WHERE project_id = $1 AND label = ANY($2)",
    )
    .bind(project_id)
    .bind(&labels)
    .fetch_all(&mut *connection)
    .await?;
    let mut versions = HashMap::new();
    for output in first {
        let unchanged = |given: &Option<String>, stored: &Option<String>| given.is_none() || given == stored;
        let stored = known.iter().find(|(_, label, ..)| *label == output.version);
        if let Some((id, _, model, prompt_hash, notes)) = stored {
            if unchanged(&output.model, model)
                && unchanged(&output.prompt_hash, prompt_hash)
                && unchanged(&output.version_notes, notes)
            {
                versions.insert(output.version.clone(), *id);
                continue;
            }
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO system_versions (project_id, label, model, prompt_hash, notes) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (project_id, label) DO UPDATE SET
                model = COALESCE(EXCLUDED.model, system_versions.model),
                prompt_hash = COALESCE(EXCLUDED.prompt_hash, system_versions.prompt_hash),
                notes = COALESCE(EXCLUDED.notes, system_versions.notes)
             RETURNING id",
        )
        .bind(project_id)
        .bind(&output.version)
        .bind(&output.model)
        .bind(&output.prompt_hash)
        .bind(&output.version_notes)
        .fetch_one(&mut *connection)
        .await?;
        versions.insert(output.version.clone(), id);
    }
    Ok(versions)
}

async fn insert_outputs(
    connection: &mut PgConnection,
    project_id: i64,
    batch: &[NewOutput],
    ids: &[i64],
    versions: &HashMap<String, i64>,
) -> Result<Vec<i64>, AppError> {
    let column = |f: fn(&NewOutput) -> Option<String>| batch.iter().map(f).collect::<Vec<_>>();
    let number = |f: fn(&NewOutput) -> Option<i32>| batch.iter().map(f).collect::<Vec<_>>();
    let json = |f: fn(&NewOutput) -> serde_json::Value| batch.iter().map(f).collect::<Vec<_>>();
    sqlx::query_scalar(
        "INSERT INTO outputs (id, project_id, version_id, external_id, conversation_id, turn_index, input, messages,
            output, expected_output, source, metadata, retrieved_ids, relevant_ids, latency_ms, tokens_in, tokens_out, occurred_at,
            relevance, run_id, dataset_item_id, end_user)
         OVERRIDING SYSTEM VALUE
         SELECT t.id, $1, t.version_id, t.external_id, t.conversation_id, t.turn_index, t.input, NULLIF(t.messages, 'null'::jsonb),
            t.output, t.expected_output, t.source, t.metadata,
            ARRAY(SELECT jsonb_array_elements_text(t.retrieved)), ARRAY(SELECT jsonb_array_elements_text(t.relevant)),
            t.latency_ms, t.tokens_in, t.tokens_out, t.occurred_at, t.relevance, t.run_id, t.item_id, t.end_user
         FROM UNNEST($2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::int[], $7::text[], $8::jsonb[], $9::text[],
            $10::text[], $11::text[], $12::jsonb[], $13::jsonb[], $14::jsonb[], $15::int[], $16::int[], $17::int[], $18::timestamptz[],
            $19::jsonb[], $20::bigint[], $21::bigint[], $22::text[])
            AS t(id, version_id, external_id, conversation_id, turn_index, input, messages, output, expected_output, source,
                 metadata, retrieved, relevant, latency_ms, tokens_in, tokens_out, occurred_at, relevance, run_id, item_id, end_user)
         ON CONFLICT (project_id, external_id) DO NOTHING
         RETURNING id",
    )
    .bind(project_id)
    .bind(ids)
    .bind(batch.iter().map(|o| versions[&o.version]).collect::<Vec<i64>>())
    .bind(column(|o| o.external_id.clone()))
    .bind(column(|o| o.conversation_id.clone()))
    .bind(number(|o| o.turn_index))
    .bind(column(|o| o.input.clone()))
    .bind(json(|o| serde_json::to_value(&o.messages).unwrap_or_default()))
    .bind(batch.iter().map(|o| o.output.clone()).collect::<Vec<String>>())
    .bind(column(|o| o.expected_output.clone()))
    .bind(batch.iter().map(|o| o.source.clone()).collect::<Vec<String>>())
    .bind(json(|o| serde_json::Value::Object(o.metadata.clone())))
    .bind(json(|o| serde_json::json!(o.retrieved_ids)))
    .bind(json(|o| serde_json::json!(o.relevant_ids)))
    .bind(number(|o| o.latency_ms))
    .bind(number(|o| o.tokens_in))
    .bind(number(|o| o.tokens_out))
    .bind(batch.iter().map(|o| o.occurred_at).collect::<Vec<_>>())
    .bind(json(|o| serde_json::json!(o.relevance)))
    .bind(batch.iter().map(|o| o.eval.as_ref().and_then(|e| e.ids).map(|(run, _)| run)).collect::<Vec<_>>())
    .bind(batch.iter().map(|o| o.eval.as_ref().and_then(|e| e.ids).map(|(_, item)| item)).collect::<Vec<_>>())
    .bind(column(|o| o.user.clone()))
    .fetch_all(&mut *connection)
    .await
    .map_err(database)
}

/// Stored outputs as the scorers see them, by id.
#[derive(sqlx::FromRow)]
struct ScoringRow {
    id: i64,
    label: String,
    conversation_id: Option<String>,
    turn_index: Option<i32>,
    end_user: Option<String>,
    input: Option<String>,
    messages: Option<sqlx::types::Json<Vec<crate::domain::output::Message>>>,
    output: String,
    expected_output: Option<String>,
    source: String,
    metadata: sqlx::types::Json<serde_json::Map<String, serde_json::Value>>,
    retrieved_ids: Vec<String>,
    relevant_ids: Vec<String>,
    relevance: sqlx::types::Json<std::collections::BTreeMap<String, f64>>,
    latency_ms: Option<i32>,
    tokens_in: Option<i32>,
    tokens_out: Option<i32>,
    occurred_at: chrono::DateTime<chrono::Utc>,
    external_id: Option<String>,
}

impl ScoringRow {
    fn into_output(self) -> (i64, NewOutput) {
        (
            self.id,
            NewOutput {
                version: self.label,
                model: None,
                prompt_hash: None,
                version_notes: None,
                conversation_id: self.conversation_id,
                turn_index: self.turn_index,
                user: self.end_user,
                input: self.input,
                messages: self.messages.map(|m| m.0),
                output: self.output,
                expected_output: self.expected_output,
                source: self.source,
                metadata: self.metadata.0,
                retrieved_ids: self.retrieved_ids,
                relevant_ids: self.relevant_ids,
                relevance: self.relevance.0,
                latency_ms: self.latency_ms,
                tokens_in: self.tokens_in,
                tokens_out: self.tokens_out,
                occurred_at: self.occurred_at,
                external_id: self.external_id,
                eval: None,
            },
        )
    }
}

const SCORING_COLUMNS: &str =
    "o.id, v.label, o.conversation_id, o.turn_index, o.end_user, o.input, o.messages, o.output,
    o.expected_output, o.source, o.metadata, o.retrieved_ids, o.relevant_ids, o.relevance, o.latency_ms,
    o.tokens_in, o.tokens_out, o.occurred_at, o.external_id";

/// The outputs of a project in a time range after output id `after`, oldest id first.
pub async fn range_for_scoring(
    pool: &sqlx::PgPool,
    project_id: i64,
    (from, to): (chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>),
    after: i64,
    limit: i64,
) -> Result<Vec<(i64, NewOutput)>, AppError> {
    let rows: Vec<ScoringRow> = sqlx::query_as(&format!(
        "SELECT {SCORING_COLUMNS} FROM outputs o JOIN system_versions v ON v.id = o.version_id
         WHERE o.project_id = $1 AND o.occurred_at BETWEEN $2 AND $3 AND o.id > $4
         ORDER BY o.id LIMIT $5"
    ))
    .bind(project_id)
    .bind(from)
    .bind(to)
    .bind(after)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(ScoringRow::into_output).collect())
}

/// Outputs by id, as the scorers see them.
pub async fn by_ids_for_scoring(pool: &sqlx::PgPool, ids: &[i64]) -> Result<Vec<(i64, NewOutput)>, AppError> {
    let rows: Vec<ScoringRow> = sqlx::query_as(&format!(
        "SELECT {SCORING_COLUMNS} FROM outputs o JOIN system_versions v ON v.id = o.version_id
         WHERE o.id = ANY($1) ORDER BY o.id"
    ))
    .bind(ids)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(ScoringRow::into_output).collect())
}

#[cfg(test)]
mod tests;
