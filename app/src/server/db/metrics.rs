//! Metrics of a project: definitions, lifecycle and the queries behind the list and the queue.

use super::{database, map_unique, metric_history};
use crate::domain::actor::Actor;
use crate::domain::metric::filter::ParsedFilter;
use crate::domain::metric::kinds::{Cadence, Category, Direction, FailureAction, Paradigm, Stage, Status};
use crate::domain::metric::scorer::{PassRule, ScorerSpec};
use crate::domain::metric::{MetricDefinition, MetricView};
use crate::domain::money::Money;
use crate::error::AppError;
use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder};

/// Every column of a metric (read by name into [`MetricRow`]) with its project and owner.
const SELECT: &str = "SELECT m.*, p.slug AS project_slug, u.username AS owner, u.display_name AS owner_name
    FROM metrics m JOIN projects p ON p.id = m.project_id JOIN users u ON u.id = m.owner_id";

#[derive(sqlx::FromRow)]
struct MetricRow {
    id: i64,
    project_slug: String,
    key: String,
    name: String,
    description: String,
    question: String,
    paradigm: Paradigm,
    category: Category,
    cadence: Cadence,
    action_on_failure: FailureAction,
    scorer: serde_json::Value,
    threshold: f64,
    direction: Direction,
    stage: Stage,
    owner: String,
    owner_name: String,
    cost_per_failure: i64,
    cost_per_evaluation: i64,
    review_date: chrono::NaiveDate,
    retirement_date: Option<chrono::NaiveDate>,
    tags: Vec<String>,
    status: Status,
    status_reason: String,
    created_at: chrono::DateTime<chrono::Utc>,
    updated_at: chrono::DateTime<chrono::Utc>,
}

