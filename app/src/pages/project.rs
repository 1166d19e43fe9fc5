//! One project's page: its facts, its metrics at a glance, and for a new project the nudge to
//! start with one metric from the catalogue.

use crate::api::metric_io::{metric_templates, AddTemplate};
use crate::api::metrics::list_metrics;
use crate::api::projects::get_project;
use crate::components::for_role::ForProject;
use crate::components::forms::{last_error, FormError};
use crate::components::outcome::loaded;
use crate::components::params::text_param;
use crate::domain::membership::ProjectAccess;
use crate::domain::metric::catalogue::TemplateSummary;
use crate::domain::metric::kinds::Status;
use crate::error::AppError;
use crate::pages::overview::{overview_resource, range_days, ProjectOverview};
use crate::pages::segment_keys::{segment_keys_resource, SegmentKeys};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos::server::ServerAction;
use leptos_meta::Title;
use leptos_router::hooks::use_navigate;

/// The project named by the `:slug` in the address.
#[component]
pub fn ProjectPage() -> impl IntoView {
    let slug = text_param("slug");
    let add = ServerAction::<AddTemplate>::new();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(metric)) = add.value().get() {
            navigate(
                &format!(
                    "/projects/{}/metrics/{}",
                    metric.project_slug, metric.definition.key
                ),
                Default::default(),
            );
        }
    });
    let data = Resource::new(slug, |slug| async move {
        let project = get_project(slug.clone()).await?;
        let metrics = list_metrics(slug, Default::default()).await?;
        Ok::<_, AppError>((project, metrics, metric_templates().await?))
    });
    let overview = overview_resource(slug, range_days());
    let (segment_keys, save_keys) = segment_keys_resource(slug);
    loaded(data, move |(project, metrics, templates)| {
        let active = metrics.iter().filter(|m| m.status == Status::Active).count();
        let base = format!("/projects/{}", project.slug);
        let outputs = format!("{base}/outputs");
        let (rubrics, queues, judge, feedback, otlp) = (
            format!("{base}/rubrics"),
            format!("{base}/queues"),
            format!("{base}/judge-check"),
            format!("{base}/feedback"),
            format!("{base}/otlp"),
        );
        view! {
            <Title text=format!("{} · Vernier", project.name)/>
            <h1 data-testid="project-name">{project.name}</h1>
            <p class="muted">{format!("/{} · created by {}", project.slug, project.created_by)}</p>
            <nav class="subnav">
                <a href=format!("{base}/metrics") data-testid="project-metrics">
                    {format!("Metrics ({} active of {})", active, metrics.len())}
                </a>
                <ForProject access=ProjectAccess::Manage>
                    <a href=outputs.clone() data-testid="project-outputs">"Outputs"</a>
                    <a href=rubrics.clone() data-testid="project-rubrics">"Rubrics"</a>
                    <a href=queues.clone() data-testid="project-queues">"Annotation queues"</a>
                    <a href=judge.clone() data-testid="project-judge-check">"Judge check"</a>
                    <a href=feedback.clone() data-testid="project-feedback">"End-user feedback"</a>
                    <a href=otlp.clone() data-testid="project-otlp">"OpenTelemetry"</a>
                </ForProject>
                <a href=format!("{base}/alerts") data-testid="project-alerts">"Alerts"</a>
                <a href=format!("{base}/datasets") data-testid="project-datasets">"Datasets and eval runs"</a>
                <a href=format!("{base}/experiments") data-testid="project-experiments">"A/B tests"</a>
                <a href=format!("{base}/maturity") data-testid="project-maturity">"Maturity review"</a>
                <a href=format!("{base}/queue") data-testid="project-queue">"Retirement queue"</a>
                <a href=format!("{base}/metrics-as-code") data-testid="project-io">"Metrics as code"</a>
                <a href=format!("{base}/members") data-testid="project-members">"Members"</a>
                <ForProject access=ProjectAccess::Edit>
                    <a href=format!("{base}/api-keys") data-testid="project-keys">"API keys"</a>
                    <a href=format!("{base}/endpoints") data-testid="project-endpoints">"LLM endpoints"</a>
                </ForProject>
            </nav>
            <dl class="facts">
                <dt>"Description"</dt>
                <dd>{or_dash(project.description)}</dd>
                <dt>"Purpose"</dt>
                <dd>{or_dash(project.purpose)}</dd>
            </dl>
            {metrics.is_empty().then(|| view! { <StartWithOneMetric slug=project.slug.clone() templates add/> })}
            <ProjectOverview slug=project.slug.clone() data=overview/>
            <SegmentKeys slug=project.slug.clone() keys=segment_keys save=save_keys/>
        }
    })
}

#[component]
fn StartWithOneMetric(
    slug: String,
    templates: Vec<TemplateSummary>,
    add: ServerAction<AddTemplate>,
) -> impl IntoView {
    let error = last_error(add);
    view! {
        <section class="card nudge" data-testid="start-with-one-metric">
            <h2>"Start with one metric"</h2>
            <p>
                "Crawl first: pick the one behaviour whose failure costs the most, give it a dollar "
                "cost per failure and a review date, and measure it. These come from the method:"
            </p>
            <FormError error fields=&[]/>
            <ul class="catalogue">
                {templates
                    .into_iter()
                    .map(|template| {
                        let slug = slug.clone();
                        let id = template.id.clone();
                        view! {
                            <li class="template" data-testid=format!("template-{}", &template.id)>
                                <strong>{template.title}</strong>
                                <span class="muted">{format!(" · {} · {} · {} per failure", template.category, template.cadence, template.cost_per_failure)}</span>
                                <p>{template.why}</p>
                                <ForProject access=ProjectAccess::Edit>
                                    <AddTemplateButton slug=slug.clone() id=id.clone() add/>
                                </ForProject>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </section>
    }
}

#[component]
fn AddTemplateButton(slug: String, id: String, add: ServerAction<AddTemplate>) -> impl IntoView {
    let testid = format!("add-{id}");
    view! {
        <ActionForm action=add>
            <input type="hidden" name="project" value=slug/>
            <input type="hidden" name="template" value=id/>
            <button type="submit" data-testid=testid>"Add as draft"</button>
        </ActionForm>
    }
}

fn or_dash(text: String) -> String {
    if text.is_empty() {
        "—".to_owned()
    } else {
        text
    }
}
