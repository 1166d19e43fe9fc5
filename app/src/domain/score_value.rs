//! Score values as they are stored: whatever a scorer, judge or endpoint answers, the value
//! written stays where PostgreSQL can add it and square it (see [`storable_value`]).

/// Largest magnitude a stored score value keeps; anything above is stored as this.
pub const MAX_STORED_VALUE: f64 = 1e100;

/// A score value as it is stored: magnitudes above [`MAX_STORED_VALUE`] are clamped to it and
/// magnitudes below its reciprocal become 0, so that the sums and sums of squares the rollups
/// keep can neither overflow nor underflow (PostgreSQL refuses both: an NDCG of 1e-213 from a
/// relevance grade of 9e-211 failed a whole ingest batch with "value out of range: underflow").
pub fn storable_value(value: f64) -> f64 {
    if value.abs() < 1.0 / MAX_STORED_VALUE {
        0.0
    } else {
        value.clamp(-MAX_STORED_VALUE, MAX_STORED_VALUE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_values_square_and_sum_without_leaving_f64s_normal_range() {
        assert_eq!(storable_value(9.2e-211), 0.0);
        assert_eq!(storable_value(-1e-101), 0.0);
        assert_eq!(storable_value(0.75), 0.75);
        assert_eq!(storable_value(-3.0), -3.0);
        assert_eq!(storable_value(1e-100), 1e-100);
        assert_eq!(storable_value(6.5e300), MAX_STORED_VALUE);
        assert_eq!(storable_value(f64::NEG_INFINITY), -MAX_STORED_VALUE);
        let smallest = 1e-100_f64;
        assert!(
            (smallest * smallest).is_normal(),
            "the smallest square kept is no subnormal"
        );
        assert!(
            (MAX_STORED_VALUE * MAX_STORED_VALUE * 1e6).is_finite(),
            "a million largest squares sum"
        );
    }
}
