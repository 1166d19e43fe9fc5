//! The outcome of each kind of built-in scorer on one output.

use super::lexical as lex;
use super::retrieval as ranking;
use super::{language, Outcome, ScoringInput, Skip, WordMode};
use crate::domain::metric::scorer::{LengthUnit, LexicalMeasure, RetrievalMeasure};
use serde_json::Value;
use std::collections::HashSet;

pub(super) fn bool_value(pass: bool) -> f64 {
    if pass {
        1.0
    } else {
        0.0
    }
}

pub(super) fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        format!("{}…", text.chars().take(max).collect::<String>())
    }
}

pub(super) fn exact_match(input: &ScoringInput<'_>, ignore_case: bool, trim: bool) -> Result<Outcome, Skip> {
    let expected = input
        .expected
        .ok_or_else(|| Skip::NotApplicable("no expected output".into()))?;
    let normalise = |text: &str| {
        let text = if trim { text.trim() } else { text };
        if ignore_case {
            text.to_lowercase()
        } else {
            text.to_owned()
        }
    };
    let same = normalise(input.output) == normalise(expected);
    Ok(Outcome {
        value: bool_value(same),
        rationale: if same {
            "equals the expected output"
        } else {
            "differs from the expected output"
        }
        .into(),
    })
}

pub(super) fn word_outcome(found: Vec<&str>, total: usize, mode: WordMode) -> Outcome {
    let pass = match mode {
        WordMode::Any => !found.is_empty(),
        WordMode::All => found.len() == total,
        WordMode::None => found.is_empty(),
    };
    let rationale = if found.is_empty() {
        "no listed word found".to_owned()
    } else {
        format!("found: {}", found.join(", "))
    };
    Outcome {
        value: bool_value(pass),
        rationale,
    }
}

pub(super) fn length(text: &str, unit: LengthUnit, min: Option<u32>, max: Option<u32>) -> Outcome {
    let (count, name) = match unit {
        LengthUnit::Chars => (text.chars().count(), "characters"),
        LengthUnit::Words => (text.split_whitespace().count(), "words"),
    };
    let too_short = min.is_some_and(|min| count < min as usize);
    let too_long = max.is_some_and(|max| count > max as usize);
    let rationale = match (too_short, too_long) {
        (true, _) => format!("{count} {name}, fewer than {}", min.unwrap_or_default()),
        (_, true) => format!("{count} {name}, more than {}", max.unwrap_or_default()),
        _ => format!("{count} {name}, within bounds"),
    };
    Outcome {
        value: bool_value(!too_short && !too_long),
        rationale,
    }
}

pub(super) fn json_schema(validator: &jsonschema::Validator, output: &str) -> Outcome {
    let value: Value = match serde_json::from_str(output) {
        Ok(value) => value,
        Err(e) => {
            return Outcome {
                value: 0.0,
                rationale: format!("invalid JSON: {e}"),
            }
        }
    };
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .take(3)
        .map(|e| format!("{} at '{}'", e, e.instance_path()))
        .collect();
    if errors.is_empty() {
        Outcome {
            value: 1.0,
            rationale: "conforms to the schema".into(),
        }
    } else {
        Outcome {
            value: 0.0,
            rationale: errors.join("; "),
        }
    }
}

/// The language guardrail's parameters, compiled.
pub(super) struct LanguageRule<'a> {
    pub expected_key: Option<&'a str>,
    pub min_chars: usize,
    pub min_confidence: f64,
    pub guard: &'a std::sync::Arc<language::Guard>,
}

impl LanguageRule<'_> {
    /// The language of `text` when `expected` is its likely language: among the guard's
    /// candidates, joined by the expected language when it is modelled (always judged), else by
    /// the general detector (judged only from `min_confidence`).
    fn detect(&self, text: &str, expected: &str) -> Option<language::Detected> {
        let guard = self.guard.with(expected);
        if guard.knows(expected) {
            guard.detect(text)
        } else {
            language::detect(text).filter(|d| d.confidence >= self.min_confidence)
        }
    }

    /// The conversation's language, from its user turns. The general detector names it; when
    /// that is a candidate, the guard tells it apart from the other candidates, and any other
    /// language (Polish, say) counts only from `min_confidence`.
    fn conversation(&self, users: &[String]) -> Option<String> {
        let conversation = users.join("\n");
        if conversation.chars().count() < self.min_chars {
            return None;
        }
        let general = language::detect(&conversation)?;
        if self.guard.knows(&general.code) {
            self.guard.detect(&conversation).map(|d| d.code)
        } else {
            (general.confidence >= self.min_confidence).then_some(general.code)
        }
    }
}

