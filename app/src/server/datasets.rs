//! Dataset use cases: changing the content (each change writes the next version, under a lock
//! on the dataset), reading its health, and resolving eval-run outputs against the pinned
//! version at ingestion.

use super::db;
use crate::domain::dataset::edit::{self, Mode};
use crate::domain::dataset::health::{self, Facts, Thresholds};
use crate::domain::dataset::report::{Change, DuplicatePair, Health, RunComparison, RunMetric, RunView};
use crate::domain::dataset::{file, minhash, Dataset, Item, LineError};
use crate::domain::dataset::{run as runs, variants};
use crate::domain::output::{NewOutput, RecordError};
use crate::domain::stats::krippendorff::{self, Level};
use crate::domain::trends::Rate;
use crate::error::AppError;
use sqlx::{PgConnection, PgPool};
use std::collections::BTreeMap;

/// Items shown in an import preview.
pub const PREVIEW_ITEMS: usize = 20;
/// Most outputs added to a dataset at once.
pub const MAX_ADD: usize = 1_000;

/// Applies `incoming` to the dataset's latest version and, when `write`, stores the result as
/// the next version (a change that changes nothing writes none).
pub async fn change(
    pool: &PgPool,
    dataset: &Dataset,
    edit: Edit,
    note: &str,
    user: i64,
    write: bool,
) -> Result<Change, AppError> {
    let note = crate::domain::text::bounded("note", note, 0, 500)?;
    let mut tx = pool.begin().await?;
    let (latest, number) = db::datasets::lock_latest(&mut tx, dataset.id).await?;
    let current: Vec<Item> = match latest {
        Some(id) => db::datasets::items(&mut tx, id)
            .await?
            .into_iter()
            .map(|(_, i)| i)
            .collect(),
        None => Vec::new(),
    };
    // What to apply is decided under the lock, on the content as it is now.
    let mut already = 0;
    let (incoming, mode) = match edit {
        Edit::Apply(incoming, mode) => (incoming, mode),
        Edit::AddOutputs(items) => {
            let present: std::collections::HashSet<i64> =
                current.iter().filter_map(|i| i.output_id).collect();
            let (kept, fresh): (Vec<Item>, Vec<Item>) = items
                .into_iter()
                .partition(|i| i.output_id.is_some_and(|id| present.contains(&id)));
            already = kept.len();
            let fresh = fresh.into_iter().enumerate().map(|(n, i)| (n + 1, i)).collect();
            (fresh, Mode::Upsert)
        }
        Edit::Remove(id) => {
            if !current.iter().any(|i| i.id == id) {
                return Err(AppError::invalid(
                    "item",
                    format!("the latest version has no item '{id}'"),
                ));
            }
            let kept = current
                .iter()
                .filter(|i| i.id != id)
                .cloned()
                .enumerate()
                .map(|(n, i)| (n + 1, i))
                .collect();
            (kept, Mode::Replace)
        }
    };
    let sample = incoming
        .iter()
        .take(PREVIEW_ITEMS)
        .map(|(_, i)| i.clone())
        .collect();
    let foreign = foreign_outputs(pool, dataset.project_id, &incoming).await?;
    if !foreign.is_empty() {
        return Ok(Change {
            errors: foreign,
            sample,
            ..Change::default()
        });
    }
    let (next, mut counts) = match edit::apply(&current, incoming, mode) {
        Ok(applied) => applied,
        Err(errors) => {
            return Ok(Change {
                errors,
                sample,
                ..Change::default()
            })
        }
    };
    counts.unchanged += already;
    if next.len() > crate::domain::dataset::MAX_ITEMS {
        return Ok(Change {
            errors: vec![LineError {
                line: 0,
                field: "items".into(),
                message: format!(
                    "a dataset holds at most {} items",
                    crate::domain::dataset::MAX_ITEMS
                ),
            }],
            sample,
            ..Change::default()
        });
    }
    let version = if counts.is_empty() {
        None
    } else if write {
        let written = db::datasets::write_version(&mut tx, dataset.id, number, &next, &note, user).await?;
        tx.commit().await?;
        Some(written)
    } else {
        Some(number + 1)
    };
    Ok(Change {
        errors: Vec::new(),
        counts,
        items: next.len(),
        written: write && version.is_some(),
        version,
        sample,
    })
}

/// What a change does to the latest version.
pub enum Edit {
    /// Applies incoming items (each at its line) as the mode says.
    Apply(Vec<(usize, Item)>, Mode),
    /// Leaves out the item with this id.
    Remove(String),
    /// Adds items taken from outputs, but not those whose output is in the dataset already
    /// (counted as unchanged).
    AddOutputs(Vec<Item>),
}

