//! Hybrid metrics: one value from a human score and an automated score, weighted.

/// Combines the human value (scaled to 0..1 over its rubric's `human_range`) with the
/// automated value (scaled to 0..1 by `automated_scale`, clamped), giving `human_weight` to
/// the human side. The result is in 0..1.
pub fn combine(
    human: f64,
    human_range: (f64, f64),
    automated: f64,
    automated_scale: f64,
    human_weight: f64,
) -> f64 {
    let (low, high) = human_range;
    let human = if high > low {
        (human - low) / (high - low)
    } else {
        1.0
    };
    let automated = (automated / automated_scale).clamp(0.0, 1.0);
    human_weight * human.clamp(0.0, 1.0) + (1.0 - human_weight) * automated
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_apply_to_values_on_one_scale() {
        // Human 4 on 1..5 is 0.75; the judge's 0.5; 70% human.
        assert!((combine(4.0, (1.0, 5.0), 0.5, 1.0, 0.7) - (0.7 * 0.75 + 0.3 * 0.5)).abs() < 1e-12);
        // A judge on 1..10 scaled by 10; values past the scale are clamped.
        assert!((combine(1.0, (0.0, 1.0), 20.0, 10.0, 0.5) - 1.0).abs() < 1e-12);
        assert_eq!(combine(0.0, (0.0, 1.0), 0.0, 1.0, 1.0), 0.0);
    }
}
