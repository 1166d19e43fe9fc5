//! The trend on a metric's page: its pass rate over time with the Wilson band, n on every
//! point, failures and their cost, markers where versions appeared, and filters for range,
//! grain, version and segment (kept in the address).

use crate::api::dashboards::metric_trend;
use crate::components::charts::{trend_chart, EChart};
use crate::components::data_table::{Column, DataTable};
use crate::components::numbers::{percent, percent_interval};
use crate::components::outcome::loaded;
use crate::components::params::{query_params, query_string};
use crate::domain::trends::trend::{Trend, TrendAddress, TrendPoint};
use crate::error::AppError;
use leptos::prelude::*;

/// The trend's data, for the metric page to create at its top (outside any suspense).
pub fn trend_resource(
    project: impl Fn() -> String + Send + Sync + 'static,
    key: impl Fn() -> String + Send + Sync + 'static,
) -> (Resource<Result<Trend, AppError>>, Memo<TrendAddress>) {
    let address = query_params::<TrendAddress>();
    let resource = Resource::new(
        move || (project(), key(), address.get()),
        |(project, key, address)| metric_trend(project, key, address),
    );
    (resource, address)
}

const COLUMNS: &[Column] = &[
    Column::text("When"),
    Column::number("Pass rate"),
    Column::text("95% interval"),
    Column::number("n"),
    Column::number("Failures"),
    Column::number("Cost of failures"),
];

/// The trend section.
#[component]
pub fn MetricTrend(
    project: String,
    data: Resource<Result<Trend, AppError>>,
    address: Memo<TrendAddress>,
) -> impl IntoView {
    let csv_project = project.clone();
    view! {
        <section class="card" data-testid="metric-trend">
            <h2>"Trend"</h2>
            <TrendFilters address=address.get_untracked()/>
            {loaded(data, move |trend| {
                let csv = format!(
                    "/api/v1/projects/{csv_project}/metrics/{}/trend?{}",
                    trend.metric_key,
                    with_csv(&address.get_untracked())
                );
                let for_chart = trend.clone();
                let hour = trend.grain == "hour";
                view! {
                    <EChart id="trend-chart".to_owned() chart=move || trend_chart(&for_chart)/>
                    <p class="hint">
                        "Dashed lines: the day a version first appeared. Grey points rest on fewer than 30 verdicts. "
                        <a href=csv download data-testid="trend-csv">"CSV"</a>
                    </p>
                    <details>
                        <summary>"The numbers"</summary>
                        <DataTable rows=trend.points columns=COLUMNS empty="No scores in this range." testid="trend-table"
                            row=move |p: TrendPoint| {
                                let when = if hour { p.at.format("%Y-%m-%d %H:00").to_string() } else { p.at.format("%Y-%m-%d").to_string() };
                                let rate = match p.rate.rate {
                                    Some(r) if p.rate.is_thin() => format!("{} (too few)", percent(r)),
                                    Some(r) => percent(r),
                                    None => "—".into(),
                                };
                                view! {
                                    <tr>
                                        <td class="nowrap">{when}</td>
                                        <td class="num">{rate}</td>
                                        <td class="nowrap">{p.rate.rate.map(|_| percent_interval(p.rate.interval)).unwrap_or_default()}</td>
                                        <td class="num">{p.rate.n}</td>
                                        <td class="num">{p.failures}</td>
                                        <td class="num">{p.failure_cost.to_string()}</td>
                                    </tr>
                                }
                            }/>
                    </details>
                }
            })}
        </section>
    }
}

fn with_csv(address: &TrendAddress) -> String {
    match query_string(address) {
        query if query.is_empty() => "format=csv".to_owned(),
        query => format!("{query}&format=csv"),
    }
}

/// Range, grain, version and segment, as a form that rewrites the address.
#[component]
fn TrendFilters(address: TrendAddress) -> impl IntoView {
    let days = address.days.map(|d| d.to_string()).unwrap_or_default();
    view! {
        <form method="get" class="filters" data-testid="trend-filters">
            <label>"Days " <input type="number" name="days" min="1" max="366" size="4" value=days placeholder="30"/></label>
            <label>"By "
                <select name="grain">
                    <option value="day" selected=address.grain != "hour">"day"</option>
                    <option value="hour" selected=address.grain == "hour">"hour (last 2 days)"</option>
                </select>
            </label>
            <input type="text" name="version" placeholder="version, e.g. prompt-v2" value=address.version.clone() data-testid="trend-version"/>
            <input type="text" name="segment" placeholder="segment, e.g. language=de" value=address.segment.clone() data-testid="trend-segment"/>
            <button type="submit" data-testid="trend-apply">"Show"</button>
        </form>
    }
}
