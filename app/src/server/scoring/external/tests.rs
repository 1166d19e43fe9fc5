use super::*;
use crate::domain::output::Message;
use crate::server::scoring::openai_stub::{Stub, KEY};

fn output(reply: &str, expected: Option<&str>) -> NewOutput {
    NewOutput {
        version: "v1".into(),
        model: None,
        prompt_hash: None,
        version_notes: None,
        conversation_id: None,
        turn_index: None,
        user: None,
        input: None,
        messages: Some(vec![Message {
            role: "user".into(),
            content: "Wie kündige ich?".into(),
        }]),
        output: reply.into(),
        expected_output: expected.map(str::to_owned),
        source: "production".into(),
        metadata: Default::default(),
        retrieved_ids: vec![],
        relevant_ids: vec![],
        relevance: Default::default(),
        latency_ms: None,
        tokens_in: None,
        tokens_out: None,
        occurred_at: chrono::Utc::now(),
        external_id: None,
        eval: None,
    }
}

fn endpoints(stub: &Stub, key: Option<&str>) -> Endpoints {
    let endpoint = Endpoint {
        url: stub.url.clone(),
        model: "stub-model".into(),
        api_key: key.map(str::to_owned),
    };
    Endpoints {
        chat: Some(endpoint.clone()),
        embeddings: Some(endpoint),
        timeout: Duration::from_secs(5),
    }
}

fn judge(pattern: Option<&str>) -> ExternalScorer {
    ExternalScorer::Judge {
        prompt: "Does the reply avoid filler words? 1 yes, 0 no.".into(),
        model: Some("judge-large".into()),
        temperature: 0.2,
        pattern: pattern.map(|p| Regex::new(p).unwrap()),
    }
}

#[test]
fn verdicts_are_read_from_json_fenced_or_not() {
    let fenced = "```json\n{\"score\": 4, \"rationale\": \"Polite and correct.\"}\n```";
    assert_eq!(
        parse_verdict(fenced, None).unwrap(),
        (4.0, "Polite and correct.".into())
    );
    assert_eq!(
        parse_verdict("{\"score\": \"0.5\", \"reason\": \"half\"}", None).unwrap(),
        (0.5, "half".into())
    );
    assert_eq!(parse_verdict("{\"score\": true}", None).unwrap().0, 1.0);
}

#[test]
fn without_json_the_first_number_counts_and_a_pattern_overrides() {
    assert_eq!(parse_verdict("I'd give it 3 out of 5.", None).unwrap().0, 3.0);
    let pattern = Regex::new(r"Rating: (\d+)").unwrap();
    assert_eq!(
        parse_verdict("Out of 5 — Rating: 2", Some(&pattern)).unwrap().0,
        2.0
    );
    assert!(parse_verdict("Out of 5, no rating", Some(&pattern)).is_err());
    assert!(parse_verdict("I cannot judge this.", None)
        .unwrap_err()
        .contains("no score"));
}

#[test]
fn cosine_is_one_for_parallel_vectors_and_undefined_for_zero_ones() {
    assert!((cosine(&[1.0, 2.0], &[2.0, 4.0]).unwrap() - 1.0).abs() < 1e-12);
    assert!(cosine(&[1.0, 0.0], &[0.0, 1.0]).unwrap().abs() < 1e-12);
    assert!((cosine(&[1.0, 0.0], &[-1.0, 0.0]).unwrap() + 1.0).abs() < 1e-12);
    assert_eq!(cosine(&[0.0, 0.0], &[1.0, 1.0]), None);
    assert_eq!(cosine(&[1.0], &[1.0, 1.0]), None);
}

#[test]
fn the_judge_sees_rubric_conversation_reply_and_expected_reply() {
    let messages = judge_messages("Rate tone.", &output("Gerne.", Some("Gern geschehen.")));
    let system = messages[0]["content"].as_str().unwrap();
    let user = messages[1]["content"].as_str().unwrap();
    assert!(system.starts_with("Rate tone.") && system.contains("\"score\""));
    assert!(user.contains("user: Wie kündige ich?"));
    assert!(user.contains("Reply to judge:\nGerne."));
    assert!(user.contains("Expected reply:\nGern geschehen."));
}

#[tokio::test]
async fn a_judge_scores_through_a_chat_completions_endpoint() {
    let stub = Stub::start().await;
    let http = reqwest::Client::new();
    let good = judge(None)
        .score(
            &http,
            &endpoints(&stub, Some(KEY)),
            &output("Sie kündigen im Portal.", None),
        )
        .await
        .unwrap();
    assert_eq!(good.value, 1.0);
    assert_eq!(good.rationale, "The reply reads naturally.");
    let bad = judge(None)
        .score(
            &http,
            &endpoints(&stub, Some(KEY)),
            &output("Let us delve into it.", None),
        )
        .await
        .unwrap();
    assert_eq!(bad.value, 0.0);
    let body = stub.last_body();
    assert_eq!(
        (body["model"].as_str(), body["temperature"].as_f64()),
        (Some("judge-large"), Some(0.2))
    );
}

#[tokio::test]
async fn embedding_similarity_compares_reply_and_expected_output() {
    let stub = Stub::start().await;
    let http = reqwest::Client::new();
    let scorer = ExternalScorer::Embedding { model: None };
    let same = scorer
        .score(&http, &endpoints(&stub, Some(KEY)), &output("abc", Some("cab")))
        .await
        .unwrap();
    assert_eq!(same.value, 1.0, "{same:?}");
    let apart = scorer
        .score(&http, &endpoints(&stub, Some(KEY)), &output("aaaa", Some("bbbb")))
        .await
        .unwrap();
    assert!(apart.value.abs() < 1e-12);
    assert_eq!(stub.last_body()["model"], "stub-model");
    let none = scorer
        .score(&http, &endpoints(&stub, Some(KEY)), &output("abc", None))
        .await;
    assert!(matches!(none, Err(Failure::NotApplicable(_))));
}

#[tokio::test]
async fn failures_say_what_went_wrong_and_never_show_the_key() {
    let stub = Stub::start().await;
    let http = reqwest::Client::new();
    let reply = output("Hallo.", None);
    let Err(Failure::Failed(refused)) = judge(None)
        .score(&http, &endpoints(&stub, Some("sk-wrong")), &reply)
        .await
    else {
        panic!("a wrong key must fail");
    };
    assert!(
        refused.contains("401") && !refused.contains("sk-wrong"),
        "{refused}"
    );
    stub.set_down(true);
    let Err(Failure::Failed(down)) = judge(None)
        .score(&http, &endpoints(&stub, Some(KEY)), &reply)
        .await
    else {
        panic!("a down endpoint must fail");
    };
    assert!(down.contains("503"), "{down}");
    let Err(Failure::Failed(missing)) = judge(None).score(&http, &Endpoints::default(), &reply).await else {
        panic!("a missing endpoint must fail");
    };
    assert!(missing.contains("no chat endpoint"), "{missing}");
    let closed = Endpoints {
        chat: Some(Endpoint {
            url: "http://127.0.0.1:9/v1".into(),
            model: "m".into(),
            api_key: None,
        }),
        ..Default::default()
    };
    let Err(Failure::Failed(unreachable)) = judge(None).score(&http, &closed, &reply).await else {
        panic!("an unreachable endpoint must fail");
    };
    assert!(unreachable.contains("127.0.0.1:9"), "{unreachable}");
}
