//! Pass rates and their differences: Wilson intervals, Newcombe's interval for a difference,
//! the two-proportion z-test, Fisher's exact test and Benjamini–Hochberg adjusted p-values.
//!
//! Degenerate cases have one documented answer each:
//!
//! - no evaluations (`n = 0`): the Wilson interval is `[0, 1]` (nothing is known) and a
//!   difference involving it is `[-1, 1]`; a test with an empty side has `p = 1`;
//! - all passes or all failures: Wilson's interval stays inside `[0, 1]` and is not a point
//!   (20 of 20 is `[0.839, 1]`); the z-test with no variation in either group (both 100%, or
//!   both 0%) has `z = 0, p = 1`.

use serde::{Deserialize, Serialize};

/// The standard normal quantile of 0.975: a two-sided 95% interval is ± this many errors.
pub const Z95: f64 = 1.959_963_984_540_054;
/// The standard normal quantile of 0.8, for 80% power.
const Z_POWER80: f64 = 0.841_621_233_572_914_3;

/// A closed interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    pub low: f64,
    pub high: f64,
}

impl Interval {
    /// Whether the interval holds `x`.
    pub fn contains(&self, x: f64) -> bool {
        self.low <= x && x <= self.high
    }
}

/// Passes out of evaluations.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proportion {
    pub passes: u64,
    pub n: u64,
}

impl Proportion {
    pub fn new(passes: u64, n: u64) -> Self {
        Self { passes, n }
    }

    /// The observed rate; `None` without evaluations.
    pub fn rate(&self) -> Option<f64> {
        (self.n > 0).then(|| self.passes as f64 / self.n as f64)
    }

    /// The Wilson score interval at 95%.
    pub fn wilson95(&self) -> Interval {
        wilson(self.passes, self.n, Z95)
    }
}

/// The Wilson score interval of `k` successes in `n` trials at normal quantile `z`
/// (without continuity correction). `n = 0` gives `[0, 1]`.
pub fn wilson(k: u64, n: u64, z: f64) -> Interval {
    if n == 0 {
        return Interval { low: 0.0, high: 1.0 };
    }
    wilson_at(k as f64 / n as f64, n as f64, z)
}

/// The Wilson score interval of an observed rate `p` over a sample of size `n`, which may be an
/// effective sample size (not a whole number); `n ≤ 0` gives `[0, 1]`.
pub fn wilson_at(p: f64, n: f64, z: f64) -> Interval {
    if n <= 0.0 {
        return Interval { low: 0.0, high: 1.0 };
    }
    let z2 = z * z;
    let centre = p + z2 / (2.0 * n);
    let spread = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    let denominator = 1.0 + z2 / n;
    Interval {
        low: ((centre - spread) / denominator).max(0.0),
        high: ((centre + spread) / denominator).min(1.0),
    }
}

/// Newcombe's hybrid score interval (his method 10) for the difference `k1/n1 − k2/n2`, built
/// from the two Wilson intervals. With an empty side, `[-1, 1]`.
pub fn newcombe(a: Proportion, b: Proportion, z: f64) -> Interval {
    let (Some(p1), Some(p2)) = (a.rate(), b.rate()) else {
        return Interval { low: -1.0, high: 1.0 };
    };
    let (w1, w2) = (wilson(a.passes, a.n, z), wilson(b.passes, b.n, z));
    let d = p1 - p2;
    Interval {
        low: d - ((p1 - w1.low).powi(2) + (w2.high - p2).powi(2)).sqrt(),
        high: d + ((w1.high - p1).powi(2) + (p2 - w2.low).powi(2)).sqrt(),
    }
}

/// The standard normal distribution function.
pub fn normal_cdf(x: f64) -> f64 {
    0.5 * libm::erfc(-x / std::f64::consts::SQRT_2)
}

/// A test's statistic (when it has one) and two-sided p-value.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TestResult {
    pub method: TestMethod,
    /// The z statistic of the z-test (`b` minus `a`); `None` for Fisher's test.
    pub z: Option<f64>,
    pub p: f64,
}

/// Which test compared two pass rates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TestMethod {
    /// The pooled two-proportion z-test.
    ZTest,
    /// Fisher's exact test (when an expected count is below 5).
    Fisher,
}

