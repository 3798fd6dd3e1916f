//! Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document; MCP 2025-11-25
//! recommends them and 2026-07-28 makes them the primary way to register): a client whose
//! `client_id` is an `https://` URL is described by the JSON document at that URL. The server
//! fetches it through the guarded outbound client (public addresses only, no redirects, 5 KiB,
//! 5 s), checks it, and keeps it for as long as its `Cache-Control` allows, within bounds.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Deserialize;
use url::Url;

use super::AuthServer;
use super::clients::{ApplicationType, check_redirect_uris};
use super::records::ClientRecord;
use crate::outbound::{self, Limits, Reach};
use crate::tokens::now_secs;

/// Whether and how clients may be identified by a metadata document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientMetadataPolicy {
    /// Accept `https://` client IDs (announced as `client_id_metadata_document_supported`).
    /// Default on.
    pub enabled: bool,
    /// DEVELOPMENT ONLY: also fetch documents from this machine (`http://127.0.0.1:…`,
    /// `http://localhost:…`), which the server otherwise refuses as it refuses every
    /// non-public address. Default off.
    pub allow_loopback: bool,
}

impl Default for ClientMetadataPolicy {
    fn default() -> Self {
        Self {
            enabled: true,
            allow_loopback: false,
        }
    }
}

/// The draft's recommended bound on a document.
const MAX_DOCUMENT_BYTES: usize = 5 * 1024;
/// How long a fetch may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
/// How many documents the server keeps.
const MAX_KEPT: usize = 1000;
/// How long a document without `Cache-Control: max-age` is kept.
const DEFAULT_KEEP: Duration = Duration::from_secs(300);
/// The bounds put on what `max-age` says: at least this (a client cannot make the server fetch on
/// every request) ...
const MIN_KEEP: Duration = Duration::from_secs(60);
/// ... and at most this (a changed document is seen within a day).
const MAX_KEEP: Duration = Duration::from_secs(24 * 3600);
/// Longest accepted client ID URL, and client name.
const MAX_URL_LEN: usize = 2000;
const MAX_NAME_LEN: usize = 200;

/// The documents fetched, and the client that fetches them.
pub(crate) struct MetadataDocuments {
    http: Option<reqwest::Client>,
    limits: Limits,
    kept: quick_cache::sync::Cache<String, Arc<Kept>>,
}

struct Kept {
    client: ClientRecord,
    until: Instant,
}

/// A document that cannot identify its client; the message says why (and never quotes it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the client's metadata document at {url} cannot be used: {reason}")]
pub(crate) struct MetadataError {
    pub(crate) url: String,
    pub(crate) reason: String,
}

/// What the server reads of a document; anything else in it is ignored.
#[derive(Deserialize)]
struct Document {
    client_id: Option<String>,
    client_name: Option<String>,
    #[serde(default)]
    redirect_uris: Vec<String>,
    token_endpoint_auth_method: Option<String>,
    grant_types: Option<Vec<String>>,
    response_types: Option<Vec<String>>,
    application_type: Option<String>,
    client_secret: Option<serde_json::Value>,
    client_secret_expires_at: Option<serde_json::Value>,
}

impl MetadataDocuments {
    pub(crate) fn new(policy: ClientMetadataPolicy) -> Self {
        let limits = Limits {
            timeout: FETCH_TIMEOUT,
            max_bytes: MAX_DOCUMENT_BYTES,
            reach: if policy.allow_loopback {
                Reach::Loopback
            } else {
                Reach::Public
            },
        };
        let http = policy
            .enabled
            .then(|| outbound::client(limits))
            .and_then(|client| {
                client
                    .inspect_err(
                        |e| tracing::error!(error = %e, "client metadata documents are off"),
                    )
                    .ok()
            });
        Self {
            http,
            limits,
            kept: quick_cache::sync::Cache::new(MAX_KEPT),
        }
    }

    /// Whether the server reads metadata documents.
    pub(crate) fn enabled(&self) -> bool {
        self.http.is_some()
    }
}

impl std::fmt::Debug for MetadataDocuments {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetadataDocuments")
            .field("enabled", &self.enabled())
            .field("kept", &self.kept.len())
            .finish()
    }
}

