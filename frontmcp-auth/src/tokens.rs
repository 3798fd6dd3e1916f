//! Session tokens: JWTs carrying the seeds' claims, signed with ES256 (or HS256 with a configured
//! secret, as FrontMCP allows), verified with issuer, audience and expiry checks.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::store::{Namespace, Store, StoreError, StoreExt};

/// The claims of a session access token. Upstream (per-app) tokens never appear here: they stay
/// in the server-side vault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionClaims {
    /// The user.
    pub sub: String,
    /// The issuer (this server's base URL).
    pub iss: String,
    /// The resource the token is for (`{issuer}/mcp`), per RFC 8707.
    pub aud: String,
    /// Issued at (seconds since the epoch).
    pub iat: u64,
    /// Expires at (seconds since the epoch).
    pub exp: u64,
    /// Token ID.
    pub jti: String,
    /// The OAuth client the token was issued to.
    pub client_id: String,
    /// The auth session: the key of the vault and of the consent decisions.
    pub session_id: String,
    /// Apps authorized when the token was issued.
    pub authorized_apps: Vec<String>,
    /// Apps not yet authorized (skipped or pending) when the token was issued.
    pub pending_apps: Vec<String>,
    /// Granted scopes.
    pub scopes: Vec<String>,
    /// The tools the user left selected on the consent screen, when not all of them
    /// (`ConsentSelection.selectedTools`); absent means every tool of the authorized apps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selected_tools: Option<Vec<String>>,
}

/// What a verified session token grants, as the resource keeps it while the token is in use: the
/// claims minus those checked once at verification (issuer, audience) and the token's own
/// (issue time, ID). Thousands are kept at once, so a grant is three allocations: itself, the
/// user, and every app, scope and tool name in one list, the names shared with the other grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionGrant {
    sub: Box<str>,
    client_id: Arc<str>,
    session_id: Arc<str>,
    exp: u64,
    /// The authorized apps, then the pending apps, then the scopes, then the selected tools.
    names: Box<[Arc<str>]>,
    /// Where the authorized apps, the pending apps and the scopes end in `names`.
    ends: [usize; 3],
    /// Whether the token lists selected tools (absent: all of them).
    tools_listed: bool,
}

impl SessionGrant {
    /// What `claims` grant, their names taken from `names`.
    pub(crate) fn new(claims: SessionClaims, names: &Names) -> Self {
        let authorized = claims.authorized_apps.len();
        let pending = authorized + claims.pending_apps.len();
        let scopes = pending + claims.scopes.len();
        let tools_listed = claims.selected_tools.is_some();
        let all = claims
            .authorized_apps
            .iter()
            .chain(&claims.pending_apps)
            .chain(&claims.scopes)
            .chain(claims.selected_tools.iter().flatten());
        Self {
            sub: claims.sub.into(),
            client_id: names.get(&claims.client_id),
            session_id: claims.session_id.into(),
            exp: claims.exp,
            names: all.map(|name| names.get(name)).collect(),
            ends: [authorized, pending, scopes],
            tools_listed,
        }
    }

    /// The user.
    pub fn sub(&self) -> &str {
        &self.sub
    }

    /// The OAuth client the token was issued to.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The auth session: the key of the vault and of the consent decisions. Shared, since what
    /// the session opens (MCP sessions) keeps it too.
    pub fn session_id(&self) -> &Arc<str> {
        &self.session_id
    }

    /// When the token expires (seconds since the epoch).
    pub fn exp(&self) -> u64 {
        self.exp
    }

    /// Apps authorized when the token was issued.
    pub fn authorized_apps(&self) -> &[Arc<str>] {
        &self.names[..self.ends[0]]
    }

    /// Apps not yet authorized (skipped or pending) when the token was issued.
    pub fn pending_apps(&self) -> &[Arc<str>] {
        &self.names[self.ends[0]..self.ends[1]]
    }

    /// Granted scopes.
    pub fn scopes(&self) -> &[Arc<str>] {
        &self.names[self.ends[1]..self.ends[2]]
    }

    /// The tools the user left selected on the consent screen, when not all of them.
    pub fn selected_tools(&self) -> Option<&[Arc<str>]> {
        self.tools_listed.then(|| &self.names[self.ends[2]..])
    }
}

