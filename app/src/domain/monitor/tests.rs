//! The state machine, table-driven: each case is a rule and a run of windows (one a minute),
//! with the states and notifications expected after each.

use super::*;
use chrono::TimeZone;

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap()
}

fn rule(for_evaluations: u32) -> Rule {
    Rule {
        condition: Condition::FailureRateAbove {
            threshold: 0.2,
            recovery: 0.1,
        },
        min_sample: 30,
        for_evaluations,
        no_data: NoDataPolicy::KeepState,
        reminder_minutes: None,
    }
}

/// A window of `n` verdicts with `failures` failures at $2 each.
fn w(n: u64, failures: u64) -> Option<Window> {
    Some(Window {
        verdicts: n,
        failures,
        dollar_impact: Money::from_cents(200).times(failures as i64),
    })
}

/// Runs `windows` a minute apart; answers each state and the notified states ('-' for none).
fn run(rule: &Rule, windows: &[Option<Window>]) -> Vec<(MonitorState, Option<(MonitorState, Reason)>)> {
    let mut status = Status::new(start());
    windows
        .iter()
        .enumerate()
        .map(|(i, window)| {
            let now = start() + Duration::minutes(i as i64 + 1);
            let (next, sent) = step(rule, &status, window.as_ref(), now);
            status = next;
            (status.state, sent.map(|n| (n.state, n.reason)))
        })
        .collect()
}

use MonitorState::*;

#[test]
fn it_fires_after_n_breaches_in_a_row_and_resolves_only_below_the_recovery_threshold() {
    type Case = (
        &'static str,
        u32,
        Vec<Option<Window>>,
        Vec<(MonitorState, Option<(MonitorState, Reason)>)>,
    );
    let cases: Vec<Case> = vec![
        (
            "fires at once with N = 1",
            1,
            vec![w(100, 5), w(100, 30)],
            vec![(Ok, None), (Firing, Some((Firing, Reason::Changed)))],
        ),
        (
            "pending, then firing on the third breach in a row",
            3,
            vec![w(100, 30), w(100, 30), w(100, 30)],
            vec![
                (Pending, None),
                (Pending, None),
                (Firing, Some((Firing, Reason::Changed))),
            ],
        ),
        (
            "a good window in between starts the count again",
            2,
            vec![w(100, 30), w(100, 5), w(100, 30), w(100, 30)],
            vec![
                (Pending, None),
                (Ok, None),
                (Pending, None),
                (Firing, Some((Firing, Reason::Changed))),
            ],
        ),
        (
            "between recovery and threshold it keeps firing (hysteresis)",
            1,
            vec![w(100, 30), w(100, 15), w(100, 12), w(100, 9), w(100, 5)],
            vec![
                (Firing, Some((Firing, Reason::Changed))),
                (Firing, None),
                (Firing, None),
                (Resolved, Some((Resolved, Reason::Changed))),
                (Resolved, None),
            ],
        ),
        (
            "a resolved alert fires again on the next breach",
            1,
            vec![w(100, 30), w(100, 5), w(100, 40)],
            vec![
                (Firing, Some((Firing, Reason::Changed))),
                (Resolved, Some((Resolved, Reason::Changed))),
                (Firing, Some((Firing, Reason::Changed))),
            ],
        ),
        (
            "below the minimum sample nothing is judged: 1 failure of 2 never fires",
            1,
            vec![w(2, 1), w(29, 29), None],
            vec![(Ok, None), (Ok, None), (Ok, None)],
        ),
        (
            "not enough data keeps a firing alert firing",
            1,
            vec![w(100, 30), w(3, 0), None],
            vec![
                (Firing, Some((Firing, Reason::Changed))),
                (Firing, None),
                (Firing, None),
            ],
        ),
    ];
    for (name, n, windows, expected) in cases {
        assert_eq!(run(&rule(n), &windows), expected, "{name}");
    }
}

#[test]
fn missing_data_becomes_no_data_after_the_set_time_and_says_so_only_for_a_firing_alert() {
    let mut r = rule(1);
    r.no_data = NoDataPolicy::NoDataAfter { minutes: 3 };
    let states = run(&r, &[w(100, 30), None, None, None, None, w(100, 2)]);
    assert_eq!(
        states,
        vec![
            (Firing, Some((Firing, Reason::Changed))),
            (Firing, None),
            (Firing, None),
            (NoData, Some((NoData, Reason::Changed))),
            (NoData, None),
            (Resolved, Some((Resolved, Reason::Changed))),
        ]
    );
    let quiet = run(&r, &[w(100, 0), None, None, None]);
    assert_eq!(
        quiet.last(),
        Some(&(NoData, None)),
        "an OK monitor goes quiet without a message"
    );
}

