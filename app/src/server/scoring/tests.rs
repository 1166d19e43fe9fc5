//! Hand-checked cases for each built-in scorer.

use super::*;
use crate::domain::metric::scorer::ScorerSpec;

fn compile(json: &str) -> Compiled {
    Compiled::new(&ScorerSpec::parse_json(json).unwrap()).unwrap()
}

fn value(scorer: &Compiled, input: ScoringInput<'_>) -> f64 {
    scorer.score(&input).unwrap().value
}

fn output(text: &str) -> ScoringInput<'_> {
    ScoringInput {
        output: text,
        ..Default::default()
    }
}

#[test]
fn a_german_conversation_whose_fifth_reply_is_english_fails_only_there() {
    let scorer = compile(r#"{"kind": "language_match", "min_chars": 20}"#);
    let users: Vec<String> = [
        "Hallo, ich habe eine Frage zu meiner letzten Rechnung.",
        "Der Betrag ist höher als sonst, warum ist das so?",
        "Ich habe den Tarif nicht gewechselt.",
        "Können Sie mir das bitte genauer erklären?",
        "Und wie kann ich widersprechen?",
    ]
    .map(String::from)
    .to_vec();
    let replies = [
        "Gerne helfe ich Ihnen bei Ihrer Frage zur Rechnung weiter.",
        "Der Betrag ist gestiegen, weil die Grundgebühr angepasst wurde.",
        "Das stimmt, Ihr Tarif ist unverändert geblieben.",
        "Die Grundgebühr wurde zum ersten des Monats für alle Kunden erhöht.",
        "You can file an objection within thirty days through your customer account.",
    ];
    let verdicts: Vec<f64> = replies
        .iter()
        .enumerate()
        .map(|(turn, reply)| {
            value(
                &scorer,
                ScoringInput {
                    output: reply,
                    user_messages: &users[..=turn],
                    ..Default::default()
                },
            )
        })
        .collect();
    assert_eq!(verdicts, [1.0, 1.0, 1.0, 1.0, 0.0]);
}

#[test]
fn the_expected_language_comes_from_metadata_when_configured() {
    let scorer = compile(r#"{"kind": "language_match", "expected_key": "language"}"#);
    let metadata: Map<String, Value> = serde_json::from_str(r#"{"language": "de-AT"}"#).unwrap();
    let english = "Thank you for reaching out, we will get back to you shortly.";
    let outcome = scorer
        .score(&ScoringInput {
            output: english,
            metadata: Some(&metadata),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(outcome.value, 0.0);
    assert!(
        outcome.rationale.contains("reply in en") && outcome.rationale.contains("expected de"),
        "{}",
        outcome.rationale
    );
}

#[test]
fn too_short_a_reply_is_not_judged_for_language() {
    let scorer = compile(r#"{"kind": "language_match", "min_chars": 20}"#);
    assert!(matches!(
        scorer.score(&output("OK.")),
        Err(Skip::NotApplicable(_))
    ));
}

#[test]
fn word_lists_score_any_all_and_none() {
    let text = output("Let us delve into the refund policy.");
    assert_eq!(
        value(&compile(r#"{"kind": "not_contains", "words": ["delve"]}"#), text),
        0.0
    );
    assert_eq!(
        value(
            &compile(r#"{"kind": "contains", "words": ["refund", "invoice"]}"#),
            text
        ),
        1.0
    );
    assert_eq!(
        value(
            &compile(r#"{"kind": "contains", "words": ["refund", "invoice"], "require_all": true}"#),
            text
        ),
        0.0
    );
    let moderation = compile(r#"{"kind": "moderation", "words": ["idiot"]}"#)
        .score(&output("You IDIOT"))
        .unwrap();
    assert_eq!(
        (moderation.value, moderation.rationale.as_str()),
        (0.0, "found: idiot")
    );
}

#[test]
fn regex_and_exact_match() {
    let cites = compile(r#"{"kind": "regex", "pattern": "\\[doc-\\d+\\]"}"#);
    assert_eq!(value(&cites, output("See [doc-12].")), 1.0);
    assert_eq!(value(&cites, output("See the docs.")), 0.0);
    let forbidden = compile(r#"{"kind": "regex", "pattern": "(?i)as an ai", "must_match": false}"#);
    assert_eq!(value(&forbidden, output("As an AI, I cannot")), 0.0);
    let exact = compile(r#"{"kind": "exact_match"}"#);
    assert_eq!(
        value(
            &exact,
            ScoringInput {
                output: " Paris ",
                expected: Some("paris"),
                ..Default::default()
            }
        ),
        1.0
    );
    assert!(matches!(
        exact.score(&output("Paris")),
        Err(Skip::NotApplicable(_))
    ));
}

#[test]
fn length_bounds_count_characters_or_words() {
    let words = compile(r#"{"kind": "length", "unit": "words", "min": 2, "max": 4}"#);
    assert_eq!(value(&words, output("one")), 0.0);
    assert_eq!(value(&words, output("one two three")), 1.0);
    let outcome = words.score(&output("one two three four five")).unwrap();
    assert_eq!(
        (outcome.value, outcome.rationale.as_str()),
        (0.0, "5 words, more than 4")
    );
    assert_eq!(
        value(
            &compile(r#"{"kind": "length", "unit": "chars", "max": 3}"#),
            output("äöü")
        ),
        1.0
    );
}

#[test]
fn json_and_json_schema() {
    let valid = compile(r#"{"kind": "valid_json"}"#);
    assert_eq!(value(&valid, output(r#"{"a": 1}"#)), 1.0);
    assert_eq!(value(&valid, output("{a: 1}")), 0.0);
    let schema = compile(
        r#"{"kind": "json_schema", "schema": {"type": "object", "required": ["answer"], "properties": {"answer": {"type": "string"}}}}"#,
    );
    assert_eq!(value(&schema, output(r#"{"answer": "yes"}"#)), 1.0);
    let wrong = schema.score(&output(r#"{"answer": 42}"#)).unwrap();
    assert_eq!(wrong.value, 0.0);
    assert!(wrong.rationale.contains("/answer"), "{}", wrong.rationale);
}

#[test]
fn lexical_and_retrieval_scorers_use_their_measures() {
    let rouge = compile(r#"{"kind": "lexical_similarity", "measure": "rouge_l"}"#);
    let input = ScoringInput {
        output: "police kill the gunman",
        expected: Some("police killed the gunman"),
        ..Default::default()
    };
    assert!((value(&rouge, input) - 0.75).abs() < 1e-12);
    let retrieved: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
    let relevant: Vec<String> = ["c"].map(String::from).to_vec();
    let mrr = compile(r#"{"kind": "retrieval", "measure": "mrr", "k": 3}"#);
    assert!(
        (value(
            &mrr,
            ScoringInput {
                retrieved: &retrieved,
                relevant: &relevant,
                ..Default::default()
            }
        ) - 1.0 / 3.0)
            .abs()
            < 1e-12
    );
    let recall = compile(r#"{"kind": "retrieval", "measure": "recall", "k": 2}"#);
    assert_eq!(
        value(
            &recall,
            ScoringInput {
                retrieved: &retrieved,
                relevant: &relevant,
                ..Default::default()
            }
        ),
        0.0
    );
}

#[test]
fn ndcg_uses_relevance_grades_and_never_exceeds_one_or_reads_negative_zero() {
    let ndcg = compile(r#"{"kind": "retrieval", "measure": "ndcg", "k": 6}"#);
    // sklearn.metrics.ndcg_score([[3,2,3,0,1,2]], [[6,5,4,3,2,1]]) = 0.9608081943360616
    let (retrieved, relevance) = super::retrieval::sklearn_graded_example();
    let graded = ScoringInput {
        retrieved: &retrieved,
        relevance: Some(&relevance),
        ..Default::default()
    };
    assert!((value(&ndcg, graded) - 0.960_808_194_336_061_6).abs() < 1e-12);
    // Retrieved [a, a], relevant {a}: 1, not 1.63.
    let twice: Vec<String> = vec!["a".into(), "a".into()];
    let relevant: Vec<String> = vec!["a".into()];
    let input = ScoringInput {
        retrieved: &twice,
        relevant: &relevant,
        ..Default::default()
    };
    assert_eq!(
        value(
            &compile(r#"{"kind": "retrieval", "measure": "ndcg", "k": 2}"#),
            input
        ),
        1.0
    );
    // Nothing relevant in the top k: a positive zero.
    let missed: Vec<String> = vec!["z".into()];
    let outcome = ndcg
        .score(&ScoringInput {
            retrieved: &retrieved,
            relevant: &missed,
            ..Default::default()
        })
        .unwrap();
    assert!(outcome.value == 0.0 && outcome.value.is_sign_positive());
    assert!(
        outcome.rationale.starts_with("NDCG@6 = 0.000"),
        "{}",
        outcome.rationale
    );
}

#[test]
fn consistency_needs_enough_samples() {
    let scorer = compile(r#"{"kind": "consistency", "min_samples": 3}"#);
    let peers: Vec<String> = vec!["the answer is 42".into(), "the answer is 41".into()];
    let outcome = scorer
        .score(&ScoringInput {
            output: "the answer is 42",
            peers: &peers,
            ..Default::default()
        })
        .unwrap();
    assert!((outcome.value - (1.0 + 0.75) / 2.0).abs() < 1e-12, "{outcome:?}");
    assert!(matches!(
        scorer.score(&ScoringInput {
            output: "x",
            peers: &peers[..1],
            ..Default::default()
        }),
        Err(Skip::NotApplicable(_))
    ));
}

#[test]
fn judges_embeddings_and_people_are_scored_elsewhere() {
    for json in [
        r#"{"kind": "llm_judge", "rubric_prompt": "Rate it"}"#,
        r#"{"kind": "embedding_similarity"}"#,
        r#"{"kind": "human"}"#,
    ] {
        assert!(
            matches!(compile(json).score(&output("x")), Err(Skip::External(_))),
            "{json}"
        );
    }
}