impl From<SessionClaims> for SessionGrant {
    /// What `claims` grant, with names of their own.
    fn from(claims: SessionClaims) -> Self {
        Self::new(claims, &Names::new(0))
    }
}

/// A pool of shared names (apps, scopes, tools, clients), so the grants kept at once share one
/// copy of each. Bounded: when full it starts over, and names handed out stay valid.
#[derive(Debug)]
pub(crate) struct Names {
    max: usize,
    pool: Mutex<HashSet<Arc<str>>>,
}

impl Names {
    /// A pool of at most `max` names; `0` shares nothing.
    pub(crate) fn new(max: usize) -> Self {
        Self {
            max,
            pool: Mutex::default(),
        }
    }

    /// The pool's copy of `name`, added if missing.
    pub(crate) fn get(&self, name: &str) -> Arc<str> {
        if self.max == 0 {
            return name.into();
        }
        // The pool is only ever inserted into or cleared whole, so a poisoned one is whole.
        let mut pool = self.pool.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(shared) = pool.get(name) {
            return shared.clone();
        }
        if pool.len() >= self.max {
            pool.clear();
        }
        let shared: Arc<str> = name.into();
        pool.insert(shared.clone());
        shared
    }
}

/// Why a token was refused. Deliberately coarse toward clients; the log line says more.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Expired.
    #[error("the token has expired")]
    Expired,
    /// Issued for another resource.
    #[error("the token is not for this resource")]
    WrongAudience,
    /// Bad signature, wrong issuer, wrong algorithm, malformed.
    #[error("the token is invalid")]
    Invalid,
}

/// Signs and verifies session tokens.
pub struct TokenSigner {
    algorithm: Algorithm,
    encoding: EncodingKey,
    decoding: DecodingKey,
    kid: Option<String>,
    jwk: Option<Value>,
}

impl std::fmt::Debug for TokenSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSigner")
            .field("algorithm", &self.algorithm)
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

/// The signing key could not be loaded or created.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The configured PEM is not a P-256 PKCS#8 private key.
    #[error("the signing key is not a PKCS#8 PEM P-256 private key: {0}")]
    BadPem(String),
    /// An HS256 secret shorter than 32 bytes.
    #[error("an HS256 secret needs at least 32 bytes")]
    WeakSecret,
    /// The store failed while sharing the generated key.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The generated key as kept in the store, so every server process signs with the same key.
#[derive(Serialize, Deserialize)]
struct StoredKey {
    pem: String,
}

const STORED_KEY: &str = "es256-signing";

/// RFC 9068: access tokens say what they are, so they cannot pass for ID tokens.
const ACCESS_TOKEN_TYP: &str = "at+jwt";

impl TokenSigner {
    /// ES256 with the given PKCS#8 PEM private key.
    pub fn es256_from_pem(pem: &str) -> Result<Self, KeyError> {
        let secret =
            p256::SecretKey::from_pkcs8_pem(pem).map_err(|e| KeyError::BadPem(e.to_string()))?;
        Self::es256(&secret)
    }

