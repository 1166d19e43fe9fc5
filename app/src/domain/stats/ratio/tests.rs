use super::*;
use crate::domain::stats::proportions::{newcombe, wilson, Proportion, Z95};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

fn close(actual: f64, expected: f64, tolerance: f64) {
    assert!(
        (actual - expected).abs() <= tolerance,
        "{actual} differs from {expected} by more than {tolerance}"
    );
}

fn users(totals: &[(u64, u64)]) -> Vec<UserTotals> {
    totals
        .iter()
        .map(|(passes, n)| UserTotals {
            passes: *passes,
            n: *n,
        })
        .collect()
}

#[test]
fn a_hand_computed_case() {
    // Five users: 1/1, 0/1, 2/3, 0/2, 3/3. R = 6/10; residuals passes − R·n are 0.4, −0.6, 0.2,
    // −1.2, 1.2, squares summing to 3.44; N = 10, so Var = 3.44 / 10² = 0.0344.
    let estimate = RatioEstimate::of(&users(&[(1, 1), (0, 1), (2, 3), (0, 2), (3, 3)]));
    assert_eq!((estimate.users, estimate.n, estimate.passes), (5, 10, 6));
    close(estimate.rate.unwrap(), 0.6, 1e-15);
    close(estimate.variance.unwrap(), 0.0344, 1e-15);
    // Independent verdicts would give 0.6 · 0.4 / 10 = 0.024: DE = 0.0344 / 0.024 = 1.4333.
    close(estimate.design_effect().unwrap(), 0.0344 / 0.024, 1e-12);
    close(estimate.effective_n(), 0.24 / 0.0344, 1e-12);
    close(estimate.verdicts_per_user().unwrap(), 2.0, 1e-15);
    // The interval is Wilson's at n = 6.9767: wider than Wilson's at the 10 verdicts.
    let clustered = estimate.interval(Z95);
    let naive = wilson(6, 10, Z95);
    assert!(
        clustered.low < naive.low && clustered.high > naive.high,
        "{clustered:?} {naive:?}"
    );
    // Users without verdicts change nothing.
    let padded = RatioEstimate::of(&users(&[(1, 1), (0, 1), (2, 3), (0, 2), (3, 3), (0, 0)]));
    assert_eq!(padded, estimate);
}

#[test]
fn one_verdict_per_user_is_wilson_and_newcombe_exactly() {
    // Newcombe (1998): 56/70 against 48/80 is 0.2000 with the interval 0.0524 to 0.3339 (method
    // 10); with one verdict per user the per-user analysis is the same.
    let arm = one_each;
    let (treatment, control) = (RatioEstimate::of(&arm(56, 70)), RatioEstimate::of(&arm(48, 80)));
    close(control.variance.unwrap(), 0.6 * 0.4 / 80.0, 1e-15);
    close(control.design_effect().unwrap(), 1.0, 1e-12);
    assert_eq!(control.interval(Z95), wilson(48, 80, Z95));
    let (delta, interval) = difference(&treatment, &control, Z95);
    close(delta.unwrap(), 0.2, 1e-12);
    close(interval.low, 0.0524, 5e-5);
    close(interval.high, 0.3339, 5e-5);
    let reference = newcombe(Proportion::new(56, 70), Proportion::new(48, 80), Z95);
    close(interval.low, reference.low, 1e-12);
    close(interval.high, reference.high, 1e-12);
}

#[test]
fn degenerate_cases_have_one_answer() {
    let none = RatioEstimate::of(&[]);
    assert_eq!((none.rate, none.variance, none.effective_n()), (None, None, 0.0));
    assert_eq!(none.interval(Z95), Interval { low: 0.0, high: 1.0 });
    let alone = RatioEstimate::of(&users(&[(3, 4)]));
    assert_eq!(alone.variance, None, "one user: no variance");
    assert_eq!(alone.interval(Z95), Interval { low: 0.0, high: 1.0 });
    assert_eq!(alone.design_effect(), None);
    // Every verdict passes: the interval is Wilson's with one verdict per user (12 users), not a point.
    let all = RatioEstimate::of(&users(&[(3, 3); 12]));
    assert_eq!(all.variance, Some(0.0));
    assert_eq!(all.effective_n(), 12.0);
    assert_eq!(all.interval(Z95), wilson(12, 12, Z95));
    assert_eq!(all.design_effect(), None);
    // Every user at exactly one half: no variance between users; as many as the verdicts.
    let halves = RatioEstimate::of(&users(&[(1, 2); 10]));
    assert_eq!(halves.effective_n(), 20.0);
    assert_eq!(halves.interval(Z95), wilson(10, 20, Z95));
    // An arm without verdicts: the difference is unknown.
    assert_eq!(
        difference(&none, &all, Z95),
        (None, Interval { low: -1.0, high: 1.0 })
    );
}