/// The incoming items that name an output the project does not have, as line errors.
async fn foreign_outputs(
    pool: &PgPool,
    project_id: i64,
    incoming: &[(usize, Item)],
) -> Result<Vec<LineError>, AppError> {
    let named: Vec<i64> = incoming.iter().filter_map(|(_, i)| i.output_id).collect();
    if named.is_empty() {
        return Ok(Vec::new());
    }
    let known: std::collections::HashSet<i64> = db::datasets::known_outputs(pool, project_id, &named)
        .await?
        .into_iter()
        .collect();
    Ok(incoming
        .iter()
        .filter_map(|(line, i)| {
            i.output_id.filter(|id| !known.contains(id)).map(|id| LineError {
                line: *line,
                field: "output_id".into(),
                message: format!("the project has no output {id}"),
            })
        })
        .collect())
}

/// Reads a file and applies it (see [`change`]); a file that does not read is refused whole.
#[expect(
    clippy::too_many_arguments,
    reason = "the import form's fields, each named at the one call"
)]
pub async fn import(
    pool: &PgPool,
    dataset: &Dataset,
    file_name: &str,
    text: &str,
    mode: Mode,
    note: &str,
    user: i64,
    write: bool,
) -> Result<Change, AppError> {
    let format = file::Format::guess(file_name, text);
    match file::read_lines(text, format) {
        Ok(items) => change(pool, dataset, Edit::Apply(items, mode), note, user, write).await,
        Err(errors) => Ok(Change {
            errors,
            ..Change::default()
        }),
    }
}

/// Writes the next version without the item `item_id`.
pub async fn remove(pool: &PgPool, dataset: &Dataset, item_id: &str, user: i64) -> Result<Change, AppError> {
    let note = format!("item {item_id} removed");
    change(
        pool,
        dataset,
        Edit::Remove(item_id.trim().to_owned()),
        &note,
        user,
        true,
    )
    .await
}

/// Adds the project's outputs `ids` as items taken from production; outputs already in the
/// dataset are left as they are. Answers the change.
pub async fn add_outputs(
    pool: &PgPool,
    project_id: i64,
    dataset: &Dataset,
    ids: &[i64],
    user: i64,
) -> Result<Change, AppError> {
    if ids.is_empty() {
        return Err(AppError::invalid("outputs", "choose at least one output"));
    }
    if ids.len() > MAX_ADD {
        return Err(AppError::invalid(
            "outputs",
            format!("at most {MAX_ADD} outputs at once"),
        ));
    }
    let items = db::datasets::outputs_as_items(pool, project_id, ids).await?;
    if items.len() < ids.len() {
        let known = db::datasets::known_outputs(pool, project_id, ids).await?;
        if known.len() < ids.len() {
            return Err(AppError::NotFound("Some of these outputs".into()));
        }
        return Err(AppError::invalid(
            "outputs",
            "some of these outputs answer an eval run: they are answers to dataset items already",
        ));
    }
    let note = format!(
        "{} output{} added",
        items.len(),
        if items.len() == 1 { "" } else { "s" }
    );
    change(pool, dataset, Edit::AddOutputs(items), &note, user, true).await
}

/// Most near-duplicate pairs listed.
const MAX_PAIRS: usize = 200;

