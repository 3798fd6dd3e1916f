//! The state and the OAuth logic of one provider, independent of HTTP.

use std::collections::HashMap;
use std::sync::atomic::AtomicU64;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use hyper::StatusCode;
use serde_json::{Value, json};
use url::Url;

use crate::builder::ProviderSpec;
use crate::faults::Faults;
use crate::util;

/// How long a consent page stays answerable.
const PENDING_TTL: Duration = Duration::from_secs(600);
/// The user name when the form (or `demo_user`) gives none.
pub(crate) const DEFAULT_USER: &str = "demo-user";

/// An OAuth error response of the token, revocation or resource endpoints.
#[derive(Debug)]
pub(crate) struct OAuthError {
    pub(crate) status: StatusCode,
    pub(crate) code: &'static str,
    pub(crate) description: String,
}

impl OAuthError {
    pub(crate) fn new(
        status: StatusCode,
        code: &'static str,
        description: impl Into<String>,
    ) -> Self {
        OAuthError {
            status,
            code,
            description: description.into(),
        }
    }

    pub(crate) fn invalid_request(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", description)
    }

    pub(crate) fn invalid_grant(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_grant", description)
    }

    pub(crate) fn invalid_client(description: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "invalid_client", description)
    }

    pub(crate) fn body(&self) -> Value {
        json!({ "error": self.code, "error_description": self.description })
    }
}

/// A pre-registered client, parsed.
#[derive(Debug)]
pub(crate) struct Client {
    pub(crate) secret: Option<String>,
    pub(crate) redirect_uris: Vec<Url>,
}

/// A validated authorization request.
#[derive(Debug, Clone)]
pub(crate) struct AuthzRequest {
    pub(crate) client_id: String,
    /// Where to send the user back.
    pub(crate) redirect_uri: Url,
    /// The `redirect_uri` parameter exactly as sent, if it was.
    pub(crate) redirect_uri_sent: Option<String>,
    pub(crate) scopes: Vec<String>,
    pub(crate) state: Option<String>,
    pub(crate) code_challenge: Option<String>,
}

/// Why `/authorize` failed.
#[derive(Debug)]
pub(crate) enum AuthorizeError {
    /// The client or redirect URI cannot be trusted: tell the user, never redirect.
    NoRedirect(String),
    /// Report to the client through its redirect URI.
    Redirect(Url),
}

#[derive(Debug)]
struct Pending {
    request: AuthzRequest,
    expires: Instant,
}

#[derive(Debug)]
struct Code {
    client_id: String,
    redirect_uri_sent: Option<String>,
    scopes: Vec<String>,
    user: String,
    code_challenge: Option<String>,
    expires: Instant,
    grant: u64,
    used: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct TokenInfo {
    pub(crate) client_id: String,
    pub(crate) user: String,
    pub(crate) scopes: Vec<String>,
    expires: Instant,
    grant: u64,
}

#[derive(Debug, Default)]
struct Store {
    pending: HashMap<String, Pending>,
    codes: HashMap<String, Code>,
    access: HashMap<String, TokenInfo>,
    refresh: HashMap<String, TokenInfo>,
    next_grant: u64,
}

impl Store {
    fn purge(&mut self, now: Instant) {
        self.pending.retain(|_, p| p.expires > now);
        self.codes.retain(|_, c| c.expires > now);
        self.access.retain(|_, t| t.expires > now);
        self.refresh.retain(|_, t| t.expires > now);
    }

    fn revoke_grant(&mut self, grant: u64) {
        self.access.retain(|_, t| t.grant != grant);
        self.refresh.retain(|_, t| t.grant != grant);
    }
}

/// One running provider.
#[derive(Debug)]
pub(crate) struct Provider {
    pub(crate) spec: ProviderSpec,
    pub(crate) issuer: String,
    pub(crate) clients: HashMap<String, Client>,
    pub(crate) accept_any_loopback: bool,
    pub(crate) code_ttl: Duration,
    pub(crate) faults: Faults,
    pub(crate) token_requests: AtomicU64,
    pub(crate) refresh_requests: AtomicU64,
    pub(crate) authorize_requests: AtomicU64,
    pub(crate) collection: crate::rest::Collection,
    store: Mutex<Store>,
}

impl Provider {
    pub(crate) fn new(
        spec: ProviderSpec,
        issuer: String,
        clients: HashMap<String, Client>,
        accept_any_loopback: bool,
        code_ttl: Duration,
        faults: Faults,
    ) -> Self {
        Provider {
            spec,
            issuer,
            clients,
            accept_any_loopback,
            code_ttl,
            faults,
            token_requests: AtomicU64::new(0),
            refresh_requests: AtomicU64::new(0),
            authorize_requests: AtomicU64::new(0),
            collection: crate::rest::Collection::default(),
            store: Mutex::new(Store::default()),
        }
    }

    fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn id(&self) -> &str {
        self.spec.id()
    }

    pub(crate) fn endpoint(&self, path: &str) -> String {
        format!("{}/{path}", self.issuer)
    }

    /// The RFC 8414 metadata document.
    pub(crate) fn metadata(&self) -> Value {
        json!({
            "issuer": self.issuer,
            "authorization_endpoint": self.endpoint("authorize"),
            "token_endpoint": self.endpoint("token"),
            "revocation_endpoint": self.endpoint("revoke"),
            "scopes_supported": self.spec.scopes(),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported":
                ["client_secret_post", "client_secret_basic", "none"],
            "revocation_endpoint_auth_methods_supported":
                ["client_secret_post", "client_secret_basic", "none"],
            "authorization_response_iss_parameter_supported": true,
            "service_documentation": self.issuer,
            "frontmcp_demo": true,
        })
    }

    // ----- authorization endpoint -------------------------------------------------

    /// Picks the redirect URI, or says why none can be trusted.
    fn resolve_redirect(&self, client_id: &str, sent: Option<&str>) -> Result<Url, String> {
        let parsed = match sent {
            Some(s) => {
                let url = Url::parse(s)
                    .map_err(|e| format!("redirect_uri is not a valid absolute URI: {e}"))?;
                if url.fragment().is_some() {
                    return Err("redirect_uri must not contain a fragment".to_owned());
                }
                Some(url)
            }
            None => None,
        };
        match self.clients.get(client_id) {
            Some(client) if !client.redirect_uris.is_empty() => match parsed {
                Some(url) => {
                    if client
                        .redirect_uris
                        .iter()
                        .any(|r| util::redirect_matches(r, &url))
                    {
                        Ok(url)
                    } else {
                        Err(format!(
                            "redirect_uri {url} is not registered for client {client_id}"
                        ))
                    }
                }
                None if client.redirect_uris.len() == 1 => Ok(client.redirect_uris[0].clone()),
                None => Err("redirect_uri is required: the client registered several".to_owned()),
            },
            // Registered without redirect URIs, or unknown in permissive mode:
            // any loopback redirect URI.
            Some(_) => Self::loopback_only(parsed),
            None if self.accept_any_loopback => Self::loopback_only(parsed),
            None => Err(format!("unknown client_id {client_id:?}")),
        }
    }

    fn loopback_only(parsed: Option<Url>) -> Result<Url, String> {
        match parsed {
            Some(url) if util::is_loopback(&url) => Ok(url),
            Some(url) => Err(format!(
                "redirect_uri {url} is not allowed: this client may only use loopback \
                 redirect URIs (http://127.0.0.1:*/..., http://localhost:*/...)"
            )),
            None => Err("redirect_uri is required".to_owned()),
        }
    }

