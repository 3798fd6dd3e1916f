//! What a request asks for: the answer's format (`Accept`), its body's type (`Content-Type`), and
//! whether its `Origin` may call the endpoint.

use http::HeaderMap;
use http::header;

use crate::server::ResponseMode;

/// Picks JSON or SSE from `Accept`; `None` when the client takes neither.
pub(super) fn response_mode(headers: &HeaderMap, preferred: ResponseMode) -> Option<ResponseMode> {
    if headers.get(header::ACCEPT).is_none() {
        return Some(ResponseMode::Json);
    }
    let json = accepts(headers, "application/json");
    let sse = accepts(headers, "text/event-stream");
    match (json, sse) {
        (true, true) => Some(preferred),
        (true, false) => Some(ResponseMode::Json),
        (false, true) => Some(ResponseMode::Sse),
        (false, false) => None,
    }
}

pub(super) fn accepts(headers: &HeaderMap, media: &str) -> bool {
    let (kind, _) = media.split_once('/').expect("a media type");
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let range = item.split(';').next().unwrap_or("").trim();
            range.eq_ignore_ascii_case(media)
                || range == "*/*"
                || range.eq_ignore_ascii_case(&format!("{kind}/*"))
        })
}

pub(super) fn is_json_content_type(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"))
}

pub(super) fn is_loopback_origin(origin: &str) -> bool {
    let Some(rest) = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
    else {
        return false;
    };
    let host = match rest.strip_prefix('[') {
        Some(v6) => {
            return v6
                .split_once(']')
                .is_some_and(|(h, tail)| h == "::1" && (tail.is_empty() || is_port(tail)));
        }
        None => rest,
    };
    let (name, tail) = host.split_once(':').map_or((host, ""), |(h, p)| (h, p));
    matches!(name, "localhost" | "127.0.0.1")
        && (tail.is_empty() || tail.bytes().all(|b| b.is_ascii_digit()))
}

fn is_port(tail: &str) -> bool {
    tail.strip_prefix(':')
        .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::header::{HeaderName, HeaderValue};

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(k, v)| (HeaderName::from_static(k), HeaderValue::from_static(v)))
            .collect()
    }

    #[test]
    fn loopback_origins() {
        for ok in [
            "http://localhost",
            "http://localhost:6274",
            "http://127.0.0.1:3000",
            "http://[::1]:8080",
            "https://localhost",
        ] {
            assert!(is_loopback_origin(ok), "{ok}");
        }
        for bad in [
            "http://localhost.evil.com",
            "http://evil.com",
            "null",
            "http://127.0.0.1.nip.io",
            "http://[::1]x",
            "http://localhost:80x",
        ] {
            assert!(!is_loopback_origin(bad), "{bad}");
        }
    }

    #[test]
    fn accept_negotiation() {
        let both = headers(&[("accept", "application/json, text/event-stream")]);
        assert_eq!(
            response_mode(&both, ResponseMode::Sse),
            Some(ResponseMode::Sse)
        );
        assert_eq!(
            response_mode(&both, ResponseMode::Json),
            Some(ResponseMode::Json)
        );
        assert_eq!(
            response_mode(
                &headers(&[("accept", "text/event-stream")]),
                ResponseMode::Json
            ),
            Some(ResponseMode::Sse)
        );
        assert_eq!(
            response_mode(&headers(&[("accept", "*/*")]), ResponseMode::Sse),
            Some(ResponseMode::Sse)
        );
        assert_eq!(
            response_mode(&headers(&[("accept", "text/html")]), ResponseMode::Json),
            None
        );
        assert_eq!(
            response_mode(&HeaderMap::new(), ResponseMode::Sse),
            Some(ResponseMode::Json)
        );
    }

    #[test]
    fn content_types() {
        assert!(is_json_content_type(&headers(&[(
            "content-type",
            "application/json; charset=utf-8"
        )])));
        assert!(!is_json_content_type(&headers(&[(
            "content-type",
            "text/plain"
        )])));
        assert!(!is_json_content_type(&HeaderMap::new()));
    }
}
