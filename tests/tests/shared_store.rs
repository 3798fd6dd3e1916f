//! Two server processes sharing one Redis serve the same clients, pending authorizations, codes
//! and signing key: the scale-out path. With `REDIS_URL` set, the default storage is Redis; the
//! processes share a public URL (`FRONTMCP_ISSUER`), as instances behind a load balancer do.
//!
//! Needs Redis (`REDIS_URL`, default 127.0.0.1:6379; this test uses database 15). Outside CI an
//! unreachable Redis skips the test loudly; in CI it fails.

use std::io::Write;

use frontmcp_tests::oauth::{VERIFIER, exchange, location_params, open_authorize, param, register};
use frontmcp_tests::{ExampleServer, Http, initialize_body};
use hyper::StatusCode;
use serde_json::json;

/// Database 15 of `REDIS_URL`, or `None` (after a loud notice) when unreachable outside CI.
fn shared_redis() -> Option<String> {
    let base = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let mut url = url::Url::parse(&base).expect("REDIS_URL is a URL");
    url.set_path("/15");
    let host = format!(
        "{}:{}",
        url.host_str().unwrap_or("127.0.0.1"),
        url.port().unwrap_or(6379)
    );
    if std::net::TcpStream::connect(&host).is_ok() {
        return Some(url.into());
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "Redis is required in CI for the shared-store test ({host})"
    );
    let _ = writeln!(
        std::io::stderr(),
        "\n!!!!! SKIPPING the shared-store test: no Redis at {host} !!!!!\n"
    );
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_share_clients_sessions_and_keys() {
    let Some(redis) = shared_redis() else { return };
    let (one, two) = tokio::task::spawn_blocking(move || {
        let env = [
            ("REDIS_URL", redis.as_str()),
            ("FRONTMCP_ISSUER", "http://mcp.example.test"),
        ];
        (
            ExampleServer::start_with("agent_suite", &env),
            ExampleServer::start_with("agent_suite", &env),
        )
    })
    .await
    .unwrap();
    let (http_one, http_two) = (Http::new(&one.url), Http::new(&two.url));

    // Register on process 1, open the authorization on process 2 (it knows the client) ...
    let client_id = register(&http_one, json!({})).await["client_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, browser) = open_authorize(&http_two, &client_id, &[]).await;
    let b = browser.expect("process 2 knows the client registered on process 1");
    // ... sign in on process 1 and consent on process 2 (the pending authorization is shared) ...
    let consent = b
        .submit(&http_one, "/oauth/login", &[("username", "ada")])
        .await;
    assert_eq!(consent.status, StatusCode::OK, "{}", consent.body);
    let done = b
        .submit(&http_two, "/oauth/consent", &[("action", "continue")])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let code = param(&location_params(&done), "code").unwrap().to_owned();
    // ... redeem the code on process 1, once: process 2 cannot redeem it again ...
    let tokens = exchange(&http_one, &client_id, &code, VERIFIER).await;
    assert_eq!(tokens.status, StatusCode::OK, "{}", tokens.body);
    let again = exchange(&http_two, &client_id, &code, VERIFIER).await;
    assert_eq!(
        again.json()["error"],
        "invalid_grant",
        "single use across processes"
    );

    // ... and the token works on both: they sign and verify with the same shared key.
    let access = tokens.json()["access_token"].as_str().unwrap().to_owned();
    let bearer = format!("Bearer {access}");
    for http in [&http_one, &http_two] {
        let reply = http
            .post(
                &[("authorization", &bearer)],
                initialize_body("2025-11-25", json!({})).to_string(),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }
}
