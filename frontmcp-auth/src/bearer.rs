//! Bearer tokens on the protected resource: verification and the RFC 6750 / RFC 9728 challenges.

use bytes::Bytes;
use http::header::{self, HeaderValue};
use http::{Response, StatusCode};
use serde_json::json;

use std::hash::{BuildHasher, RandomState};
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::arena::{ByteArena, Slot};
use crate::session::SessionRecord;
use crate::store::{Namespace, Store, StoreExt};
use crate::tokens::{SessionClaims, SessionGrant, TokenError, TokenSigner, now_secs};

/// Why a request to the resource was not authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Challenge {
    /// No `Authorization: Bearer` header.
    Missing,
    /// A token that does not verify.
    Invalid(TokenError),
    /// The store could not be asked about a token seen for the first time; retry shortly.
    Unavailable,
}

/// Tokens verified recently, so the signature (ES256: hundreds of microseconds) is checked once
/// per token rather than once per request; expiry is checked on every hit. Keyed by the start of
/// the token's signature, with a keyed hash of the whole token: a token carrying a known
/// signature on another header or payload misses and is verified, so it is refused like any
/// tampered token.
///
/// At most [`MAX_VERIFIED`] tokens, evicted one at a time by `quick_cache`'s CLOCK-PRO policy
/// (tokens in use stay) when new ones come, so a full cache never makes every active client's
/// token be verified again at once. The grants are kept packed in pages (see `arena.rs`), not as
/// an allocation each: at 10,000 tokens, separate allocations cost about 700 bytes of resident
/// memory per grant of 200. The pages' lock covers the index too, so a slot is never read after
/// its grant was evicted and the slot reused. A hit hands out a copy, made and dropped within the
/// request.
pub(crate) struct VerifiedTokens {
    hasher: RandomState,
    index: quick_cache::sync::Cache<
        SignatureStart,
        KeptGrant,
        quick_cache::UnitWeighter,
        RandomState,
        Evicted,
    >,
    pages: RwLock<ByteArena>,
}

impl Default for VerifiedTokens {
    fn default() -> Self {
        Self {
            hasher: RandomState::new(),
            index: quick_cache::sync::Cache::with(
                MAX_VERIFIED,
                MAX_VERIFIED as u64,
                quick_cache::UnitWeighter,
                RandomState::new(),
                Evicted,
            ),
            pages: RwLock::default(),
        }
    }
}

/// Collects the grants the index evicts while a token is inserted, so their slots in the pages
/// are freed.
#[derive(Clone, Copy, Debug)]
struct Evicted;

impl quick_cache::Lifecycle<SignatureStart, KeptGrant> for Evicted {
    type RequestState = Vec<KeptGrant>;

    fn on_evict(&self, evicted: &mut Vec<KeptGrant>, _: SignatureStart, grant: KeptGrant) {
        evicted.push(grant);
    }
}

/// A grant's bytes in the pages, and a keyed hash of the exact token it was read from.
#[derive(Clone, Copy)]
struct KeptGrant {
    fingerprint: u64,
    slot: Slot,
    len: u32,
}

/// The first bytes of a token's signature (zero-padded): 144 bits of a signature this server
/// made, enough to tell its tokens apart, and kept inline.
type SignatureStart = [u8; 24];

/// The cache holds at most this many tokens.
const MAX_VERIFIED: usize = 10_000;

impl VerifiedTokens {
    fn signature_start(token: &str) -> SignatureStart {
        let signature = token
            .rsplit_once('.')
            .map_or(token, |(_, signature)| signature)
            .as_bytes();
        let mut start = SignatureStart::default();
        let len = signature.len().min(start.len());
        start[..len].copy_from_slice(&signature[..len]);
        start
    }

