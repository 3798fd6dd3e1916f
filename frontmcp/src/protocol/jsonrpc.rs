//! JSON-RPC 2.0 framing: parsing incoming messages strictly, writing responses.

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserializer, IgnoredAny};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;

/// Invalid JSON was received.
pub const PARSE_ERROR: i32 = -32700;
/// The JSON sent is not a valid request object.
pub const INVALID_REQUEST: i32 = -32600;
/// The method does not exist or is not available.
pub const METHOD_NOT_FOUND: i32 = -32601;
/// Invalid method parameters.
pub const INVALID_PARAMS: i32 = -32602;
/// Internal JSON-RPC error.
pub const INTERNAL_ERROR: i32 = -32603;
/// MCP 2025-11-25: the request needs a URL-mode elicitation to complete first (removed in
/// 2026-07-28, where an `InputRequiredResult` asks instead).
pub const URL_ELICITATION_REQUIRED: i32 = -32042;
/// MCP 2025-11-25: `resources/read` of a URI the server does not know (2026-07-28 answers
/// `-32602` with the URI in `data`).
pub const RESOURCE_NOT_FOUND: i32 = -32002;
/// MCP 2026-07-28: a standard header (`MCP-Protocol-Version`, `Mcp-Method`, `Mcp-Name`) is
/// missing or says something else than the body.
pub const HEADER_MISMATCH: i32 = -32020;
/// MCP 2026-07-28: the request needs a client capability its `_meta` did not declare.
pub const MISSING_REQUIRED_CLIENT_CAPABILITY: i32 = -32021;
/// MCP 2026-07-28: the request's protocol version is not one this server speaks.
pub const UNSUPPORTED_PROTOCOL_VERSION: i32 = -32022;
/// This server's: a store the request needs (the token vault) did not answer; retry shortly.
/// Over HTTP it comes with status 503 and `Retry-After`.
pub const TEMPORARILY_UNAVAILABLE: i32 = -32003;

/// A request ID. MCP allows strings and integers, never `null`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RequestId {
    /// An integer ID.
    Number(i64),
    /// A string ID.
    String(String),
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Number(n) => write!(f, "{n}"),
            Self::String(s) => write!(f, "{s:?}"),
        }
    }
}

/// A JSON-RPC error object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorObject {
    /// The error code.
    pub code: i32,
    /// A short description.
    pub message: String,
    /// Additional information.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

impl ErrorObject {
    /// An error with a code and message.
    pub fn new(code: i32, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            data: None,
        }
    }

    /// Attaches `data`.
    pub fn with_data(mut self, data: Value) -> Self {
        self.data = Some(data);
        self
    }

    /// `-32602` Invalid params.
    pub fn invalid_params(message: impl Into<String>) -> Self {
        Self::new(INVALID_PARAMS, message)
    }
}

/// A request: expects a response.
#[derive(Debug, Clone)]
pub struct Request {
    /// Its ID.
    pub id: RequestId,
    /// The method.
    pub method: String,
    /// The parameters, unparsed until the method is known.
    pub params: Option<Box<RawValue>>,
}

/// A notification: no response.
#[derive(Debug, Clone)]
pub struct Notification {
    /// The method.
    pub method: String,
    /// The parameters.
    pub params: Option<Box<RawValue>>,
}

/// A response from the peer to a request this server sent.
#[derive(Debug, Clone)]
pub struct PeerResponse {
    /// The ID of the request it answers (`None` for an error about an unreadable request).
    pub id: Option<RequestId>,
    /// The result or the error.
    pub outcome: Result<Box<RawValue>, ErrorObject>,
}

/// One incoming JSON-RPC message.
#[derive(Debug, Clone)]
pub enum Message {
    /// A request.
    Request(Request),
    /// A notification.
    Notification(Notification),
    /// A response to a server-initiated request.
    Response(PeerResponse),
}

/// What an HTTP body or stdio line held.
#[derive(Debug)]
pub enum Incoming {
    /// One message, or the error answering it when it is not a valid message.
    Single(Result<Message, Response>),
    /// A batch (only allowed in 2025-03-26): each element parsed on its own.
    Batch(Vec<Result<Message, Response>>),
}

/// The body could not be read as JSON-RPC at all; answer with this error response.
#[derive(Debug)]
pub struct Unparseable(pub Response);

/// The raw shape, lenient about extra members, strict about the ones JSON-RPC defines.
#[derive(Deserialize)]
struct RawMessage<'a> {
    #[serde(default, borrow)]
    jsonrpc: Option<Cow<'a, str>>,
    #[serde(default, deserialize_with = "present")]
    id: Option<Value>,
    #[serde(default)]
    method: Option<String>,
    #[serde(default)]
    params: Option<Box<RawValue>>,
    #[serde(default)]
    result: Option<Box<RawValue>>,
    #[serde(default)]
    error: Option<ErrorObject>,
}

