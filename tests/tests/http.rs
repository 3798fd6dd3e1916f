//! Streamable HTTP on loopback: lifecycle, sessions, headers, bad input, and that the server
//! keeps serving after each.

use std::time::Duration;

use frontmcp::prelude::*;
use frontmcp::{HttpConfig, ResponseMode};
use frontmcp_tests::{Http, TestServer, initialize_body};
use hyper::{Method, StatusCode};
use serde_json::{Value, json};

#[derive(Deserialize, JsonSchema)]
struct Add {
    a: i64,
    b: i64,
}

#[derive(Serialize, JsonSchema)]
struct Sum {
    sum: i64,
}

#[derive(Deserialize, JsonSchema)]
struct Nap {
    millis: u64,
}

#[derive(Default)]
struct MathApp;

#[app(name = "Math")]
impl MathApp {
    /// Adds two integers.
    #[tool(read_only = true)]
    async fn add(&self, input: Add) -> Json<Sum> {
        Json(Sum {
            sum: input.a + input.b,
        })
    }

    /// Fails on purpose.
    #[tool]
    async fn fail(&self) -> ToolResult<String> {
        Err(ToolError::new("it failed, as asked"))
    }

    /// Panics on purpose.
    #[tool]
    async fn panic(&self) -> String {
        panic!("a bug in a tool")
    }

    /// Sleeps, then answers.
    #[tool]
    async fn nap(&self, input: Nap) -> String {
        tokio::time::sleep(Duration::from_millis(input.millis)).await;
        "rested".into()
    }

    /// Reports the session it runs in.
    #[tool]
    async fn whoami(&self, ctx: &ToolContext) -> String {
        ctx.session_id().unwrap_or("none").to_owned()
    }
}

fn builder() -> ServerBuilder {
    frontmcp_tests::builder("test", "0.1.0").app(MathApp)
}

async fn start() -> (TestServer, Http) {
    start_with(builder()).await
}

async fn start_with(builder: ServerBuilder) -> (TestServer, Http) {
    let server = TestServer::start(builder).await;
    let http = Http::new(&server.url);
    (server, http)
}

/// The server still answers a fresh session after whatever the test did.
async fn still_serving(http: &Http) {
    let session = http.initialize("2025-11-25").await;
    let reply = http.rpc(&session, "ping", json!({})).await;
    assert_eq!(reply.json()["result"], json!({}));
}

#[tokio::test]
async fn initialize_negotiates_and_issues_a_session() {
    let (_server, http) = start().await;
    for (requested, answered) in [
        ("2025-11-25", "2025-11-25"),
        ("2025-06-18", "2025-06-18"),
        ("2025-03-26", "2025-03-26"),
        ("2024-11-05", "2025-11-25"),
    ] {
        let reply = http
            .post(&[], initialize_body(requested, json!({})).to_string())
            .await;
        assert_eq!(reply.status, StatusCode::OK);
        let result = &reply.json()["result"];
        assert_eq!(result["protocolVersion"], answered, "asked for {requested}");
        assert_eq!(result["serverInfo"]["name"], "test");
        assert_eq!(result["capabilities"]["tools"]["listChanged"], false);
        assert_eq!(reply.header("mcp-session-id").unwrap().len(), 43);
    }
}

#[tokio::test]
async fn initialize_with_bad_params_creates_no_session() {
    let (server, http) = start().await;
    let reply = http
        .post(
            &[],
            json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {}}).to_string(),
        )
        .await;
    assert_eq!(reply.error_code(), -32602);
    assert!(reply.header("mcp-session-id").is_none());
    assert_eq!(server.server.session_count(), 0);
}