/// Users whose own pass rate is 20% (three in ten) or 90%, with 1, 3 or — one in ten — 40
/// verdicts each (heavy users): the pass rate of all verdicts is 69%.
fn population(rng: &mut StdRng, count: usize) -> Vec<UserTotals> {
    (0..count)
        .map(|_| {
            let rate = if rng.random_bool(0.3) { 0.2 } else { 0.9 };
            let n = match rng.random_range(0..10) {
                0..=5 => 1,
                6..=8 => 3,
                _ => 40,
            };
            let passes = (0..n).filter(|_| rng.random_bool(rate)).count() as u64;
            UserTotals { passes, n }
        })
        .collect()
}

#[test]
fn counted_per_verdict_the_interval_is_too_narrow_and_per_user_it_is_not() {
    const TRUE_RATE: f64 = 0.69;
    let mut rng = StdRng::seed_from_u64(2018);
    let (mut per_verdict, mut per_user) = (0_u32, 0_u32);
    // 800 users, 80 of them heavy: the delta method is a large-sample method (with 200 users,
    // 20 of them heavy, it covers 92.5% of the time).
    let runs = 2000;
    for _ in 0..runs {
        let sample = population(&mut rng, 800);
        let estimate = RatioEstimate::of(&sample);
        per_verdict += u32::from(wilson(estimate.passes, estimate.n, Z95).contains(TRUE_RATE));
        per_user += u32::from(estimate.interval(Z95).contains(TRUE_RATE));
    }
    let (per_verdict, per_user) = (
        f64::from(per_verdict) / runs as f64,
        f64::from(per_user) / runs as f64,
    );
    eprintln!("coverage per verdict {per_verdict:.3}, per user {per_user:.3}");
    assert!(
        per_verdict < 0.6,
        "95% intervals over verdicts cover the true rate {per_verdict:.3} of the time"
    );
    assert!(
        (0.935..=0.965).contains(&per_user),
        "95% intervals over users cover it {per_user:.3} of the time"
    );
}

#[test]
fn one_heavy_user_widens_the_interval_as_it_should() {
    // 100 users with one verdict each, 80 passing, and one user with 100 failing verdicts.
    let mut totals: Vec<(u64, u64)> = (0..100).map(|u| (u64::from(u < 80), 1)).collect();
    totals.push((0, 100));
    let estimate = RatioEstimate::of(&users(&totals));
    close(estimate.rate.unwrap(), 0.4, 1e-15);
    let naive = wilson(80, 200, Z95);
    let clustered = estimate.interval(Z95);
    // Per verdict: 0.4 ± 0.07, as if 200 people had answered. Per user, half the verdicts are
    // one person's: the interval is about twice as wide.
    assert!(naive.high - naive.low < 0.14, "{naive:?}");
    assert!(
        clustered.high - clustered.low > 2.0 * (naive.high - naive.low),
        "{clustered:?} against {naive:?}"
    );
    assert!(estimate.design_effect().unwrap() > 4.0);
}

#[test]
fn a_cluster_bootstrap_agrees_with_the_delta_method() {
    let mut rng = StdRng::seed_from_u64(7);
    let sample = population(&mut rng, 400);
    let delta = RatioEstimate::of(&sample).variance.unwrap();
    let resamples = 4000;
    let rates: Vec<f64> = (0..resamples)
        .map(|_| {
            let drawn: Vec<UserTotals> = (0..sample.len())
                .map(|_| sample[rng.random_range(0..sample.len())])
                .collect();
            RatioEstimate::of(&drawn).rate.unwrap()
        })
        .collect();
    let mean = rates.iter().sum::<f64>() / resamples as f64;
    let bootstrap = rates.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / (resamples - 1) as f64;
    assert!(
        (bootstrap / delta - 1.0).abs() < 0.1,
        "bootstrap variance {bootstrap:.6} against the delta method's {delta:.6}"
    );
}
