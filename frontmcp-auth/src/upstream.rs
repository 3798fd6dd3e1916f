//! The server as an OAuth client of each app's upstream provider (Slack, GitHub, a CRM's IdP...)
//! and of the OpenID provider users sign in at: endpoint discovery, authorization URLs with PKCE,
//! code exchange and refresh, and the provider's signing keys.
//!
//! Every request has a timeout and a bounded response, and failures are classified so callers can
//! tell "ask the user again" (the grant is gone) from "try again later" (the provider is down).

use std::time::Duration;

use serde::Deserialize;

use crate::random;

/// Largest provider response read (metadata or token response).
const MAX_RESPONSE_BYTES: usize = 256 * 1024;

/// Where a provider's endpoints are.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ProviderEndpoints {
    /// The provider's issuer.
    pub issuer: String,
    /// Its authorization endpoint.
    pub authorization_endpoint: String,
    /// Its token endpoint.
    pub token_endpoint: String,
    /// Its revocation endpoint, if any.
    #[serde(default)]
    pub revocation_endpoint: Option<String>,
    /// PKCE methods it supports (empty when it does not say).
    #[serde(default)]
    pub code_challenge_methods_supported: Vec<String>,
    /// It names itself (`iss`) in every authorization response (RFC 9207), so an answer without
    /// it is refused.
    #[serde(default)]
    pub authorization_response_iss_parameter_supported: bool,
    /// Where its ID token signing keys are (OpenID Connect), if it says.
    #[serde(default)]
    pub jwks_uri: Option<String>,
}

/// The server's credentials at a provider.
#[derive(Clone)]
pub struct ClientCredentials {
    /// Client ID.
    pub client_id: String,
    /// Client secret, for confidential clients (sent with HTTP Basic).
    pub client_secret: Option<String>,
}

impl std::fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// Tokens a provider issued.
#[derive(Clone, PartialEq, Eq, Deserialize)]
pub struct UpstreamTokens {
    /// The access token.
    pub access_token: String,
    /// The token type (`Bearer`).
    #[serde(default)]
    pub token_type: Option<String>,
    /// Seconds until the access token expires.
    #[serde(default)]
    pub expires_in: Option<u64>,
    /// The refresh token, if one was issued.
    #[serde(default)]
    pub refresh_token: Option<String>,
    /// The granted scopes, space-separated (some providers use commas).
    #[serde(default)]
    pub scope: Option<String>,
    /// The ID token, from an OpenID provider.
    #[serde(default)]
    pub id_token: Option<String>,
}

impl std::fmt::Debug for UpstreamTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UpstreamTokens")
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .field("scope", &self.scope)
            .field("id_token", &self.id_token.as_ref().map(|_| "<redacted>"))
            .finish_non_exhaustive()
    }
}

impl UpstreamTokens {
    /// The granted scopes, or `requested` when the provider did not say (RFC 6749 5.1: then the
    /// grant is what was requested).
    pub fn granted_scopes(&self, requested: &[String]) -> Vec<String> {
        match &self.scope {
            Some(scope) => scope
                .split([' ', ','])
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            None => requested.to_vec(),
        }
    }
}

/// Why a provider interaction failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UpstreamError {
    /// The provider answered with an OAuth error; `invalid_grant` means the grant is gone (see
    /// [`needs_reauthorization`](UpstreamError::needs_reauthorization)).
    #[error("the provider refused: {error}{}", description.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    Refused {
        /// The OAuth error code.
        error: String,
        /// Its description.
        description: Option<String>,
    },
    /// The provider did not answer in time.
    #[error("the provider did not answer within {0:?}")]
    Timeout(Duration),
    /// The provider is unreachable or failed (5xx, connection refused...): try again later.
    #[error("the provider is unavailable: {0}")]
    Unavailable(String),
    /// The provider answered something that is not what OAuth promises.
    #[error("the provider's answer is invalid: {0}")]
    InvalidResponse(String),
    /// No metadata was found at the provider URL.
    #[error("no OAuth metadata found for {0}")]
    Discovery(String),
}

