//! Performing an operation: the HTTP request from the tool's arguments (path templating with
//! escaping, query, headers, JSON body), the app's token, and the response as the tool's result.

use std::time::Duration;

use http::header::{HeaderName, HeaderValue};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Map, Value, json};
use url::Url;

use super::spec::{Location, Operation};
use crate::protocol::mcp::{CallToolResult, Content};
use crate::server::{CallError, ToolContext};

/// What a path segment may hold unescaped: RFC 3986's unreserved characters. Everything else,
/// `/` and `?` included, is percent-encoded, so an argument cannot change the path.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// How much of an error response's body a failed call shows.
const EXCERPT_CHARS: usize = 500;

/// An operation ready to run: its description and its compiled schemas.
pub(crate) struct Endpoint {
    pub(crate) operation: Operation,
    pub(crate) input: jsonschema::Validator,
    pub(crate) output: Option<jsonschema::Validator>,
}

/// How calls are made.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    pub(crate) http: reqwest::Client,
    pub(crate) base: Url,
    pub(crate) with_token: bool,
    pub(crate) max_response_bytes: usize,
    pub(crate) timeout: Duration,
}

impl Caller {
    pub(crate) async fn call(
        &self,
        endpoint: &Endpoint,
        ctx: &ToolContext,
        arguments: Value,
    ) -> Result<CallToolResult, CallError> {
        if let Some(error) = endpoint.input.iter_errors(&arguments).next() {
            let path = error.instance_path().to_string();
            let field = path.trim_start_matches('/').replace('/', ".");
            return Err(CallError::InvalidArguments(if field.is_empty() {
                error.to_string()
            } else {
                format!("{field}: {error}")
            }));
        }
        let op = &endpoint.operation;
        let request = self.request(op, &arguments)?;
        let request = if self.with_token {
            match ctx.app_token().await {
                Ok(token) => request.bearer_auth(token),
                Err(e) => return Ok(CallToolResult::error(e.message())),
            }
        } else {
            request
        };
        let label = format!("{} {}", op.method, op.path);
        let mut response = match request.send().await {
            Ok(response) => response,
            Err(e) if e.is_timeout() => {
                return Ok(CallToolResult::error(format!(
                    "{label}: the API did not answer within {:?}",
                    self.timeout
                )));
            }
            Err(e) => {
                return Ok(CallToolResult::error(format!(
                    "{label}: the API cannot be reached: {}",
                    e.without_url()
                )));
            }
        };
        let status = response.status();
        let json_body = response
            .headers()
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|c| {
                let c = c.split(';').next().unwrap_or("").trim();
                c == "application/json" || c.ends_with("+json")
            });
        let mut body = Vec::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() + chunk.len() > self.max_response_bytes {
                        tracing::warn!(%label, limit = self.max_response_bytes, "API response too large");
                        return Ok(CallToolResult::error(format!(
                            "{label}: the response is larger than {} bytes",
                            self.max_response_bytes
                        )));
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) => {
                    return Ok(CallToolResult::error(format!(
                        "{label}: reading the response failed: {}",
                        e.without_url()
                    )));
                }
            }
        }
        if status == http::StatusCode::UNAUTHORIZED && self.with_token {
            // The provider no longer accepts the token: drop it, answer AUTH_REQUIRED.
            return Ok(CallToolResult::error(
                ctx.app_token_rejected().await.message(),
            ));
        }
        if !status.is_success() {
            tracing::debug!(%label, %status, "the API answered an error");
            return Ok(CallToolResult::error(format!(
                "{label} answered {status}: {}",
                excerpt(&body)
            )));
        }
        let code = json!(status.as_u16());
        if body.is_empty() {
            let mut structured = Map::new();
            structured.insert("status".into(), code);
            return Ok(
                CallToolResult::success(vec![Content::text(status.to_string())])
                    .with_structured(structured),
            );
        }
        let parsed = if json_body {
            serde_json::from_slice::<Value>(&body).ok()
        } else {
            None
        };
        match parsed {
            Some(value) => {
                let text = String::from_utf8_lossy(&body).into_owned();
                let mut structured = Map::new();
                structured.insert("status".into(), code);
                structured.insert("body".into(), value);
                let structured = Value::Object(structured);
                // Clients check structuredContent against the outputSchema: an answer that
                // strays from its spec is reported here, clearly, rather than failing there.
                if let Some(error) = endpoint
                    .output
                    .as_ref()
                    .and_then(|v| v.iter_errors(&structured).next())
                {
                    tracing::warn!(%label, error = %error, "the API's answer does not match its spec");
                    return Ok(CallToolResult::error(format!(
                        "{label} answered {status}, but not as its spec describes ({}: {error}): {}",
                        error.instance_path(),
                        excerpt(&body)
                    )));
                }
                let Value::Object(structured) = structured else {
                    unreachable!("built as an object")
                };
                Ok(CallToolResult::success(vec![Content::text(text)]).with_structured(structured))
            }
            None if op.output_schema.is_some() => Ok(CallToolResult::error(format!(
                "{label} answered {status} without the JSON body its spec declares: {}",
                excerpt(&body)
            ))),
            None => Ok(CallToolResult::success(vec![Content::text(
                String::from_utf8_lossy(&body).into_owned(),
            )])),
        }
    }

    /// The HTTP request for `op` with (validated) `arguments`.
    fn request(
        &self,
        op: &Operation,
        arguments: &Value,
    ) -> Result<reqwest::RequestBuilder, CallError> {
        let invalid = |message: String| CallError::InvalidArguments(message);
        let must_be_values =
            |property: &str| invalid(format!("{property}: must be a value or a list of values"));
        let mut path = op.path.clone();
        let mut query: Vec<String> = Vec::new();
        let mut headers: Vec<(HeaderName, HeaderValue)> = Vec::new();
        for param in &op.params {
            let value = arguments.get(&param.property).filter(|v| !v.is_null());
            match (param.location, value) {
                (Location::Path, None) => {
                    return Err(invalid(format!(
                        "{}: a path parameter is required",
                        param.property
                    )));
                }
                (_, None) => {}
                (Location::Path, Some(value)) => {
                    let text =
                        scalar_or_list(value).ok_or_else(|| must_be_values(&param.property))?;
                    // Empty, `.` and `..` would make another path, even escaped.
                    if text.is_empty() || text == "." || text == ".." {
                        return Err(invalid(format!(
                            "{}: `{text}` cannot be a path segment",
                            param.property
                        )));
                    }
                    let escaped = utf8_percent_encode(&text, SEGMENT).to_string();
                    path = path.replace(&format!("{{{}}}", param.name), &escaped);
                }
                (Location::Query, Some(value)) => {
                    let name = utf8_percent_encode(&param.name, SEGMENT);
                    let items: Vec<String> = match value {
                        Value::Array(items) => items
                            .iter()
                            .map(|item| {
                                scalar(item).ok_or_else(|| {
                                    invalid(format!(
                                        "{}: list items must be values",
                                        param.property
                                    ))
                                })
                            })
                            .collect::<Result<_, _>>()?,
                        value => {
                            vec![scalar(value).ok_or_else(|| must_be_values(&param.property))?]
                        }
                    };
                    let escaped = items
                        .iter()
                        .map(|i| utf8_percent_encode(i, SEGMENT).to_string());
                    if param.explode {
                        query.extend(escaped.map(|item| format!("{name}={item}")));
                    } else {
                        // The form style's delimiter stays a literal comma.
                        query.push(format!("{name}={}", escaped.collect::<Vec<_>>().join(",")));
                    }
                }
                (Location::Header, Some(value)) => {
                    let text =
                        scalar_or_list(value).ok_or_else(|| must_be_values(&param.property))?;
                    let name = HeaderName::try_from(param.name.as_str()).map_err(|_| {
                        invalid(format!(
                            "{}: the spec's header name is invalid",
                            param.property
                        ))
                    })?;
                    let value = HeaderValue::from_str(&text).map_err(|_| {
                        invalid(format!(
                            "{}: not a valid header value (no line breaks or control characters)",
                            param.property
                        ))
                    })?;
                    headers.push((name, value));
                }
            }
        }
        let mut url = Url::parse(&format!(
            "{}{}",
            self.base.as_str().trim_end_matches('/'),
            path
        ))
        .map_err(|e| invalid(format!("the request URL is invalid: {e}")))?;
        // Whatever the path held, the request goes to the API's own origin.
        if url.origin() != self.base.origin() {
            return Err(invalid(format!(
                "the request would leave {} for {}",
                self.base.origin().ascii_serialization(),
                url.origin().ascii_serialization()
            )));
        }
        if !query.is_empty() {
            url.set_query(Some(&query.join("&")));
        }
        let mut request = self
            .http
            .request(op.method.clone(), url)
            .header(http::header::ACCEPT, "application/json");
        for (name, value) in headers {
            request = request.header(name, value);
        }
        if let Some(body) = op.body.as_ref().and_then(|b| arguments.get(b)) {
            request = request.json(body);
        }
        Ok(request)
    }
}

