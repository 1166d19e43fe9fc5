//! `/projects/:slug/maturity`: the crawl-walk-run review computed from the project's evidence,
//! with the advice for the next step, the known challenges, attestations and sign-off (for
//! managers), and the history. Prints cleanly, and downloads as Markdown.

use crate::api::maturity::{
    get_review, AttestItem, DeleteChallenge, RecordReview, ReviewPage, SaveChallenge, SetMaturityThresholds,
    SignOffStage, WithdrawAttestation,
};
use crate::components::data_table::{Column, DataTable};
use crate::components::forms::{last_error, ErrorsFrom, FieldError, FormError, TextField};
use crate::components::outcome::loaded;
use crate::components::page_head::ProjectPageHead;
use crate::components::params::text_param;
use crate::domain::maturity::challenge::Challenge;
use crate::domain::maturity::history::MaturityEvent;
use crate::domain::maturity::{ItemReview, ItemState, Thresholds};
use crate::domain::metric::kinds::Stage;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos::server::ServerAction;
use leptos_meta::Title;

/// The actions of the page, created once at its top.
#[derive(Clone, Copy)]
struct Actions {
    attest: ServerAction<AttestItem>,
    withdraw: ServerAction<WithdrawAttestation>,
    sign_off: ServerAction<SignOffStage>,
    review: ServerAction<RecordReview>,
    save_challenge: ServerAction<SaveChallenge>,
    delete_challenge: ServerAction<DeleteChallenge>,
    thresholds: ServerAction<SetMaturityThresholds>,
}

impl Actions {
    fn new() -> Self {
        Actions {
            attest: ServerAction::new(),
            withdraw: ServerAction::new(),
            sign_off: ServerAction::new(),
            review: ServerAction::new(),
            save_challenge: ServerAction::new(),
            delete_challenge: ServerAction::new(),
            thresholds: ServerAction::new(),
        }
    }

    /// Changes whenever any action completes.
    fn version(self) -> usize {
        self.attest.version().get()
            + self.withdraw.version().get()
            + self.sign_off.version().get()
            + self.review.version().get()
            + self.save_challenge.version().get()
            + self.delete_challenge.version().get()
            + self.thresholds.version().get()
    }
}

fn stage_name(stage: Option<Stage>) -> String {
    stage.map_or("Not yet crawling".to_owned(), |s| s.label().to_owned())
}

#[component]
pub fn MaturityPage() -> impl IntoView {
    let project = text_param("slug");
    let actions = Actions::new();
    let data = Resource::new(move || (project(), actions.version()), |(p, _)| get_review(p));
    view! {
        <Title text="Maturity review · Vernier"/>
        <ProjectPageHead title="Maturity review">
            <a href=move || format!("/api/v1/projects/{}/maturity?format=markdown", project()) download data-testid="review-markdown">"Markdown"</a>
            <button type="button" class="link-button no-print" on:click=|_| print() data-testid="review-print">"Print"</button>
        </ProjectPageHead>
        {loaded(data, move |page| view! { <Review page actions slug=project()/> })}
    }
}

/// Opens the browser's print dialog (the page's print style hides navigation and forms).
fn print() {
    #[cfg(feature = "hydrate")]
    {
        let _ = window().print();
    }
}

