//! MCP 2026-07-28's stateless requests: what each request carries in its `_meta` (the protocol
//! version, the client's capabilities and identity, a log level), and what each result carries
//! (`resultType`, the server's identity, caching hints), `server/discover`, multi round-trip
//! results and subscription filters.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::ProtocolVersion;
use super::jsonrpc::{self, ErrorObject, INVALID_PARAMS, Request, UNSUPPORTED_PROTOCOL_VERSION};
use super::mcp::{CallToolParams, ClientCapabilities, Implementation, ProgressMeta};

/// `_meta` key of the request's protocol version.
pub const PROTOCOL_VERSION: &str = "io.modelcontextprotocol/protocolVersion";
/// `_meta` key of the client's capabilities.
pub const CLIENT_CAPABILITIES: &str = "io.modelcontextprotocol/clientCapabilities";
/// `_meta` key of the client's name and version.
pub const CLIENT_INFO: &str = "io.modelcontextprotocol/clientInfo";
/// `_meta` key of the lowest level of `notifications/message` the request wants.
pub const LOG_LEVEL: &str = "io.modelcontextprotocol/logLevel";
/// `_meta` key of the server's name and version on results.
pub const SERVER_INFO: &str = "io.modelcontextprotocol/serverInfo";
/// `_meta` key naming the subscription a notification belongs to.
pub const SUBSCRIPTION_ID: &str = "io.modelcontextprotocol/subscriptionId";

/// What a stateless request says about itself, in its `_meta`.
#[derive(Debug, Clone)]
pub struct RequestMeta {
    /// The protocol version it speaks.
    pub protocol_version: ProtocolVersion,
    /// What the client supports, for this request.
    pub client_capabilities: ClientCapabilities,
    /// Who the client is, if it says.
    pub client_info: Option<Implementation>,
    /// The lowest level of log messages the request wants on its stream; none without it.
    pub log_level: Option<String>,
}

/// A request's `_meta` as it travels; only the fields this server reads.
#[derive(Deserialize)]
struct RawMeta {
    #[serde(rename = "io.modelcontextprotocol/protocolVersion")]
    protocol_version: Option<String>,
    #[serde(rename = "io.modelcontextprotocol/clientCapabilities")]
    client_capabilities: Option<ClientCapabilities>,
    #[serde(rename = "io.modelcontextprotocol/clientInfo")]
    client_info: Option<Implementation>,
    #[serde(rename = "io.modelcontextprotocol/logLevel")]
    log_level: Option<String>,
    #[serde(rename = "progressToken")]
    progress_token: Option<Value>,
}

#[derive(Deserialize)]
struct WithMeta {
    #[serde(rename = "_meta")]
    meta: Option<RawMeta>,
}

/// A request's params as [`Declared::read`] reads them: its `_meta`, what it names, and the
/// rest of a `tools/call`'s fields, kept raw (the method may not be `tools/call`).
#[derive(Deserialize)]
struct Described<'a> {
    #[serde(rename = "_meta")]
    meta: Option<RawMeta>,
    #[serde(borrow)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    uri: Option<Cow<'a, str>>,
    #[serde(borrow)]
    arguments: Option<&'a RawValue>,
    #[serde(borrow, rename = "requestState")]
    request_state: Option<&'a RawValue>,
    #[serde(borrow, rename = "inputResponses")]
    input_responses: Option<&'a RawValue>,
}

/// The syslog levels of `notifications/message`, lowest first.
const LOG_LEVELS: [&str; 8] = [
    "debug",
    "info",
    "notice",
    "warning",
    "error",
    "critical",
    "alert",
    "emergency",
];

/// The protocol version a request's `_meta` names, if it names one (without judging it).
pub fn declared_version(params: Option<&RawValue>) -> Option<String> {
    let params = params?;
    serde_json::from_str::<WithMeta>(params.get())
        .ok()?
        .meta?
        .protocol_version
}

