//! What a request asks for: the answer's format (`Accept`), its body's type (`Content-Type`), and
//! whether its `Origin` may call the endpoint.

use http::HeaderMap;
use http::header;

use crate::server::ResponseMode;

/// What `Accept` takes of the two formats `/mcp` answers in, read once per request.
///
/// Each format is judged by the most specific media range that names it (`application/json`
/// over `application/*` over `*/*`, RFC 9110 §12.5.1), and a range with `q=0` refuses it.
/// Without `Accept`, JSON only. Hand-written rather than through `mime`: the endpoint needs two
/// yes-or-no answers, and the general parser (plus a `format!` per range) cost about 5,000
/// instructions per request, a tenth of a `tools/call` (callgrind).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Accepted {
    /// `application/json`.
    pub(super) json: bool,
    /// `text/event-stream`.
    pub(super) sse: bool,
}

/// The `Accept` of the official SDKs' streamable HTTP clients.
const COMMON: &str = "application/json, text/event-stream";

impl Accepted {
    pub(super) fn of(headers: &HeaderMap) -> Self {
        let all = headers.get_all(header::ACCEPT);
        let Some(first) = all.iter().next() else {
            return Self {
                json: true,
                sse: false,
            };
        };
        // What the SDKs send, byte for byte, names both formats as specifically as can be, so
        // no other range changes the answer: given without parsing (1,900 instructions of a
        // `tools/call`, callgrind).
        if first.as_bytes() == COMMON.as_bytes() {
            return Self {
                json: true,
                sse: true,
            };
        }
        let (mut json, mut sse) = (Judged::default(), Judged::default());
        for item in all
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
        {
            let mut parts = item.split(';');
            let range = parts.next().unwrap_or("").trim();
            let acceptable = parts
                .filter_map(|p| p.split_once('='))
                .find(|(k, _)| k.trim().eq_ignore_ascii_case("q"))
                .is_none_or(|(_, q)| q.trim().parse::<f32>().map_or(true, |q| q > 0.0));
            let Some((kind, subtype)) = range.split_once('/') else {
                continue;
            };
            if kind == "*" && subtype != "*" {
                continue;
            }
            // How specifically the range names a format of subtype `exact`: `*/*` 0,
            // `application/*` 1, `application/json` 2.
            let specificity = |exact: &str| {
                if subtype == "*" {
                    Some(u8::from(kind != "*"))
                } else if subtype.eq_ignore_ascii_case(exact) {
                    Some(2)
                } else {
                    None
                }
            };
            if kind == "*" || kind.eq_ignore_ascii_case("application") {
                if let Some(s) = specificity("json") {
                    json.consider(s, acceptable);
                }
            }
            if kind == "*" || kind.eq_ignore_ascii_case("text") {
                if let Some(s) = specificity("event-stream") {
                    sse.consider(s, acceptable);
                }
            }
        }
        Self {
            json: json.acceptable(),
            sse: sse.acceptable(),
        }
    }

    /// JSON or SSE, `preferred` when both are taken; `None` when neither is.
    pub(super) fn mode(self, preferred: ResponseMode) -> Option<ResponseMode> {
        match (self.json, self.sse) {
            (true, true) => Some(preferred),
            (true, false) => Some(ResponseMode::Json),
            (false, true) => Some(ResponseMode::Sse),
            (false, false) => None,
        }
    }
}

/// The most specific ranges naming one format: how specific, and whether any of them takes it.
#[derive(Default)]
struct Judged(Option<(u8, bool)>);

impl Judged {
    fn consider(&mut self, specificity: u8, acceptable: bool) {
        self.0 = match self.0 {
            Some((s, ok)) if s == specificity => Some((s, ok || acceptable)),
            Some((s, _)) if s > specificity => self.0,
            _ => Some((specificity, acceptable)),
        };
    }

    fn acceptable(&self) -> bool {
        self.0.is_some_and(|(_, ok)| ok)
    }
}

pub(super) fn is_json_content_type(headers: &HeaderMap) -> bool {
    let value = headers.get(header::CONTENT_TYPE);
    if value.is_some_and(|v| v.as_bytes() == b"application/json") {
        return true;
    }
    value
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
        let mode = |accept: &'static str, preferred| {
            Accepted::of(&headers(&[("accept", accept)])).mode(preferred)
        };
        let both = "application/json, text/event-stream";
        assert_eq!(mode(both, ResponseMode::Sse), Some(ResponseMode::Sse));
        assert_eq!(mode(both, ResponseMode::Json), Some(ResponseMode::Json));
        assert_eq!(
            mode("text/event-stream", ResponseMode::Json),
            Some(ResponseMode::Sse)
        );
        assert_eq!(mode("*/*", ResponseMode::Sse), Some(ResponseMode::Sse));
        assert_eq!(mode("text/html", ResponseMode::Json), None);
        assert_eq!(
            Accepted::of(&HeaderMap::new()).mode(ResponseMode::Sse),
            Some(ResponseMode::Json)
        );
        // Case, parameters and whitespace.
        assert_eq!(
            mode(" Application/JSON ; charset=utf-8", ResponseMode::Sse),
            Some(ResponseMode::Json)
        );
        assert_eq!(mode("text/*", ResponseMode::Json), Some(ResponseMode::Sse));
        assert_eq!(
            mode("application/*", ResponseMode::Sse),
            Some(ResponseMode::Json)
        );
        // The SDKs' value beside a refusal of the same range: any range of the most specific
        // kind that takes a format takes it.
        assert_eq!(
            Accepted::of(&headers(&[
                ("accept", both),
                ("accept", "application/json;q=0")
            ])),
            Accepted {
                json: true,
                sse: true
            }
        );
        assert_eq!(
            Accepted::of(&headers(&[
                ("accept", "application/json;q=0"),
                ("accept", both)
            ])),
            Accepted {
                json: true,
                sse: true
            }
        );
    }

    #[test]
    fn q_zero_refuses_and_the_most_specific_range_decides() {
        let accepted = |accept: &'static str| Accepted::of(&headers(&[("accept", accept)]));
        assert_eq!(
            accepted("application/json;q=0, text/event-stream"),
            Accepted {
                json: false,
                sse: true
            }
        );
        assert_eq!(
            accepted("*/*, application/json; q=0.000"),
            Accepted {
                json: false,
                sse: true
            }
        );
        assert_eq!(
            accepted("*/*;q=0, application/json;q=0.5"),
            Accepted {
                json: true,
                sse: false
            }
        );
        assert_eq!(
            accepted("text/*;q=0, text/event-stream"),
            Accepted {
                json: false,
                sse: true
            }
        );
        // Nonsense is ignored, not a reason to fail.
        assert_eq!(
            accepted("garbage, ;;;, /, application/json;q=oops"),
            Accepted {
                json: true,
                sse: false
            }
        );
        assert_eq!(
            accepted("*/json, text/event-streamer"),
            Accepted {
                json: false,
                sse: false
            }
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