/// Whether `client_id` names a metadata document rather than a registration (whose IDs never
/// look like URLs).
pub(crate) fn is_document_url(client_id: &str) -> bool {
    client_id.starts_with("https://") || client_id.starts_with("http://")
}

/// The host of a document URL client ID, shown on the pages beside the client's name.
pub(crate) fn client_host(client_id: &str) -> Option<String> {
    if !is_document_url(client_id) {
        return None;
    }
    Url::parse(client_id).ok()?.host_str().map(str::to_owned)
}

impl AuthServer {
    /// The client described by the document at `url`: kept, or fetched (counted against the
    /// registration limit of `ip`, as a registration would be) and checked.
    pub(crate) async fn metadata_client(
        &self,
        url: &str,
        ip: Option<IpAddr>,
    ) -> Result<ClientRecord, MetadataError> {
        let documents = &self.inner.documents;
        let fail = |reason: String| MetadataError {
            url: url.to_owned(),
            reason,
        };
        let Some(http) = &documents.http else {
            return Err(fail(
                "this server does not read client metadata documents".into(),
            ));
        };
        if let Some(kept) = documents.kept.get(url) {
            if kept.until > Instant::now() {
                return Ok(kept.client.clone());
            }
            documents.kept.remove(url);
        }
        let parsed = check_client_id(url).map_err(fail)?;
        if let Err(limited) = self
            .limit_ip(
                "register-ip",
                ip,
                self.inner.config.rate_limits.register_per_ip,
            )
            .await
        {
            return Err(fail(format!(
                "too many new clients from this address; retry in {} s",
                limited.seconds()
            )));
        }
        let fetched = outbound::fetch(http, &parsed, documents.limits)
            .await
            .map_err(fail)?;
        let json = fetched
            .headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(str::trim)
            .is_some_and(|t| t == "application/json" || t.ends_with("+json"));
        if !json {
            return Err(fail("it is not served as application/json".into()));
        }
        let document: Document = serde_json::from_slice(&fetched.body)
            .map_err(|_| fail("it is not a JSON object of client metadata".into()))?;
        let client = self.check_document(url, document).map_err(fail)?;
        match keep_for(&fetched.headers) {
            Some(keep) => {
                documents.kept.insert(
                    url.to_owned(),
                    Arc::new(Kept {
                        client: client.clone(),
                        until: Instant::now() + keep,
                    }),
                );
                tracing::info!(client = %url, keep_secs = keep.as_secs(), "client metadata document fetched");
            }
            None => {
                tracing::info!(client = %url, "client metadata document fetched (not to be kept)")
            }
        }
        Ok(client)
    }

    /// A document's client, if the document describes the client of its URL.
    fn check_document(&self, url: &str, document: Document) -> Result<ClientRecord, String> {
        if document.client_id.as_deref() != Some(url) {
            return Err("its client_id is not the URL it was fetched from".into());
        }
        if document.client_secret.is_some() || document.client_secret_expires_at.is_some() {
            return Err("it carries a client secret, which a public document must not".into());
        }
        match document.token_endpoint_auth_method.as_deref() {
            None | Some("none") => {}
            Some(other) => {
                return Err(format!(
                    "token_endpoint_auth_method `{other}` is not supported here (only `none`)"
                ));
            }
        }
        if document.grant_types.as_ref().is_some_and(|g| {
            g.iter()
                .any(|g| g != "authorization_code" && g != "refresh_token")
        }) {
            return Err("grant_types: only authorization_code and refresh_token".into());
        }
        if document
            .response_types
            .as_ref()
            .is_some_and(|r| r.iter().any(|r| r != "code"))
        {
            return Err("response_types: only code".into());
        }
        let Some(name) = document.client_name.filter(|n| !n.trim().is_empty()) else {
            return Err("it has no client_name".into());
        };
        if name.chars().count() > MAX_NAME_LEN || name.chars().any(char::is_control) {
            return Err("client_name is too long or has control characters".into());
        }
        let application_type = match document.application_type.as_deref() {
            None => ApplicationType::Web,
            Some(kind) => ApplicationType::parse(kind)
                .ok_or("application_type must be \"web\" or \"native\"")?,
        };
        check_redirect_uris(&document.redirect_uris, application_type)?;
        let policy = &self.inner.config.registration;
        if let Some(uri) = document
            .redirect_uris
            .iter()
            .find(|uri| !policy.allows_redirect(uri))
        {
            return Err(format!("this server does not send codes to `{uri}`"));
        }
        Ok(ClientRecord {
            client_id: url.to_owned(),
            client_name: Some(name),
            redirect_uris: document.redirect_uris,
            token_endpoint_auth_method: "none".into(),
            secret_hash: None,
            issued_at: now_secs(),
            application_type,
        })
    }
}

