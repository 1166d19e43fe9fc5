//! Storing outputs: versions on first sight, outputs in bulk (idempotent by external id) and
//! their scores, all in one transaction.

use super::database;
use crate::domain::output::NewOutput;
use crate::error::AppError;
use crate::server::scoring::active::{scorer_version, ActiveScorer, ScoreRow};
use crate::server::scoring::ScoringInput;
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

/// Stores a validated batch and scores the new outputs with `scorers`, atomically.
pub async fn ingest(
    connection: &mut PgConnection,
    project_id: i64,
    batch: &[NewOutput],
    scorers: &[ActiveScorer],
) -> Result<Ingested, AppError> {
    let versions = upsert_versions(connection, project_id, batch).await?;
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT nextval(pg_get_serial_sequence('outputs', 'id')) FROM generate_series(1, $1)",
    )
    .bind(batch.len() as i64)
    .fetch_all(&mut *connection)
    .await
    .map_err(database)?;
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
    .await
    .map_err(database)?
    .into_iter()
    .collect();

    let mut outputs = Vec::with_capacity(batch.len());
    let mut rows: Vec<(i64, ScoreRow)> = Vec::new();
    for (index, (output, id)) in batch.iter().zip(&ids).enumerate() {
        if inserted.contains(id) {
            let users = output.user_messages();
            let input = ScoringInput::of(output, &users);
            rows.extend(
                scorers
                    .iter()
                    .filter_map(|s| s.score(&input))
                    .map(|row| (*id, row)),
            );
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
    insert_scores(connection, &rows).await?;
    let accepted = inserted.len();
    Ok(Ingested {
        accepted,
        duplicates: batch.len() - accepted,
        scores: rows.len(),
        outputs,
    })
}

async fn upsert_versions(
    connection: &mut PgConnection,
    project_id: i64,
    batch: &[NewOutput],
) -> Result<HashMap<String, i64>, AppError> {
    let mut versions = HashMap::new();
    for output in batch {
        if versions.contains_key(&output.version) {
            continue;
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
        .await
        .map_err(database)?;
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
            output, expected_output, source, metadata, retrieved_ids, relevant_ids, latency_ms, tokens_in, tokens_out, occurred_at)
         OVERRIDING SYSTEM VALUE
         SELECT t.id, $1, t.version_id, t.external_id, t.conversation_id, t.turn_index, t.input, NULLIF(t.messages, 'null'::jsonb),
            t.output, t.expected_output, t.source, t.metadata,
            ARRAY(SELECT jsonb_array_elements_text(t.retrieved)), ARRAY(SELECT jsonb_array_elements_text(t.relevant)),
            t.latency_ms, t.tokens_in, t.tokens_out, t.occurred_at
         FROM UNNEST($2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::int[], $7::text[], $8::jsonb[], $9::text[],
            $10::text[], $11::text[], $12::jsonb[], $13::jsonb[], $14::jsonb[], $15::int[], $16::int[], $17::int[], $18::timestamptz[])
            AS t(id, version_id, external_id, conversation_id, turn_index, input, messages, output, expected_output, source,
                 metadata, retrieved, relevant, latency_ms, tokens_in, tokens_out, occurred_at)
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
    .fetch_all(&mut *connection)
    .await
    .map_err(database)
}

async fn insert_scores(connection: &mut PgConnection, rows: &[(i64, ScoreRow)]) -> Result<(), AppError> {
    if rows.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO scores (output_id, metric_id, value, passed, rationale, error, scorer_version)
         SELECT t.output_id, t.metric_id, t.value, t.passed, t.rationale, t.error, $7
         FROM UNNEST($1::bigint[], $2::bigint[], $3::float8[], $4::bool[], $5::text[], $6::text[])
            AS t(output_id, metric_id, value, passed, rationale, error)",
    )
    .bind(rows.iter().map(|(id, _)| *id).collect::<Vec<_>>())
    .bind(rows.iter().map(|(_, r)| r.metric_id).collect::<Vec<_>>())
    .bind(rows.iter().map(|(_, r)| r.value).collect::<Vec<_>>())
    .bind(rows.iter().map(|(_, r)| r.passed).collect::<Vec<_>>())
    .bind(rows.iter().map(|(_, r)| r.rationale.clone()).collect::<Vec<_>>())
    .bind(rows.iter().map(|(_, r)| r.error.clone()).collect::<Vec<_>>())
    .bind(scorer_version())
    .execute(&mut *connection)
    .await
    .map_err(database)?;
    Ok(())
}
