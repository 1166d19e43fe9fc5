//! A small local server speaking the OpenAI chat-completions and embeddings protocol, for tests.
//!
//! The judge scores a reply 0 when it says "delve" and 1 otherwise, answering in a fenced JSON
//! block; embeddings are letter counts, so equal texts have similarity 1. Requests need the
//! bearer key `sk-test`; `set_down(true)` makes every call answer 503.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// The key the stub accepts.
pub const KEY: &str = "sk-test";

#[derive(Default)]
struct Shared {
    down: AtomicBool,
    last_body: Mutex<Value>,
}

/// A running stub.
#[derive(Clone)]
pub struct Stub {
    /// Base URL, `http://127.0.0.1:<port>/v1`.
    pub url: String,
    shared: Arc<Shared>,
}

impl Stub {
    /// Starts the stub on a free port.
    pub async fn start() -> Self {
        let shared = Arc::new(Shared::default());
        let router = Router::new()
            .route("/v1/chat/completions", post(chat))
            .route("/v1/embeddings", post(embeddings))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind stub");
        let url = format!("http://{}/v1", listener.local_addr().expect("address"));
        tokio::spawn(async move { axum::serve(listener, router).await.expect("stub serves") });
        Self { url, shared }
    }

    /// Makes every call fail with 503 (or work again).
    pub fn set_down(&self, down: bool) {
        self.shared.down.store(down, Ordering::SeqCst);
    }

    /// The body of the last call.
    pub fn last_body(&self) -> Value {
        self.shared.last_body.lock().expect("lock").clone()
    }
}

fn admit(shared: &Shared, headers: &HeaderMap, body: &Value) -> Result<(), (StatusCode, String)> {
    *shared.last_body.lock().expect("lock") = body.clone();
    if shared.down.load(Ordering::SeqCst) {
        return Err((StatusCode::SERVICE_UNAVAILABLE, "overloaded".into()));
    }
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok());
    if auth != Some(&format!("Bearer {KEY}")) {
        return Err((StatusCode::UNAUTHORIZED, "bad key".into()));
    }
    Ok(())
}

async fn chat(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Result<Json<Value>, (StatusCode, String)> {
    admit(&shared, &headers, &body)?;
    let prompt = body
        .pointer("/messages/1/content")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let reply = prompt
        .split("Reply to judge:\n")
        .nth(1)
        .and_then(|rest| rest.split("\n\n").next())
        .unwrap_or_default();
    let (score, why) = if reply.to_lowercase().contains("delve") {
        (0, "The reply uses the word delve.")
    } else {
        (1, "The reply reads naturally.")
    };
    let content = format!("```json\n{{\"score\": {score}, \"rationale\": \"{why}\"}}\n```");
    Ok(Json(json!({
        "id": "chatcmpl-stub",
        "object": "chat.completion",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
    })))
}

async fn embeddings(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Result<Json<Value>, (StatusCode, String)> {
    admit(&shared, &headers, &body)?;
    let inputs: Vec<String> = body
        .get("input")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
        .unwrap_or_default();
    // Answered in reverse order, with indices, as the protocol allows.
    let data: Vec<Value> = inputs
        .iter()
        .enumerate()
        .rev()
        .map(|(index, text)| json!({"object": "embedding", "index": index, "embedding": letters(text)}))
        .collect();
    Ok(Json(json!({"object": "list", "data": data})))
}

fn letters(text: &str) -> Vec<f64> {
    let mut counts = vec![0.0; 26];
    for c in text.to_ascii_lowercase().bytes().filter(u8::is_ascii_lowercase) {
        counts[(c - b'a') as usize] += 1.0;
    }
    counts
}
