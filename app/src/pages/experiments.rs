//! `/projects/:slug/experiments`: every A/B test with where it stands (collecting, with its
//! progress, or its verdict), and the form that starts one.

use crate::api::experiments::{list_experiments, CreateExperiment, ExperimentList};
use crate::components::data_table::{Column, DataTable};
use crate::components::fields::{ChoiceField, InputField};
use crate::components::forms::{last_error, ErrorsFrom, FormError};
use crate::components::outcome::loaded;
use crate::components::page_head::ProjectPageHead;
use crate::components::params::text_param;
use crate::domain::experiment::analysis::{ExperimentView, Verdict};
use crate::domain::experiment::design::ExperimentForm;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos::server::ServerAction;
use leptos_meta::Title;

/// `/projects/:slug/experiments`.
#[component]
pub fn ExperimentsPage() -> impl IntoView {
    let project = text_param("slug");
    let create = ServerAction::<CreateExperiment>::new();
    let page = Resource::new(
        move || (project(), create.version().get()),
        |(project, _)| list_experiments(project),
    );
    view! {
        <Title text="A/B tests · Vernier"/>
        <ProjectPageHead title="A/B tests"/>
        <p class="hint">"Two or more versions serve traffic at once; the result is read once every arm has the sample its design needs. Clients ask which version to serve a user with GET /api/v1/projects/…/experiments/{key}/arm?user=…."</p>
        {loaded(page, move |page| {
            let project = project();
            view! {
                <ExperimentTable experiments=page.experiments.clone() project=project.clone()/>
                {page.can_run.then(|| view! { <NewExperiment create project page=page.clone()/> })}
            }
        })}
    }
}

const COLUMNS: &[Column] = &[
    Column::text("Experiment"),
    Column::text("Versions"),
    Column::text("Decides on"),
    Column::text("Started"),
    Column::text("Where it stands"),
];

#[component]
fn ExperimentTable(experiments: Vec<ExperimentView>, project: String) -> impl IntoView {
    view! {
        <DataTable rows=experiments columns=COLUMNS empty="No A/B tests yet." testid="experiment-table" row=move |e: ExperimentView| {
            let href = format!("/projects/{project}/experiments/{}", e.design.key);
            let standing = standing(&e);
            view! {
                <tr data-testid=format!("experiment-{}", e.design.key)>
                    <td><a href=href>{e.design.name.clone()}</a><br/><span class="hint mono">{e.design.key.clone()}</span></td>
                    <td class="mono">{e.design.versions.join(" vs ")}</td>
                    <td class="mono">{e.design.primary.clone()}</td>
                    <td class="nowrap">{e.design.started_on.to_string()}{e.ended_on.map(|d| format!(" – {d}"))}</td>
                    <td data-testid="experiment-standing">{standing}</td>
                </tr>
            }
        }/>
    }
}

/// Where an experiment stands, in a few words.
pub fn standing(e: &ExperimentView) -> String {
    match &e.verdict {
        Verdict::KeepCollecting { smallest, needed } => {
            format!(
                "keep collecting ({}%)",
                (smallest * 100 / (*needed).max(1)).min(99)
            )
        }
        Verdict::StoppedEarly { .. } => "stopped early: no result".into(),
        Verdict::SampleRatioMismatch { .. } => "sample ratio mismatch: no result".into(),
        Verdict::ArmsOnDifferentDays { .. } => "arms on different days: no result".into(),
        Verdict::Ship { version } => format!("ship {version}"),
        Verdict::GuardrailBroken { version, guardrails } => {
            format!("{version} wins but breaks {}", guardrails.join(", "))
        }
        Verdict::KeepControl => "keep the control".into(),
        Verdict::Settling { read_on, .. } => format!("sample reached; read on {read_on}"),
        Verdict::GuardrailUnmeasured { version, guardrails } => {
            format!("{version} wins; {} unmeasured", guardrails.join(", "))
        }
        Verdict::NoDetectableDifference { worse } if worse.is_empty() => "no detectable difference".into(),
        Verdict::NoDetectableDifference { worse } => format!("no better variant; {} worse", worse.join(", ")),
    }
}

#[component]
fn NewExperiment(
    create: ServerAction<CreateExperiment>,
    project: String,
    page: ExperimentList,
) -> impl IntoView {
    let error = last_error(create);
    let defaults = ExperimentForm::new();
    let metrics: Vec<(String, String)> = std::iter::once((String::new(), "— choose —".to_owned()))
        .chain(
            page.metrics
                .iter()
                .map(|(key, name)| (key.clone(), format!("{name} ({key})"))),
        )
        .collect();
    let versions = if page.versions.is_empty() {
        "none yet".to_owned()
    } else {
        page.versions.join(", ")
    };
    let keys = page
        .metrics
        .iter()
        .map(|(key, _)| key.clone())
        .collect::<Vec<_>>()
        .join(", ");
    let created = move || create.value().get().and_then(Result::ok);
    let slug = project.clone();
    view! {
        <ErrorsFrom error>
        <section class="card">
            <h2>"New A/B test"</h2>
            <ActionForm action=create attr:class="form" attr:data-testid="experiment-form">
                <input type="hidden" name="project" value=project/>
                <InputField label="Key (used by the arm API)" field="key" value="" hint="e.g. shorter-prompt"/>
                <InputField label="Name" field="name" value=""/>
                <InputField label="Hypothesis" field="hypothesis" value="" hint="what you expect, and why"/>
                <InputField label="Versions, the control first (comma-separated)" field="versions" value=""/>
                <p class="hint" data-testid="experiment-version-choices">{format!("Versions: {versions}")}</p>
                <ChoiceField label="Primary metric (decides)" field="primary" options=metrics selected=""/>
                <InputField label="Guardrail metrics (comma-separated)" field="guardrails" value=""/>
                <p class="hint">{format!("Metrics: {keys}")}</p>
                <InputField label="Baseline pass rate of the control" field="baseline" value="" hint="empty: measured over the control's last 30 days"/>
                <InputField label="Smallest change worth detecting (points)" field="minimum_change" value=defaults.minimum_change/>
                <InputField label="Significance level α" field="alpha" value=defaults.alpha/>
                <InputField label="Power" field="power" value=defaults.power/>
                <InputField label="First day counted" field="started_on" value="" kind="date" hint="empty: today"/>
                <FormError fields=&["key", "name", "hypothesis", "versions", "primary", "guardrails", "baseline", "minimum_change", "alpha", "power", "started_on"]/>
                <button type="submit" class="primary" data-testid="experiment-submit">"Start the test"</button>
            </ActionForm>
            {move || created().map(|key| view! {
                <p class="success" data-testid="experiment-created">
                    "Started. "<a href=format!("/projects/{slug}/experiments/{key}")>"Open it"</a>
                </p>
            })}
        </section>
        </ErrorsFrom>
    }
}