/// Distinguishes `"id": null` (present, invalid in MCP) from no `id` (a notification).
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

pub(crate) fn to_id(value: &Value) -> Option<RequestId> {
    match value {
        Value::String(s) => Some(RequestId::String(s.clone())),
        Value::Number(n) => n.as_i64().map(RequestId::Number),
        _ => None,
    }
}

/// Parses a body (HTTP) or line (stdio): a single message or a batch.
pub fn parse(bytes: &[u8]) -> Result<Incoming, Unparseable> {
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if first == Some(&b'[') {
        let items: Vec<Box<RawValue>> =
            serde_json::from_slice(bytes).map_err(|e| Unparseable(parse_failure(bytes, &e)))?;
        if items.is_empty() {
            return Err(Unparseable(Response::error(
                None,
                ErrorObject::new(INVALID_REQUEST, "empty batch"),
            )));
        }
        return Ok(Incoming::Batch(
            items
                .iter()
                .map(|raw| parse_one(raw.get().as_bytes()))
                .collect(),
        ));
    }
    match serde_json::from_slice::<RawMessage>(bytes) {
        Ok(raw) => Ok(Incoming::Single(classify(raw))),
        Err(e) => Err(Unparseable(parse_failure(bytes, &e))),
    }
}

fn parse_one(bytes: &[u8]) -> Result<Message, Response> {
    match serde_json::from_slice::<RawMessage>(bytes) {
        Ok(raw) => classify(raw),
        Err(e) => Err(parse_failure(bytes, &e)),
    }
}

/// `-32700` when the bytes are not JSON, `-32600` when they are JSON of the wrong shape.
fn parse_failure(bytes: &[u8], err: &serde_json::Error) -> Response {
    if serde_json::from_slice::<IgnoredAny>(bytes).is_ok() {
        Response::error(
            None,
            ErrorObject::new(INVALID_REQUEST, format!("invalid JSON-RPC message: {err}")),
        )
    } else {
        Response::error(
            None,
            ErrorObject::new(PARSE_ERROR, format!("parse error: {err}")),
        )
    }
}

fn classify(raw: RawMessage<'_>) -> Result<Message, Response> {
    let id = raw.id.as_ref().map(|v| to_id(v).ok_or(v));
    let reply_id = id.as_ref().and_then(|r| r.as_ref().ok().cloned());
    let invalid = |message: &str| {
        Err(Response::error(
            reply_id.clone(),
            ErrorObject::new(INVALID_REQUEST, message),
        ))
    };
    if raw.jsonrpc.as_deref() != Some("2.0") {
        return invalid("`jsonrpc` must be \"2.0\"");
    }
    if let Some(method) = raw.method {
        if raw.result.is_some() || raw.error.is_some() {
            return invalid("a message cannot carry both `method` and `result`/`error`");
        }
        if let Some(params) = &raw.params {
            if !matches!(params.get().as_bytes().first(), Some(b'{') | Some(b'[')) {
                return invalid("`params` must be an object or an array");
            }
        }
        return match id {
            None => Ok(Message::Notification(Notification {
                method,
                params: raw.params,
            })),
            Some(Ok(id)) => Ok(Message::Request(Request {
                id,
                method,
                params: raw.params,
            })),
            Some(Err(_)) => invalid("`id` must be a string or an integer"),
        };
    }
    let outcome = match (raw.result, raw.error) {
        (Some(result), None) => Ok(result),
        (None, Some(error)) => Err(error),
        _ => return invalid("a message needs `method`, or exactly one of `result` and `error`"),
    };
    match id {
        Some(Ok(id)) => Ok(Message::Response(PeerResponse {
            id: Some(id),
            outcome,
        })),
        Some(Err(Value::Null)) if outcome.is_err() => {
            Ok(Message::Response(PeerResponse { id: None, outcome }))
        }
        _ => invalid("a response needs the `id` of the request it answers"),
    }
}

/// An outgoing response.
#[derive(Debug, Clone)]
pub struct Response {
    /// The request it answers; `None` (serialized as `null`) when that could not be read.
    pub id: Option<RequestId>,
    /// The result, already serialized, or the error.
    pub outcome: Result<Box<RawValue>, ErrorObject>,
}

impl Response {
    /// A successful response.
    pub fn result(id: RequestId, result: Box<RawValue>) -> Self {
        Self {
            id: Some(id),
            outcome: Ok(result),
        }
    }

