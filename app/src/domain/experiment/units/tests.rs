use super::*;
use crate::domain::experiment::design::{ExperimentForm, History};

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
}

fn design() -> Design {
    let form = ExperimentForm {
        key: "ab".into(),
        name: "A/B".into(),
        versions: "control, variant".into(),
        primary: "thumbs-up".into(),
        baseline: "60%".into(),
        minimum_change: "20%".into(),
        started_on: "2026-11-02".into(),
        ..ExperimentForm::new()
    };
    Design::parse(&form, &History::default(), day(1)).unwrap()
}

/// `count` users the assignment puts in `arm` of [`design`].
fn users_in(arm_index: usize, count: usize) -> Vec<String> {
    (0..)
        .map(|u| format!("u{u}"))
        .filter(|u| arm("ab", u, 2) == Some(arm_index))
        .take(count)
        .collect()
}

fn exposure(user: Option<&str>, version: &str, d: u32, outputs: u64) -> Exposure {
    Exposure {
        user: user.map(str::to_owned),
        version: version.into(),
        day: day(d),
        outputs,
    }
}

fn verdicts(user: &str, version: &str, d: u32, passes: u64, n: u64) -> UserVerdicts {
    UserVerdicts {
        user: user.into(),
        version: version.into(),
        metric: "thumbs-up".into(),
        day: day(d),
        passes,
        n,
    }
}

#[test]
fn outputs_from_users_of_the_other_arm_and_without_a_user_are_counted_apart() {
    let (a, b) = (users_in(0, 3), users_in(1, 3));
    let rows = vec![
        exposure(Some(&a[0]), "control", 2, 4),
        exposure(Some(&a[1]), "control", 2, 1),
        exposure(Some(&a[1]), "control", 3, 2),
        exposure(Some(&b[0]), "variant", 2, 3),
        exposure(Some(&b[1]), "variant", 3, 1),
        // b[2] saw the control (a cached prompt): excluded from the control's arm.
        exposure(Some(&b[2]), "control", 3, 5),
        exposure(None, "variant", 2, 7),
        // Before the start, and another version: not counted.
        exposure(Some(&a[2]), "control", 1, 9),
        exposure(Some(&a[2]), "other", 3, 9),
    ];
    let units = count(&design(), &rows, day(3));
    let control = &units.arms[0];
    assert_eq!((control.users, control.outputs), (2, 7));
    assert_eq!((control.excluded_users, control.excluded_outputs), (1, 5));
    let variant = &units.arms[1];
    assert_eq!(
        (variant.users, variant.outputs, variant.anonymous_outputs),
        (2, 4, 7)
    );
    assert_eq!(units.uneven_day, None);
    assert_eq!(units.problem(), None);
    // Counted through day 2 only, the variant's day-3 user is not there yet.
    assert_eq!(count(&design(), &rows, day(2)).arms[1].users, 1);
}

#[test]
fn a_lopsided_split_is_a_sample_ratio_mismatch_and_blocks_the_comparison() {
    let (a, b) = (users_in(0, 600), users_in(1, 450));
    let mut rows: Vec<Exposure> = a.iter().map(|u| exposure(Some(u), "control", 2, 1)).collect();
    rows.extend(b.iter().map(|u| exposure(Some(u), "variant", 2, 1)));
    let units = count(&design(), &rows, day(2));
    // scipy.stats.chisquare([600, 450]) → 21.43, p 3.7e-06.
    assert!((units.sample_ratio.statistic - 150.0_f64.powi(2) / 1050.0).abs() < 1e-9);
    match units.problem() {
        Some(Problem::SampleRatioMismatch { users, p }) => {
            assert_eq!(users, vec![600, 450]);
            assert!(p < 1e-5, "{p}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn arms_that_ran_on_different_days_cannot_be_read() {
    let (a, b) = (users_in(0, 2), users_in(1, 2));
    let rows = vec![
        exposure(Some(&a[0]), "control", 2, 1),
        exposure(Some(&b[0]), "variant", 2, 1),
        exposure(Some(&a[1]), "control", 3, 1),
        exposure(Some(&b[1]), "variant", 4, 1),
    ];
    let units = count(&design(), &rows, day(4));
    assert_eq!(units.uneven_day, Some((day(3), vec!["variant".to_owned()])));
    assert_eq!(
        units.problem(),
        Some(Problem::ArmsOnDifferentDays {
            day: day(3),
            missing: vec!["variant".into()]
        })
    );
}

#[test]
fn users_are_counted_on_the_day_of_their_first_verdict_and_totalled_per_user() {
    let (a, b) = (users_in(0, 2), users_in(1, 2));
    let rows = vec![
        verdicts(&a[0], "control", 2, 3, 4),
        verdicts(&a[0], "control", 3, 0, 2),
        verdicts(&a[1], "control", 3, 1, 1),
        verdicts(&b[0], "variant", 3, 2, 2),
        // A user of the variant seen by the control: not counted anywhere.
        verdicts(&b[1], "control", 2, 5, 5),
        UserVerdicts {
            metric: "other".into(),
            ..verdicts(&b[1], "variant", 2, 1, 1)
        },
    ];
    assert_eq!(
        first_verdicts(&design(), &rows, "thumbs-up"),
        vec![(day(2), vec![1, 0]), (day(3), vec![1, 1])]
    );
    let through_3 = totals(&design(), &rows, "thumbs-up", day(3));
    let mut control = through_3[0].clone();
    control.sort_by_key(|t| t.n);
    assert_eq!(
        control,
        vec![UserTotals { passes: 1, n: 1 }, UserTotals { passes: 3, n: 6 }]
    );
    assert_eq!(through_3[1], vec![UserTotals { passes: 2, n: 2 }]);
    assert_eq!(
        totals(&design(), &rows, "thumbs-up", day(2))[0],
        vec![UserTotals { passes: 3, n: 4 }]
    );
}
