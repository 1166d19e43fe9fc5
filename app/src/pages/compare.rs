//! `/projects/:slug/compare?a=…&b=…`: version B against version A, per metric and inside every
//! segment, most alarming first, with what explains each metric's change.

use crate::api::dashboards::{compare_versions, ComparePage};
use crate::components::data_table::{Column, DataTable};
use crate::components::numbers::{points, CompactRate};
use crate::components::outcome::loaded;
use crate::components::page_head::ProjectPageHead;
use crate::components::params::{query_params, text_param};
use crate::domain::trends::compare::{Attribution, CompareQuery, ComparisonRow, Verdict, FDR};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn ComparePage() -> impl IntoView {
    let project = text_param("slug");
    let query = query_params::<CompareQuery>();
    let data = Resource::new(
        move || (project(), query.get()),
        |(project, q)| compare_versions(project, q.a, q.b, q.from, q.to),
    );
    view! {
        <Title text="Compare releases · Vernier"/>
        <ProjectPageHead title="Compare releases"/>
        {loaded(data, move |page| {
            let q = query.get();
            let csv = (!q.a.is_empty() && !q.b.is_empty()).then(|| {
                let address = crate::components::params::query_string(&q);
                format!("/api/v1/projects/{}/compare?{address}&format=csv", project())
            });
            view! {
                <Chooser page=page.clone() current=q/>
                {csv.map(|href| view! { <p><a href=href download data-testid="compare-csv">"Download the comparison as CSV"</a></p> })}
                <Results page/>
            }
        })}
    }
}

#[component]
fn Chooser(page: ComparePage, current: CompareQuery) -> impl IntoView {
    // Defaults: the newest version against the one it replaced.
    let pick = |chosen: &str, fallback: &str| {
        if chosen.is_empty() {
            fallback.to_owned()
        } else {
            chosen.to_owned()
        }
    };
    let a = pick(&current.a, &page.defaults.0);
    let b = pick(&current.b, &page.defaults.1);
    let select = |name: &'static str, selected: String| {
        let options = page.versions.clone();
        view! {
            <label>{format!("Version {} ", name.to_uppercase())}
                <select name=name data-testid=format!("compare-{name}")>
                    {options.into_iter().map(|(label, first)| {
                        let is = label == selected;
                        let text = match first {
                            Some(day) => format!("{label} (from {day})"),
                            None => label.clone(),
                        };
                        view! { <option value=label selected=is>{text}</option> }
                    }).collect_view()}
                </select>
            </label>
        }
    };
    view! {
        <form method="get" class="filters" data-testid="compare-form">
            {select("a", a)}
            {select("b", b)}
            <label>"From " <input type="date" name="from" value=current.from/></label>
            <label>"to " <input type="date" name="to" value=current.to/></label>
            <button type="submit" class="primary" data-testid="compare-submit">"Compare"</button>
        </form>
    }
}

const COLUMNS: &[Column] = &[
    Column::text("Metric"),
    Column::text("Segment"),
    Column::text("A"),
    Column::text("B"),
    Column::text("B − A (95% CI)"),
    Column::number("p"),
    Column::number("q (BH)"),
    Column::text("Verdict"),
];

#[component]
fn Results(page: ComparePage) -> impl IntoView {
    let Some(comparison) = page.comparison else {
        return view! { <p class="empty" data-testid="compare-choose">"Choose two versions to compare."</p> }
            .into_any();
    };
    let explained: Vec<Attribution> = comparison
        .attributions
        .iter()
        .filter(|a| {
            comparison
                .explanations
                .iter()
                .any(|e| e.metric_key == a.metric_key)
        })
        .cloned()
        .collect();
    let every = comparison.rows.clone();
    let significant: Vec<ComparisonRow> = comparison
        .rows
        .iter()
        .filter(|r| matches!(r.verdict, Verdict::Regression | Verdict::Improvement))
        .cloned()
        .collect();
    view! {
        {comparison.explanations.iter().map(|e| view! { <p class="callout" data-testid="compare-explanation">{e.sentence()}</p> }).collect_view()}
        <p class="muted" data-testid="compare-method">
            {format!(
                "{} {} tested (every metric in all traffic and in each segment, where both versions have data). p-values are adjusted with Benjamini–Hochberg over these; a verdict needs q < {FDR}. Each test is a two-proportion z-test, or Fisher's exact test when an expected count is below 5.",
                comparison.comparisons,
                plural(comparison.comparisons, "comparison", "comparisons")
            )}
        </p>
        <h2>"Significant changes"</h2>
        <ComparisonTable rows=significant testid="compare-significant"
            empty="No metric changed significantly, in all traffic or in any segment."/>
        <details class="card" data-testid="compare-all">
            <summary>{rows_summary(every.len(), comparison.comparisons)}</summary>
            <ComparisonTable rows=every testid="compare-table" empty="No active metrics to compare."/>
        </details>
        {(!explained.is_empty()).then(|| view! {
            <details class="card" open=true data-testid="compare-attribution">
                <summary>"How each change splits into the segments' own rates and the traffic mix"</summary>
                {explained.into_iter().map(|a| view! { <AttributionTable attribution=a/> }).collect_view()}
            </details>
        })}
    }
    .into_any()
}

