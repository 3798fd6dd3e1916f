//! The cookies of the sign-in pages: a CSRF cookie per flow, and the remembered sign-in that spares
//! a user signing in again when they open an app's authorization link.
//!
//! Both are `HttpOnly; SameSite=Lax` (`Secure` behind https): sent on the top-level navigations of
//! the flows (including the provider's redirect back to the callback), never on cross-site form
//! posts. CSRF cookies are scoped to `/oauth`, where the forms post; the sign-in to `/`, because
//! standalone apps' links live at `/{app}/oauth/authorize`. The apps page signs a browser out.

use std::time::Duration;

use cookie::{Cookie, SameSite};
use http::HeaderValue;
use http::header::{self, HeaderMap};
use serde::{Deserialize, Serialize};

use super::AuthServer;
use crate::random;
use crate::tokens::now_secs;

/// Every flow's CSRF cookie starts with this; the rest is derived from the flow's ID, so flows
/// opened side by side (two app links, two tabs) do not overwrite each other's cookie.
const CSRF_PREFIX: &str = "frontmcp_csrf_";
/// The remembered sign-in.
const SIGN_IN: &str = "frontmcp_signin";
/// The `typ` of the sign-in cookie's JWT: it cannot pass for any other token of the server.
const SIGN_IN_TYP: &str = "frontmcp-signin+jwt";

/// What the sign-in cookie says, signed by the server.
#[derive(Serialize, Deserialize)]
struct SignInClaims {
    iss: String,
    aud: String,
    sub: String,
    iat: u64,
    exp: u64,
}

/// The CSRF cookie's name for the flow `pending_id`.
pub(crate) fn csrf_name(pending_id: &str) -> String {
    format!(
        "{CSRF_PREFIX}{}",
        &random::digest(pending_id.as_bytes())[..12]
    )
}

/// The value of cookie `name`, parsed by the `cookie` crate (RFC 6265 pairs; a malformed pair is
/// skipped, not the header).
pub(crate) fn get(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|cookie| cookie.name() == name)
        .map(|cookie| cookie.value().to_owned())
}

fn set_cookie(name: &str, value: &str, path: &str, max_age: Duration, secure: bool) -> HeaderValue {
    let max_age = i64::try_from(max_age.as_secs()).unwrap_or(i64::MAX);
    let cookie = Cookie::build((name, value))
        .path(path)
        .http_only(true)
        .same_site(SameSite::Lax)
        .max_age(time::Duration::seconds(max_age))
        .secure(secure)
        .build();
    HeaderValue::from_str(&cookie.to_string()).expect("cookie names and values are header-safe")
}

impl AuthServer {
    fn secure_cookies(&self) -> bool {
        self.inner.config.issuer.starts_with("https://")
    }

    /// The `Set-Cookie` value of the flow `pending_id`'s CSRF cookie.
    pub(crate) fn csrf_cookie(&self, pending_id: &str, csrf: &str) -> HeaderValue {
        set_cookie(
            &csrf_name(pending_id),
            csrf,
            "/oauth",
            self.inner.config.pending_ttl,
            self.secure_cookies(),
        )
    }

    /// The CSRF token the browser holds for the flow `pending_id`, if it checks out against the
    /// flow's stored digest.
    pub(crate) fn browser_csrf(
        &self,
        headers: &HeaderMap,
        pending_id: &str,
        csrf_hash: &str,
    ) -> Option<String> {
        get(headers, &csrf_name(pending_id))
            .filter(|c| random::constant_time_eq(&random::digest(c.as_bytes()), csrf_hash))
    }

    /// The `Set-Cookie` value remembering that this browser signed in as `user`.
    pub(crate) fn sign_in_cookie(&self, user: &str) -> HeaderValue {
        let config = &self.inner.config;
        let now = now_secs();
        let claims = SignInClaims {
            iss: config.issuer.clone(),
            aud: self.sign_in_audience(),
            sub: user.to_owned(),
            iat: now,
            exp: now + config.sign_in_ttl.as_secs(),
        };
        let token = self.inner.signer.sign_typed(SIGN_IN_TYP, &claims);
        // Path=/: standalone apps' links live at /{app}/oauth/authorize.
        set_cookie(
            SIGN_IN,
            &token,
            "/",
            config.sign_in_ttl,
            self.secure_cookies(),
        )
    }

    /// The `Set-Cookie` value that forgets this browser's sign-in.
    pub(crate) fn sign_out_cookie(&self) -> HeaderValue {
        set_cookie(SIGN_IN, "", "/", Duration::ZERO, self.secure_cookies())
    }

    /// The user this browser signed in as, when its sign-in cookie verifies and has not expired.
    pub(crate) fn signed_in_user(&self, headers: &HeaderMap) -> Option<String> {
        let token = get(headers, SIGN_IN)?;
        self.inner
            .signer
            .verify_typed::<SignInClaims>(
                SIGN_IN_TYP,
                &token,
                &self.inner.config.issuer,
                &self.sign_in_audience(),
            )
            .ok()
            .map(|c| c.sub)
    }

    fn sign_in_audience(&self) -> String {
        format!("{}/oauth", self.inner.config.issuer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            "a=1; frontmcp_csrf_abc=tok; b=2".parse().unwrap(),
        );
        assert_eq!(get(&h, "frontmcp_csrf_abc").as_deref(), Some("tok"));
        assert_eq!(get(&h, "frontmcp_csrf_ab"), None, "a prefix is not a name");
        assert_eq!(get(&HeaderMap::new(), "a"), None);
        // Two headers, spaces, and a pair that is not one.
        let mut h = HeaderMap::new();
        h.append(header::COOKIE, "junk; a = 1".parse().unwrap());
        h.append(header::COOKIE, "frontmcp_signin=t.o.k".parse().unwrap());
        assert_eq!(get(&h, "frontmcp_signin").as_deref(), Some("t.o.k"));
    }

    #[test]
    fn set_cookies_carry_their_attributes() {
        let value = set_cookie("n", "v", "/oauth", Duration::from_secs(600), true);
        let value = value.to_str().unwrap();
        assert!(value.starts_with("n=v;"), "{value}");
        for attribute in [
            "HttpOnly",
            "SameSite=Lax",
            "Path=/oauth",
            "Max-Age=600",
            "Secure",
        ] {
            assert!(
                value.split("; ").any(|a| a == attribute),
                "{attribute} in {value}"
            );
        }
        let cleared = set_cookie("n", "", "/", Duration::ZERO, false);
        let cleared = cleared.to_str().unwrap();
        assert!(
            cleared.starts_with("n=;") && cleared.contains("Max-Age=0"),
            "{cleared}"
        );
        assert!(!cleared.contains("Secure"), "{cleared}");
    }

    #[test]
    fn flows_have_their_own_csrf_cookie() {
        assert_ne!(csrf_name("flow-1"), csrf_name("flow-2"));
        assert!(csrf_name("flow-1").starts_with(CSRF_PREFIX));
    }
}
