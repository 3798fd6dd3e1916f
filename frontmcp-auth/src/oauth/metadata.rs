//! Discovery documents: RFC 8414 (authorization server) and RFC 9728 (protected resource).

use bytes::Bytes;
use http::{Response, StatusCode};
use serde_json::json;

use super::{AuthServer, respond};

impl AuthServer {
    pub(crate) fn authorization_server_metadata(&self) -> Response<Bytes> {
        let issuer = &self.inner.config.issuer;
        // Refresh tokens are the authorization server's to give, so `offline_access` is listed
        // here and never in the resource's metadata or challenges (MCP 2026-07-28).
        let scopes: Vec<&str> = self
            .inner
            .config
            .scopes
            .iter()
            .map(String::as_str)
            .chain([super::authorize::OFFLINE_ACCESS])
            .collect();
        respond::json(
            StatusCode::OK,
            &json!({
                "issuer": issuer,
                "authorization_endpoint": format!("{issuer}/oauth/authorize"),
                "token_endpoint": format!("{issuer}/oauth/token"),
                "registration_endpoint": format!("{issuer}/oauth/register"),
                "revocation_endpoint": format!("{issuer}/oauth/revoke"),
                "jwks_uri": format!("{issuer}/.well-known/jwks.json"),
                "scopes_supported": scopes,
                "response_types_supported": ["code"],
                "response_modes_supported": ["query"],
                "grant_types_supported": ["authorization_code", "refresh_token"],
                "token_endpoint_auth_methods_supported": ["none", "client_secret_post", "client_secret_basic"],
                "revocation_endpoint_auth_methods_supported": ["none", "client_secret_post", "client_secret_basic"],
                "code_challenge_methods_supported": ["S256"],
                "authorization_response_iss_parameter_supported": true,
                "client_id_metadata_document_supported": self.inner.documents.enabled(),
            }),
        )
    }

    pub(crate) fn protected_resource_metadata(&self) -> Response<Bytes> {
        let config = &self.inner.config;
        respond::json(
            StatusCode::OK,
            &json!({
                "resource": config.resource(),
                "authorization_servers": [config.issuer],
                "scopes_supported": config.scopes,
                "bearer_methods_supported": ["header"],
                "resource_name": config.server_name,
            }),
        )
    }
}
