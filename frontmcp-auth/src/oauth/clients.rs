//! OAuth clients: finding one (a registration, renewed by each use), what a redirect URI may be,
//! and when a requested one matches a registered one.

use std::net::IpAddr;

use super::AuthServer;
use super::metadata_document::{MetadataError, is_document_url};
use super::records::ClientRecord;
use crate::store::{Namespace, StoreError, StoreExt};

/// Why no client could be found for a client ID.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ClientError {
    /// No registration has this ID.
    #[error("no client is registered with this ID")]
    Unknown,
    /// The ID is a metadata document URL, and the document cannot be used.
    #[error(transparent)]
    Document(#[from] MetadataError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl AuthServer {
    /// The client `client_id`: described by its metadata document when the ID is a URL (from a
    /// request by `ip`, which fetching counts against), else registered. A registration's life is
    /// extended by each use, so only unused ones expire.
    pub(crate) async fn client(
        &self,
        client_id: &str,
        ip: Option<IpAddr>,
    ) -> Result<ClientRecord, ClientError> {
        if is_document_url(client_id) {
            return Ok(self.metadata_client(client_id, ip).await?);
        }
        let store = &self.inner.store;
        let Some(client) = store
            .get_record::<ClientRecord>(Namespace::Client, client_id)
            .await?
        else {
            return Err(ClientError::Unknown);
        };
        let policy = &self.inner.config.registration;
        let renewed = async {
            store
                .touch(Namespace::Client, client_id, policy.client_ttl)
                .await?;
            store
                .admit(
                    Namespace::Client,
                    client_id,
                    policy.client_ttl,
                    policy.max_clients,
                )
                .await
        };
        if let Err(e) = renewed.await {
            tracing::warn!(error = %e, "a client registration was not renewed");
        }
        Ok(client)
    }
}

/// At most this many redirect URIs per client.
const MAX_REDIRECT_URIS: usize = 10;
/// Longest accepted redirect URI.
const MAX_URI_LEN: usize = 2000;

/// What kind of application a client is (OpenID Connect Dynamic Client Registration
/// `application_type`, which MCP 2026-07-28 asks clients to send): it decides which redirect URIs
/// it may register.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ApplicationType {
    /// A web application (the default): `https://` redirect URIs, or `http://` on a loopback host
    /// for one run locally.
    #[default]
    Web,
    /// A native application (desktop, mobile, command line; RFC 8252): `http://` on a loopback
    /// host (any port), a private-use scheme named after a domain it owns
    /// (`com.example.app:/callback`), or a claimed `https://` URL.
    Native,
}

impl ApplicationType {
    /// The type named `value` in a registration.
    pub(crate) fn parse(value: &str) -> Option<Self> {
        match value {
            "web" => Some(Self::Web),
            "native" => Some(Self::Native),
            _ => None,
        }
    }

    /// Its name in registration documents.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Web => "web",
            Self::Native => "native",
        }
    }
}

/// Whether `host` (as `url` gives it) is a loopback host.
fn is_loopback(host: Option<&str>) -> bool {
    matches!(host, Some("localhost" | "127.0.0.1" | "[::1]"))
}

/// Checks the redirect URIs a client of `kind` registers: absolute, without fragment or
/// credentials, and of a scheme its kind may use.
pub(crate) fn check_redirect_uris(uris: &[String], kind: ApplicationType) -> Result<(), String> {
    if uris.is_empty() {
        return Err("at least one redirect_uri is required".into());
    }
    if uris.len() > MAX_REDIRECT_URIS {
        return Err(format!("at most {MAX_REDIRECT_URIS} redirect_uris"));
    }
    for uri in uris {
        if uri.len() > MAX_URI_LEN {
            return Err(format!(
                "a redirect_uri is longer than {MAX_URI_LEN} characters"
            ));
        }
        let parsed = url::Url::parse(uri).map_err(|_| format!("`{uri}` is not an absolute URI"))?;
        if parsed.fragment().is_some() {
            return Err(format!("`{uri}` has a fragment"));
        }
        if parsed.username() != "" || parsed.password().is_some() {
            return Err(format!("`{uri}` carries credentials"));
        }
        let loopback = is_loopback(parsed.host_str());
        match (parsed.scheme(), kind) {
            ("https", _) => {}
            ("http", _) if loopback => {}
            ("http", ApplicationType::Web) => {
                return Err(format!("`{uri}` must be https, or http on a loopback host"));
            }
            ("http", ApplicationType::Native) => {
                return Err(format!(
                    "`{uri}`: a native application's http redirect must be on a loopback host"
                ));
            }
            // RFC 8252 section 7.1: a private-use scheme is a reverse domain name the app owns.
            (scheme, ApplicationType::Native)
                if scheme.contains('.') && !parsed.cannot_be_a_base() => {}
            (_, ApplicationType::Native) => {
                return Err(format!(
                    "`{uri}`: a native application's private-use scheme must be a reverse domain name with a path (com.example.app:/callback)"
                ));
            }
            (_, ApplicationType::Web) => {
                return Err(format!(
                    "`{uri}` must be https, or http on a loopback host (custom schemes need application_type \"native\")"
                ));
            }
        }
    }
    Ok(())
}

