//! One queue for staff: progress per annotator, agreement per metric (percent, Krippendorff's
//! alpha, Cohen's kappa per pair) and the disagreements a manager settles.

use crate::api::queues::{queue_report, Adjudicate};
use crate::components::add_to_dataset::AddToDataset;
use crate::components::forms::{last_error, FormError};
use crate::components::outcome::loaded;
use crate::components::params::{number_param, text_param};
use crate::domain::annotation::agreement::{Agreement, Disagreement};
use crate::domain::rubric::label_of;
use crate::domain::stats::show;
use crate::pages::queues::ProgressBar;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos::server::ServerAction;
use leptos_meta::Title;

/// `/projects/:slug/queues/:id`.
#[component]
pub fn QueueReportPage() -> impl IntoView {
    let project = text_param("slug");
    let id = number_param("id");
    let adjudicate = ServerAction::<Adjudicate>::new();
    let report = Resource::new(
        move || (project(), id(), adjudicate.version().get()),
        |(project, id, _)| queue_report(project, id),
    );
    let error = last_error(adjudicate);
    view! {
        <Title text="Queue · Vernier"/>
        {loaded(report, move |report| {
            let queue = report.queue.clone();
            view! {
                <div class="page-head">
                    <h1>{queue.name.clone()}</h1>
                    <a href=format!("/projects/{}/queues", project())>"← Queues"</a>
                </div>
                <p class="muted">{format!(
                    "{} · {} items · overlap {} · due {}",
                    queue.sampling.describe(), queue.items, queue.overlap,
                    queue.due_date.map(|d| d.to_string()).unwrap_or_else(|| "—".into())
                )}</p>
                <ProgressBar progress=queue.progress/>
                <AddToDataset project=project() ids=Signal::stored(report.failed.clone()) noun="failed items"/>
                <h2>"Annotators"</h2>
                <table class="table" data-testid="annotator-progress">
                    <thead><tr><th>"Annotator"</th><th>"Progress"</th></tr></thead>
                    <tbody>
                        {report.annotators.into_iter().map(|a| view! {
                            <tr data-testid=format!("annotator-{}", a.username)>
                                <td>{format!("{} ({})", a.display_name, a.username)}</td>
                                <td><ProgressBar progress=a.progress/></td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
                <FormError error fields=&[]/>
                {report.agreements.into_iter().map(|agreement| view! {
                    <AgreementView agreement adjudicate project=project() queue=queue.id/>
                }).collect_view()}
            }
        })}
    }
}

#[component]
fn AgreementView(
    agreement: Agreement,
    adjudicate: ServerAction<Adjudicate>,
    project: String,
    queue: i64,
) -> impl IntoView {
    let levels = agreement.levels.clone();
    view! {
        <section class="card" data-testid=format!("agreement-{}", agreement.metric_key)>
            <h2>{format!("Agreement · {}", agreement.metric_name)}</h2>
            <Coefficients agreement=agreement.clone()/>
            <h3>{format!("Disagreements ({})", agreement.disagreements.len())}</h3>
            <ul class="disagreements" data-testid="disagreements">
                {agreement.disagreements.into_iter().map(|d| view! {
                    <DisagreementRow d levels=levels.clone() metric=agreement.metric_id adjudicate project=project.clone() queue/>
                }).collect_view()}
            </ul>
        </section>
    }
}

/// Percent agreement, Krippendorff's alpha at each level, and Cohen's kappa per pair (with
/// linear and quadratic weighted kappa for ordinal rubrics).
#[component]
pub fn Coefficients(agreement: Agreement) -> impl IntoView {
    let ordinal = agreement.scale == crate::domain::rubric::Scale::Ordinal;
    view! {
        <table class="table">
            <tbody>
                <tr><th>"Items rated by two or more"</th><td data-testid="agreement-items">{agreement.items}</td></tr>
                <tr><th>"Percent agreement"</th><td data-testid="agreement-percent">{match agreement.percent {
                        Ok(p) => format!("{:.1}%", p * 100.0),
                        Err(reason) => reason.to_string(),
                    }}</td></tr>
                    {agreement.alphas.iter().map(|(level, alpha)| view! {
                    <tr>
                        <th>{format!("Krippendorff's alpha ({})", level.label())}</th>
                        <td data-testid=format!("alpha-{}", level.label())>{show(alpha)}</td>
                    </tr>
                    }).collect_view()}
            </tbody>
        </table>
        <h3>"By pair of annotators"</h3>
        <table class="table" data-testid="pair-table">
            <thead><tr>
                <th>"Pair"</th><th class="num">"Items"</th><th class="num">"Agreement"</th><th class="num">"Cohen's kappa"</th>
                {ordinal.then(|| view! { <th class="num">"Linear weighted"</th><th class="num">"Quadratic weighted"</th> })}
            </tr></thead>
            <tbody>
                {agreement.pairs.iter().map(|pair| view! {
                    <tr data-testid=format!("pair-{}-{}", pair.first, pair.second)>
                        <td>{format!("{} · {}", pair.first, pair.second)}</td>
                        <td class="num">{pair.items}</td>
                        <td class="num">{show(&pair.percent)}</td>
                        <td class="num" data-testid="pair-kappa">{show(&pair.kappa)}</td>
                        {pair.weighted.map(|w| view! {
                            <td class="num" data-testid="pair-kappa-linear">{show(&w.linear)}</td>
                            <td class="num" data-testid="pair-kappa-quadratic">{show(&w.quadratic)}</td>
                        })}
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn DisagreementRow(
    d: Disagreement,
    levels: Vec<crate::domain::rubric::Level>,
    metric: i64,
    adjudicate: ServerAction<Adjudicate>,
    project: String,
    queue: i64,
) -> impl IntoView {
    let ratings = d
        .ratings
        .iter()
        .map(|(who, v)| format!("{who}: {}", label_of(&levels, *v)))
        .collect::<Vec<_>>()
        .join(" · ");
    let resolved = d.resolved.map(|v| label_of(&levels, v));
    view! {
        <li data-testid=format!("disagreement-{}", d.item_id)>
            <a href=format!("/projects/{project}/outputs/{}", d.output_id)>{format!("Output {}", d.output_id)}</a>
            " — "{ratings}
            {resolved.map(|label| view! { <strong data-testid="final-label">{format!(" → final: {label}")}</strong> })}
            <ActionForm action=adjudicate attr:class="inline-form">
                <input type="hidden" name="project" value=project.clone()/>
                <input type="hidden" name="queue" value=queue.to_string()/>
                <input type="hidden" name="item" value=d.item_id.to_string()/>
                <input type="hidden" name="metric" value=metric.to_string()/>
                <select name="value" data-testid="adjudicate-value">
                    {levels.iter().map(|l| view! { <option value=l.value.to_string()>{l.label.clone()}</option> }).collect_view()}
                </select>
                <input type="text" name="note" placeholder="why (optional)"/>
                <button type="submit" data-testid="adjudicate-submit">"Set final label"</button>
            </ActionForm>
        </li>
    }
}