impl TestMethod {
    pub fn label(self) -> &'static str {
        match self {
            TestMethod::ZTest => "two-proportion z-test",
            TestMethod::Fisher => "Fisher's exact test",
        }
    }
}

/// The pooled two-proportion z-test of `b` against `a`, two-sided. An empty side, or no
/// variation in either group, gives `z = 0, p = 1`.
pub fn two_proportion_z(a: Proportion, b: Proportion) -> TestResult {
    let none = TestResult {
        method: TestMethod::ZTest,
        z: Some(0.0),
        p: 1.0,
    };
    let (Some(p1), Some(p2)) = (a.rate(), b.rate()) else {
        return none;
    };
    let pooled = (a.passes + b.passes) as f64 / (a.n + b.n) as f64;
    let error = (pooled * (1.0 - pooled) * (1.0 / a.n as f64 + 1.0 / b.n as f64)).sqrt();
    if error == 0.0 {
        return none;
    }
    let z = (p2 - p1) / error;
    TestResult {
        method: TestMethod::ZTest,
        z: Some(z),
        p: (2.0 * normal_cdf(-z.abs())).min(1.0),
    }
}

/// `ln(n!)`.
fn ln_factorial(n: u64) -> f64 {
    libm::lgamma(n as f64 + 1.0)
}

/// Fisher's exact test of the 2×2 table `[[a, b], [c, d]]`, two-sided: the probability, under
/// fixed margins, of every table at most as likely as the observed one (as R and SciPy do,
/// with a relative tolerance of 1e-7 for ties).
pub fn fisher_exact(a: u64, b: u64, c: u64, d: u64) -> f64 {
    let (row1, row2, col1) = (a + b, c + d, a + c);
    let n = row1 + row2;
    let ln_p = |x: u64| {
        // P(top-left = x) with the margins fixed (hypergeometric).
        ln_factorial(row1) + ln_factorial(row2) + ln_factorial(col1) + ln_factorial(n - col1)
            - ln_factorial(n)
            - ln_factorial(x)
            - ln_factorial(row1 - x)
            - ln_factorial(col1 - x)
            - ln_factorial(row2 + x - col1)
    };
    let low = col1.saturating_sub(row2);
    let high = row1.min(col1);
    let observed = ln_p(a);
    let total: f64 = (low..=high)
        .map(ln_p)
        .filter(|&p| p <= observed + 1e-7_f64.ln_1p())
        .map(f64::exp)
        .sum();
    total.min(1.0)
}

/// Compares `b`'s pass rate with `a`'s: Fisher's exact test when any expected count of the 2×2
/// table is below 5, else the two-proportion z-test.
pub fn compare(a: Proportion, b: Proportion) -> TestResult {
    if a.n == 0 || b.n == 0 {
        return two_proportion_z(a, b);
    }
    let n = (a.n + b.n) as f64;
    let passes = (a.passes + b.passes) as f64;
    let failures = n - passes;
    let smallest_expected = [a.n as f64, b.n as f64]
        .into_iter()
        .flat_map(|row| [row * passes / n, row * failures / n])
        .fold(f64::INFINITY, f64::min);
    if smallest_expected < 5.0 {
        TestResult {
            method: TestMethod::Fisher,
            z: None,
            p: fisher_exact(a.passes, a.n - a.passes, b.passes, b.n - b.passes),
        }
    } else {
        two_proportion_z(a, b)
    }
}

/// Benjamini–Hochberg adjusted p-values (the false discovery rate step-up procedure), in the
/// order given: `q_(i) = min over j ≥ i of p_(j) · m / j`, capped at 1.
pub fn benjamini_hochberg(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&i, &j| p[i].total_cmp(&p[j]));
    let mut adjusted = vec![0.0; m];
    let mut running = 1.0_f64;
    for (rank, &i) in order.iter().enumerate().rev() {
        running = running.min(p[i] * m as f64 / (rank + 1) as f64);
        adjusted[i] = running.min(1.0);
    }
    adjusted
}

