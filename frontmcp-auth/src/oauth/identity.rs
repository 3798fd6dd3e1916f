//! Signing users in at an OpenID Connect provider instead of the login form
//! (`auth(type = "remote", remote(...))`): the server stays the authorization server of its MCP
//! clients and of progressive authorization; only "who is this user" is asked elsewhere.
//!
//! The browser goes to the provider's authorization endpoint with PKCE S256, a single-use
//! `state` (whose record, sealed, holds the verifier and the `nonce`) and the flow's CSRF cookie;
//! the provider sends it back to `/oauth/signin/callback`, where the answer's `iss` (RFC 9207),
//! the code exchange and the ID token (signature by the provider's JWKS, `iss`, `aud`, `azp`,
//! `exp`, `nonce`) are checked. The ID token's `sub` is the user.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use jsonwebtoken::jwk::{AlgorithmParameters, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::{Deserialize, Serialize};
use tokio::sync::OnceCell;

use super::authorize::Params;
use super::records::{Flow, PendingRecord};
use super::{AuthServer, respond};
use crate::random;
use crate::store::Namespace;
use crate::upstream::{ClientCredentials, ProviderEndpoints, UpstreamError};

/// The OpenID provider users sign in at.
#[derive(Debug, Clone)]
pub struct IdentityProvider {
    /// Its issuer; its endpoints come from its discovery document unless
    /// [`endpoints`](Self::endpoints) gives them.
    pub issuer: String,
    /// The server's client registration at the provider (its redirect URI is
    /// `{issuer}/oauth/signin/callback` of this server).
    pub credentials: ClientCredentials,
    /// The scopes asked; `openid` is always asked.
    pub scopes: Vec<String>,
    /// Its endpoints (with `jwks_uri`), when configured rather than discovered.
    pub endpoints: Option<ProviderEndpoints>,
}

/// The provider, its endpoints once discovered, and its signing keys once fetched.
pub(crate) struct Identity {
    provider: IdentityProvider,
    endpoints: OnceCell<ProviderEndpoints>,
    keys: RwLock<Option<(Arc<JwkSet>, Instant)>>,
}

impl Identity {
    pub(crate) fn new(provider: IdentityProvider) -> Self {
        Self {
            provider,
            endpoints: OnceCell::new(),
            keys: RwLock::new(None),
        }
    }
}

/// The callback's path.
pub(crate) const CALLBACK_PATH: &str = "/oauth/signin/callback";

/// Signing keys are fetched again for an unknown key ID at most this often.
const KEYS_REFETCH: Duration = Duration::from_secs(30);
/// Clock skew allowed with the provider.
const LEEWAY_SECS: u64 = 60;
/// Signatures an ID token may use: asymmetric ones only (no `none`, no shared-secret HMAC).
const ALGORITHMS: [Algorithm; 9] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

/// A sign-in in progress at the provider (`Namespace::SignIn`, by the hash of its `state`;
/// sealed: it holds the PKCE verifier and the nonce).
#[derive(Serialize, Deserialize)]
struct SignInRecord {
    pending_id: String,
    verifier: String,
    nonce: String,
}

/// What the server reads of an ID token past what `jsonwebtoken` checks.
#[derive(Deserialize)]
struct IdClaims {
    sub: String,
    #[serde(default)]
    nonce: Option<String>,
    #[serde(default)]
    azp: Option<String>,
    /// One audience, or several (already checked to include this server).
    aud: serde_json::Value,
}

impl AuthServer {
    /// Whether users sign in at an OpenID provider rather than on the login form.
    pub(crate) fn signs_in_remotely(&self) -> bool {
        self.inner.identity.is_some()
    }

    fn identity(&self) -> &Identity {
        self.inner
            .identity
            .as_ref()
            .expect("checked by signs_in_remotely")
    }

    /// The provider's endpoints, or the page saying sign-in is unavailable (and a log line).
    async fn identity_endpoints(&self) -> Result<&ProviderEndpoints, Response<Bytes>> {
        self.discover_identity().await.map_err(|e| {
            tracing::error!(error = %e, "the identity provider cannot be used");
            self.error_page(
                StatusCode::BAD_GATEWAY,
                "Sign-in unavailable",
                "The identity provider cannot be reached right now. Try again in a moment.",
            )
        })
    }

