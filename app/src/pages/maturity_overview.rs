//! `/maturity`: the managers' landing page: every project they read, with its signed-off and
//! computed stage, checklist completion, metrics due for review, the costliest metric and the
//! last review; sortable by any column, and as CSV.

use crate::api::maturity::{maturity_overview, MaturityRow};
use crate::components::data_table::{Column, DataTable};
use crate::components::outcome::loaded;
use crate::components::params::query_params;
use crate::domain::metric::kinds::Stage;
use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

/// The page's address: the column to sort by.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
struct OverviewAddress {
    sort: String,
}

/// The sortable columns: (query name, heading).
const SORTS: [(&str, &str); 7] = [
    ("project", "Project"),
    ("signed", "Signed off"),
    ("computed", "Computed"),
    ("items", "Checklist"),
    ("due", "Metrics due"),
    ("impact", "Costliest metric (30 days)"),
    ("reviewed", "Last review"),
];

/// Sorts rows by `column` (default: least mature first, so what needs attention leads).
fn sort(rows: &mut [MaturityRow], column: &str) {
    let rank = |s: Option<Stage>| s.map_or(0, |s| s as u8 + 1);
    match column {
        "project" => rows.sort_by(|a, b| a.name.cmp(&b.name)),
        "signed" => rows.sort_by_key(|r| rank(r.signed_off)),
        "items" => rows.sort_by_key(|r| r.completion.0),
        "due" => rows.sort_by_key(|r| std::cmp::Reverse(r.metrics_due)),
        "impact" => rows.sort_by_key(|r| std::cmp::Reverse(r.top_impact.as_ref().map(|(_, d)| *d))),
        "reviewed" => rows.sort_by_key(|r| r.last_reviewed),
        _ => rows.sort_by_key(|r| (rank(r.computed), r.backed)),
    }
}

const COLUMNS: &[Column] = &[
    Column::text("Project"),
    Column::text("Signed off"),
    Column::text("Computed"),
    Column::number("Checklist"),
    Column::number("Metrics due"),
    Column::text("Costliest metric (30 days)"),
    Column::text("Last review"),
];

#[component]
pub fn MaturityOverviewPage() -> impl IntoView {
    let address = query_params::<OverviewAddress>();
    let data = Resource::new(|| (), |_| maturity_overview());
    view! {
        <Title text="Maturity · Vernier"/>
        <h1>"Maturity"</h1>
        <p class="muted">
            "Crawl, walk, run: each project's stage as its evidence shows it, against what was signed off. "
            <a href="/api/v1/maturity?format=csv" download data-testid="maturity-csv">"CSV"</a>
        </p>
        <nav class="ranges" aria-label="Sort by">
            "Sort by: "
            {SORTS.iter().map(|(key, label)| view! {
                <a href=format!("?sort={key}") class:current=move || address.get().sort == *key>{*label}</a>
            }).collect_view()}
        </nav>
        {loaded(data, move |mut rows| {
            sort(&mut rows, &address.get().sort);
            view! {
                <DataTable rows columns=COLUMNS empty="You read no project yet." testid="maturity-table"
                    row=|r: MaturityRow| {
                        let stage = |s: Option<Stage>| s.map_or("—".to_owned(), |s| s.label().to_owned());
                        view! {
                            <tr data-testid=format!("maturity-{}", r.slug)>
                                <td>
                                    <a href=format!("/projects/{}", r.slug) data-testid=format!("project-{}", r.slug)>{r.name.clone()}</a>
                                    " · "
                                    <a href=format!("/projects/{}/maturity", r.slug) data-testid=format!("review-{}", r.slug)>"Review"</a>
                                </td>
                                <td data-testid="signed">
                                    {stage(r.signed_off)}
                                    {(!r.backed).then(|| view! { <span class="badge warn" data-testid="lapsed">"no longer backed"</span> })}
                                </td>
                                <td data-testid="computed">{r.computed.map_or("Not yet crawling".to_owned(), |s| s.label().to_owned())}</td>
                                <td class="num">{format!("{} / {}", r.completion.0, r.completion.1)}</td>
                                <td class="num">{r.metrics_due}</td>
                                <td>{r.top_impact.as_ref().map_or("—".to_owned(), |(key, dollars)| format!("{key}: {dollars}"))}</td>
                                <td>{r.last_reviewed.map_or("never".to_owned(), |at| at.format("%Y-%m-%d").to_string())}</td>
                            </tr>
                        }
                    }/>
            }
        })}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, computed: Option<Stage>, due: usize) -> MaturityRow {
        MaturityRow {
            slug: name.to_lowercase(),
            name: name.into(),
            signed_off: None,
            computed,
            backed: true,
            completion: (0, 13),
            metrics_due: due,
            top_impact: None,
            last_reviewed: None,
        }
    }

    #[test]
    fn the_least_mature_lead_by_default_and_columns_sort() {
        let mut rows = vec![
            row("A", Some(Stage::Walk), 0),
            row("B", None, 3),
            row("C", Some(Stage::Crawl), 1),
        ];
        sort(&mut rows, "");
        let names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["B", "C", "A"]);
        sort(&mut rows, "due");
        assert_eq!(rows[0].name, "B");
        sort(&mut rows, "project");
        assert_eq!(rows[0].name, "A");
    }
}
