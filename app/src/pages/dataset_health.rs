//! `/projects/:slug/datasets/:name/health`: is the golden set fit to judge by? The warnings
//! first, then balance (with a chart per dimension), near-duplicates, coverage of what
//! production sees, annotator agreement and staleness; the thresholds are a form whose values
//! the address keeps.

use crate::api::datasets::{dataset_health, DuplicatePair, Health};
use crate::components::charts::{distribution_chart, EChart};
use crate::components::data_table::{Column, DataTable};
use crate::components::numbers::percent;
use crate::components::outcome::loaded;
use crate::components::params::{query_params, text_param};
use crate::domain::dataset::health::{Balance, Coverage, ThresholdForm, Thresholds};
use leptos::prelude::*;
use leptos_meta::Title;

/// `/projects/:slug/datasets/:name/health`.
#[component]
pub fn DatasetHealthPage() -> impl IntoView {
    let project = text_param("slug");
    let name = text_param("name");
    let thresholds = query_params::<ThresholdForm>();
    let health = Resource::new(
        move || (project(), name(), thresholds.get()),
        |(project, name, thresholds)| dataset_health(project, name, thresholds),
    );
    view! {
        {loaded(health, move |health| {
            let (project, name) = (project(), name());
            view! {
                <Title text=format!("Health of {name} · Vernier")/>
                <div class="page-head">
                    <h1>{format!("Health of {name} (v{})", health.version)}</h1>
                    <a href=format!("/projects/{project}/datasets/{name}")>"← The dataset"</a>
                </div>
                <Warnings health=health.clone()/>
                <Balances balances=health.balances.clone() t=health.thresholds/>
                <Duplicates pairs=health.duplicates.clone() t=health.thresholds/>
                <CoverageTable rows=health.coverage.clone() production=health.production t=health.thresholds/>
                <Agreement health=health.clone()/>
                <ThresholdsForm t=health.thresholds/>
            }
        })}
    }
}

#[component]
fn Warnings(health: Health) -> impl IntoView {
    let staleness = format!(
        "{} items · changed {} · {}",
        health.items,
        health.changed_at.format("%Y-%m-%d"),
        match (&health.reviewed_at, &health.reviewed_by) {
            (Some(at), Some(by)) => format!("reviewed {} by {by}", at.format("%Y-%m-%d")),
            _ => "never reviewed".to_owned(),
        }
    );
    view! {
        {if health.warnings.is_empty() {
            view! { <p class="banner banner-ok" data-testid="health-ok">"No warnings under these thresholds."</p> }.into_any()
        } else {
            view! {
                <section class="banner banner-danger" data-testid="health-warnings">
                    <strong>{format!("{} warning{}", health.warnings.len(), if health.warnings.len() == 1 { "" } else { "s" })}</strong>
                    <ul>{health.warnings.iter().map(|w| view! { <li data-testid="health-warning">{w.clone()}</li> }).collect_view()}</ul>
                </section>
            }.into_any()
        }}
        <p class="muted" data-testid="health-staleness">{staleness}</p>
    }
}

#[component]
fn Balances(balances: Vec<Balance>, t: Thresholds) -> impl IntoView {
    view! {
        <section class="card">
            <h2>"Balance and diversity"</h2>
            <p class="hint">{format!("A value of the label, language, topic or difficulty under {} of the items is rare.", percent(t.min_class_share))}</p>
            {if balances.is_empty() {
                view! { <p class="muted">"No labels or tags yet."</p> }.into_any()
            } else {
                balances.into_iter().map(|b| {
                    let id = format!("balance-{}", b.dimension.replace(' ', "-"));
                    let summary = match (b.largest(), b.smallest()) {
                        (Some(only), _) if b.shares.len() == 1 => format!("all {} items: {}", b.labelled, only.value),
                        (Some(l), Some(s)) => format!(
                            "{} items: largest {} ({}), smallest {} ({})",
                            b.labelled, l.value, percent(l.share), s.value, percent(s.share)
                        ),
                        _ => String::new(),
                    };
                    // Yes/no and free tags read as a line; classes to balance get a chart.
                    let charted = !matches!(b.dimension.as_str(), "edge case" | "tag") && b.shares.len() > 1;
                    let shares = b.shares.iter().map(|s| format!("{} {}", s.value, s.items)).collect::<Vec<_>>().join(" · ");
                    let chart = b.clone();
                    let height = 90 + 26 * b.shares.len().min(16) as u32;
                    view! {
                        <div data-testid=id.clone()>
                            <h3>{b.dimension.clone()}</h3>
                            <p class="hint">{summary}</p>
                            {if charted {
                                view! { <EChart id=format!("{id}-chart") height chart=move || distribution_chart(&chart, t.min_class_share)/> }.into_any()
                            } else {
                                view! { <p>{shares}</p> }.into_any()
                            }}
                        </div>
                    }
                }).collect_view().into_any()
            }}
        </section>
    }
}