    async fn discover_identity(&self) -> Result<&ProviderEndpoints, UpstreamError> {
        let identity = self.identity();
        identity
            .endpoints
            .get_or_try_init(|| async {
                let endpoints = match &identity.provider.endpoints {
                    Some(endpoints) => endpoints.clone(),
                    None => {
                        self.inner
                            .upstream
                            .discover(&identity.provider.issuer)
                            .await?
                    }
                };
                // OpenID Connect Discovery 4.3: the document is the issuer's own.
                if endpoints.issuer.trim_end_matches('/')
                    != identity.provider.issuer.trim_end_matches('/')
                {
                    return Err(UpstreamError::InvalidResponse(format!(
                        "the discovery document names issuer {}, not {}",
                        endpoints.issuer, identity.provider.issuer
                    )));
                }
                Ok(endpoints)
            })
            .await
    }

    /// Sends the browser of flow `pending_id` (whose CSRF token is `csrf`) to the provider.
    pub(crate) async fn to_identity_provider(
        &self,
        pending_id: &str,
        csrf: &str,
    ) -> Response<Bytes> {
        let endpoints = match self.identity_endpoints().await {
            Ok(endpoints) => endpoints,
            Err(resp) => return resp,
        };
        let provider = &self.identity().provider;
        let (state, nonce) = (random::token(), random::token());
        let mut scopes = vec!["openid".to_owned()];
        scopes.extend(provider.scopes.iter().filter(|s| *s != "openid").cloned());
        let (url, verifier) = self.inner.upstream.authorization_url(
            endpoints,
            &provider.credentials,
            &self.identity_callback_url(),
            &scopes,
            &state,
            Some(&nonce),
        );
        let record = SignInRecord {
            pending_id: pending_id.to_owned(),
            verifier,
            nonce,
        };
        if let Err(e) = self
            .put_sealed(
                Namespace::SignIn,
                &random::digest(state.as_bytes()),
                &record,
                Some(self.inner.config.pending_ttl),
            )
            .await
        {
            return self.unavailable(&e);
        }
        tracing::info!("sending the browser to the identity provider to sign in");
        self.with_csrf_cookie(respond::redirect(&url), pending_id, csrf)
    }

    fn identity_callback_url(&self) -> String {
        format!("{}{CALLBACK_PATH}", self.inner.config.issuer)
    }

