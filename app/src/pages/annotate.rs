//! The annotator's workspace: their queues, then one item at a time, keyboard first.
//!
//! Keys: a digit rates the current metric with that level (the next metric follows; after the
//! last the item is saved and the next pending one opens), `s` skips, `←` or `b` goes back,
//! `→` or `n` goes forward, `c` writes a comment, `Esc` leaves the comment.

use crate::api::annotate::{my_queues, rate_item, skip_item, work_item};
use crate::components::outcome::loaded;
use crate::components::params::number_param;
use crate::domain::annotation::work::{WorkItem, Workspace};
use crate::domain::rubric::level_for_key;
use crate::pages::queues::{ProgressBar, QueueTable};
use crate::pages::rubrics::LevelList;
use leptos::prelude::*;
use leptos_meta::Title;

/// `/annotate`: the caller's queues with their own progress.
#[component]
pub fn MyQueuesPage() -> impl IntoView {
    let queues = Resource::new(|| (), |_| my_queues());
    view! {
        <Title text="My queues · Vernier"/>
        <h1>"My annotation queues"</h1>
        {loaded(queues, |queues| view! { <QueueTable queues link_base="/annotate".to_owned()/> })}
    }
}

/// `/annotate/:queue`: the workspace.
#[component]
pub fn AnnotatePage() -> impl IntoView {
    let queue = number_param("queue");
    // None: the first pending item (resume where the annotator left off).
    let position = RwSignal::new(None::<i64>);
    let reload = RwSignal::new(0u32);
    let item = Resource::new(
        move || (queue(), position.get(), reload.get()),
        |(queue, position, _)| work_item(queue, position),
    );
    view! {
        <Title text="Annotate · Vernier"/>
        {loaded(item, move |workspace| match workspace {
            Workspace::Item(item) => view! { <ItemView item=*item position reload/> }.into_any(),
            Workspace::Finished { queue_name, progress } => view! {
                <FinishedView queue_name progress=progress position/>
            }
            .into_any(),
        })}
    }
}

/// Nothing left to rate; `←` (or `b`) reopens the last item to review it.
#[component]
fn FinishedView(
    queue_name: String,
    progress: crate::domain::annotation::work::Progress,
    position: RwSignal<Option<i64>>,
) -> impl IntoView {
    let last = progress.total();
    let handle = window_event_listener(leptos::ev::keydown, move |e| {
        if matches!(e.key().as_str(), "ArrowLeft" | "b") && last > 0 {
            position.set(Some(last));
        }
    });
    on_cleanup(move || handle.remove());
    view! {
        <h1>{queue_name}</h1>
        <ProgressBar progress/>
        <p class="success" data-testid="queue-finished">"Nothing left to rate in this queue. Thank you!"</p>
        <p>
            <button type="button" on:click=move |_| position.set(Some(1)) data-testid="review">"Review my ratings from the start"</button>
            " · "<a href="/annotate">"← My queues"</a>
        </p>
    }
}

