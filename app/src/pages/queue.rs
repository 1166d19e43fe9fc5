//! The retirement queue: metrics past their review date or close to retirement, each with
//! one-click retire, extend-review and change-owner actions. Per project and across projects.

use crate::api::metric_io::list_people;
use crate::api::metrics::{retirement_queue, ChangeOwner, ExtendReview, RetireMetric};
use crate::components::data_table::{Column, DataTable};
use crate::components::for_role::ForProject;
use crate::components::forms::{last_error, FormError};
use crate::components::outcome::loaded;
use crate::components::params::{query_params, text_param};
use crate::domain::membership::ProjectAccess;
use crate::domain::metric::review::{self, QueueItem};
use crate::domain::person::Person;
use crate::error::AppError;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos::server::ServerAction;
use leptos_meta::Title;

/// The queue's address: how many quiet days make a metric worth reviewing.
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(default)]
struct QueueQuery {
    quiet: Option<i64>,
}

/// `/queue` (every project) and `/projects/:slug/queue`.
#[component]
pub fn QueuePage() -> impl IntoView {
    let project = text_param("slug");
    let query = query_params::<QueueQuery>();
    let quiet_days = move || query.get().quiet.unwrap_or(review::QUIET_DAYS_DEFAULT);
    let retire = ServerAction::<RetireMetric>::new();
    let extend = ServerAction::<ExtendReview>::new();
    let reassign = ServerAction::<ChangeOwner>::new();
    let data = Resource::new(
        move || {
            (
                project(),
                quiet_days(),
                retire.version().get(),
                extend.version().get(),
                reassign.version().get(),
            )
        },
        |(project, quiet, ..)| async move {
            Ok::<_, AppError>((
                retirement_queue(project.clone(), quiet).await?,
                list_people(project).await?,
            ))
        },
    );
    let error = Signal::derive(move || {
        last_error(retire)
            .get()
            .or(last_error(extend).get())
            .or(last_error(reassign).get())
    });
    view! {
        <Title text="Retirement queue · Vernier"/>
        <div class="page-head">
            <h1>"Retirement queue"</h1>
            {move || {
                let slug = project();
                if slug.is_empty() { "All projects".to_owned().into_any() } else {
                    view! { <a href=format!("/projects/{slug}")>"← Project"</a> <a href="/queue">"All projects"</a> }.into_any()
                }
            }}
        </div>
        <p class="muted">"Metrics whose review date has passed, whose retirement date is within 14 days, or that have not caught a single failure in the window below. Each must justify itself: retire it, extend its review, or hand it to someone who will."</p>
        <form method="get" class="filters" data-testid="quiet-form">
            <label>
                "Also list active metrics with no failing score in the last "
                <input type="number" name="quiet" min="1" max="365" value=quiet_days data-testid="quiet-days"/>
                " days"
            </label>
            <button type="submit">"Apply"</button>
        </form>
        <FormError error fields=&[]/>
        {loaded(data, move |(items, people)| view! { <QueueTable items people retire extend reassign/> })}
    }
}

const QUEUE_COLUMNS: &[Column] = &[
    Column::text("Metric"),
    Column::text("Why"),
    Column::text("Owner"),
    Column::number("Cost / failure"),
    Column::text(""),
];

#[component]
fn QueueTable(
    items: Vec<QueueItem>,
    people: Vec<Person>,
    retire: ServerAction<RetireMetric>,
    extend: ServerAction<ExtendReview>,
    reassign: ServerAction<ChangeOwner>,
) -> impl IntoView {
    let people = StoredValue::new(people);
    view! {
        <DataTable rows=items columns=QUEUE_COLUMNS empty="Nothing to review: every metric is within its dates." testid="queue-table" row=move |item: QueueItem| {
            let m = item.metric;
            let (project, key) = (m.project_slug.clone(), m.definition.key.clone());
            let why: Vec<String> = item.reasons.iter().map(|r| r.describe()).collect();
            let testid = format!("queue-row-{key}");
            let href = format!("/projects/{project}/metrics/{key}");
            view! {
                <tr data-testid=testid>
                    <td>
                        <a href=href>{m.definition.name.clone()}</a>
                        <div class="muted">{project.clone()}</div>
                    </td>
                    <td data-testid="queue-why">{why.join("; ")}</td>
                    <td>{m.owner_name.clone()}</td>
                    <td class="num">{m.definition.cost_per_failure.to_string()}</td>
                    <td>
                        <ForProject access=ProjectAccess::Edit project=project.clone()>
                            <RowActions project=project.clone() key=key.clone() owner=m.definition.owner.clone()
                                people=people.get_value() retire extend reassign/>
                        </ForProject>
                    </td>
                </tr>
            }
        }/>
    }
}

#[component]
fn RowActions(
    project: String,
    key: String,
    owner: String,
    people: Vec<Person>,
    retire: ServerAction<RetireMetric>,
    extend: ServerAction<ExtendReview>,
    reassign: ServerAction<ChangeOwner>,
) -> impl IntoView {
    let in_90_days = (chrono::Utc::now().date_naive() + chrono::Duration::days(90)).to_string();
    let (project2, key2, project3, key3) = (project.clone(), key.clone(), project.clone(), key.clone());
    let owners: Vec<(String, String, bool)> = people
        .into_iter()
        .map(|p| {
            let selected = p.username == owner;
            (p.username, p.display_name, selected)
        })
        .collect();
    view! {
        <div class="row-actions">
            <ActionForm action=retire attr:class="inline-form">
                <input type="hidden" name="project" value=project/>
                <input type="hidden" name="key" value=key/>
                <input type="text" name="reason" placeholder="reason" required=true data-testid="queue-reason"/>
                <button type="submit" data-testid="queue-retire">"Retire"</button>
            </ActionForm>
            <ActionForm action=extend attr:class="inline-form">
                <input type="hidden" name="project" value=project2/>
                <input type="hidden" name="key" value=key2/>
                <input type="date" name="review_date" value=in_90_days data-testid="queue-review-date"/>
                <button type="submit" data-testid="queue-extend">"Extend review"</button>
            </ActionForm>
            <ActionForm action=reassign attr:class="inline-form">
                <input type="hidden" name="project" value=project3/>
                <input type="hidden" name="key" value=key3/>
                <select name="owner" data-testid="queue-owner">
                    {owners
                        .clone()
                        .into_iter()
                        .map(|(username, name, selected)| view! { <option value=username selected=selected>{name}</option> })
                        .collect_view()}
                </select>
                <button type="submit" data-testid="queue-reassign">"Change owner"</button>
            </ActionForm>
        </div>
    }
}