#[tokio::test]
async fn sessions_are_required_and_end_on_delete() {
    let (server, http) = start().await;
    let missing = http
        .post(
            &[],
            json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}).to_string(),
        )
        .await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    assert_eq!(missing.error_code(), -32600);

    let unknown = http.rpc("no-such-session", "ping", json!({})).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);

    let session = http.initialize("2025-11-25").await;
    assert_eq!(server.server.session_count(), 1);
    let deleted = http
        .request(Method::DELETE, "/mcp", &[("mcp-session-id", &session)], "")
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_eq!(server.server.session_count(), 0);
    let after = http.rpc(&session, "ping", json!({})).await;
    assert_eq!(after.status, StatusCode::NOT_FOUND);
    let again = http
        .request(Method::DELETE, "/mcp", &[("mcp-session-id", &session)], "")
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn protocol_version_header_is_checked() {
    let (_server, http) = start().await;
    let session = http.initialize("2025-06-18").await;
    let ping = json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}).to_string();
    let ok = http
        .post(
            &[
                ("mcp-session-id", &session),
                ("mcp-protocol-version", "2025-06-18"),
            ],
            ping.clone(),
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK);
    // Another revision this server supports is served under the negotiated one.
    let other = http
        .post(
            &[
                ("mcp-session-id", &session),
                ("mcp-protocol-version", "2025-03-26"),
            ],
            ping.clone(),
        )
        .await;
    assert_eq!(other.status, StatusCode::OK, "{}", other.body);
    for bad in ["1999-01-01", "nonsense", "2025-13-45"] {
        let reply = http
            .post(
                &[("mcp-session-id", &session), ("mcp-protocol-version", bad)],
                ping.clone(),
            )
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(
            reply.json()["error"]["message"]
                .as_str()
                .unwrap()
                .contains("MCP-Protocol-Version")
        );
    }
    let absent = http.post(&[("mcp-session-id", &session)], ping).await;
    assert_eq!(
        absent.status,
        StatusCode::OK,
        "no header: assumed compatible"
    );
}