const PAIR_COLUMNS: &[Column] = &[
    Column::text("Item"),
    Column::text("Item"),
    Column::number("Similarity"),
];

#[component]
fn Duplicates(pairs: Vec<DuplicatePair>, t: Thresholds) -> impl IntoView {
    view! {
        <section class="card">
            <h2>"Near-duplicates"</h2>
            <p class="hint">{format!("Items whose inputs share at least {} of their three-word shingles (MinHash, then measured exactly); exact duplicates differ only in case, punctuation or spacing.", percent(t.near_duplicate))}</p>
            <DataTable rows=pairs columns=PAIR_COLUMNS empty="No near-duplicates." testid="duplicate-table" row=|p: DuplicatePair| view! {
                <tr data-testid=format!("duplicate-{}-{}", p.first, p.second)>
                    <td><span class="mono">{p.first.clone()}</span><br/><span class="hint">{p.first_text.chars().take(120).collect::<String>()}</span></td>
                    <td><span class="mono">{p.second.clone()}</span><br/><span class="hint">{p.second_text.chars().take(120).collect::<String>()}</span></td>
                    <td class="num">{if p.exact { "exact".to_owned() } else { percent(p.jaccard) }}</td>
                </tr>
            }/>
        </section>
    }
}

const COVERAGE_COLUMNS: &[Column] = &[
    Column::text("Segment"),
    Column::number("Share of production"),
    Column::number("Items"),
    Column::text(""),
];

#[component]
fn CoverageTable(rows: Vec<Coverage>, production: u64, t: Thresholds) -> impl IntoView {
    let needed = t.coverage_items;
    view! {
        <section class="card">
            <h2>"Coverage of production"</h2>
            <p class="hint">{format!(
                "Segment values with at least {} of the last 30 days' {production} production outputs need {needed} items or more (an item counts by its language or topic tag, or a free tag key=value).",
                percent(t.coverage_share)
            )}</p>
            <DataTable rows columns=COVERAGE_COLUMNS empty="No production traffic in the last 30 days." testid="coverage-table" row=move |c: Coverage| {
                let short = c.items < needed;
                view! {
                    <tr data-testid=format!("coverage-{}-{}", c.key, c.value)>
                        <td class="mono">{format!("{}={}", c.key, c.value)}</td>
                        <td class="num">{percent(c.production_share)}</td>
                        <td class="num">{c.items}</td>
                        <td>{short.then(|| view! { <span class="badge warn">"too few"</span> })}</td>
                    </tr>
                }
            }/>
        </section>
    }
}

#[component]
fn Agreement(health: Health) -> impl IntoView {
    view! {
        <section class="card">
            <h2>"Annotation consistency"</h2>
            <p class="hint">"Krippendorff's alpha over items taken from outputs that several annotators rated (nominal for pass/fail, ordinal for scales); under 0.667 is too little to build on."</p>
            {if health.agreement.is_empty() {
                view! { <p class="muted">"No item was rated by several annotators."</p> }.into_any()
            } else {
                view! {
                    <ul>{health.agreement.iter().map(|(metric, alpha)| {
                        let shown = match alpha { Ok(a) => format!("{a:.3}"), Err(why) => why.clone() };
                        view! { <li><span class="mono">{metric.clone()}</span>": alpha "{shown}</li> }
                    }).collect_view()}</ul>
                }.into_any()
            }}
        </section>
    }
}

/// The thresholds, sent as the page's query (a GET form: the address keeps them).
#[component]
fn ThresholdsForm(t: Thresholds) -> impl IntoView {
    let field = |label: &'static str, name: &'static str, value: String| {
        view! {
            <label class="field">
                <span class="field-label">{label}</span>
                <input type="text" name=name value=value data-testid=format!("threshold-{name}")/>
            </label>
        }
    };
    let pct = |x: f64| format!("{}%", (x * 1000.0).round() / 10.0);
    view! {
        <section class="card">
            <h2>"Thresholds"</h2>
            <form method="get" class="form" data-testid="threshold-form">
                <div class="grid-2">
                    {field("Smallest share of a class", "min_class_share", pct(t.min_class_share))}
                    {field("Near-duplicate from similarity", "near_duplicate", pct(t.near_duplicate))}
                    {field("Production share that needs coverage", "coverage_share", pct(t.coverage_share))}
                    {field("Items such a segment needs", "coverage_items", t.coverage_items.to_string())}
                    {field("Stale after days without change or review", "stale_days", t.stale_days.to_string())}
                </div>
                <button type="submit" data-testid="threshold-apply">"Apply"</button>
            </form>
        </section>
    }
}
