//! Redis stopped in the middle of a progressive authorization, on a Redis this test owns: clear
//! errors (a 503 page, HTTP 503 with `Retry-After` for a tool that needs the vault), nothing else
//! failing, nothing half-written, and the flow completing once Redis is back.

use frontmcp_tests::own_redis::OwnRedis;
use frontmcp_tests::progressive::{Client, Decision, Suite};
use hyper::{Method, StatusCode};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_down_mid_flow_leaves_nothing_half_written() {
    let Some(mut redis) = OwnRedis::start("redis_down_mid_flow") else {
        return;
    };
    let suite = Suite::on_redis(&redis).await;
    let browser = suite.browser();
    let (_, tokens) = browser.sign_in("ada", &[("slack", Decision::Skip)]).await;
    let client = Client::connect(
        &suite.http,
        tokens["access_token"].as_str().unwrap(),
        json!({}),
    )
    .await;
    let link = client.auth_link("slack:send_message").await;
    let callback = browser.provider_answer(&link, "ada", "ada-slack").await;

    redis.stop();
    // The provider's answer cannot land: a page that says so.
    let page = browser.get(&callback).await;
    assert_eq!(
        page.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        page.body
    );
    assert!(
        page.body.contains("Temporarily unavailable"),
        "{}",
        page.body
    );
    // A tool that needs the vault: 503, Retry-After, and a JSON-RPC error saying why.
    let reply = client.call_reply("slack:send_message").await;
    assert_eq!(
        reply.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        reply.body
    );
    assert_eq!(reply.header("retry-after"), Some("1"));
    assert_eq!(reply.error_code(), -32003);
    assert!(reply.body.contains("token vault"), "{}", reply.body);
    // Nothing else fails: tools covered by the sign-in need no store.
    assert_eq!(client.call_ok("crm:get_contacts").await, "Ada Lovelace");
    let ready = suite.http.request(Method::GET, "/readyz", &[], "").await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);

    redis.restart();
    frontmcp_tests::eventually("ready again once Redis answers", || async {
        suite
            .http
            .request(Method::GET, "/readyz", &[], "")
            .await
            .status
            == StatusCode::OK
    })
    .await;
    // Nothing half-written: the session is intact and Slack is not in the vault.
    client.auth_required("slack:send_message").await;
    // The user reloads the provider's answer: its state was never used up, so the flow completes.
    let page = browser.get(&callback).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Slack authorized"), "{}", page.body);
    assert_eq!(
        client.call_ok("slack:send_message").await,
        "sent as ada-slack"
    );
}