/// Whether the redirect URI of an authorization request matches one the client registered:
/// exactly, except that an `http` loopback URI may name any port (RFC 8252 section 7.3: native
/// apps listen on an ephemeral port).
pub(crate) fn redirect_matches(registered: &str, requested: &str) -> bool {
    if registered == requested {
        return true;
    }
    let (Ok(mut registered), Ok(mut requested)) =
        (url::Url::parse(registered), url::Url::parse(requested))
    else {
        return false;
    };
    let loopback_http = |url: &url::Url| url.scheme() == "http" && is_loopback(url.host_str());
    if !loopback_http(&registered) || !loopback_http(&requested) {
        return false;
    }
    // Both are http with a host, so the port can always be cleared.
    let _ = registered.set_port(None);
    let _ = requested.set_port(None);
    registered == requested
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_uri_rules() {
        let web = |u: &str| check_redirect_uris(&[u.to_owned()], ApplicationType::Web).is_ok();
        let native =
            |u: &str| check_redirect_uris(&[u.to_owned()], ApplicationType::Native).is_ok();
        assert!(web("https://app.example.com/callback"));
        assert!(web("http://localhost:8080/cb"));
        assert!(web("http://127.0.0.1/cb"));
        assert!(web("http://[::1]:9/cb"));
        assert!(!web("http://app.example.com/cb"));
        assert!(!web("https://app.example.com/cb#frag"));
        assert!(!web("javascript:alert(1)"));
        assert!(
            !web("com.example.app:/callback"),
            "custom schemes are native"
        );
        assert!(!web("/relative"));
        assert!(!web("https://user:pw@app.example.com/cb"));
        assert!(!web(&format!("https://a.example/{}", "x".repeat(2100))));
        assert!(native("http://127.0.0.1/cb"));
        assert!(native("com.example.app:/callback"));
        assert!(native("https://app.example.com/callback"));
        assert!(!native("http://app.example.com/cb"));
        assert!(!native("myapp:/cb"), "not a reverse domain name");
        assert!(!native("com.example.app:callback"), "no path");
        assert!(!native("javascript:alert(1)"));
        assert!(check_redirect_uris(&[], ApplicationType::Web).is_err());
        assert!(
            check_redirect_uris(
                &vec!["https://a.example/cb".to_owned(); 11],
                ApplicationType::Web
            )
            .is_err()
        );
    }

    #[test]
    fn loopback_redirects_match_on_any_port_and_nothing_else_varies() {
        let matches = redirect_matches;
        assert!(matches("https://a.example/cb", "https://a.example/cb"));
        assert!(matches("http://127.0.0.1/cb", "http://127.0.0.1:51234/cb"));
        assert!(matches(
            "http://127.0.0.1:3000/cb",
            "http://127.0.0.1:51234/cb"
        ));
        assert!(matches("http://[::1]:3000/cb", "http://[::1]:1/cb"));
        assert!(matches(
            "http://localhost:3000/cb?x=1",
            "http://localhost:9/cb?x=1"
        ));
        assert!(!matches(
            "http://127.0.0.1:3000/cb",
            "http://127.0.0.1:3000/other"
        ));
        assert!(
            !matches("http://127.0.0.1/cb", "http://localhost/cb"),
            "another host"
        );
        assert!(!matches(
            "http://127.0.0.1/cb?x=1",
            "http://127.0.0.1/cb?x=2"
        ));
        assert!(!matches("http://127.0.0.1/cb", "https://127.0.0.1/cb"));
        assert!(
            !matches("https://a.example/cb", "https://a.example:8443/cb"),
            "not loopback"
        );
        assert!(!matches("https://a.example/cb", "https://a.example/cb/"));
        assert!(!matches(
            "http://127.0.0.1/cb",
            "http://user@127.0.0.1:9/cb"
        ));
    }
}
