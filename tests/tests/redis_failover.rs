//! A Redis master dies under load, and its replica takes over: on a Redis Cluster of the test's
//! own (three masters, three replicas) and on a master and replica watched by Sentinel. Two
//! `agent_suite` processes keep serving: calls during the failover either run or fail with a
//! JSON-RPC error (never a crash, never a 401 that would send the client to sign in again); after it, every session and every
//! authorized app is still there (nothing lost), the watches are back on the new master, and a
//! vault entry deleted there is refused on process 1.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use frontmcp_demo_provider::{DemoProvider, RunningDemo};
use frontmcp_tests::progressive::{Client, Decision, UserAgent, auth_notice};
use frontmcp_tests::redis_nodes::{
    OwnCluster, OwnSentinel, RedisNodes, calls_of, delete_matching, watches,
};
use frontmcp_tests::{ExampleServer, Http, agent_suites_sharing};
use hyper::StatusCode;
use serde_json::{Value, json};

const PUBLIC: &str = "http://localhost:9";
const USERS: [&str; 4] = ["ada", "grace", "edsger", "barbara"];

fn send_message() -> Value {
    json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "slack:send_message", "arguments": {"channel": "general", "message": "hi"}}})
}

/// A user signed in on process 1 with Slack authorized: their client and token.
struct SignedIn {
    user: &'static str,
    client: Client,
    token: String,
}

/// Two processes on `redis`, each user signed in and Slack authorized.
async fn deployment(
    redis: &impl RedisNodes,
    demo: &RunningDemo,
) -> (ExampleServer, ExampleServer, Vec<SignedIn>) {
    let (one, two) = agent_suites_sharing(
        &redis.url(),
        PUBLIC,
        &[("FRONTMCP_SLACK_PROVIDER", &demo.url("slack"))],
    )
    .await;
    let http_one = Http::new(&one.url);
    let mut users = Vec::new();
    for user in USERS {
        let browser = UserAgent::new(&http_one).behind(PUBLIC);
        let (_, tokens) = browser
            .sign_in(
                user,
                &[("slack", Decision::Skip), ("github", Decision::Skip)],
            )
            .await;
        let token = tokens["access_token"].as_str().unwrap().to_owned();
        let client = Client::connect(&http_one, &token, json!({})).await;
        let required = auth_notice(&client.call_json(send_message()).await);
        let link = required["auth_url"].as_str().unwrap();
        let done = browser
            .authorize_link(link, user, &format!("{user}-slack"))
            .await;
        assert!(done.body.contains("Slack authorized"), "{}", done.body);
        users.push(SignedIn {
            user,
            client,
            token,
        });
    }
    (one, two, users)
}

/// How a call during the failover ended.
#[derive(Default)]
struct Outcomes {
    ran: AtomicUsize,
    errors: AtomicUsize,
}

/// Calls the tool for every user, on both processes, until `stop`; every answer runs the tool as
/// that user or is a JSON-RPC error, never anything else.
fn load(
    users: &[SignedIn],
    two: &ExampleServer,
    stop: &Arc<AtomicBool>,
    outcomes: &Arc<Outcomes>,
) -> Vec<tokio::task::JoinHandle<()>> {
    let mut tasks = Vec::new();
    for signed in users {
        let on_two = {
            let http_two = Http::new(&two.url);
            let token = signed.token.clone();
            async move { Client::connect(&http_two, &token, json!({})).await }
        };
        let one = signed.client.clone();
        let (stop, outcomes, user) = (stop.clone(), outcomes.clone(), signed.user);
        tasks.push(tokio::spawn(async move {
            let clients = [one, on_two.await];
            let mut turn = 0;
            while !stop.load(Ordering::SeqCst) {
                turn += 1;
                let reply = clients[turn % 2].send(&send_message()).await;
                // 503 (with Retry-After) carries the JSON-RPC error of a store that is failing
                // over; anything else (a 401 would send the client back to sign in) is a fault.
                assert!(
                    [StatusCode::OK, StatusCode::SERVICE_UNAVAILABLE].contains(&reply.status),
                    "{}: {}",
                    reply.status,
                    reply.body
                );
                let json = reply.json();
                if let Some(result) = json.get("result") {
                    assert_eq!(
                        result["structuredContent"]["posted_as"],
                        format!("{user}-slack"),
                        "a call during the failover neither ran nor failed: {json}"
                    );
                    outcomes.ran.fetch_add(1, Ordering::SeqCst);
                } else {
                    assert!(json["error"]["code"].is_i64(), "{json}");
                    outcomes.errors.fetch_add(1, Ordering::SeqCst);
                }
            }
        }));
    }
    tasks
}

