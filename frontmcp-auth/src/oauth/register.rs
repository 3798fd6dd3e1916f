//! Dynamic client registration (RFC 7591).

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use serde::Deserialize;
use serde_json::json;

use super::records::ClientRecord;
use super::{AuthServer, MAX_BODY_BYTES, respond};
use crate::random;
use crate::store::{Namespace, StoreExt};
use crate::tokens::now_secs;

/// At most this many redirect URIs per client.
const MAX_REDIRECT_URIS: usize = 10;
/// Longest accepted redirect URI.
const MAX_URI_LEN: usize = 2000;
/// Longest accepted client name.
const MAX_NAME_LEN: usize = 200;

#[derive(Deserialize)]
struct Registration {
    #[serde(default)]
    redirect_uris: Vec<String>,
    #[serde(default)]
    client_name: Option<String>,
    #[serde(default)]
    token_endpoint_auth_method: Option<String>,
    #[serde(default)]
    grant_types: Option<Vec<String>>,
    #[serde(default)]
    response_types: Option<Vec<String>>,
}

impl AuthServer {
    pub(crate) async fn register(&self, req: Request<Bytes>) -> Response<Bytes> {
        if req.body().len() > MAX_BODY_BYTES {
            return respond::oauth_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "invalid_client_metadata",
                "registration too large",
            );
        }
        let reg: Registration = match serde_json::from_slice(req.body()) {
            Ok(reg) => reg,
            Err(e) => {
                return respond::oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_client_metadata",
                    &format!("not a registration document: {e}"),
                );
            }
        };
        if let Err(problem) = check_redirect_uris(&reg.redirect_uris) {
            return respond::oauth_error(StatusCode::BAD_REQUEST, "invalid_redirect_uri", &problem);
        }
        if reg
            .client_name
            .as_ref()
            .is_some_and(|n| n.chars().count() > MAX_NAME_LEN || n.chars().any(char::is_control))
        {
            return respond::oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_client_metadata",
                "client_name is too long or has control characters",
            );
        }
        let method = reg
            .token_endpoint_auth_method
            .unwrap_or_else(|| "client_secret_basic".into());
        if !matches!(
            method.as_str(),
            "none" | "client_secret_post" | "client_secret_basic"
        ) {
            return respond::oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_client_metadata",
                "unsupported token_endpoint_auth_method",
            );
        }
        if reg.grant_types.as_ref().is_some_and(|g| {
            g.iter()
                .any(|g| g != "authorization_code" && g != "refresh_token")
        }) {
            return respond::oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_client_metadata",
                "grant_types: only authorization_code and refresh_token",
            );
        }
        if reg
            .response_types
            .as_ref()
            .is_some_and(|r| r.iter().any(|r| r != "code"))
        {
            return respond::oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_client_metadata",
                "response_types: only code",
            );
        }
        let secret = (method != "none").then(random::token);
        let record = ClientRecord {
            client_id: random::token(),
            client_name: reg.client_name,
            redirect_uris: reg.redirect_uris,
            token_endpoint_auth_method: method,
            secret_hash: secret.as_deref().map(|s| random::digest(s.as_bytes())),
            issued_at: now_secs(),
        };
        if let Err(e) = self
            .inner
            .store
            .put_record(Namespace::Client, &record.client_id, &record, None)
            .await
        {
            tracing::error!(error = %e, "client registration not stored");
            return respond::oauth_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "temporarily_unavailable",
                "the store is unavailable",
            );
        }
        tracing::info!(
            client = record.client_name.as_deref().unwrap_or("unnamed"),
            "client registered"
        );
        let mut body = json!({
            "client_id": record.client_id,
            "client_id_issued_at": record.issued_at,
            "redirect_uris": record.redirect_uris,
            "token_endpoint_auth_method": record.token_endpoint_auth_method,
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
        });
        if let Some(name) = &record.client_name {
            body["client_name"] = json!(name);
        }
        if let Some(secret) = secret {
            body["client_secret"] = json!(secret);
            body["client_secret_expires_at"] = json!(0);
        }
        respond::json(StatusCode::CREATED, &body)
    }
}

/// `https://` URIs, or `http://` toward loopback (native apps, RFC 8252), without fragments.
pub(crate) fn check_redirect_uris(uris: &[String]) -> Result<(), String> {
    if uris.is_empty() {
        return Err("at least one redirect_uri is required".into());
    }
    if uris.len() > MAX_REDIRECT_URIS {
        return Err(format!("at most {MAX_REDIRECT_URIS} redirect_uris"));
    }
    for uri in uris {
        if uri.len() > MAX_URI_LEN {
            return Err(format!(
                "a redirect_uri is longer than {MAX_URI_LEN} characters"
            ));
        }
        let parsed = url::Url::parse(uri).map_err(|_| format!("`{uri}` is not an absolute URI"))?;
        if parsed.fragment().is_some() {
            return Err(format!("`{uri}` has a fragment"));
        }
        let loopback = matches!(parsed.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
        match parsed.scheme() {
            "https" => {}
            "http" if loopback => {}
            _ => return Err(format!("`{uri}` must be https, or http on a loopback host")),
        }
        if parsed.username() != "" || parsed.password().is_some() {
            return Err(format!("`{uri}` carries credentials"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_uri_rules() {
        let ok = |u: &str| check_redirect_uris(&[u.to_owned()]).is_ok();
        assert!(ok("https://app.example.com/callback"));
        assert!(ok("http://localhost:8080/cb"));
        assert!(ok("http://127.0.0.1/cb"));
        assert!(ok("http://[::1]:9/cb"));
        assert!(!ok("http://app.example.com/cb"));
        assert!(!ok("https://app.example.com/cb#frag"));
        assert!(!ok("javascript:alert(1)"));
        assert!(!ok("/relative"));
        assert!(!ok("https://user:pw@app.example.com/cb"));
        assert!(!ok(&format!("https://a.example/{}", "x".repeat(2100))));
        assert!(check_redirect_uris(&[]).is_err());
        assert!(check_redirect_uris(&vec!["https://a.example/cb".to_owned(); 11]).is_err());
    }
}
