//! A GenAI span's conversation, read from whichever generation of conventions its
//! instrumentation follows:
//!
//! 1. current GenAI conventions: `gen_ai.input.messages` / `gen_ai.output.messages` (and
//!    `gen_ai.system_instructions`), messages made of typed parts;
//! 2. OpenLLMetry's indexed attributes `gen_ai.prompt.{i}.*` / `gen_ai.completion.{i}.*`;
//! 3. OpenInference's `llm.input_messages.{i}.message.*` / `llm.output_messages.{i}.message.*`
//!    (and its `input.value` / `output.value`);
//! 4. span events of the older conventions: `gen_ai.{system,user,assistant,tool}.message`,
//!    `gen_ai.choice`, and `gen_ai.content.prompt` / `gen_ai.content.completion`.
//!
//! The first that gives the input (and, separately, the reply) wins.

use super::attributes::Attributes;
use app::domain::output::Message;
use serde_json::Value;

/// What was asked and what was answered.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Conversation {
    pub input: Vec<Message>,
    /// The reply's messages (the first choice when the model gave several).
    pub output: Vec<Message>,
}

/// A span event: its name and attributes.
pub struct EventView<'a> {
    pub name: &'a str,
    pub attributes: Attributes,
}

/// Reads the conversation of a span; see the module documentation.
pub fn conversation(span: &Attributes, events: &[EventView<'_>]) -> Conversation {
    let inputs = [
        current(span, "gen_ai.input.messages").map(|mut messages| {
            if let Some(system) = system_instructions(span) {
                messages.insert(0, system);
            }
            messages
        }),
        indexed(span, "gen_ai.prompt", ""),
        indexed(span, "llm.input_messages", "message."),
        message_events(events),
        plain(span, "input.value", "user"),
    ];
    let outputs = [
        current(span, "gen_ai.output.messages").map(first_choice),
        indexed(span, "gen_ai.completion", "").map(first_choice),
        indexed(span, "llm.output_messages", "message.").map(first_choice),
        choice_events(events),
        plain(span, "output.value", "assistant"),
    ];
    let first = |candidates: [Option<Vec<Message>>; 5]| {
        candidates
            .into_iter()
            .flatten()
            .find(|messages| !messages.is_empty())
            .unwrap_or_default()
    };
    Conversation {
        input: first(inputs),
        output: first(outputs),
    }
}

/// A message from a role and its text; none when the text is empty.
fn message(role: Option<&str>, content: String, default_role: &str) -> Option<Message> {
    let content = content.trim().to_owned();
    (!content.is_empty()).then(|| Message {
        role: role
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .unwrap_or(default_role)
            .to_owned(),
        content,
    })
}

/// The text of a content value: text itself, the text parts of a list of parts
/// (`{"type": "text", "content": …}`, also `text`), or an object's `content`/`text`.
fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Array(parts) => parts
            .iter()
            .filter(|part| {
                part.get("type")
                    .and_then(Value::as_str)
                    .is_none_or(|t| t == "text" || t == "output_text" || t == "input_text")
            })
            .map(text_of)
            .filter(|t| !t.is_empty())
            .collect::<Vec<_>>()
            .join("\n"),
        Value::Object(object) => ["content", "text", "parts"]
            .iter()
            .find_map(|key| object.get(*key))
            .map(text_of)
            .unwrap_or_default(),
        _ => String::new(),
    }
}

/// Messages of the current conventions (a list, possibly sent as JSON text).
fn current(span: &Attributes, key: &str) -> Option<Vec<Message>> {
    let Value::Array(list) = span.structured(key)? else {
        return None;
    };
    Some(list.iter().filter_map(structured_message).collect())
}

/// One structured message: `{"role", "parts" | "content"}`, or a choice wrapping a `message`.
fn structured_message(value: &Value) -> Option<Message> {
    let value = value.get("message").filter(|m| m.is_object()).unwrap_or(value);
    let role = value.get("role").and_then(Value::as_str);
    let content = value
        .get("parts")
        .or_else(|| value.get("content"))
        .map(text_of)
        .unwrap_or_default();
    message(role, content, "user")
}

