//! `/projects/:slug/datasets/:name`: one dataset. What it holds first (version, items, runs,
//! the last change), then its items, its version history and its runs; for managers and owners
//! the import (previewed before anything is written: counts, the first items, or every bad
//! line with its field), an item form, and "mark reviewed".

use crate::api::datasets::{
    get_dataset, Change, DatasetPage, ImportDataset, ImportForm, RemoveDatasetItem, ReviewDataset,
    SaveDatasetItem,
};
use crate::components::data_table::{Column, DataTable};
use crate::components::fields::{InputField, TextAreaField};
use crate::components::forms::{last_error, ErrorsFrom, FormError};
use crate::components::outcome::loaded;
use crate::components::params::{query_params, text_param};
use crate::domain::dataset::{Item, LineError, Version};
use crate::pages::datasets::RunTable;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos::server::ServerAction;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

/// The page's query: which version to show (empty: the latest).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
struct Query {
    version: String,
}

/// `/projects/:slug/datasets/:name`.
#[component]
pub fn DatasetPageView() -> impl IntoView {
    let project = text_param("slug");
    let name = text_param("name");
    let query = query_params::<Query>();
    let import = ServerAction::<ImportDataset>::new();
    let save = ServerAction::<SaveDatasetItem>::new();
    let remove = ServerAction::<RemoveDatasetItem>::new();
    let review = ServerAction::<ReviewDataset>::new();
    // The import's fields outlive the page's re-renders (each import reloads the page).
    let draft = Draft::default();
    let page = Resource::new(
        move || {
            (
                project(),
                name(),
                query.get().version.parse::<i32>().ok(),
                import.version().get()
                    + save.version().get()
                    + remove.version().get()
                    + review.version().get(),
            )
        },
        |(project, name, version, _)| get_dataset(project, name, version),
    );
    view! {
        {loaded(page, move |page| {
            let project = project();
            let base = format!("/projects/{project}/datasets/{}", page.dataset.name);
            view! {
                <Title text=format!("{} · Dataset · Vernier", page.dataset.name)/>
                <div class="page-head">
                    <h1 data-testid="dataset-name">{page.dataset.name.clone()}</h1>
                    <a href=format!("/projects/{project}/datasets")>"← Datasets"</a>
                </div>
                <p class="muted">{page.dataset.description.clone()}</p>
                <Facts page=page.clone() base=base.clone() project=project.clone()/>
                {page.can_edit.then(|| view! {
                    <Import import draft project=project.clone() name=page.dataset.name.clone()/>
                })}
                <Items page=page.clone() remove project=project.clone()/>
                {page.can_edit.then(|| view! {
                    <NewItem save project=project.clone() name=page.dataset.name.clone()/>
                })}
                <History versions=page.versions.clone() base=base.clone() shown=page.shown/>
                <RunTable runs=page.runs.clone() project=project.clone()/>
                {page.can_edit.then(|| view! {
                    <ActionForm action=review attr:class="inline">
                        <input type="hidden" name="project" value=project.clone()/>
                        <input type="hidden" name="name" value=page.dataset.name.clone()/>
                        <button type="submit" data-testid="dataset-review">"Mark reviewed: the content is current"</button>
                    </ActionForm>
                })}
            }
        })}
    }
}

#[component]
fn Facts(page: DatasetPage, base: String, project: String) -> impl IntoView {
    let export = |format: &str| {
        format!(
            "/api/v1/projects/{project}/datasets/{}/versions/{}/items?format={format}",
            page.dataset.name, page.shown
        )
    };
    let latest = page.dataset.latest;
    view! {
        <section class="kpis">
            <div class="kpi">
                <div class="kpi-value" data-testid="dataset-version">{if page.shown == 0 { "—".to_owned() } else { format!("v{}", page.shown) }}</div>
                <div class="kpi-label">{if page.shown == latest { "latest version".to_owned() } else { format!("of {latest} versions (an older one)") }}</div>
            </div>
            <div class="kpi">
                <div class="kpi-value" data-testid="dataset-items">{page.total}</div>
                <div class="kpi-label">"items"</div>
            </div>
            <div class="kpi">
                <div class="kpi-value">{page.runs.len()}</div>
                <div class="kpi-label">"eval runs"</div>
            </div>
            <div class="kpi">
                <div class="kpi-value">{page.dataset.changed_at.format("%Y-%m-%d").to_string()}</div>
                <div class="kpi-label">{page.dataset.reviewed_at.map_or("last change; never reviewed".to_owned(), |at| format!("last change; reviewed {}", at.format("%Y-%m-%d")))}</div>
            </div>
        </section>
        <nav class="subnav">
            <a href=format!("{base}/health") data-testid="dataset-health-link">"Health"</a>
            {(page.shown > 0).then(|| view! {
                <a href=export("jsonl") data-testid="export-jsonl" rel="external">"Export JSONL"</a>
                <a href=export("csv") data-testid="export-csv" rel="external">"Export CSV"</a>
            })}
        </nav>
    }
}

