//! MCP 2026-07-28 over HTTP on loopback: requests that stand alone (no `initialize`, no
//! session), the standard headers checked against the body, `_meta` read and judged, results
//! with `resultType` and the server's identity, and each error with its status. The handshake
//! revisions keep working beside it, on the same endpoint.

use frontmcp::prelude::*;
use frontmcp_tests::{Http, TestServer, stateless_meta};
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

    /// Reports the session and revision it runs in.
    #[tool]
    async fn whoami(&self, ctx: &ToolContext) -> String {
        format!(
            "{} {}",
            ctx.session_id().unwrap_or("none"),
            ctx.protocol_version()
        )
    }
}

async fn start() -> (TestServer, Http) {
    let server = TestServer::start(
        frontmcp_tests::builder("stateless-test", "1.2.3")
            .instructions("Adds numbers.")
            .app(MathApp),
    )
    .await;
    let http = Http::new(&server.url);
    (server, http)
}

/// The server's identity, as every result's `_meta` carries it.
fn server_info(result: &Value) -> &Value {
    &result["_meta"]["io.modelcontextprotocol/serverInfo"]
}

#[tokio::test]
async fn discover_then_list_and_call_without_a_session() {
    let (_server, http) = start().await;
    let reply = http
        .stateless("server/discover", json!({}), json!({}), &[])
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(reply.header("mcp-session-id").is_none(), "no session");
    let discovered = reply.json();
    assert_eq!(discovered["id"], 7);
    let result = &discovered["result"];
    assert_eq!(result["resultType"], "complete");
    assert_eq!(
        result["supportedVersions"],
        json!(["2026-07-28", "2025-11-25", "2025-06-18", "2025-03-26"])
    );
    assert_eq!(
        result["capabilities"],
        json!({"tools": {"listChanged": false}})
    );
    assert_eq!(result["instructions"], "Adds numbers.");
    assert_eq!(result["cacheScope"], "public");
    assert!(result["ttlMs"].as_u64().is_some(), "{result}");
    assert_eq!(
        server_info(result),
        &json!({"name": "stateless-test", "version": "1.2.3"})
    );

    let listed = http
        .stateless("tools/list", json!({}), json!({}), &[])
        .await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    let result = &listed.json()["result"];
    assert_eq!(result["resultType"], "complete");
    assert_eq!(result["cacheScope"], "public", "the same for everyone");
    assert!(result["ttlMs"].as_u64().is_some());
    assert_eq!(server_info(result)["name"], "stateless-test");
    let names: Vec<&str> = result["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["math:add", "math:whoami"], "registration order");
    assert_eq!(
        result["tools"][0]["_meta"],
        json!({"dev.frontmcp/app": "math"})
    );

    let called = http
        .stateless(
            "tools/call",
            json!({"name": "math:add", "arguments": {"a": 2, "b": 40}}),
            json!({}),
            &[],
        )
        .await;
    assert_eq!(called.status, StatusCode::OK, "{}", called.body);
    let result = &called.json()["result"];
    assert_eq!(result["resultType"], "complete");
    assert_eq!(result["structuredContent"], json!({"sum": 42}));
    assert_eq!(server_info(result)["version"], "1.2.3");

    // No session on the modern wire, and the revision is the request's.
    let called = http
        .stateless("tools/call", json!({"name": "math:whoami"}), json!({}), &[])
        .await;
    assert_eq!(
        called.json()["result"]["content"][0]["text"],
        "none 2026-07-28"
    );
}

#[tokio::test]
async fn standard_headers_must_match_the_body() {
    let (_server, http) = start().await;
    let call = json!({"name": "math:add", "arguments": {"a": 1, "b": 1}});
    let cases: &[(&str, &[(&str, &str)])] = &[
        ("no Mcp-Method", &[("mcp-method", "")]),
        ("another Mcp-Method", &[("mcp-method", "tools/list")]),
        (
            "Mcp-Method in another case",
            &[("mcp-method", "TOOLS/CALL")],
        ),
        ("no Mcp-Name", &[("mcp-name", "")]),
        ("another Mcp-Name", &[("mcp-name", "math:whoami")]),
        ("Mcp-Name, bad base64", &[("mcp-name", "=?base64?!!!?=")]),
    ];
    for (case, headers) in cases {
        let reply = http
            .stateless("tools/call", call.clone(), json!({}), headers)
            .await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{case}: {}",
            reply.body
        );
        let body = reply.json();
        assert_eq!(body["error"]["code"], -32020, "{case}: {body}");
        assert_eq!(body["id"], 7, "{case}: the request's id is echoed");
    }
    // The version header and the body's `_meta` must agree, and the mismatch is found before
    // the version is judged.
    let mut body = json!({"jsonrpc": "2.0", "id": 3, "method": "server/discover",
                          "params": {"_meta": stateless_meta(json!({}))}});
    body["params"]["_meta"]["io.modelcontextprotocol/protocolVersion"] = json!("v999.0.0");
    let reply = http.stateless_body(&body, &[]).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.error_code(), -32020, "{}", reply.body);
    // A name the header cannot carry plainly travels base64-encoded, and header names are
    // case-insensitive.
    let reply = http
        .stateless(
            "tools/call",
            call.clone(),
            json!({}),
            &[
                ("Mcp-Name", "=?base64?bWF0aDphZGQ=?="),
                ("MCP-METHOD", "tools/call"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.json()["result"]["structuredContent"]["sum"], 2);
}

#[tokio::test]
async fn meta_is_required_and_versions_are_judged() {
    let (_server, http) = start().await;
    let without = |drop: &str| {
        let mut meta = stateless_meta(json!({}));
        meta.as_object_mut().unwrap().remove(drop);
        json!({"jsonrpc": "2.0", "id": 11, "method": "server/discover", "params": {"_meta": meta}})
    };
    for body in [
        json!({"jsonrpc": "2.0", "id": 11, "method": "server/discover", "params": {}}),
        json!({"jsonrpc": "2.0", "id": 11, "method": "server/discover"}),
        without("io.modelcontextprotocol/protocolVersion"),
        without("io.modelcontextprotocol/clientCapabilities"),
        json!({"jsonrpc": "2.0", "id": 11, "method": "server/discover",
               "params": {"_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
                                    "io.modelcontextprotocol/clientCapabilities": "all"}}}),
    ] {
        let reply = http.stateless_body(&body, &[]).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            reply.body
        );
        assert_eq!(reply.error_code(), -32602, "{body}");
        assert_eq!(reply.json()["id"], 11);
    }
    // Client info is optional.
    let reply = http
        .stateless_body(&without("io.modelcontextprotocol/clientInfo"), &[])
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);

    // An unknown version, in the header and the body alike: -32022 naming what is served.
    let mut body = without("none");
    body["params"]["_meta"]["io.modelcontextprotocol/protocolVersion"] = json!("v999.0.0");
    let reply = http
        .stateless_body(&body, &[("mcp-protocol-version", "v999.0.0")])
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    let error = &reply.json()["error"];
    assert_eq!(error["code"], -32022);
    assert_eq!(error["data"]["requested"], "v999.0.0");
    assert_eq!(
        error["data"]["supported"],
        json!(["2026-07-28", "2025-11-25", "2025-06-18", "2025-03-26"])
    );
}