#[component]
fn Review(page: ReviewPage, actions: Actions, slug: String) -> impl IntoView {
    let ReviewPage {
        name,
        review: standing,
        challenges,
        history,
        can_sign,
        can_edit_challenges,
    } = page;
    let review = standing.review.clone();
    let (held, all) = review.completion();
    let signed = standing.sign_off.clone();
    let lapsed: Vec<&str> = standing.lapsed.iter().map(|i| i.label()).collect();
    let lapsed = lapsed.join("; ").to_lowercase();
    view! {
        <section class="kpis" data-testid="review-summary">
            <div class="kpi">
                <div class="kpi-value" data-testid="computed-stage">{stage_name(review.stage)}</div>
                <div class="kpi-label">{format!("computed stage: {held} of {all} items met or attested")}</div>
            </div>
            <div class="kpi" class:kpi-alarm=!standing.backed>
                <div class="kpi-value" data-testid="signed-stage">{signed.as_ref().map_or("Not yet".to_owned(), |s| s.stage.label().to_owned())}</div>
                <div class="kpi-label">{signed.as_ref().map_or("signed off".to_owned(), |s| format!("signed off by {} on {}: “{}”", s.by, s.at.format("%Y-%m-%d"), s.note))}</div>
            </div>
            <div class="kpi">
                <div class="kpi-value">{name}</div>
                <div class="kpi-label">"project"</div>
            </div>
        </section>
        {(!standing.backed).then(|| view! {
            <p class="alert" role="alert" data-testid="not-backed">
                {format!("The signed-off stage is no longer backed by the evidence: {lapsed} no longer hold.")}
            </p>
        })}
        <section class="card" data-testid="advice">
            <h2>"Next steps"</h2>
            <ul>{review.advice.iter().map(|a| view! { <li>{a.clone()}</li> }).collect_view()}</ul>
        </section>
        {Stage::ALL.iter().map(|stage| {
            let items: Vec<ItemReview> = review.of(*stage).cloned().collect();
            // A stage is held only with every earlier one (the computed stage reaches it).
            let holds = review.stage.is_some_and(|held| held >= *stage);
            let slug = slug.clone();
            view! {
                <section class="card" data-testid=format!("stage-{}", stage.as_str())>
                    <h2>
                        {stage.label()}
                        <span class="badge" class:good=holds data-testid="stage-state">{if holds { "held" } else { "not held" }}</span>
                    </h2>
                    <DataTable rows=items columns=ITEM_COLUMNS empty="" testid="items"
                        row=move |item: ItemReview| view! { <ItemRow item actions can_sign slug=slug.clone()/> }/>
                </section>
            }
        }).collect_view()}
        {can_sign.then(|| view! { <SignOffForm slug=slug.clone() actions current=review.stage/> })}
        <ThresholdsCard slug=slug.clone() actions thresholds=standing.thresholds can_edit=can_sign/>
        <Challenges challenges slug=slug.clone() actions can_edit=can_edit_challenges/>
        <section class="card" data-testid="history">
            <h2>"History"</h2>
            <DataTable rows=history columns=HISTORY_COLUMNS empty="Nothing recorded yet." testid="history-table"
                row=|event: MaturityEvent| view! {
                    <tr>
                        <td>{event.at.format("%Y-%m-%d %H:%M").to_string()}</td>
                        <td>{event.by.clone()}</td>
                        <td>{event.describe()}</td>
                        <td>{event.note.clone()}</td>
                    </tr>
                }/>
        </section>
    }
}

const ITEM_COLUMNS: &[Column] = &[
    Column::text(""),
    Column::text("Item"),
    Column::text("Evidence"),
    Column::text(""),
];
const HISTORY_COLUMNS: &[Column] = &[
    Column::text("When"),
    Column::text("Who"),
    Column::text("What"),
    Column::text("Note"),
];

#[component]
fn ItemRow(item: ItemReview, actions: Actions, can_sign: bool, slug: String) -> impl IntoView {
    let id = item.item.as_str();
    let state = item.state;
    let links = item
        .links
        .iter()
        .map(|(label, path)| view! { <a href=format!("/projects/{slug}/{path}")>{label.clone()}</a>" " })
        .collect_view();
    let attestation = item.attestation.clone().map(|a| {
        view! {
            <p class="muted" data-testid="attestation">
                {format!("Attested by {} on {}: “{}”", a.by, a.at.format("%Y-%m-%d"), a.note)}
            </p>
        }
    });
    let attestable = can_sign && item.item.attestable();
    let action = match (attestable, state) {
        (true, ItemState::NotMet) => Some(view! { <AttestForm slug=slug.clone() item=id actions label="Attest"/> }.into_any()),
        (true, ItemState::Attested) => Some(
            view! {
                <AttestForm slug=slug.clone() item=id actions label="Renew"/>
                <ActionForm action=actions.withdraw attr:class="inline-form no-print">
                    <input type="hidden" name="project" value=slug.clone()/>
                    <input type="hidden" name="item" value=id/>
                    <button type="submit" class="link-button" data-testid="withdraw">"Withdraw attestation"</button>
                </ActionForm>
            }
            .into_any(),
        ),
        _ => None,
    };
    view! {
        <tr data-testid=format!("item-{id}") data-state=state.label()>
            <td><span class="badge" class:good=state == ItemState::Met class:warn=state == ItemState::Attested
                data-testid="item-state">{state.label()}</span></td>
            <td><strong>{item.item.label()}</strong><br/><span class="muted">{item.item.asks()}</span></td>
            <td>{item.evidence.clone()}" "{links}{attestation}</td>
            <td>{action}</td>
        </tr>
    }
}

