//! LLM-as-judge and embedding similarity through a project's OpenAI-compatible endpoints.
//!
//! These call the network, so they run in the scoring worker (after ingest, in re-scoring
//! jobs and on retries), never on the real-time path.

use super::outcomes::truncate;
use super::Outcome;
use crate::domain::endpoint::{Endpoint, Endpoints};
use crate::domain::output::NewOutput;
use regex::Regex;
use serde_json::{json, Value};
use std::sync::LazyLock;
use std::time::Duration;

/// A scorer that calls an endpoint.
#[derive(Debug, Clone)]
pub enum ExternalScorer {
    Judge {
        prompt: String,
        model: Option<String>,
        temperature: f64,
        pattern: Option<Regex>,
    },
    Embedding {
        model: Option<String>,
    },
}

/// Why an external scorer gave no score.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The output lacks what the scorer needs (an expected output); final.
    NotApplicable(String),
    /// The endpoint is not configured, unreachable or answered nonsense; retried later.
    Failed(String),
}

impl ExternalScorer {
    /// The scorer kind's stored name.
    pub fn kind(&self) -> &'static str {
        match self {
            ExternalScorer::Judge { .. } => "llm_judge",
            ExternalScorer::Embedding { .. } => "embedding_similarity",
        }
    }

    /// The version recorded with its scores: the kind and the model that answered.
    pub fn version(&self, endpoints: &Endpoints) -> String {
        let (model, endpoint) = match self {
            ExternalScorer::Judge { model, .. } => (model, &endpoints.chat),
            ExternalScorer::Embedding { model } => (model, &endpoints.embeddings),
        };
        let model = model
            .as_deref()
            .or(endpoint.as_ref().map(|e| e.model.as_str()))
            .unwrap_or("unconfigured");
        format!("{}-1:{model}", self.kind())
    }

    /// Scores one output by calling the project's endpoint.
    pub async fn score(
        &self,
        http: &reqwest::Client,
        endpoints: &Endpoints,
        output: &NewOutput,
    ) -> Result<Outcome, Failure> {
        match self {
            ExternalScorer::Judge {
                prompt,
                model,
                temperature,
                pattern,
            } => {
                let endpoint = configured(&endpoints.chat, "chat")?;
                let body = json!({
                    "model": model.as_deref().unwrap_or(&endpoint.model),
                    "temperature": temperature,
                    "messages": judge_messages(prompt, output),
                });
                let reply = post(http, endpoint, "chat/completions", &body, endpoints.timeout).await?;
                let content = reply
                    .pointer("/choices/0/message/content")
                    .and_then(Value::as_str)
                    .ok_or_else(|| {
                        Failure::Failed("the judge's answer has no choices[0].message.content".into())
                    })?;
                let (value, rationale) = parse_verdict(content, pattern.as_ref()).map_err(Failure::Failed)?;
                Ok(Outcome { value, rationale })
            }
            ExternalScorer::Embedding { model } => {
                let expected = output
                    .expected_output
                    .as_deref()
                    .filter(|e| !e.trim().is_empty())
                    .ok_or_else(|| Failure::NotApplicable("the output has no expected output".into()))?;
                let endpoint = configured(&endpoints.embeddings, "embeddings")?;
                let model = model.as_deref().unwrap_or(&endpoint.model);
                let body = json!({"model": model, "input": [output.output, expected]});
                let reply = post(http, endpoint, "embeddings", &body, endpoints.timeout).await?;
                let vectors = embeddings(&reply).map_err(Failure::Failed)?;
                let value = cosine(&vectors[0], &vectors[1]).ok_or_else(|| {
                    Failure::Failed("the embeddings differ in length or one of them is zero".into())
                })?;
                Ok(Outcome {
                    value,
                    rationale: format!("cosine similarity {value:.3} with the expected output ({model})"),
                })
            }
        }
    }
}

fn configured<'a>(endpoint: &'a Option<Endpoint>, which: &str) -> Result<&'a Endpoint, Failure> {
    endpoint.as_ref().ok_or_else(|| {
        Failure::Failed(format!(
            "no {which} endpoint is configured for this project (project page → LLM endpoints)"
        ))
    })
}

async fn post(
    http: &reqwest::Client,
    endpoint: &Endpoint,
    path: &str,
    body: &Value,
    timeout: Duration,
) -> Result<Value, Failure> {
    let url = format!("{}/{path}", endpoint.url);
    let mut request = http.post(&url).timeout(timeout).json(body);
    if let Some(key) = &endpoint.api_key {
        request = request.bearer_auth(key);
    }
    let response = request.send().await.map_err(|e| {
        let why = if e.is_timeout() {
            format!("no answer within {} ms", timeout.as_millis())
        } else if e.is_connect() {
            "cannot connect".to_owned()
        } else {
            e.to_string()
        };
        Failure::Failed(format!("{url}: {why}"))
    })?;
    let status = response.status();
    if !status.is_success() {
        let text = response.text().await.unwrap_or_default();
        return Err(Failure::Failed(format!(
            "{url} answered {status}: {}",
            truncate(text.trim(), 200)
        )));
    }
    response
        .json::<Value>()
        .await
        .map_err(|e| Failure::Failed(format!("{url} answered with invalid JSON: {e}")))
}