#[tokio::test]
async fn methods_of_the_handshake_revisions_are_not_found() {
    let (_server, http) = start().await;
    for method in [
        "initialize",
        "ping",
        "logging/setLevel",
        "resources/subscribe",
        "prompts/list",
        "unknown/method",
    ] {
        let reply = http.stateless(method, json!({}), json!({}), &[]).await;
        assert_eq!(
            reply.status,
            StatusCode::NOT_FOUND,
            "{method}: {}",
            reply.body
        );
        assert_eq!(reply.error_code(), -32601, "{method}");
        assert_eq!(reply.json()["id"], 7);
    }
}

#[tokio::test]
async fn one_message_per_request_and_no_session_methods() {
    let (_server, http) = start().await;
    let modern = [("mcp-protocol-version", "2026-07-28")];
    let batch = json!([{"jsonrpc": "2.0", "id": 1, "method": "tools/list",
                        "params": {"_meta": stateless_meta(json!({}))}}]);
    let reply = http.post(&modern, batch.to_string()).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert_eq!(reply.error_code(), -32600);

    let note = json!({"jsonrpc": "2.0", "method": "notifications/whatever"});
    let reply = http.post(&modern, note.to_string()).await;
    assert_eq!(reply.status, StatusCode::ACCEPTED);
    assert!(reply.body.is_empty());

    let response = json!({"jsonrpc": "2.0", "id": 1, "result": {}});
    let reply = http.post(&modern, response.to_string()).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);

    // GET streams and DELETE are the sessions' of the handshake revisions.
    for method in [Method::GET, Method::DELETE] {
        let reply = http
            .request(
                method.clone(),
                "/mcp",
                &[
                    ("accept", "text/event-stream"),
                    ("mcp-protocol-version", "2026-07-28"),
                ],
                "",
            )
            .await;
        assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED, "{method}");
        assert_eq!(reply.header("allow"), Some("POST, OPTIONS"));
    }

    // A stateless request ignores a session header and mints none.
    let reply = http
        .stateless(
            "server/discover",
            json!({}),
            json!({}),
            &[("mcp-session-id", "not-a-session")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(reply.header("mcp-session-id").is_none());
}

#[tokio::test]
async fn both_revisions_on_one_endpoint() {
    let (server, http) = start().await;
    let session = http.initialize("2025-11-25").await;
    // A legacy initialize asking for 2026-07-28 gets the latest revision with a handshake.
    let legacy = http
        .rpc(&session, "tools/call", json!({"name": "math:whoami"}))
        .await;
    let text = legacy.json()["result"]["content"][0]["text"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        text.ends_with(" 2025-11-25") && !text.starts_with("none"),
        "{text}"
    );
    assert!(legacy.json()["result"].get("resultType").is_none());

    let modern = http
        .stateless("tools/call", json!({"name": "math:whoami"}), json!({}), &[])
        .await;
    assert_eq!(
        modern.json()["result"]["content"][0]["text"],
        "none 2026-07-28"
    );
    assert_eq!(
        server.server.session_count(),
        1,
        "the modern call made none"
    );

    let reply = http
        .post(
            &[],
            frontmcp_tests::initialize_body("2026-07-28", json!({})).to_string(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json()["result"]["protocolVersion"], "2025-11-25");
}

#[tokio::test]
async fn a_subscription_is_acknowledged_and_stays_open() {
    let (server, http) = start().await;
    let body = json!({"jsonrpc": "2.0", "id": 5, "method": "subscriptions/listen",
                      "params": {"notifications": {"toolsListChanged": true},
                                 "_meta": stateless_meta(json!({}))}});
    let mut request = reqwest::Client::new()
        .post(&http.url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream");
    for (name, value) in frontmcp_tests::stateless_headers(&body) {
        request = request.header(name, value);
    }
    let mut response = request.body(body.to_string()).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    assert_eq!(response.headers()["x-accel-buffering"], "no");
    let first = response.chunk().await.unwrap().unwrap();
    let data = String::from_utf8_lossy(&first);
    let ack: Value = serde_json::from_str(
        data.lines()
            .find_map(|l| l.strip_prefix("data: "))
            .unwrap_or_else(|| panic!("{data}")),
    )
    .unwrap();
    // A public server's tools never change: nothing of what was asked is honored.
    assert_eq!(
        ack,
        json!({"jsonrpc": "2.0", "method": "notifications/subscriptions/acknowledged",
               "params": {"notifications": {}, "_meta": {"io.modelcontextprotocol/subscriptionId": 5}}})
    );
    assert_eq!(server.server.subscription_count(), 1);
    let more = tokio::time::timeout(std::time::Duration::from_millis(300), response.chunk()).await;
    assert!(more.is_err(), "the stream stays open and quiet");
    drop(response);
    frontmcp_tests::eventually("closing the stream ended the subscription", || async {
        server.server.subscription_count() == 0
    })
    .await;

    // Without a filter it is refused; without Accept: text/event-stream too.
    let reply = http
        .stateless("subscriptions/listen", json!({}), json!({}), &[])
        .await;
    assert_eq!(reply.error_code(), -32602, "{}", reply.body);
    let reply = http
        .stateless(
            "subscriptions/listen",
            json!({"notifications": {}}),
            json!({}),
            &[("accept", "application/json")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
}