fn system_instructions(span: &Attributes) -> Option<Message> {
    let value = span
        .structured("gen_ai.system_instructions")
        .or_else(|| span.text("gen_ai.system_instructions").map(Value::String))?;
    message(Some("system"), text_of(&value), "system")
}

/// Indexed attributes `prefix.{i}.{inner}role` and `prefix.{i}.{inner}content`.
fn indexed(span: &Attributes, prefix: &str, inner: &str) -> Option<Vec<Message>> {
    let groups = span.indexed(prefix);
    if groups.is_empty() {
        return None;
    }
    let role_key = format!("{inner}role");
    let content_key = format!("{inner}content");
    Some(
        groups
            .into_iter()
            .filter_map(|(_, fields)| {
                let role = fields.get(role_key.as_str()).and_then(|v| v.as_str());
                let content = match fields.get(content_key.as_str()) {
                    Some(value) => text_of(value),
                    // OpenInference's multi-part contents: `message.contents.{j}.message_content.text`.
                    None => fields
                        .iter()
                        .filter(|(k, _)| k.starts_with(&format!("{inner}contents.")) && k.ends_with(".text"))
                        .map(|(_, v)| text_of(v))
                        .collect::<Vec<_>>()
                        .join("\n"),
                };
                message(role, content, "user")
            })
            .collect(),
    )
}

/// A plain text attribute as one message.
fn plain(span: &Attributes, key: &str, role: &str) -> Option<Vec<Message>> {
    let text = span.text(key)?;
    // OpenInference sends JSON here when the mime type says so: a reply is text, not a request.
    if serde_json::from_str::<Value>(&text).is_ok_and(|v| v.is_object()) {
        return None;
    }
    Some(message(Some(role), text, role).into_iter().collect())
}

/// The first choice's messages: a model asked for several choices gave alternatives.
fn first_choice(messages: Vec<Message>) -> Vec<Message> {
    messages.into_iter().take(1).collect()
}

/// `gen_ai.{system,user,assistant,tool}.message` events, and `gen_ai.content.prompt`.
fn message_events(events: &[EventView<'_>]) -> Option<Vec<Message>> {
    let mut messages = Vec::new();
    for event in events {
        let role = match event.name {
            "gen_ai.system.message" => "system",
            "gen_ai.user.message" => "user",
            "gen_ai.assistant.message" => "assistant",
            "gen_ai.tool.message" => "tool",
            "gen_ai.content.prompt" => {
                if let Some(Value::Array(list)) = event.attributes.structured("gen_ai.prompt") {
                    messages.extend(list.iter().filter_map(structured_message));
                } else if let Some(text) = event.attributes.text("gen_ai.prompt") {
                    messages.extend(message(Some("user"), text, "user"));
                }
                continue;
            }
            _ => continue,
        };
        let content = event.attributes.get("content").map(text_of).unwrap_or_default();
        let role_given = event.attributes.text("role");
        messages.extend(message(role_given.as_deref(), content, role));
    }
    (!messages.is_empty()).then_some(messages)
}

/// The first `gen_ai.choice` event's message, or `gen_ai.content.completion`.
fn choice_events(events: &[EventView<'_>]) -> Option<Vec<Message>> {
    for event in events {
        let found = match event.name {
            "gen_ai.choice" => {
                let content = event
                    .attributes
                    .structured("message")
                    .map(|m| text_of(&m))
                    .or_else(|| event.attributes.text("message.content"))
                    .or_else(|| event.attributes.text("content"))
                    .unwrap_or_default();
                message(Some("assistant"), content, "assistant")
            }
            "gen_ai.content.completion" => match event.attributes.structured("gen_ai.completion") {
                Some(Value::Array(list)) => list.iter().find_map(structured_message),
                Some(object) => structured_message(&object),
                None => event
                    .attributes
                    .text("gen_ai.completion")
                    .and_then(|text| message(Some("assistant"), text, "assistant")),
            },
            _ => None,
        };
        if let Some(found) = found {
            return Some(vec![found]);
        }
    }
    None
}
