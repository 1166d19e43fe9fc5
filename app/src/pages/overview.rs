//! The project overview on the project's home page: money lost to failures first, then a row
//! per active metric, the one that costs most on top.

use crate::api::dashboards::project_overview;
use crate::components::data_table::{Column, DataTable};
use crate::components::numbers::{ChangeCell, RateCell};
use crate::components::outcome::loaded;
use crate::components::params::query_params;
use crate::components::sparkline::Sparkline;
use crate::domain::trends::overview::{Overview, OverviewRow};
use leptos::prelude::*;
use serde::Deserialize;

/// The overview's address: the range in days.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
struct OverviewQuery {
    days: Option<u32>,
}

/// The range the address asks for (30 days by default).
pub fn range_days() -> impl Fn() -> u32 + Copy + Send + Sync + 'static {
    let query = query_params::<OverviewQuery>();
    move || query.get().days.unwrap_or(30)
}

/// The overview's data for the project page to create at its top, outside any suspense (a
/// resource created inside one would not hydrate).
pub fn overview_resource(
    slug: impl Fn() -> String + Send + Sync + 'static,
    days: impl Fn() -> u32 + Send + Sync + 'static,
) -> Resource<Result<Overview, crate::error::AppError>> {
    Resource::new(
        move || (slug(), days()),
        |(slug, days)| project_overview(slug, days),
    )
}

/// The ranges offered.
const RANGES: [u32; 3] = [7, 30, 90];

/// The overview of project `slug`, from [`overview_resource`].
#[component]
pub fn ProjectOverview(
    slug: String,
    data: Resource<Result<Overview, crate::error::AppError>>,
) -> impl IntoView {
    let days = range_days();
    let base = format!("/projects/{slug}");
    let csv_slug = slug.clone();
    view! {
        <section class="overview" data-testid="overview">
            <div class="overview-head">
                <h2>"How the metrics are doing"</h2>
                <nav class="ranges" aria-label="Range">
                    {RANGES
                        .into_iter()
                        .map(|range| view! {
                            <a href=format!("?days={range}") class:current=move || days() == range data-testid=format!("range-{range}")>
                                {format!("{range} days")}
                            </a>
                        })
                        .collect_view()}
                </nav>
                <a href=format!("{base}/compare") data-testid="open-compare">"Compare releases →"</a>
                <a href=format!("{base}/impact") data-testid="open-impact">"Dollar impact →"</a>
                <a href=move || format!("/api/v1/projects/{csv_slug}/overview?days={}&format=csv", days()) download data-testid="overview-csv">"CSV"</a>
            </div>
            {loaded(data, move |overview| view! { <Totals overview=overview.clone()/><MetricRows overview project=slug.clone()/> })}
        </section>
    }
}

#[component]
fn Totals(overview: Overview) -> impl IntoView {
    let alarm = overview.regressions > 0;
    view! {
        <div class="kpis">
            <div class="kpi" data-testid="kpi-dollars">
                <div class="kpi-value">{overview.dollar_impact.to_string()}</div>
                <div class="kpi-label">{format!("lost to failures, last {} days", overview.days)}</div>
            </div>
            <div class="kpi" data-testid="kpi-failures">
                <div class="kpi-value">{overview.failures}</div>
                <div class="kpi-label">{format!("failures of {} evaluations", overview.evaluations)}</div>
            </div>
            <div class="kpi" data-testid="kpi-spend">
                <div class="kpi-value">{overview.evaluation_spend.to_string()}</div>
                <div class="kpi-label">"spent on evaluation"</div>
            </div>
            <div class="kpi" class:kpi-alarm=alarm data-testid="kpi-regressions">
                <div class="kpi-value">{overview.regressions}</div>
                <div class="kpi-label">"significantly worse than the week before"</div>
            </div>
        </div>
    }
}

const COLUMNS: &[Column] = &[
    Column::text("Metric"),
    Column::text("Pass rate, last 7 days"),
    Column::text("vs the 7 before"),
    Column::number("Failures"),
    Column::number("Dollar impact"),
    Column::number("Evaluation spend"),
    Column::text("Daily pass rate"),
];

#[component]
fn MetricRows(overview: Overview, project: String) -> impl IntoView {
    view! {
        <DataTable rows=overview.rows columns=COLUMNS empty="No active metrics yet: activate one to see how it does."
            testid="overview-table" row=move |row: OverviewRow| {
            let href = format!("/projects/{project}/metrics/{}", row.key);
            let testid = format!("overview-{}", row.key);
            view! {
                <tr data-testid=testid>
                    <td><a href=href>{row.name}</a><div class="muted mono">{row.key}</div></td>
                    <td><RateCell rate=row.now/></td>
                    <td><ChangeCell change=row.change significant=row.significant/></td>
                    <td class="num">{row.failures}</td>
                    <td class="num" data-testid="row-dollars">{row.dollar_impact.to_string()}</td>
                    <td class="num">{row.evaluation_spend.to_string()}</td>
                    <td><Sparkline days=row.days/></td>
                </tr>
            }
        }/>
    }
}
