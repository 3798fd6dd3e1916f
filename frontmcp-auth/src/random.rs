//! Unguessable identifiers and digests.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// 256 random bits, URL-safe base64 (43 characters): codes, tokens, IDs, CSRF tokens.
pub fn token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system's random source is available");
    URL_SAFE_NO_PAD.encode(bytes)
}

/// 128 random bits, URL-safe base64 (22 characters): identifiers that grant nothing on their own
/// (auth sessions, refresh token families, token IDs). Unguessable all the same, and half the
/// size of a [`token`] in every record and session token that names them.
pub fn id() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the operating system's random source is available");
    URL_SAFE_NO_PAD.encode(bytes)
}

/// SHA-256, URL-safe base64: how secrets (refresh tokens, client secrets) are stored and how
/// PKCE S256 challenges are computed.
pub fn digest(input: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(input))
}

/// Compares two strings in time independent of where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_s256_matches_an_independent_implementation() {
        // Expected value from Python: base64.urlsafe_b64encode(hashlib.sha256(v).digest()).rstrip(b"=")
        assert_eq!(
            digest(b"dBjftJeZ4CVP-mJ0kY3k9KBT5nHp9y8FMMIuEKyZ3oY"),
            "PoE4S3_Tmwd4p6gdNvx_4jypFr9uOnYjzRirQK0hUak"
        );
    }

    #[test]
    fn tokens_are_distinct_and_comparisons_exact() {
        assert_ne!(token(), token());
        assert_eq!((token().len(), id().len()), (43, 22));
        assert_ne!(id(), id());
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "ab"));
    }
}
