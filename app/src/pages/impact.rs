//! `/projects/:slug/impact`: dollars lost to failures per day, stacked by metric, and for each
//! metric whether the failures it surfaces cover what scoring it costs.

use crate::components::charts::{impact_chart, EChart};
use crate::components::data_table::{Column, DataTable};
use crate::components::outcome::loaded;
use crate::components::page_head::ProjectPageHead;
use crate::components::params::text_param;
use crate::domain::money::Money;
use crate::domain::trends::overview::{pays_for_itself, OverviewRow};
use crate::pages::overview::{overview_resource, range_days};
use leptos::prelude::*;
use leptos_meta::Title;

const COLUMNS: &[Column] = &[
    Column::text("Metric"),
    Column::number("Failures"),
    Column::number("Lost to failures"),
    Column::number("Evaluation spend"),
    Column::number("Found − spent"),
    Column::text("Pays for itself?"),
];

#[component]
pub fn ImpactPage() -> impl IntoView {
    let project = text_param("slug");
    let days = range_days();
    let data = overview_resource(project, days);
    view! {
        <Title text="Dollar impact · Vernier"/>
        <ProjectPageHead title="Dollar impact"/>
        <nav class="ranges" aria-label="Range">
            {[7u32, 30, 90].into_iter().map(|range| view! {
                <a href=format!("?days={range}") class:current=move || days() == range>{format!("{range} days")}</a>
            }).collect_view()}
        </nav>
        {loaded(data, move |overview| {
            let for_chart = overview.clone();
            let csv = format!("/api/v1/projects/{}/overview?days={}&format=csv", project(), overview.days);
            view! {
                <section class="card">
                    <h2>{format!("{} lost to failures in {} days", overview.dollar_impact, overview.days)}</h2>
                    <EChart id="impact-chart".to_owned() chart=move || impact_chart(&for_chart)/>
                </section>
                <p class="muted">
                    "A metric pays for itself when the failures it surfaces cost more than scoring it does. "
                    <a href=csv download data-testid="impact-csv">"CSV"</a>
                </p>
                <DataTable rows=overview.rows columns=COLUMNS empty="No active metrics." testid="impact-table"
                    row=|row: OverviewRow| {
                        let pays = pays_for_itself(&row);
                        let net = if pays {
                            format!("+{}", Money::from_micros(row.dollar_impact.micros() - row.evaluation_spend.micros()))
                        } else {
                            format!("−{}", Money::from_micros(row.evaluation_spend.micros() - row.dollar_impact.micros()))
                        };
                        view! {
                            <tr data-testid=format!("impact-{}", row.key)>
                                <td>{row.name}</td>
                                <td class="num">{row.failures}</td>
                                <td class="num">{row.dollar_impact.to_string()}</td>
                                <td class="num">{row.evaluation_spend.to_string()}</td>
                                <td class="num">{net}</td>
                                <td>{match (row.evaluations, pays) {
                                    (0, _) => "nothing scored yet",
                                    (_, true) => "yes",
                                    (_, false) => "no: it costs more than it finds",
                                }}</td>
                            </tr>
                        }
                    }/>
            }
        })}
    }
}