#[test]
fn a_firing_alert_reminds_at_its_interval() {
    let mut r = rule(1);
    r.reminder_minutes = Some(2);
    let states = run(&r, &[w(100, 30), w(100, 30), w(100, 30), w(100, 30)]);
    let sent: Vec<Option<Reason>> = states.iter().map(|(_, n)| n.map(|(_, reason)| reason)).collect();
    assert_eq!(sent, [Some(Reason::Changed), None, Some(Reason::Reminder), None]);
}

#[test]
fn a_muted_monitor_judges_nothing_until_the_mute_ends() {
    let r = rule(1);
    let mut status = Status::new(start());
    status.muted_until = Some(start() + Duration::minutes(2));
    let (muted, sent) = step(&r, &status, w(100, 50).as_ref(), start() + Duration::minutes(1));
    assert_eq!((muted.state, sent), (Muted, None));
    let (after, sent) = step(&r, &muted, w(100, 50).as_ref(), start() + Duration::minutes(3));
    assert_eq!(after.state, Firing);
    assert_eq!(sent.unwrap().previous, Ok, "the mute ended, then it fired");
    assert_eq!(after.muted_until, None);
}

#[test]
fn pass_rate_and_dollar_conditions_use_their_own_units() {
    let pass = Rule {
        condition: Condition::PassRateBelow {
            threshold: 0.9,
            recovery: 0.95,
        },
        ..rule(1)
    };
    assert_eq!(
        run(&pass, &[w(100, 11), w(100, 7), w(100, 4)])
            .iter()
            .map(|s| s.0)
            .collect::<Vec<_>>(),
        [Firing, Firing, Resolved]
    );
    let dollars = Rule {
        condition: Condition::DollarImpactAbove {
            threshold: Money::from_cents(5000),
            recovery: Money::from_cents(2000),
        },
        ..rule(1)
    };
    // $2 a failure: 26 failures = $52 fires, 9 = $18 resolves.
    assert_eq!(
        run(&dollars, &[w(100, 26), w(100, 9)])
            .iter()
            .map(|s| s.0)
            .collect::<Vec<_>>(),
        [Firing, Resolved]
    );
    let firing = step(&dollars, &Status::new(start()), w(100, 26).as_ref(), start())
        .1
        .unwrap();
    assert_eq!(firing.observed, Some(52_000_000.0), "micro-dollars");
}

#[test]
fn thresholds_are_checked_by_field() {
    let bad_rate = Condition::FailureRateAbove {
        threshold: 1.5,
        recovery: 0.1,
    };
    assert_eq!(bad_rate.check().unwrap_err().field(), Some("threshold"));
    let inverted = Condition::FailureRateAbove {
        threshold: 0.2,
        recovery: 0.3,
    };
    assert_eq!(inverted.check().unwrap_err().field(), Some("recovery"));
    let pass_inverted = Condition::PassRateBelow {
        threshold: 0.9,
        recovery: 0.8,
    };
    assert_eq!(pass_inverted.check().unwrap_err().field(), Some("recovery"));
    let free = Condition::DollarImpactAbove {
        threshold: Money::ZERO,
        recovery: Money::ZERO,
    };
    assert_eq!(free.check().unwrap_err().field(), Some("threshold"));
    assert!(rule(1).condition.check().is_ok());
}

#[test]
fn extra_evaluations_between_minutes_do_not_shorten_the_pending_time() {
    let rule = rule(3);
    let mut status = Status::new(start());
    let mut fired_at = None;
    // Every 10 seconds (ingests waking the monitor), always breaching.
    for tick in 1..=20 {
        let now = start() + Duration::seconds(10 * tick);
        let (next, sent) = step(&rule, &status, w(100, 30).as_ref(), now);
        status = next;
        if sent.is_some() && fired_at.is_none() {
            fired_at = Some(now);
        }
    }
    // First breach at +10 s; 3 evaluations a minute apart take 2 minutes: fires at +130 s.
    assert_eq!(fired_at, Some(start() + Duration::seconds(130)));
}

#[test]
fn an_alert_that_lost_its_data_resolves_or_fires_on_when_data_returns() {
    let rule = Rule {
        no_data: NoDataPolicy::NoDataAfter { minutes: 2 },
        ..rule(1)
    };
    // Firing, 3 minutes without data (NO DATA after 2), then a good window: resolved, notified.
    let back_good = run(&rule, &[w(100, 30), None, None, w(100, 2)]);
    assert_eq!(
        back_good,
        vec![
            (Firing, Some((Firing, Reason::Changed))),
            (Firing, None),
            (NoData, Some((NoData, Reason::Changed))),
            (Resolved, Some((Resolved, Reason::Changed))),
        ]
    );
    // Back between the thresholds: still the same incident, firing again.
    let back_bad = run(&rule, &[w(100, 30), None, None, w(100, 15)]);
    assert_eq!(back_bad[3], (Firing, Some((Firing, Reason::Changed))));
    // A monitor that lost its data without an alert open says nothing when it returns.
    let quiet = run(&rule, &[w(100, 2), None, None, w(100, 2)]);
    assert_eq!(quiet[3], (Ok, None));
}