impl UpstreamError {
    /// Whether the grant is gone and the user has to authorize again: the provider answered
    /// `invalid_grant` (RFC 6749 5.2: invalid, expired or revoked). Other refusals
    /// (`invalid_client`, rate limits...) are the server's problem, not the user's, and keep
    /// the tokens.
    pub fn needs_reauthorization(&self) -> bool {
        matches!(self, Self::Refused { error, .. } if error == "invalid_grant")
    }
}

#[derive(Deserialize)]
struct OAuthErrorBody {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
}

/// An HTTP client for upstream providers.
#[derive(Debug, Clone)]
pub struct UpstreamClient {
    http: reqwest::Client,
    timeout: Duration,
}

impl UpstreamClient {
    /// A client whose requests each give up after `timeout`; redirects are not followed (a token
    /// endpoint has no business redirecting credentials elsewhere).
    pub fn new(timeout: Duration) -> Self {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("frontmcp/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("the HTTP client configuration is valid");
        Self { http, timeout }
    }

    /// Finds a provider's endpoints from its URL: RFC 8414 metadata (path inserted after the
    /// well-known prefix, then appended), then OpenID Connect discovery.
    pub async fn discover(&self, provider: &str) -> Result<ProviderEndpoints, UpstreamError> {
        let url =
            url::Url::parse(provider).map_err(|_| UpstreamError::Discovery(provider.to_owned()))?;
        let origin = url.origin().ascii_serialization();
        let path = url.path().trim_end_matches('/');
        let mut candidates = vec![
            format!("{origin}/.well-known/oauth-authorization-server{path}"),
            format!("{origin}{path}/.well-known/oauth-authorization-server"),
            format!("{origin}/.well-known/openid-configuration{path}"),
            format!("{origin}{path}/.well-known/openid-configuration"),
        ];
        // Without a path, inserting and appending give the same URL.
        candidates.dedup();
        let mut last = UpstreamError::Discovery(provider.to_owned());
        for candidate in &candidates {
            match self.get_json::<ProviderEndpoints>(candidate).await {
                Ok(endpoints) => return Ok(endpoints),
                // A provider that is down will not answer the next candidate either.
                Err(e @ (UpstreamError::Timeout(_) | UpstreamError::Unavailable(_))) => {
                    return Err(e);
                }
                Err(e) => last = e,
            }
        }
        tracing::warn!(%provider, "no OAuth metadata found");
        Err(match last {
            UpstreamError::InvalidResponse(_) => last,
            _ => UpstreamError::Discovery(provider.to_owned()),
        })
    }

    /// The URL to send the user to, with PKCE S256 (and the OpenID Connect `nonce`, when given);
    /// also returns the verifier to keep for the code exchange.
    pub fn authorization_url(
        &self,
        endpoints: &ProviderEndpoints,
        client: &ClientCredentials,
        redirect_uri: &str,
        scopes: &[String],
        state: &str,
        nonce: Option<&str>,
    ) -> (String, String) {
        let verifier = random::token();
        let challenge = random::digest(verifier.as_bytes());
        let mut url = url::Url::parse(&endpoints.authorization_endpoint)
            .expect("discovered endpoints are URLs");
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &client.client_id)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("scope", &scopes.join(" "))
            .append_pair("state", state)
            .append_pair("code_challenge", &challenge)
            .append_pair("code_challenge_method", "S256");
        if let Some(nonce) = nonce {
            url.query_pairs_mut().append_pair("nonce", nonce);
        }
        (url.into(), verifier)
    }

    /// The provider's signing keys (its JWKS).
    pub async fn signing_keys(
        &self,
        endpoints: &ProviderEndpoints,
    ) -> Result<jsonwebtoken::jwk::JwkSet, UpstreamError> {
        let url = endpoints.jwks_uri.as_deref().ok_or_else(|| {
            UpstreamError::InvalidResponse("the provider's metadata names no jwks_uri".into())
        })?;
        self.get_json(url).await
    }