/// A request's params, read once: the version its `_meta` names and what it names (a tool's or
/// prompt's `name`, a resource's `uri`), for the transport to compare with its headers, and
/// whether it makes a valid stateless request.
#[derive(Debug)]
pub struct Declared<'a> {
    version: Option<String>,
    name: Option<Cow<'a, str>>,
    uri: Option<Cow<'a, str>>,
    arguments: Option<&'a RawValue>,
    request_state: Option<&'a RawValue>,
    input_responses: Option<&'a RawValue>,
    progress_token: Option<Value>,
    meta: Result<RequestMeta, ErrorObject>,
}

impl<'a> Declared<'a> {
    /// Reads a request's `params`.
    pub fn read(params: Option<&'a RawValue>) -> Self {
        let described = params
            .map(|p| serde_json::from_str::<Described<'a>>(p.get()))
            .transpose()
            .map_err(|e| invalid(&format!("invalid params: {e}")));
        Self::from_described(described)
    }

    /// A `tools/call` read from its whole body in one pass, rather than its envelope first and
    /// its params again (5,500 instructions of a 47,000-instruction call, callgrind), with its
    /// params as a call's. `None` for any other body, or one that is not quite right (no `name`,
    /// members of a response, an `id` that is not one): the general reader then judges it and
    /// says what is wrong.
    pub fn read_call(body: &'a [u8]) -> Option<(Request, Self, CallToolParams)> {
        #[derive(Deserialize)]
        struct Call<'a> {
            #[serde(borrow)]
            jsonrpc: Cow<'a, str>,
            id: Value,
            #[serde(borrow)]
            method: Cow<'a, str>,
            #[serde(borrow)]
            params: Described<'a>,
            result: Option<serde::de::IgnoredAny>,
            error: Option<serde::de::IgnoredAny>,
        }
        let call: Call<'a> = serde_json::from_slice(body).ok()?;
        if call.jsonrpc != "2.0"
            || call.method != "tools/call"
            || call.result.is_some()
            || call.error.is_some()
        {
            return None;
        }
        let id = jsonrpc::to_id(&call.id)?;
        let declared = Self::from_described(Ok(Some(call.params)));
        let params = declared.call_params()?;
        let request = Request {
            id,
            method: "tools/call".to_owned(),
            params: None,
        };
        Some((request, declared, params))
    }

    fn from_described(described: Result<Option<Described<'a>>, ErrorObject>) -> Self {
        let (raw, described) = match described {
            Ok(Some(mut d)) => (Ok(d.meta.take()), Some(d)),
            Ok(None) => (Ok(None), None),
            Err(e) => (Err(e), None),
        };
        let mut progress_token = None;
        let (version, meta) = match raw {
            Ok(Some(mut raw)) => {
                progress_token = raw.progress_token.take();
                (raw.protocol_version.clone(), RequestMeta::from_raw(raw))
            }
            Ok(None) => (
                None,
                Err(invalid(
                    "missing params._meta: a 2026-07-28 request carries its protocol version and client capabilities there",
                )),
            ),
            Err(e) => (None, Err(e)),
        };
        match described {
            Some(d) => Self {
                version,
                name: d.name,
                uri: d.uri,
                arguments: d.arguments,
                request_state: d.request_state,
                input_responses: d.input_responses,
                progress_token,
                meta,
            },
            None => Self {
                version,
                name: None,
                uri: None,
                arguments: None,
                request_state: None,
                input_responses: None,
                progress_token,
                meta,
            },
        }
    }

    /// The params as a `tools/call`'s, from this one reading rather than a second parse of the
    /// same text (3,800 instructions of a `tools/call`, callgrind); `None` when they are not
    /// valid ones, which the dispatcher's own parse then reports.
    pub fn call_params(&self) -> Option<CallToolParams> {
        Some(CallToolParams {
            name: self.name.as_deref()?.to_owned(),
            arguments: self.arguments.map(ToOwned::to_owned),
            request_state: match self.request_state {
                Some(raw) => Some(serde_json::from_str(raw.get()).ok()?),
                None => None,
            },
            input_responses: match self.input_responses {
                Some(raw) => Some(serde_json::from_str(raw.get()).ok()?),
                None => None,
            },
            meta: self
                .progress_token
                .clone()
                .map(|progress_token| ProgressMeta {
                    progress_token: Some(progress_token),
                }),
        })
    }