    fn read(&self) -> RwLockReadGuard<'_, ByteArena> {
        // Every mutation leaves the index and pages whole, so a poisoned lock is safe to keep
        // using.
        self.pages.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, ByteArena> {
        self.pages.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// The grant kept for exactly the token of `signature` and `fingerprint`.
    fn get(&self, signature: &SignatureStart, fingerprint: u64) -> Option<SessionGrant> {
        let pages = self.read();
        let grant = self
            .index
            .get(signature)
            .filter(|grant| grant.fingerprint == fingerprint)?;
        Some(SessionGrant::from_packed(
            pages.get(grant.slot, grant.len as usize),
        ))
    }

    fn insert(&self, signature: SignatureStart, fingerprint: u64, grant: &SessionGrant) {
        let mut pages = self.write();
        // A replaced value is not an eviction: its slot is freed here.
        if let Some((_, old)) = self.index.remove(&signature) {
            pages.remove(old.slot, old.len as usize);
        }
        let bytes = grant.packed();
        let new = KeptGrant {
            fingerprint,
            slot: pages.insert(&[bytes]),
            len: u32::try_from(bytes.len()).expect("a grant is far below 4 GiB"),
        };
        let mut evicted = Vec::new();
        self.index
            .insert_with_lifecycle(signature, new, &mut evicted);
        for old in &evicted {
            pages.remove(old.slot, old.len as usize);
        }
        if !evicted.is_empty() {
            pages.release_empty();
        }
    }

    /// Forgets every grant of auth session `session_id` (it ended): its tokens are checked again
    /// on their next use, and refused.
    pub(crate) fn forget_session(&self, session_id: &str) {
        let mut pages = self.write();
        let ended: Vec<(SignatureStart, KeptGrant)> = self
            .index
            .iter()
            .filter(|(_, grant)| {
                let bytes = pages.get(grant.slot, grant.len as usize);
                SessionGrant::from_packed(bytes).session_id() == session_id
            })
            .collect();
        for (signature, grant) in ended {
            self.index.remove(&signature);
            pages.remove(grant.slot, grant.len as usize);
        }
        pages.release_empty();
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.index.len()
    }
}

/// The protected resource's side of authorization: which session a request's bearer token
/// stands for, and the challenges that tell a client where to get one.
pub struct Bearer {
    signer: Arc<TokenSigner>,
    store: Arc<dyn Store>,
    verified: Arc<VerifiedTokens>,
    /// Who signs the tokens (their `iss`).
    issuer: String,
    /// What the tokens are for (their `aud`).
    resource: String,
    /// Announced in challenges.
    resource_metadata_url: String,
    /// Named in challenges, when the server declares scopes.
    scopes: Vec<String>,
}

impl std::fmt::Debug for Bearer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bearer")
            .field("resource", &self.resource)
            .finish_non_exhaustive()
    }
}

impl Bearer {
    /// Checks tokens `signer` signed as `issuer` for `resource`, against the auth sessions in
    /// `store`; its challenges name `resource_metadata_url` and `scopes`.
    pub(crate) fn new(
        signer: Arc<TokenSigner>,
        store: Arc<dyn Store>,
        issuer: String,
        resource: String,
        resource_metadata_url: String,
        scopes: Vec<String>,
    ) -> Self {
        Self {
            signer,
            store,
            verified: Arc::default(),
            issuer,
            resource,
            resource_metadata_url,
            scopes,
        }
    }

    /// The tokens remembered as verified, which the events make forget an ended session's.
    pub(crate) fn verified(&self) -> &Arc<VerifiedTokens> {
        &self.verified
    }

    /// Verifies the `Authorization` header of a request to the resource: what its token grants. A
    /// token is verified once (signature, issuer, audience, and that its user and client are those
    /// of the auth session it names, one store read) and then remembered until it expires or its
    /// session ends.
    pub async fn authenticate(
        &self,
        authorization: Option<&HeaderValue>,
    ) -> Result<SessionGrant, Challenge> {
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
        let now = now_secs();
        let verified = &self.verified;
        let fingerprint = verified.hasher.hash_one(token.as_bytes());
        let signature = VerifiedTokens::signature_start(token);
        if let Some(grant) = verified.get(&signature, fingerprint) {
            if grant.exp() >= now {
                return Ok(grant);
            }
            tracing::warn!(reason = %TokenError::Expired, "bearer token refused");
            return Err(Challenge::Invalid(TokenError::Expired));
        }
        let claims = self
            .signer
            .verify(token, &self.issuer, &self.resource)
            .map_err(|e| {
                tracing::warn!(reason = %e, "bearer token refused");
                Challenge::Invalid(e)
            })?;
        self.check_session(&claims).await?;
        let grant = SessionGrant::from(claims);
        verified.insert(signature, fingerprint, &grant);
        Ok(grant)
    }

