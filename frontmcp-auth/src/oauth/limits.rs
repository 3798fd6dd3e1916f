//! Limits on what anonymous callers can make the authorization server do: rate limits on the
//! sign-in, registration and token endpoints (per client IP, per user, per client), and the
//! bounds of dynamic client registration. Their state is in the store, so processes sharing a
//! Redis share the limits.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use http::HeaderMap;

use super::AuthServer;
use crate::random;
use crate::store::Namespace;

/// A rate: `burst` events at once, then one every `every`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    /// How many events may come at once.
    pub burst: u32,
    /// How often one more is allowed after the burst.
    pub every: Duration,
}

impl Rate {
    /// `burst` at once, then one every `every`.
    pub const fn new(burst: u32, every: Duration) -> Self {
        Self { burst, every }
    }
}

/// The rate limits of the endpoints anonymous callers reach; `None` turns one off. Past a limit
/// the endpoint answers 429 with `Retry-After`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    /// Sign-in attempts per client IP (default 30 at once, then one every 2 s).
    pub login_per_ip: Option<Rate>,
    /// Sign-in attempts per user name (default 10 at once, then one every 6 s): slows password
    /// guessing against one account from many addresses.
    pub login_per_user: Option<Rate>,
    /// Client registrations per client IP (default 20 at once, then one every 3 s).
    pub register_per_ip: Option<Rate>,
    /// Token and revocation requests per client IP (default 60 at once, then 2 a second).
    pub token_per_ip: Option<Rate>,
    /// Token and revocation requests per OAuth client (default 60 at once, then one a second).
    pub token_per_client: Option<Rate>,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            login_per_ip: Some(Rate::new(30, Duration::from_secs(2))),
            login_per_user: Some(Rate::new(10, Duration::from_secs(6))),
            register_per_ip: Some(Rate::new(20, Duration::from_secs(3))),
            token_per_ip: Some(Rate::new(60, Duration::from_millis(500))),
            token_per_client: Some(Rate::new(60, Duration::from_secs(1))),
        }
    }
}

impl RateLimits {
    /// No limit at all: for a server behind a gateway that limits, and for load tests.
    pub const fn off() -> Self {
        Self {
            login_per_ip: None,
            login_per_user: None,
            register_per_ip: None,
            token_per_ip: None,
            token_per_client: None,
        }
    }
}

/// How dynamic client registration (RFC 7591) is bounded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrationPolicy {
    /// A registration not used (to authorize, or at the token endpoint) for this long expires;
    /// each use extends it. Default 30 days.
    pub client_ttl: Duration,
    /// At most this many live registrations; past it, registration answers 503
    /// `temporarily_unavailable`. Default 10,000.
    pub max_clients: usize,
    /// When set, registering needs `Authorization: Bearer {token}` (RFC 7591 section 3, an
    /// initial access token), so only those given the token can register.
    pub initial_access_token: Option<String>,
    /// When set, every redirect URI's host must be one of these (case-insensitive; loopback
    /// hosts such as `127.0.0.1` only when listed).
    pub redirect_hosts: Option<Vec<String>>,
}

impl Default for RegistrationPolicy {
    fn default() -> Self {
        Self {
            client_ttl: Duration::from_secs(30 * 24 * 3600),
            max_clients: 10_000,
            initial_access_token: None,
            redirect_hosts: None,
        }
    }
}

impl RegistrationPolicy {
    /// Whether `uri`'s host may receive codes under this policy.
    pub(crate) fn allows_redirect(&self, uri: &str) -> bool {
        let Some(hosts) = &self.redirect_hosts else {
            return true;
        };
        let host = url::Url::parse(uri)
            .ok()
            .and_then(|u| u.host_str().map(str::to_ascii_lowercase));
        host.is_some_and(|host| hosts.iter().any(|h| h.eq_ignore_ascii_case(&host)))
    }
}

/// The address of the connection a request came on. The HTTP layer puts it in the request's
/// extensions; the rate limits read the client's IP from it (and from `X-Forwarded-For` when it
/// is a [trusted proxy](super::AuthConfig::trusted_proxies)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerAddr(pub SocketAddr);

