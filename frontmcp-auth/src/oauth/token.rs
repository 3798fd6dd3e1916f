//! `POST /oauth/token` (authorization code with PKCE, refresh token rotation) and
//! `POST /oauth/revoke` (RFC 7009).

use std::time::Duration;

use base64::Engine;
use bytes::Bytes;
use http::header::{self, HeaderMap};
use http::{Request, Response, StatusCode};
use serde_json::json;

use super::authorize::Params;
use super::clients::ClientError;
use super::records::{ClientRecord, CodeRecord, RefreshRecord};
use super::{AuthServer, MAX_BODY_BYTES, respond};
use crate::consent::AppStatus;
use crate::random;
use crate::session::SessionRecord;
use crate::store::{Namespace, StoreExt};
use crate::tokens::{SessionClaims, now_secs};

fn invalid_grant(description: &str) -> Response<Bytes> {
    respond::oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", description)
}

fn unavailable(e: &dyn std::fmt::Display) -> Response<Bytes> {
    tracing::error!(error = %e, "store unavailable at the token endpoint");
    respond::oauth_error(
        StatusCode::SERVICE_UNAVAILABLE,
        "temporarily_unavailable",
        "the store is unavailable; retry",
    )
}

/// How long a redeemed code is remembered, so a replay revokes what its first redemption issued
/// (OAuth 2.1 section 4.1.3). Codes live 60 s by default; replays come soon after, if at all.
const USED_CODE_TTL: Duration = Duration::from_secs(600);

/// RFC 7636: 43 to 128 characters of `[A-Za-z0-9-._~]`.
fn is_valid_verifier(v: &str) -> bool {
    (43..=128).contains(&v.len())
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
}

