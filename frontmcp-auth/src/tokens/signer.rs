//! Signing and verifying session tokens (and the server's other signed tokens).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use zeroize::Zeroizing;

use super::{SessionClaims, TokenError};
use crate::store::{Namespace, Store, StoreError};
use crate::vault::{CorruptReason, VaultKeys};

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
    /// The shared key in the store does not open with the key ring.
    #[error(
        "the session-token signing key shared in the store cannot be opened with the key ring: {0}"
    )]
    Sealed(CorruptReason),
}

/// Where the generated key is kept in the store (under [`Namespace::Key`]), sealed by the key
/// ring, so every server process signs with the same key and nobody who reads the store can.
const SHARED_KEY: &str = "es256-signing-sealed";

/// Where versions before the key was sealed kept it, in clear: deleted on sight, since anyone who
/// could read the store could sign with it.
const CLEAR_KEY: &str = "es256-signing";

/// The purpose the shared key is sealed for.
const SHARED_KEY_PURPOSE: &str = "session-token-signing-key/es256";

/// RFC 9068: access tokens say what they are, so they cannot pass for ID tokens.
const ACCESS_TOKEN_TYP: &str = "at+jwt";

impl TokenSigner {
    /// ES256 with the given PKCS#8 PEM private key.
    pub fn es256_from_pem(pem: &str) -> Result<Self, KeyError> {
        let secret =
            p256::SecretKey::from_pkcs8_pem(pem).map_err(|e| KeyError::BadPem(e.to_string()))?;
        Self::es256(&secret)
    }

    /// ES256 with a key generated for this process (for a store local to it: no other process
    /// verifies its tokens).
    pub fn es256_generated() -> Self {
        let secret = p256::SecretKey::random(&mut p256::elliptic_curve::rand_core::OsRng);
        Self::es256(&secret).expect("a generated P-256 key encodes")
    }

    /// ES256 with the key shared through `store`, sealed with `keys`: generated and stored first
    /// if there is none (the first process to store wins, so concurrent starts agree). The store
    /// holds only the sealed key, so reading the store does not let anyone sign tokens; a key an
    /// earlier version left there in clear is deleted.
    ///
    /// # Errors
    ///
    /// [`KeyError::Store`] when the store fails, [`KeyError::Sealed`] when the shared key does
    /// not open with `keys` (another key ring, or altered bytes).
    pub async fn es256_shared(store: &dyn Store, keys: &VaultKeys) -> Result<Self, KeyError> {
        if store.delete(Namespace::Key, CLEAR_KEY).await? {
            tracing::warn!(
                "deleted the session-token signing key an earlier version kept in the store in clear; tokens it signed are no longer accepted"
            );
        }
        let open = |sealed: &[u8]| -> Result<Self, KeyError> {
            let der = keys
                .open(SHARED_KEY_PURPOSE, sealed)
                .map_err(KeyError::Sealed)?;
            let secret = p256::SecretKey::from_pkcs8_der(&der)
                .map_err(|e| KeyError::BadPem(e.to_string()))?;
            Self::es256(&secret)
        };
        if let Some(sealed) = store.get(Namespace::Key, SHARED_KEY).await? {
            return open(&sealed);
        }
        let secret = p256::SecretKey::random(&mut p256::elliptic_curve::rand_core::OsRng);
        let der = Zeroizing::new(
            secret
                .to_pkcs8_der()
                .map_err(|e| KeyError::BadPem(e.to_string()))?
                .as_bytes()
                .to_vec(),
        );
        let sealed = keys.seal(SHARED_KEY_PURPOSE, &der);
        if store
            .put_new(Namespace::Key, SHARED_KEY, &sealed, None)
            .await?
        {
            return Self::es256(&secret);
        }
        let stored = store
            .get(Namespace::Key, SHARED_KEY)
            .await?
            .ok_or_else(|| {
                KeyError::Store(StoreError::Unavailable(
                    "the shared signing key vanished".into(),
                ))
            })?;
        open(&stored)
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
        self.verify_checked(typ, token, issuer, audience, true)
    }

    /// As [`verify_typed`](Self::verify_typed), for a token that may have expired: everything
    /// but the expiry is checked. Only for telling a user what an expired link was for.
    pub(crate) fn verify_expired_typed<T: DeserializeOwned>(
        &self,
        typ: &str,
        token: &str,
        issuer: &str,
        audience: &str,
    ) -> Result<T, TokenError> {
        self.verify_checked(typ, token, issuer, audience, false)
    }

    fn verify_checked<T: DeserializeOwned>(
        &self,
        typ: &str,
        token: &str,
        issuer: &str,
        audience: &str,
        check_expiry: bool,
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
        validation.validate_exp = check_expiry;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::MemoryStore;
    use crate::tokens::now_secs;
    use crate::tokens::tests::claims;

    #[tokio::test]
    async fn the_shared_key_is_sealed_in_the_store() {
        let store = MemoryStore::new();
        let keys = VaultKeys::generate();
        // What an earlier version left in clear is deleted, not used.
        let old = TokenSigner::es256_generated();
        store
            .put(
                Namespace::Key,
                CLEAR_KEY,
                b"{\"pem\":\"-----BEGIN PRIVATE KEY-----\"}",
                None,
            )
            .await
            .unwrap();
        let signer = TokenSigner::es256_shared(&store, &keys).await.unwrap();
        assert_eq!(store.get(Namespace::Key, CLEAR_KEY).await.unwrap(), None);
        assert_ne!(signer.jwks(), old.jwks());
        let sealed = store
            .get(Namespace::Key, SHARED_KEY)
            .await
            .unwrap()
            .unwrap();
        assert!(
            p256::SecretKey::from_pkcs8_der(&sealed).is_err()
                && !String::from_utf8_lossy(&sealed).contains("PRIVATE KEY"),
            "the store holds no usable key"
        );
        // Another key ring cannot open it: the process refuses to start rather than sign.
        let other = TokenSigner::es256_shared(&store, &VaultKeys::generate()).await;
        assert!(
            matches!(
                other,
                Err(KeyError::Sealed(CorruptReason::UnknownKey { .. }))
            ),
            "{other:?}"
        );
        let again = TokenSigner::es256_shared(&store, &keys).await.unwrap();
        assert_eq!(signer.jwks(), again.jwks());
    }

    #[tokio::test]
    async fn es256_round_trip_and_checks() {
        let store = MemoryStore::new();
        let keys = VaultKeys::generate();
        let signer = TokenSigner::es256_shared(&store, &keys).await.unwrap();
        let again = TokenSigner::es256_shared(&store, &keys).await.unwrap();
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
        let signer = TokenSigner::es256_generated();
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
