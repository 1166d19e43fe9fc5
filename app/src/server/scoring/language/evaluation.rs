//! Scoring a language guardrail on a labelled set (`data/language/texts.tsv`): every text is
//! judged once as the reply expected in each of the set's languages. Expected in its own
//! language, a failure is a **false alarm**; expected in another, a failure is a wrong-language
//! reply **caught**. An answer of "not applicable" is **abstained** either way.

use crate::domain::metric::catalogue;
use crate::domain::metric::scorer::ScorerSpec;
use crate::server::scoring::{Compiled, ScoringInput, Skip};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The labelled set kept in the repository (see `data/language/README.md`).
pub const TEXTS: &str = include_str!("../../../../../data/language/texts.tsv");

/// One labelled text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Labelled<'a> {
    pub language: &'a str,
    pub source: &'a str,
    pub text: &'a str,
}

/// Reads the set's TSV (a header line, then language, source and text separated by tabs).
pub fn parse(tsv: &str) -> Vec<Labelled<'_>> {
    tsv.lines()
        .skip(1)
        .filter_map(|line| {
            let mut fields = line.splitn(3, '\t');
            Some(Labelled {
                language: fields.next()?,
                source: fields.next()?,
                text: fields.next()?,
            })
        })
        .collect()
}

/// A guardrail's verdict on one reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    Fail,
    Abstain,
}

/// Counts for one language (as the reply's true language) or for all.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Judgements of a reply expected in another language, and how many failed or abstained.
    pub wrong: usize,
    pub caught: usize,
    pub wrong_abstained: usize,
    /// Judgements of a reply expected in its own language, and how many failed or abstained.
    pub right: usize,
    pub false_alarms: usize,
    pub right_abstained: usize,
}

impl Counts {
    fn add(&mut self, own_language: bool, verdict: Verdict) {
        let (total, failed, abstained) = if own_language {
            (&mut self.right, &mut self.false_alarms, &mut self.right_abstained)
        } else {
            (&mut self.wrong, &mut self.caught, &mut self.wrong_abstained)
        };
        *total += 1;
        match verdict {
            Verdict::Fail => *failed += 1,
            Verdict::Abstain => *abstained += 1,
            Verdict::Pass => {}
        }
    }

    /// Share of wrong-language replies failed.
    pub fn caught_rate(&self) -> f64 {
        ratio(self.caught, self.wrong)
    }

    /// Share of right-language replies failed.
    pub fn false_alarm_rate(&self) -> f64 {
        ratio(self.false_alarms, self.right)
    }

    /// Share of all judgements answered "not applicable".
    pub fn abstained_rate(&self) -> f64 {
        ratio(
            self.wrong_abstained + self.right_abstained,
            self.wrong + self.right,
        )
    }
}

fn ratio(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// The counts per true language and over all, judging every text as expected in each language.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    pub by_language: BTreeMap<String, Counts>,
    pub all: Counts,
}

/// Judges every text of `set` as expected in each of the set's languages with `judge(text,
/// expected)`.
pub fn evaluate(set: &[Labelled<'_>], mut judge: impl FnMut(&str, &str) -> Verdict) -> Report {
    let mut languages: Vec<&str> = set.iter().map(|l| l.language).collect();
    languages.sort_unstable();
    languages.dedup();
    let mut report = Report::default();
    for item in set {
        for expected in &languages {
            let verdict = judge(item.text, expected);
            let own = *expected == item.language;
            report.all.add(own, verdict);
            report
                .by_language
                .entry(item.language.to_owned())
                .or_default()
                .add(own, verdict);
        }
    }
    report
}

/// The guardrail as a new project gets it: the catalogue's `reply-language` metric, which reads
/// the expected language from the `language` metadata key.
pub fn default_guardrail() -> Compiled {
    let template = catalogue::template("reply-language").expect("the catalogue has reply-language");
    let input = template.to_input("owner", chrono::NaiveDate::MIN);
    let spec = ScorerSpec::parse_json(&input.scorer).expect("the template's scorer parses");
    Compiled::new(&spec).expect("the template's scorer compiles")
}

/// `scorer`'s verdict on `text` as a reply whose metadata says `language` is `expected`.
pub fn judge(scorer: &Compiled, text: &str, expected: &str) -> Verdict {
    let mut metadata = Map::new();
    metadata.insert("language".into(), Value::String(expected.into()));
    let input = ScoringInput {
        output: text,
        metadata: Some(&metadata),
        ..Default::default()
    };
    match scorer.score(&input) {
        Ok(outcome) if outcome.value >= 1.0 => Verdict::Pass,
        Ok(_) => Verdict::Fail,
        Err(Skip::NotApplicable(_) | Skip::External(_)) => Verdict::Abstain,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_text_is_judged_once_per_language() {
        let set = parse("language\tsource\ttext\nde\tx\tHallo Welt\nen\tx\tHello world\n");
        // A guardrail that believes every reply is German: it fails whatever is expected in
        // English, so the German text is caught there and the English one is a false alarm.
        let report = evaluate(&set, |_, expected| {
            if expected == "de" {
                Verdict::Pass
            } else {
                Verdict::Fail
            }
        });
        let german = report.by_language["de"];
        assert_eq!(
            (german.right, german.false_alarms, german.wrong, german.caught),
            (1, 0, 1, 1)
        );
        let english = report.by_language["en"];
        assert_eq!(
            (english.right, english.false_alarms, english.wrong, english.caught),
            (1, 1, 1, 0)
        );
        assert_eq!(report.all.caught_rate(), 0.5);
        assert_eq!(report.all.false_alarm_rate(), 0.5);
        assert_eq!(report.all.abstained_rate(), 0.0);
    }

    #[test]
    fn the_kept_set_has_six_languages_of_250_texts_within_the_length_bounds() {
        let set = parse(TEXTS);
        let report = evaluate(&set, |_, _| Verdict::Abstain);
        assert_eq!(
            report.by_language.keys().map(String::as_str).collect::<Vec<_>>(),
            ["de", "en", "es", "fr", "it", "nl"]
        );
        assert!(report.by_language.values().all(|c| c.right == 250));
        assert!(set.iter().all(|l| (20..=160).contains(&l.text.chars().count())));
        assert_eq!(report.all.abstained_rate(), 1.0);
    }

    /// The targets are accuracy, not time, so they are a test: at least 95% of
    /// wrong-language replies caught, at most 1% of right ones failed.
    #[test]
    fn the_default_guardrail_catches_wrong_language_replies_without_false_alarms() {
        let scorer = default_guardrail();
        let report = evaluate(&parse(TEXTS), |text, expected| judge(&scorer, text, expected));
        let all = report.all;
        assert!(
            all.caught_rate() >= 0.95,
            "caught {:.3}: {report:?}",
            all.caught_rate()
        );
        assert!(
            all.false_alarm_rate() <= 0.01,
            "false alarms {:.4}: {report:?}",
            all.false_alarm_rate()
        );
        // Abstaining is neither a catch nor a false alarm, so it is bounded on its own.
        assert!(
            all.abstained_rate() <= 0.01,
            "abstained {:.4}: {report:?}",
            all.abstained_rate()
        );
        for (language, counts) in &report.by_language {
            assert!(
                counts.caught_rate() >= 0.95,
                "{language} caught {:.3}",
                counts.caught_rate()
            );
            assert!(
                counts.false_alarm_rate() <= 0.02,
                "{language} false alarms {:.3}",
                counts.false_alarm_rate()
            );
        }
    }
}
