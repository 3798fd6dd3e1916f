//! Two server processes sharing one Redis serve the same clients, pending authorizations, codes,
//! signing key, sessions and token vault: the scale-out path. With `REDIS_URL` set (by the test,
//! never inherited), the default storage is Redis; the processes share a public URL (`FRONTMCP_ISSUER`) and a vault key
//! (`FRONTMCP_VAULT_KEYS`), as instances behind a load balancer do.
//!
//! Needs the machine's Redis at 127.0.0.1:6379 (these tests use database 15), and for the
//! cluster's test `redis-server` to start one of its own. Outside CI a missing Redis skips the
//! tests loudly; in CI they fail.

use frontmcp_demo_provider::DemoProvider;
use frontmcp_tests::oauth::{VERIFIER, exchange, location_params, open_authorize, param, register};
use frontmcp_tests::progressive::{
    Client, Decision, StatelessClient, UserAgent, auth_notice, elicitation_complete,
    input_required_link,
};
use frontmcp_tests::redis_nodes::{OwnCluster, RedisNodes, Server, dump};
use frontmcp_tests::{Http, agent_suites_sharing, initialize_body, shared_redis};
use hyper::StatusCode;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_share_clients_sessions_and_keys() {
    let Some(redis) = shared_redis("the shared-store test") else {
        return;
    };
    let (one, two) = agent_suites_sharing(&redis, "http://mcp.example.test", &[]).await;
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
    // ... redeem the code on process 1 ...
    let tokens = exchange(&http_one, &client_id, &code, VERIFIER).await;
    assert_eq!(tokens.status, StatusCode::OK, "{}", tokens.body);

    // ... and the token works on both: they sign and verify with the same shared key.
    let access = tokens.json()["access_token"].as_str().unwrap().to_owned();
    let bearer = format!("Bearer {access}");
    let initialize = |http: &Http| {
        let (http, bearer) = (http.clone(), bearer.clone());
        async move {
            http.post(
                &[("authorization", &bearer)],
                initialize_body("2025-11-25", json!({})).to_string(),
            )
            .await
            .status
        }
    };
    for http in [&http_one, &http_two] {
        assert_eq!(initialize(http).await, StatusCode::OK);
    }

    // The code is single use across processes, and its replay on process 2 revokes what it
    // issued: both processes refuse the token from then on, though they verified it already.
    let again = exchange(&http_two, &client_id, &code, VERIFIER).await;
    assert_eq!(
        again.json()["error"],
        "invalid_grant",
        "single use across processes"
    );
    assert_eq!(initialize(&http_two).await, StatusCode::UNAUTHORIZED);
    frontmcp_tests::eventually("process 1 heard that the session ended", || async {
        initialize(&http_one).await == StatusCode::UNAUTHORIZED
    })
    .await;
}

/// The issue's check: a client signs in on process 1 (CRM authorized, Slack and GitHub skipped); a
/// Slack tool call answers AUTH_REQUIRED; the link is followed on process 2, through the provider;
/// the same call then succeeds on process 1 with the same session token. GitHub later, the other
/// way round. Redis holds no upstream token in clear.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn progressive_authorization_across_two_processes() {
    if let Some(redis) = shared_redis("the shared-store test") {
        progressive_across_two_processes(&Server(redis)).await;
    }
}

/// The same on a Redis Cluster of the test's own (three masters, three replicas).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn progressive_authorization_across_two_processes_on_a_redis_cluster() {
    if let Some(cluster) = OwnCluster::start("shared_store_cluster") {
        progressive_across_two_processes(&cluster).await;
    }
}