/// Evaluations needed in each group to detect a change of `delta` (signed: negative is a
/// drop) from pass rate `base` (two-sided, α = 0.05, 80% power), rounded up. The change is at
/// least one point; one that would leave 0..1 is turned around.
pub fn sample_size(base: f64, delta: f64) -> u64 {
    let p1 = base.clamp(0.0, 1.0);
    let step = if delta.abs() < 0.01 {
        0.01_f64.copysign(delta)
    } else {
        delta
    };
    let p2 = if (0.0..=1.0).contains(&(p1 + step)) {
        p1 + step
    } else {
        p1 - step
    };
    let delta = (p2 - p1).abs();
    let mean = (p1 + p2) / 2.0;
    let root =
        Z95 * (2.0 * mean * (1.0 - mean)).sqrt() + Z_POWER80 * (p1 * (1.0 - p1) + p2 * (1.0 - p2)).sqrt();
    (root * root / (delta * delta)).ceil() as u64
}

#[cfg(test)]
mod tests {
    //! Reference values: Wilson and Newcombe intervals from Newcombe (1998), "Two-sided
    //! confidence intervals for the single proportion" and "Interval estimation for the
    //! difference between independent proportions" (Statistics in Medicine 17), reproduced by
    //! statsmodels 0.15 (`proportion_confint(method="wilson")`,
    //! `confint_proportions_2indep(method="newcomb")`); z-test from statsmodels'
    //! `proportions_ztest`; Fisher from SciPy 1.17 `fisher_exact`; Benjamini–Hochberg from the
    //! 15 p-values of Benjamini & Hochberg (1995), adjusted by statsmodels' `multipletests`.
    use super::*;

    fn close(actual: f64, expected: f64) {
        assert!((actual - expected).abs() < 1e-9, "{actual} != {expected}");
    }

    fn interval(actual: Interval, low: f64, high: f64) {
        close(actual.low, low);
        close(actual.high, high);
    }

    #[test]
    fn wilson_intervals_match_newcombes_examples() {
        interval(wilson(81, 263, Z95), 0.255_288_519_9, 0.366_209_577_0);
        interval(wilson(15, 148, Z95), 0.062_386_399_5, 0.160_487_241_7);
        interval(wilson(0, 20, Z95), 0.0, 0.161_125_158_1);
        interval(wilson(1, 29, Z95), 0.006_113_214_3, 0.171_755_218_8);
        interval(wilson(5, 10, Z95), 0.236_593_090_5, 0.763_406_909_5);
    }

    #[test]
    fn wilson_is_all_of_zero_to_one_without_data_and_no_point_at_the_extremes() {
        interval(wilson(0, 0, Z95), 0.0, 1.0);
        interval(wilson(20, 20, Z95), 0.838_874_841_9, 1.0);
        assert!(wilson(0, 20, Z95).high > 0.0);
    }

    #[test]
    fn newcombe_intervals_match_newcombes_examples() {
        let p = Proportion::new;
        interval(
            newcombe(p(56, 70), p(48, 80), Z95),
            0.052_431_472_4,
            0.333_872_654_0,
        );
        interval(
            newcombe(p(9, 10), p(3, 10), Z95),
            0.170_522_723_9,
            0.809_017_973_5,
        );
        interval(newcombe(p(6, 7), p(2, 7), Z95), 0.058_227_927_5, 0.806_249_637_5);
        interval(
            newcombe(p(5, 56), p(0, 29), Z95),
            -0.038_137_147_9,
            0.192_560_013_9,
        );
        interval(
            newcombe(p(0, 10), p(0, 20), Z95),
            -0.161_125_158_1,
            0.277_532_799_9,
        );
        interval(
            newcombe(p(0, 10), p(0, 10), Z95),
            -0.277_532_799_9,
            0.277_532_799_9,
        );
        interval(newcombe(p(10, 10), p(0, 20), Z95), 0.679_086_037_1, 1.0);
        interval(newcombe(p(10, 10), p(0, 10), Z95), 0.607_509_350_4, 1.0);
        interval(newcombe(p(3, 10), p(0, 0), Z95), -1.0, 1.0);
    }