/// What a limit counts: the digest of a name, so neither addresses nor user names are stored as
/// they are.
fn bucket(kind: &str, name: &str) -> String {
    format!("{kind}:{}", &random::digest(name.as_bytes())[..22])
}

/// A refused request: how long until it would be allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limited(pub(crate) Duration);

impl Limited {
    /// Whole seconds to wait, at least one (`Retry-After`).
    pub(crate) fn seconds(self) -> u64 {
        self.0.as_millis().div_ceil(1000).max(1) as u64
    }
}

impl AuthServer {
    /// The client's IP: the connection's, or, from a trusted proxy, the last address in
    /// `X-Forwarded-For` that is not one of the trusted proxies. `None` when the HTTP layer did
    /// not say (a request handed over by code, not a connection).
    pub(crate) fn client_ip(
        &self,
        extensions: &http::Extensions,
        headers: &HeaderMap,
    ) -> Option<IpAddr> {
        let peer = extensions.get::<PeerAddr>()?.0.ip();
        let trusted = &self.inner.config.trusted_proxies;
        if !trusted.contains(&peer) {
            return Some(peer);
        }
        let forwarded = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|a| a.trim().parse::<IpAddr>().ok())
            .collect::<Vec<_>>();
        Some(
            forwarded
                .into_iter()
                .rev()
                .find(|a| !trusted.contains(a))
                .unwrap_or(peer),
        )
    }

    /// Counts a request of `kind` from `ip` against `rate`. An IPv6 client counts by its /64,
    /// which one subscriber usually holds whole.
    pub(crate) async fn limit_ip(
        &self,
        kind: &str,
        ip: Option<IpAddr>,
        rate: Option<Rate>,
    ) -> Result<(), Limited> {
        let Some(ip) = ip else {
            return Ok(());
        };
        let name = match ip {
            IpAddr::V4(v4) => v4.to_string(),
            IpAddr::V6(v6) => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        };
        self.limit(&bucket(kind, &name), rate).await
    }

    /// Counts a request against `rate` for `name` (a user, a client) of `kind`.
    pub(crate) async fn limit_name(
        &self,
        kind: &str,
        name: &str,
        rate: Option<Rate>,
    ) -> Result<(), Limited> {
        self.limit(&bucket(kind, name), rate).await
    }

    async fn limit(&self, key: &str, rate: Option<Rate>) -> Result<(), Limited> {
        let Some(rate) = rate else {
            return Ok(());
        };
        match self
            .inner
            .store
            .throttle(Namespace::RateLimit, key, rate.every, rate.burst)
            .await
        {
            Ok(None) => Ok(()),
            Ok(Some(wait)) => {
                tracing::warn!(
                    limit = key.split(':').next().unwrap_or(""),
                    wait_ms = wait.as_millis() as u64,
                    "rate limit reached"
                );
                Err(Limited(wait))
            }
            // An unavailable store fails the request that needs it anyway; a limit alone does
            // not refuse service.
            Err(e) => {
                tracing::warn!(error = %e, "rate limit not checked: the store does not answer");
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_hosts_are_an_exact_list() {
        let open = RegistrationPolicy::default();
        assert!(open.allows_redirect("https://anything.example/cb"));
        let listed = RegistrationPolicy {
            redirect_hosts: Some(vec!["App.Example.com".into(), "127.0.0.1".into()]),
            ..Default::default()
        };
        assert!(listed.allows_redirect("https://app.example.com/cb"));
        assert!(listed.allows_redirect("http://127.0.0.1:8080/cb"));
        assert!(!listed.allows_redirect("http://localhost:8080/cb"));
        assert!(!listed.allows_redirect("https://evil.app.example.com/cb"));
        assert!(!listed.allows_redirect("com.example.app:/cb"));
    }

    #[test]
    fn waits_round_up_to_whole_seconds() {
        assert_eq!(Limited(Duration::from_millis(1)).seconds(), 1);
        assert_eq!(Limited(Duration::from_millis(1001)).seconds(), 2);
        assert_eq!(Limited(Duration::ZERO).seconds(), 1);
    }
}
