//! Where a spec comes from: a file, or a URL fetched once at start-up with a timeout, a size
//! limit, no redirects, and no access to private networks unless allowed (SSRF). JSON or YAML.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use serde_json::Value;
use url::Url;

use super::OpenApiError;

/// How a spec may be fetched.
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

/// Reads or fetches the spec at `location` and parses it.
pub(crate) async fn load(location: &str, limits: Limits) -> Result<Loaded, OpenApiError> {
    let fail = |message: String| OpenApiError::Load {
        location: location.to_owned(),
        message,
    };
    let (bytes, base) = if location.starts_with("https://") || location.starts_with("http://") {
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

fn read_file(path: &str, max_bytes: usize) -> Result<Vec<u8>, String> {
    let size = std::fs::metadata(path)
        .map_err(|e| format!("cannot read the file: {e}"))?
        .len();
    if size > max_bytes as u64 {
        return Err(format!(
            "the file has {size} bytes, more than the limit of {max_bytes}"
        ));
    }
    std::fs::read(path).map_err(|e| format!("cannot read the file: {e}"))
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

/// The address `url`'s host resolves to, checked against private networks unless allowed:
/// connecting to it (and not resolving again) defeats DNS rebinding.
pub(crate) async fn resolve_checked(
    url: &Url,
    limits: Limits,
) -> Result<(String, SocketAddr), String> {
    let host = url.host_str().ok_or("the URL has no host")?.to_owned();
    let port = url.port_or_known_default().ok_or("the URL has no port")?;
    let addresses: Vec<SocketAddr> = tokio::time::timeout(
        limits.timeout,
        tokio::net::lookup_host((host.trim_matches(['[', ']']), port)),
    )
    .await
    .map_err(|_| format!("resolving {host} took longer than {:?}", limits.timeout))?
    .map_err(|e| format!("cannot resolve {host}: {e}"))?
    .collect();
    let address = check_addresses(&host, &addresses, limits.allow_private_network)?;
    Ok((host, address))
}

async fn fetch(url: &Url, limits: Limits) -> Result<Vec<u8>, String> {
    if url.scheme() == "http" && !limits.allow_private_network {
        return Err(
            "only https:// URLs are fetched (http:// with allow_private_network, for local specs)"
                .into(),
        );
    }
    let (host, address) = resolve_checked(url, limits).await?;
    // Connect to the address just checked: a second lookup could answer differently (DNS
    // rebinding).
    let client = reqwest::Client::builder()
        .timeout(limits.timeout)
        .redirect(reqwest::redirect::Policy::none())
        .resolve(&host, address)
        .user_agent(concat!("frontmcp/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("cannot build an HTTP client: {e}"))?;
    let mut response = client
        .get(url.as_str())
        .send()
        .await
        .map_err(|e| format!("the request failed: {}", e.without_url()))?;
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

/// The address to connect to; refuses a host that resolves to any private address unless
/// allowed (an attacker-controlled name may resolve to several).
pub(crate) fn check_addresses(
    host: &str,
    addresses: &[SocketAddr],
    allow_private_network: bool,
) -> Result<SocketAddr, String> {
    let first = *addresses
        .first()
        .ok_or_else(|| format!("{host} resolves to no address"))?;
    if !allow_private_network {
        if let Some(private) = addresses.iter().find(|a| !is_public(a.ip())) {
            return Err(format!(
                "{host} resolves to {}, a private, loopback or link-local address: refused (set allow_private_network to fetch from your own network)",
                private.ip()
            ));
        }
    }
    Ok(first)
}

/// Whether `ip` is on the public internet: not loopback, private, link-local, shared (CGNAT),
/// unspecified, broadcast, multicast, documentation or unique-local.
pub(crate) fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || (a == 100 && (64..128).contains(&b))
                || a == 0)
        }
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public(IpAddr::V4(v4)),
            None => {
                !(v6.is_loopback()
                    || v6.is_unspecified()
                    || v6.is_multicast()
                    || v6.is_unique_local()
                    || v6.is_unicast_link_local())
            }
        },
    }
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
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
        ] {
            assert!(!is_public(private.parse().unwrap()), "{private}");
        }
        for public in ["93.184.216.34", "8.8.8.8", "2606:4700::1111"] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
    }

    #[test]
    fn a_name_with_any_private_address_is_refused() {
        let public: SocketAddr = "93.184.216.34:443".parse().unwrap();
        let private: SocketAddr = "127.0.0.1:443".parse().unwrap();
        assert!(check_addresses("h", &[public], false).is_ok());
        let err = check_addresses("h", &[public, private], false).unwrap_err();
        assert!(err.contains("127.0.0.1"), "{err}");
        assert_eq!(check_addresses("h", &[private], true), Ok(private));
        assert!(check_addresses("h", &[], true).is_err());
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