impl AuthServer {
    pub(crate) async fn token(&self, req: Request<Bytes>) -> Response<Bytes> {
        let (form, client) = match self.client_form(&req).await {
            Ok(found) => found,
            Err(resp) => return resp,
        };
        match form.one("grant_type") {
            Ok(Some("authorization_code")) => self.redeem_code(&client, &form).await,
            Ok(Some("refresh_token")) => self.refresh(&client, &form).await,
            Ok(Some(_)) => respond::oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "use authorization_code or refresh_token",
            ),
            _ => respond::oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "grant_type is missing or repeated",
            ),
        }
    }

    /// A token-endpoint-style form (bounded) and the client it authenticates, within the rate
    /// limits per client IP and per client.
    async fn client_form(
        &self,
        req: &Request<Bytes>,
    ) -> Result<(Params, ClientRecord), Response<Bytes>> {
        let limits = &self.inner.config.rate_limits;
        let ip = self.client_ip(req.extensions(), req.headers());
        self.limit_ip("token-ip", ip, limits.token_per_ip)
            .await
            .map_err(respond::too_many_requests)?;
        if req.body().len() > MAX_BODY_BYTES {
            return Err(respond::oauth_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "invalid_request",
                "request too large",
            ));
        }
        let form = Params::parse(req.body());
        let client = self.authenticate_client(req.headers(), &form, ip).await?;
        self.limit_name("token-client", &client.client_id, limits.token_per_client)
            .await
            .map_err(respond::too_many_requests)?;
        Ok((form, client))
    }

    /// The client, authenticated by its secret (Basic or form) or, for public clients, by its ID.
    async fn authenticate_client(
        &self,
        headers: &HeaderMap,
        form: &Params,
        ip: Option<std::net::IpAddr>,
    ) -> Result<ClientRecord, Response<Bytes>> {
        let invalid = || {
            respond::oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "client authentication failed",
            )
        };
        let basic = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Basic "))
            .and_then(|b| {
                base64::engine::general_purpose::STANDARD
                    .decode(b.trim())
                    .ok()
            })
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|pair| {
                let (id, secret) = pair.split_once(':')?;
                let decode = |s: &str| {
                    form_urlencoded::parse(format!("x={s}").as_bytes())
                        .next()
                        .map(|(_, v)| v.into_owned())
                };
                Some((decode(id)?, decode(secret)?))
            });
        let (client_id, secret) = match (&basic, form.one("client_id"), form.one("client_secret")) {
            (Some((id, secret)), _, _) => (id.clone(), Some(secret.clone())),
            (None, Ok(Some(id)), Ok(secret)) => (id.to_owned(), secret.map(str::to_owned)),
            _ => return Err(invalid()),
        };
        let client = match self.client(&client_id, ip).await {
            Ok(client) => client,
            Err(ClientError::Unknown) => return Err(invalid()),
            Err(ClientError::Document(e)) => {
                tracing::warn!(error = %e, "a client's metadata document refused at the token endpoint");
                return Err(invalid());
            }
            Err(ClientError::Store(e)) => return Err(unavailable(&e)),
        };
        match (&client.secret_hash, secret) {
            (None, _) => Ok(client),
            (Some(hash), Some(secret))
                if random::constant_time_eq(&random::digest(secret.as_bytes()), hash) =>
            {
                Ok(client)
            }
            _ => Err(invalid()),
        }
    }

    async fn redeem_code(&self, client: &ClientRecord, form: &Params) -> Response<Bytes> {
        let (Ok(Some(code)), Ok(verifier), Ok(redirect_uri), Ok(resource)) = (
            form.one("code"),
            form.one("code_verifier"),
            form.one("redirect_uri"),
            form.one("resource"),
        ) else {
            return respond::oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "code is missing, or a parameter is repeated",
            );
        };
        let store = &self.inner.store;
        let hash = random::digest(code.as_bytes());
        // Taken atomically: of two concurrent redemptions exactly one gets the record.
        let record = match store
            .take_record::<CodeRecord>(Namespace::Code, &hash)
            .await
        {
            Ok(Some(record)) => record,
            Ok(None) => return self.replayed_code(&hash).await,
            Err(e) => return unavailable(&e),
        };
        if record.client_id != client.client_id {
            return invalid_grant("the code was issued to another client");
        }
        if redirect_uri.is_some_and(|r| r != record.redirect_uri) {
            return invalid_grant("redirect_uri differs from the authorization request's");
        }
        let Some(verifier) = verifier.filter(|v| is_valid_verifier(v)) else {
            return invalid_grant("a valid code_verifier (PKCE) is required");
        };
        if !random::constant_time_eq(&random::digest(verifier.as_bytes()), &record.code_challenge) {
            return invalid_grant("PKCE verification failed");
        }
        if resource.is_some_and(|r| r.trim_end_matches('/') != record.resource) {
            return respond::oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_target",
                "the resource differs from the authorization request's",
            );
        }
        let refresh = RefreshRecord {
            family: random::id(),
            client_id: client.client_id.clone(),
            session_id: record.session_id,
            scopes: record.scopes,
            resource: record.resource,
        };
        // A replay of this code later revokes what this redemption issues.
        let used = format!("{} {}", refresh.family, refresh.session_id);
        if let Err(e) = store
            .put(
                Namespace::CodeUsed,
                &hash,
                used.as_bytes(),
                Some(USED_CODE_TTL),
            )
            .await
        {
            return unavailable(&e);
        }
        self.issue(refresh).await
    }

    /// A code that is not (or no longer) redeemable. One redeemed already was stolen, or its
    /// first redemption was: the grant it issued is revoked and its session ended.
    async fn replayed_code(&self, hash: &str) -> Response<Bytes> {
        let store = &self.inner.store;
        let used = match store.take(Namespace::CodeUsed, hash).await {
            Ok(Some(used)) => String::from_utf8_lossy(&used).into_owned(),
            Ok(None) => return invalid_grant("the code is invalid, expired or already used"),
            Err(e) => return unavailable(&e),
        };
        let Some((family, session_id)) = used.split_once(' ') else {
            return invalid_grant("the code is invalid, expired or already used");
        };
        if let Err(e) = store
            .put(
                Namespace::RevokedFamily,
                family,
                b"code-replay",
                Some(self.inner.config.refresh_token_ttl),
            )
            .await
        {
            return unavailable(&e);
        }
        tracing::warn!("authorization code replayed: what it issued is revoked");
        self.end_session(session_id).await;
        invalid_grant("the code was already used; the tokens issued for it are revoked")
    }

    async fn refresh(&self, client: &ClientRecord, form: &Params) -> Response<Bytes> {
        let Ok(Some(token)) = form.one("refresh_token") else {
            return respond::oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "refresh_token is missing or repeated",
            );
        };
        let store = &self.inner.store;
        let hash = random::digest(token.as_bytes());
        let record = match store
            .take_record::<RefreshRecord>(Namespace::Refresh, &hash)
            .await
        {
            Ok(Some(record)) => record,
            Ok(None) => {
                // A token that was already rotated is being replayed: whoever holds the family is
                // compromised, so the whole family goes.
                return match store.get(Namespace::RefreshUsed, &hash).await {
                    Ok(Some(used)) => {
                        let used = String::from_utf8_lossy(&used).into_owned();
                        let (family, session_id) = used
                            .split_once(' ')
                            .map_or((used.as_str(), None), |(f, s)| (f, Some(s)));
                        let family = family.to_owned();
                        if let Err(e) = store
                            .put(
                                Namespace::RevokedFamily,
                                &family,
                                b"reuse",
                                Some(self.inner.config.refresh_token_ttl),
                            )
                            .await
                        {
                            return unavailable(&e);
                        }
                        tracing::warn!("refresh token reuse detected: its family is revoked");
                        if let Some(session_id) = session_id {
                            self.end_session(session_id).await;
                        }
                        invalid_grant("the refresh token was already used; its grant is revoked")
                    }
                    Ok(None) => invalid_grant("the refresh token is invalid or expired"),
                    Err(e) => unavailable(&e),
                };
            }
            Err(e) => return unavailable(&e),
        };
        let ttl = Some(self.inner.config.refresh_token_ttl);
        // Reuse of this token later revokes its family and ends its session.
        let used = format!("{} {}", record.family, record.session_id);
        if let Err(e) = store
            .put(Namespace::RefreshUsed, &hash, used.as_bytes(), ttl)
            .await
        {
            return unavailable(&e);
        }
        match store.get(Namespace::RevokedFamily, &record.family).await {
            Ok(None) => {}
            Ok(Some(_)) => return invalid_grant("the grant was revoked"),
            Err(e) => return unavailable(&e),
        }
        if record.client_id != client.client_id {
            return invalid_grant("the refresh token was issued to another client");
        }
        self.issue(record).await
    }

    /// Signs an access token from the session and stores a new refresh token of `refresh`'s family.
    async fn issue(&self, refresh: RefreshRecord) -> Response<Bytes> {
        let config = &self.inner.config;
        let store = &self.inner.store;
        let session = match store
            .get_record::<SessionRecord>(Namespace::Session, &refresh.session_id)
            .await
        {
            Ok(Some(session)) => session,
            Ok(None) => return invalid_grant("the session has ended"),
            Err(e) => return unavailable(&e),
        };
        let (authorized_apps, pending_apps) = self.session_apps(&session).await;
        let now = now_secs();
        let claims = SessionClaims {
            sub: session.sub,
            iss: config.issuer.clone(),
            aud: refresh.resource.clone(),
            iat: now,
            exp: now + config.access_token_ttl.as_secs(),
            jti: random::id(),
            client_id: refresh.client_id.clone(),
            session_id: session.session_id,
            authorized_apps,
            pending_apps,
            scopes: refresh.scopes.clone(),
            selected_tools: session
                .selection
                .filter(|s| !s.all_selected)
                .map(|s| s.selected_tools),
        };
        let access_token = self.inner.signer.sign(&claims);
        let refresh_token = random::token();
        let hash = random::digest(refresh_token.as_bytes());
        if let Err(e) = store
            .put_record(
                Namespace::Refresh,
                &hash,
                &refresh,
                Some(config.refresh_token_ttl),
            )
            .await
        {
            return unavailable(&e);
        }
        respond::json(
            StatusCode::OK,
            &json!({
                "access_token": access_token,
                "token_type": "Bearer",
                "expires_in": config.access_token_ttl.as_secs(),
                "refresh_token": refresh_token,
                "scope": refresh.scopes.join(" "),
            }),
        )
    }

    /// The apps a session holds now, and the ones it offered that it does not: apps covered by
    /// the sign-in count as the user decided on the consent screen, apps with their own provider
    /// as the vault says (one read per such app). The claims are a snapshot the runtime does not
    /// rely on for those apps, so when the vault does not answer, the consent decisions stand in
    /// rather than failing a token request whose refresh token is already spent.
    pub(crate) async fn session_apps(&self, session: &SessionRecord) -> (Vec<String>, Vec<String>) {
        let apps = &self.inner.config.apps;
        let held = self
            .inner
            .progressive
            .held_apps(&session.session_id)
            .await
            .unwrap_or_else(|e| {
                tracing::warn!(error = %e, "token claims from the consent decisions: the vault did not answer");
                session.authorized_apps.clone()
            });
        let (mut authorized, mut pending) = (Vec::new(), Vec::new());
        for app in apps {
            match session.standing(app, held.contains(&app.id)) {
                Some(AppStatus::Authorized) => authorized.push(app.id.clone()),
                Some(_) => pending.push(app.id.clone()),
                None => {}
            }
        }
        (authorized, pending)
    }

    /// `POST /oauth/revoke` (RFC 7009). With `app={id}`, the token (an access or refresh token of
    /// the calling client) names a session, and that session's tokens for the app are dropped
    /// from the vault and revoked at the app's provider.
    pub(crate) async fn revoke(&self, req: Request<Bytes>) -> Response<Bytes> {
        let (form, client) = match self.client_form(&req).await {
            Ok(found) => found,
            Err(resp) => return resp,
        };
        let (Ok(Some(token)), Ok(app)) = (form.one("token"), form.one("app")) else {
            return respond::oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "token is missing, or a parameter is repeated",
            );
        };
        let store = &self.inner.store;
        let hash = random::digest(token.as_bytes());
        let refresh = match store
            .get_record::<RefreshRecord>(Namespace::Refresh, &hash)
            .await
        {
            Ok(record) => record.filter(|r| r.client_id == client.client_id),
            Err(e) => return unavailable(&e),
        };
        if let Some(app) = app {
            if !self
                .inner
                .config
                .app(app)
                .is_some_and(|a| a.needs_upstream())
            {
                return respond::oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "app names no app with its own provider",
                );
            }
            let session_id = refresh.map(|r| r.session_id).or_else(|| {
                let config = &self.inner.config;
                self.inner
                    .signer
                    .verify(token, &config.issuer, &config.resource())
                    .ok()
                    .filter(|claims| claims.client_id == client.client_id)
                    .map(|claims| claims.session_id)
            });
            // RFC 7009: a token that names nothing is not an error.
            if let Some(session_id) = session_id {
                if self.revoke_app(&session_id, app).await.is_err() {
                    return unavailable(&"the vault did not answer");
                }
            }
            return revoked();
        }
        if let Some(record) = refresh {
            let ttl = Some(self.inner.config.refresh_token_ttl);
            if let Err(e) = store
                .put(Namespace::RevokedFamily, &record.family, b"revoked", ttl)
                .await
            {
                return unavailable(&e);
            }
            if let Err(e) = store.delete(Namespace::Refresh, &hash).await {
                return unavailable(&e);
            }
            tracing::info!("refresh token revoked");
            self.end_session(&record.session_id).await;
        }
        // RFC 7009: unknown tokens (and access tokens, which expire on their own) answer 200 too.
        revoked()
    }
}

/// The answer to a revocation request.
fn revoked() -> Response<Bytes> {
    let mut resp = Response::new(Bytes::new());
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        http::HeaderValue::from_static("no-store"),
    );
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifier_rules() {
        assert!(is_valid_verifier(&"a".repeat(43)));
        assert!(is_valid_verifier(&"a-._~".repeat(20)));
        assert!(!is_valid_verifier(&"a".repeat(42)));
        assert!(!is_valid_verifier(&"a".repeat(129)));
        assert!(!is_valid_verifier(&format!("{}+", "a".repeat(43))));
    }
}