/// What the import form holds.
#[derive(Clone, Copy)]
struct Draft {
    text: RwSignal<String>,
    file_name: RwSignal<String>,
    mode: RwSignal<String>,
    note: RwSignal<String>,
    /// The form as last previewed; any edit clears it, so "Import" writes what was seen.
    previewed: RwSignal<Option<ImportForm>>,
}

impl Default for Draft {
    fn default() -> Self {
        Draft {
            text: RwSignal::new(String::new()),
            file_name: RwSignal::new(String::new()),
            mode: RwSignal::new("upsert".to_owned()),
            note: RwSignal::new(String::new()),
            previewed: RwSignal::new(None),
        }
    }
}

/// The import: a file (or pasted text), previewed, then written as the next version.
#[component]
fn Import(import: ServerAction<ImportDataset>, draft: Draft, project: String, name: String) -> impl IntoView {
    let Draft {
        text,
        file_name,
        mode,
        note,
        previewed,
    } = draft;
    let send = {
        let (project, name) = (project.clone(), name.clone());
        move |input: ImportForm| {
            import.dispatch(ImportDataset {
                project: project.clone(),
                name: name.clone(),
                input,
            });
        }
    };
    let preview = {
        let send = send.clone();
        move || {
            let form = ImportForm {
                file_name: file_name.get_untracked(),
                text: text.get_untracked(),
                mode: mode.get_untracked(),
                note: note.get_untracked(),
                confirm: "no".into(),
                base: String::new(),
            };
            previewed.set(Some(form.clone()));
            send(form);
        }
    };
    // Applies exactly what was previewed, on the version it was previewed against.
    let apply = move |base: i32| {
        if let Some(form) = previewed.get_untracked() {
            send(ImportForm {
                confirm: "yes".into(),
                base: base.to_string(),
                ..form
            });
        }
    };
    let on_file = move |ev: leptos::ev::Event| {
        previewed.set(None);
        read_file(ev, text, file_name)
    };
    view! {
        <section class="card" data-testid="import">
            <h2>"Import items"</h2>
            <p class="hint">"JSONL (one item per line: id, input or messages, expected_output, expected_label, tags {language, topic, difficulty, edge_case, tags}, case_id, variant, source) or CSV (columns id, input, expected_output, expected_label, language, topic, difficulty, edge_case, tags separated by ;, case_id, variant, source). A file with any bad line is refused whole."</p>
            <div class="grid-2">
                <label class="field">
                    <span class="field-label">"File"</span>
                    <input type="file" accept=".jsonl,.ndjson,.csv,.json,text/csv" on:change=on_file data-testid="import-file"/>
                </label>
                <label class="field">
                    <span class="field-label">"What the file does"</span>
                    <select on:change=move |ev| { previewed.set(None); mode.set(event_target_value(&ev)) } prop:value=move || mode.get() data-testid="import-mode">
                        <option value="upsert">"Add new ids, update known ones"</option>
                        <option value="replace">"Replace the whole content"</option>
                    </select>
                </label>
            </div>
            <label class="field">
                <span class="field-label">"Or paste the items"</span>
                <textarea rows="5" prop:value=move || text.get() on:input=move |ev| { previewed.set(None); text.set(event_target_value(&ev)) } data-testid="import-text"></textarea>
            </label>
            <label class="field">
                <span class="field-label">"Note for this version"</span>
                <input type="text" prop:value=move || note.get() on:input=move |ev| note.set(event_target_value(&ev)) data-testid="import-note"/>
            </label>
            <button type="button" class="secondary" on:click=move |_| preview() prop:disabled=move || import.pending().get() data-testid="import-preview">"Preview"</button>
            {move || {
                if import.pending().get() {
                    return view! { <p class="muted" role="status">"Reading the file…"</p> }.into_any();
                }
                match import.value().get() {
                    Some(Ok(change)) => {
                        let base = change.version.unwrap_or(1) - 1;
                        let fresh = previewed.get().is_some();
                        let apply = apply.clone();
                        view! { <Outcome change fresh apply=move || apply(base)/> }.into_any()
                    }
                    Some(Err(error)) => view! { <p class="error" data-testid="import-error">{error.message()}</p> }.into_any(),
                    None => ().into_any(),
                }
            }}
        </section>
    }
}

