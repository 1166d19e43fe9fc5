//! `/projects/:slug/otlp`: how to point an OpenTelemetry exporter at Vernier, the project's
//! attribute mapping, and what each recent batch of spans became (so a user sees why a span
//! did not become an output).

use crate::api::otlp::{otlp_overview, SaveOtlpMapping};
use crate::components::data_table::{Column, DataTable};
use crate::components::for_role::ForProject;
use crate::components::forms::{last_error, ErrorsFrom, FieldError, FormError};
use crate::components::outcome::loaded;
use crate::components::page_head::ProjectPageHead;
use crate::components::params::text_param;
use crate::domain::membership::ProjectAccess;
use crate::domain::otlp::{BatchView, Mapping, Overview};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos::server::ServerAction;
use leptos_meta::Title;

/// The page; managers and owners (owners change the mapping).
#[component]
pub fn OtlpPage() -> impl IntoView {
    let project = text_param("slug");
    let save = ServerAction::<SaveOtlpMapping>::new();
    let overview = Resource::new(
        move || (project(), save.version().get()),
        |(project, _)| otlp_overview(project),
    );
    view! {
        <Title text="OpenTelemetry · Vernier"/>
        <ProjectPageHead title="OpenTelemetry traces"/>
        {loaded(overview, move |overview: Overview| {
            let totals = Totals::of(&overview.batches);
            view! {
                <Summary totals/>
                <Setup public_url=overview.public_url.clone() project=project()/>
                <Batches batches=overview.batches.clone()/>
                <MappingCard mapping=overview.mapping.clone() project=project() save/>
            }
        })}
    }
}

/// The recent batches added up.
#[derive(Default)]
struct Totals {
    batches: usize,
    spans: u32,
    outputs: u32,
    ignored: u32,
    rejected: u32,
}

impl Totals {
    fn of(batches: &[BatchView]) -> Self {
        batches.iter().fold(Self::default(), |t, b| Self {
            batches: t.batches + 1,
            spans: t.spans + b.report.spans,
            outputs: t.outputs + b.report.outputs,
            ignored: t.ignored + b.report.ignored.values().sum::<u32>(),
            rejected: t.rejected + b.report.rejected,
        })
    }
}

#[component]
fn Summary(totals: Totals) -> impl IntoView {
    view! {
        <section class="kpis" data-testid="otlp-summary">
            <div class="kpi">
                <div class="kpi-value" data-testid="otlp-spans">{totals.spans}</div>
                <div class="kpi-label">{format!("spans in the last {} batches", totals.batches)}</div>
            </div>
            <div class="kpi">
                <div class="kpi-value" data-testid="otlp-outputs">{totals.outputs}</div>
                <div class="kpi-label">"new outputs"</div>
            </div>
            <div class="kpi">
                <div class="kpi-value">{totals.ignored}</div>
                <div class="kpi-label">"ignored (not generations)"</div>
            </div>
            <div class="kpi" class:kpi-alarm={totals.rejected > 0}>
                <div class="kpi-value" data-testid="otlp-rejected">{totals.rejected}</div>
                <div class="kpi-label">"refused"</div>
            </div>
        </section>
    }
}

#[component]
fn Setup(public_url: String, project: String) -> impl IntoView {
    let lines = format!(
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT={public_url}/v1/traces\n\
         OTEL_EXPORTER_OTLP_TRACES_HEADERS=Authorization=Bearer%20vk_…\n\
         OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=http/protobuf"
    );
    view! {
        <section class="card">
            <h2>"Send spans here"</h2>
            <p class="muted">
                "Point the OpenTelemetry exporter your application already has at Vernier, with an API key of this project. \
                 Spans of GenAI generations (chat, text completion) become outputs, scored by every active metric; \
                 their gen_ai.evaluation.result events become scores of the external metric with the evaluation's name. \
                 Protobuf and JSON, gzip or not."
            </p>
            <pre class="code" data-testid="otlp-env">{lines}</pre>
            <p class="muted">
                "Signed-in owners may also post to "
                <code>{format!("{public_url}/api/v1/projects/{project}/otlp/v1/traces")}</code>"."
            </p>
        </section>
    }
}

