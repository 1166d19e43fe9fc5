//! The alerts page's channels section: each channel with its state, the form that adds one, a
//! test message, and the delivery log.

use super::Actions;
use crate::components::data_table::{Column, DataTable};
use crate::components::forms::{last_error, ErrorsFrom, FieldError, FormError, TextField};
use crate::domain::monitor::channel::{ChannelKind, ChannelView, DeliveryStatus, DeliveryView};
use leptos::form::ActionForm;
use leptos::prelude::*;

pub(super) const CHANNEL_COLUMNS: &[Column] = &[
    Column::text("Channel"),
    Column::text("Address"),
    Column::text("State"),
    Column::text(""),
];
pub(super) const DELIVERY_COLUMNS: &[Column] = &[
    Column::text("When (UTC)"),
    Column::text("Channel"),
    Column::text("What"),
    Column::text("Status"),
    Column::number("Attempts"),
    Column::number("Code"),
    Column::number("Latency"),
    Column::text("Error / next attempt"),
];

#[component]
pub(super) fn Channels(
    channels: Vec<ChannelView>,
    deliveries: Vec<DeliveryView>,
    names: Vec<(i64, String)>,
    actions: Actions,
    slug: String,
    can_edit: bool,
) -> impl IntoView {
    let tested = move || {
        actions.send_test.value().get().map(|result| match result {
            Ok(d) => view! {
                <p class:alert={d.status != DeliveryStatus::Delivered} class:notice={d.status == DeliveryStatus::Delivered} class:notice-ok={d.status == DeliveryStatus::Delivered} role="status" data-testid="test-result">
                    {if d.status == DeliveryStatus::Delivered {
                        format!("Test message delivered ({}, {} ms).", d.response_code.unwrap_or_default(), d.latency_ms.unwrap_or_default())
                    } else {
                        format!("Test message failed: {}", if d.last_error.is_empty() { "no answer".to_owned() } else { d.last_error.clone() })
                    }}
                </p>
            }.into_any(),
            Err(error) => view! { <p class="form-error" role="alert">{error.message()}</p> }.into_any(),
        })
    };
    let channel_name = move |id: i64| {
        names
            .iter()
            .find(|(c, _)| *c == id)
            .map(|(_, n)| n.clone())
            .unwrap_or_default()
    };
    view! {
        <section class="card" data-testid="channels">
            <h2>"Channels"</h2>
            <p class="muted">"Each monitor notifies the channels ticked on its form, when it starts firing, resolves or loses its data, and at its reminders."</p>
            {tested}
            <DataTable rows=channels columns=CHANNEL_COLUMNS empty="No channels yet: alerts show here only." testid="channels-table"
                row={
                    let slug = slug.clone();
                    move |c: ChannelView| view! { <ChannelRow channel=c actions slug=slug.clone() can_edit/> }
                }/>
            {can_edit.then(|| view! { <ChannelForm actions slug=slug.clone()/> })}
            <h3>"Delivery log"</h3>
            <DataTable rows=deliveries columns=DELIVERY_COLUMNS empty="Nothing sent yet." testid="deliveries-table"
                row=move |d: DeliveryView| view! {
                    <tr data-testid="delivery">
                        <td>{d.created_at.format("%m-%d %H:%M:%S").to_string()}</td>
                        <td>{channel_name(d.channel_id)}</td>
                        <td>{d.summary.clone()}</td>
                        <td><span class=match d.status { DeliveryStatus::Delivered => "badge good", DeliveryStatus::Pending => "badge warn", _ => "badge bad" } data-testid="delivery-status">{d.status.label()}</span></td>
                        <td class="num">{d.attempts}</td>
                        <td class="num">{d.response_code.map(|c| c.to_string()).unwrap_or_else(|| "—".into())}</td>
                        <td class="num">{d.latency_ms.map(|ms| format!("{ms} ms")).unwrap_or_else(|| "—".into())}</td>
                        <td>{if d.status == DeliveryStatus::Pending && d.attempts > 0 {
                            format!("{}; next at {}", d.last_error, d.next_attempt_at.format("%H:%M:%S"))
                        } else {
                            d.last_error.clone()
                        }}</td>
                    </tr>
                }/>
        </section>
    }
}

