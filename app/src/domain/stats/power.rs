//! How many verdicts an A/B test needs per arm: the two-sided test of two proportions on
//! Cohen's effect size h = 2·asin√p₁ − 2·asin√p₂, with equal arms, solved exactly for the
//! power (both tails counted), as statsmodels' `NormalIndPower` does.

use super::proportions::normal_cdf;
use crate::error::AppError;

/// The standard normal quantile: the x with Φ(x) = `p` (0 < p < 1), by bisection on Φ.
pub fn normal_quantile(p: f64) -> f64 {
    let (mut low, mut high) = (-40.0_f64, 40.0_f64);
    for _ in 0..200 {
        let mid = 0.5 * (low + high);
        if normal_cdf(mid) < p {
            low = mid;
        } else {
            high = mid;
        }
    }
    0.5 * (low + high)
}

/// Cohen's h between two proportions.
pub fn effect_size(p1: f64, p2: f64) -> f64 {
    2.0 * p1.sqrt().asin() - 2.0 * p2.sqrt().asin()
}

/// The power of the two-sided test at level `alpha` with `n` per arm and effect `h`.
pub fn power(h: f64, n: f64, alpha: f64) -> f64 {
    let z = normal_quantile(1.0 - alpha / 2.0);
    let shift = h.abs() * (n / 2.0).sqrt();
    normal_cdf(shift - z) + normal_cdf(-shift - z)
}

/// The sample per arm (fractional) reaching `power` at level `alpha` for the change from
/// `baseline` to `baseline + change` (rates in 0..1).
pub fn sample_per_arm(baseline: f64, change: f64, alpha: f64, power_wanted: f64) -> Result<f64, AppError> {
    let rate = |field: &str, value: f64| {
        if value > 0.0 && value < 1.0 {
            Ok(value)
        } else {
            Err(AppError::invalid(field, "must be strictly between 0 and 1"))
        }
    };
    rate("baseline", baseline)?;
    rate("alpha", alpha)?;
    rate("power", power_wanted)?;
    if power_wanted <= alpha {
        return Err(AppError::invalid("power", "must be above the significance level"));
    }
    if change == 0.0 {
        return Err(AppError::invalid("minimum_change", "must not be zero"));
    }
    rate("minimum_change", baseline + change)
        .map_err(|_| AppError::invalid("minimum_change", "takes the rate outside 0..1"))?;
    let h = effect_size(baseline + change, baseline);
    // The closed form (one tail) is the upper end; the exact n has both tails, so it is smaller.
    let z = normal_quantile(1.0 - alpha / 2.0) + normal_quantile(power_wanted);
    let (mut low, mut high) = (1e-9, 2.0 * (z / h).powi(2) * 1.01 + 1.0);
    for _ in 0..200 {
        let mid = 0.5 * (low + high);
        if power(h, mid, alpha) < power_wanted {
            low = mid;
        } else {
            high = mid;
        }
    }
    Ok(0.5 * (low + high))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_match_the_normal_tables() {
        assert!((normal_quantile(0.975) - 1.959_963_984_540_054).abs() < 1e-9);
        assert!((normal_quantile(0.8) - 0.841_621_233_572_914_3).abs() < 1e-9);
        assert!((normal_quantile(0.5)).abs() < 1e-12);
        assert!((normal_quantile(0.005) + 2.575_829_303_548_901).abs() < 1e-9);
    }

    /// Reference values from statsmodels 0.14 (`NormalIndPower().solve_power(effect_size=
    /// proportion_effectsize(p1, p2), alpha, power, ratio=1, alternative='two-sided')`).
    #[test]
    fn samples_per_arm_match_statsmodels() {
        let cases = [
            (0.85, 0.05, 0.05, 0.8, 680.352_661_912_790_4),
            (0.6, -0.1, 0.05, 0.8, 387.167_746_857_810_7),
            (0.25, -0.05, 0.05, 0.9, 1_461.742_233_513_688_7),
            (0.97, -0.02, 0.01, 0.8, 2_207.673_040_798_304),
            (0.2, 0.1, 0.05, 0.8, 291.688_668_317_562_5),
        ];
        for (baseline, change, alpha, power, expected) in cases {
            let n = sample_per_arm(baseline, change, alpha, power).unwrap();
            assert!(
                (n - expected).abs() < 1e-4,
                "{baseline} {change}: {n} vs {expected}"
            );
        }
    }

    #[test]
    fn impossible_designs_name_their_field() {
        let field = |r: Result<f64, AppError>| r.unwrap_err().field().map(str::to_owned);
        assert_eq!(
            field(sample_per_arm(0.0, 0.1, 0.05, 0.8)),
            Some("baseline".into())
        );
        assert_eq!(
            field(sample_per_arm(0.5, 0.0, 0.05, 0.8)),
            Some("minimum_change".into())
        );
        assert_eq!(
            field(sample_per_arm(0.95, 0.1, 0.05, 0.8)),
            Some("minimum_change".into())
        );
        assert_eq!(field(sample_per_arm(0.5, 0.1, 1.0, 0.8)), Some("alpha".into()));
        assert_eq!(field(sample_per_arm(0.5, 0.1, 0.05, 0.04)), Some("power".into()));
    }
}