/// Reads the chosen file's text into `text` (in the browser; the server never sees the file
/// until it is previewed).
#[cfg_attr(
    not(feature = "hydrate"),
    expect(unused_variables, reason = "the file is read in the browser only")
)]
fn read_file(ev: leptos::ev::Event, text: RwSignal<String>, file_name: RwSignal<String>) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        if let Some(file) = input.files().and_then(|files| files.get(0)) {
            file_name.set(file.name());
            leptos::task::spawn_local(async move {
                if let Ok(value) = wasm_bindgen_futures::JsFuture::from(file.text()).await {
                    text.set(value.as_string().unwrap_or_default());
                }
            });
        }
    }
}

const ERROR_COLUMNS: &[Column] = &[
    Column::number("Line"),
    Column::text("Field"),
    Column::text("Problem"),
];

/// A preview (with the button that applies it) or what an import did.
#[component]
fn Outcome(
    change: Change,
    /// Whether the form is still as previewed.
    fresh: bool,
    apply: impl Fn() + Clone + Send + Sync + 'static,
) -> impl IntoView {
    if !change.errors.is_empty() {
        let count = change.errors.len();
        return view! {
            <p class="error" data-testid="import-refused">{format!("Refused: {count} problem{} — nothing was stored. Fix the file and preview again.", if count == 1 { "" } else { "s" })}</p>
            <DataTable rows=change.errors columns=ERROR_COLUMNS empty="" testid="import-errors" row=|e: LineError| view! {
                <tr>
                    <td class="num">{if e.line == 0 { "—".to_owned() } else { e.line.to_string() }}</td>
                    <td class="mono">{e.field}</td>
                    <td>{e.message}</td>
                </tr>
            }/>
        }
        .into_any();
    }
    let c = change.counts;
    let summary = format!(
        "{} added, {} changed, {} unchanged, {} removed: {} items",
        c.added, c.changed, c.unchanged, c.removed, change.items
    );
    match (change.version, change.written) {
        (None, _) => view! { <p class="muted" data-testid="import-nothing">{format!("Nothing changes ({summary}); no version is written.")}</p> }.into_any(),
        (Some(version), true) => view! { <p class="success" data-testid="import-done">{format!("Imported as version {version}: {summary}.")}</p> }.into_any(),
        (Some(version), false) => view! {
            <p data-testid="import-summary">{format!("Version {version} would have {summary}.")}</p>
            <ItemTable items=change.sample testid="import-sample"/>
            {if fresh {
                view! { <button type="button" class="primary" on:click=move |_| apply() data-testid="import-apply">{format!("Import as version {version}")}</button> }.into_any()
            } else {
                view! { <p class="hint">"The form changed since this preview: preview again."</p> }.into_any()
            }}
        }
        .into_any(),
    }
}

const ITEM_COLUMNS: &[Column] = &[
    Column::text("Item"),
    Column::text("Input"),
    Column::text("Expected"),
    Column::text("Tags"),
    Column::text("Case / variant"),
    Column::text("Source"),
];

/// The tags of an item in a few words.
fn tags(item: &Item) -> String {
    let mut parts: Vec<String> = item
        .tags
        .dimensions()
        .into_iter()
        .filter(|(d, _)| *d != "edge case")
        .map(|(_, v)| v)
        .collect();
    if item.tags.edge_case {
        parts.push("edge case".into());
    }
    parts.join(", ")
}

fn excerpt(text: &str) -> String {
    let short: String = text.chars().take(140).collect();
    if short.len() < text.len() {
        format!("{short}…")
    } else {
        short
    }
}

#[component]
fn ItemTable(items: Vec<Item>, testid: &'static str) -> impl IntoView {
    view! {
        <DataTable rows=items columns=ITEM_COLUMNS empty="No items yet." testid row=|item: Item| {
            let expected = match (&item.expected_output, &item.expected_label) {
                (Some(output), Some(label)) => format!("{} [{label}]", excerpt(output)),
                (Some(output), None) => excerpt(output),
                (None, Some(label)) => format!("[{label}]"),
                (None, None) => "—".into(),
            };
            let variant = match (&item.case_id, &item.variant) {
                (Some(case), Some(variant)) => format!("{case} / {variant}"),
                (Some(case), None) => case.clone(),
                _ => "—".into(),
            };
            let source = match item.output_id {
                Some(id) => format!("output {id}"),
                None => item.source.as_str().to_owned(),
            };
            view! {
                <tr data-testid=format!("item-{}", item.id)>
                    <td class="mono">{item.id.clone()}</td>
                    <td>{excerpt(&item.prompt_text())}</td>
                    <td>{expected}</td>
                    <td>{tags(&item)}</td>
                    <td class="mono">{variant}</td>
                    <td>{source}</td>
                </tr>
            }
        }/>
    }
}

