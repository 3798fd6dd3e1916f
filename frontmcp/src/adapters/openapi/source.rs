//! Where a spec comes from, and how the network is reached: a file, or a URL fetched once at
//! start-up with a timeout, a size limit and no redirects; and, unless private networks are
//! allowed, HTTP clients that refuse every address that is not on the public internet (SSRF).

use std::io::Read;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use serde_json::Value;
use url::Url;

use super::OpenApiError;

/// How a spec may be fetched, and an API reached.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub(crate) timeout: Duration,
    pub(crate) max_bytes: usize,
    pub(crate) allow_private_network: bool,
}

/// A loaded document and the URL relative server URLs resolve against (for fetched specs).
pub(crate) struct Loaded {
    pub(crate) document: Value,
    pub(crate) base: Option<Url>,
}

/// Whether `location` is a URL rather than a file path.
fn is_url(location: &str) -> bool {
    let lower = location.get(..8).unwrap_or(location).to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

/// Reads or fetches the spec at `location` and parses it.
pub(crate) async fn load(location: &str, limits: Limits) -> Result<Loaded, OpenApiError> {
    let fail = |message: String| OpenApiError::Load {
        location: location.to_owned(),
        message,
    };
    let (bytes, base) = if is_url(location) {
        let url = Url::parse(location).map_err(|e| fail(format!("not a URL: {e}")))?;
        (fetch(&url, limits).await.map_err(fail)?, Some(url))
    } else {
        (read_file(location, limits.max_bytes).map_err(fail)?, None)
    };
    let document = parse(&bytes).map_err(|message| OpenApiError::Invalid {
        location: location.to_owned(),
        message,
    })?;
    Ok(Loaded { document, base })
}

/// Reads at most `max_bytes` (a FIFO or a device has no size to check first).
fn read_file(path: &str, max_bytes: usize) -> Result<Vec<u8>, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read the file: {e}"))?;
    let mut bytes = Vec::new();
    file.take(max_bytes as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read the file: {e}"))?;
    if bytes.len() > max_bytes {
        return Err(format!(
            "the file is larger than the limit of {max_bytes} bytes"
        ));
    }
    Ok(bytes)
}

/// JSON when it looks like JSON, else YAML (a superset of JSON, with far worse messages).
fn parse(bytes: &[u8]) -> Result<Value, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "the spec is not UTF-8 text".to_owned())?;
    if text.trim_start().starts_with('{') {
        serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))
    } else {
        serde_yaml_ng::from_str(text).map_err(|e| format!("invalid YAML: {e}"))
    }
}

/// An HTTP client for `limits`: no redirects, no proxies, and, unless private networks are
/// allowed, a resolver that refuses names with any non-public address, on every connection.
pub(crate) fn client(limits: Limits) -> Result<reqwest::Client, String> {
    let mut builder = reqwest::Client::builder()
        .timeout(limits.timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("frontmcp/", env!("CARGO_PKG_VERSION")));
    if !limits.allow_private_network {
        // A proxy would connect on our behalf, past the resolver's check.
        builder = builder
            .no_proxy()
            .dns_resolver(Arc::new(PublicOnly(limits.timeout)));
    }
    builder
        .build()
        .map_err(|e| format!("cannot build an HTTP client: {e}"))
}

/// Refuses a URL the client would reach without resolving a name (an IP literal), when that
/// address is not public; names are checked by [`PublicOnly`] at each connection.
pub(crate) fn check_url(url: &Url, limits: Limits) -> Result<(), String> {
    if url.scheme() != "https" && !(url.scheme() == "http" && limits.allow_private_network) {
        return Err(format!(
            "{url}: only https:// is allowed (http:// with allow_private_network, for local development)"
        ));
    }
    if limits.allow_private_network {
        return Ok(());
    }
    let ip = match url.host() {
        Some(url::Host::Ipv4(v4)) => IpAddr::V4(v4),
        Some(url::Host::Ipv6(v6)) => IpAddr::V6(v6),
        Some(url::Host::Domain(_)) => return Ok(()),
        None => return Err(format!("{url} has no host")),
    };
    if is_public(ip) {
        Ok(())
    } else {
        Err(refusal(url.host_str().unwrap_or(""), ip))
    }
}

fn refusal(host: &str, ip: IpAddr) -> String {
    format!(
        "{host} resolves to {ip}, a private, loopback or link-local address: refused (set allow_private_network to reach your own network)"
    )
}

