//! Requests the server makes to URLs that others chose (an OpenAPI spec's location, a client's
//! metadata document): a timeout, a size limit, no redirects, no proxy, and, unless told
//! otherwise, only addresses on the public internet, checked on every connection (SSRF).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::Url;

/// Which addresses an outbound request may reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// `https://` on the public internet only.
    Public,
    /// Also `http://` and `https://` on this machine (loopback), for local development.
    Loopback,
    /// Anything, private networks included (`http://` too): for a server fetching from its own
    /// network on purpose.
    Private,
}

/// How an outbound request is bounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// For the whole request.
    pub timeout: Duration,
    /// Largest body read.
    pub max_bytes: usize,
    /// Which addresses it may reach.
    pub reach: Reach,
}

/// What a fetch brought back.
#[derive(Debug)]
pub struct Fetched {
    /// The body.
    pub body: Vec<u8>,
    /// The response headers.
    pub headers: http::HeaderMap,
}

impl Reach {
    fn allows(self, ip: IpAddr) -> bool {
        match self {
            Self::Public => is_public(ip),
            Self::Loopback => is_public(ip) || ip.is_loopback() || is_mapped_loopback(ip),
            Self::Private => true,
        }
    }

    fn allows_http(self) -> bool {
        self != Self::Public
    }
}

fn is_mapped_loopback(ip: IpAddr) -> bool {
    matches!(ip, IpAddr::V6(v6) if v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback()))
}

/// An HTTP client for `limits`: no redirects, and, unless private networks are allowed, no proxy
/// and a resolver that refuses names with any address `limits` does not allow, on every
/// connection.
///
/// # Errors
///
/// When the TLS backend cannot be set up.
pub fn client(limits: Limits) -> Result<reqwest::Client, String> {
    let mut builder = reqwest::Client::builder()
        .timeout(limits.timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("frontmcp/", env!("CARGO_PKG_VERSION")));
    if limits.reach != Reach::Private {
        // A proxy would connect on our behalf, past the resolver's check.
        builder = builder.no_proxy().dns_resolver(Arc::new(Checked {
            timeout: limits.timeout,
            reach: limits.reach,
        }));
    }
    builder
        .build()
        .map_err(|e| format!("cannot build an HTTP client: {e}"))
}

/// Refuses a URL of a scheme `limits` does not allow, or that the client would reach without
/// resolving a name (an IP literal) at an address it does not allow; names are checked at each
/// connection.
///
/// # Errors
///
/// A sentence saying why.
pub fn check_url(url: &Url, limits: Limits) -> Result<(), String> {
    if url.scheme() != "https" && !(url.scheme() == "http" && limits.reach.allows_http()) {
        return Err(format!(
            "{url}: only https:// is allowed (http:// only for local development)"
        ));
    }
    // Development on this machine: plain http goes nowhere else.
    if url.scheme() == "http"
        && limits.reach == Reach::Loopback
        && !matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"))
    {
        return Err(format!("{url}: http:// only toward this machine"));
    }
    let ip = match url.host() {
        Some(url::Host::Ipv4(v4)) => IpAddr::V4(v4),
        Some(url::Host::Ipv6(v6)) => IpAddr::V6(v6),
        Some(url::Host::Domain(_)) => return Ok(()),
        None => return Err(format!("{url} has no host")),
    };
    if limits.reach.allows(ip) {
        Ok(())
    } else {
        Err(refusal(url.host_str().unwrap_or(""), ip))
    }
}

fn refusal(host: &str, ip: IpAddr) -> String {
    format!("{host} resolves to {ip}, a private, loopback or link-local address: refused")
}

/// Resolves names like the system does, refusing any answer with an address the reach does not
/// allow (an attacker-controlled name may hold several, or change between lookups: each
/// connection resolves and checks again).
struct Checked {
    timeout: Duration,
    reach: Reach,
}

impl Resolve for Checked {
    fn resolve(&self, name: Name) -> Resolving {
        let (timeout, reach) = (self.timeout, self.reach);
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let lookup = tokio::net::lookup_host((host.as_str(), 0));
            let addresses: Vec<SocketAddr> = tokio::time::timeout(timeout, lookup)
                .await
                .map_err(|_| format!("resolving {host} took longer than {timeout:?}"))?
                .map_err(|e| format!("cannot resolve {host}: {e}"))?
                .collect();
            check_addresses(&host, &addresses, reach)?;
            Ok(Box::new(addresses.into_iter()) as Addrs)
        })
    }
}

/// Refuses `addresses` unless `reach` allows every one.
///
/// # Errors
///
/// A sentence naming the first address refused.
pub fn check_addresses(host: &str, addresses: &[SocketAddr], reach: Reach) -> Result<(), String> {
    if addresses.is_empty() {
        return Err(format!("{host} resolves to no address"));
    }
    match addresses.iter().find(|a| !reach.allows(a.ip())) {
        Some(refused) => Err(refusal(host, refused.ip())),
        None => Ok(()),
    }
}

