//! `/admin/audit`: who did what, when and from where — filtered by kind, person, project and
//! dates (the filters live in the address), with the same selection as CSV. Admins only.

use crate::api::users::audit_log;
use crate::components::data_table::{Column, DataTable};
use crate::components::filters::FilterSelect;
use crate::components::outcome::loaded;
use crate::components::params::{query_params, query_string};
use crate::domain::audit::{AuditEntry, AuditFilter, CATEGORIES};
use leptos::prelude::*;
use leptos_meta::Title;

/// The page.
#[component]
pub fn AuditPage() -> impl IntoView {
    let filter = query_params::<AuditFilter>();
    let entries = Resource::new(move || filter.get(), audit_log);
    view! {
        <Title text="Audit log · Vernier"/>
        <h1>"Audit log" <a class="head-link" href="/admin/users">"← Users"</a></h1>
        {move || {
            let current = filter.get();
            let csv = match query_string(&AuditFilter { before: String::new(), ..current.clone() }) {
                q if q.is_empty() => "format=csv".to_owned(),
                q => format!("{q}&format=csv"),
            };
            view! {
                <form method="get" class="filters" data-testid="audit-filters">
                    <FilterSelect name="category" current=current.category.clone() options=CATEGORIES.map(str::to_owned).to_vec()/>
                    <input type="text" name="actor" placeholder="person (who or whom)" value=current.actor.clone() data-testid="filter-actor"/>
                    <input type="text" name="project" placeholder="project slug" value=current.project.clone() data-testid="filter-project"/>
                    <label>"from " <input type="date" name="from" value=current.from.clone() data-testid="filter-from"/></label>
                    <label>"to " <input type="date" name="to" value=current.to.clone() data-testid="filter-to"/></label>
                    <button type="submit" data-testid="filter-apply">"Filter"</button>
                    <a href="?">"Clear"</a>
                    <a href=format!("/api/v1/audit?{csv}") download data-testid="audit-csv">"CSV"</a>
                </form>
            }
        }}
        {loaded(entries, move |entries: Vec<AuditEntry>| {
            let older = (entries.len() == 100).then(|| {
                let last = entries.last().map(|e| e.id).unwrap_or_default();
                format!("?{}", query_string(&AuditFilter { before: last.to_string(), ..filter.get_untracked() }))
            });
            view! {
                <AuditTable entries/>
                {older.map(|href| view! { <p><a href=href data-testid="older">"Older entries →"</a></p> })}
            }
        })}
    }
}

const COLUMNS: &[Column] = &[
    Column::text("When (UTC)"),
    Column::text("Who"),
    Column::text("What"),
    Column::text("Project"),
    Column::text("On"),
    Column::text("Detail"),
    Column::text("From"),
];

#[component]
fn AuditTable(entries: Vec<AuditEntry>) -> impl IntoView {
    view! {
        <DataTable rows=entries columns=COLUMNS empty="No entries match." testid="audit-table" row=|e: AuditEntry| {
            let alarm = e.action.is_alarm();
            view! {
                <tr data-testid=format!("audit-{}", e.id) class:row-alarm=alarm>
                    <td>{e.at.format("%Y-%m-%d %H:%M:%S").to_string()}</td>
                    <td>{e.actor}</td>
                    <td data-testid="audit-action">{e.action.label()}</td>
                    <td>{e.project.unwrap_or_else(|| "—".to_owned())}</td>
                    <td class="prose">{e.target}</td>
                    <td class="prose">{e.detail}</td>
                    <td class="mono">{e.address}</td>
                </tr>
            }
        }/>
    }
}