    /// `GET /oauth/signin/callback`: the provider's answer. Everything is checked before the
    /// user counts as signed in: the single-use state, the browser (the flow's CSRF cookie), the
    /// answer's issuer, the code exchange, and the ID token.
    pub(crate) async fn identity_callback(&self, req: Request<Bytes>) -> Response<Bytes> {
        let failed =
            |message: &str| self.error_page(StatusCode::BAD_REQUEST, "Sign-in failed", message);
        if !self.signs_in_remotely() {
            return respond::not_found();
        }
        let params = Params::parse(req.uri().query().unwrap_or("").as_bytes());
        let Ok(Some(state)) = params.one("state") else {
            return failed("The identity provider's answer carries no state.");
        };
        let record = match self
            .take_sealed::<SignInRecord>(Namespace::SignIn, &random::digest(state.as_bytes()))
            .await
        {
            Ok(Some(record)) => record,
            Ok(None) => {
                tracing::warn!("sign-in callback with an unknown, expired or replayed state");
                return failed(
                    "This answer is unknown, expired or was already used. Start again from the application.",
                );
            }
            Err(e) => return self.unavailable(&e),
        };
        let pending: PendingRecord = match self
            .load(
                Namespace::Pending,
                &record.pending_id,
                (
                    "Expired",
                    "This sign-in took too long. Start again from the application.",
                ),
            )
            .await
        {
            Ok(pending) => pending,
            Err(resp) => return resp,
        };
        let Some(csrf) = self.browser_csrf(req.headers(), &record.pending_id, &pending.csrf_hash)
        else {
            tracing::warn!("sign-in callback reached another browser than the one that left");
            return self.error_page(
                StatusCode::FORBIDDEN,
                "Sign-in failed",
                "This answer must come back to the browser that started the sign-in.",
            );
        };
        if let Ok(Some(error)) = params.one("error") {
            tracing::warn!(error, "the identity provider refused the sign-in");
            return failed(&format!(
                "The identity provider did not sign you in ({error})."
            ));
        }
        let endpoints = match self.identity_endpoints().await {
            Ok(endpoints) => endpoints,
            Err(resp) => return resp,
        };
        // RFC 9207: an answer from another issuer may be a mix-up attack.
        let issuer_ok = match params.one("iss") {
            Ok(Some(iss)) => iss == endpoints.issuer,
            Ok(None) => !endpoints.authorization_response_iss_parameter_supported,
            Err(_) => false,
        };
        if !issuer_ok {
            tracing::warn!("sign-in callback whose iss is not the identity provider");
            return failed("This answer does not come from the identity provider.");
        }
        let Ok(Some(code)) = params.one("code") else {
            return failed("The identity provider's answer carries no code.");
        };
        let provider = &self.identity().provider;
        let tokens = match self
            .inner
            .upstream
            .exchange_code(
                endpoints,
                &provider.credentials,
                code,
                &self.identity_callback_url(),
                &record.verifier,
            )
            .await
        {
            Ok(tokens) => tokens,
            Err(e) => {
                tracing::error!(error = %e, "the code exchange with the identity provider failed");
                return self.error_page(
                    StatusCode::BAD_GATEWAY,
                    "Sign-in failed",
                    "The identity provider did not confirm the sign-in. Try again.",
                );
            }
        };
        let Some(id_token) = tokens.id_token.as_deref() else {
            tracing::error!("the identity provider issued no ID token");
            return failed("The identity provider did not say who you are.");
        };
        let user = match self
            .verify_id_token(endpoints, id_token, &record.nonce)
            .await
        {
            Ok(user) => user,
            Err(reason) => {
                tracing::warn!(%reason, "ID token refused");
                return failed("The identity provider's answer could not be verified.");
            }
        };
        if let Flow::App { sub, .. } = &pending.flow {
            if *sub != user {
                tracing::warn!("an app authorization link was opened by another user");
                return self.error_page(
                    StatusCode::FORBIDDEN,
                    "Another account",
                    "This link belongs to another account's session. Sign in as the user who called the tool.",
                );
            }
        }
        tracing::info!("user signed in at the identity provider");
        self.signed_in(&record.pending_id, pending, &csrf, user)
            .await
    }

    /// The user an ID token names, once its signature, issuer, audience, authorized party,
    /// expiry and nonce check out.
    async fn verify_id_token(
        &self,
        endpoints: &ProviderEndpoints,
        id_token: &str,
        nonce: &str,
    ) -> Result<String, String> {
        let header = jsonwebtoken::decode_header(id_token).map_err(|e| e.to_string())?;
        if !ALGORITHMS.contains(&header.alg) {
            return Err(format!(
                "signed with {:?}, which is not accepted",
                header.alg
            ));
        }
        let key = self
            .signing_key(endpoints, header.kid.as_deref(), header.alg)
            .await?;
        let client_id = &self.identity().provider.credentials.client_id;
        let mut validation = Validation::new(header.alg);
        validation.set_issuer(&[&endpoints.issuer]);
        validation.set_audience(&[client_id]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        validation.leeway = LEEWAY_SECS;
        let claims = jsonwebtoken::decode::<IdClaims>(id_token, &key, &validation)
            .map_err(|e| e.to_string())?
            .claims;
        if !claims
            .nonce
            .as_deref()
            .is_some_and(|n| random::constant_time_eq(n, nonce))
        {
            return Err("its nonce is not this sign-in's".into());
        }
        // OpenID Connect Core 3.1.3.7: with several audiences, the token names who it is for.
        let several = claims.aud.as_array().is_some_and(|aud| aud.len() > 1);
        if (several || claims.azp.is_some()) && claims.azp.as_deref() != Some(client_id) {
            return Err("its authorized party is another client".into());
        }
        if claims.sub.is_empty() {
            return Err("it names no user".into());
        }
        Ok(claims.sub)
    }

    /// The provider's key `kid` for `alg`, fetching the key set again (not more often than every
    /// 30 s) when it does not hold it: providers rotate keys.
    async fn signing_key(
        &self,
        endpoints: &ProviderEndpoints,
        kid: Option<&str>,
        alg: Algorithm,
    ) -> Result<DecodingKey, String> {
        let identity = self.identity();
        let held = identity
            .keys
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        if let Some((keys, _)) = &held {
            if let Some(key) = pick(keys, kid, alg) {
                return key;
            }
        }
        if held
            .as_ref()
            .is_some_and(|(_, at)| at.elapsed() < KEYS_REFETCH)
        {
            return Err("signed with a key the provider does not publish".into());
        }
        let keys = Arc::new(
            self.inner
                .upstream
                .signing_keys(endpoints)
                .await
                .map_err(|e| e.to_string())?,
        );
        *identity
            .keys
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) =
            Some((keys.clone(), Instant::now()));
        pick(&keys, kid, alg)
            .unwrap_or_else(|| Err("signed with a key the provider does not publish".into()))
    }
}

