use super::*;
use crate::domain::experiment::design::ExperimentForm;

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
}

fn design(versions: &str) -> Design {
    let form = ExperimentForm {
        key: "ab".into(),
        name: "A/B".into(),
        versions: versions.into(),
        primary: "thumbs-up".into(),
        guardrails: "reply-language".into(),
        baseline: "60%".into(),
        minimum_change: "20%".into(),
        ..ExperimentForm::new()
    };
    Design::parse(&form, None, day(1)).unwrap()
}

#[test]
fn the_horizon_is_the_first_day_every_arm_has_its_sample() {
    let days = vec![
        (day(1), vec![40, 10]),
        (day(2), vec![40, 30]),
        (day(3), vec![40, 45]),
        (day(4), vec![40, 45]),
    ];
    assert_eq!(
        horizon(&days, 80),
        Some(day(3)),
        "arm A reaches 80 on day 2, arm B on day 3"
    );
    assert_eq!(horizon(&days, 200), None);
    assert_eq!(horizon(&[], 1), None);
}

#[test]
fn differences_use_newcombes_interval_and_wilsons_per_arm() {
    // Newcombe (1998), difference example: 56/70 − 48/80 = 0.2000, method 10: 0.0524 to 0.3339.
    let versions = vec!["control".to_owned(), "variant".to_owned()];
    let result = compare_arms(
        "thumbs-up",
        "Thumbs up",
        &versions,
        &[Proportion::new(48, 80), Proportion::new(56, 70)],
        0.05,
    );
    let d = &result.differences[0];
    assert!((d.delta.unwrap() - 0.2).abs() < 1e-12);
    assert!((d.interval.low - 0.0524).abs() < 5e-5, "{:?}", d.interval);
    assert!((d.interval.high - 0.3339).abs() < 5e-5, "{:?}", d.interval);
    assert_eq!(d.outcome, Outcome::Better);
    // Newcombe (1998), single proportion: 81/263, Wilson 0.2553 to 0.3662.
    let single = compare_arms(
        "m",
        "m",
        &versions,
        &[Proportion::new(81, 263), Proportion::new(81, 263)],
        0.05,
    );
    assert!((single.arms[0].interval.low - 0.2553).abs() < 5e-5);
    assert!((single.arms[0].interval.high - 0.3662).abs() < 5e-5);
    assert_eq!(single.differences[0].outcome, Outcome::NoDetectableDifference);
    // An empty arm: no difference can be read.
    let empty = compare_arms(
        "m",
        "m",
        &versions,
        &[Proportion::new(0, 0), Proportion::new(5, 10)],
        0.05,
    );
    assert_eq!(empty.differences[0].delta, None);
    assert_eq!(empty.differences[0].outcome, Outcome::NoDetectableDifference);
}

fn counted<'a>(key: &'a str, arms: &[(u64, u64)]) -> Counted<'a> {
    Counted {
        key,
        name: key,
        arms: arms.iter().map(|(k, n)| Proportion::new(*k, *n)).collect(),
    }
}

#[test]
fn the_verdict_waits_for_the_sample_then_weighs_the_guardrails() {
    let d = design("prompt-v2, prompt-v3");
    let needed = u64::from(d.sample_per_arm);
    let (verdict, primary, _) = analyse(&d, &[needed, needed - 1], false, None);
    assert_eq!(
        verdict,
        Verdict::KeepCollecting {
            smallest: needed - 1,
            needed
        }
    );
    assert!(primary.is_none(), "no rate is shown before the horizon");
    assert!(verdict.headline(&d).starts_with("Keep collecting"));
    let (stopped, _, _) = analyse(&d, &[3, 4], true, None);
    assert!(matches!(stopped, Verdict::StoppedEarly { smallest: 3, .. }));

    let better = || counted("thumbs-up", &[(60, 100), (85, 100)]);
    let (verdict, _, _) = analyse(
        &d,
        &[100, 100],
        false,
        Some((better(), vec![counted("reply-language", &[(95, 100), (94, 100)])])),
    );
    assert_eq!(
        verdict,
        Verdict::Ship {
            version: "prompt-v3".into()
        }
    );
    assert!(verdict.headline(&d).contains("ship it"));
    let (verdict, _, guardrails) = analyse(
        &d,
        &[100, 100],
        false,
        Some((better(), vec![counted("reply-language", &[(95, 100), (60, 100)])])),
    );
    assert_eq!(guardrails[0].differences[0].outcome, Outcome::Worse);
    assert_eq!(
        verdict,
        Verdict::GuardrailBroken {
            version: "prompt-v3".into(),
            guardrails: vec!["reply-language".into()]
        }
    );
    let (verdict, _, _) = analyse(
        &d,
        &[100, 100],
        false,
        Some((counted("thumbs-up", &[(85, 100), (60, 100)]), vec![])),
    );
    assert_eq!(verdict, Verdict::KeepControl);
    let (verdict, _, _) = analyse(
        &d,
        &[100, 100],
        false,
        Some((counted("thumbs-up", &[(60, 100), (62, 100)]), vec![])),
    );
    assert_eq!(verdict, Verdict::NoDetectableDifference { worse: vec![] });
    assert!(verdict
        .headline(&d)
        .contains("No variant is detectably better or worse"));
    assert!(verdict.is_decided());
    // A better variant whose guardrail has too few verdicts is not shipped.
    let (verdict, _, _) = analyse(
        &d,
        &[100, 100],
        false,
        Some((better(), vec![counted("reply-language", &[(95, 100), (20, 20)])])),
    );
    assert_eq!(
        verdict,
        Verdict::GuardrailUnmeasured {
            version: "prompt-v3".into(),
            guardrails: vec!["reply-language".into()]
        }
    );
    assert!(!Verdict::Settling {
        horizon: day(3),
        read_on: readable_on(day(3))
    }
    .is_decided());
    assert_eq!(readable_on(day(3)), day(5));
}

#[test]
fn with_three_arms_the_best_significant_variant_wins_at_the_corrected_level() {
    let d = design("a, b, c");
    // b: +13 points, c: +25 points over 60% with 100 each. At α = 0.025 per comparison, b's
    // interval includes 0 and c's does not.
    let (verdict, primary, _) = analyse(
        &d,
        &[100, 100, 100],
        false,
        Some((counted("thumbs-up", &[(60, 100), (73, 100), (85, 100)]), vec![])),
    );
    let primary = primary.unwrap();
    assert_eq!(primary.differences[0].outcome, Outcome::NoDetectableDifference);
    assert_eq!(primary.differences[1].outcome, Outcome::Better);
    assert_eq!(verdict, Verdict::Ship { version: "c".into() });
    // One worse, one no different: no variant is better, and the worse one is named.
    let (verdict, _, _) = analyse(
        &d,
        &[100, 100, 100],
        false,
        Some((counted("thumbs-up", &[(85, 100), (60, 100), (83, 100)]), vec![])),
    );
    assert_eq!(
        verdict,
        Verdict::NoDetectableDifference {
            worse: vec!["b".into()]
        }
    );
    assert!(verdict.headline(&d).contains("b is worse"));
}