    /// ES256 with the key in the store, generating and storing one first if there is none (the
    /// first process to store wins, so concurrent starts agree).
    pub async fn es256_shared(store: &dyn Store) -> Result<Self, KeyError> {
        if let Some(stored) = store
            .get_record::<StoredKey>(Namespace::Key, STORED_KEY)
            .await?
        {
            return Self::es256_from_pem(&stored.pem);
        }
        let secret = p256::SecretKey::random(&mut p256::elliptic_curve::rand_core::OsRng);
        let pem = secret
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|e| KeyError::BadPem(e.to_string()))?;
        let candidate = StoredKey {
            pem: pem.to_string(),
        };
        if store
            .put_new_record(Namespace::Key, STORED_KEY, &candidate, None)
            .await?
        {
            return Self::es256(&secret);
        }
        let stored = store
            .get_record::<StoredKey>(Namespace::Key, STORED_KEY)
            .await?
            .ok_or_else(|| {
                KeyError::Store(StoreError::Unavailable(
                    "the shared signing key vanished".into(),
                ))
            })?;
        Self::es256_from_pem(&stored.pem)
    }

    fn es256(secret: &p256::SecretKey) -> Result<Self, KeyError> {
        let pem = secret
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|e| KeyError::BadPem(e.to_string()))?;
        let encoding = EncodingKey::from_ec_pem(pem.as_bytes())
            .map_err(|e| KeyError::BadPem(e.to_string()))?;
        let point = secret.public_key().to_encoded_point(false);
        let (x, y) = (
            URL_SAFE_NO_PAD.encode(point.x().expect("uncompressed")),
            URL_SAFE_NO_PAD.encode(point.y().expect("uncompressed")),
        );
        let decoding =
            DecodingKey::from_ec_components(&x, &y).map_err(|e| KeyError::BadPem(e.to_string()))?;
        // The key ID is a thumbprint-like digest of the public key, stable across restarts.
        let kid = crate::random::digest(format!("{x}.{y}").as_bytes())[..16].to_owned();
        let jwk = json!({"kty": "EC", "crv": "P-256", "x": x, "y": y, "use": "sig", "alg": "ES256", "kid": kid});
        Ok(Self {
            algorithm: Algorithm::ES256,
            encoding,
            decoding,
            kid: Some(kid),
            jwk: Some(jwk),
        })
    }

    /// HS256 with a shared secret (at least 32 bytes). Nothing is published in the JWKS.
    pub fn hs256(secret: &[u8]) -> Result<Self, KeyError> {
        if secret.len() < 32 {
            return Err(KeyError::WeakSecret);
        }
        Ok(Self {
            algorithm: Algorithm::HS256,
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            kid: None,
            jwk: None,
        })
    }

    /// The JWKS document (`/.well-known/jwks.json`).
    pub fn jwks(&self) -> Value {
        json!({ "keys": self.jwk.iter().collect::<Vec<_>>() })
    }

    /// Signs a session access token.
    pub fn sign(&self, claims: &SessionClaims) -> String {
        self.sign_typed(ACCESS_TOKEN_TYP, claims)
    }

    /// Verifies a session access token for `issuer` and `audience`. Only this signer's algorithm
    /// is accepted, which rules out algorithm confusion (`none`, HS256 with the public key, ...),
    /// and only `typ: at+jwt`, so no other token this server signs passes for one.
    pub fn verify(
        &self,
        token: &str,
        issuer: &str,
        audience: &str,
    ) -> Result<SessionClaims, TokenError> {
        self.verify_typed(ACCESS_TOKEN_TYP, token, issuer, audience)
    }

    /// Signs `claims` as a JWT whose header says `typ`. Every kind of token the server signs
    /// (access tokens, authorization tickets, sign-in cookies) has its own `typ` and audience, so
    /// none can be replayed as another.
    pub(crate) fn sign_typed<T: Serialize>(&self, typ: &str, claims: &T) -> String {
        let mut header = Header::new(self.algorithm);
        header.kid = self.kid.clone();
        header.typ = Some(typ.into());
        jsonwebtoken::encode(&header, claims, &self.encoding)
            .expect("claims serialize and the key signs")
    }

    /// Verifies a JWT of kind `typ` for `issuer` and `audience` (`exp`, `iss`, `aud` and `sub`
    /// required, no leeway).
    pub(crate) fn verify_typed<T: DeserializeOwned>(
        &self,
        typ: &str,
        token: &str,
        issuer: &str,
        audience: &str,
    ) -> Result<T, TokenError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Invalid)?;
        if header.typ.as_deref() != Some(typ) {
            return Err(TokenError::Invalid);
        }
        let mut validation = Validation::new(self.algorithm);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 0;
        jsonwebtoken::decode::<T>(token, &self.decoding, &validation)
            .map(|d| d.claims)
            .map_err(|e| {
                use jsonwebtoken::errors::ErrorKind;
                match e.kind() {
                    ErrorKind::ExpiredSignature => TokenError::Expired,
                    ErrorKind::InvalidAudience => TokenError::WrongAudience,
                    _ => TokenError::Invalid,
                }
            })
    }
}