    /// The protocol version the request names, if any.
    pub fn version(&self) -> Option<&str> {
        self.version.as_deref()
    }

    /// `params.name`, if the request has one (decoded, escapes included, as the dispatcher
    /// reads it).
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// `params.uri`, if the request has one.
    pub fn uri(&self) -> Option<&str> {
        self.uri.as_deref()
    }

    /// `params.arguments`, if the request has them.
    pub fn arguments(&self) -> Option<&'a RawValue> {
        self.arguments
    }

    /// Whether `_meta` asks for progress notifications.
    pub fn asks_progress(&self) -> bool {
        self.progress_token.is_some()
    }

    /// The request's metadata.
    ///
    /// # Errors
    ///
    /// `-32602` when `_meta` is missing, malformed, or lacks the protocol version or the client
    /// capabilities; `-32022` (naming the supported versions) for a version this server does not
    /// serve statelessly.
    pub fn into_meta(self) -> Result<RequestMeta, ErrorObject> {
        self.meta
    }
}

fn invalid(message: &str) -> ErrorObject {
    ErrorObject::new(INVALID_PARAMS, message.to_owned())
}

impl RequestMeta {
    /// Reads the `_meta` of a stateless request's `params`.
    ///
    /// # Errors
    ///
    /// As [`Declared::into_meta`].
    pub fn parse(params: Option<&RawValue>) -> Result<Self, ErrorObject> {
        Declared::read(params).into_meta()
    }

    fn from_raw(raw: RawMeta) -> Result<Self, ErrorObject> {
        let requested = raw.protocol_version.ok_or_else(|| {
            invalid("missing params._meta[\"io.modelcontextprotocol/protocolVersion\"]")
        })?;
        let protocol_version = ProtocolVersion::parse(&requested)
            .filter(|v| v.is_stateless())
            .ok_or_else(|| unsupported_version(&requested))?;
        let client_capabilities = raw.client_capabilities.ok_or_else(|| {
            invalid("missing params._meta[\"io.modelcontextprotocol/clientCapabilities\"]")
        })?;
        if let Some(level) = &raw.log_level {
            if !LOG_LEVELS.contains(&level.as_str()) {
                return Err(invalid(&format!(
                    "unknown log level `{level}` (one of {})",
                    LOG_LEVELS.join(", ")
                )));
            }
        }
        Ok(Self {
            protocol_version,
            client_capabilities,
            client_info: raw.client_info,
            log_level: raw.log_level,
        })
    }
}

/// `-32022` for `requested`, naming every version this server speaks (the handshake ones
/// through `initialize`).
pub fn unsupported_version(requested: &str) -> ErrorObject {
    let supported: Vec<&str> = ProtocolVersion::ALL.iter().map(|v| v.as_str()).collect();
    ErrorObject::new(
        UNSUPPORTED_PROTOCOL_VERSION,
        format!("unsupported protocol version {requested:?}"),
    )
    .with_data(serde_json::json!({ "supported": supported, "requested": requested }))
}

/// A server's name and version as every stateless result carries them, serialized once: doing it
/// for every result cost about 600 instructions of a `tools/call`'s 53,000 (callgrind).
#[derive(Debug)]
pub struct ServerIdentity(Box<RawValue>);

impl ServerIdentity {
    /// `info`, rendered.
    pub fn new(info: &Implementation) -> Self {
        Self(serde_json::value::to_raw_value(info).expect("an implementation serializes"))
    }
}

impl Serialize for ServerIdentity {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

/// Who the server is, as every stateless result's `_meta` says, beside the result's own
/// metadata.
#[derive(Debug, Clone, Serialize)]
pub struct ResultMeta<'a> {
    /// The server's name and version.
    #[serde(rename = "io.modelcontextprotocol/serverInfo")]
    pub server_info: &'a ServerIdentity,
    /// The result's own `_meta` entries.
    #[serde(flatten)]
    pub extra: Option<Map<String, Value>>,
}

/// How long a result may be reused, and by whom (2026-07-28 caching hints).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CacheHints {
    /// Milliseconds the result stays fresh.
    pub ttl_ms: u64,
    /// `public` (the same for everyone) or `private` (for this authorization only).
    pub cache_scope: CacheScope,
}

