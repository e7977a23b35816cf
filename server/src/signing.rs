//! ACP §3 request signing: `Signature` over the canonical JSON body with a `Timestamp`.
//!
//! ACP leaves the algorithm to be agreed out of band; buycard's is HMAC-SHA256 with a secret the
//! platform and the merchant share, over `"{Timestamp}.{canonical body}"`, sent as unpadded
//! base64url. The canonical body is the idempotency layer's (keys sorted, integral numbers as
//! integers), so a body re-serialised by a proxy still verifies. A GET signs an empty body.
//! The merchant accepts timestamps within [`SKEW_SECS`] of its clock.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};

use crate::idempotency::canonical;

/// How far a request's `Timestamp` may be from the merchant's clock.
pub const SKEW_SECS: i64 = 300;

fn mac(secret: &[u8], timestamp: &str, body: &[u8]) -> Hmac<sha2::Sha256> {
    let mut mac =
        <Hmac<sha2::Sha256> as Mac>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    if !body.is_empty() {
        mac.update(canonical(body).as_bytes());
    }
    mac
}

/// The `Signature` header for `body` sent at `timestamp` (RFC 3339).
pub fn sign(secret: &[u8], timestamp: &str, body: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(mac(secret, timestamp, body).finalize().into_bytes())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the Signature and Timestamp headers are required")]
    Missing,
    #[error("the Timestamp header is not RFC 3339 or is too far from the server's clock")]
    Stale,
    #[error("the Signature does not match the request")]
    Mismatch,
}

/// Checks a request's `Signature` and `Timestamp` against `secret`, at Unix time `now`.
pub fn verify(
    secret: &[u8],
    signature: Option<&str>,
    timestamp: Option<&str>,
    body: &[u8],
    now: i64,
) -> Result<(), SignatureError> {
    let (Some(signature), Some(timestamp)) = (signature, timestamp) else {
        return Err(SignatureError::Missing);
    };
    let at = time::OffsetDateTime::parse(timestamp, &time::format_description::well_known::Rfc3339)
        .map_err(|_| SignatureError::Stale)?
        .unix_timestamp();
    if (at - now).abs() > SKEW_SECS {
        return Err(SignatureError::Stale);
    }
    let given = URL_SAFE_NO_PAD
        .decode(signature.trim())
        .map_err(|_| SignatureError::Mismatch)?;
    // `verify_slice` compares in constant time.
    mac(secret, timestamp, body)
        .verify_slice(&given)
        .map_err(|_| SignatureError::Mismatch)
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: &str = "2026-11-25T12:00:00Z";
    const NOW: i64 = 1_795_608_000; // 2026-11-25T12:00:00Z

    #[test]
    fn a_signed_body_verifies_even_reserialised() {
        let signature = sign(b"s3cret", T, br#"{"b":1,"a":[1,2]}"#);
        assert_eq!(
            verify(
                b"s3cret",
                Some(&signature),
                Some(T),
                br#"{ "a": [1, 2], "b": 1.0 }"#,
                NOW
            ),
            Ok(())
        );
    }

    #[test]
    fn tampering_a_wrong_secret_or_an_old_timestamp_fails() {
        let body = br#"{"amount":100}"#;
        let signature = sign(b"s3cret", T, body);
        let check = |secret: &[u8], body: &[u8], now: i64| {
            verify(secret, Some(&signature), Some(T), body, now)
        };
        assert_eq!(
            check(b"s3cret", br#"{"amount":1}"#, NOW),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(check(b"other", body, NOW), Err(SignatureError::Mismatch));
        assert_eq!(
            check(b"s3cret", body, NOW + SKEW_SECS + 1),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            verify(b"s3cret", None, Some(T), body, NOW),
            Err(SignatureError::Missing)
        );
    }
}