#[component]
fn AttestForm(slug: String, item: &'static str, actions: Actions, label: &'static str) -> impl IntoView {
    let error = last_error(actions.attest);
    view! {
        <details class="no-print">
            <summary data-testid="attest-open">{label}</summary>
            <ErrorsFrom error>
                <ActionForm action=actions.attest attr:class="form" attr:data-testid="attest-form">
                    <input type="hidden" name="project" value=slug/>
                    <input type="hidden" name="item" value=item/>
                    <TextField label="What shows it (kept with the review)" name="note" required=true/>
                    <button type="submit" data-testid="attest-submit">"Attest"</button>
                    <FormError/>
                </ActionForm>
            </ErrorsFrom>
        </details>
    }
}

#[component]
fn SignOffForm(slug: String, actions: Actions, current: Option<Stage>) -> impl IntoView {
    let sign_error = last_error(actions.sign_off);
    let review_error = last_error(actions.review);
    let chosen = current.unwrap_or(Stage::Crawl);
    let review_slug = slug.clone();
    view! {
        <section class="card no-print" data-testid="sign-off">
            <h2>"Sign off"</h2>
            <p class="muted">"A sign-off records the review as it is now. Only a stage the evidence holds can be signed off."</p>
            <ErrorsFrom error=sign_error>
                <ActionForm action=actions.sign_off attr:class="form" attr:data-testid="sign-off-form">
                    <input type="hidden" name="project" value=slug/>
                    <label class="field">
                        <span class="field-label">"Stage"</span>
                        <select name="stage" data-testid="input-stage">
                            {Stage::ALL.iter().map(|s| view! {
                                <option value=s.as_str() selected=*s == chosen>{s.label()}</option>
                            }).collect_view()}
                        </select>
                        <FieldError field="stage"/>
                    </label>
                    <TextField label="Note" name="note" required=true/>
                    <button type="submit" class="primary" data-testid="sign-off-submit">"Sign off"</button>
                    <FormError/>
                </ActionForm>
            </ErrorsFrom>
            <ErrorsFrom error=review_error>
                <ActionForm action=actions.review attr:class="inline-form" attr:data-testid="record-review-form">
                    <input type="hidden" name="project" value=review_slug/>
                    <input type="text" name="note" placeholder="Reviewed without a change of stage (optional note)" data-testid="input-review-note"/>
                    <button type="submit" data-testid="record-review">"Record a review"</button>
                    <FormError/>
                </ActionForm>
            </ErrorsFrom>
        </section>
    }
}

const CHALLENGE_COLUMNS: &[Column] = &[
    Column::text("Challenge"),
    Column::text("Hypothesis"),
    Column::text("Business goal"),
    Column::text("Tested by"),
    Column::text(""),
];