pub(super) fn language_match(input: &ScoringInput<'_>, rule: LanguageRule<'_>) -> Result<Outcome, Skip> {
    if input.output.chars().count() < rule.min_chars {
        return Err(Skip::NotApplicable(format!(
            "reply shorter than {} characters",
            rule.min_chars
        )));
    }
    let from_metadata = rule
        .expected_key
        .and_then(|key| input.metadata?.get(key)?.as_str())
        .and_then(language::normalise);
    let expected = match from_metadata {
        Some(code) => code,
        None => rule
            .conversation(input.user_messages)
            .ok_or_else(|| Skip::NotApplicable("the conversation's language is unknown".into()))?,
    };
    let reply = rule.detect(input.output, &expected).ok_or_else(|| {
        Skip::NotApplicable("the reply's language could not be detected confidently".into())
    })?;
    let same = reply.code == expected;
    let rationale = format!(
        "reply in {} ({:.2}), expected {expected}",
        reply.code, reply.confidence
    );
    Ok(Outcome {
        value: bool_value(same),
        rationale,
    })
}

pub(super) fn lexical(input: &ScoringInput<'_>, measure: LexicalMeasure) -> Result<Outcome, Skip> {
    let expected = input
        .expected
        .ok_or_else(|| Skip::NotApplicable("no expected output".into()))?;
    let (candidate, reference) = (lex::tokens(input.output), lex::tokens(expected));
    let (value, name) = match measure {
        LexicalMeasure::TokenF1 => (lex::token_f1(&candidate, &reference), "token F1"),
        LexicalMeasure::RougeL => (lex::rouge_l(&candidate, &reference), "ROUGE-L F"),
        LexicalMeasure::Bleu => (
            lex::bleu(&candidate, &[reference.as_slice()], true),
            "BLEU (smoothed)",
        ),
    };
    Ok(Outcome {
        value,
        rationale: format!("{name} {value:.3} against the expected output"),
    })
}

pub(super) fn retrieval(
    input: &ScoringInput<'_>,
    measure: RetrievalMeasure,
    k: usize,
) -> Result<Outcome, Skip> {
    let no_grades = std::collections::BTreeMap::new();
    let grades = ranking::grades(input.relevant, input.relevance.unwrap_or(&no_grades));
    // A document graded 0 is judged, but not relevant.
    let relevant: HashSet<&str> = grades
        .iter()
        .filter(|(_, g)| **g > 0.0)
        .map(|(id, _)| *id)
        .collect();
    let no_relevant = || Skip::NotApplicable("no relevant ids".into());
    let (value, name) = match measure {
        RetrievalMeasure::Precision => (
            ranking::precision_at(input.retrieved, &relevant, k),
            format!("precision@{k}"),
        ),
        RetrievalMeasure::Recall => (
            ranking::recall_at(input.retrieved, &relevant, k).ok_or_else(no_relevant)?,
            format!("recall@{k}"),
        ),
        RetrievalMeasure::Mrr => (
            ranking::reciprocal_rank(input.retrieved, &relevant),
            "reciprocal rank".to_owned(),
        ),
        RetrievalMeasure::Ndcg => (
            ranking::ndcg_at(input.retrieved, &grades, k).ok_or_else(no_relevant)?,
            format!("NDCG@{k}"),
        ),
    };
    Ok(Outcome {
        value,
        rationale: format!(
            "{name} = {value:.3} ({} retrieved, {} relevant)",
            input.retrieved.len(),
            relevant.len()
        ),
    })
}

pub(super) fn consistency(input: &ScoringInput<'_>, min_samples: usize) -> Result<Outcome, Skip> {
    if input.peers.len() + 1 < min_samples {
        return Err(Skip::NotApplicable(format!(
            "{} sample(s) of this input; need {min_samples}",
            input.peers.len() + 1
        )));
    }
    let mine = lex::tokens(input.output);
    let total: f64 = input
        .peers
        .iter()
        .map(|peer| lex::token_f1(&mine, &lex::tokens(peer)))
        .sum();
    let value = total / input.peers.len() as f64;
    Ok(Outcome {
        value,
        rationale: format!(
            "mean token F1 {value:.3} against {} other sample(s)",
            input.peers.len()
        ),
    })
}