/// Reads the health of the dataset's latest version under `t`.
pub async fn health(
    pool: &PgPool,
    project_id: i64,
    dataset: &Dataset,
    t: Thresholds,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Health, AppError> {
    let mut connection = pool.acquire().await?;
    let items: Vec<Item> = match db::datasets::version_id(&mut connection, dataset.id, None).await? {
        Some((id, _)) => db::datasets::items(&mut connection, id)
            .await?
            .into_iter()
            .map(|(_, i)| i)
            .collect(),
        None => Vec::new(),
    };
    drop(connection);
    let balances = health::balances(&items);
    let texts: Vec<String> = items.iter().map(Item::prompt_text).collect();
    // Hashing thousands of items is CPU work: off the async workers.
    let (texts, pairs) = tokio::task::spawn_blocking(move || {
        let pairs = minhash::near_duplicates(&texts, t.near_duplicate);
        (texts, pairs)
    })
    .await
    .map_err(|e| AppError::internal("near-duplicates", e))?;
    let (production, segments) = db::datasets::production_segments(pool, project_id).await?;
    let coverage = health::coverage(&items, &segments, production, &t);
    let linked: Vec<i64> = items.iter().filter_map(|i| i.output_id).collect();
    let agreement = agreement(&db::datasets::ratings_of(pool, project_id, &linked).await?);
    let last = dataset
        .reviewed_at
        .map_or(dataset.changed_at, |r| r.max(dataset.changed_at));
    let idle_days = (now - last).num_days();
    let alphas: Vec<(String, Option<f64>)> = agreement
        .iter()
        .map(|(m, a)| (m.clone(), a.as_ref().ok().copied()))
        .collect();
    let warnings = health::warnings(
        &Facts {
            balances: &balances,
            duplicates: &pairs,
            coverage: &coverage,
            idle_days,
            agreement: &alphas,
        },
        &t,
    );
    Ok(Health {
        version: dataset.latest,
        items: items.len(),
        thresholds: t,
        warnings: warnings.iter().map(health::Warning::describe).collect(),
        balances,
        duplicates: pairs
            .iter()
            .take(MAX_PAIRS)
            .map(|p| DuplicatePair {
                first: items[p.first].id.clone(),
                first_text: texts[p.first].clone(),
                second: items[p.second].id.clone(),
                second_text: texts[p.second].clone(),
                jaccard: p.jaccard,
                exact: p.exact,
            })
            .collect(),
        coverage,
        production,
        agreement,
        idle_days,
        reviewed_at: dataset.reviewed_at,
        reviewed_by: dataset.reviewed_by.clone(),
        changed_at: dataset.changed_at,
    })
}

/// Krippendorff's alpha per metric over outputs rated by at least two annotators: nominal for
/// pass/fail ratings (0 and 1 only), ordinal for scales.
fn agreement(ratings: &[db::datasets::UnitRating]) -> Vec<(String, Result<f64, String>)> {
    let mut units: BTreeMap<&str, BTreeMap<i64, Vec<f64>>> = BTreeMap::new();
    for rating in ratings {
        units
            .entry(&rating.metric)
            .or_default()
            .entry(rating.output_id)
            .or_default()
            .push(rating.value);
    }
    units
        .into_iter()
        .filter_map(|(metric, by_output)| {
            let units: Vec<Vec<f64>> = by_output.into_values().filter(|v| v.len() >= 2).collect();
            if units.is_empty() {
                return None;
            }
            let binary = units.iter().flatten().all(|v| *v == 0.0 || *v == 1.0);
            let level = if binary { Level::Nominal } else { Level::Ordinal };
            let alpha = krippendorff::alpha(&units, level).map_err(|why| why.to_string());
            Some((metric.to_owned(), alpha))
        })
        .collect()
}

/// A run as its page shows it.
pub async fn run_view(pool: &PgPool, project_id: i64, name: &str) -> Result<RunView, AppError> {
    let info = db::eval_runs::find(pool, project_id, name).await?;
    let results = db::eval_runs::results(pool, info.id).await?;
    let metrics = runs::metrics(&results)
        .into_iter()
        .map(|metric| RunMetric {
            rate: Rate::of(runs::pass_rate(&results, &metric)),
            by_tag: runs::by_tag(&results, &metric),
            sensitivity: variants::sensitivity(&results, &metric),
            metric,
        })
        .collect();
    let peers = db::eval_runs::list(pool, project_id)
        .await?
        .into_iter()
        .filter(|r| r.version_id == info.version_id && r.id != info.id)
        .map(|r| r.name)
        .collect();
    Ok(RunView {
        run: info,
        metrics,
        results,
        peers,
    })
}

/// Run `second` against run `first`, item by item; both must be on one dataset version.
pub async fn compare_runs(
    pool: &PgPool,
    project_id: i64,
    first: &str,
    second: &str,
) -> Result<RunComparison, AppError> {
    let a = db::eval_runs::find(pool, project_id, first).await?;
    let b = db::eval_runs::find(pool, project_id, second).await?;
    if a.version_id != b.version_id {
        return Err(AppError::invalid(
            "second",
            format!(
                "'{}' ran on {} v{} and '{}' on {} v{}: only runs on the same version pair item by item",
                a.name, a.dataset, a.version, b.name, b.dataset, b.version
            ),
        ));
    }
    let metrics = runs::compare(
        &db::eval_runs::results(pool, a.id).await?,
        &db::eval_runs::results(pool, b.id).await?,
    );
    Ok(RunComparison {
        first: a,
        second: b,
        metrics,
    })
}

/// Resolves the batch's eval-run outputs against the project: the dataset version and item
/// each names, and its run (created, pinned to that version, by its first output). An output
/// takes what it leaves out from its item: the input or conversation, the expected output (or
/// else the expected label), and the item's language and topic as metadata. Every problem is
/// named by record index and field.
pub async fn resolve_eval(
    connection: &mut PgConnection,
    project_id: i64,
    mut batch: Vec<NewOutput>,
) -> Result<Result<Vec<NewOutput>, Vec<RecordError>>, AppError> {
    let mut errors = Vec::new();
    let fail = |errors: &mut Vec<RecordError>, index: usize, field: &str, message: String| {
        errors.push(RecordError {
            index,
            field: field.into(),
            message,
        })
    };
    // Batches naming the same run take turns (in name order, so two batches never wait on
    // each other): an item answered by one is seen answered by the next.
    let mut names: Vec<String> = batch
        .iter()
        .filter_map(|o| o.eval.as_ref().map(|e| e.run.clone()))
        .collect();
    names.sort();
    names.dedup();
    db::eval_runs::lock(connection, project_id, &names).await?;
    let mut versions: BTreeMap<(String, i32), Option<i64>> = BTreeMap::new();
    let mut runs: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    let mut seen: BTreeMap<(i64, i64), usize> = BTreeMap::new();
    for (index, output) in batch.iter_mut().enumerate() {
        let Some(eval) = output.eval.clone() else {
            continue;
        };
        let key = (eval.dataset.clone(), eval.version);
        let version = match versions.get(&key) {
            Some(v) => *v,
            None => {
                let v =
                    db::eval_runs::version_of(connection, project_id, &eval.dataset, eval.version).await?;
                versions.insert(key, v);
                v
            }
        };
        let Some(version_id) = version else {
            if db::eval_runs::dataset_exists(connection, project_id, &eval.dataset).await? {
                fail(
                    &mut errors,
                    index,
                    "dataset_version",
                    format!("dataset '{}' has no version {}", eval.dataset, eval.version),
                );
            } else {
                fail(
                    &mut errors,
                    index,
                    "dataset",
                    format!("the project has no dataset '{}'", eval.dataset),
                );
            }
            continue;
        };
        let items =
            db::eval_runs::items_by_key(connection, version_id, std::slice::from_ref(&eval.item_id)).await?;
        let Some((item_id, item)) = items.get(&eval.item_id).cloned() else {
            fail(
                &mut errors,
                index,
                "item_id",
                format!(
                    "version {} of '{}' has no item '{}'",
                    eval.version, eval.dataset, eval.item_id
                ),
            );
            continue;
        };
        let (run_id, pinned) = match runs.get(&eval.run) {
            Some(run) => *run,
            None => {
                let run =
                    db::eval_runs::find_or_create(connection, project_id, &eval.run, version_id).await?;
                runs.insert(eval.run.clone(), run);
                run
            }
        };
        if pinned != version_id {
            fail(
                &mut errors,
                index,
                "run",
                format!(
                    "run '{}' is on another dataset version; name a new run for this one",
                    eval.run
                ),
            );
            continue;
        }
        if let Some(first) = seen.insert((run_id, item_id), index) {
            fail(
                &mut errors,
                index,
                "item_id",
                format!(
                    "record {first} of this batch already answers '{}' in run '{}'",
                    eval.item_id, eval.run
                ),
            );
            continue;
        }
        let answered = db::eval_runs::answered(connection, run_id, &[item_id]).await?;
        if let Some(external) = answered.get(&item_id) {
            // The same output sent again is a duplicate, not a second answer.
            if external.is_none() || *external != output.external_id {
                fail(
                    &mut errors,
                    index,
                    "item_id",
                    format!("run '{}' already has an output for '{}'", eval.run, eval.item_id),
                );
                continue;
            }
        }
        if output.input.is_none() && output.messages.is_none() {
            output.input = item.input.clone();
            output.messages = item.messages.clone();
        }
        if output.expected_output.is_none() {
            output.expected_output = item.expected_output.clone().or(item.expected_label.clone());
        }
        for (key, value) in [("language", &item.tags.language), ("topic", &item.tags.topic)] {
            if let Some(value) = value {
                output
                    .metadata
                    .entry(key)
                    .or_insert_with(|| serde_json::Value::String(value.clone()));
            }
        }
        if let Some(eval) = output.eval.as_mut() {
            eval.ids = Some((run_id, item_id));
        }
    }
    Ok(if errors.is_empty() { Ok(batch) } else { Err(errors) })
}

#[cfg(test)]
mod tests;
