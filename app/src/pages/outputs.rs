//! A project's outputs, newest first, filtered by version, source, segment and metric verdict.

use crate::api::outputs::list_outputs;
use crate::components::filters::{names, FilterSelect};
use crate::components::outcome::loaded;
use crate::components::page_head::ProjectPageHead;
use crate::components::params::text_param;
use crate::domain::output_browse::{OutputFilter, OutputRow, Verdict};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// `/projects/:slug/outputs`; the filters live in the address.
#[component]
pub fn OutputsPage() -> impl IntoView {
    let query = use_query_map();
    let project = text_param("slug");
    let filter = move || {
        let query = query.read();
        let get = |name: &str| query.get(name).unwrap_or_default();
        OutputFilter {
            version: get("version"),
            source: get("source"),
            segment: get("segment"),
            metric: get("metric"),
            verdict: get("verdict"),
            before: get("before"),
        }
    };
    let page = Resource::new(
        move || (project(), filter()),
        |(project, filter)| list_outputs(project, filter),
    );
    view! {
        <Title text="Outputs · Vernier"/>
        <ProjectPageHead title="Outputs"/>
        {loaded(page, move |page| {
            let current = filter();
            let sources = ["production", "eval", "synthetic"].map(str::to_owned).to_vec();
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
                </form>
                <OutputTable rows=page.rows project=project()/>
                {next.map(|href| view! { <p><a href=href data-testid="older">"Older outputs →"</a></p> })}
            }
        })}
    }
}

/// The filter as a query string (empty values left out).
fn query_string(filter: &OutputFilter) -> String {
    let pairs = [
        ("version", &filter.version),
        ("source", &filter.source),
        ("segment", &filter.segment),
        ("metric", &filter.metric),
        ("verdict", &filter.verdict),
        ("before", &filter.before),
    ];
    pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", leptos_router::location::Url::escape(v)))
        .collect::<Vec<_>>()
        .join("&")
}

#[component]
fn OutputTable(rows: Vec<OutputRow>, project: String) -> impl IntoView {
    if rows.is_empty() {
        return view! { <p class="empty" data-testid="no-outputs">"No outputs match."</p> }.into_any();
    }
    view! {
        <table class="table" data-testid="output-table">
            <thead>
                <tr><th>"When"</th><th>"Version"</th><th>"Source"</th><th>"Reply"</th><th>"Segments"</th><th>"Scores"</th></tr>
            </thead>
            <tbody>
                {rows
                    .into_iter()
                    .map(|row| {
                        let href = format!("/projects/{project}/outputs/{}", row.id);
                        let full = row.excerpt.clone();
                        view! {
                            <tr data-testid=format!("output-{}", row.id)>
                                <td class="nowrap"><a href=href>{row.occurred_at.format("%Y-%m-%d %H:%M").to_string()}</a></td>
                                <td class="mono nowrap">{row.version}</td>
                                <td class="nowrap">{row.source}</td>
                                <td class="excerpt" title=full>{row.excerpt}</td>
                                <td><div class="chips">{row.segments.into_iter().map(|s| view! { <span class="chip">{s}</span> }).collect_view()}</div></td>
                                <td data-testid="output-scores"><ScoreCounts row=(row.passed, row.failed, row.errors, row.pending)/></td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
    .into_any()
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
