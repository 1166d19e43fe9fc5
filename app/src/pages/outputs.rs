//! A project's outputs, newest first, filtered by version, source, segment and metric verdict.

use crate::api::outputs::list_outputs;
use crate::components::add_to_dataset::AddToDataset;
use crate::components::data_table::{Column, DataTable};
use crate::components::filters::{names, FilterSelect};
use crate::components::outcome::loaded;
use crate::components::page_head::ProjectPageHead;
use crate::components::params::{query_params, query_string, text_param};
use crate::domain::output_browse::{OutputFilter, OutputRow, Verdict};
use leptos::prelude::*;
use leptos_meta::Title;

/// `/projects/:slug/outputs`; the filters live in the address.
#[component]
pub fn OutputsPage() -> impl IntoView {
    let filter = query_params::<OutputFilter>();
    let project = text_param("slug");
    let page = Resource::new(
        move || (project(), filter.get()),
        |(project, filter)| list_outputs(project, filter),
    );
    // Outputs ticked in the table, to add to a dataset.
    let selected = RwSignal::new(Vec::<i64>::new());
    // Ticks belong to the list they were made on.
    Effect::new(move |_| {
        filter.track();
        selected.set(Vec::new());
    });
    view! {
        <Title text="Outputs · Vernier"/>
        <ProjectPageHead title="Outputs"/>
        {loaded(page, move |page| {
            let current = filter.get();
            let sources = ["production", "eval", "synthetic"].map(str::to_owned).to_vec();
            let csv_query = match query_string(&current) {
                filters if filters.is_empty() => "format=csv".to_owned(),
                filters => format!("{filters}&format=csv"),
            };
            let next = page.next_before.map(|before| {
                let next = OutputFilter { before: before.to_string(), ..current.clone() };
                format!("?{}", query_string(&next))
            });
            view! {
                <form method="get" class="filters" data-testid="output-filters">
                    <FilterSelect name="version" current=current.version.clone() options=page.versions.clone()/>
                    <FilterSelect name="source" current=current.source.clone() options=sources/>
                    <input type="text" name="segment" placeholder="segment, e.g. language=de" value=current.segment.clone() data-testid="filter-segment"/>
                    <FilterSelect name="metric" current=current.metric.clone() options=page.metrics.iter().map(|(key, _)| key.clone()).collect()/>
                    <FilterSelect name="verdict" current=current.verdict.clone() options=names(Verdict::ALL, Verdict::as_str)/>
                    <button type="submit" data-testid="filter-apply">"Filter"</button>
                    <a href="?">"Clear"</a>
                    <a href=format!("/api/v1/projects/{}/outputs?{}", project(), csv_query.clone()) download data-testid="outputs-csv">"CSV"</a>
                </form>
                <AddToDataset project=project() ids=selected noun="selected" filter=OutputFilter { before: String::new(), ..current.clone() }/>
                <OutputTable rows=page.rows project=project() selected/>
                {next.map(|href| view! { <p><a href=href data-testid="older">"Older outputs →"</a></p> })}
            }
        })}
    }
}

const OUTPUT_COLUMNS: &[Column] = &[
    Column::text(""),
    Column::text("When"),
    Column::text("Version"),
    Column::text("Source"),
    Column::text("Reply"),
    Column::text("Segments"),
    Column::text("Scores"),
];

#[component]
fn OutputTable(rows: Vec<OutputRow>, project: String, selected: RwSignal<Vec<i64>>) -> impl IntoView {
    view! {
        <DataTable rows=rows columns=OUTPUT_COLUMNS empty="No outputs match." testid="output-table" row=move |row: OutputRow| {
            let href = format!("/projects/{project}/outputs/{}", row.id);
            let full = row.excerpt.clone();
            let id = row.id;
            let toggle = move |ev: leptos::ev::Event| {
                let on = event_target_checked(&ev);
                selected.update(|ids| {
                    ids.retain(|i| *i != id);
                    if on {
                        ids.push(id);
                    }
                });
            };
            view! {
                <tr data-testid=format!("output-{}", row.id)>
                    <td><input type="checkbox" aria-label="select" prop:checked=move || selected.with(|ids| ids.contains(&id)) on:change=toggle data-testid="select-output"/></td>
                    <td class="nowrap"><a href=href>{row.occurred_at.format("%Y-%m-%d %H:%M").to_string()}</a></td>
                    <td class="mono nowrap">{row.version}</td>
                    <td class="nowrap">{row.source}</td>
                    <td class="excerpt" title=full>{row.excerpt}</td>
                    <td><div class="chips">{row.segments.into_iter().map(|s| view! { <span class="chip">{s}</span> }).collect_view()}</div></td>
                    <td data-testid="output-scores"><ScoreCounts row=(row.passed, row.failed, row.errors, row.pending)/></td>
                </tr>
            }
        }/>
    }
}

#[component]
fn ScoreCounts(row: (i64, i64, i64, i64)) -> impl IntoView {
    let (passed, failed, errors, pending) = row;
    let part = |count: i64, class: &'static str, label: &'static str| {
        (count > 0).then(
            || view! { <span class=format!("verdict verdict-{class}")>{format!("{count} {label}")}</span> },
        )
    };
    view! {
        {part(passed, "pass", "passed")}
        {part(failed, "fail", "failed")}
        {part(errors, "error", "error")}
        {part(pending, "pending", "pending")}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_page_keeps_the_filters_and_encodes_them() {
        let filter = OutputFilter {
            segment: "language=de".into(),
            verdict: "fail".into(),
            before: "42".into(),
            ..Default::default()
        };
        assert_eq!(
            query_string(&filter),
            "segment=language%3Dde&verdict=fail&before=42"
        );
    }
}