impl MetricRow {
    fn into_view(self) -> Result<MetricView, AppError> {
        // Stored enums decode as themselves (`choice!`); only the scorer JSON is parsed here.
        let scorer: ScorerSpec =
            serde_json::from_value(self.scorer).map_err(|e| AppError::internal("stored scorer", e))?;
        Ok(MetricView {
            id: self.id,
            project_slug: self.project_slug,
            definition: MetricDefinition {
                key: self.key,
                name: self.name,
                description: self.description,
                question: self.question,
                paradigm: self.paradigm,
                category: self.category,
                cadence: self.cadence,
                action_on_failure: self.action_on_failure,
                scorer,
                pass_rule: PassRule {
                    threshold: self.threshold,
                    direction: self.direction,
                },
                stage: self.stage,
                owner: self.owner,
                cost_per_failure: Money::from_micros(self.cost_per_failure),
                cost_per_evaluation: Money::from_micros(self.cost_per_evaluation),
                review_date: self.review_date,
                retirement_date: self.retirement_date,
                tags: self.tags,
            },
            owner_name: self.owner_name,
            status: self.status,
            status_reason: self.status_reason,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// The id of `username`, for the owner field: an active member of the project, or an admin.
async fn owner_id(connection: &mut PgConnection, project_id: i64, username: &str) -> Result<i64, AppError> {
    sqlx::query_scalar(
        "SELECT u.id FROM users u WHERE u.username = $1 AND u.active AND (u.role = 'admin' OR EXISTS
            (SELECT 1 FROM project_members m WHERE m.project_id = $2 AND m.user_id = u.id))",
    )
    .bind(username)
    .bind(project_id)
    .fetch_optional(connection)
    .await?
    .ok_or_else(|| {
        AppError::invalid(
            "owner",
            format!("'{username}' is not an active member of this project (nor an admin)"),
        )
    })
}

/// A value bound to one editable column.
enum Value<'a> {
    Text(&'a str),
    Json(serde_json::Value),
    Number(f64),
    Id(i64),
    Date(Option<chrono::NaiveDate>),
    Tags(&'a [String]),
}

/// The editable columns and their values: the one list an insert and an update write.
fn columns(definition: &MetricDefinition, owner: i64) -> Result<Vec<(&'static str, Value<'_>)>, AppError> {
    let scorer =
        serde_json::to_value(&definition.scorer).map_err(|e| AppError::internal("encode scorer", e))?;
    Ok(vec![
        ("name", Value::Text(&definition.name)),
        ("description", Value::Text(&definition.description)),
        ("question", Value::Text(&definition.question)),
        ("paradigm", Value::Text(definition.paradigm.as_str())),
        ("category", Value::Text(definition.category.as_str())),
        ("cadence", Value::Text(definition.cadence.as_str())),
        (
            "action_on_failure",
            Value::Text(definition.action_on_failure.as_str()),
        ),
        ("scorer", Value::Json(scorer)),
        ("threshold", Value::Number(definition.pass_rule.threshold)),
        ("direction", Value::Text(definition.pass_rule.direction.as_str())),
        ("stage", Value::Text(definition.stage.as_str())),
        ("owner_id", Value::Id(owner)),
        (
            "cost_per_failure",
            Value::Id(definition.cost_per_failure.micros()),
        ),
        (
            "cost_per_evaluation",
            Value::Id(definition.cost_per_evaluation.micros()),
        ),
        ("review_date", Value::Date(Some(definition.review_date))),
        ("retirement_date", Value::Date(definition.retirement_date)),
        ("tags", Value::Tags(&definition.tags)),
    ])
}

/// Appends `value` as a bound parameter.
fn push_value<'a>(query: &mut QueryBuilder<'a, Postgres>, value: Value<'a>) {
    match value {
        Value::Text(text) => query.push_bind(text),
        Value::Json(json) => query.push_bind(json),
        Value::Number(number) => query.push_bind(number),
        Value::Id(id) => query.push_bind(id),
        Value::Date(date) => query.push_bind(date),
        Value::Tags(tags) => query.push_bind(tags),
    };
}

/// Stores a new metric as a draft within a caller's transaction and records its creation;
/// returns the new id.
pub async fn insert_in(
    connection: &mut PgConnection,
    project_id: i64,
    definition: &MetricDefinition,
    by: Actor,
) -> Result<i64, AppError> {
    use sqlx::Row;
    let owner = owner_id(connection, project_id, &definition.owner).await?;
    super::metric_refs::check(connection, project_id, &definition.scorer).await?;
    let columns = columns(definition, owner)?;
    let mut query = QueryBuilder::new("INSERT INTO metrics (project_id, key");
    for (name, _) in &columns {
        query.push(", ").push(*name);
    }
    query
        .push(") VALUES (")
        .push_bind(project_id)
        .push(", ")
        .push_bind(&definition.key);
    for (_, value) in columns {
        query.push(", ");
        push_value(&mut query, value);
    }
    let row = query
        .push(") RETURNING id")
        .build()
        .fetch_one(&mut *connection)
        .await
        .map_err(|e| {
            map_unique(
                e,
                "metrics_project_key_key",
                "key",
                "is already used by another metric of this project",
            )
        })?;
    let id: i64 = row.get("id");
    metric_history::record(
        connection,
        id,
        by,
        &[("created", String::new(), definition.name.clone())],
    )
    .await?;
    Ok(id)
}

/// Replaces a metric's definition (its key stays) within a caller's transaction and records
/// each changed field; answers the metric as it was before (the use case decides what follows).
pub async fn update_in(
    connection: &mut PgConnection,
    project_id: i64,
    key: &str,
    definition: &MetricDefinition,
    by: Actor,
) -> Result<MetricView, AppError> {
    // The metric first: an address naming none is "not found", whatever the body says.
    let current = lock(connection, project_id, key).await?;
    if definition.key != key {
        return Err(AppError::invalid(
            "key",
            "cannot be changed; create a new metric and retire this one",
        ));
    }
    let changes = definition.changes_from(&current.definition);
    if changes.is_empty() {
        return Ok(current);
    }
    let owner = owner_id(connection, project_id, &definition.owner).await?;
    super::metric_refs::check(connection, project_id, &definition.scorer).await?;
    let mut query = QueryBuilder::new("UPDATE metrics SET updated_at = now()");
    for (name, value) in columns(definition, owner)? {
        query.push(", ").push(name).push(" = ");
        push_value(&mut query, value);
    }
    query
        .push(" WHERE id = ")
        .push_bind(current.id)
        .build()
        .execute(&mut *connection)
        .await?;
    metric_history::record(connection, current.id, by, &changes).await?;
    Ok(current)
}

/// Writes a metric's new status and reason and records the change (the use case has checked
/// the transition).
pub async fn write_status(
    connection: &mut PgConnection,
    current: &MetricView,
    next: Status,
    reason: &str,
    by: Actor,
) -> Result<(), AppError> {
    sqlx::query("UPDATE metrics SET status = $2, status_reason = $3, updated_at = now() WHERE id = $1")
        .bind(current.id)
        .bind(next)
        .bind(reason)
        .execute(&mut *connection)
        .await?;
    let new_value = if reason.is_empty() {
        next.to_string()
    } else {
        format!("{next}: {reason}")
    };
    metric_history::record(
        connection,
        current.id,
        by,
        &[("status", current.status.to_string(), new_value)],
    )
    .await
}

/// One metric by project and key.
pub async fn find(pool: &PgPool, project_id: i64, key: &str) -> Result<Option<MetricView>, AppError> {
    let row = sqlx::query_as::<_, MetricRow>(&format!("{SELECT} WHERE m.project_id = $1 AND m.key = $2"))
        .bind(project_id)
        .bind(key)
        .fetch_optional(pool)
        .await?;
    row.map(MetricRow::into_view).transpose()
}

/// A metric by id.
pub async fn find_by_id(pool: &PgPool, id: i64) -> Result<MetricView, AppError> {
    sqlx::query_as::<_, MetricRow>(&format!("{SELECT} WHERE m.id = $1"))
        .bind(id)
        .fetch_one(pool)
        .await?
        .into_view()
}

/// A metric of the project by key, locked for the rest of the transaction, or "not found".
/// `FOR NO KEY UPDATE`: edits of the metric wait for each other, but scores referring to it
/// (whose foreign key takes `KEY SHARE`) are still written meanwhile — `FOR UPDATE` made an
/// edit and an ingest wait for each other here and on the rollup locks: a deadlock.
pub async fn lock(connection: &mut PgConnection, project_id: i64, key: &str) -> Result<MetricView, AppError> {
    sqlx::query_as::<_, MetricRow>(&format!(
        "{SELECT} WHERE m.project_id = $1 AND m.key = $2 FOR NO KEY UPDATE OF m"
    ))
    .bind(project_id)
    .bind(key)
    .fetch_optional(connection)
    .await?
    .ok_or_else(|| AppError::NotFound(format!("Metric '{key}'")))?
    .into_view()
}

/// A metric of the project by key, or "not found".
pub async fn get(pool: &PgPool, project_id: i64, key: &str) -> Result<MetricView, AppError> {
    find(pool, project_id, key.trim())
        .await?
        .ok_or_else(|| AppError::NotFound(format!("Metric '{key}'")))
}

/// The metrics of a project (or of every project) that pass `filter`, by name.
pub async fn list(
    pool: &PgPool,
    project_id: Option<i64>,
    filter: &ParsedFilter,
) -> Result<Vec<MetricView>, AppError> {
    let mut query: QueryBuilder<Postgres> = QueryBuilder::new(SELECT);
    query.push(" WHERE TRUE");
    if let Some(project_id) = project_id {
        query.push(" AND m.project_id = ").push_bind(project_id);
    }
    if let Some(status) = filter.status {
        query.push(" AND m.status = ").push_bind(status.as_str());
    }
    if let Some(stage) = filter.stage {
        query.push(" AND m.stage = ").push_bind(stage.as_str());
    }
    if let Some(cadence) = filter.cadence {
        query.push(" AND m.cadence = ").push_bind(cadence.as_str());
    }
    if let Some(category) = filter.category {
        query.push(" AND m.category = ").push_bind(category.as_str());
    }
    if let Some(owner) = &filter.owner {
        query.push(" AND u.username = ").push_bind(owner.clone());
    }
    if let Some(tag) = &filter.tag {
        query.push(" AND ").push_bind(tag.clone()).push(" = ANY (m.tags)");
    }
    if let Some(q) = &filter.q {
        let pattern = format!(
            "%{}%",
            q.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
        );
        query
            .push(" AND (m.key ILIKE ")
            .push_bind(pattern.clone())
            .push(" OR m.name ILIKE ")
            .push_bind(pattern.clone())
            .push(" OR m.description ILIKE ")
            .push_bind(pattern.clone())
            .push(" OR m.question ILIKE ")
            .push_bind(pattern)
            .push(")");
    }
    query.push(" ORDER BY lower(m.name), m.id");
    fetch_views(pool, query).await
}

async fn fetch_views(
    pool: &PgPool,
    mut query: QueryBuilder<'_, Postgres>,
) -> Result<Vec<MetricView>, AppError> {
    query
        .build_query_as::<MetricRow>()
        .fetch_all(pool)
        .await?
        .into_iter()
        .map(MetricRow::into_view)
        .collect()
}

/// Metrics that may belong in the retirement queue on `today`: not retired, and reviewed,
/// retiring within the horizon, or among `quiet`; the domain decides the reasons. `projects`
/// narrows them to those projects (`None`: every project).
pub async fn queue_candidates(
    pool: &PgPool,
    projects: Option<&[i64]>,
    today: chrono::NaiveDate,
    quiet: &[i64],
) -> Result<Vec<MetricView>, AppError> {
    let horizon = today + chrono::Duration::days(crate::domain::metric::review::RETIREMENT_HORIZON_DAYS);
    let mut query: QueryBuilder<Postgres> = QueryBuilder::new(SELECT);
    query
        .push(" WHERE m.status <> 'retired' AND (m.review_date <= ")
        .push_bind(today);
    query.push(" OR m.retirement_date <= ").push_bind(horizon);
    query.push(" OR m.id = ANY(").push_bind(quiet.to_vec()).push("))");
    if let Some(projects) = projects {
        query
            .push(" AND m.project_id = ANY(")
            .push_bind(projects.to_vec())
            .push(")");
    }
    fetch_views(pool, query).await
}

/// Active metrics older than `days` that were scored within the last `days` days and never
/// failed there: candidates to retire because they no longer catch anything. `projects`
/// narrows them to those projects (`None`: every project).
pub async fn quiet(pool: &PgPool, projects: Option<&[i64]>, days: i64) -> Result<Vec<i64>, AppError> {
    sqlx::query_scalar(
        "SELECT m.id FROM metrics m
         WHERE m.status = 'active' AND ($1::int8[] IS NULL OR m.project_id = ANY($1))
           AND m.created_at < now() - make_interval(days => $2::int)
           AND EXISTS (SELECT 1 FROM scores s WHERE s.metric_id = m.id AND s.scored_at > now() - make_interval(days => $2::int))
           AND NOT EXISTS (SELECT 1 FROM scores s WHERE s.metric_id = m.id AND s.passed = false
                           AND s.scored_at > now() - make_interval(days => $2::int))",
    )
    .bind(projects)
    .bind(days)
    .fetch_all(pool)
    .await
    .map_err(database)
}

/// An active metric whose evaluation costs more than the failures it finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Costly {
    pub id: i64,
    /// Evaluations and scorer errors × the cost per evaluation.
    pub spend: Money,
    /// Failures × the cost per failure.
    pub found: Money,
}

/// Active metrics whose evaluation spend over the last `days` days (from the rollups) exceeds
/// the cost of the failures they found there. `projects` narrows them (`None`: every project).
pub async fn costly(pool: &PgPool, projects: Option<&[i64]>, days: i64) -> Result<Vec<Costly>, AppError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        id: i64,
        spend: i64,
        found: i64,
    }
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT m.id, (m.cost_per_evaluation * (r.evaluations + r.errors))::bigint AS spend,
                (m.cost_per_failure * r.failures)::bigint AS found
         FROM metrics m JOIN (
            SELECT metric_id, sum(evaluations) AS evaluations, sum(errors) AS errors, sum(failures) AS failures
            FROM score_rollups
            WHERE grain = 'day' AND segment_key = '' AND bucket >= date_trunc('day', now() - make_interval(days => $2::int), 'UTC')
            GROUP BY metric_id) r ON r.metric_id = m.id
         WHERE m.status = 'active' AND ($1::int8[] IS NULL OR m.project_id = ANY($1))
           AND m.cost_per_evaluation * (r.evaluations + r.errors) > m.cost_per_failure * r.failures",
    )
    .bind(projects)
    .bind(days)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Costly {
            id: r.id,
            spend: Money::from_micros(r.spend),
            found: Money::from_micros(r.found),
        })
        .collect())
}

/// How many of the project's active metrics are past their review date on `today`.
pub async fn count_review_due(
    pool: &PgPool,
    project_id: i64,
    today: chrono::NaiveDate,
) -> Result<usize, AppError> {
    let due: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM metrics WHERE project_id = $1 AND status = 'active' AND review_date < $2",
    )
    .bind(project_id)
    .bind(today)
    .fetch_one(pool)
    .await?;
    Ok(usize::try_from(due).unwrap_or(0))
}

#[cfg(test)]
mod tests;
