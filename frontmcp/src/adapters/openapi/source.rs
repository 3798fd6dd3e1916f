//! Where a spec comes from: a file, or a URL fetched once at start-up through the server's
//! guarded outbound requests (a timeout, a size limit, no redirects and, unless private networks
//! are allowed, only public addresses: see `frontmcp_auth::outbound`).

use std::io::Read;

use frontmcp_auth::outbound::{self, Limits};
use serde_json::Value;
use url::Url;

use super::OpenApiError;

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
        let client = outbound::client(limits).map_err(fail)?;
        let fetched = outbound::fetch(&client, &url, limits).await.map_err(fail)?;
        (fetched.body, Some(url))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_paths() {
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