#[component]
fn ItemView(item: WorkItem, position: RwSignal<Option<i64>>, reload: RwSignal<u32>) -> impl IntoView {
    let item = StoredValue::new(item);
    let with = move |f: fn(&WorkItem) -> i64| item.with_value(f);
    let chosen = RwSignal::new(item.with_value(|i| i.ratings.clone()));
    let current = RwSignal::new(0usize);
    let comment = RwSignal::new(item.with_value(|i| i.comment.clone()));
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let comment_box = NodeRef::<leptos::html::Textarea>::new();

    let after = move |result: Result<(), crate::error::AppError>| match result {
        Ok(()) => {
            position.set(None);
            reload.update(|n| *n += 1);
        }
        Err(e) => {
            error.set(Some(e.message()));
            busy.set(false);
        }
    };
    let submit = move || {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let (queue, assignment) = item.with_value(|i| (i.queue_id, i.assignment_id));
        let ratings = chosen.get_untracked();
        let text = comment.get_untracked();
        leptos::task::spawn_local(async move { after(rate_item(queue, assignment, ratings, text).await) });
    };
    let skip = move || {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let (queue, assignment) = item.with_value(|i| (i.queue_id, i.assignment_id));
        let text = comment.get_untracked();
        leptos::task::spawn_local(async move { after(skip_item(queue, assignment, text).await) });
    };
    let choose = move |metric_index: usize, digit: u32| {
        let picked = item.with_value(|i| {
            let metric = i.metrics.get(metric_index)?;
            level_for_key(&metric.rubric.levels, digit).map(|l| (metric.metric_id, l.value))
        });
        let Some((metric_id, value)) = picked else { return };
        chosen.update(|c| {
            c.retain(|(id, _)| *id != metric_id);
            c.push((metric_id, value));
        });
        let metrics = item.with_value(|i| i.metrics.len());
        if metric_index + 1 < metrics {
            current.set(metric_index + 1);
        } else {
            submit();
        }
    };
    let go = move |delta: i64| {
        let (at, total) = (with(|i| i.position), with(|i| i.total));
        let to = at + delta;
        if (1..=total).contains(&to) {
            position.set(Some(to));
        }
    };

    let handle = window_event_listener(leptos::ev::keydown, move |e| {
        if e.ctrl_key() || e.meta_key() || e.alt_key() {
            return;
        }
        let typing = event_target::<leptos::web_sys::HtmlElement>(&e)
            .tag_name()
            .eq_ignore_ascii_case("textarea");
        let key = e.key();
        if typing {
            if key == "Escape" {
                if let Some(node) = comment_box.get_untracked() {
                    let _ = node.blur();
                }
            }
            return;
        }
        match key.as_str() {
            "s" => skip(),
            "b" | "ArrowLeft" => go(-1),
            "n" | "ArrowRight" => go(1),
            "c" => {
                e.prevent_default();
                if let Some(node) = comment_box.get_untracked() {
                    let _ = node.focus();
                }
            }
            digit if digit.len() == 1 => {
                if let Some(d) = digit.chars().next().and_then(|c| c.to_digit(10)) {
                    choose(current.get_untracked(), d);
                }
            }
            _ => {}
        }
    });
    on_cleanup(move || handle.remove());

    let view_item = item.get_value();
    view! {
        <div class="page-head">
            <h1>{view_item.queue_name.clone()}</h1>
            <a href="/annotate">"← My queues"</a>
        </div>
        <p data-testid="item-position">{format!("Item {} of {}", view_item.position, view_item.total)}
            {(view_item.status != "pending").then(|| format!(" · {}", view_item.status))}</p>
        <ProgressBar progress=view_item.progress/>
        <p class="muted keys">"Keys: 1–9 rate · s skip · ← back · → forward · c comment · Esc leave comment"</p>
        <div class="workspace">
            <section class="card conversation" data-testid="conversation">
                <h2>"Conversation"</h2>
                {view_item.input.clone().map(|input| view! { <p class="turn user"><strong>"Input: "</strong>{input}</p> })}
                {view_item.conversation.iter().map(|m| view! {
                    <p class=format!("turn {}", m.role)><strong>{format!("{}: ", m.role)}</strong>{m.content.clone()}</p>
                }).collect_view()}
                <h3>"Reply to rate"</h3>
                <p class="reply" data-testid="reply">{view_item.output.clone()}</p>
                {view_item.expected_output.clone().map(|e| view! {
                    <h3>"Expected reply"</h3><p class="expected">{e}</p>
                })}
            </section>
            <section class="card rubrics">
                {view_item.metrics.iter().enumerate().map(|(index, metric)| {
                    let metric_id = metric.metric_id;
                    let chosen_label = {
                        let levels = metric.rubric.levels.clone();
                        move || chosen.get().iter().find(|(id, _)| *id == metric_id)
                            .map(|(_, v)| crate::domain::rubric::label_of(&levels, *v))
                    };
                    view! {
                        <div class="rubric-box" class:current=move || current.get() == index
                            data-testid=format!("rate-{}", metric.key)>
                            <h2>{metric.name.clone()}</h2>
                            {(!metric.rubric.instructions.is_empty()).then(|| view! { <p class="muted">{metric.rubric.instructions.clone()}</p> })}
                            <LevelList levels=metric.rubric.levels.clone()/>
                            <div class="level-buttons">
                                {metric.rubric.levels.iter().enumerate().map(|(i, level)| {
                                    let digit = i as u32 + 1;
                                    view! {
                                        <button type="button" on:click=move |_| choose(index, digit)>
                                            {format!("{digit} · {}", level.label)}
                                        </button>
                                    }
                                }).collect_view()}
                            </div>
                            <p data-testid="chosen">{move || chosen_label().map(|l| format!("Your rating: {l}")).unwrap_or_default()}</p>
                        </div>
                    }
                }).collect_view()}
                <label class="field">
                    <span class="field-label">"Comment (c)"</span>
                    <textarea node_ref=comment_box rows="2" data-testid="comment"
                        prop:value=move || comment.get()
                        on:input=move |e| comment.set(event_target_value(&e))></textarea>
                </label>
                <div class="actions">
                    <button type="button" on:click=move |_| go(-1) data-testid="back">"← Back (b)"</button>
                    <button type="button" on:click=move |_| skip() data-testid="skip">"Skip (s)"</button>
                    <button type="button" on:click=move |_| go(1)>"Forward (n) →"</button>
                </div>
                {move || error.get().map(|e| view! { <p class="form-error" role="alert" data-testid="form-error">{e}</p> })}
            </section>
        </div>
    }
}
