//! One metric: its definition, lifecycle actions and change history.

use crate::api::metrics::{get_metric, ActivateMetric, RetireMetric};
use crate::api::queues::metric_agreement;
use crate::api::scoring::StartScoringJob;
use crate::components::for_role::ForProject;
use crate::components::forms::{last_error, FieldError, FormError};
use crate::components::outcome::loaded;
use crate::components::params::text_param;
use crate::domain::membership::ProjectAccess;
use crate::domain::metric::kinds::Status;
use crate::domain::metric::{MetricChange, MetricView};
use crate::pages::metric_trend::{trend_resource, MetricTrend};
use crate::pages::queue_report::Coefficients;
use crate::pages::rescoring::{jobs_resource, Rescoring};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos::server::ServerAction;
use leptos_meta::Title;

/// `/projects/:slug/metrics/:key`.
#[component]
pub fn MetricPage() -> impl IntoView {
    let project = text_param("slug");
    let key = text_param("key");
    let activate = ServerAction::<ActivateMetric>::new();
    let retire = ServerAction::<RetireMetric>::new();
    let start = ServerAction::<StartScoringJob>::new();
    let jobs = jobs_resource(project, key, start);
    // Made with the page: a resource made inside a role-gated view would not hydrate.
    let agreement = Resource::new(
        move || (project(), key()),
        |(project, key)| metric_agreement(project, key),
    );
    let (trend, trend_address) = trend_resource(project, key);
    let detail = Resource::new(
        move || (project(), key(), activate.version().get(), retire.version().get()),
        |(project, key, _, _)| get_metric(project, key),
    );
    view! {
        {loaded(detail, move |detail| {
            let metric = detail.metric.clone();
            let for_actions = metric.clone();
            view! {
                <Title text=format!("{} · Vernier", metric.definition.name)/>
                <div class="page-head">
                    <h1 data-testid="metric-name">{metric.definition.name.clone()}</h1>
                    <span class=format!("status status-{}", metric.status) data-testid="metric-status">{metric.status.label()}</span>
                    <a href=format!("/projects/{}/metrics", metric.project_slug)>"← Metrics"</a>
                </div>
                {(!metric.status_reason.is_empty()).then(|| view! {
                    <p class="notice" data-testid="metric-reason">{format!("Retired: {}", metric.status_reason)}</p>
                })}
                <ForProject access=ProjectAccess::Edit>
                    <Actions metric=for_actions.clone() activate retire/>
                </ForProject>
                <MetricTrend project=metric.project_slug.clone() data=trend address=trend_address/>
                <Facts metric=metric.clone()/>
                {metric.definition.scorer.is_scored_here().then(|| view! {
                    <Rescoring project=metric.project_slug.clone() key=metric.definition.key.clone() jobs start/>
                    <p>
                        <a href=format!("/projects/{}/judge-check?automated={}", metric.project_slug, metric.definition.key)
                            data-testid="check-judge-link">"Check this scorer against people's ratings →"</a>
                    </p>
                })}
                <ForProject access=ProjectAccess::Manage>
                    {move || loaded(agreement, |agreement| agreement.map(|agreement| view! {
                        <section class="card" data-testid="metric-agreement">
                            <h2>"Agreement between annotators (all queues)"</h2>
                            <Coefficients agreement/>
                        </section>
                    }))}
                </ForProject>
                <History changes=detail.history.clone()/>
            }
        })}
    }
}

#[component]
fn Actions(
    metric: MetricView,
    activate: ServerAction<ActivateMetric>,
    retire: ServerAction<RetireMetric>,
) -> impl IntoView {
    let retire_error = last_error(retire);
    let activate_error = last_error(activate);
    let (project, key) = (metric.project_slug.clone(), metric.definition.key.clone());
    let edit = format!("/projects/{project}/metrics/{key}/edit");
    let can_activate = metric.status.can_become(Status::Active);
    let can_retire = metric.status.can_become(Status::Retired);
    view! {
        <section class="actions card">
            <a class="button" href=edit data-testid="edit-metric">"Edit"</a>
            {can_activate.then(|| {
                let (project, key) = (project.clone(), key.clone());
                view! {
                    <ActionForm action=activate attr:class="inline-form">
                        <input type="hidden" name="project" value=project/>
                        <input type="hidden" name="key" value=key/>
                        <button type="submit" data-testid="activate-metric">
                            {if metric.status == Status::Retired { "Reactivate" } else { "Activate" }}
                        </button>
                    </ActionForm>
                }
            })}
            {can_retire.then(|| view! {
                <ActionForm action=retire attr:class="inline-form">
                    <input type="hidden" name="project" value=project.clone()/>
                    <input type="hidden" name="key" value=key.clone()/>
                    <input type="text" name="reason" placeholder="Why retire it?" data-testid="retire-reason"/>
                    <button type="submit" data-testid="retire-metric">"Retire"</button>
                    <FieldError error=retire_error field="reason"/>
                </ActionForm>
            })}
            <FormError error=activate_error fields=&[]/>
        </section>
    }
}

#[component]
fn Facts(metric: MetricView) -> impl IntoView {
    let d = metric.definition;
    view! {
        <dl class="facts card" data-testid="metric-facts">
            <dt>"Key"</dt><dd class="mono">{d.key}</dd>
            <dt>"Question"</dt><dd>{d.question}</dd>
            <dt>"Description"</dt><dd>{if d.description.is_empty() { "—".to_owned() } else { d.description }}</dd>
            <dt>"Paradigm"</dt><dd>{d.paradigm.label()}</dd>
            <dt>"Category"</dt><dd>{d.category.label()}</dd>
            <dt>"Cadence"</dt><dd>{d.cadence.label()}</dd>
            <dt>"On failure"</dt><dd>{d.action_on_failure.label()}</dd>
            <dt>"Scorer"</dt><dd class="mono">{d.scorer.to_json()}</dd>
            <dt>"Pass rule"</dt><dd>{d.pass_rule.to_string()}</dd>
            <dt>"Stage"</dt><dd>{d.stage.label()}</dd>
            <dt>"Owner"</dt><dd>{metric.owner_name}</dd>
            <dt>"Cost per failure"</dt><dd data-testid="metric-cost">{d.cost_per_failure.to_string()}</dd>
            <dt>"Cost per evaluation"</dt><dd>{d.cost_per_evaluation.to_string()}</dd>
            <dt>"Review date"</dt><dd data-testid="metric-review-date">{d.review_date.to_string()}</dd>
            <dt>"Retirement date"</dt><dd data-testid="metric-retirement-date">{d.retirement_date.map(|x| x.to_string()).unwrap_or_else(|| "—".into())}</dd>
            <dt>"Tags"</dt><dd>{d.tags.join(", ")}</dd>
        </dl>
    }
}

#[component]
fn History(changes: Vec<MetricChange>) -> impl IntoView {
    view! {
        <section class="card">
            <h2>"History"</h2>
            <table class="table" data-testid="metric-history">
                <thead><tr><th>"When"</th><th>"Who"</th><th>"Field"</th><th>"From"</th><th>"To"</th></tr></thead>
                <tbody>
                    {changes
                        .into_iter()
                        .map(|change| {
                            let testid = format!("history-{}", change.field);
                            view! {
                            <tr data-testid=testid>
                                <td>{change.changed_at.format("%Y-%m-%d %H:%M UTC").to_string()}</td>
                                <td>{change.changed_by}</td>
                                <td>{change.field}</td>
                                <td class="mono">{change.old_value}</td>
                                <td class="mono">{change.new_value}</td>
                            </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </section>
    }
}
