//! `/projects/:slug/datasets`: the project's golden datasets and eval runs, the form that
//! starts a dataset, and the pair of runs to compare.

use crate::api::datasets::{list_datasets, CreateDataset, DatasetList};
use crate::components::data_table::{Column, DataTable};
use crate::components::fields::InputField;
use crate::components::forms::{last_error, ErrorsFrom, FormError};
use crate::components::outcome::loaded;
use crate::components::page_head::ProjectPageHead;
use crate::components::params::text_param;
use crate::domain::dataset::run::RunInfo;
use crate::domain::dataset::Dataset;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos::server::ServerAction;
use leptos_meta::Title;

/// `/projects/:slug/datasets`.
#[component]
pub fn DatasetsPage() -> impl IntoView {
    let project = text_param("slug");
    let create = ServerAction::<CreateDataset>::new();
    let page = Resource::new(
        move || (project(), create.version().get()),
        |(project, _)| list_datasets(project),
    );
    view! {
        <Title text="Datasets · Vernier"/>
        <ProjectPageHead title="Golden datasets and eval runs"/>
        <p class="hint">"A dataset is a curated set of inputs with what a good reply is. Every change writes a new version; an eval run answers one version's items through the ingestion API (with dataset, dataset_version, item_id and run), and two runs on the same version compare item by item."</p>
        {loaded(page, move |page| {
            let project = project();
            view! {
                <DatasetTable datasets=page.datasets.clone() project=project.clone()/>
                <RunTable runs=page.runs.clone() project=project.clone()/>
                <CompareRuns page=page.clone() project=project.clone()/>
                {page.can_edit.then(|| view! { <NewDataset create project=project.clone()/> })}
            }
        })}
    }
}

const DATASET_COLUMNS: &[Column] = &[
    Column::text("Dataset"),
    Column::number("Version"),
    Column::number("Items"),
    Column::text("Last change"),
    Column::text("Reviewed"),
    Column::number("Runs"),
];

#[component]
fn DatasetTable(datasets: Vec<Dataset>, project: String) -> impl IntoView {
    view! {
        <DataTable rows=datasets columns=DATASET_COLUMNS empty="No datasets yet." testid="dataset-table" row=move |d: Dataset| {
            let href = format!("/projects/{project}/datasets/{}", d.name);
            view! {
                <tr data-testid=format!("dataset-{}", d.name)>
                    <td><a href=href>{d.name.clone()}</a><br/><span class="hint">{d.description.clone()}</span></td>
                    <td class="num">{if d.latest == 0 { "—".to_owned() } else { format!("v{}", d.latest) }}</td>
                    <td class="num">{d.items}</td>
                    <td class="nowrap">{d.changed_at.format("%Y-%m-%d").to_string()}</td>
                    <td class="nowrap">{d.reviewed_at.map_or("never".to_owned(), |at| at.format("%Y-%m-%d").to_string())}</td>
                    <td class="num">{d.runs}</td>
                </tr>
            }
        }/>
    }
}

const RUN_COLUMNS: &[Column] = &[
    Column::text("Run"),
    Column::text("Dataset version"),
    Column::number("Answered"),
    Column::text("Started"),
];

#[component]
pub fn RunTable(runs: Vec<RunInfo>, project: String) -> impl IntoView {
    view! {
        <section class="card">
            <h2>"Eval runs"</h2>
            <DataTable rows=runs columns=RUN_COLUMNS empty="No eval runs yet: send outputs with dataset, dataset_version, item_id and run." testid="run-table" row=move |r: RunInfo| {
                let href = format!("/projects/{project}/runs/{}", r.name);
                view! {
                    <tr data-testid=format!("run-{}", r.name)>
                        <td><a href=href>{r.name.clone()}</a></td>
                        <td class="mono">{format!("{} v{}", r.dataset, r.version)}</td>
                        <td class="num">{format!("{} of {}", r.outputs, r.items)}</td>
                        <td class="nowrap">{r.created_at.format("%Y-%m-%d %H:%M").to_string()}</td>
                    </tr>
                }
            }/>
        </section>
    }
}

/// Two runs to compare, by name (a plain GET form: the comparison has its own address).
#[component]
fn CompareRuns(page: DatasetList, project: String) -> impl IntoView {
    if page.runs.len() < 2 {
        return ().into_any();
    }
    let options = move |selected: usize| {
        page.runs
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let label = format!("{} ({} v{})", r.name, r.dataset, r.version);
                view! { <option value=r.name.clone() selected=i == selected>{label}</option> }
            })
            .collect_view()
    };
    // Newest first: by default the older run is the baseline.
    view! {
        <section class="card">
            <h2>"Compare two runs"</h2>
            <form method="get" action=format!("/projects/{project}/compare-runs") class="inline" data-testid="compare-runs-form">
                <label class="field"><span class="field-label">"Baseline"</span><select name="first" data-testid="compare-first">{options(1)}</select></label>
                <label class="field"><span class="field-label">"Candidate"</span><select name="second" data-testid="compare-second">{options(0)}</select></label>
                <button type="submit" class="primary" data-testid="compare-runs">"Compare item by item"</button>
            </form>
        </section>
    }
    .into_any()
}

#[component]
fn NewDataset(create: ServerAction<CreateDataset>, project: String) -> impl IntoView {
    let error = last_error(create);
    let created = move || create.value().get().and_then(Result::ok);
    let slug = project.clone();
    view! {
        <ErrorsFrom error>
        <section class="card">
            <h2>"New dataset"</h2>
            <ActionForm action=create attr:class="form" attr:data-testid="dataset-form">
                <input type="hidden" name="project" value=project/>
                <InputField label="Name" field="name" value="" hint="lower-case letters, digits, - and _; e.g. golden-support"/>
                <InputField label="Description" field="description" value=""/>
                <FormError fields=&["name", "description"]/>
                <button type="submit" class="primary" data-testid="dataset-submit">"Create"</button>
            </ActionForm>
            {move || created().map(|name| view! {
                <p class="success" data-testid="dataset-created">
                    "Created. "<a href=format!("/projects/{slug}/datasets/{name}")>"Open it to add items"</a>
                </p>
            })}
        </section>
        </ErrorsFrom>
    }
}
