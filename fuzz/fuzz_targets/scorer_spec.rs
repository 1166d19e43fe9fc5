//! Scorer specs (metric forms, metrics-as-code, the REST API): the first line is a spec, the
//! rest a reply. A spec that parses compiles or is refused with a reason, and a compiled
//! scorer scores any reply (or says why it does not apply) without panicking, giving a finite
//! value.
#![no_main]

use app::domain::metric::scorer::ScorerSpec;
use app::server::scoring::{Compiled, ScoringInput};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (spec, reply) = text.split_once('\n').unwrap_or((text, ""));
    let Ok(spec) = ScorerSpec::parse_json(spec) else {
        return;
    };
    // The language guard loads its models once per process; it is fuzzed through its own
    // unit tests, not here, where it would dominate every run.
    if matches!(spec, ScorerSpec::LanguageMatch { .. }) {
        return;
    }
    let again = ScorerSpec::parse_json(&spec.to_json()).expect("a stored spec parses again");
    assert_eq!(again, spec, "a spec survives being stored");
    let Ok(compiled) = Compiled::new(&spec) else {
        return;
    };
    let users = [reply.to_owned()];
    let documents: Vec<String> = reply.split_whitespace().map(str::to_owned).collect();
    let input = ScoringInput {
        output: reply,
        expected: Some(reply.get(..reply.len() / 2).unwrap_or(reply)),
        user_messages: &users,
        retrieved: &documents,
        relevant: documents.get(..documents.len() / 2).unwrap_or(&[]),
        peers: &users,
        ..Default::default()
    };
    if let Ok(outcome) = compiled.score(&input) {
        assert!(outcome.value.is_finite(), "score {} of {spec:?}", outcome.value);
    }
});