    /// Serializes `result` into a successful response; a value that cannot be serialized becomes
    /// an internal error instead of a panic.
    pub fn serialize_result<T: Serialize>(id: RequestId, result: &T) -> Self {
        match serde_json::value::to_raw_value(result) {
            Ok(raw) => Self::result(id, raw),
            Err(e) => Self::error(
                Some(id),
                ErrorObject::new(INTERNAL_ERROR, format!("cannot serialize result: {e}")),
            ),
        }
    }

    /// An error response.
    pub fn error(id: Option<RequestId>, error: ErrorObject) -> Self {
        Self {
            id,
            outcome: Err(error),
        }
    }

    /// The error, if this response is one.
    pub fn as_error(&self) -> Option<&ErrorObject> {
        self.outcome.as_ref().err()
    }

    /// The response as JSON text.
    pub fn to_json(&self) -> String {
        // A result is already JSON: written around it in one buffer of the right size rather
        // than through the serializer (800 instructions of a `tools/call`, callgrind).
        if let (Ok(result), Some(id)) = (&self.outcome, &self.id) {
            let result = result.get();
            let mut out = Vec::with_capacity(result.len() + 48);
            out.extend_from_slice(br#"{"jsonrpc":"2.0","id":"#);
            if serde_json::to_writer(&mut out, id).is_ok() {
                out.extend_from_slice(br#","result":"#);
                out.extend_from_slice(result.as_bytes());
                out.push(b'}');
                if let Ok(json) = String::from_utf8(out) {
                    return json;
                }
            }
        }
        serde_json::to_string(self).unwrap_or_else(|_| INTERNAL_FALLBACK.to_owned())
    }
}

/// Used if serializing a response ever fails (it cannot with the types above).
const INTERNAL_FALLBACK: &str =
    r#"{"jsonrpc":"2.0","id":null,"error":{"code":-32603,"message":"internal error"}}"#;

impl Serialize for Response {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(3))?;
        map.serialize_entry("jsonrpc", "2.0")?;
        map.serialize_entry("id", &self.id)?;
        match &self.outcome {
            Ok(result) => map.serialize_entry("result", result)?,
            Err(error) => map.serialize_entry("error", error)?,
        }
        map.end()
    }
}

/// An outgoing notification (server to client).
#[derive(Debug, Clone, Serialize)]
pub struct OutgoingNotification<'a, P: Serialize> {
    jsonrpc: &'static str,
    /// The method.
    pub method: &'a str,
    /// The parameters.
    pub params: P,
}

impl<'a, P: Serialize> OutgoingNotification<'a, P> {
    /// A notification of `method` with `params`.
    pub fn new(method: &'a str, params: P) -> Self {
        Self {
            jsonrpc: "2.0",
            method,
            params,
        }
    }

    /// The notification as the bytes a stream sends.
    pub fn to_bytes(&self) -> bytes::Bytes {
        bytes::Bytes::from(serde_json::to_vec(self).expect("notifications serialize"))
    }
}

/// An outgoing request (server to client), answered by a [`PeerResponse`].
#[derive(Debug, Clone, Serialize)]
pub struct OutgoingRequest<'a, P: Serialize> {
    jsonrpc: &'static str,
    /// Its ID.
    pub id: &'a str,
    /// The method.
    pub method: &'a str,
    /// The parameters.
    pub params: P,
}

impl<'a, P: Serialize> OutgoingRequest<'a, P> {
    /// A request `id` of `method` with `params`.
    pub fn new(id: &'a str, method: &'a str, params: P) -> Self {
        Self {
            jsonrpc: "2.0",
            id,
            method,
            params,
        }
    }

    /// The request as the bytes a stream sends.
    pub fn to_bytes(&self) -> bytes::Bytes {
        bytes::Bytes::from(serde_json::to_vec(self).expect("requests serialize"))
    }
}

