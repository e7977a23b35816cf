//! The wallet's vault: saved card numbers sealed with XChaCha20-Poly1305 under a key kept outside
//! the database (`<database>.vault-key`, like the idempotency fingerprint key), so that a saved
//! card can be forwarded to whichever PSP a merchant uses. The database file holds only the
//! sealed form; a stolen database without the key reveals no number.

use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

/// A 32-byte key.
#[derive(Clone)]
pub struct VaultKey([u8; 32]);

impl std::fmt::Debug for VaultKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("VaultKey([redacted])")
    }
}

impl VaultKey {
    /// The key from its stored bytes (at least 32; the first 32 are used).
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        bytes.get(..32)?.try_into().ok().map(Self)
    }

    /// Seals `plain`: hex of nonce ‖ ciphertext ‖ tag.
    pub fn seal(&self, plain: &str) -> String {
        let cipher = XChaCha20Poly1305::new((&self.0).into());
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let sealed = cipher
            .encrypt(&nonce, plain.as_bytes())
            .expect("XChaCha20-Poly1305 encrypts any short message");
        nonce
            .iter()
            .chain(sealed.iter())
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// Opens what [`seal`](Self::seal) made with this key; `None` if it was not, or was changed.
    pub fn open(&self, sealed: &str) -> Option<String> {
        let bytes: Vec<u8> = (0..sealed.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(sealed.get(i..i + 2)?, 16).ok())
            .collect::<Option<_>>()?;
        if bytes.len() < 24 {
            return None;
        }
        let (nonce, body) = bytes.split_at(24);
        let cipher = XChaCha20Poly1305::new((&self.0).into());
        let plain = cipher.decrypt(XNonce::from_slice(nonce), body).ok()?;
        String::from_utf8(plain).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_numbers_open_only_with_their_key_and_hide_the_number() {
        let key = VaultKey::from_bytes(&[7; 32]).expect("32 bytes");
        let sealed = key.seal("4242424242424242");
        assert!(!sealed.contains("4242"), "{sealed}");
        assert_ne!(
            sealed,
            key.seal("4242424242424242"),
            "a fresh nonce each time"
        );
        assert_eq!(key.open(&sealed).as_deref(), Some("4242424242424242"));
        let other = VaultKey::from_bytes(&[8; 32]).expect("32 bytes");
        assert_eq!(other.open(&sealed), None);
        let mut tampered = sealed.clone();
        tampered.replace_range(60..62, if &sealed[60..62] == "00" { "01" } else { "00" });
        assert_eq!(key.open(&tampered), None);
        assert_eq!(key.open("zz"), None);
    }
}
