//! Tables of rows: headings, one view per row, and one empty state for every list.

use leptos::prelude::*;

/// A column heading; numeric columns are right-aligned like their cells (`td class="num"`).
#[derive(Clone, Copy, Debug)]
pub struct Column {
    label: &'static str,
    numeric: bool,
}

impl Column {
    /// A column of text.
    pub const fn text(label: &'static str) -> Self {
        Self {
            label,
            numeric: false,
        }
    }

    /// A column of numbers.
    pub const fn number(label: &'static str) -> Self {
        Self { label, numeric: true }
    }
}

/// `rows` as a table under `columns`, one `row` view each; when there are no rows, the
/// sentence `empty` instead (test id `<testid>-empty`).
#[component]
pub fn DataTable<T, V, F>(
    rows: Vec<T>,
    columns: &'static [Column],
    empty: &'static str,
    testid: &'static str,
    row: F,
) -> impl IntoView
where
    T: Send + 'static,
    V: IntoView + 'static,
    F: Fn(T) -> V + Send + 'static,
{
    if rows.is_empty() {
        return view! { <p class="empty" data-testid=format!("{testid}-empty")>{empty}</p> }.into_any();
    }
    view! {
        <table class="table" data-testid=testid>
            <thead>
                <tr>
                    {columns
                        .iter()
                        .map(|column| view! { <th class:num=column.numeric>{column.label}</th> })
                        .collect_view()}
                </tr>
            </thead>
            <tbody>{rows.into_iter().map(row).collect_view()}</tbody>
        </table>
    }
    .into_any()
}
