use super::*;
use crate::domain::experiment::design::{ExperimentForm, History};
use crate::domain::stats::proportions::{wilson, Z95};
use crate::domain::stats::ratio::one_each;

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
    Design::parse(&form, &History::default(), day(1)).unwrap()
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
fn with_one_verdict_per_user_differences_are_newcombes_interval_and_arms_wilsons() {
    // Newcombe (1998), difference example: 56/70 − 48/80 = 0.2000, method 10: 0.0524 to 0.3339.
    let versions = vec!["control".to_owned(), "variant".to_owned()];
    let result = compare_arms(
        "thumbs-up",
        "Thumbs up",
        &versions,
        &[one_each(48, 80), one_each(56, 70)],
        0.05,
    );
    let d = &result.differences[0];
    assert!((d.delta.unwrap() - 0.2).abs() < 1e-12);
    assert!((d.interval.low - 0.0524).abs() < 5e-5, "{:?}", d.interval);
    assert!((d.interval.high - 0.3339).abs() < 5e-5, "{:?}", d.interval);
    assert_eq!(d.outcome, Outcome::Better);
    // Newcombe (1998), single proportion: 81/263, Wilson 0.2553 to 0.3662.
    let single = compare_arms("m", "m", &versions, &[one_each(81, 263), one_each(81, 263)], 0.05);
    assert!((single.arms[0].interval.low - 0.2553).abs() < 5e-5);
    assert!((single.arms[0].interval.high - 0.3662).abs() < 5e-5);
    assert_eq!(single.differences[0].outcome, Outcome::NoDetectableDifference);
    // An empty arm: no difference can be read.
    let empty = compare_arms("m", "m", &versions, &[one_each(0, 0), one_each(5, 10)], 0.05);
    assert_eq!(empty.differences[0].delta, None);
    assert_eq!(empty.differences[0].outcome, Outcome::NoDetectableDifference);
}

fn counted<'a>(key: &'a str, arms: &[(u64, u64)]) -> Counted<'a> {
    Counted {
        key,
        name: key,
        arms: arms.iter().map(|(k, n)| one_each(*k, *n)).collect(),
    }
}

#[test]
fn the_verdict_waits_for_the_sample_then_weighs_the_guardrails() {
    let d = design("prompt-v2, prompt-v3");
    let needed = u64::from(d.sample_per_arm);
    let (verdict, primary, _) = analyse(&d, &[needed, needed - 1], false, None, None);
    assert_eq!(
        verdict,
        Verdict::KeepCollecting {
            smallest: needed - 1,
            needed
        }
    );
    assert!(primary.is_none(), "no rate is shown before the horizon");
    assert!(verdict.headline(&d).starts_with("Keep collecting"));
    let (stopped, _, _) = analyse(&d, &[3, 4], true, None, None);
    assert!(matches!(stopped, Verdict::StoppedEarly { smallest: 3, .. }));

    let better = || counted("thumbs-up", &[(60, 100), (85, 100)]);
    let (verdict, _, _) = analyse(
        &d,
        &[100, 100],
        false,
        None,
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
        None,
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
        None,
        Some((counted("thumbs-up", &[(85, 100), (60, 100)]), vec![])),
    );
    assert_eq!(verdict, Verdict::KeepControl);
    let (verdict, _, _) = analyse(
        &d,
        &[100, 100],
        false,
        None,
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
        None,
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
        None,
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
        None,
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

#[test]
fn a_heavy_user_makes_the_per_user_interval_wider_and_turns_a_false_win_into_no_difference() {
    let d = design("prompt-v2, prompt-v3");
    // The control: 100 users, 60 passing their one verdict. The variant: 100 users, 65 passing
    // one verdict each, and one heavy user with 60 passing verdicts. Counted per verdict the
    // variant has 125 of 160 (78%) against 60%: a clear win. Per user, much of that is one
    // person, and the interval crosses zero.
    let control = one_each(60, 100);
    let mut variant = one_each(65, 100);
    variant.push(UserTotals { passes: 60, n: 60 });
    let per_verdict = wilson(125, 160, Z95);
    let result = compare_arms("thumbs-up", "Thumbs up", &d.versions, &[control, variant], 0.05);
    let arm = &result.arms[1];
    assert_eq!((arm.users, arm.n, arm.passes), (101, 160, 125));
    assert!(
        arm.interval.high - arm.interval.low > 1.5 * (per_verdict.high - per_verdict.low),
        "{:?} against {per_verdict:?}",
        arm.interval
    );
    assert!(arm.design_effect.unwrap() > 2.0);
    let naive_low = 0.781_25
        - 0.6
        - ((0.781_25 - per_verdict.low).powi(2) + (wilson(60, 100, Z95).high - 0.6).powi(2)).sqrt();
    assert!(naive_low > 0.0, "per verdict it would ship: {naive_low}");
    assert_eq!(
        result.differences[0].outcome,
        Outcome::NoDetectableDifference,
        "{:?}",
        result.differences[0]
    );
}

#[test]
fn a_problem_with_the_units_blocks_the_verdict_before_and_at_the_horizon() {
    let d = design("prompt-v2, prompt-v3");
    let mismatch = || {
        Some(Problem::SampleRatioMismatch {
            users: vec![600, 450],
            p: 3.7e-6,
        })
    };
    let (verdict, primary, _) = analyse(&d, &[10, 10], false, mismatch(), None);
    assert_eq!(
        verdict,
        Verdict::SampleRatioMismatch {
            users: vec![600, 450],
            p: 3.7e-6
        }
    );
    assert!(primary.is_none());
    let (verdict, primary, _) = analyse(
        &d,
        &[100, 100],
        false,
        mismatch(),
        Some((counted("thumbs-up", &[(60, 100), (85, 100)]), vec![])),
    );
    assert!(matches!(verdict, Verdict::SampleRatioMismatch { .. }));
    assert!(
        primary.is_none(),
        "no rate is shown for arms that cannot be compared"
    );
    assert!(
        verdict.headline(&d).contains("600 and 450 users"),
        "{}",
        verdict.headline(&d)
    );
    assert!(
        verdict.headline(&d).contains("p = 3.7e-6"),
        "{}",
        verdict.headline(&d)
    );
    assert!(!verdict.is_decided());
    let days = Some(Problem::ArmsOnDifferentDays {
        day: day(3),
        missing: vec!["prompt-v3".into()],
    });
    let (verdict, _, _) = analyse(&d, &[100, 100], false, days, None);
    assert!(
        verdict
            .headline(&d)
            .contains("on 2026-11-03 prompt-v3 served no users"),
        "{}",
        verdict.headline(&d)
    );
}