/// The key of `keys` a token signed with `alg` by key `kid` (or, without a key ID, the one key
/// of its kind) verifies with: asymmetric keys only.
fn pick(keys: &JwkSet, kid: Option<&str>, alg: Algorithm) -> Option<Result<DecodingKey, String>> {
    let fits = |jwk: &&jsonwebtoken::jwk::Jwk| {
        let kind_fits = match &jwk.algorithm {
            AlgorithmParameters::RSA(_) => matches!(
                alg,
                Algorithm::RS256
                    | Algorithm::RS384
                    | Algorithm::RS512
                    | Algorithm::PS256
                    | Algorithm::PS384
                    | Algorithm::PS512
            ),
            AlgorithmParameters::EllipticCurve(_) => {
                matches!(alg, Algorithm::ES256 | Algorithm::ES384)
            }
            AlgorithmParameters::OctetKeyPair(_) => alg == Algorithm::EdDSA,
            // Shared secrets (`oct`) and kinds this build does not know.
            _ => false,
        };
        kind_fits && kid.is_none_or(|kid| jwk.common.key_id.as_deref() == Some(kid))
    };
    let mut candidates = keys.keys.iter().filter(fits);
    let jwk = candidates.next()?;
    if kid.is_none() && candidates.next().is_some() {
        return Some(Err(
            "the token names no key and the provider has several".into()
        ));
    }
    Some(DecodingKey::from_jwk(jwk).map_err(|e| e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::{AuthConfig, DevLogin};
    use crate::store::MemoryStore;
    use crate::tokens::{TokenSigner, now_secs};
    use crate::ui::DefaultUi;
    use crate::vault::VaultKeys;
    use base64::Engine;
    use jsonwebtoken::{EncodingKey, Header};
    use p256::elliptic_curve::sec1::ToEncodedPoint;
    use p256::pkcs8::{EncodePrivateKey, LineEnding};
    use serde_json::json;

    const ISSUER: &str = "https://idp.example";

    /// A server signing users in at `ISSUER`, whose keys it already holds: `kid-1`, an ES256 key
    /// whose PEM is returned.
    fn server() -> (AuthServer, ProviderEndpoints, String) {
        let secret = p256::SecretKey::random(&mut p256::elliptic_curve::rand_core::OsRng);
        let pem = secret.to_pkcs8_pem(LineEnding::LF).unwrap().to_string();
        let point = secret.public_key().to_encoded_point(false);
        let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
        let keys: JwkSet = serde_json::from_value(json!({"keys": [
            {"kty": "EC", "crv": "P-256", "kid": "kid-1", "use": "sig",
             "x": b64(point.x().unwrap()), "y": b64(point.y().unwrap())},
            {"kty": "oct", "kid": "shared", "k": b64(b"a shared secret of 32 bytes!!!!!")}
        ]}))
        .unwrap();
        let mut config = AuthConfig::new("https://mcp.example", "s");
        config.identity_provider = Some(IdentityProvider {
            issuer: ISSUER.into(),
            credentials: ClientCredentials {
                client_id: "rp".into(),
                client_secret: None,
            },
            scopes: Vec::new(),
            endpoints: None,
        });
        let server = AuthServer::new(
            config,
            Arc::new(MemoryStore::new()),
            TokenSigner::es256_generated(),
            Arc::new(DefaultUi),
            Arc::new(DevLogin),
            VaultKeys::generate(),
        );
        *server.identity().keys.write().unwrap() = Some((Arc::new(keys), Instant::now()));
        let endpoints = ProviderEndpoints {
            issuer: ISSUER.into(),
            authorization_endpoint: format!("{ISSUER}/auth"),
            token_endpoint: format!("{ISSUER}/token"),
            revocation_endpoint: None,
            code_challenge_methods_supported: vec!["S256".into()],
            authorization_response_iss_parameter_supported: true,
            jwks_uri: Some(format!("{ISSUER}/jwks")),
        };
        (server, endpoints, pem)
    }

    fn token(pem: &str, kid: Option<&str>, claims: serde_json::Value) -> String {
        let mut header = Header::new(Algorithm::ES256);
        header.kid = kid.map(str::to_owned);
        jsonwebtoken::encode(
            &header,
            &claims,
            &EncodingKey::from_ec_pem(pem.as_bytes()).unwrap(),
        )
        .unwrap()
    }

    fn claims() -> serde_json::Value {
        let now = now_secs();
        json!({"iss": ISSUER, "aud": "rp", "sub": "alice", "iat": now, "exp": now + 300, "nonce": "n-1"})
    }

    #[tokio::test]
    async fn only_a_token_of_this_sign_in_names_its_user() {
        let (server, endpoints, pem) = server();
        let verify = |token: String, nonce: &'static str| {
            let (server, endpoints) = (server.clone(), endpoints.clone());
            async move { server.verify_id_token(&endpoints, &token, nonce).await }
        };
        assert_eq!(
            verify(token(&pem, Some("kid-1"), claims()), "n-1").await,
            Ok("alice".to_owned())
        );
        // Without a key ID, the one key of its kind verifies it.
        assert!(verify(token(&pem, None, claims()), "n-1").await.is_ok());
        let with = |field: &str, value: serde_json::Value| {
            let mut c = claims();
            c[field] = value;
            token(&pem, Some("kid-1"), c)
        };
        let now = now_secs();
        for (what, bad, nonce) in [
            (
                "another sign-in's nonce",
                token(&pem, Some("kid-1"), claims()),
                "n-2",
            ),
            (
                "no nonce",
                {
                    let mut c = claims();
                    c.as_object_mut().unwrap().remove("nonce");
                    token(&pem, Some("kid-1"), c)
                },
                "n-1",
            ),
            (
                "another audience",
                with("aud", json!("someone-else")),
                "n-1",
            ),
            (
                "another issuer",
                with("iss", json!("https://evil.example")),
                "n-1",
            ),
            ("expired", with("exp", json!(now - 3600)), "n-1"),
            (
                "several audiences, no azp",
                with("aud", json!(["rp", "other"])),
                "n-1",
            ),
            (
                "another authorized party",
                with("azp", json!("other")),
                "n-1",
            ),
            ("an empty user", with("sub", json!("")), "n-1"),
        ] {
            assert!(verify(bad, nonce).await.is_err(), "{what}");
        }
        // A key the provider does not publish (fetched again at most every 30 s: not now).
        let other = p256::SecretKey::random(&mut p256::elliptic_curve::rand_core::OsRng)
            .to_pkcs8_pem(LineEnding::LF)
            .unwrap()
            .to_string();
        assert!(
            verify(token(&other, Some("kid-1"), claims()), "n-1")
                .await
                .is_err()
        );
        assert!(
            verify(token(&pem, Some("kid-9"), claims()), "n-1")
                .await
                .is_err()
        );
        // Unsigned, and signed with a shared secret the provider published: refused.
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(claims().to_string());
        let none = format!(
            "{}.{payload}.",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#)
        );
        assert!(verify(none, "n-1").await.is_err());
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some("shared".into());
        let hs = jsonwebtoken::encode(
            &header,
            &claims(),
            &EncodingKey::from_secret(b"a shared secret of 32 bytes!!!!!"),
        )
        .unwrap();
        assert!(verify(hs, "n-1").await.is_err());
        assert!(verify("garbage".into(), "n-1").await.is_err());
    }
}