    /// Validates an authorization request (RFC 6749 §4.1.1, RFC 7636 §4.3).
    pub(crate) fn validate_authorize(
        &self,
        params: &HashMap<String, String>,
    ) -> Result<AuthzRequest, AuthorizeError> {
        let client_id = params
            .get("client_id")
            .ok_or_else(|| AuthorizeError::NoRedirect("client_id is required".to_owned()))?;
        let redirect_uri_sent = params.get("redirect_uri").cloned();
        let redirect_uri = self
            .resolve_redirect(client_id, redirect_uri_sent.as_deref())
            .map_err(AuthorizeError::NoRedirect)?;
        let state = params.get("state").cloned();
        let fail = |code: &str, description: &str| {
            AuthorizeError::Redirect(self.error_redirect(
                &redirect_uri,
                state.as_deref(),
                code,
                description,
            ))
        };

        match params.get("response_type").map(String::as_str) {
            Some("code") => {}
            Some(_) => {
                return Err(fail(
                    "unsupported_response_type",
                    "only response_type=code is supported",
                ));
            }
            None => return Err(fail("invalid_request", "response_type is required")),
        }

        let scopes = match params.get("scope") {
            Some(s) => util::split_scopes(s),
            None => Vec::new(),
        };
        let scopes = if scopes.is_empty() {
            self.spec.scopes().to_vec()
        } else {
            if let Some(bad) = scopes.iter().find(|s| !self.spec.scopes().contains(s)) {
                return Err(fail(
                    "invalid_scope",
                    &format!(
                        "unknown scope {bad:?}; supported: {}",
                        self.spec.scopes().join(" ")
                    ),
                ));
            }
            scopes
        };

        let code_challenge = match (
            params.get("code_challenge"),
            params.get("code_challenge_method").map(String::as_str),
        ) {
            (None, None) => None,
            (None, Some(_)) => {
                return Err(fail(
                    "invalid_request",
                    "code_challenge_method without code_challenge",
                ));
            }
            (Some(challenge), Some("S256")) => {
                if !util::is_valid_challenge(challenge) {
                    return Err(fail(
                        "invalid_request",
                        "code_challenge must be BASE64URL(SHA256(code_verifier)): 43 characters",
                    ));
                }
                Some(challenge.clone())
            }
            (Some(_), _) => {
                return Err(fail(
                    "invalid_request",
                    "code_challenge_method must be S256 (plain is not supported)",
                ));
            }
        };

        Ok(AuthzRequest {
            client_id: client_id.clone(),
            redirect_uri,
            redirect_uri_sent,
            scopes,
            state,
            code_challenge,
        })
    }

    /// The redirect carrying an error (RFC 6749 §4.1.2.1) and `iss` (RFC 9207).
    pub(crate) fn error_redirect(
        &self,
        redirect_uri: &Url,
        state: Option<&str>,
        code: &str,
        description: &str,
    ) -> Url {
        let mut url = redirect_uri.clone();
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("error", code);
            q.append_pair("error_description", description);
            if let Some(state) = state {
                q.append_pair("state", state);
            }
            q.append_pair("iss", &self.issuer);
        }
        url
    }

