//! A/B tests between versions: which arm an end user is in. The assignment hashes the
//! experiment's key with the user's pseudonymous id (64-bit FNV-1a), so it is the same on every
//! server and every call, needs no storage, and spreads users evenly; a user is in the same
//! arm of one experiment for good, and independently placed in another.

pub mod analysis;
pub mod design;
pub mod units;

/// FNV-1a over the bytes, 64 bits.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The arm (index into `arms` of equal weight) of `user` in experiment `experiment`; `None`
/// without arms.
pub fn arm(experiment: &str, user: &str, arms: usize) -> Option<usize> {
    if arms == 0 {
        return None;
    }
    // The key, a separator no key contains, then the user: "ab" + "c" differs from "a" + "bc".
    let mut bytes = Vec::with_capacity(experiment.len() + user.len() + 1);
    bytes.extend_from_slice(experiment.as_bytes());
    bytes.push(0);
    bytes.extend_from_slice(user.as_bytes());
    // Mix the high bits down before taking the remainder: FNV's low bits vary least.
    let hash = fnv1a(&bytes);
    let mixed = hash ^ (hash >> 29) ^ (hash >> 47);
    Some((mixed % arms as u64) as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_hash_is_fnv_1a() {
        // Published FNV-1a 64 test vectors.
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn a_user_stays_in_one_arm_and_arms_are_balanced() {
        assert_eq!(arm("prompt-test", "user-1", 0), None);
        assert_eq!(arm("prompt-test", "user-1", 2), arm("prompt-test", "user-1", 2));
        for arms in [2_usize, 3, 4] {
            let mut counts = vec![0_u32; arms];
            for user in 0..30_000 {
                counts[arm("prompt-test", &format!("user-{user}"), arms).unwrap()] += 1;
            }
            let expected = 30_000.0 / arms as f64;
            // Well within 5 standard deviations of a fair split.
            let sd = (30_000.0 * (1.0 / arms as f64) * (1.0 - 1.0 / arms as f64)).sqrt();
            for count in &counts {
                assert!(
                    (f64::from(*count) - expected).abs() < 5.0 * sd,
                    "{arms} arms: {counts:?}"
                );
            }
        }
        // Two experiments place users independently: about half share an arm of two.
        let same = (0..10_000)
            .filter(|u| arm("one", &format!("u{u}"), 2) == arm("two", &format!("u{u}"), 2))
            .count();
        assert!((4_700..5_300).contains(&same), "{same}");
    }
}