/// GETs `url` within `limits` with `client` (made by [`client`] for the same limits): the body
/// of a 2xx answer that is not a redirect, at most `max_bytes`.
///
/// # Errors
///
/// A sentence saying what failed (never the body).
pub async fn fetch(client: &reqwest::Client, url: &Url, limits: Limits) -> Result<Fetched, String> {
    check_url(url, limits)?;
    let mut response = client.get(url.as_str()).send().await.map_err(|e| {
        // The innermost cause (the resolver's refusal, say) is the useful one.
        let mut message = String::new();
        let mut source = std::error::Error::source(&e);
        while let Some(cause) = source {
            message = cause.to_string();
            source = cause.source();
        }
        if message.is_empty() {
            message = e.without_url().to_string();
        }
        format!("the request failed: {message}")
    })?;
    let status = response.status();
    if status.is_redirection() {
        return Err(format!("the URL redirects ({status}); give the final URL"));
    }
    if !status.is_success() {
        return Err(format!("the server answered {status}"));
    }
    if response
        .content_length()
        .is_some_and(|len| len > limits.max_bytes as u64)
    {
        return Err(format!(
            "the document is larger than the limit of {} bytes",
            limits.max_bytes
        ));
    }
    let headers = response.headers().clone();
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| format!("reading the document failed: {}", e.without_url()))?
    {
        if body.len() + chunk.len() > limits.max_bytes {
            return Err(format!(
                "the document is larger than the limit of {} bytes",
                limits.max_bytes
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Fetched { body, headers })
}

/// Whether `ip` is on the public internet. Refused: loopback, private (RFC 1918), link-local,
/// shared (CGNAT), unspecified, broadcast, multicast, documentation, benchmarking, reserved,
/// IETF protocol assignments; IPv6 unique-local, site-local, discard-only; and IPv6 forms that
/// embed an IPv4 address (mapped, compatible, NAT64, 6to4) whose IPv4 address is not public.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(v4: Ipv4Addr) -> bool {
    let [a, b, c, _] = v4.octets();
    !(v4.is_loopback()
        || v4.is_private()
        || v4.is_link_local()
        || v4.is_unspecified()
        || v4.is_broadcast()
        || v4.is_multicast()
        || v4.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b))
        || (a == 192 && b == 0 && c == 0)
        || (a == 198 && (18..20).contains(&b))
        || a >= 240)
}

fn is_public_v6(v6: Ipv6Addr) -> bool {
    let segments = v6.segments();
    let embedded = |high: u16, low: u16| {
        Ipv4Addr::new((high >> 8) as u8, high as u8, (low >> 8) as u8, low as u8)
    };
    if let Some(v4) = v6.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    // ::a.b.c.d (IPv4-compatible, deprecated) and NAT64 64:ff9b::/96, 64:ff9b:1::/48.
    if segments[..6] == [0; 6] || segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return is_public_v4(embedded(segments[6], segments[7]));
    }
    if segments[0] == 0x64 && segments[1] == 0xff9b && segments[2] == 1 {
        return false;
    }
    // 6to4 2002:a.b.c.d::/48.
    if segments[0] == 0x2002 {
        return is_public_v4(embedded(segments[1], segments[2]));
    }
    !(v6.is_loopback()
        || v6.is_unspecified()
        || v6.is_multicast()
        || v6.is_unique_local()
        || v6.is_unicast_link_local()
        || (segments[0] & 0xffc0) == 0xfec0
        || (segments[0] == 0x2001 && segments[1] == 0x0db8)
        || segments[..4] == [0x100, 0, 0, 0])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_addresses_are_not_public() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "192.0.0.1",
            "198.18.0.1",
            "240.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "fec0::1",
            "2001:db8::1",
            "100::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::127.0.0.1",
            "64:ff9b::a00:1",
            "64:ff9b:1::1",
            "2002:a00:1::1",
        ] {
            assert!(!is_public(private.parse().unwrap()), "{private}");
        }
        for public in [
            "93.184.216.34",
            "8.8.8.8",
            "2606:4700::1111",
            "64:ff9b::808:808",
            "2002:808:808::1",
        ] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
    }

    #[test]
    fn a_name_with_any_refused_address_is_refused() {
        let public: SocketAddr = "93.184.216.34:443".parse().unwrap();
        let loopback: SocketAddr = "127.0.0.1:443".parse().unwrap();
        let private: SocketAddr = "10.0.0.1:443".parse().unwrap();
        assert!(check_addresses("h", &[public], Reach::Public).is_ok());
        let err = check_addresses("h", &[public, loopback], Reach::Public).unwrap_err();
        assert!(err.contains("127.0.0.1"), "{err}");
        assert!(check_addresses("h", &[public, loopback], Reach::Loopback).is_ok());
        assert!(check_addresses("h", &[private], Reach::Loopback).is_err());
        assert!(check_addresses("h", &[private], Reach::Private).is_ok());
        assert!(check_addresses("h", &[], Reach::Private).is_err());
    }

    #[test]
    fn urls_are_checked_before_any_connection() {
        let limits = |reach| Limits {
            timeout: Duration::from_secs(1),
            max_bytes: 10,
            reach,
        };
        let check = |url: &str, reach| check_url(&Url::parse(url).unwrap(), limits(reach));
        assert!(check("https://api.example/x", Reach::Public).is_ok());
        assert!(check("https://8.8.8.8/x", Reach::Public).is_ok());
        assert!(
            check("http://api.example/x", Reach::Public)
                .unwrap_err()
                .contains("https")
        );
        assert!(
            check("https://10.0.0.1/x", Reach::Public)
                .unwrap_err()
                .contains("private")
        );
        assert!(check("https://[::ffff:127.0.0.1]/x", Reach::Public).is_err());
        assert!(check("http://127.0.0.1:9/x", Reach::Loopback).is_ok());
        assert!(check("http://10.0.0.1:9/x", Reach::Loopback).is_err());
        assert!(check("http://api.example/x", Reach::Loopback).is_err());
        assert!(check("https://api.example/x", Reach::Loopback).is_ok());
        assert!(check("http://10.0.0.1:9/x", Reach::Private).is_ok());
        assert!(check("ftp://127.0.0.1/x", Reach::Private).is_err());
    }
}
