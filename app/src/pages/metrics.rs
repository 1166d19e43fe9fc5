//! A project's metrics, filtered by status, stage, cadence, owner, category, tag and text.

use crate::api::metric_io::list_people;
use crate::api::metrics::list_metrics;
use crate::components::data_table::{Column, DataTable};
use crate::components::filters::{names, FilterSelect};
use crate::components::for_role::ForProject;
use crate::components::outcome::loaded;
use crate::components::page_head::ProjectPageHead;
use crate::components::params::{query_params, text_param};
use crate::domain::membership::ProjectAccess;
use crate::domain::metric::filter::MetricFilter;
use crate::domain::metric::kinds::{Cadence, Category, Stage, Status};
use crate::domain::metric::MetricView;
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;

/// The filterable metric list; the filters live in the address, so a filtered view can be shared.
#[component]
pub fn MetricsPage() -> impl IntoView {
    let filter = query_params::<MetricFilter>();
    let project = text_param("slug");
    let data = Resource::new(
        move || (project(), filter.get()),
        |(project, filter)| async move {
            Ok::<_, AppError>((
                list_metrics(project.clone(), filter).await?,
                list_people(project).await?,
            ))
        },
    );
    view! {
        <Title text="Metrics · Vernier"/>
        <ProjectPageHead title="Metrics">
                <ForProject access=ProjectAccess::Edit>
                <a class="button primary" href=move || format!("/projects/{}/metrics/new", project()) data-testid="new-metric">"New metric"</a>
            </ForProject>
            </ProjectPageHead>
        {loaded(data, move |(metrics, people)| {
            let current = filter.get();
            view! {
                <form method="get" class="filters" data-testid="metric-filters">
                    <input type="search" name="q" placeholder="Search key, name, question…" value=current.q.clone() data-testid="filter-q"/>
                    <FilterSelect name="status" current=current.status.clone() options=names(Status::ALL, Status::as_str)/>
                    <FilterSelect name="stage" current=current.stage.clone() options=names(Stage::ALL, Stage::as_str)/>
                    <FilterSelect name="cadence" current=current.cadence.clone() options=names(Cadence::ALL, Cadence::as_str)/>
                    <FilterSelect name="category" current=current.category.clone() options=names(Category::ALL, Category::as_str)/>
                    <FilterSelect name="owner" current=current.owner.clone() options=people.into_iter().map(|p| p.username).collect()/>
                    <input type="text" name="tag" placeholder="tag" value=current.tag.clone() data-testid="filter-tag"/>
                    <button type="submit" data-testid="filter-apply">"Filter"</button>
                    <a href="?">"Clear"</a>
                </form>
                <MetricTable metrics/>
            }
        })}
    }
}

const METRIC_COLUMNS: &[Column] = &[
    Column::text("Metric"),
    Column::text("Status"),
    Column::text("Stage"),
    Column::text("Cadence"),
    Column::text("Owner"),
    Column::number("Cost / failure"),
    Column::text("Review"),
    Column::text("Tags"),
];

#[component]
fn MetricTable(metrics: Vec<MetricView>) -> impl IntoView {
    view! {
        <DataTable rows=metrics columns=METRIC_COLUMNS empty="No metrics match." testid="metric-table" row=move |metric: MetricView| {
            let d = metric.definition;
            let testid = format!("metric-row-{}", d.key);
            let href = format!("/projects/{}/metrics/{}", metric.project_slug, d.key);
            view! {
                <tr data-testid=testid>
                    <td>
                        <a href=href>{d.name}</a>
                        <div class="muted mono">{d.key}</div>
                    </td>
                    <td><span class=format!("status status-{}", metric.status)>{metric.status.label()}</span></td>
                    <td>{d.stage.label()}</td>
                    <td>{d.cadence.label()}</td>
                    <td>{metric.owner_name}</td>
                    <td class="num" data-testid="metric-cost">{d.cost_per_failure.to_string()}</td>
                    <td>{d.review_date.to_string()}</td>
                    <td>{d.tags.join(", ")}</td>
                </tr>
            }
        }/>
    }
}