    #[test]
    fn the_z_test_matches_statsmodels() {
        let p = Proportion::new;
        // statsmodels tests the first group against the second; ours tests b against a.
        let t = two_proportion_z(p(48, 80), p(56, 70));
        close(t.z.unwrap(), 2.650_171_951_3);
        assert!((t.p - 0.008_045_081_368_2).abs() < 1e-12);
        let t = two_proportion_z(p(25, 100), p(15, 100));
        close(t.z.unwrap(), -1.767_766_953_0);
        assert!((t.p - 0.077_099_871_743_5).abs() < 1e-12);
        let t = two_proportion_z(p(9, 10), p(1, 10));
        assert!((t.p - 0.000_346_619_351_135).abs() < 1e-12);
    }

    #[test]
    fn the_z_test_without_variation_or_data_finds_nothing() {
        let p = Proportion::new;
        assert_eq!(two_proportion_z(p(90, 100), p(90, 100)).p, 1.0);
        assert_eq!(two_proportion_z(p(10, 10), p(20, 20)).p, 1.0);
        assert_eq!(two_proportion_z(p(0, 10), p(0, 20)).p, 1.0);
        assert_eq!(two_proportion_z(p(0, 0), p(3, 20)).p, 1.0);
    }

    #[test]
    fn fishers_exact_test_matches_scipy() {
        let cases = [
            ([8, 2, 1, 5], 0.034_965_034_965),
            ([1, 9, 11, 3], 0.002_759_456_185_22),
            ([0, 5, 5, 0], 0.007_936_507_936_51),
            ([3, 1, 1, 3], 0.485_714_285_714),
            ([10, 10, 10, 10], 1.0),
            ([2, 7, 8, 2], 0.023_014_137_565_2),
        ];
        for ([a, b, c, d], expected) in cases {
            let p = fisher_exact(a, b, c, d);
            assert!((p - expected).abs() < 1e-10, "{a} {b} {c} {d}: {p} != {expected}");
        }
        assert_eq!(fisher_exact(0, 0, 0, 0), 1.0);
    }

    #[test]
    fn small_expected_counts_use_fishers_test() {
        let p = Proportion::new;
        assert_eq!(compare(p(8, 10), p(1, 6)).method, TestMethod::Fisher);
        assert!((compare(p(8, 10), p(1, 6)).p - 0.034_965_034_965).abs() < 1e-10);
        assert_eq!(compare(p(56, 70), p(48, 80)).method, TestMethod::ZTest);
    }

    #[test]
    fn benjamini_hochberg_matches_the_1995_example_and_keeps_the_order() {
        let p = [
            0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.324, 0.4262, 0.5719,
            0.6528, 0.759, 1.0,
        ];
        let expected = [
            0.0015,
            0.003,
            0.0095,
            0.035_625,
            0.0603,
            0.063_857_142_857_1,
            0.063_857_142_857_1,
            0.0645,
            0.0765,
            0.486,
            0.581_181_818_182,
            0.714_875,
            0.753_230_769_231,
            0.813_214_285_714,
            1.0,
        ];
        for (q, e) in benjamini_hochberg(&p).into_iter().zip(expected) {
            assert!((q - e).abs() < 1e-11, "{q} != {e}");
        }
        let shuffled = benjamini_hochberg(&[0.01, 0.04, 0.03, 0.005, 0.2, 0.5]);
        for (q, e) in shuffled.into_iter().zip([0.03, 0.06, 0.06, 0.03, 0.24, 0.5]) {
            assert!((q - e).abs() < 1e-12, "{q} != {e}");
        }
        assert!(benjamini_hochberg(&[]).is_empty());
    }

    #[test]
    fn the_sample_size_follows_the_textbook_formula() {
        // Detecting 0.60 → 0.50 at α = 0.05 (two-sided) with 80% power: (1.96·√(2·0.55·0.45) +
        // 0.8416·√(0.24 + 0.25))² / 0.1² = 387.3, so 388 a group (no continuity correction).
        assert_eq!(sample_size(0.6, -0.1), 388);
        assert_eq!(
            sample_size(0.5, 0.1),
            388,
            "the same change seen from the other side"
        );
        assert!(
            sample_size(0.9, 0.0) > sample_size(0.9, 0.05),
            "at least a one-point change"
        );
        // A rise from 90% to 95% is easier to see than a fall to 85%.
        assert!(sample_size(0.9, 0.05) < sample_size(0.9, -0.05));
        assert_eq!(
            sample_size(0.98, 0.05),
            sample_size(0.98, -0.05),
            "turned around at 100%"
        );
    }
}