    /// Exchanges an authorization code.
    pub async fn exchange_code(
        &self,
        endpoints: &ProviderEndpoints,
        client: &ClientCredentials,
        code: &str,
        redirect_uri: &str,
        verifier: &str,
    ) -> Result<UpstreamTokens, UpstreamError> {
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri),
            ("code_verifier", verifier),
            ("client_id", client.client_id.as_str()),
        ];
        self.token_request(endpoints, client, &form).await
    }

    /// Refreshes an access token.
    pub async fn refresh(
        &self,
        endpoints: &ProviderEndpoints,
        client: &ClientCredentials,
        refresh_token: &str,
    ) -> Result<UpstreamTokens, UpstreamError> {
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("client_id", client.client_id.as_str()),
        ];
        self.token_request(endpoints, client, &form).await
    }

    /// Revokes `token` at the provider (RFC 7009), when it has a revocation endpoint; `Ok(false)`
    /// when it has none.
    pub async fn revoke(
        &self,
        endpoints: &ProviderEndpoints,
        client: &ClientCredentials,
        token: &str,
    ) -> Result<bool, UpstreamError> {
        let Some(endpoint) = &endpoints.revocation_endpoint else {
            return Ok(false);
        };
        let mut request = self
            .http
            .post(endpoint)
            .form(&[("token", token), ("client_id", client.client_id.as_str())]);
        if let Some(secret) = &client.client_secret {
            request = request.basic_auth(&client.client_id, Some(secret));
        }
        let response = request.send().await.map_err(|e| self.transport_error(e))?;
        let status = response.status();
        if status.is_success() {
            Ok(true)
        } else if status.is_server_error() {
            Err(UpstreamError::Unavailable(format!(
                "revocation endpoint answered {status}"
            )))
        } else {
            Err(UpstreamError::Refused {
                error: format!("revocation answered {status}"),
                description: None,
            })
        }
    }

    async fn token_request(
        &self,
        endpoints: &ProviderEndpoints,
        client: &ClientCredentials,
        form: &[(&str, &str)],
    ) -> Result<UpstreamTokens, UpstreamError> {
        let mut request = self
            .http
            .post(&endpoints.token_endpoint)
            .header("accept", "application/json")
            .form(form);
        if let Some(secret) = &client.client_secret {
            request = request.basic_auth(&client.client_id, Some(secret));
        }
        let response = request.send().await.map_err(|e| self.transport_error(e))?;
        let status = response.status();
        let body = self.bounded_body(response).await?;
        if status.is_success() {
            let tokens: UpstreamTokens = serde_json::from_slice(&body)
                .map_err(|e| UpstreamError::InvalidResponse(format!("token response: {e}")))?;
            if tokens.access_token.is_empty() {
                return Err(UpstreamError::InvalidResponse("empty access_token".into()));
            }
            return Ok(tokens);
        }
        if status.is_server_error() {
            return Err(UpstreamError::Unavailable(format!(
                "token endpoint answered {status}"
            )));
        }
        match serde_json::from_slice::<OAuthErrorBody>(&body) {
            Ok(err) => Err(UpstreamError::Refused {
                error: err.error,
                description: err.error_description,
            }),
            Err(_) => Err(UpstreamError::InvalidResponse(format!(
                "token endpoint answered {status} without an OAuth error"
            ))),
        }
    }

    async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        url: &str,
    ) -> Result<T, UpstreamError> {
        let response = self
            .http
            .get(url)
            .header("accept", "application/json")
            .send()
            .await
            .map_err(|e| self.transport_error(e))?;
        let status = response.status();
        if status.is_server_error() {
            return Err(UpstreamError::Unavailable(format!(
                "{url} answered {status}"
            )));
        }
        if !status.is_success() {
            return Err(UpstreamError::Discovery(url.to_owned()));
        }
        let body = self.bounded_body(response).await?;
        serde_json::from_slice(&body)
            .map_err(|e| UpstreamError::InvalidResponse(format!("{url}: {e}")))
    }

    async fn bounded_body(
        &self,
        mut response: reqwest::Response,
    ) -> Result<Vec<u8>, UpstreamError> {
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| self.transport_error(e))?
        {
            if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
                return Err(UpstreamError::InvalidResponse(format!(
                    "response larger than {MAX_RESPONSE_BYTES} bytes"
                )));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    fn transport_error(&self, e: reqwest::Error) -> UpstreamError {
        if e.is_timeout() {
            UpstreamError::Timeout(self.timeout)
        } else {
            // reqwest's message can name the URL but never carries request bodies or credentials.
            UpstreamError::Unavailable(e.without_url().to_string())
        }
    }
}
