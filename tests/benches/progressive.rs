//! What progressive authorization costs, over loopback HTTP against an in-process server:
//!
//! - a `tools/call` of a tool covered by the sign-in (session JWT verified, no store access)
//!   against the same tool of an app with its own provider (plus the token vault read), with the
//!   memory store and with Redis, interleaved round by round; the store operations each call
//!   makes, counted by a wrapper and (with Redis) by `INFO commandstats`;
//! - a whole app authorization in the browser's shoes: link → the app's card → provider (the DEMO
//!   provider) → callback → vault.
//!
//! `cargo bench -p frontmcp-tests --bench progressive` (Redis at `REDIS_URL`, default
//! 127.0.0.1:6379; without one, the Redis rows are skipped with a notice).

use std::sync::Arc;
use std::time::{Duration, Instant};

use frontmcp::auth::store::{MemoryStore, RedisStore, Store};
use frontmcp::auth::vault::VaultKeys;
use frontmcp::auth::{ConsentConfig, ServerAuth, ServerAuthMode};
use frontmcp::prelude::*;
use frontmcp_tests::progressive::{Client, Decision, UserAgent, demo_builder};
use frontmcp_tests::stores::CountingStore;
use frontmcp_tests::{Http, TestServer};
use serde_json::json;

/// Covered by the sign-in.
#[derive(Default)]
struct CrmApp;

#[app(name = "CRM")]
impl CrmApp {
    /// Answers at once.
    #[tool(scopes("crm:read"))]
    async fn echo(&self) -> &'static str {
        "ok"
    }
}

/// Its own provider; the tool does not call it, so only the runtime's vault check is measured.
#[derive(Default)]
struct SlackApp;

#[app(
    name = "Slack",
    auth(
        mode = "transparent",
        remote(
            provider = "https://slack.com/oauth",
            scopes("chat:write"),
            client_id = "bench"
        )
    )
)]
impl SlackApp {
    /// Answers at once.
    #[tool(scopes("chat:write"))]
    async fn echo(&self) -> &'static str {
        "ok"
    }
}

const ROUNDS: usize = 3000;
const FLOWS: usize = 200;

struct Setup {
    client: Client,
    /// The same CRM tool on a public server: no token to verify, no vault.
    public: Client,
    _public_server: TestServer,
    browser: UserAgent,
    store: Arc<CountingStore>,
    _server: TestServer,
    _demo: frontmcp_demo_provider::RunningDemo,
}