async fn progressive_across_two_processes(redis: &impl RedisNodes) {
    // One provider for both processes (each would otherwise embed its own demo).
    let demo = DemoProvider::builder().bind("127.0.0.1:0").await.unwrap();
    // Loopback, as the demo provider requires of redirect URIs; the agents map it to a process.
    const PUBLIC: &str = "http://localhost:9";
    let (one, two) = agent_suites_sharing(
        &redis.url(),
        PUBLIC,
        &[
            ("FRONTMCP_SLACK_PROVIDER", &demo.url("slack")),
            ("FRONTMCP_GITHUB_PROVIDER", &demo.url("github")),
        ],
    )
    .await;
    let (http_one, http_two) = (Http::new(&one.url), Http::new(&two.url));

    let browser_one = UserAgent::new(&http_one).behind(PUBLIC);
    let (_, tokens) = browser_one
        .sign_in(
            "ada",
            &[("slack", Decision::Skip), ("github", Decision::Skip)],
        )
        .await;
    let token = tokens["access_token"].as_str().unwrap().to_owned();
    let client_one = Client::connect(&http_one, &token, json!({})).await;
    let send = json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "slack:send_message", "arguments": {"channel": "general", "message": "hi"}}});
    let call = |client: &Client, body: Value| {
        let client = client.clone();
        async move { client.call_json(body).await }
    };
    let required = auth_notice(&call(&client_one, send.clone()).await);
    let link = required["auth_url"].as_str().unwrap();
    assert!(link.starts_with(PUBLIC), "{link}");

    // The link is followed on process 2, by a browser that must sign in there.
    let browser_two = UserAgent::new(&http_two).behind(PUBLIC);
    let done = browser_two.authorize_link(link, "ada", "ada-slack").await;
    assert!(done.body.contains("Slack authorized"), "{}", done.body);
    let sent = call(&client_one, send).await;
    assert_eq!(
        sent["structuredContent"]["posted_as"], "ada-slack",
        "{sent}"
    );

    // GitHub: a client of process 2 that declared URL elicitation gets -32042; the link is
    // followed on process 1, and the completion notification reaches process 2's stream.
    let client_two = Client::connect(&http_two, &token, json!({"elicitation": {"url": {}}})).await;
    let mut stream = client_two.event_stream().await;
    let issue = json!({"jsonrpc": "2.0", "id": 4, "method": "tools/call", "params": {"name": "github:create_issue", "arguments": {"repo": "frontmcp/examples", "title": "t"}}});
    let required = call(&client_two, issue.clone()).await;
    assert_eq!(required["code"], -32042, "{required}");
    let elicitation = &required["data"]["elicitations"][0];
    let link = elicitation["url"].as_str().unwrap();
    browser_one.authorize_link(link, "ada", "ada-gh").await;
    let completed = elicitation_complete(elicitation["elicitationId"].as_str().unwrap());
    assert!(
        stream.receives(&completed).await,
        "process 2 heard no completion: {:?}",
        stream.seen()
    );
    for client in [&client_one, &client_two] {
        let opened = call(client, issue.clone()).await;
        assert_eq!(opened["structuredContent"]["author"], "ada-gh", "{opened}");
    }

    // A dump of Redis shows no upstream token: every value is read and searched.
    let dump = dump(redis, "frontmcp:*");
    assert!(
        dump.iter().any(|(k, _)| k.starts_with("frontmcp:vault:")),
        "{:?}",
        dump.iter().map(|(k, _)| k).collect::<Vec<_>>()
    );
    for (key, value) in dump {
        let text = String::from_utf8_lossy(&value.unwrap_or_default()).into_owned();
        for needle in [
            "demo_slack_at_",
            "demo_slack_rt_",
            "demo_github_at_",
            "demo_github_rt_",
        ] {
            assert!(!text.contains(needle), "{key} holds a token in clear");
        }
    }
    demo.shutdown().await;
}

/// The issue's check on 2026-07-28, with no sticky routing: the first call on process 1 answers
/// `input_required`; the link is followed on process 2; the retry on process 1 runs. GitHub the
/// other way round: the state process 2 sealed opens on process 1 (one key ring).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn input_required_round_robin_across_two_processes() {
    if let Some(redis) = shared_redis("the shared-store test") {
        input_required_round_robin(&Server(redis)).await;
    }
}

/// The same on a Redis Cluster of the test's own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn input_required_round_robin_across_two_processes_on_a_redis_cluster() {
    if let Some(cluster) = OwnCluster::start("shared_store_round_robin_cluster") {
        input_required_round_robin(&cluster).await;
    }
}

async fn input_required_round_robin(redis: &impl RedisNodes) {
    let demo = DemoProvider::builder().bind("127.0.0.1:0").await.unwrap();
    const PUBLIC: &str = "http://localhost:9";
    let (one, two) = agent_suites_sharing(
        &redis.url(),
        PUBLIC,
        &[
            ("FRONTMCP_SLACK_PROVIDER", &demo.url("slack")),
            ("FRONTMCP_GITHUB_PROVIDER", &demo.url("github")),
        ],
    )
    .await;
    let (http_one, http_two) = (Http::new(&one.url), Http::new(&two.url));
    let browser_one = UserAgent::new(&http_one).behind(PUBLIC);
    let (_, tokens) = browser_one
        .sign_in(
            "ada",
            &[("slack", Decision::Skip), ("github", Decision::Skip)],
        )
        .await;
    let token = tokens["access_token"].as_str().unwrap();
    let modern_one = StatelessClient::with_url_elicitation(&http_one, token);
    let modern_two = StatelessClient::with_url_elicitation(&http_two, token);

    let send = json!({"channel": "general", "message": "hi"});
    let asked = modern_one
        .call_with("slack:send_message", send.clone(), json!({}))
        .await;
    let (link, retry) = input_required_link(&asked, "slack");
    assert!(link.starts_with(PUBLIC), "{link}");
    let browser_two = UserAgent::new(&http_two).behind(PUBLIC);
    let done = browser_two.authorize_link(&link, "ada", "ada-slack").await;
    assert!(done.body.contains("Slack authorized"), "{}", done.body);
    let sent = modern_one
        .call_with("slack:send_message", send, retry)
        .await;
    assert_eq!(sent["resultType"], "complete", "{sent}");
    assert_eq!(
        sent["structuredContent"]["posted_as"], "ada-slack",
        "{sent}"
    );

    let issue = json!({"repo": "frontmcp/examples", "title": "t"});
    let asked = modern_two
        .call_with("github:create_issue", issue.clone(), json!({}))
        .await;
    let (link, retry) = input_required_link(&asked, "github");
    browser_one.authorize_link(&link, "ada", "ada-gh").await;
    let opened = modern_one
        .call_with("github:create_issue", issue, retry)
        .await;
    assert_eq!(opened["structuredContent"]["author"], "ada-gh", "{opened}");
}