#[component]
fn Challenges(challenges: Vec<Challenge>, slug: String, actions: Actions, can_edit: bool) -> impl IntoView {
    let error = last_error(actions.save_challenge);
    let row_slug = slug.clone();
    view! {
        <section class="card" id="challenges" data-testid="challenges">
            <h2>"Known challenges"</h2>
            <p class="muted">"What goes wrong, why you think it does, which goal it threatens, and the metrics that would show it."</p>
            <DataTable rows=challenges columns=CHALLENGE_COLUMNS empty="No challenges written down yet." testid="challenge-table"
                row=move |c: Challenge| {
                    let slug = row_slug.clone();
                    view! {
                        <tr>
                            <td>{c.title.clone()}</td>
                            <td>{c.hypothesis.clone()}</td>
                            <td>{c.goal.clone()}</td>
                            <td>{c.metrics.iter().map(|k| view! { <a href=format!("/projects/{slug}/metrics/{k}")>{k.clone()}</a>" " }).collect_view()}</td>
                            <td>{can_edit.then(|| view! {
                                <ActionForm action=actions.delete_challenge attr:class="inline-form no-print">
                                    <input type="hidden" name="project" value=slug.clone()/>
                                    <input type="hidden" name="id" value=c.id/>
                                    <button type="submit" class="link-button">"Delete"</button>
                                </ActionForm>
                            })}</td>
                        </tr>
                    }
                }/>
            {can_edit.then(|| view! {
                <ErrorsFrom error>
                    <ActionForm action=actions.save_challenge attr:class="form no-print" attr:data-testid="challenge-form">
                        <input type="hidden" name="project" value=slug.clone()/>
                        <input type="hidden" name="id" value="0"/>
                        <TextField label="Challenge" name="title" required=true placeholder="Late turns drift to English"/>
                        <TextField label="Hypothesis" name="hypothesis" placeholder="Long contexts dilute the language instruction"/>
                        <TextField label="Business goal" name="goal" placeholder="Keep German-speaking customers"/>
                        <TextField label="Metrics that test it (keys, comma-separated)" name="metrics" placeholder="reply-language"/>
                        <button type="submit" data-testid="challenge-submit">"Add challenge"</button>
                        <FormError/>
                    </ActionForm>
                </ErrorsFrom>
            })}
        </section>
    }
}

/// The thresholds (field name, label, value) as the form lists them.
fn threshold_fields(t: &Thresholds) -> [(&'static str, &'static str, String); 7] {
    [
        ("golden_items", "Golden dataset items", t.golden_items.to_string()),
        ("output_days", "Outputs within (days)", t.output_days.to_string()),
        (
            "rating_days",
            "Human ratings within (days)",
            t.rating_days.to_string(),
        ),
        ("min_alpha", "Minimum agreement (alpha)", t.min_alpha.to_string()),
        (
            "tuning_examples",
            "Rated outputs to tune on",
            t.tuning_examples.to_string(),
        ),
        (
            "attestation_days",
            "Attestations hold for (days)",
            t.attestation_days.to_string(),
        ),
        (
            "max_active_metrics",
            "Most active metrics to act on",
            t.max_active_metrics.to_string(),
        ),
    ]
}

#[component]
fn ThresholdsCard(slug: String, actions: Actions, thresholds: Thresholds, can_edit: bool) -> impl IntoView {
    let error = last_error(actions.thresholds);
    let fields = threshold_fields(&thresholds);
    let summary = fields
        .iter()
        .map(|(_, label, value)| format!("{label}: {value}"))
        .collect::<Vec<_>>()
        .join(" · ");
    view! {
        <section class="card" data-testid="thresholds">
            <h2>"Thresholds"</h2>
            <p class="muted">{summary}</p>
            {can_edit.then(|| view! {
                <details class="no-print">
                    <summary>"Change the thresholds"</summary>
                    <ErrorsFrom error>
                        <ActionForm action=actions.thresholds attr:class="form" attr:data-testid="thresholds-form">
                            <input type="hidden" name="project" value=slug/>
                            {fields.into_iter().map(|(name, label, value)| view! {
                                <label class="field">
                                    <span class="field-label">{label}</span>
                                    <input type="number" step="any" name=format!("thresholds[{name}]") value=value data-testid=format!("input-{name}")/>
                                    <FieldError field=name/>
                                </label>
                            }).collect_view()}
                            <button type="submit">"Save thresholds"</button>
                            <FormError/>
                        </ActionForm>
                    </ErrorsFrom>
                </details>
            })}
        </section>
    }
}