    /// Issues a code for `request` on behalf of `user`; returns the redirect.
    pub(crate) fn approve(&self, request: &AuthzRequest, user: &str) -> Url {
        let code = util::random_token(&format!("demo_{}_code_", self.id()), 24);
        let now = Instant::now();
        {
            let mut store = self.store();
            store.purge(now);
            store.next_grant += 1;
            let grant = store.next_grant;
            store.codes.insert(
                code.clone(),
                Code {
                    client_id: request.client_id.clone(),
                    redirect_uri_sent: request.redirect_uri_sent.clone(),
                    scopes: request.scopes.clone(),
                    user: user.to_owned(),
                    code_challenge: request.code_challenge.clone(),
                    expires: now + self.code_ttl,
                    grant,
                    used: false,
                },
            );
        }
        tracing::info!(provider = self.id(), client_id = %request.client_id, user, scopes = %request.scopes.join(" "), "demo provider: authorization approved");
        let mut url = request.redirect_uri.clone();
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("code", &code);
            if let Some(state) = &request.state {
                q.append_pair("state", state);
            }
            q.append_pair("iss", &self.issuer);
        }
        url
    }

    /// The redirect for a refusal.
    pub(crate) fn deny(&self, request: &AuthzRequest, why: &str) -> Url {
        tracing::info!(provider = self.id(), client_id = %request.client_id, "demo provider: authorization denied ({why})");
        self.error_redirect(
            &request.redirect_uri,
            request.state.as_deref(),
            "access_denied",
            why,
        )
    }

    /// Remembers a request awaiting the user's decision; returns its id.
    pub(crate) fn store_pending(&self, request: AuthzRequest) -> String {
        let id = util::random_token("req_", 18);
        let now = Instant::now();
        let mut store = self.store();
        store.purge(now);
        store.pending.insert(
            id.clone(),
            Pending {
                request,
                expires: now + PENDING_TTL,
            },
        );
        id
    }

    /// Takes (and forgets) a pending request.
    pub(crate) fn take_pending(&self, id: &str) -> Option<AuthzRequest> {
        let mut store = self.store();
        store.purge(Instant::now());
        store.pending.remove(id).map(|p| p.request)
    }

    // ----- token endpoint ---------------------------------------------------------

    /// Client authentication (RFC 6749 §2.3): `client_secret_basic`,
    /// `client_secret_post` or `none`. Returns the authenticated client id.
    pub(crate) fn authenticate_client(
        &self,
        basic: Option<(String, String)>,
        params: &HashMap<String, String>,
    ) -> Result<String, OAuthError> {
        let post_id = params.get("client_id");
        let post_secret = params.get("client_secret");
        let (client_id, secret) = match basic {
            Some((id, secret)) => {
                if post_secret.is_some() {
                    return Err(OAuthError::invalid_request(
                        "use one client authentication method, not both Basic and client_secret",
                    ));
                }
                if post_id.is_some_and(|p| *p != id) {
                    return Err(OAuthError::invalid_client(
                        "client_id differs from the Basic credentials",
                    ));
                }
                (id, Some(secret))
            }
            None => match post_id {
                Some(id) => (id.clone(), post_secret.cloned()),
                None => {
                    return Err(OAuthError::invalid_client(
                        "client authentication failed: no client_id",
                    ));
                }
            },
        };
        match self.clients.get(&client_id) {
            Some(Client {
                secret: Some(expected),
                ..
            }) => match secret {
                Some(s) if util::constant_time_eq(&s, expected) => Ok(client_id),
                Some(_) => Err(OAuthError::invalid_client(
                    "client authentication failed: wrong secret",
                )),
                None => Err(OAuthError::invalid_client(
                    "client authentication failed: this client must send its secret",
                )),
            },
            Some(_) => Ok(client_id),
            None if self.accept_any_loopback => Ok(client_id),
            None => Err(OAuthError::invalid_client(format!(
                "unknown client {client_id:?}"
            ))),
        }
    }

    /// Issues an access token (with `access_scopes`) and a refresh token
    /// (with the scopes of `grant`), both bound to `grant`'s client, user and
    /// grant id. `grant.expires` is ignored.
    fn issue(
        &self,
        store: &mut Store,
        grant: &TokenInfo,
        access_scopes: &[String],
        now: Instant,
    ) -> Value {
        let access = util::random_token(&format!("demo_{}_at_", self.id()), 32);
        let refresh = util::random_token(&format!("demo_{}_rt_", self.id()), 32);
        let access_ttl = self.spec.access_token_ttl();
        store.access.insert(
            access.clone(),
            TokenInfo {
                scopes: access_scopes.to_vec(),
                expires: now + access_ttl,
                ..grant.clone()
            },
        );
        store.refresh.insert(
            refresh.clone(),
            TokenInfo {
                expires: now + self.spec.refresh_token_ttl(),
                ..grant.clone()
            },
        );
        json!({
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": access_ttl.as_secs().max(1),
            "refresh_token": refresh,
            "scope": access_scopes.join(" "),
        })
    }

    /// The `authorization_code` grant (RFC 6749 §4.1.3, RFC 7636 §4.6).
    pub(crate) fn exchange_code(
        &self,
        client_id: &str,
        params: &HashMap<String, String>,
    ) -> Result<Value, OAuthError> {
        let code = params
            .get("code")
            .ok_or_else(|| OAuthError::invalid_request("code is required"))?;
        let now = Instant::now();
        let mut store = self.store();
        store.purge(now);
        let Some(entry) = store.codes.get_mut(code) else {
            return Err(OAuthError::invalid_grant(
                "unknown or expired authorization code",
            ));
        };
        if entry.used {
            let grant = entry.grant;
            store.revoke_grant(grant);
            tracing::warn!(
                provider = self.id(),
                "demo provider: authorization code reused; its tokens are revoked"
            );
            return Err(OAuthError::invalid_grant(
                "authorization code already used; tokens issued from it are revoked",
            ));
        }
        // Single use: any presentation consumes the code, even a failed one.
        entry.used = true;
        if entry.client_id != client_id {
            return Err(OAuthError::invalid_grant(
                "authorization code was issued to another client",
            ));
        }
        match (params.get("redirect_uri"), &entry.redirect_uri_sent) {
            (Some(sent), Some(expected)) if sent != expected => {
                return Err(OAuthError::invalid_grant(
                    "redirect_uri does not match the authorization request",
                ));
            }
            (Some(_), None) => {
                return Err(OAuthError::invalid_grant(
                    "redirect_uri was not part of the authorization request",
                ));
            }
            (None, Some(_)) => {
                return Err(OAuthError::invalid_grant(
                    "redirect_uri is required (it was sent to the authorization endpoint)",
                ));
            }
            _ => {}
        }
        match (&entry.code_challenge, params.get("code_verifier")) {
            (Some(challenge), Some(verifier)) => {
                if !util::is_valid_verifier(verifier)
                    || util::s256_challenge(verifier) != *challenge
                {
                    return Err(OAuthError::invalid_grant("PKCE verification failed"));
                }
            }
            (Some(_), None) => {
                return Err(OAuthError::invalid_grant(
                    "code_verifier is required (PKCE)",
                ));
            }
            (None, Some(_)) => {
                return Err(OAuthError::invalid_grant(
                    "code_verifier sent, but the authorization request had no code_challenge",
                ));
            }
            (None, None) => {}
        }
        let grant = TokenInfo {
            client_id: client_id.to_owned(),
            user: entry.user.clone(),
            scopes: entry.scopes.clone(),
            expires: now,
            grant: entry.grant,
        };
        let body = self.issue(&mut store, &grant, &grant.scopes, now);
        tracing::info!(
            provider = self.id(),
            client_id,
            user = %grant.user,
            "demo provider: code exchanged for tokens"
        );
        Ok(body)
    }

    /// The `refresh_token` grant with rotation (RFC 6749 §6, OAuth 2.1 §4.3).
    pub(crate) fn refresh(
        &self,
        client_id: &str,
        params: &HashMap<String, String>,
    ) -> Result<Value, OAuthError> {
        let token = params
            .get("refresh_token")
            .ok_or_else(|| OAuthError::invalid_request("refresh_token is required"))?;
        let now = Instant::now();
        let mut store = self.store();
        store.purge(now);
        let Some(info) = store.refresh.get(token).cloned() else {
            return Err(OAuthError::invalid_grant(
                "unknown, already rotated, revoked or expired refresh token",
            ));
        };
        if info.client_id != client_id {
            return Err(OAuthError::invalid_grant(
                "refresh token was issued to another client",
            ));
        }
        let access_scopes = match params.get("scope").map(|s| util::split_scopes(s)) {
            Some(requested) if !requested.is_empty() => {
                if let Some(bad) = requested.iter().find(|s| !info.scopes.contains(s)) {
                    return Err(OAuthError::new(
                        StatusCode::BAD_REQUEST,
                        "invalid_scope",
                        format!("scope {bad:?} was not granted"),
                    ));
                }
                requested
            }
            _ => info.scopes.clone(),
        };
        store.refresh.remove(token);
        let body = self.issue(&mut store, &info, &access_scopes, now);
        tracing::info!(provider = self.id(), client_id, user = %info.user, "demo provider: refresh token rotated");
        Ok(body)
    }

    /// RFC 7009 revocation. Unknown tokens are not an error.
    pub(crate) fn revoke(&self, client_id: &str, token: &str) -> Result<(), OAuthError> {
        let mut store = self.store();
        store.purge(Instant::now());
        if let Some(info) = store.access.get(token) {
            if info.client_id != client_id {
                return Err(OAuthError::invalid_request(
                    "token was issued to another client",
                ));
            }
            store.access.remove(token);
        } else if let Some(info) = store.refresh.get(token) {
            if info.client_id != client_id {
                return Err(OAuthError::invalid_request(
                    "token was issued to another client",
                ));
            }
            // RFC 7009 §2.1: revoking a refresh token revokes its grant's access tokens.
            let grant = info.grant;
            store.revoke_grant(grant);
        }
        Ok(())
    }

    /// Forgets every access and refresh token.
    pub(crate) fn revoke_all(&self) {
        let mut store = self.store();
        store.access.clear();
        store.refresh.clear();
        tracing::info!(provider = self.id(), "demo provider: all tokens revoked");
    }

    // ----- resource API -----------------------------------------------------------

    /// The live access token's details, if any.
    pub(crate) fn check_access(&self, token: &str) -> Option<TokenInfo> {
        let mut store = self.store();
        store.purge(Instant::now());
        store.access.get(token).cloned()
    }
}
