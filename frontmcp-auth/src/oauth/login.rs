//! Signing users in: a trait for real identity checks, and a development login.

use async_trait::async_trait;

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

/// Checks a user's credentials and returns the user's ID (the tokens' `sub`).
#[async_trait]
pub trait Authenticator: Send + Sync + 'static {
    /// Signs a user in.
    async fn authenticate(&self, username: &str, password: &str) -> Result<String, LoginError>;

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
    async fn authenticate(&self, username: &str, _password: &str) -> Result<String, LoginError> {
        let name = username.trim();
        if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
            return Err(LoginError::InvalidCredentials);
        }
        Ok(name.to_owned())
    }

    fn is_development(&self) -> bool {
        true
    }
}