/// A client ID URL as the draft wants it: `https` (or `http` toward loopback, which the fetch
/// then allows only in development), a path, no fragment, no credentials, and written in normal
/// form (no dot segments), so it compares as a plain string.
fn check_client_id(url: &str) -> Result<Url, String> {
    if url.len() > MAX_URL_LEN {
        return Err(format!(
            "the client ID is longer than {MAX_URL_LEN} characters"
        ));
    }
    let parsed = Url::parse(url).map_err(|_| "the client ID is not a URL".to_owned())?;
    if parsed.as_str() != url {
        return Err("the client ID is not in normal form (dot segments, case, escapes)".into());
    }
    if parsed.path() == "/" || parsed.path().is_empty() {
        return Err("the client ID URL has no path".into());
    }
    if parsed.fragment().is_some() {
        return Err("the client ID URL has a fragment".into());
    }
    if parsed.username() != "" || parsed.password().is_some() {
        return Err("the client ID URL carries credentials".into());
    }
    Ok(parsed)
}

/// How long a document may be kept, per its `Cache-Control` (RFC 9111), within bounds; `None`
/// when it must not be kept.
fn keep_for(headers: &http::HeaderMap) -> Option<Duration> {
    let directives: Vec<String> = headers
        .get_all(http::header::CACHE_CONTROL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|d| d.trim().to_ascii_lowercase())
        .collect();
    if directives
        .iter()
        .any(|d| d == "no-store" || d == "no-cache")
    {
        return None;
    }
    let max_age = directives
        .iter()
        .find_map(|d| d.strip_prefix("max-age="))
        .and_then(|s| s.trim_matches('"').parse::<u64>().ok())
        .map(Duration::from_secs);
    Some(max_age.unwrap_or(DEFAULT_KEEP).clamp(MIN_KEEP, MAX_KEEP))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_id_urls_are_checked() {
        assert!(check_client_id("https://app.example.com/client.json").is_ok());
        assert!(check_client_id("https://app.example.com/oauth/client?v=2").is_ok());
        for bad in [
            "https://app.example.com",
            "https://app.example.com/",
            "https://app.example.com/a/../client.json",
            "https://app.example.com/./client.json",
            "https://APP.example.com/client.json",
            "https://app.example.com/client.json#x",
            "https://user:pw@app.example.com/client.json",
            "not a url",
        ] {
            assert!(check_client_id(bad).is_err(), "{bad}");
        }
        assert!(check_client_id(&format!("https://a.example/{}", "x".repeat(2000))).is_err());
    }

    #[test]
    fn cache_control_is_honoured_within_bounds() {
        let headers = |value: &str| {
            let mut h = http::HeaderMap::new();
            h.insert(http::header::CACHE_CONTROL, value.parse().unwrap());
            h
        };
        assert_eq!(keep_for(&http::HeaderMap::new()), Some(DEFAULT_KEEP));
        assert_eq!(
            keep_for(&headers("public, max-age=600")),
            Some(Duration::from_secs(600))
        );
        assert_eq!(keep_for(&headers("max-age=1")), Some(MIN_KEEP));
        assert_eq!(keep_for(&headers("max-age=99999999")), Some(MAX_KEEP));
        assert_eq!(keep_for(&headers("no-store")), None);
        assert_eq!(keep_for(&headers("max-age=600, no-cache")), None);
    }

    #[test]
    fn document_hosts() {
        assert_eq!(
            client_host("https://app.example.com/c.json").as_deref(),
            Some("app.example.com")
        );
        assert_eq!(client_host("abcdef"), None);
    }
}
