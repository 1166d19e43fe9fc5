//! "Add to a dataset": outputs someone picked (ticked in the browser, failed in a queue,
//! complained about by end users) become items of a dataset taken from production, each
//! keeping its link to the output. Shown to those who curate datasets.

use crate::api::datasets::{list_datasets, AddOutputsToDataset};
use crate::domain::output_browse::OutputFilter;
use leptos::prelude::*;
use leptos::server::ServerAction;

/// The bar: the dataset to add to, "Add N <noun>" for `ids`, and with a `filter` "Add all
/// matching the filter".
#[component]
pub fn AddToDataset(
    project: String,
    #[prop(into)] ids: Signal<Vec<i64>>,
    noun: &'static str,
    #[prop(optional)] filter: Option<OutputFilter>,
) -> impl IntoView {
    let add = ServerAction::<AddOutputsToDataset>::new();
    let datasets = Resource::new(move || (), {
        let project = project.clone();
        move |_| list_datasets(project.clone())
    });
    let target = RwSignal::new(String::new());
    let send = move |ids: Vec<i64>, filter: Option<OutputFilter>| {
        add.dispatch(AddOutputsToDataset {
            project: project.clone(),
            name: target.get_untracked(),
            ids,
            filter,
        });
    };
    view! {
        <Suspense fallback=|| ()>
            {move || datasets.get().and_then(Result::ok).filter(|list| list.can_edit).map(|list| {
                let names: Vec<String> = list.datasets.iter().map(|d| d.name.clone()).collect();
                let first = names.first().cloned().unwrap_or_default();
                let chosen = move || {
                    let t = target.get();
                    if t.is_empty() { first.clone() } else { t }
                };
                let chosen_now = chosen.clone();
                let (add_ids, add_all, filter) = (send.clone(), send.clone(), filter.clone());
                view! {
                    <div class="filters" data-testid="add-to-dataset">
                        {if names.is_empty() {
                            view! { <span class="hint">"Create a dataset to collect outputs into it."</span> }.into_any()
                        } else {
                            view! {
                                <label>"Dataset "
                                    <select on:change=move |ev| target.set(event_target_value(&ev)) data-testid="target-dataset">
                                        {names.into_iter().map(|n| view! { <option value=n.clone()>{n.clone()}</option> }).collect_view()}
                                    </select>
                                </label>
                                <button type="button" prop:disabled=move || ids.with(Vec::is_empty) || add.pending().get()
                                    on:click={
                                        let chosen = chosen_now.clone();
                                        move |_| { target.set(chosen()); add_ids(ids.get_untracked(), None) }
                                    }
                                    data-testid="add-selected">
                                    {move || format!("Add {} {noun} to the dataset", ids.with(Vec::len))}
                                </button>
                                {filter.map(|filter| {
                                    let chosen = chosen_now.clone();
                                    view! {
                                        <button type="button" prop:disabled=move || add.pending().get()
                                            on:click=move |_| { target.set(chosen()); add_all(Vec::new(), Some(filter.clone())) }
                                            data-testid="add-matching">
                                            "Add all matching the filter (up to 1,000)"
                                        </button>
                                    }
                                })}
                            }.into_any()
                        }}
                        {move || add.value().get().map(|result| match result {
                            Ok(change) if !change.errors.is_empty() => {
                                let problems = change.errors.iter().take(3).map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; ");
                                view! { <span class="error" data-testid="add-error">{format!("Nothing added: {problems}")}</span> }.into_any()
                            }
                            Ok(change) => {
                                let text = match change.version {
                                    Some(v) => format!("Added {} as version {v} of {} ({} already in it).", change.counts.added, target.get_untracked(), change.counts.unchanged),
                                    None => format!("All {} are already in {}.", change.counts.unchanged, target.get_untracked()),
                                };
                                view! { <span class="success" data-testid="added-to-dataset">{text}</span> }.into_any()
                            }
                            Err(error) => view! { <span class="error" data-testid="add-error">{error.message()}</span> }.into_any(),
                        })}
                    </div>
                }
            })}
        </Suspense>
    }
}