/// Who may reuse a cached result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CacheScope {
    /// Anyone: the result holds nothing user-specific.
    Public,
    /// Only within the same authorization: the result depends on who asks.
    Private,
}

/// A complete stateless result: the method's result with `resultType`, the server's identity
/// and, for cacheable ones, the caching hints beside its own fields.
#[derive(Debug, Serialize)]
pub struct Complete<'a, T: Serialize> {
    /// The method's result.
    #[serde(flatten)]
    pub result: T,
    /// Always `complete`.
    #[serde(rename = "resultType")]
    pub result_type: &'static str,
    /// The caching hints, for cacheable results.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub cache: Option<CacheHints>,
    /// The server's identity.
    #[serde(rename = "_meta")]
    pub meta: ResultMeta<'a>,
}

impl<'a, T: Serialize> Complete<'a, T> {
    /// `result`, complete, from `server_info`.
    pub fn new(result: T, server_info: &'a ServerIdentity) -> Self {
        Self {
            result,
            result_type: "complete",
            cache: None,
            meta: ResultMeta {
                server_info,
                extra: None,
            },
        }
    }

    /// With caching hints.
    pub fn cached(mut self, hints: CacheHints) -> Self {
        self.cache = Some(hints);
        self
    }
}

/// A complete `tools/call` result: [`Complete`] with the result's fields spelled out, since
/// `flatten` serializes through a map (1,000 instructions of a `tools/call`, callgrind).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CompleteToolResult<'a> {
    content: &'a [super::mcp::Content],
    #[serde(skip_serializing_if = "Option::is_none")]
    structured_content: Option<&'a Map<String, Value>>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    is_error: bool,
    result_type: &'static str,
    #[serde(rename = "_meta")]
    meta: ResultMeta<'a>,
}

impl<'a> CompleteToolResult<'a> {
    /// `result`, complete, from `server_info`, its own `_meta` entries beside the server's.
    pub fn new(
        result: &'a mut super::mcp::CallToolResult,
        server_info: &'a ServerIdentity,
    ) -> Self {
        Self {
            content: &result.content,
            structured_content: result.structured_content.as_ref(),
            is_error: result.is_error,
            result_type: "complete",
            meta: ResultMeta {
                server_info,
                extra: result.meta.take(),
            },
        }
    }
}

/// `server/discover`'s result (beside `resultType` and the server's identity).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DiscoverResult<'a> {
    /// Every version this server speaks: 2026-07-28 statelessly, the others through
    /// `initialize`.
    pub supported_versions: Vec<&'static str>,
    /// What it offers.
    pub capabilities: &'a super::mcp::ServerCapabilities,
    /// Guidance for the model.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instructions: Option<&'a str>,
}

/// A result that needs something from the client first (2026-07-28's multi round-trip): the
/// client answers `input_requests` and retries the request with `inputResponses` and
/// `requestState` as they were.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InputRequiredResult<'a> {
    /// Always `input_required`.
    pub result_type: &'static str,
    /// What to ask, by a key the retry's `inputResponses` uses: each a `method` (such as
    /// `elicitation/create`) and its `params`.
    pub input_requests: Map<String, Value>,
    /// The server's state of the request, sealed; the client sends it back untouched.
    pub request_state: String,
    /// The server's identity.
    #[serde(rename = "_meta")]
    pub meta: ResultMeta<'a>,
}

impl<'a> InputRequiredResult<'a> {
    /// Asks for `input_requests`, to be retried with `request_state`, from `server_info`.
    pub fn new(
        input_requests: Map<String, Value>,
        request_state: String,
        server_info: &'a ServerIdentity,
    ) -> Self {
        Self {
            result_type: "input_required",
            input_requests,
            request_state,
            meta: ResultMeta {
                server_info,
                extra: None,
            },
        }
    }
}

