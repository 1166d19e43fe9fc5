//! Webhook signatures: HMAC-SHA256 over `"{timestamp}.{body}"` with the channel's secret, sent
//! as `X-Vernier-Signature: t=<unix seconds>,v1=<hex>`. A receiver recomputes it and refuses
//! old timestamps, so a captured delivery cannot be replayed later.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The header carrying the signature.
pub const HEADER: &str = "X-Vernier-Signature";

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// HMAC-SHA256 of `message` under `key`, as lower-case hex.
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> String {
    // HMAC takes keys of any length.
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(message);
    hex(&mac.finalize().into_bytes())
}

/// The header value for `body` sent at `timestamp` (Unix seconds).
pub fn header_value(secret: &str, timestamp: i64, body: &str) -> String {
    let signed = format!("{timestamp}.{body}");
    format!(
        "t={timestamp},v1={}",
        hmac_sha256(secret.as_bytes(), signed.as_bytes())
    )
}

/// Checks a header value against `body`, allowing `tolerance` seconds of clock difference.
pub fn verify(secret: &str, header: &str, body: &str, now: i64, tolerance: i64) -> bool {
    let mut timestamp = None;
    let mut signature = None;
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", t)) => timestamp = t.trim().parse::<i64>().ok(),
            Some(("v1", v)) => signature = Some(v.trim()),
            _ => {}
        }
    }
    let (Some(timestamp), Some(signature)) = (timestamp, signature) else {
        return false;
    };
    if (now - timestamp).abs() > tolerance {
        return false;
    }
    let expected = header_value(secret, timestamp, body);
    // Constant-time comparison of the hex digests.
    let expected = expected.rsplit_once("v1=").map_or("", |(_, v)| v);
    expected.len() == signature.len()
        && expected
            .bytes()
            .zip(signature.bytes())
            .fold(0u8, |diff, (a, b)| diff | (a ^ b))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231() {
        // RFC 4231, test case 2.
        assert_eq!(
            hmac_sha256(b"Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // Test case 1: a 20-byte key of 0x0b.
        assert_eq!(
            hmac_sha256(&[0x0b; 20], b"Hi There"),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        );
    }

    #[test]
    fn a_signed_body_verifies_and_a_changed_or_old_one_does_not() {
        let header = header_value("s3cret", 1_764_072_000, r#"{"state":"firing"}"#);
        assert!(header.starts_with("t=1764072000,v1="));
        assert!(verify(
            "s3cret",
            &header,
            r#"{"state":"firing"}"#,
            1_764_072_010,
            300
        ));
        assert!(!verify(
            "s3cret",
            &header,
            r#"{"state":"ok"}"#,
            1_764_072_010,
            300
        ));
        assert!(!verify(
            "other",
            &header,
            r#"{"state":"firing"}"#,
            1_764_072_010,
            300
        ));
        assert!(
            !verify("s3cret", &header, r#"{"state":"firing"}"#, 1_764_072_400, 300),
            "too old"
        );
        assert!(!verify("s3cret", "v1=abc", "{}", 0, 300));
    }
}