async fn setup(store: Arc<dyn Store>) -> Setup {
    let demo = demo_builder().bind("127.0.0.1:0").await.unwrap();
    let counting = Arc::new(CountingStore::new(store));
    let auth = ServerAuth {
        mode: ServerAuthMode::Orchestrated,
        consent: ConsentConfig { enabled: true },
        ..Default::default()
    };
    let server = TestServer::start(
        Server::builder("bench", "1")
            .app(CrmApp)
            .app(SlackApp)
            .auth(auth)
            .store(counting.clone())
            .vault_keys(VaultKeys::generate())
            .upstream_provider("slack", demo.url("slack")),
    )
    .await;
    let http = Http::new(&server.url);
    let browser = UserAgent::new(&http);
    let (_, tokens) = browser
        .sign_in("bench", &[("slack", Decision::Authorize)])
        .await;
    let client = Client::connect(&http, tokens["access_token"].as_str().unwrap(), json!({})).await;
    let public_server = TestServer::start(Server::builder("bench", "1").app(CrmApp)).await;
    let public = Client::connect(&Http::new(&public_server.url), "unused", json!({})).await;
    Setup {
        client,
        public,
        _public_server: public_server,
        browser,
        store: counting,
        _server: server,
        _demo: demo,
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

struct Stats {
    median: Duration,
    p90: Duration,
}

fn stats(mut times: Vec<Duration>) -> Stats {
    times.sort();
    Stats {
        median: times[times.len() / 2],
        p90: times[times.len() * 9 / 10],
    }
}

/// `tools/call` of each tool, interleaved; prints latencies and store operations per call.
async fn calls(label: &str, setup: &Setup, redis: Option<&str>) {
    let runs: [(&str, &Client, &str); 3] = [
        ("public server", &setup.public, "crm:echo"),
        ("sign-in tool", &setup.client, "crm:echo"),
        ("vault tool", &setup.client, "slack:echo"),
    ];
    for (_, client, tool) in runs {
        for _ in 0..200 {
            client.call_ok(tool).await;
        }
    }
    let mut times: Vec<Vec<Duration>> = vec![Vec::with_capacity(ROUNDS); runs.len()];
    let mut operations = [0u64; 3];
    for _ in 0..ROUNDS {
        for (i, (_, client, tool)) in runs.iter().enumerate() {
            let before = setup.store.operations();
            let start = Instant::now();
            client.call_ok(tool).await;
            times[i].push(start.elapsed());
            operations[i] += setup.store.operations() - before;
        }
    }
    let stats: Vec<Stats> = times.into_iter().map(stats).collect();
    for (i, (name, _, _)) in runs.iter().enumerate() {
        println!(
            "{label:>6} | {name:<13} | median {:7.1} us | p90 {:7.1} us | store ops/call {:.2}",
            us(stats[i].median),
            us(stats[i].p90),
            operations[i] as f64 / ROUNDS as f64
        );
    }
    let added = |a: &Stats, b: &Stats| {
        format!(
            "+{:.1} us ({:+.0}%)",
            us(b.median.saturating_sub(a.median)),
            (b.median.as_secs_f64() / a.median.as_secs_f64() - 1.0) * 100.0
        )
    };
    println!(
        "{label:>6} | session token check {} | vault check {} | both {}",
        added(&stats[0], &stats[1]),
        added(&stats[1], &stats[2]),
        added(&stats[0], &stats[2])
    );
    if let Some(url) = redis {
        // Redis's own count of GETs for a run of each tool.
        let mut gets = [0u64; 2];
        for (i, tool) in ["crm:echo", "slack:echo"].iter().enumerate() {
            let before = redis_gets(url);
            for _ in 0..100 {
                setup.client.call_ok(tool).await;
            }
            gets[i] = redis_gets(url) - before;
        }
        println!(
            "{label:>6} | Redis GETs per call (INFO commandstats): sign-in tool {:.2}, vault tool {:.2}",
            gets[0] as f64 / 100.0,
            gets[1] as f64 / 100.0
        );
    }
}

/// A whole app authorization: the link, the app's card, the provider, the callback, the vault.
async fn flows(label: &str, setup: &Setup) {
    let mut times = Vec::with_capacity(FLOWS);
    let mut operations = 0;
    for _ in 0..FLOWS {
        let link = revoked_link(setup).await;
        let before = setup.store.operations();
        let start = Instant::now();
        let done = setup
            .browser
            .authorize_link(&link, "bench", "bench-slack")
            .await;
        times.push(start.elapsed());
        operations += setup.store.operations() - before;
        assert!(done.body.contains("Slack authorized"), "{}", done.body);
    }
    let flow = stats(times);
    println!(
        "{label:>6} | app authorization (link, Authorize on the card, provider, callback, vault: 4 HTTP requests + the provider's token call) | median {:.2} ms | p90 {:.2} ms | store ops {:.1}",
        ms(flow.median),
        ms(flow.p90),
        operations as f64 / FLOWS as f64
    );
}

/// Drops Slack from the vault and returns the link its tool then answers with.
async fn revoked_link(setup: &Setup) -> String {
    let token = setup.client.call("slack:echo").await;
    if token.get("isError").is_none() {
        // Authorized: make it forget, through the apps page's revoke.
        let page = setup.browser.get("/oauth/apps").await;
        let revoked = setup.browser.submit(&page, &[("revoke", "slack")]).await;
        assert!(
            revoked.body.contains("Slack was revoked"),
            "{}",
            revoked.body
        );
    }
    setup.client.auth_required("slack:echo").await["auth_url"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn redis_gets(url: &str) -> u64 {
    let mut conn = deadpool_redis::redis::Client::open(url)
        .unwrap()
        .get_connection()
        .unwrap();
    let info: String = deadpool_redis::redis::cmd("INFO")
        .arg("commandstats")
        .query(&mut conn)
        .unwrap();
    info.lines()
        .find_map(|l| l.strip_prefix("cmdstat_get:calls="))
        .and_then(|rest| rest.split(',').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

#[tokio::main]
async fn main() {
    println!("tools/call over loopback HTTP, one client, {ROUNDS} calls of each tool, interleaved");
    let memory = setup(Arc::new(MemoryStore::new())).await;
    calls("memory", &memory, None).await;
    let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let prefix = format!("frontmcp-bench-{}:", std::process::id());
    let redis = match RedisStore::connect(&url, &prefix).await {
        Ok(store) => Some(setup(Arc::new(store)).await),
        Err(e) => {
            println!(" redis: skipped ({e})");
            None
        }
    };
    if let Some(redis) = &redis {
        calls("redis", redis, Some(&url)).await;
    }
    println!("app authorizations, {FLOWS} rounds");
    flows("memory", &memory).await;
    if let Some(redis) = &redis {
        flows("redis", redis).await;
        clean_up(&url, &prefix);
    }
}

/// Deletes every key the run wrote to Redis.
fn clean_up(url: &str, prefix: &str) {
    let mut conn = deadpool_redis::redis::Client::open(url)
        .unwrap()
        .get_connection()
        .unwrap();
    let keys: Vec<String> = deadpool_redis::redis::cmd("KEYS")
        .arg(format!("{prefix}*"))
        .query(&mut conn)
        .unwrap();
    if !keys.is_empty() {
        let _: u64 = deadpool_redis::redis::cmd("DEL")
            .arg(keys)
            .query(&mut conn)
            .unwrap();
    }
}
