//! Secrets at rest: LLM endpoint keys and webhook signing secrets are stored sealed with
//! XChaCha20-Poly1305 (an authenticated cipher: a changed byte fails to open rather than giving
//! another secret) under one 32-byte key, as `v1:` and the base64 of a random 24-byte nonce and
//! the ciphertext. The key comes from `VERNIER_SECRET_KEY` or a key file the server creates in
//! its data directory on first start; it is installed once at start-up ([`install`]). Sealed
//! values are opened only where a secret is used (calling an endpoint, signing a webhook), never
//! returned by a route, never logged.

use crate::error::AppError;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use std::sync::OnceLock;

/// The prefix of a sealed value (the format's version).
pub const PREFIX: &str = "v1:";
const NONCE_LEN: usize = 24;

/// A 32-byte key.
#[derive(Clone)]
pub struct SecretKey([u8; 32]);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(…)")
    }
}

impl SecretKey {
    /// A new random key.
    pub fn generate() -> Self {
        Self(XChaCha20Poly1305::generate_key(&mut OsRng).into())
    }

    /// A key written as base64 (or 64 hex digits), as in `VERNIER_SECRET_KEY` or the key file.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let bytes = if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            (0..32)
                .map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16))
                .collect::<Result<Vec<u8>, _>>()
                .map_err(|e| e.to_string())?
        } else {
            B64.decode(text).map_err(|e| format!("not base64: {e}"))?
        };
        let bytes: [u8; 32] = bytes
            .try_into()
            .map_err(|b: Vec<u8>| format!("a secret key is 32 bytes, this one is {}", b.len()))?;
        Ok(Self(bytes))
    }

    /// The key as base64, for the key file.
    pub fn encode(&self) -> String {
        B64.encode(self.0)
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(Key::from_slice(&self.0))
    }

    /// Seals `plain` under this key.
    pub fn seal(&self, plain: &str) -> String {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        // Encryption with a valid key and nonce cannot fail.
        let sealed = self
            .cipher()
            .encrypt(&nonce, plain.as_bytes())
            .unwrap_or_default();
        let mut bytes = nonce.to_vec();
        bytes.extend(sealed);
        format!("{PREFIX}{}", B64.encode(bytes))
    }

    /// Opens a sealed value; an error when it is not sealed, or not under this key, or altered.
    pub fn open(&self, sealed: &str) -> Result<String, AppError> {
        let fail = |why: &str| AppError::Internal(format!("a stored secret cannot be opened: {why}"));
        let body = sealed
            .strip_prefix(PREFIX)
            .ok_or_else(|| fail("it is not sealed"))?;
        let bytes = B64.decode(body).map_err(|_| fail("it is not base64"))?;
        if bytes.len() < NONCE_LEN {
            return Err(fail("it is too short"));
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let plain = self
            .cipher()
            .decrypt(XNonce::from_slice(nonce), ciphertext)
            .map_err(|_| fail("wrong key, or the value was altered"))?;
        String::from_utf8(plain).map_err(|_| fail("it is not text"))
    }
}

static KEY: OnceLock<SecretKey> = OnceLock::new();

/// Installs the process's key (once, at start-up; later calls keep the first).
pub fn install(key: SecretKey) {
    let _ = KEY.set(key);
}

/// The installed key. Tests run with a fixed key of their own.
pub fn key() -> Result<&'static SecretKey, AppError> {
    #[cfg(test)]
    {
        Ok(KEY.get_or_init(|| SecretKey([7; 32])))
    }
    #[cfg(not(test))]
    {
        KEY.get()
            .ok_or_else(|| AppError::Internal("the secret key was not loaded at start-up".into()))
    }
}

/// Seals a secret with the installed key.
pub fn seal(plain: &str) -> Result<String, AppError> {
    Ok(key()?.seal(plain))
}

/// Opens a secret with the installed key.
pub fn open(sealed: &str) -> Result<String, AppError> {
    key()?.open(sealed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_secret_opens_only_with_its_key_and_unaltered() {
        let key = SecretKey::generate();
        let sealed = key.seal("sk-live-1234");
        assert!(sealed.starts_with(PREFIX));
        assert!(!sealed.contains("sk-live"));
        assert_ne!(key.seal("sk-live-1234"), sealed, "a fresh nonce every time");
        assert_eq!(key.open(&sealed).unwrap(), "sk-live-1234");
        assert!(SecretKey::generate().open(&sealed).is_err(), "another key");
        let mut bytes = B64.decode(&sealed[PREFIX.len()..]).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        assert!(
            key.open(&format!("{PREFIX}{}", B64.encode(bytes))).is_err(),
            "altered"
        );
        assert!(key.open("sk-live-1234").is_err(), "not sealed");
    }

    #[test]
    fn keys_are_read_from_base64_or_hex_and_must_be_32_bytes() {
        let key = SecretKey::generate();
        assert_eq!(SecretKey::parse(&key.encode()).unwrap().0, key.0);
        assert_eq!(SecretKey::parse(&"ab".repeat(32)).unwrap().0, [0xab; 32]);
        assert!(SecretKey::parse("c2hvcnQ=").unwrap_err().contains("32 bytes"));
        assert!(SecretKey::parse("not base64!").is_err());
        assert_eq!(format!("{key:?}"), "SecretKey(…)", "never printed");
    }
}