/// The word for `n` things.
fn plural(n: usize, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 {
        one
    } else {
        many
    }
}

/// What the table of every row holds, in the same count as the method's sentence: the rows
/// tested, and those with too little data to test.
fn rows_summary(rows: usize, tested: usize) -> String {
    let untested = rows.saturating_sub(tested);
    let tested_part = format!("{tested} {} tested", plural(tested, "comparison", "comparisons"));
    match untested {
        0 => format!("All {tested_part}, including those without a significant change"),
        n => format!("All {rows} rows: the {tested_part}, and {n} with too little data to test"),
    }
}

/// Comparison rows as a table.
#[component]
fn ComparisonTable(rows: Vec<ComparisonRow>, testid: &'static str, empty: &'static str) -> impl IntoView {
    view! {
        <DataTable rows columns=COLUMNS empty testid row=|row: ComparisonRow| {
            let segment = row.segment.as_ref().map_or_else(|| "all traffic".to_owned(), ToString::to_string);
            let testid = format!("compare-{}-{}", row.metric_key, segment.replace(['=', ' '], "-"));
            let class = match row.verdict {
                Verdict::Regression => "verdict verdict-fail",
                Verdict::Improvement => "verdict verdict-pass",
                _ => "verdict",
            };
            let delta = row.change.delta.map(|d| format!(
                "{} ({} to {})", points(d), points(row.change.interval.low), points(row.change.interval.high)
            ));
            view! {
                <tr data-testid=testid>
                    <td>{row.metric_name}</td>
                    <td class="nowrap">{segment}</td>
                    <td><CompactRate rate=row.a/></td>
                    <td><CompactRate rate=row.b/></td>
                    <td class="nowrap">{delta.unwrap_or_else(|| "—".into())}</td>
                    <td class="num">{format!("{:.4}", row.change.test.p)}</td>
                    <td class="num">{format!("{:.4}", row.q)}</td>
                    <td><span class=class data-testid="verdict">{row.verdict.label()}</span></td>
                </tr>
            }
        }/>
    }
}

const SHARE_COLUMNS: &[Column] = &[
    Column::text("Segment"),
    Column::number("Own rate changed"),
    Column::number("Traffic mix shifted"),
    Column::number("Together"),
];

/// How the values of one segment key account for a metric's total change.
#[component]
fn AttributionTable(attribution: Attribution) -> impl IntoView {
    let title = format!(
        "{}: the total change of {} split by {}",
        attribution.metric_key,
        points(attribution.total_change),
        attribution.key
    );
    view! {
        <section class="card" data-testid=format!("attribution-{}", attribution.key)>
            <h2>{title}</h2>
            <DataTable rows=attribution.shares columns=SHARE_COLUMNS empty="No segments." testid="attribution-table"
                row=|share: crate::domain::trends::compare::Share| view! {
                    <tr>
                        <td>{share.segment.to_string()}</td>
                        <td class="num">{points(share.rate_effect)}</td>
                        <td class="num">{points(share.mix_effect)}</td>
                        <td class="num">{points(share.rate_effect + share.mix_effect)}</td>
                    </tr>
                }/>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_of_every_row_counts_as_the_method_does() {
        assert_eq!(
            rows_summary(71, 69),
            "All 71 rows: the 69 comparisons tested, and 2 with too little data to test"
        );
        assert_eq!(
            rows_summary(3, 3),
            "All 3 comparisons tested, including those without a significant change"
        );
        assert_eq!(
            rows_summary(2, 1),
            "All 2 rows: the 1 comparison tested, and 1 with too little data to test"
        );
    }
}