    /// A signed token is only as good as the auth session it names: it must exist, and be the
    /// token's user's and client's. So a token signed with a stolen key but a made-up user, or
    /// another client's ID, is refused, and so is one of a session that ended.
    async fn check_session(&self, claims: &SessionClaims) -> Result<(), Challenge> {
        let session = self
            .store
            .get_record::<SessionRecord>(Namespace::Session, &claims.session_id)
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "a bearer token's auth session cannot be read");
                Challenge::Unavailable
            })?;
        match session {
            Some(session) if session.sub == claims.sub && session.client_id == claims.client_id => {
                Ok(())
            }
            Some(_) => {
                tracing::warn!(
                    reason = "its user or client is not its auth session's",
                    "bearer token refused"
                );
                Err(Challenge::Invalid(TokenError::Invalid))
            }
            None => {
                tracing::warn!(
                    reason = "its auth session has ended or never existed",
                    "bearer token refused"
                );
                Err(Challenge::Invalid(TokenError::Revoked))
            }
        }
    }

    /// The 401 for a challenge: `WWW-Authenticate: Bearer resource_metadata="...", scope="..."`
    /// so clients can discover where to get a token; a 503 with `Retry-After` when the store did
    /// not answer.
    pub fn unauthorized(&self, challenge: &Challenge) -> Response<Bytes> {
        if *challenge == Challenge::Unavailable {
            let body = json!({"jsonrpc": "2.0", "error": {"code": -32603, "message": "temporarily unavailable: the session store does not answer; retry shortly"}});
            let mut resp = Response::new(Bytes::from(body.to_string()));
            *resp.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
            let h = resp.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            h.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            return resp;
        }
        let mut value = format!(
            "Bearer resource_metadata=\"{}\"",
            self.resource_metadata_url
        );
        if !self.scopes.is_empty() {
            value.push_str(&format!(", scope=\"{}\"", self.scopes.join(" ")));
        }
        let message = match challenge {
            Challenge::Missing | Challenge::Unavailable => "authorization required".to_owned(),
            Challenge::Invalid(e) => {
                value.push_str(&format!(
                    ", error=\"invalid_token\", error_description=\"{e}\""
                ));
                e.to_string()
            }
        };
        with_challenge(StatusCode::UNAUTHORIZED, value, &message)
    }

    /// The 403 for a token lacking a scope (RFC 6750 `insufficient_scope`), naming `scopes`: every
    /// scope the request needs, which a new authorization should ask for.
    pub fn insufficient_scope(&self, scopes: &[String]) -> Response<Bytes> {
        let value = format!(
            "Bearer error=\"insufficient_scope\", scope=\"{}\", resource_metadata=\"{}\"",
            scopes.join(" "),
            self.resource_metadata_url
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::{AuthConfig, AuthServer, DevLogin};
    use crate::store::MemoryStore;
    use crate::tokens::TokenSigner;
    use crate::ui::DefaultUi;
    use std::sync::Arc;

    /// A server whose store holds the auth session `sess_1` of user `ada` and client `c`.
    async fn server() -> AuthServer {
        let server = AuthServer::new(
            AuthConfig::new("https://my-server", "s"),
            Arc::new(MemoryStore::new()),
            TokenSigner::hs256(&[7; 32]).unwrap(),
            Arc::new(DefaultUi),
            Arc::new(DevLogin),
            crate::vault::VaultKeys::generate(),
        );
        let session = SessionRecord {
            session_id: "sess_1".into(),
            sub: "ada".into(),
            client_id: "c".into(),
            client_name: "C".into(),
            authorized_apps: vec![],
            skipped_apps: vec![],
            pending_apps: vec![],
            selection: None,
            created_at: now_secs(),
        };
        server
            .store()
            .put_record(Namespace::Session, "sess_1", &session, None)
            .await
            .unwrap();
        server
    }

    fn bearer(server: &AuthServer, exp: u64) -> HeaderValue {
        bearer_as(server, exp, "ada", "c")
    }

    fn bearer_as(server: &AuthServer, exp: u64, sub: &str, client_id: &str) -> HeaderValue {
        let claims = crate::tokens::SessionClaims {
            sub: sub.into(),
            iss: "https://my-server".into(),
            aud: "https://my-server/mcp".into(),
            iat: now_secs(),
            exp,
            jti: "j".into(),
            client_id: client_id.into(),
            session_id: "sess_1".into(),
            authorized_apps: vec![],
            pending_apps: vec![],
            scopes: vec![],
            selected_tools: None,
        };
        let token = server.bearer().signer.sign(&claims);
        HeaderValue::from_str(&format!("Bearer {token}")).unwrap()
    }

    #[tokio::test]
    async fn remembered_tokens_still_expire() {
        let server = server().await;
        let header = bearer(&server, now_secs() + 1);
        assert!(server.bearer().authenticate(Some(&header)).await.is_ok());
        assert!(
            server.bearer().authenticate(Some(&header)).await.is_ok(),
            "remembered"
        );
        tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
        assert_eq!(
            server.bearer().authenticate(Some(&header)).await,
            Err(Challenge::Invalid(TokenError::Expired))
        );
    }

    #[tokio::test]
    async fn a_full_cache_keeps_working_and_keeps_the_tokens_in_use() {
        let server = server().await;
        let hot = bearer(&server, now_secs() + 30);
        let token = hot.to_str().unwrap().trim_start_matches("Bearer ");
        let verified = &server.bearer().verified;
        let kept = || {
            verified.get(
                &VerifiedTokens::signature_start(token),
                verified.hasher.hash_one(token.as_bytes()),
            )
        };
        for i in 0..MAX_VERIFIED + 2_000 {
            let header = bearer(&server, now_secs() + 60 + i as u64);
            assert!(server.bearer().authenticate(Some(&header)).await.is_ok());
            if i % 50 == 0 {
                assert!(server.bearer().authenticate(Some(&hot)).await.is_ok());
            }
        }
        let len = verified.len();
        assert!(len <= MAX_VERIFIED, "{len}");
        assert!(
            len > MAX_VERIFIED / 2,
            "a full cache keeps most tokens: {len}"
        );
        assert!(kept().is_some(), "a token in use stays verified");
    }

    #[tokio::test]
    async fn a_remembered_signature_on_another_payload_is_refused() {
        let server = server().await;
        let header = bearer(&server, now_secs() + 60);
        assert!(
            server.bearer().authenticate(Some(&header)).await.is_ok(),
            "now remembered"
        );
        let other = bearer(&server, now_secs() + 120);
        let (payload, _) = other.to_str().unwrap().rsplit_once('.').unwrap();
        let (_, signature) = header.to_str().unwrap().rsplit_once('.').unwrap();
        let forged = HeaderValue::from_str(&format!("{payload}.{signature}")).unwrap();
        assert_eq!(
            server.bearer().authenticate(Some(&forged)).await,
            Err(Challenge::Invalid(TokenError::Invalid))
        );
    }

    #[tokio::test]
    async fn a_well_signed_token_must_match_its_session() {
        let server = server().await;
        for (sub, client) in [("mallory", "c"), ("ada", "another-client")] {
            assert_eq!(
                server
                    .bearer()
                    .authenticate(Some(&bearer_as(&server, now_secs() + 60, sub, client)))
                    .await,
                Err(Challenge::Invalid(TokenError::Invalid)),
                "{sub} / {client}"
            );
        }
    }

    #[tokio::test]
    async fn the_tokens_of_an_ended_session_are_refused_even_when_remembered() {
        let server = server().await;
        let header = bearer(&server, now_secs() + 60);
        assert!(server.bearer().authenticate(Some(&header)).await.is_ok());
        server.end_session("sess_1").await;
        assert_eq!(
            server.bearer().authenticate(Some(&header)).await,
            Err(Challenge::Invalid(TokenError::Revoked))
        );
    }
}