/// Resolves names like the system does, refusing any answer with a non-public address (an
/// attacker-controlled name may hold several, or change between lookups: each connection
/// resolves and checks again).
struct PublicOnly(Duration);

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let timeout = self.0;
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let lookup = tokio::net::lookup_host((host.as_str(), 0));
            let addresses: Vec<SocketAddr> = tokio::time::timeout(timeout, lookup)
                .await
                .map_err(|_| format!("resolving {host} took longer than {timeout:?}"))?
                .map_err(|e| format!("cannot resolve {host}: {e}"))?
                .collect();
            check_addresses(&host, &addresses)?;
            Ok(Box::new(addresses.into_iter()) as Addrs)
        })
    }
}

/// Refuses `addresses` unless every one is public.
pub(crate) fn check_addresses(host: &str, addresses: &[SocketAddr]) -> Result<(), String> {
    if addresses.is_empty() {
        return Err(format!("{host} resolves to no address"));
    }
    match addresses.iter().find(|a| !is_public(a.ip())) {
        Some(private) => Err(refusal(host, private.ip())),
        None => Ok(()),
    }
}

async fn fetch(url: &Url, limits: Limits) -> Result<Vec<u8>, String> {
    check_url(url, limits)?;
    let mut response = client(limits)?
        .get(url.as_str())
        .send()
        .await
        .map_err(|e| {
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
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| format!("reading the spec failed: {}", e.without_url()))?
    {
        if body.len() + chunk.len() > limits.max_bytes {
            return Err(format!(
                "the spec is larger than the limit of {} bytes",
                limits.max_bytes
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Whether `ip` is on the public internet. Refused: loopback, private (RFC 1918), link-local,
/// shared (CGNAT), unspecified, broadcast, multicast, documentation, benchmarking, reserved,
/// IETF protocol assignments; IPv6 unique-local, site-local, discard-only; and IPv6 forms that
/// embed an IPv4 address (mapped, compatible, NAT64, 6to4) whose IPv4 address is not public.
pub(crate) fn is_public(ip: IpAddr) -> bool {
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
    fn a_name_with_any_private_address_is_refused() {
        let public: SocketAddr = "93.184.216.34:443".parse().unwrap();
        let private: SocketAddr = "127.0.0.1:443".parse().unwrap();
        assert!(check_addresses("h", &[public]).is_ok());
        let err = check_addresses("h", &[public, private]).unwrap_err();
        assert!(err.contains("127.0.0.1"), "{err}");
        assert!(check_addresses("h", &[]).is_err());
    }

    #[test]
    fn urls_are_checked_before_any_connection() {
        let strict = Limits {
            timeout: Duration::from_secs(1),
            max_bytes: 10,
            allow_private_network: false,
        };
        let check = |url: &str| check_url(&Url::parse(url).unwrap(), strict);
        assert!(check("https://api.example/x").is_ok());
        assert!(check("https://8.8.8.8/x").is_ok());
        assert!(check("http://api.example/x").unwrap_err().contains("https"));
        assert!(check("https://10.0.0.1/x").unwrap_err().contains("private"));
        assert!(
            check("https://[::ffff:127.0.0.1]/x")
                .unwrap_err()
                .contains("private")
        );
        let allowed = Limits {
            allow_private_network: true,
            ..strict
        };
        assert!(check_url(&Url::parse("http://127.0.0.1:9/x").unwrap(), allowed).is_ok());
        assert!(is_url("HTTPS://x") && is_url("http://x") && !is_url("specs/x.yaml"));
    }

    #[test]
    fn files_are_read_up_to_the_limit() {
        let path = std::env::temp_dir().join(format!("frontmcp-source-{}", std::process::id()));
        std::fs::write(&path, b"0123456789ab").unwrap();
        let path = path.display().to_string();
        assert!(read_file(&path, 12).is_ok());
        assert!(read_file(&path, 11).unwrap_err().contains("larger than"));
        assert!(
            read_file("/dev/zero", 1000)
                .unwrap_err()
                .contains("larger than")
        );
        let _ = std::fs::remove_file(path);
    }

    #[test]
    fn json_and_yaml() {
        assert_eq!(
            parse(b"{\"openapi\":\"3.1.0\"}").unwrap()["openapi"],
            "3.1.0"
        );
        assert_eq!(
            parse(b"openapi: 3.0.3\ninfo:\n  title: t\n").unwrap()["openapi"],
            "3.0.3"
        );
        assert!(parse(b"{ nope").unwrap_err().contains("JSON"));
        assert!(parse(b"a: [b").unwrap_err().contains("YAML"));
        assert!(parse(&[0xff, 0xfe]).is_err());
    }
}
