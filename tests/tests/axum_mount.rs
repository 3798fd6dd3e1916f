//! `examples/axum_mount`: an axum application with routes of its own that mounts an MCP server
//! with progressive authorization. Its own routes, the MCP endpoint, the authorization server
//! and the progressive flow all work through the one application.

use frontmcp_tests::progressive::{Client, Decision, UserAgent};
use frontmcp_tests::{ExampleServer, Http};
use hyper::{Method, StatusCode};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_axum_app_mounts_mcp_with_progressive_authorization() {
    let server = tokio::task::spawn_blocking(|| ExampleServer::start("axum_mount"))
        .await
        .unwrap();
    let http = Http::new(&server.url);
    // The application's own routes.
    let home = http.request(Method::GET, "/", &[], "").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("<h1>My app</h1>"), "{}", home.body);
    let status = http
        .request(Method::GET, "/api/status", &[], "")
        .await
        .json();
    assert_eq!(status, json!({"app": "my-app", "ok": true}));
    assert_eq!(
        http.request(Method::GET, "/healthz", &[], "").await.status,
        StatusCode::OK
    );
    // The MCP endpoint and its authorization server.
    let unauthenticated = http
        .post(
            &[],
            frontmcp_tests::initialize_body("2025-11-25", json!({})).to_string(),
        )
        .await;
    assert_eq!(unauthenticated.status, StatusCode::UNAUTHORIZED);
    let browser = UserAgent::new(&http);
    let (_, tokens) = browser.sign_in("ada", &[("github", Decision::Skip)]).await;
    let client = Client::connect(&http, tokens["access_token"].as_str().unwrap(), json!({})).await;
    assert_eq!(client.call_ok("notes:whoami").await, "ada");
    // GitHub, authorized progressively from its tool's link, at the demo provider.
    let link = client.auth_link("github:create_issue").await;
    let done = browser.authorize_link(&link, "ada", "ada-gh").await;
    assert!(done.body.contains("GitHub authorized"), "{}", done.body);
    let opened = client
        .call_json(json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call",
            "params": {"name": "github:create_issue", "arguments": {"title": "Mounted"}}}))
        .await;
    assert!(
        opened["content"][0]["text"]
            .as_str()
            .unwrap()
            .starts_with("opened \"Mounted\""),
        "{opened}"
    );
    // Unknown paths are the application's 404.
    assert_eq!(
        http.request(Method::GET, "/nope", &[], "").await.status,
        StatusCode::NOT_FOUND
    );
}
