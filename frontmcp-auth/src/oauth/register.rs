//! Dynamic client registration (RFC 7591).

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use serde::Deserialize;
use serde_json::json;

use super::clients::{ApplicationType, check_redirect_uris};
use super::records::ClientRecord;
use super::{AuthServer, MAX_BODY_BYTES, respond};
use crate::random;
use crate::store::{Namespace, StoreExt};
use crate::tokens::now_secs;

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
    #[serde(default)]
    application_type: Option<String>,
}

impl AuthServer {
    pub(crate) async fn register(&self, req: Request<Bytes>) -> Response<Bytes> {
        let config = &self.inner.config;
        let policy = &config.registration;
        let ip = self.client_ip(req.extensions(), req.headers());
        if let Err(limited) = self
            .limit_ip("register-ip", ip, config.rate_limits.register_per_ip)
            .await
        {
            return respond::too_many_requests(limited);
        }
        if let Some(expected) = &policy.initial_access_token {
            let presented = req
                .headers()
                .get(http::header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "));
            if !presented.is_some_and(|t| random::constant_time_eq(t.trim(), expected)) {
                tracing::warn!("client registration without its initial access token refused");
                return initial_access_token_required();
            }
        }
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
        let Some(application_type) = reg
            .application_type
            .as_deref()
            .map_or(Some(ApplicationType::Web), ApplicationType::parse)
        else {
            return respond::oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_client_metadata",
                "application_type must be \"web\" or \"native\"",
            );
        };
        if let Err(problem) = check_redirect_uris(&reg.redirect_uris, application_type) {
            return respond::oauth_error(StatusCode::BAD_REQUEST, "invalid_redirect_uri", &problem);
        }
        if let Some(uri) = reg
            .redirect_uris
            .iter()
            .find(|uri| !policy.allows_redirect(uri))
        {
            return respond::oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_redirect_uri",
                &format!("`{uri}`: this server does not send codes to that host"),
            );
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
            application_type,
        };
        let store = &self.inner.store;
        let stored = async {
            if !store
                .admit(
                    Namespace::Client,
                    &record.client_id,
                    policy.client_ttl,
                    policy.max_clients,
                )
                .await?
            {
                return Ok(false);
            }
            store
                .put_record(
                    Namespace::Client,
                    &record.client_id,
                    &record,
                    Some(policy.client_ttl),
                )
                .await
                .map(|()| true)
        };
        match stored.await {
            Ok(true) => {}
            Ok(false) => {
                tracing::warn!(
                    max = policy.max_clients,
                    "client registration refused: the server holds as many registrations as it may"
                );
                let mut resp = respond::oauth_error(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "temporarily_unavailable",
                    "the server holds as many client registrations as it may; unused ones expire",
                );
                resp.headers_mut().insert(
                    http::header::RETRY_AFTER,
                    http::HeaderValue::from_static("3600"),
                );
                return resp;
            }
            Err(e) => {
                tracing::error!(error = %e, "client registration not stored");
                return respond::oauth_error(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "temporarily_unavailable",
                    "the store is unavailable",
                );
            }
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
            "application_type": record.application_type.as_str(),
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

/// RFC 7591 section 3: a registration without the initial access token the server requires gets
/// the error of RFC 6750.
fn initial_access_token_required() -> Response<Bytes> {
    let mut resp = respond::oauth_error(
        StatusCode::UNAUTHORIZED,
        "invalid_token",
        "registering a client needs this server's initial access token",
    );
    resp.headers_mut().insert(
        http::header::WWW_AUTHENTICATE,
        http::HeaderValue::from_static("Bearer error=\"invalid_token\""),
    );
    resp
}
