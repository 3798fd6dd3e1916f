//! Bearer tokens on the protected resource: verification and the RFC 6750 / RFC 9728 challenges.

use bytes::Bytes;
use http::header::{self, HeaderValue};
use http::{Response, StatusCode};
use serde_json::json;

use super::AuthServer;
use crate::tokens::{SessionClaims, TokenError};

/// Why a request to the resource was not authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Challenge {
    /// No `Authorization: Bearer` header.
    Missing,
    /// A token that does not verify.
    Invalid(TokenError),
}

impl AuthServer {
    /// Verifies the `Authorization` header of a request to the resource.
    pub fn authenticate(
        &self,
        authorization: Option<&HeaderValue>,
    ) -> Result<SessionClaims, Challenge> {
        let Some(value) = authorization else {
            return Err(Challenge::Missing);
        };
        let token = value
            .to_str()
            .ok()
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(Challenge::Invalid(TokenError::Invalid))?;
        let config = &self.inner.config;
        self.inner
            .signer
            .verify(token, &config.issuer, &config.resource())
            .map_err(|e| {
                tracing::warn!(reason = %e, "bearer token refused");
                Challenge::Invalid(e)
            })
    }

    /// The 401 for a challenge: `WWW-Authenticate: Bearer resource_metadata="...", scope="..."`
    /// so clients can discover where to get a token.
    pub fn unauthorized(&self, challenge: &Challenge) -> Response<Bytes> {
        let config = &self.inner.config;
        let mut value = format!(
            "Bearer resource_metadata=\"{}\"",
            config.resource_metadata_url()
        );
        if !config.scopes.is_empty() {
            value.push_str(&format!(", scope=\"{}\"", config.scopes.join(" ")));
        }
        let message = match challenge {
            Challenge::Missing => "authorization required".to_owned(),
            Challenge::Invalid(e) => {
                value.push_str(&format!(
                    ", error=\"invalid_token\", error_description=\"{e}\""
                ));
                e.to_string()
            }
        };
        with_challenge(StatusCode::UNAUTHORIZED, value, &message)
    }

    /// The 403 for a token lacking `scopes` (RFC 6750 `insufficient_scope`), naming the scopes a
    /// new authorization should ask for.
    pub fn insufficient_scope(&self, scopes: &[String]) -> Response<Bytes> {
        let config = &self.inner.config;
        let value = format!(
            "Bearer error=\"insufficient_scope\", scope=\"{}\", resource_metadata=\"{}\"",
            scopes.join(" "),
            config.resource_metadata_url()
        );
        with_challenge(
            StatusCode::FORBIDDEN,
            value,
            "the token lacks the scopes this request needs",
        )
    }
}

fn with_challenge(status: StatusCode, challenge: String, message: &str) -> Response<Bytes> {
    let body = json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32001, "message": message}});
    let mut resp = Response::new(Bytes::from(body.to_string()));
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Ok(v) = HeaderValue::from_str(&challenge) {
        h.insert(header::WWW_AUTHENTICATE, v);
    }
    h.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static("www-authenticate"),
    );
    resp
}
