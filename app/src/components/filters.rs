//! The selects of a filter bar: the filter lives in the page's address (a GET form).

use leptos::prelude::*;

/// The stored names of a `choice!` enum's options, for a [`FilterSelect`].
pub fn names<T: Copy>(all: &[T], name: fn(T) -> &'static str) -> Vec<String> {
    all.iter().map(|&option| name(option).to_owned()).collect()
}

/// A select named `name` over `options`, with "any <name>" first; `current` is chosen.
#[component]
pub fn FilterSelect(name: &'static str, current: String, options: Vec<String>) -> impl IntoView {
    view! {
        <select name=name data-testid=format!("filter-{name}")>
            <option value="">{format!("any {name}")}</option>
            {options
                .into_iter()
                .map(|option| {
                    let selected = option == current;
                    view! { <option value=option.clone() selected=selected>{option.clone()}</option> }
                })
                .collect_view()}
        </select>
    }
}