/// Seconds since the epoch.
pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::MemoryStore;

    fn claims(exp: u64) -> SessionClaims {
        SessionClaims {
            sub: "user-123".into(),
            iss: "https://my-server".into(),
            aud: "https://my-server/mcp".into(),
            iat: now_secs(),
            exp,
            jti: "j".into(),
            client_id: "c".into(),
            session_id: "sess_abc123".into(),
            authorized_apps: vec!["crm".into()],
            pending_apps: vec!["slack".into()],
            scopes: vec!["crm:read".into()],
            selected_tools: None,
        }
    }

    #[test]
    fn grants_share_names_and_keep_each_list() {
        let names = Names::new(8);
        let mut with_tools = claims(1);
        with_tools.selected_tools = Some(vec!["crm:list".into(), "crm:get".into()]);
        let all = SessionGrant::new(claims(1), &names);
        let some = SessionGrant::new(with_tools, &names);
        for grant in [&all, &some] {
            assert_eq!(
                (grant.sub(), grant.client_id(), grant.exp()),
                ("user-123", "c", 1)
            );
            assert_eq!(&**grant.session_id(), "sess_abc123");
            assert_eq!(grant.authorized_apps(), [Arc::from("crm")]);
            assert_eq!(grant.pending_apps(), [Arc::from("slack")]);
            assert_eq!(grant.scopes(), [Arc::from("crm:read")]);
        }
        assert_eq!(all.selected_tools(), None);
        assert_eq!(
            some.selected_tools(),
            Some(&[Arc::from("crm:list"), Arc::from("crm:get")][..])
        );
        assert!(Arc::ptr_eq(&all.scopes()[0], &some.scopes()[0]));
        assert_eq!(
            all,
            SessionGrant::from(claims(1)),
            "shared or not, the same grant"
        );

        let full = Names::new(1);
        let a = full.get("a");
        let b = full.get("b");
        assert!(
            Arc::ptr_eq(&b, &full.get("b")),
            "the pool started over with b"
        );
        assert!(!Arc::ptr_eq(&a, &full.get("a")));
        assert_eq!(&*a, "a", "names handed out stay valid");
    }

    #[tokio::test]
    async fn es256_round_trip_and_checks() {
        let store = MemoryStore::new();
        let signer = TokenSigner::es256_shared(&store).await.unwrap();
        let again = TokenSigner::es256_shared(&store).await.unwrap();
        assert_eq!(
            signer.jwks(),
            again.jwks(),
            "a second process reuses the stored key"
        );
        let token = signer.sign(&claims(now_secs() + 60));
        let verified = again
            .verify(&token, "https://my-server", "https://my-server/mcp")
            .unwrap();
        assert_eq!(
            verified,
            claims(verified.exp).clone().with_iat(verified.iat)
        );
        assert_eq!(
            signer.verify(&token, "https://my-server", "https://other/mcp"),
            Err(TokenError::WrongAudience)
        );
        assert_eq!(
            signer.verify(&token, "https://evil", "https://my-server/mcp"),
            Err(TokenError::Invalid)
        );
        let expired = signer.sign(&claims(now_secs() - 1));
        assert_eq!(
            signer.verify(&expired, "https://my-server", "https://my-server/mcp"),
            Err(TokenError::Expired)
        );
    }

    #[tokio::test]
    async fn tampering_and_algorithm_confusion_are_refused() {
        let signer = TokenSigner::es256_shared(&MemoryStore::new())
            .await
            .unwrap();
        let token = signer.sign(&claims(now_secs() + 60));
        let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
        let mut payload: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[1]).unwrap()).unwrap();
        payload["sub"] = json!("admin");
        parts[1] = URL_SAFE_NO_PAD.encode(payload.to_string());
        assert_eq!(
            signer.verify(
                &parts.join("."),
                "https://my-server",
                "https://my-server/mcp"
            ),
            Err(TokenError::Invalid)
        );
        let unsigned = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
            parts[1]
        );
        assert_eq!(
            signer.verify(&unsigned, "https://my-server", "https://my-server/mcp"),
            Err(TokenError::Invalid)
        );
        let hs = TokenSigner::hs256(&[7u8; 32])
            .unwrap()
            .sign(&claims(now_secs() + 60));
        assert_eq!(
            signer.verify(&hs, "https://my-server", "https://my-server/mcp"),
            Err(TokenError::Invalid)
        );
        assert_eq!(
            signer.verify("garbage", "https://my-server", "https://my-server/mcp"),
            Err(TokenError::Invalid)
        );
        assert!(matches!(
            TokenSigner::hs256(b"short"),
            Err(KeyError::WeakSecret)
        ));
    }

    impl SessionClaims {
        fn with_iat(mut self, iat: u64) -> Self {
            self.iat = iat;
            self
        }
    }
}
