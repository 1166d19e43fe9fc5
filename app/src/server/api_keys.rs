//! Generating and checking API key secrets. Keys carry 160 random bits, so a SHA-256 digest
//! is a sound way to store them (a slow password hash would only slow every API call).

use argon2::password_hash::rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};

/// A fresh key: `vk_<8 hex>_<40 hex>`, and its prefix.
pub fn generate() -> (String, String) {
    let mut bytes = [0u8; 24];
    OsRng.fill_bytes(&mut bytes);
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let key = format!("vk_{}_{}", &hex[..8], &hex[8..]);
    let prefix = key[..11].to_owned();
    (key, prefix)
}

/// The SHA-256 digest of a key (or of any request body).
pub fn digest(data: impl AsRef<[u8]>) -> Vec<u8> {
    Sha256::digest(data.as_ref()).to_vec()
}

/// Compares digests in constant time.
pub fn same_digest(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::api_key::prefix_of;

    #[test]
    fn generated_keys_are_well_formed_and_distinct() {
        let (key, prefix) = generate();
        assert_eq!(prefix_of(&key), Some(prefix.as_str()));
        assert_ne!(generate().0, key);
    }

    #[test]
    fn digests_match_only_their_key() {
        let (key, _) = generate();
        assert!(same_digest(&digest(&key), &digest(&key)));
        assert!(!same_digest(&digest(&key), &digest(&generate().0)));
        assert!(!same_digest(&digest(&key), &[]));
    }
}
