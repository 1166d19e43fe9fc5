//! The language guardrail on the labelled set `data/language/texts.tsv`: what the default
//! `reply-language` metric catches, falsely fails and leaves undecided, per language, and how
//! long it takes per reply — against the previous rule (whatlang over all of its languages,
//! judged from confidence 0.5) in the same run.

use app::server::scoring::language::evaluation::{self, Counts, Report, Verdict};
use app::server::scoring::language::{self, detect};
use std::time::Instant;

/// The previous rule: whatlang's best guess among its 69 languages, abstaining under 0.5.
fn previous_rule(text: &str, expected: &str) -> Verdict {
    if text.chars().count() < 20 {
        return Verdict::Abstain;
    }
    match detect(text).filter(|d| d.confidence >= 0.5) {
        None => Verdict::Abstain,
        Some(d) if d.code == expected => Verdict::Pass,
        Some(_) => Verdict::Fail,
    }
}

/// Runs both rules (each once to warm up, then timed) and reports them as Markdown tables.
pub fn run() -> String {
    let set = evaluation::parse(evaluation::TEXTS);
    language::warm_up();
    let guardrail = evaluation::default_guardrail();
    let judge = |text: &str, expected: &str| evaluation::judge(&guardrail, text, expected);
    evaluation::evaluate(&set, judge);
    evaluation::evaluate(&set, previous_rule);
    let (report, per_reply) = timed(&set, judge);
    let (previous, previous_per_reply) = timed(&set, previous_rule);
    let mut out = format!(
        "{} texts, each judged as a reply expected in each of {} languages.\n\n\
         | rule | caught | false alarms | abstained | µs per reply |\n| --- | --- | --- | --- | --- |\n\
         | default `reply-language` guardrail | {} | {:.1} |\n\
         | previous rule (whatlang, all languages, confidence ≥ 0.5) | {} | {:.1} |\n\
         | ratio (guardrail / previous) | | | | {:.2} |\n\n\
         Per language of the reply (default guardrail; previous rule in brackets):\n\n\
         | language | caught | false alarms | abstained |\n| --- | --- | --- | --- |\n",
        set.len(),
        report.by_language.len(),
        rates(&report.all),
        per_reply,
        rates(&previous.all),
        previous_per_reply,
        per_reply / previous_per_reply,
    );
    for (code, counts) in &report.by_language {
        let before = previous.by_language[code];
        out += &format!(
            "| {code} | {:.1}% ({:.1}%) | {:.1}% ({:.1}%) | {:.1}% ({:.1}%) |\n",
            100.0 * counts.caught_rate(),
            100.0 * before.caught_rate(),
            100.0 * counts.false_alarm_rate(),
            100.0 * before.false_alarm_rate(),
            100.0 * counts.abstained_rate(),
            100.0 * before.abstained_rate(),
        );
    }
    out
}

fn rates(counts: &Counts) -> String {
    format!(
        "{:.1}% ({}/{}) | {:.2}% ({}/{}) | {:.1}%",
        100.0 * counts.caught_rate(),
        counts.caught,
        counts.wrong,
        100.0 * counts.false_alarm_rate(),
        counts.false_alarms,
        counts.right,
        100.0 * counts.abstained_rate(),
    )
}

/// The report and the mean time per judgement in microseconds, best of three passes.
fn timed(set: &[evaluation::Labelled<'_>], judge: impl Fn(&str, &str) -> Verdict) -> (Report, f64) {
    let mut best = f64::INFINITY;
    let mut report = Report::default();
    for _ in 0..3 {
        let start = Instant::now();
        report = evaluation::evaluate(set, &judge);
        let judgements = (report.all.wrong + report.all.right) as f64;
        best = best.min(start.elapsed().as_secs_f64() * 1e6 / judgements);
    }
    (report, best)
}
