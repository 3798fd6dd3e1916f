//! Building responses: JSON documents, OAuth errors, redirects and HTML pages.

use bytes::Bytes;
use http::header::{self, HeaderValue};
use http::{Response, StatusCode};
use serde::Serialize;
use serde_json::json;

pub(crate) fn json<T: Serialize>(status: StatusCode, body: &T) -> Response<Bytes> {
    let mut resp = Response::new(Bytes::from(
        serde_json::to_vec(body).expect("JSON documents serialize"),
    ));
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    resp
}

/// An OAuth error response (RFC 6749 section 5.2): `{"error", "error_description"}`.
pub(crate) fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response<Bytes> {
    tracing::warn!(error, description, "OAuth request refused");
    json(
        status,
        &json!({ "error": error, "error_description": description }),
    )
}

/// The 429 of an OAuth endpoint past its rate limit, saying when to come back.
pub(crate) fn too_many_requests(limited: super::limits::Limited) -> Response<Bytes> {
    let seconds = limited.seconds();
    let mut resp = oauth_error(
        StatusCode::TOO_MANY_REQUESTS,
        "temporarily_unavailable",
        &format!("too many requests; retry in {seconds} s"),
    );
    resp.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    resp
}

/// A 303 to `location` (after a form POST the browser must GET the target).
pub(crate) fn redirect(location: &str) -> Response<Bytes> {
    let mut resp = Response::new(Bytes::new());
    *resp.status_mut() = StatusCode::SEE_OTHER;
    if let Ok(value) = HeaderValue::from_str(location) {
        resp.headers_mut().insert(header::LOCATION, value);
    }
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// An HTML page with the UI's security headers.
pub(crate) fn html(status: StatusCode, body: String) -> Response<Bytes> {
    let mut resp = Response::new(Bytes::from(body));
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    for (name, value) in crate::ui::security_headers() {
        h.insert(name, HeaderValue::from_static(value));
    }
    resp
}

pub(crate) fn not_found() -> Response<Bytes> {
    json(StatusCode::NOT_FOUND, &json!({ "error": "not_found" }))
}

/// Browser-based MCP clients discover and register cross-origin.
pub(crate) fn preflight() -> Response<Bytes> {
    let mut resp = Response::new(Bytes::new());
    *resp.status_mut() = StatusCode::NO_CONTENT;
    let h = resp.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, POST, OPTIONS"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("content-type, authorization, mcp-protocol-version"),
    );
    h.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("600"),
    );
    resp
}