/// The chat messages that ask a judge for a verdict: the rubric as the system message, then
/// the conversation, the reply and the expected reply.
pub fn judge_messages(rubric: &str, output: &NewOutput) -> Value {
    let system = format!(
        "{}\n\nAnswer with a JSON object only: {{\"score\": <number>, \"rationale\": \"<one or two sentences>\"}}.",
        rubric.trim()
    );
    let mut user = String::from("Conversation:\n");
    match (&output.messages, &output.input) {
        (Some(messages), _) => {
            for message in messages {
                user.push_str(&format!("{}: {}\n", message.role, message.content));
            }
        }
        (None, Some(input)) => user.push_str(&format!("user: {input}\n")),
        (None, None) => user.push_str("(not recorded)\n"),
    }
    user.push_str(&format!("\nReply to judge:\n{}\n", output.output));
    if let Some(expected) = &output.expected_output {
        user.push_str(&format!("\nExpected reply:\n{expected}\n"));
    }
    if !output.retrieved_ids.is_empty() {
        user.push_str(&format!(
            "\nRetrieved documents: {}\n",
            output.retrieved_ids.join(", ")
        ));
    }
    json!([
        {"role": "system", "content": system},
        {"role": "user", "content": user},
    ])
}

static NUMBER: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"-?\d+(?:\.\d+)?").expect("valid pattern"));

/// Reads a judge's score and rationale: with `pattern`, its first group; otherwise the `score`
/// of a JSON object (fences and prose around it allowed), else the first number.
pub fn parse_verdict(content: &str, pattern: Option<&Regex>) -> Result<(f64, String), String> {
    let number = |text: &str| text.trim().parse::<f64>().ok().filter(|v| v.is_finite());
    let rationale = || truncate(content.trim(), 500);
    let missing = || {
        format!(
            "the judge's reply holds no score: {:?}",
            truncate(content.trim(), 200)
        )
    };
    if let Some(pattern) = pattern {
        let value = pattern
            .captures(content)
            .and_then(|c| c.get(1))
            .and_then(|m| number(m.as_str()))
            .ok_or_else(missing)?;
        return Ok((value, rationale()));
    }
    if let (Some(start), Some(end)) = (content.find('{'), content.rfind('}')) {
        if let Ok(Value::Object(object)) = serde_json::from_str::<Value>(&content[start..=end]) {
            let score = match object.get("score") {
                Some(Value::Number(n)) => n.as_f64(),
                Some(Value::String(s)) => number(s),
                Some(Value::Bool(b)) => Some(if *b { 1.0 } else { 0.0 }),
                _ => None,
            };
            if let Some(score) = score {
                let why = ["rationale", "reason", "explanation"]
                    .iter()
                    .find_map(|k| object.get(*k).and_then(Value::as_str))
                    .map(|s| truncate(s.trim(), 500))
                    .unwrap_or_else(rationale);
                return Ok((score, why));
            }
        }
    }
    let value = NUMBER
        .find(content)
        .and_then(|m| number(m.as_str()))
        .ok_or_else(missing)?;
    Ok((value, rationale()))
}

/// The two vectors of an embeddings answer, in input order.
fn embeddings(reply: &Value) -> Result<Vec<Vec<f64>>, String> {
    let data = reply
        .get("data")
        .and_then(Value::as_array)
        .ok_or("the embeddings answer has no data array")?;
    let mut vectors: Vec<(u64, Vec<f64>)> = data
        .iter()
        .enumerate()
        .map(|(position, item)| {
            let index = item
                .get("index")
                .and_then(Value::as_u64)
                .unwrap_or(position as u64);
            let vector = item
                .get("embedding")
                .and_then(Value::as_array)
                .ok_or("an embeddings item has no embedding array")?
                .iter()
                .map(|x| x.as_f64().ok_or("an embedding holds a non-number"))
                .collect::<Result<Vec<f64>, _>>()?;
            Ok((index, vector))
        })
        .collect::<Result<_, &str>>()?;
    if vectors.len() != 2 {
        return Err(format!("asked for 2 embeddings, got {}", vectors.len()));
    }
    vectors.sort_by_key(|(index, _)| *index);
    Ok(vectors.into_iter().map(|(_, v)| v).collect())
}

/// Cosine similarity, rounded to 12 decimals so equal texts score exactly 1; `None` for
/// vectors of different lengths or a zero vector.
pub fn cosine(a: &[f64], b: &[f64]) -> Option<f64> {
    if a.len() != b.len() || a.is_empty() {
        return None;
    }
    let dot: f64 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let norm = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>().sqrt();
    let (na, nb) = (norm(a), norm(b));
    (na > 0.0 && nb > 0.0).then(|| ((dot / (na * nb)) * 1e12).round().clamp(-1e12, 1e12) / 1e12)
}

#[cfg(test)]
mod tests;