#[component]
pub(super) fn ChannelRow(
    channel: ChannelView,
    actions: Actions,
    slug: String,
    can_edit: bool,
) -> impl IntoView {
    let id = channel.id;
    let state = match channel.disabled_at {
        Some(_) => view! { <span class="badge bad">"disabled"</span> }.into_any(),
        None if channel.consecutive_failures > 0 => view! {
            <span class="badge warn">{format!("{} of {} failures", channel.consecutive_failures, channel.disable_after)}</span>
        }
        .into_any(),
        None => view! { <span class="badge good">"delivering"</span> }.into_any(),
    };
    view! {
        <tr data-testid="channel-row">
            <td>
                <strong>{channel.name.clone()}</strong>
                <div class="muted">{format!("{}{}", channel.kind.label(), if channel.kind == ChannelKind::Webhook && channel.signed { ", signed" } else { "" })}</div>
            </td>
            <td class="mono wrap">{channel.url.clone()}</td>
            <td>{state}</td>
            <td class="actions">
                {can_edit.then(|| {
                    let (test_slug, enable_slug, delete_slug) = (slug.clone(), slug.clone(), slug.clone());
                    view! {
                    <ActionForm action=actions.send_test attr:class="inline-form">
                        <input type="hidden" name="project" value=test_slug/>
                        <input type="hidden" name="id" value=id/>
                        <button type="submit" class="secondary" data-testid="send-test">"Send test"</button>
                    </ActionForm>
                    {channel.disabled_at.is_some().then(|| view! {
                        <ActionForm action=actions.enable_channel attr:class="inline-form">
                            <input type="hidden" name="project" value=enable_slug/>
                            <input type="hidden" name="id" value=id/>
                            <button type="submit" data-testid="enable-channel">"Enable"</button>
                        </ActionForm>
                    })}
                    <ActionForm action=actions.delete_channel attr:class="inline-form">
                        <input type="hidden" name="project" value=delete_slug/>
                        <input type="hidden" name="id" value=id/>
                        <button type="submit" class="link-button danger" data-testid="delete-channel">"Delete"</button>
                    </ActionForm>
                }})}
            </td>
        </tr>
    }
}

#[component]
pub(super) fn ChannelForm(actions: Actions, slug: String) -> impl IntoView {
    let error = last_error(actions.save_channel);
    let secret = move || match actions.save_channel.value().get() {
        Some(Ok(Some(secret))) => Some(view! {
            <p class="notice notice-ok" role="status">
                "Signing secret (shown this once; the receiver checks the X-Vernier-Signature header with it): "
                <code data-testid="channel-secret">{secret}</code>
            </p>
        }),
        _ => None,
    };
    view! {
        <ErrorsFrom error>
            <h3>"Add a channel"</h3>
            {secret}
            <ActionForm action=actions.save_channel attr:class="grid-2" attr:data-testid="channel-form">
                <input type="hidden" name="project" value=slug/>
                <input type="hidden" name="id" value="0"/>
                <TextField label="Name" name="name" placeholder="On-call webhook" required=true/>
                <label class="field">
                    <span class="field-label">"Kind"</span>
                    <select name="kind" data-testid="input-kind">
                        {ChannelKind::ALL.iter().map(|k| view! { <option value=k.as_str()>{k.label()}</option> }).collect_view()}
                    </select>
                    <FieldError field="kind"/>
                </label>
                <TextField label="Address (HTTPS)" name="url" placeholder="https://hooks.slack.com/services/…" required=true/>
                <TextField label="Signing secret (webhooks; empty: Vernier makes one)" name="secret" kind="password" autocomplete="new-password"/>
                <TextField label="Disable after failures in a row" name="disable_after" placeholder="5"/>
                <div class="field"><span class="field-label">" "</span><button type="submit" data-testid="save-channel">"Add channel"</button></div>
            </ActionForm>
            <FormError/>
        </ErrorsFrom>
    }
}