/// Serializes a batch of responses as one JSON array.
pub fn batch_to_json(responses: &[Response]) -> String {
    serde_json::to_string(responses).unwrap_or_else(|_| INTERNAL_FALLBACK.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn single(s: &str) -> Result<Message, Response> {
        match parse(s.as_bytes()) {
            Ok(Incoming::Single(m)) => m,
            other => panic!("expected a single message, got {other:?}"),
        }
    }

    fn error_code(r: Result<Message, Response>) -> i32 {
        r.expect_err("expected an error").as_error().unwrap().code
    }

    /// The code answering `s`, whether it failed the shape parse or classification.
    fn code_of(s: &str) -> i32 {
        match parse(s.as_bytes()) {
            Ok(Incoming::Single(m)) => error_code(m),
            Err(Unparseable(resp)) => resp.as_error().unwrap().code,
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn request_notification_response() {
        assert!(matches!(
            single(r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#),
            Ok(Message::Request(Request {
                id: RequestId::Number(1),
                ..
            }))
        ));
        assert!(matches!(
            single(r#"{"jsonrpc":"2.0","id":"a","method":"ping","params":{}}"#),
            Ok(Message::Request(Request {
                id: RequestId::String(_),
                ..
            }))
        ));
        assert!(matches!(
            single(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#),
            Ok(Message::Notification(_))
        ));
        assert!(matches!(
            single(r#"{"jsonrpc":"2.0","id":3,"result":{}}"#),
            Ok(Message::Response(_))
        ));
        assert!(matches!(
            single(r#"{"jsonrpc":"2.0","id":null,"error":{"code":-1,"message":"x"}}"#),
            Ok(Message::Response(PeerResponse {
                id: None,
                outcome: Err(_)
            }))
        ));
    }

    #[test]
    fn malformed_json_is_parse_error() {
        for body in ["{", "not json", "{\"jsonrpc\":\"2.0\",", ""] {
            let Err(Unparseable(resp)) = parse(body.as_bytes()) else {
                panic!("{body} parsed")
            };
            assert_eq!(resp.as_error().unwrap().code, PARSE_ERROR, "{body}");
            assert_eq!(resp.id, None);
        }
    }

    #[test]
    fn wrong_shapes_are_invalid_request() {
        assert_eq!(
            error_code(single(r#"{"id":1,"method":"ping"}"#)),
            INVALID_REQUEST
        );
        assert_eq!(
            error_code(single(r#"{"jsonrpc":"1.0","id":1,"method":"ping"}"#)),
            INVALID_REQUEST
        );
        assert_eq!(
            error_code(single(r#"{"jsonrpc":"2.0","id":null,"method":"ping"}"#)),
            INVALID_REQUEST
        );
        assert_eq!(
            error_code(single(r#"{"jsonrpc":"2.0","id":1.5,"method":"ping"}"#)),
            INVALID_REQUEST
        );
        assert_eq!(
            error_code(single(r#"{"jsonrpc":"2.0","id":{},"method":"ping"}"#)),
            INVALID_REQUEST
        );
        assert_eq!(
            error_code(single(
                r#"{"jsonrpc":"2.0","id":1,"method":"x","params":3}"#
            )),
            INVALID_REQUEST
        );
        assert_eq!(
            error_code(single(r#"{"jsonrpc":"2.0","id":1}"#)),
            INVALID_REQUEST
        );
        assert_eq!(
            code_of(r#"{"jsonrpc":"2.0","id":1,"method":7}"#),
            INVALID_REQUEST
        );
        assert_eq!(
            error_code(single(
                r#"{"jsonrpc":"2.0","id":1,"method":"x","result":1}"#
            )),
            INVALID_REQUEST
        );
        let Err(Unparseable(resp)) = parse(b"42") else {
            panic!()
        };
        assert_eq!(resp.as_error().unwrap().code, INVALID_REQUEST);
        let Err(Unparseable(resp)) = parse(b"[]") else {
            panic!()
        };
        assert_eq!(resp.as_error().unwrap().code, INVALID_REQUEST);
    }

    #[test]
    fn invalid_request_keeps_a_readable_id() {
        let resp = single(r#"{"jsonrpc":"1.0","id":"k","method":"ping"}"#).unwrap_err();
        assert_eq!(resp.id, Some(RequestId::String("k".into())));
    }

    #[test]
    fn batch_elements_parse_independently() {
        let Ok(Incoming::Batch(items)) = parse(
            br#"[{"jsonrpc":"2.0","id":1,"method":"ping"}, 5, {"jsonrpc":"2.0","method":"n"}]"#,
        ) else {
            panic!()
        };
        assert!(matches!(items[0], Ok(Message::Request(_))));
        assert_eq!(
            items[1].as_ref().unwrap_err().as_error().unwrap().code,
            INVALID_REQUEST
        );
        assert!(matches!(items[2], Ok(Message::Notification(_))));
    }

    #[test]
    fn response_serialization() {
        let ok = Response::result(
            RequestId::Number(7),
            RawValue::from_string("{}".into()).unwrap(),
        );
        assert_eq!(ok.to_json(), r#"{"jsonrpc":"2.0","id":7,"result":{}}"#);
        let named = Response::result(
            RequestId::String("a\"b".into()),
            RawValue::from_string(r#"{"x":[1]}"#.into()).unwrap(),
        );
        assert_eq!(
            named.to_json(),
            serde_json::to_string(&named).unwrap(),
            "the written result is the serializer's"
        );
        assert_eq!(
            named.to_json(),
            r#"{"jsonrpc":"2.0","id":"a\"b","result":{"x":[1]}}"#
        );
        let err = Response::error(None, ErrorObject::new(PARSE_ERROR, "bad"));
        assert_eq!(
            err.to_json(),
            r#"{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"bad"}}"#
        );
    }
}