/// The kinds of notification a `subscriptions/listen` asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionFilter {
    /// `notifications/tools/list_changed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools_list_changed: Option<bool>,
    /// `notifications/prompts/list_changed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompts_list_changed: Option<bool>,
    /// `notifications/resources/list_changed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources_list_changed: Option<bool>,
    /// `notifications/resources/updated` for these URIs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_subscriptions: Option<Vec<String>>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn raw(v: Value) -> Box<RawValue> {
        serde_json::value::to_raw_value(&v).unwrap()
    }

    fn meta(fields: Value) -> Box<RawValue> {
        raw(json!({ "_meta": fields, "name": "x" }))
    }

    #[test]
    fn a_request_names_its_version_and_capabilities() {
        let parsed = RequestMeta::parse(Some(&meta(json!({
            PROTOCOL_VERSION: "2026-07-28",
            CLIENT_CAPABILITIES: {"elicitation": {"url": {}}},
            CLIENT_INFO: {"name": "c", "version": "1"},
            LOG_LEVEL: "info"
        }))))
        .unwrap();
        assert_eq!(parsed.protocol_version, ProtocolVersion::V2026_07_28);
        assert!(parsed.client_capabilities.url_elicitation());
        assert_eq!(parsed.client_info.unwrap().name, "c");
        assert_eq!(parsed.log_level.as_deref(), Some("info"));
        // Client info is optional.
        assert!(
            RequestMeta::parse(Some(&meta(json!({
                PROTOCOL_VERSION: "2026-07-28", CLIENT_CAPABILITIES: {}
            }))))
            .is_ok()
        );
    }

    #[test]
    fn what_is_missing_or_unknown_is_refused() {
        let code = |params: Option<&RawValue>| RequestMeta::parse(params).unwrap_err().code;
        assert_eq!(code(None), INVALID_PARAMS);
        assert_eq!(code(Some(&raw(json!({"name": "x"})))), INVALID_PARAMS);
        assert_eq!(
            code(Some(&meta(json!({CLIENT_CAPABILITIES: {}})))),
            INVALID_PARAMS
        );
        assert_eq!(
            code(Some(&meta(json!({PROTOCOL_VERSION: "2026-07-28"})))),
            INVALID_PARAMS
        );
        assert_eq!(
            code(Some(&meta(
                json!({PROTOCOL_VERSION: 7, CLIENT_CAPABILITIES: {}})
            ))),
            INVALID_PARAMS
        );
        assert_eq!(
            code(Some(&meta(json!({
                PROTOCOL_VERSION: "2026-07-28", CLIENT_CAPABILITIES: {}, LOG_LEVEL: "loud"
            })))),
            INVALID_PARAMS
        );
        // A handshake revision, or an unknown one: -32022 naming what is supported.
        for version in ["2025-11-25", "v999.0.0"] {
            let err = RequestMeta::parse(Some(&meta(json!({
                PROTOCOL_VERSION: version, CLIENT_CAPABILITIES: {}
            }))))
            .unwrap_err();
            assert_eq!(err.code, UNSUPPORTED_PROTOCOL_VERSION);
            let data = err.data.unwrap();
            assert_eq!(data["requested"], version);
            assert_eq!(
                data["supported"],
                json!(["2026-07-28", "2025-11-25", "2025-06-18", "2025-03-26"])
            );
        }
    }

    #[test]
    fn complete_results_carry_their_type_identity_and_hints() {
        let info = Implementation {
            name: "s".into(),
            version: "1".into(),
            title: None,
            website_url: None,
        };
        let identity = ServerIdentity::new(&info);
        let listed = Complete::new(json!({"tools": []}), &identity).cached(CacheHints {
            ttl_ms: 5,
            cache_scope: CacheScope::Private,
        });
        assert_eq!(
            serde_json::to_value(&listed).unwrap(),
            json!({"tools": [], "resultType": "complete", "ttlMs": 5, "cacheScope": "private",
                   "_meta": {SERVER_INFO: {"name": "s", "version": "1"}}})
        );
        assert_eq!(
            declared_version(Some(&meta(json!({PROTOCOL_VERSION: "2026-07-28"})))).as_deref(),
            Some("2026-07-28")
        );
        assert_eq!(declared_version(Some(&raw(json!({"name": "x"})))), None);
        let mut result =
            super::super::mcp::CallToolResult::success(vec![super::super::mcp::Content::Text {
                text: "hi".into(),
            }]);
        result.meta = Some(Map::from_iter([("k".to_owned(), json!(1))]));
        assert_eq!(
            serde_json::to_value(CompleteToolResult::new(&mut result, &identity)).unwrap(),
            json!({"content": [{"type": "text", "text": "hi"}], "resultType": "complete",
                   "_meta": {SERVER_INFO: {"name": "s", "version": "1"}, "k": 1}})
        );
    }

    fn call_body(message: Value) -> Vec<u8> {
        serde_json::to_vec(&message).unwrap()
    }

    #[test]
    fn a_call_read_in_one_pass_is_the_call_read_in_two() {
        let params = json!({
            "name": "crm:search", "arguments": {"q": "a\"b"}, "requestState": "s",
            "inputResponses": {"k": {"action": "accept"}},
            "_meta": {PROTOCOL_VERSION: "2026-07-28", CLIENT_CAPABILITIES: {}, "progressToken": 4}
        });
        let body = call_body(
            json!({"jsonrpc": "2.0", "id": "r1", "method": "tools/call", "params": params}),
        );
        let (request, declared, call) = Declared::read_call(&body).expect("a call");
        assert_eq!(request.id, jsonrpc::RequestId::String("r1".into()));
        assert_eq!(request.method, "tools/call");
        assert!(declared.asks_progress());
        assert_eq!(declared.name(), Some("crm:search"));
        let raw_params = raw(params);
        let twice = Declared::read(Some(&raw_params));
        let read_twice = twice.call_params().unwrap();
        assert_eq!(call.name, read_twice.name);
        assert_eq!(
            call.arguments.as_ref().map(|a| a.get()),
            Some(r#"{"q":"a\"b"}"#)
        );
        assert_eq!(call.request_state, read_twice.request_state);
        assert_eq!(call.input_responses, read_twice.input_responses);
        assert_eq!(call.meta.and_then(|m| m.progress_token), Some(json!(4)));
        assert_eq!(
            declared.into_meta().unwrap().protocol_version,
            ProtocolVersion::V2026_07_28
        );
    }

    #[test]
    fn anything_but_a_plain_call_is_left_to_the_general_reader() {
        let meta = json!({PROTOCOL_VERSION: "2026-07-28", CLIENT_CAPABILITIES: {}});
        for (why, message) in [
            (
                "another method",
                json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"_meta": meta}}),
            ),
            (
                "no name",
                json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"_meta": meta}}),
            ),
            (
                "a null id",
                json!({"jsonrpc": "2.0", "id": null, "method": "tools/call", "params": {"name": "x", "_meta": meta}}),
            ),
            (
                "a notification",
                json!({"jsonrpc": "2.0", "method": "tools/call", "params": {"name": "x", "_meta": meta}}),
            ),
            (
                "JSON-RPC 1",
                json!({"jsonrpc": "1.0", "id": 1, "method": "tools/call", "params": {"name": "x", "_meta": meta}}),
            ),
            (
                "a result too",
                json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "result": {}, "params": {"name": "x", "_meta": meta}}),
            ),
            (
                "a state that is not a string",
                json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "x", "requestState": 5, "_meta": meta}}),
            ),
            (
                "answers that are not an object",
                json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "x", "inputResponses": [], "_meta": meta}}),
            ),
            (
                "params that are not an object",
                json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": []}),
            ),
        ] {
            assert!(Declared::read_call(&call_body(message)).is_none(), "{why}");
        }
        assert!(Declared::read_call(b"{not json").is_none());
        assert!(Declared::read_call(b"[]").is_none());
        // A `_meta` the call cannot be served with is still a call: the request's own error.
        let body = call_body(json!({
            "jsonrpc": "2.0", "id": 1, "method": "tools/call",
            "params": {"name": "x", "_meta": {PROTOCOL_VERSION: "2025-11-25", CLIENT_CAPABILITIES: {}}}
        }));
        let (_, declared, _) = Declared::read_call(&body).unwrap();
        assert_eq!(
            declared.into_meta().unwrap_err().code,
            UNSUPPORTED_PROTOCOL_VERSION
        );
    }
}
