//! Form fields bound to a struct argument of a server function (`input[field]`), with the
//! field's error underneath (from the form's [`super::forms::FormErrors`] unless given).

use super::forms::{FieldError, FormErrors};
use crate::error::AppError;
use leptos::prelude::*;

/// A text input named `input[<field>]`, pre-filled with `value`.
#[component]
pub fn InputField(
    label: &'static str,
    field: &'static str,
    #[prop(into)] value: String,
    #[prop(optional, into)] error: Option<Signal<Option<AppError>>>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] hint: &'static str,
) -> impl IntoView {
    let error = FormErrors::or_context(error);
    view! {
        <label class="field">
            <span class="field-label">{label}</span>
            <input type=kind name=format!("input[{field}]") value=value data-testid=format!("input-{field}")/>
            {(!hint.is_empty()).then(|| view! { <span class="hint">{hint}</span> })}
            <FieldError error field/>
        </label>
    }
}

/// A multi-line text input named `input[<field>]`.
#[component]
pub fn TextAreaField(
    label: &'static str,
    field: &'static str,
    #[prop(into)] value: String,
    #[prop(optional, into)] error: Option<Signal<Option<AppError>>>,
    #[prop(optional)] hint: &'static str,
) -> impl IntoView {
    let error = FormErrors::or_context(error);
    view! {
        <label class="field">
            <span class="field-label">{label}</span>
            <textarea name=format!("input[{field}]") rows="3" data-testid=format!("input-{field}")>{value}</textarea>
            {(!hint.is_empty()).then(|| view! { <span class="hint">{hint}</span> })}
            <FieldError error field/>
        </label>
    }
}

/// A select named `input[<field>]` over (value, label) options.
#[component]
pub fn ChoiceField(
    label: &'static str,
    field: &'static str,
    options: Vec<(String, String)>,
    #[prop(into)] selected: String,
    #[prop(optional, into)] error: Option<Signal<Option<AppError>>>,
) -> impl IntoView {
    let error = FormErrors::or_context(error);
    view! {
        <label class="field">
            <span class="field-label">{label}</span>
            <select name=format!("input[{field}]") data-testid=format!("input-{field}")>
                {options
                    .into_iter()
                    .map(|(value, text)| {
                        let is_selected = value == selected;
                        view! { <option value=value selected=is_selected>{text}</option> }
                    })
                    .collect_view()}
            </select>
            <FieldError error field/>
        </label>
    }
}

/// The (stored name, label) options of a `choice!` enum.
pub fn options<T: Copy>(
    all: &[T],
    name: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
) -> Vec<(String, String)> {
    all.iter()
        .map(|&option| (name(option).to_owned(), label(option).to_owned()))
        .collect()
}
