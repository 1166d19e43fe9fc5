//! McNemar's exact test for paired binary outcomes: the same items judged in two eval runs.
//! Only the discordant pairs carry information — `b` items passed in the first run and failed in
//! the second, `c` the other way round. Under "no difference" each discordant pair is a fair
//! coin, so `min(b, c)` is Binomial(b + c, ½) and the two-sided p-value is twice its lower tail,
//! capped at 1 (the exact conditional test of R's `exact2x2`, statsmodels'
//! `mcnemar(exact=True)` and Fagerland, Lydersen & Laake 2013).
//!
//! Degenerate case: with no discordant pair (b = c = 0) the runs agree on every item and the
//! answer is p = 1.

/// The exact two-sided p-value for `b` and `c` discordant pairs.
pub fn exact_p(b: u64, c: u64) -> f64 {
    let n = b + c;
    if n == 0 {
        return 1.0;
    }
    let k = b.min(c);
    // P(X ≤ k) for X ~ Binomial(n, ½), summed in log space so that large n cannot overflow.
    let ln_half_n = n as f64 * std::f64::consts::LN_2;
    let ln_choose = |i: u64| {
        libm::lgamma(n as f64 + 1.0) - libm::lgamma(i as f64 + 1.0) - libm::lgamma((n - i) as f64 + 1.0)
    };
    let tail: f64 = (0..=k).map(|i| (ln_choose(i) - ln_half_n).exp()).sum();
    (2.0 * tail).min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_published_exact_conditional_p_values() {
        // Fagerland, Lydersen & Laake (2013), BMC Med Res Methodol 13:91, Table 2 (airway
        // hyper-responsiveness before and after stem cell transplantation, Bentur et al.
        // 2009): n12 = 1, n21 = 7, exact conditional p = 0.070 (exactly 18/256).
        assert!((exact_p(1, 7) - 18.0 / 256.0).abs() < 1e-12);
        assert!((exact_p(7, 1) - 0.0703125).abs() < 1e-12);
        // Exact binomial tails, worked by hand: 2·(1 + 12 + 66)/4096 and 2·(1 + 11)/2¹¹.
        assert!((exact_p(2, 10) - 158.0 / 4096.0).abs() < 1e-12);
        assert!((exact_p(10, 1) - 24.0 / 2048.0).abs() < 1e-12);
        // A larger table, against the binomial sum done term by term: 2·P(X ≤ 9), n = 30.
        let by_hand: f64 = (0..=9u32).map(|i| choose(30, i)).sum::<f64>() / 2f64.powi(30) * 2.0;
        assert!((exact_p(9, 21) - by_hand).abs() < 1e-12);
        assert!((by_hand - 0.042_773_945).abs() < 1e-9, "{by_hand}");
    }

    fn choose(n: u32, k: u32) -> f64 {
        (0..k).fold(1.0, |acc, i| acc * f64::from(n - i) / f64::from(i + 1))
    }

    #[test]
    fn degenerate_cases_have_one_answer() {
        assert_eq!(exact_p(0, 0), 1.0);
        // A tie is as unsurprising as it gets: the doubled tail passes 1 and is capped.
        assert_eq!(exact_p(5, 5), 1.0);
        assert_eq!(exact_p(0, 1), 1.0);
        // All discordant pairs one way: 2 / 2ⁿ.
        assert!((exact_p(0, 6) - 2.0 / 64.0).abs() < 1e-15);
        // Large n stays finite and tiny.
        let p = exact_p(100, 400);
        assert!(p > 0.0 && p < 1e-30, "{p}");
    }
}
