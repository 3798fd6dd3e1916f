//! Signing users in: a trait for real identity checks, and a development login.

use std::net::IpAddr;

use async_trait::async_trait;
use http::HeaderMap;

/// Why a sign-in failed; shown to the user on the login page.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoginError {
    /// Wrong user name or password.
    #[error("the user name or password is wrong")]
    InvalidCredentials,
    /// The identity backend failed.
    #[error("sign-in is unavailable right now: {0}")]
    Unavailable(String),
}

/// A sign-in attempt on the login form: what the user typed, and where it came from.
#[derive(Debug, Clone, Copy)]
pub struct LoginAttempt<'a> {
    /// The user name, as typed.
    pub username: &'a str,
    /// The password.
    pub password: &'a str,
    /// The client's IP address (behind a [trusted proxy](super::AuthConfig::trusted_proxies),
    /// the one it names), when the request came over a connection.
    pub client_ip: Option<IpAddr>,
    /// The request's headers (`User-Agent`, `Accept-Language`, ...).
    pub headers: &'a HeaderMap,
}

/// Checks a user's credentials and returns the user's ID (the tokens' `sub`). Implement it with
/// `#[frontmcp::async_trait]` (or the `async-trait` crate's attribute):
///
/// ```
/// use frontmcp_auth::oauth::{Authenticator, LoginAttempt, LoginError};
///
/// struct Directory;
///
/// #[async_trait::async_trait]
/// impl Authenticator for Directory {
///     async fn authenticate(&self, attempt: &LoginAttempt<'_>) -> Result<String, LoginError> {
///         match (attempt.username, attempt.password) {
///             ("ada", "correct horse") => Ok("user-ada".into()),
///             _ => Err(LoginError::InvalidCredentials),
///         }
///     }
/// }
/// ```
///
/// The sign-in endpoint rate-limits attempts per client IP and per user name before asking it
/// (see [`RateLimits`](super::RateLimits)).
#[async_trait]
pub trait Authenticator: Send + Sync + 'static {
    /// Signs a user in.
    async fn authenticate(&self, attempt: &LoginAttempt<'_>) -> Result<String, LoginError>;

    /// Whether this is a development login (the page then says so).
    fn is_development(&self) -> bool {
        false
    }
}

/// DEVELOPMENT ONLY: accepts any user name (1 to 64 visible characters) with any password.
#[derive(Debug, Clone, Copy, Default)]
pub struct DevLogin;

#[async_trait]
impl Authenticator for DevLogin {
    async fn authenticate(&self, attempt: &LoginAttempt<'_>) -> Result<String, LoginError> {
        let name = attempt.username.trim();
        if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
            return Err(LoginError::InvalidCredentials);
        }
        Ok(name.to_owned())
    }

    fn is_development(&self) -> bool {
        true
    }
}