#[tokio::test]
async fn tools_list_and_call() {
    let (_server, http) = start().await;
    let session = http.initialize("2025-11-25").await;
    let list = http.rpc(&session, "tools/list", json!({})).await.json();
    let tools = list["result"]["tools"].as_array().unwrap();
    let names: Vec<&str> = tools.iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "math:add",
            "math:fail",
            "math:panic",
            "math:nap",
            "math:whoami"
        ]
    );
    let add = &tools[0];
    assert_eq!(add["description"], "Adds two integers.");
    assert_eq!(add["inputSchema"]["type"], "object");
    assert_eq!(add["inputSchema"]["required"], json!(["a", "b"]));
    // Input schemas name their dialect (SEP-1613); output schemas, which clients validate
    // results with, do not.
    assert_eq!(
        add["inputSchema"]["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert_eq!(add["outputSchema"]["properties"]["sum"]["type"], "integer");
    assert!(add["outputSchema"].get("$schema").is_none());
    assert_eq!(add["annotations"]["readOnlyHint"], true);
    assert!(tools[1].get("outputSchema").is_none());

    let result = http
        .call(&session, "math:add", json!({"a": 2, "b": 40}))
        .await;
    assert_eq!(result["structuredContent"], json!({"sum": 42}));
    assert_eq!(result["content"][0]["text"], r#"{"sum":42}"#);
    assert!(result.get("isError").is_none());

    let failed = http.call(&session, "math:fail", json!({})).await;
    assert_eq!(failed["isError"], true);
    assert_eq!(failed["content"][0]["text"], "it failed, as asked");

    let whoami = http.call(&session, "math:whoami", json!({})).await;
    assert_eq!(whoami["content"][0]["text"], session);
}

#[tokio::test]
async fn invalid_arguments_name_the_field_per_revision() {
    let (_server, http) = start().await;
    // 2025-11-25: a tool execution error the model can correct.
    let session = http.initialize("2025-11-25").await;
    let result = http.call(&session, "math:add", json!({"a": 1})).await;
    assert_eq!(result["isError"], true);
    let text = result["content"][0]["text"].as_str().unwrap();
    assert!(text.contains("missing field `b`"), "{text}");
    assert!(!text.contains("line 1"), "no parser positions: {text}");
    let result = http
        .call(&session, "math:add", json!({"a": 1, "b": "two"}))
        .await;
    let text = result["content"][0]["text"].as_str().unwrap();
    assert!(
        text.starts_with("invalid arguments for tool math:add: b: invalid type"),
        "{text}"
    );
    let result = http.call(&session, "math:add", json!([1, 2])).await;
    assert_eq!(result["isError"], true);

    // 2025-06-18: a protocol error.
    let session = http.initialize("2025-06-18").await;
    let error = http.call(&session, "math:add", json!({"a": 1})).await;
    assert_eq!(error["code"], -32602);
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("missing field `b`")
    );
}

#[tokio::test]
async fn protocol_errors() {
    let (_server, http) = start().await;
    let session = http.initialize("2025-11-25").await;
    let s = [("mcp-session-id", session.as_str())];

    let unknown_tool = http.call(&session, "math:nope", json!({})).await;
    assert_eq!(unknown_tool["code"], -32602);
    assert_eq!(unknown_tool["message"], "unknown tool: math:nope");

    assert_eq!(
        http.rpc(&session, "resources/list", json!({}))
            .await
            .error_code(),
        -32601
    );
    assert_eq!(
        http.rpc(&session, "tools/call", json!({"arguments": {}}))
            .await
            .error_code(),
        -32602
    );
    assert_eq!(
        http.rpc(&session, "tools/list", json!({"cursor": "bogus"}))
            .await
            .error_code(),
        -32602
    );
    // initialize always starts a new session, even when an old one is named.
    let again = http
        .post(&s, initialize_body("2025-11-25", json!({})).to_string())
        .await;
    assert_ne!(again.header("mcp-session-id"), Some(session.as_str()));

    let parse = http.post(&s, "{\"jsonrpc\": \"2.0\", ").await;
    assert_eq!(parse.status, StatusCode::BAD_REQUEST);
    assert_eq!(parse.error_code(), -32700);
    assert_eq!(parse.json()["id"], Value::Null);

    for shape in [
        r#"{"jsonrpc":"2.0","id":1}"#,
        r#"{"id":1,"method":"ping"}"#,
        r#"{"jsonrpc":"2.0","id":null,"method":"ping"}"#,
        "42",
        "[]",
    ] {
        let reply = http.post(&s, shape).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{shape}");
        assert_eq!(reply.error_code(), -32600, "{shape}");
    }
    let batch = http
        .post(&s, r#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#)
        .await;
    assert_eq!(batch.error_code(), -32600, "no batches after 2025-03-26");
    still_serving(&http).await;
}

#[tokio::test]
async fn batches_in_2025_03_26() {
    let (_server, http) = start().await;
    let session = http.initialize("2025-03-26").await;
    let body = json!([
        {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "math:add", "arguments": {"a": 1, "b": 2}}},
        {"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 9}},
        {"jsonrpc": "2.0", "id": 2, "method": "nope"},
        {"jsonrpc": "2.0", "id": 3, "method": "initialize", "params": {}},
        7
    ]);
    let reply = http
        .post(&[("mcp-session-id", &session)], body.to_string())
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let responses = reply.json();
    let responses = responses.as_array().unwrap();
    assert_eq!(responses.len(), 4, "the notification gets no response");
    assert_eq!(responses[0]["result"]["structuredContent"]["sum"], 3);
    assert_eq!(responses[1]["error"]["code"], -32601);
    assert_eq!(responses[2]["error"]["code"], -32600);
    assert_eq!(responses[3]["error"]["code"], -32600);
    let only_notifications = json!([{"jsonrpc": "2.0", "method": "notifications/initialized"}]);
    let reply = http
        .post(
            &[("mcp-session-id", &session)],
            only_notifications.to_string(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED);
}

#[tokio::test]
async fn pagination_walks_every_tool() {
    let (_server, http) = start_with(builder().page_size(2)).await;
    let session = http.initialize("2025-11-25").await;
    let mut names = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let params = cursor.as_ref().map_or(json!({}), |c| json!({"cursor": c}));
        let page = http.rpc(&session, "tools/list", params).await.json()["result"].clone();
        names.extend(
            page["tools"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["name"].as_str().unwrap().to_owned()),
        );
        pages += 1;
        match page.get("nextCursor") {
            Some(Value::String(c)) => cursor = Some(c.clone()),
            _ => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(names.len(), 5);
}

#[tokio::test]
async fn headers_are_enforced() {
    let (_server, http) = start().await;
    let ping = json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}).to_string();
    let html = http
        .request(
            Method::POST,
            "/mcp",
            &[
                ("content-type", "application/json"),
                ("accept", "text/html"),
            ],
            ping.clone(),
        )
        .await;
    assert_eq!(html.status, StatusCode::NOT_ACCEPTABLE);
    let text = http
        .request(
            Method::POST,
            "/mcp",
            &[
                ("content-type", "text/plain"),
                ("accept", "application/json"),
            ],
            ping.clone(),
        )
        .await;
    assert_eq!(text.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let put = http.request(Method::PUT, "/mcp", &[], "").await;
    assert_eq!(put.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(put.header("allow").unwrap().contains("POST"));
    assert_eq!(
        http.request(Method::GET, "/elsewhere", &[], "")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        http.request(Method::GET, "/healthz", &[], "").await.status,
        StatusCode::OK
    );
    assert_eq!(
        http.request(Method::GET, "/readyz", &[], "").await.status,
        StatusCode::OK
    );
    still_serving(&http).await;
}

#[tokio::test]
async fn origins_are_validated() {
    let config = HttpConfig {
        allowed_origins: vec!["https://app.example.com".into()],
        ..Default::default()
    };
    let (_server, http) = start_with(builder().http(config)).await;
    let init = initialize_body("2025-11-25", json!({})).to_string();
    for evil in [
        "http://evil.example",
        "http://localhost.evil.example",
        "null",
    ] {
        let reply = http.post(&[("origin", evil)], init.clone()).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{evil}");
        assert!(reply.header("mcp-session-id").is_none());
    }
    for good in [
        "http://localhost:6274",
        "http://127.0.0.1:3000",
        "https://app.example.com",
    ] {
        let reply = http.post(&[("origin", good)], init.clone()).await;
        assert_eq!(reply.status, StatusCode::OK, "{good}");
        assert_eq!(reply.header("access-control-allow-origin"), Some(good));
        assert!(
            reply
                .header("access-control-expose-headers")
                .unwrap()
                .contains("mcp-session-id")
        );
    }
    // A browser's preflight: answered without a token, naming what the endpoint accepts.
    let preflight = http
        .request(
            Method::OPTIONS,
            "/mcp",
            &[
                ("origin", "http://localhost:6274"),
                ("access-control-request-method", "POST"),
                (
                    "access-control-request-headers",
                    "content-type, mcp-session-id",
                ),
            ],
            "",
        )
        .await;
    assert!(preflight.status.is_success(), "{}", preflight.status);
    assert_eq!(
        preflight.header("access-control-allow-origin"),
        Some("http://localhost:6274")
    );
    assert!(
        preflight
            .header("access-control-allow-headers")
            .unwrap()
            .contains("mcp-session-id")
    );
    let evil = http
        .request(
            Method::OPTIONS,
            "/mcp",
            &[
                ("origin", "http://evil.example"),
                ("access-control-request-method", "POST"),
            ],
            "",
        )
        .await;
    assert_eq!(evil.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn oversized_bodies_get_413() {
    let config = HttpConfig {
        max_body_bytes: 1024,
        ..Default::default()
    };
    let (_server, http) = start_with(builder().http(config)).await;
    let session = http.initialize("2025-11-25").await;
    let big = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": {"name": "math:add", "arguments": {"a": 1, "b": 2, "pad": "x".repeat(4096)}}});
    let reply = http
        .post(&[("mcp-session-id", &session)], big.to_string())
        .await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(reply.error_code(), -32600);
    assert!(
        reply.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("1024")
    );
    still_serving(&http).await;
}

#[tokio::test]
async fn sse_responses_follow_accept() {
    let (_server, http) = start().await;
    let init = initialize_body("2025-11-25", json!({})).to_string();
    let sse_only = [
        ("content-type", "application/json"),
        ("accept", "text/event-stream"),
    ];
    let reply = http.request(Method::POST, "/mcp", &sse_only, init).await;
    assert!(reply.is_sse(), "{:?}", reply.headers);
    assert!(reply.body.starts_with("event: message\ndata: {"));
    let session = reply.header("mcp-session-id").unwrap().to_owned();
    let call = json!({"jsonrpc": "2.0", "id": 5, "method": "tools/call", "params": {"name": "math:add", "arguments": {"a": 1, "b": 1}}});
    let headers = [
        sse_only[0],
        sse_only[1],
        ("mcp-session-id", session.as_str()),
    ];
    let reply = http
        .request(Method::POST, "/mcp", &headers, call.to_string())
        .await;
    assert_eq!(reply.json()["result"]["structuredContent"]["sum"], 2);

    // Preferring SSE when both are accepted.
    let config = HttpConfig {
        response_mode: ResponseMode::Sse,
        ..Default::default()
    };
    let (_server, http) = start_with(builder().http(config)).await;
    let reply = http
        .post(&[], initialize_body("2025-11-25", json!({})).to_string())
        .await;
    assert!(reply.is_sse());
}

#[tokio::test]
async fn get_opens_one_event_stream_per_session() {
    let (_server, http) = start().await;
    let session = http.initialize("2025-11-25").await;
    let url = http.url.clone();
    let stream = {
        let session = session.clone();
        tokio::spawn(async move {
            let client =
                hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                    .build_http::<http_body_util::Full<bytes::Bytes>>();
            let req = hyper::Request::get(url)
                .header("accept", "text/event-stream")
                .header("mcp-session-id", session)
                .body(Default::default())
                .unwrap();
            let resp = client.request(req).await.unwrap();
            let status = resp.status();
            let content_type = resp.headers()["content-type"].to_str().unwrap().to_owned();
            let mut body = resp.into_body();
            use http_body_util::BodyExt;
            let first = body.frame().await.unwrap().unwrap().into_data().unwrap();
            (status, content_type, first, body)
        })
    };
    let (status, content_type, first, body) = stream.await.unwrap();
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type, "text/event-stream");
    assert_eq!(&first[..], b": stream open\n\n");
    let second = http
        .request(
            Method::GET,
            "/mcp",
            &[
                ("accept", "text/event-stream"),
                ("mcp-session-id", &session),
            ],
            "",
        )
        .await;
    assert_eq!(second.status, StatusCode::CONFLICT);
    let no_sse = http
        .request(
            Method::GET,
            "/mcp",
            &[("accept", "application/json"), ("mcp-session-id", &session)],
            "",
        )
        .await;
    assert_eq!(no_sse.status, StatusCode::NOT_ACCEPTABLE);
    drop(body);
}

#[tokio::test]
async fn a_panicking_tool_is_an_internal_error_not_a_crash() {
    let (_server, http) = start().await;
    let session = http.initialize("2025-11-25").await;
    let error = http.call(&session, "math:panic", json!({})).await;
    assert_eq!(error["code"], -32603);
    let result = http
        .call(&session, "math:add", json!({"a": 1, "b": 1}))
        .await;
    assert_eq!(result["structuredContent"]["sum"], 2);
}

#[tokio::test]
async fn graceful_shutdown_finishes_in_flight_calls() {
    let (server, http) = start().await;
    let session = http.initialize("2025-11-25").await;
    let slow = {
        let http = http.clone();
        tokio::spawn(async move {
            http.call(&session, "math:nap", json!({"millis": 300}))
                .await
        })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    server.shutdown().await;
    let result = slow.await.unwrap();
    assert_eq!(result["content"][0]["text"], "rested");
}

/// A call still running when the grace period ends loses its connection: shutdown does not leave
/// it running behind the server's back.
#[tokio::test]
async fn shutdown_closes_what_outlives_the_grace_period() {
    let config = HttpConfig {
        shutdown_grace: Duration::from_millis(200),
        ..Default::default()
    };
    let (server, http) = start_with(builder().http(config)).await;
    let session = http.initialize("2025-11-25").await;
    let url = http.url.clone();
    let slow = tokio::spawn(async move {
        let call = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                          "params": {"name": "math:nap", "arguments": {"millis": 30_000}}});
        reqwest::Client::new()
            .post(url)
            .header("content-type", "application/json")
            .header("accept", "application/json")
            .header("mcp-session-id", session)
            .body(call.to_string())
            .send()
            .await
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    server.shutdown().await;
    let outcome = tokio::time::timeout(Duration::from_secs(5), slow)
        .await
        .expect("the call ends with the server, not 30 s later")
        .unwrap();
    assert!(outcome.is_err(), "{outcome:?}");
}

#[tokio::test]
async fn session_limit_answers_503() {
    let config = HttpConfig {
        max_sessions: 2,
        ..Default::default()
    };
    let (_server, http) = start_with(builder().http(config)).await;
    http.initialize("2025-11-25").await;
    http.initialize("2025-11-25").await;
    let reply = http
        .post(&[], initialize_body("2025-11-25", json!({})).to_string())
        .await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn requests_before_initialize_on_a_session_are_refused() {
    // Over HTTP a session only exists after initialize; notifications and responses get 202.
    let (_server, http) = start().await;
    let session = http.initialize("2025-11-25").await;
    let response = json!({"jsonrpc": "2.0", "id": 99, "result": {}});
    let reply = http
        .post(&[("mcp-session-id", &session)], response.to_string())
        .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED);
    assert!(reply.body.is_empty());
}
