//! The vault's watch across two server processes, on a Redis this test owns: once warm, a
//! `tools/call` of an authorized app reads nothing from Redis; a vault entry deleted elsewhere is
//! refused on process 1 within moments, and never served again after; cutting the watch
//! connections under load (as a network failure would) loses nothing, serves nothing stale, and
//! the watch comes back.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use deadpool_redis::redis;
use frontmcp_demo_provider::DemoProvider;
use frontmcp_tests::oauth::form;
use frontmcp_tests::own_redis::OwnRedis;
use frontmcp_tests::progressive::{Client, Decision, UserAgent, auth_notice};
use frontmcp_tests::redis_nodes::{
    OwnCluster, RedisNodes, calls_of, delete_matching, query, watches,
};
use frontmcp_tests::{Http, agent_suites_sharing};
use hyper::StatusCode;
use serde_json::{Value, json};

/// Waits until both processes watch every master again (at most 5 s), then closes their watch
/// connections, as a network failure would.
async fn cut_watches(redis: &impl RedisNodes) {
    let expected = 2 * redis.master_urls().len();
    let deadline = Instant::now() + Duration::from_secs(5);
    let watches = loop {
        let watches = watches(redis);
        if watches.len() == expected {
            break watches;
        }
        assert!(
            Instant::now() < deadline,
            "watching: {watches:?}, not {expected}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    for (url, id) in &watches {
        let _: u64 = query(url, redis::cmd("CLIENT").arg("KILL").arg("ID").arg(id)).unwrap();
    }
}

/// Deletes every vault entry behind the servers' backs, as an operator or another process
/// would: unlike a revocation, the provider still takes the tokens, so only the vault can refuse.
fn delete_vault_entries(redis: &impl RedisNodes) {
    assert!(
        delete_matching(redis, "frontmcp:vault:*") > 0,
        "no vault entry to delete"
    );
}

fn send_message() -> Value {
    json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "slack:send_message", "arguments": {"channel": "general", "message": "hi"}}})
}

/// Whether a `tools/call` result ran the tool (else it asks for an authorization).
fn ran(result: &Value) -> bool {
    result["structuredContent"]["posted_as"] == "ada-slack"
}

/// Waits until process 1's calls read nothing from Redis (its watch is up and the entry warm);
/// then 50 calls must not read either.
async fn until_answered_from_memory(redis: &impl RedisNodes, client: &Client) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let before = calls_of(redis, "get");
        assert!(ran(&client.call_json(send_message()).await));
        if calls_of(redis, "get") == before {
            break;
        }
        assert!(Instant::now() < deadline, "calls still read Redis");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let before = calls_of(redis, "get");
    for _ in 0..50 {
        assert!(ran(&client.call_json(send_message()).await));
    }
    assert_eq!(calls_of(redis, "get"), before, "50 warm calls read Redis");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revocation_across_processes_with_the_watch_cut_under_load() {
    if let Some(redis) = OwnRedis::start("vault_watch") {
        revocation_across_processes(&redis).await;
    }
}

/// As on one Redis: a watch connection per master (three), each cut under load.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revocation_across_processes_on_a_redis_cluster() {
    if let Some(cluster) = OwnCluster::start("vault_watch_cluster") {
        revocation_across_processes(&cluster).await;
    }
}

async fn revocation_across_processes(redis: &impl RedisNodes) {
    let demo = DemoProvider::builder().bind("127.0.0.1:0").await.unwrap();
    const PUBLIC: &str = "http://localhost:9";
    let (one, two) = agent_suites_sharing(
        &redis.url(),
        PUBLIC,
        &[("FRONTMCP_SLACK_PROVIDER", &demo.url("slack"))],
    )
    .await;
    let (http_one, http_two) = (Http::new(&one.url), Http::new(&two.url));
    let browser = UserAgent::new(&http_one).behind(PUBLIC);
    let authorize = |client: Client| {
        let browser = &browser;
        async move {
            let required = auth_notice(&client.call_json(send_message()).await);
            let link = required["auth_url"].as_str().unwrap();
            let done = browser.authorize_link(link, "ada", "ada-slack").await;
            assert!(done.body.contains("Slack authorized"), "{}", done.body);
        }
    };
    let (client_id, tokens) = browser
        .sign_in(
            "ada",
            &[("slack", Decision::Skip), ("github", Decision::Skip)],
        )
        .await;
    let token = tokens["access_token"].as_str().unwrap().to_owned();
    let client = Client::connect(&http_one, &token, json!({})).await;
    authorize(client.clone()).await;
    until_answered_from_memory(redis, &client).await;

    // Load on process 1 while the watches are cut again and again.
    let stop = Arc::new(AtomicBool::new(false));
    let load = {
        let (client, stop) = (client.clone(), stop.clone());
        tokio::spawn(async move {
            let mut calls = 0;
            while !stop.load(Ordering::SeqCst) {
                assert!(ran(&client.call_json(send_message()).await));
                calls += 1;
            }
            calls
        })
    };
    for _ in 0..5 {
        cut_watches(redis).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    stop.store(true, Ordering::SeqCst);
    let calls = load.await.unwrap();
    assert!(calls > 0);
    // The watch comes back and the calls are answered from memory again.
    until_answered_from_memory(redis, &client).await;

    // Cut the watches, and at once delete the entry: process 1 hears nothing of it, yet
    // refuses, because a lost watch trusts nothing it remembered.
    cut_watches(redis).await;
    delete_vault_entries(redis);
    assert!(!ran(&client.call_json(send_message()).await));

    // Authorized again and warm; deleted with the watch up: process 1 refuses within moments,
    // and never runs the tool again.
    authorize(client.clone()).await;
    until_answered_from_memory(redis, &client).await;
    delete_vault_entries(redis);
    let refused_at = Instant::now() + Duration::from_secs(1);
    while ran(&client.call_json(send_message()).await) {
        assert!(
            Instant::now() < refused_at,
            "process 1 still runs a tool of an app deleted from the vault"
        );
    }
    for _ in 0..20 {
        assert!(!ran(&client.call_json(send_message()).await));
    }

    // The user's own revocation, on process 2, is refused on process 1 too.
    authorize(client.clone()).await;
    until_answered_from_memory(redis, &client).await;
    let revoked = form(
        &http_two,
        "/oauth/revoke",
        None,
        &[
            ("token", &token),
            ("app", "slack"),
            ("client_id", &client_id),
        ],
    )
    .await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.body);
    assert!(!ran(&client.call_json(send_message()).await));
    demo.shutdown().await;
}