#[component]
fn Items(page: DatasetPage, remove: ServerAction<RemoveDatasetItem>, project: String) -> impl IntoView {
    let shown = page.items.len();
    let more =
        (page.total > shown).then(|| format!("The first {shown} of {} items; export for all.", page.total));
    let removable = page.can_edit && page.shown == page.dataset.latest && page.shown > 0;
    let name = page.dataset.name.clone();
    view! {
        <section class="card">
            <h2>{format!("Items of version {}", page.shown)}</h2>
            {more.map(|m| view! { <p class="hint">{m}</p> })}
            <ItemTable items=page.items.clone() testid="item-table"/>
            {removable.then(|| view! {
                <ActionForm action=remove attr:class="inline">
                    <input type="hidden" name="project" value=project.clone()/>
                    <input type="hidden" name="name" value=name.clone()/>
                    <input type="text" name="item" placeholder="item id" data-testid="remove-item-id"/>
                    <button type="submit" data-testid="remove-item">"Remove item (writes the next version)"</button>
                </ActionForm>
            })}
        </section>
    }
}

#[component]
fn NewItem(save: ServerAction<SaveDatasetItem>, project: String, name: String) -> impl IntoView {
    let error = last_error(save);
    let saved = move || save.value().get().and_then(Result::ok).and_then(|c| c.version);
    view! {
        <ErrorsFrom error>
        <section class="card">
            <h2>"Add or update an item by hand"</h2>
            <ActionForm action=save attr:class="form" attr:data-testid="item-form">
                <input type="hidden" name="project" value=project/>
                <input type="hidden" name="name" value=name/>
                <div class="grid-2">
                    <InputField label="Item id" field="id" value="" hint="an existing id updates that item"/>
                    <InputField label="Expected label" field="expected_label" value="" hint="for classification metrics, e.g. cancel_contract"/>
                </div>
                <TextAreaField label="Input" field="input" value=""/>
                <TextAreaField label="Expected output" field="expected_output" value=""/>
                <div class="grid-2">
                    <InputField label="Language" field="language" value="" hint="e.g. de"/>
                    <InputField label="Topic" field="topic" value=""/>
                    <InputField label="Difficulty" field="difficulty" value="" hint="easy, medium or hard"/>
                    <InputField label="Free tags" field="tags" value="" hint="comma-separated"/>
                    <InputField label="Case id" field="case_id" value="" hint="variants of one case share it"/>
                    <InputField label="Variant" field="variant" value="" hint="e.g. zero-shot, few-shot, instruction"/>
                </div>
                <label class="check"><input type="checkbox" name="input[edge_case]" value="on"/>" Edge case"</label>
                <FormError fields=&["id", "input", "expected_output", "expected_label", "tags.language", "tags.topic", "difficulty", "tags.tags", "case_id", "variant"]/>
                <button type="submit" class="primary" data-testid="item-submit">"Save item"</button>
            </ActionForm>
            {move || saved().map(|v| view! { <p class="success" data-testid="item-saved">{format!("Saved as version {v}.")}</p> })}
        </section>
        </ErrorsFrom>
    }
}

const VERSION_COLUMNS: &[Column] = &[
    Column::text("Version"),
    Column::number("Items"),
    Column::text("Note"),
    Column::text("By"),
    Column::text("When"),
];

#[component]
fn History(versions: Vec<Version>, base: String, shown: i32) -> impl IntoView {
    view! {
        <section class="card">
            <h2>"Versions"</h2>
            <p class="hint">"A version never changes: runs keep reading the one they answered."</p>
            <DataTable rows=versions columns=VERSION_COLUMNS empty="No content yet." testid="version-table" row=move |v: Version| {
                let href = format!("{base}?version={}", v.number);
                view! {
                    <tr class:selected=v.number == shown>
                        <td><a href=href>{format!("v{}", v.number)}</a></td>
                        <td class="num">{v.items}</td>
                        <td>{v.note.clone()}</td>
                        <td>{v.created_by.clone().unwrap_or_default()}</td>
                        <td class="nowrap">{v.created_at.format("%Y-%m-%d %H:%M").to_string()}</td>
                    </tr>
                }
            }/>
        </section>
    }
}