const BATCH_COLUMNS: &[Column] = &[
    Column::text("Received"),
    Column::number("Spans"),
    Column::number("New outputs"),
    Column::number("Sent again"),
    Column::number("Evaluations"),
    Column::text("Ignored"),
    Column::text("Refused"),
];

#[component]
fn Batches(batches: Vec<BatchView>) -> impl IntoView {
    let attributes = batches
        .first()
        .map(|b| b.report.attributes.clone())
        .unwrap_or_default();
    view! {
        <section class="card">
            <h2>"Recent batches"</h2>
            <DataTable rows=batches columns=BATCH_COLUMNS empty="No spans received yet." testid="otlp-batches" row=|batch: BatchView| {
                let r = batch.report;
                let ignored = if r.ignored.is_empty() {
                    "—".to_owned()
                } else {
                    r.ignored.iter().map(|(why, n)| format!("{n} × {why}")).collect::<Vec<_>>().join("; ")
                };
                let refused = if r.rejected == 0 {
                    "—".to_owned()
                } else {
                    format!("{}: {}", r.rejected, r.problems.join("; "))
                };
                view! {
                    <tr data-testid=format!("otlp-batch-{}", batch.id)>
                        <td>{format!("{} ({})", batch.received_at.format("%Y-%m-%d %H:%M:%S UTC"), batch.encoding)}</td>
                        <td class="num">{r.spans}</td>
                        <td class="num">{r.outputs}</td>
                        <td class="num">{r.duplicates}</td>
                        <td class="num">{r.evaluations}</td>
                        <td class="prose" data-testid="otlp-ignored">{ignored}</td>
                        <td class="prose" data-testid="otlp-refused">{refused}</td>
                    </tr>
                }
            }/>
            {(!attributes.is_empty()).then(|| view! {
                <details data-testid="otlp-attributes">
                    <summary>"Attributes seen in the newest batch (spans that had each)"</summary>
                    <ul class="attribute-list">
                        {attributes.into_iter().map(|(name, n)| view! { <li><code>{name}</code>{format!(" · {n}")}</li> }).collect_view()}
                    </ul>
                </details>
            })}
        </section>
    }
}

#[component]
fn MappingCard(mapping: Mapping, project: String, save: ServerAction<SaveOtlpMapping>) -> impl IntoView {
    let error = last_error(save);
    let form = StoredValue::new((
        project,
        mapping.version_attribute.clone(),
        mapping.segment_lines(),
    ));
    let segments = if mapping.segments.is_empty() {
        "none".to_owned()
    } else {
        mapping
            .segments
            .iter()
            .map(|(a, k)| format!("{a} → {k}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    view! {
        <section class="card" data-testid="otlp-mapping">
            <h2>"Mapping"</h2>
            <p class="muted">
                {format!("The system version is read from the attribute {}", mapping.version_attribute)}
                " (spans without it are stored as version “unversioned”); segments: "{segments}
                ". Model, tokens, latency, conversation (gen_ai.conversation.id, else the trace) and messages follow the GenAI, OpenLLMetry and OpenInference conventions."
            </p>
            <ForProject access=ProjectAccess::Edit>
                <ErrorsFrom error>
                    <ActionForm action=save attr:class="form" attr:data-testid="otlp-mapping-form">
                        <input type="hidden" name="project" value=form.with_value(|f| f.0.clone())/>
                        <label class="field">
                            <span class="field-label">"Version attribute"</span>
                            <input type="text" name="version_attribute" value=form.with_value(|f| f.1.clone()) data-testid="input-version_attribute"/>
                            <FieldError field="version_attribute"/>
                        </label>
                        <label class="field">
                            <span class="field-label">"Segments: one line per attribute, “attribute = metadata key”"</span>
                            <textarea name="segments" rows="4" data-testid="input-segments">{form.with_value(|f| f.2.clone())}</textarea>
                            <FieldError field="segments"/>
                        </label>
                        <button type="submit" class="primary" data-testid="otlp-mapping-submit">"Save mapping"</button>
                    </ActionForm>
                    <FormError/>
                </ErrorsFrom>
            </ForProject>
        </section>
    }
}
