//! Small helpers: randomness, PKCE, form parsing, escaping, loopback checks.

use std::collections::HashMap;
use std::net::IpAddr;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest as _, Sha256};
use url::{Host, Url};

/// A random, URL-safe token with `bytes` bytes of entropy, prefixed with `prefix`.
pub(crate) fn random_token(prefix: &str, bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).expect("the operating system random number generator failed");
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(&buf))
}

/// `BASE64URL(SHA256(verifier))`, the S256 code challenge of RFC 7636.
pub(crate) fn s256_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// RFC 7636 §4.1: 43 to 128 characters of `[A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~"`.
pub(crate) fn is_valid_verifier(verifier: &str) -> bool {
    (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// An S256 challenge is the unpadded base64url encoding of 32 bytes: 43 characters.
pub(crate) fn is_valid_challenge(challenge: &str) -> bool {
    challenge.len() == 43
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
}

/// Compares two secrets without an early exit on the first differing byte.
pub(crate) fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Parses `application/x-www-form-urlencoded` input (a query string or a form
/// body). Parameters sent more than once are an error (RFC 6749 §3.1, §3.2):
/// the name of the first duplicate is returned. Empty values count as absent.
pub(crate) fn parse_unique(input: &[u8]) -> Result<HashMap<String, String>, String> {
    let mut out = HashMap::new();
    for (k, v) in form_urlencoded::parse(input) {
        if v.is_empty() {
            continue;
        }
        if out.insert(k.to_string(), v.into_owned()).is_some() {
            return Err(k.into_owned());
        }
    }
    Ok(out)
}

/// Decodes one `application/x-www-form-urlencoded` component (`+` is a
/// space, `%XX` a byte), as RFC 6749 §2.3.1 requires for HTTP Basic client
/// credentials. Malformed escapes are kept literally.
pub(crate) fn form_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Splits a scope parameter. The standard separator is a space; commas (the
/// real Slack's habit) are accepted too. Duplicates are dropped, order kept.
pub(crate) fn split_scopes(scope: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in scope.split([' ', ',']).filter(|s| !s.is_empty()) {
        if !out.iter().any(|o| o == s) {
            out.push(s.to_owned());
        }
    }
    out
}

/// `http://` on `127.0.0.0/8`, `[::1]` or `localhost`, any port (RFC 8252 §7.3).
pub(crate) fn is_loopback(url: &Url) -> bool {
    url.scheme() == "http"
        && match url.host() {
            Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
            Some(Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
            Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
            None => false,
        }
}

/// Does the redirect URI a client sent match one it registered? Exact match,
/// except that for loopback URIs the port may differ (RFC 8252 §7.3), since a
/// native app (or frontmcp's callback listener) only learns its port at run time.
pub(crate) fn redirect_matches(registered: &Url, sent: &Url) -> bool {
    registered == sent
        || (is_loopback(registered)
            && is_loopback(sent)
            && registered.host_str() == sent.host_str()
            && registered.path() == sent.path()
            && registered.query() == sent.query())
}

/// Escapes text for HTML element content and double-quoted attribute values.
pub(crate) fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7636_appendix_b() {
        assert_eq!(
            s256_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        assert!(is_valid_verifier(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        ));
        assert!(!is_valid_verifier("short"));
        assert!(is_valid_challenge(
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
    }

    #[test]
    fn decoding() {
        assert_eq!(form_decode("a%20b+c"), "a b c");
        assert_eq!(form_decode("100%"), "100%");
        assert_eq!(form_decode("%zz%4"), "%zz%4");
        assert_eq!(form_decode("%41"), "A");
    }

    #[test]
    fn duplicates_are_rejected() {
        assert_eq!(parse_unique(b"a=1&a=2"), Err("a".to_owned()));
        assert_eq!(parse_unique(b"a=1&b=").unwrap().len(), 1);
    }

    #[test]
    fn loopback_redirects() {
        let reg = Url::parse("http://127.0.0.1/callback").unwrap();
        let sent = Url::parse("http://127.0.0.1:53123/callback").unwrap();
        assert!(redirect_matches(&reg, &sent));
        let other_path = Url::parse("http://127.0.0.1:53123/other").unwrap();
        assert!(!redirect_matches(&reg, &other_path));
        assert!(is_loopback(&Url::parse("http://localhost:1/").unwrap()));
        assert!(is_loopback(&Url::parse("http://[::1]:1/").unwrap()));
        assert!(!is_loopback(&Url::parse("https://127.0.0.1/").unwrap()));
        assert!(!is_loopback(&Url::parse("http://example.com/").unwrap()));
    }

    #[test]
    fn scopes() {
        assert_eq!(split_scopes("a b,a  c"), vec!["a", "b", "c"]);
    }
}