/// A JSON scalar as text.
fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A scalar, or a list of scalars joined with commas (the `simple` and non-exploded `form`
/// styles).
fn scalar_or_list(value: &Value) -> Option<String> {
    match value {
        Value::Array(items) => items
            .iter()
            .map(scalar)
            .collect::<Option<Vec<_>>>()
            .map(|items| items.join(",")),
        other => scalar(other),
    }
}

/// The start of a body, as printable text.
fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut out: String = text
        .chars()
        .filter(|c| !c.is_control() || *c == '\n')
        .take(EXCERPT_CHARS)
        .collect();
    if text.chars().count() > EXCERPT_CHARS {
        out.push('…');
    }
    if out.trim().is_empty() {
        "(no body)".into()
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::openapi::spec::Param;

    fn caller() -> Caller {
        Caller {
            http: reqwest::Client::new(),
            base: Url::parse("https://api.example/v1/").unwrap(),
            with_token: false,
            max_response_bytes: 1024,
            timeout: Duration::from_secs(1),
        }
    }

    fn operation() -> Operation {
        let param = |property: &str, name: &str, location, explode| Param {
            property: property.into(),
            name: name.into(),
            location,
            explode,
        };
        Operation {
            tool: "t".into(),
            method: http::Method::POST,
            path: "/pets/{id}/photos".into(),
            params: vec![
                param("id", "id", Location::Path, true),
                param("tag", "tag", Location::Query, true),
                param("fields", "fields", Location::Query, false),
                param("trace", "X-Trace", Location::Header, true),
            ],
            body: Some("body".into()),
            description: None,
            input_schema: json!({}),
            output_schema: None,
            scopes: vec![],
        }
    }

    #[test]
    fn requests_from_arguments() {
        let args = json!({
            "id": "a b/../c",
            "tag": ["x", "y z"],
            "fields": ["name", "id"],
            "trace": "t-1",
            "body": {"name": "Rex"},
        });
        let request = caller()
            .request(&operation(), &args)
            .unwrap()
            .build()
            .unwrap();
        assert_eq!(
            request.url().as_str(),
            "https://api.example/v1/pets/a%20b%2F..%2Fc/photos?tag=x&tag=y%20z&fields=name,id"
        );
        assert_eq!(request.method(), http::Method::POST);
        assert_eq!(request.headers()["x-trace"], "t-1");
        assert_eq!(request.headers()["content-type"], "application/json");
        assert_eq!(
            request.body().unwrap().as_bytes().unwrap(),
            br#"{"name":"Rex"}"#
        );
    }

    #[test]
    fn requests_stay_on_the_apis_origin() {
        let mut op = operation();
        op.params.clear();
        for path in ["@evil.example/x", ".evil.example/x"] {
            op.path = path.into();
            let mut caller = caller();
            caller.base = Url::parse("https://api.example").unwrap();
            let Err(CallError::InvalidArguments(message)) = caller.request(&op, &json!({})) else {
                panic!("{path} was sent");
            };
            assert!(
                message.contains("would leave https://api.example"),
                "{message}"
            );
        }
    }

    #[test]
    fn arguments_that_cannot_become_a_request() {
        for (args, needle) in [
            (json!({"id": ".."}), "cannot be a path segment"),
            (json!({"id": "."}), "cannot be a path segment"),
            (json!({"id": ""}), "cannot be a path segment"),
            (json!({"id": null}), "a path parameter is required"),
            (json!({}), "a path parameter is required"),
            (json!({"id": {"a": 1}}), "id: must be a value"),
            (
                json!({"id": 1, "trace": "a\nb"}),
                "trace: not a valid header value",
            ),
            (
                json!({"id": 1, "tag": [[1]]}),
                "tag: list items must be values",
            ),
        ] {
            let Err(CallError::InvalidArguments(message)) = caller().request(&operation(), &args)
            else {
                panic!("{args} was accepted");
            };
            assert!(message.contains(needle), "{args}: {message}");
        }
    }

    #[test]
    fn segments_escape_everything_that_could_change_the_path() {
        let escaped = utf8_percent_encode("../a/b?c#d e%", SEGMENT).to_string();
        assert_eq!(escaped, "..%2Fa%2Fb%3Fc%23d%20e%25");
    }

    #[test]
    fn values_as_text() {
        assert_eq!(
            scalar_or_list(&json!(["a", 1, true])).as_deref(),
            Some("a,1,true")
        );
        assert_eq!(scalar_or_list(&json!({"a": 1})), None);
        assert_eq!(scalar_or_list(&json!([[1]])), None);
        assert_eq!(excerpt(b""), "(no body)");
        assert_eq!(excerpt(&vec![b'x'; 600]).chars().count(), EXCERPT_CHARS + 1);
        assert_eq!(excerpt(b"a\x1bb"), "ab");
    }
}