/// After the failover: every user's call runs on both processes (their session and vault entry
/// survived), the watches are back (warm calls read nothing), and an entry deleted in Redis is
/// refused on process 1 within a moment.
async fn nothing_lost(
    redis: &impl RedisNodes,
    one: &ExampleServer,
    two: &ExampleServer,
    users: &[SignedIn],
) {
    let (http_one, http_two) = (Http::new(&one.url), Http::new(&two.url));
    for signed in users {
        for http in [&http_one, &http_two] {
            let client = Client::connect(http, &signed.token, json!({})).await;
            let mut result = client.call_json(send_message()).await;
            // A call may still meet the end of the failover.
            let deadline = Instant::now() + Duration::from_secs(10);
            while result.get("code").is_some() && Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(100)).await;
                result = client.call_json(send_message()).await;
            }
            assert_eq!(
                result["structuredContent"]["posted_as"],
                format!("{}-slack", signed.user),
                "{} lost after the failover: {result}",
                signed.user
            );
        }
    }
    let masters = redis.master_urls().len();
    frontmcp_tests::eventually("both processes watch every master again", || async {
        watches(redis).len() == 2 * masters
    })
    .await;
    // And keep watching: a heartbeat that found fault with the new master would make the watches
    // again every 1.5 s; one slow heartbeat on a busy machine may make them again once.
    let mut samples = vec![watches(redis)];
    for _ in 0..4 {
        tokio::time::sleep(Duration::from_secs(1)).await;
        samples.push(watches(redis));
    }
    let remade = samples.windows(2).filter(|w| w[0] != w[1]).count();
    assert!(
        remade <= 1,
        "the watches were made again {remade} times in 4 s: {samples:?}"
    );
    let ada = &users[0];
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let before = calls_of(redis, "get");
        ada.client.call_json(send_message()).await;
        if calls_of(redis, "get") == before {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "calls still read Redis after the failover"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Deleted behind the processes' backs (unlike a revocation, the provider still takes the
    // tokens, and no event is published): only the watch on the new master can tell process 1.
    assert!(
        delete_matching(redis, "frontmcp:vault:*") > 0,
        "no vault entry to delete"
    );
    let deadline = Instant::now() + Duration::from_secs(1);
    while ada.client.call_json(send_message()).await["structuredContent"]["posted_as"]
        == "ada-slack"
    {
        assert!(
            Instant::now() < deadline,
            "process 1 still runs a tool of an app deleted from the vault on the new master"
        );
    }
}

/// Two processes on `redis` under load while `fail` kills a master and waits for the failover,
/// then [`nothing_lost`].
async fn fails_over_under_load<R: RedisNodes>(what: &str, mut redis: R, fail: impl FnOnce(&mut R)) {
    let demo = DemoProvider::builder().bind("127.0.0.1:0").await.unwrap();
    let (one, two, users) = deployment(&redis, &demo).await;
    let stop = Arc::new(AtomicBool::new(false));
    let outcomes = Arc::new(Outcomes::default());
    let tasks = load(&users, &two, &stop, &outcomes);
    tokio::time::sleep(Duration::from_millis(500)).await;

    let ran_before = outcomes.ran.load(Ordering::SeqCst);
    tokio::task::block_in_place(|| fail(&mut redis));
    tokio::time::sleep(Duration::from_secs(1)).await;
    stop.store(true, Ordering::SeqCst);
    for task in tasks {
        task.await.unwrap();
    }
    let (ran, errors) = (
        outcomes.ran.load(Ordering::SeqCst),
        outcomes.errors.load(Ordering::SeqCst),
    );
    println!("{what} failover: {ran} calls ran ({ran_before} before the kill), {errors} failed");
    assert!(ran > ran_before, "no call ran after the failover");

    nothing_lost(&redis, &one, &two, &users).await;
    demo.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cluster_master_fails_over_under_load_and_nothing_is_lost() {
    let Some(cluster) = OwnCluster::start("redis_failover_cluster") else {
        return;
    };
    fails_over_under_load("cluster", cluster, |cluster| {
        // The master of a vault entry dies; its replica takes over within seconds.
        let vault_key = frontmcp_tests::redis_nodes::dump(cluster, "frontmcp:vault:*")
            .into_iter()
            .next()
            .expect("a vault entry")
            .0;
        let master = cluster.master_of(&vault_key);
        cluster.kill(master);
        cluster.wait_until_healthy();
        assert!(!cluster.master_ports().contains(&master));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sentinel_master_fails_over_under_load_and_nothing_is_lost() {
    let Some(sentinel) = OwnSentinel::start("redis_failover_sentinel") else {
        return;
    };
    fails_over_under_load(
        "sentinel",
        sentinel,
        OwnSentinel::kill_master_and_wait_for_failover,
    )
    .await;
}
