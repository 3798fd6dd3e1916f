//! What the bench measures, in the order it prints them, and the targets checked against
//! the figures.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, ensure};
use frontmcp::auth::store::MemoryStore;
use frontmcp_tests::oauth::{VERIFIER, exchange, register};
use frontmcp_tests::progressive::{Client, Decision, UserAgent};
use frontmcp_tests::{Http, TestServer};
use serde_json::json;
use tokio::sync::Semaphore;

use crate::Settings;
use crate::load::{self, Connection, Sample, Target, Wire};
use crate::process::ServerProcess;
use crate::redis::BenchRedis;
use frontmcp_tests::redis_nodes::{self, OwnCluster, RedisNodes};

/// A target of the issue, and whether the run met it.
struct Check {
    what: String,
    figure: String,
    met: bool,
}

/// The parts of the bench.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    /// frontmcp, rmcp and the floor.
    Sdk,
    /// Authorization off and on.
    Auth,
    /// What open sessions cost.
    Sessions,
    /// A whole progressive authorization.
    Flow,
}

impl Scenario {
    /// From its name on the command line.
    pub fn parse(name: &str) -> anyhow::Result<Self> {
        Ok(match name {
            "sdk" => Self::Sdk,
            "auth" => Self::Auth,
            "sessions" => Self::Sessions,
            "flow" => Self::Flow,
            other => anyhow::bail!("no scenario {other:?}: sdk, auth, sessions or flow"),
        })
    }
}

/// Every scenario (or `only` one), then the targets.
pub async fn all(settings: Settings, only: Option<Scenario>) -> anyhow::Result<()> {
    let runs = |s: Scenario| only.is_none_or(|o| o == s);
    println!(
        "frontmcp-bench: {} CPU(s), {} rounds x {:?} per server per concurrency, interleaved; loopback HTTP/1.1 keep-alive",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        settings.rounds,
        settings.window,
    );
    let hello = tokio::task::spawn_blocking(|| frontmcp_tests::example_binary("hello")).await?;
    let redis = match BenchRedis::start() {
        Ok(redis) => Some(redis),
        Err(e) => {
            println!("\n!!!!! NO REDIS ROWS: {e:#} !!!!!\n");
            None
        }
    };
    let cluster = if runs(Scenario::Auth) {
        OwnCluster::start("bench")
    } else {
        None
    };
    let mut checks = Vec::new();
    if runs(Scenario::Sdk) {
        sdk_and_floor(settings, &hello, &mut checks).await?;
    }
    if runs(Scenario::Auth) {
        let mut deployments: Vec<(&str, &dyn RedisNodes)> = Vec::new();
        if let Some(redis) = &redis {
            deployments.push(("Redis", redis));
        }
        if let Some(cluster) = &cluster {
            deployments.push(("Redis Cluster", cluster));
        }
        authorization(settings, &deployments, &mut checks).await?;
    }
    if runs(Scenario::Sessions) {
        sessions(settings, &hello, redis.as_ref(), &mut checks).await?;
    }
    if runs(Scenario::Flow) {
        progressive_flow(settings, &mut checks).await?;
    }

    println!("\n== targets");
    for check in &checks {
        let mark = if check.met { "met" } else { "MISSED" };
        println!("{mark:>6}  {:<58} {}", check.what, check.figure);
    }
    Ok(())
}

/// A server under load and what it has answered.
struct Contender {
    target: Target,
    /// Shared when two contenders are two tools of one server.
    process: Arc<ServerProcess>,
    total: Sample,
    /// Requests per second, round by round.
    rounds: Vec<f64>,
    /// The server's CPU time over the measured runs (warm-ups included).
    cpu: Duration,
}

impl Contender {
    fn new(target: Target, process: impl Into<Arc<ServerProcess>>) -> Self {
        Self {
            target,
            process: process.into(),
            total: Sample::default(),
            rounds: Vec::new(),
            cpu: Duration::ZERO,
        }
    }
}

/// Runs every contender at `concurrency`, taking turns within each round (the first to go
/// changes every round), and prints a row each.
async fn interleaved(
    title: &str,
    contenders: &mut [Contender],
    concurrency: usize,
    settings: Settings,
) -> anyhow::Result<()> {
    for c in contenders.iter_mut() {
        c.total = Sample::default();
        c.rounds.clear();
        c.cpu = Duration::ZERO;
    }
    for round in 0..settings.rounds {
        for i in 0..contenders.len() {
            let c = &mut contenders[(round + i) % contenders.len()];
            let cpu = c.process.cpu_time();
            let sample = load::run(&c.target, concurrency, settings.warmup, settings.window)
                .await
                .with_context(|| format!("{} at concurrency {concurrency}", c.target.name))?;
            c.cpu += c.process.cpu_time() - cpu;
            c.rounds.push(sample.rps());
            c.total.merge(sample);
        }
    }
    println!("\n== {title}, concurrency {concurrency}");
    println!(
        "{:<40} {:>10} {:>9} {:>9} {:>13}",
        "server", "req/s", "p50 ms", "p99 ms", "CPU us/call"
    );
    let measured =
        settings.window.as_secs_f64() / (settings.warmup + settings.window).as_secs_f64();
    for c in contenders.iter_mut() {
        let (p50, p99) = (c.total.percentile(0.5), c.total.percentile(0.99));
        // CPU over warm-up and window, per call over the same span (estimated from the rate).
        let calls = c.total.requests as f64 / measured;
        println!(
            "{:<40} {:>10.0} {:>9.3} {:>9.3} {:>13.1}",
            c.target.name,
            c.total.rps(),
            ms(p50),
            ms(p99),
            c.cpu.as_secs_f64() * 1e6 / calls
        );
    }
    Ok(())
}

/// The median over rounds of `a`'s throughput over `b`'s (each round's pair measured back to
/// back).
fn ratio(a: &Contender, b: &Contender) -> f64 {
    let ratios = round_ratios(a, b);
    ratios[ratios.len() / 2]
}

/// The per-round ratios of `a` to `b`, smallest first.
fn round_ratios(a: &Contender, b: &Contender) -> Vec<f64> {
    let mut ratios: Vec<f64> = a.rounds.iter().zip(&b.rounds).map(|(x, y)| x / y).collect();
    ratios.sort_by(f64::total_cmp);
    ratios
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// (a) the hello example, (b) the same echo tool with `rmcp`, (c) raw hyper + serde_json; JSON
/// responses, then SSE responses.
async fn sdk_and_floor(
    settings: Settings,
    hello: &std::path::Path,
    checks: &mut Vec<Check>,
) -> anyhow::Result<()> {
    let frontmcp = ServerProcess::example(hello)?;
    let modern = ServerProcess::example(hello)?;
    let rmcp = ServerProcess::bench("rmcp-json", &[])?;
    let floor = ServerProcess::bench("floor", &[])?;
    let modern_floor = ServerProcess::bench("floor", &[])?;
    let mut contenders = [
        Contender::new(
            Target::new(
                "frontmcp (hello example, sessions)",
                frontmcp.addr,
                "hello:echo",
                Wire::Sessions,
            ),
            frontmcp,
        ),
        Contender::new(
            Target::new(
                "frontmcp (hello example, 2026-07-28)",
                modern.addr,
                "hello:echo",
                Wire::Stateless,
            ),
            modern,
        ),
        Contender::new(
            Target::new(
                "rmcp 3.11 (stateless, JSON)",
                rmcp.addr,
                "echo",
                Wire::Sessionless,
            ),
            rmcp,
        ),
        Contender::new(
            Target::new(
                "floor (hyper + serde_json)",
                floor.addr,
                "echo",
                Wire::Sessionless,
            ),
            floor,
        ),
        // The same floor sent what a 2026-07-28 client sends (the `_meta`, the standard
        // headers): the load generator, which shares the machine, pays for the longer requests
        // of that wire whichever server answers them, so the stateless wire is compared with the
        // floor on the same requests.
        Contender::new(
            Target::new(
                "floor (2026-07-28 requests)",
                modern_floor.addr,
                "echo",
                Wire::Stateless,
            ),
            modern_floor,
        ),
    ];
    for concurrency in [1, 16, 64] {
        interleaved(
            "tools/call, application/json responses",
            &mut contenders,
            concurrency,
            settings,
        )
        .await?;
        // The legacy wire keeps its targets; the stateless one has its own, stricter ones, each
        // against the floor sent the same requests.
        for (at, floor, wire, over_rmcp, over_floor) in
            [(0, 3, "sessions", 1.2, 0.7), (1, 4, "2026-07-28", 2.0, 0.9)]
        {
            let (vs_rmcp, vs_floor) = (
                ratio(&contenders[at], &contenders[2]),
                ratio(&contenders[at], &contenders[floor]),
            );
            println!(
                "ratios (median of rounds), {wire}: frontmcp/rmcp {vs_rmcp:.2}, frontmcp/floor on the same requests {vs_floor:.2}, frontmcp/floor on 2025-11-25 requests {:.2}",
                ratio(&contenders[at], &contenders[3])
            );
            if concurrency > 1 {
                checks.push(Check {
                    what: format!(
                        "{wire}: throughput >= {over_rmcp} x rmcp at concurrency {concurrency}"
                    ),
                    figure: format!("{vs_rmcp:.2} x"),
                    met: vs_rmcp >= over_rmcp,
                });
                checks.push(Check {
                    what: format!("{wire}: throughput >= {over_floor} x the floor (same requests) at concurrency {concurrency}"),
                    figure: format!("{vs_floor:.2} x"),
                    met: vs_floor >= over_floor,
                });
            }
        }
    }
    println!();
    for c in &contenders {
        println!(
            "peak RSS {:<40} {:>7.1} MiB",
            c.target.name,
            mib(c.process.peak_rss())
        );
    }

    // SSE: rmcp answers SSE in its session mode; frontmcp does when the client asks for SSE.
    let frontmcp = ServerProcess::example(hello)?;
    let rmcp = ServerProcess::bench("rmcp-sse", &[])?;
    let mut sse = Target::new(
        "frontmcp (hello example, sessions, SSE)",
        frontmcp.addr,
        "hello:echo",
        Wire::Sessions,
    );
    sse.accept = "text/event-stream";
    let mut contenders = [
        Contender::new(sse, frontmcp),
        Contender::new(
            Target::new(
                "rmcp 3.11 (sessions, SSE)",
                rmcp.addr,
                "echo",
                Wire::Sessions,
            ),
            rmcp,
        ),
    ];
    for concurrency in [1, 16, 64] {
        interleaved(
            "tools/call, text/event-stream responses",
            &mut contenders,
            concurrency,
            settings,
        )
        .await?;
        println!(
            "ratio (median of rounds): frontmcp/rmcp {:.2}",
            ratio(&contenders[0], &contenders[1])
        );
    }
    Ok(())
}

/// The DEMO provider, in the bench's process: it plays the echo servers' upstream.
async fn demo() -> anyhow::Result<frontmcp_demo_provider::RunningDemo> {
    Ok(frontmcp_tests::progressive::demo_builder()
        .bind("127.0.0.1:0")
        .await?)
}

/// Signs `user` in at a frontmcp echo server with authorization, authorizing its app at the DEMO
/// provider: the session token.
async fn signed_in(addr: std::net::SocketAddr, user: &str) -> String {
    let http = Http::new(&format!("http://{addr}/mcp"));
    let (_, tokens) = UserAgent::new(&http)
        .sign_in(user, &[("vault", Decision::Authorize)])
        .await;
    tokens["access_token"].as_str().expect("a token").to_owned()
}

/// The same echo tool with authorization off (also sent the session token it ignores, to tell
/// the cost of the header's bytes from the cost of checking it), on with the memory vault, and on
/// with the vault on each Redis deployment (one server, a cluster); Redis commands per call.
async fn authorization(
    settings: Settings,
    deployments: &[(&str, &dyn RedisNodes)],
    checks: &mut Vec<Check>,
) -> anyhow::Result<()> {
    let demo = demo().await?;
    let upstream = demo.url("slack");
    let off = ServerProcess::bench("echo-off", &[])?;
    let memory = ServerProcess::bench("echo-memory", &[&upstream])?;
    let token = signed_in(memory.addr, "bench").await;
    println!("the session token: {} bytes", token.len());
    let mut on = Target::new(
        "auth on, memory vault",
        memory.addr,
        "vault:echo",
        Wire::Sessions,
    );
    on.bearer = Some(token.clone());
    let mut signed = Target::new(
        "auth on, token only",
        memory.addr,
        "public:echo",
        Wire::Sessions,
    );
    signed.bearer = Some(token.clone());
    let memory = Arc::new(memory);
    let mut padded = Target::new(
        "auth off, token sent",
        off.addr,
        "public:echo",
        Wire::Sessions,
    );
    padded.bearer = Some(token.clone());
    let off = Arc::new(off);
    let mut contenders = vec![
        Contender::new(
            Target::new("auth off", off.addr, "public:echo", Wire::Sessions),
            off.clone(),
        ),
        Contender::new(padded, off),
        Contender::new(on, memory.clone()),
        Contender::new(signed, memory),
    ];
    // The contenders from here on: one per deployment, in order.
    const FIRST_REDIS: usize = 4;
    for (label, redis) in deployments {
        let process = ServerProcess::bench("echo-redis", &[&upstream, &redis.url()])?;
        let mut target = Target::new(
            &format!("auth on, {label} vault"),
            process.addr,
            "vault:echo",
            Wire::Sessions,
        );
        target.bearer = Some(signed_in(process.addr, "bench").await);
        contenders.push(Contender::new(target, process));
    }
    for concurrency in [1, 16, 64] {
        interleaved(
            "tools/call of one echo tool, authorization off and on",
            &mut contenders,
            concurrency,
            settings,
        )
        .await?;
        let memory = ratio(&contenders[2], &contenders[0]);
        print!(
            "ratios (median of rounds): memory vault/off {memory:.2}, token only/off {:.2}, off with the token sent/off {:.2}",
            ratio(&contenders[3], &contenders[0]),
            ratio(&contenders[1], &contenders[0]),
        );
        for (i, (label, _)) in deployments.iter().enumerate() {
            print!(
                ", {label} vault/off {:.2}",
                ratio(&contenders[FIRST_REDIS + i], &contenders[0])
            );
        }
        println!();
        let rounds = round_ratios(&contenders[2], &contenders[0]);
        println!(
            "memory vault/off per round: {}",
            rounds
                .iter()
                .map(|r| format!("{r:.2}"))
                .collect::<Vec<_>>()
                .join(" ")
        );
        if concurrency > 1 {
            checks.push(Check {
                what: format!("auth on (memory vault) >= 0.85 x off at concurrency {concurrency}"),
                figure: format!("{memory:.2} x"),
                met: memory >= 0.85,
            });
            for (i, (label, _)) in deployments.iter().enumerate() {
                let redis = ratio(&contenders[FIRST_REDIS + i], &contenders[0]);
                checks.push(Check {
                    what: format!(
                        "auth on ({label} vault) >= 0.85 x off at concurrency {concurrency}"
                    ),
                    figure: format!("{redis:.2} x"),
                    met: redis >= 0.85,
                });
            }
        }
    }
    for (i, (label, redis)) in deployments.iter().enumerate() {
        let calls = 1000;
        let mut connection = Connection::open(&contenders[FIRST_REDIS + i].target).await?;
        let before = redis_nodes::commands(*redis);
        for _ in 0..calls {
            connection.call().await?;
        }
        let per_call = (redis_nodes::commands(*redis) - before) as f64 / calls as f64;
        println!(
            "\n{label} commands per tools/call (INFO commandstats of every master over {calls} calls, the watch's heartbeats included): {per_call:.3}"
        );
        checks.push(Check {
            what: format!("{label} commands per steady-state tools/call = 0"),
            figure: format!("{per_call:.3}"),
            met: per_call < 0.01,
        });
        revocation_visibility(label, *redis, checks).await?;
    }
    Ok(())
}

/// How long a vault entry deleted by one process takes to be refused by another that answers it
/// from memory: two vaults, each on a Redis store of its own (its own connections and watch), as
/// two server processes have. Timed from the delete's start to the first read that finds nothing.
async fn revocation_visibility(
    label: &str,
    redis: &dyn RedisNodes,
    checks: &mut Vec<Check>,
) -> anyhow::Result<()> {
    use frontmcp::auth::store::RedisStore;
    use frontmcp::auth::vault::{TokenVault, VaultEntry, VaultKeys};

    let keys = VaultKeys::generate();
    let vault = || async {
        let store = RedisStore::connect(&redis.url(), "visibility:").await?;
        anyhow::Ok(TokenVault::new(Arc::new(store), keys.clone()))
    };
    let (one, two) = (vault().await?, vault().await?);
    let deadline = Instant::now() + Duration::from_secs(5);
    while !one.is_watched() {
        ensure!(Instant::now() < deadline, "the vault's watch never came up");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let entry = VaultEntry::builder("bench-access-token", "https://slack.example")
        .refresh_token(Some("bench-refresh-token"))
        .scopes(["chat:write"])
        .obtained_at(0)
        .build();
    let (session, app) = ("sess_visibility", "slack");
    let runs = 500;
    let mut seen = Vec::with_capacity(runs);
    let mut reads_while_waiting = 0;
    for _ in 0..runs {
        two.put(session, app, &entry, None).await?;
        // Read twice, a moment apart: the second read finds it remembered (the first may race
        // the word of the put).
        one.get(session, app).await?;
        tokio::time::sleep(Duration::from_millis(2)).await;
        one.get(session, app).await?;
        let gets = redis_nodes::calls_of(redis, "get");
        let start = Instant::now();
        two.delete(session, app).await?;
        while one.get(session, app).await?.is_some() {
            tokio::task::yield_now().await;
        }
        seen.push(start.elapsed());
        reads_while_waiting += redis_nodes::calls_of(redis, "get") - gets;
    }
    seen.sort();
    let at = |q: f64| seen[((seen.len() - 1) as f64 * q) as usize];
    println!(
        "\nrevocation visibility on {label} ({runs} deletions by another process's vault): median {:.3} ms, p99 {:.3} ms, max {:.3} ms; Redis reads while waiting: {:.2} per deletion",
        ms(at(0.5)),
        ms(at(0.99)),
        ms(at(1.0)),
        reads_while_waiting as f64 / runs as f64,
    );
    checks.push(Check {
        what: format!("revocation seen by another process < 10 ms (p99), {label}"),
        figure: format!("{:.3} ms", ms(at(0.99))),
        met: at(0.99) < Duration::from_millis(10),
    });
    Ok(())
}

/// What open sessions cost the server process: the hello example's MCP sessions; signed-in users
/// each with an MCP session and a call, first with the app that has its own provider skipped,
/// then with it authorized (its tokens in the vault), with the memory store and with Redis.
async fn sessions(
    settings: Settings,
    hello: &std::path::Path,
    redis: Option<&BenchRedis>,
    checks: &mut Vec<Check>,
) -> anyhow::Result<()> {
    let n = settings.sessions;
    println!("\n== {n} open sessions: the server's resident memory before and after");
    let server = ServerProcess::example(hello)?;
    let target = Target::new("hello", server.addr, "hello:echo", Wire::Sessions);
    let per = grow(&server, n, |_| {
        let target = target.clone();
        async move {
            Connection::open(&target).await?.call().await?;
            Ok(())
        }
    })
    .await?;
    println!(
        "{:<56} {:>6.0} bytes per session",
        "MCP sessions (hello example)", per
    );
    checks.push(Check {
        what: format!("{n} open MCP sessions <= 2 KiB each"),
        figure: format!("{:.2} KiB", per / 1024.0),
        met: per <= 2048.0,
    });

    let demo = demo().await?;
    let upstream = demo.url("slack");
    let mut stores = vec![("memory store", None)];
    if let Some(redis) = redis {
        stores.push(("Redis store", Some(redis)));
    }
    for (label, redis) in stores {
        let mut per_user = [0.0; 2];
        for (with_app, per_user) in [false, true].into_iter().zip(&mut per_user) {
            // A server of its own for each, so the two figures do not share a warm-up.
            let server = match redis {
                None => ServerProcess::bench("echo-memory", &[&upstream])?,
                Some(redis) => ServerProcess::bench("echo-redis", &[&upstream, &redis.url()])?,
            };
            let redis_before = redis.map(BenchRedis::used_memory).transpose()?;
            *per_user = signed_in_users(&server, n, with_app).await?;
            let what = if with_app {
                format!("signed-in session + MCP session + vault entry, {label}")
            } else {
                format!("signed-in session + MCP session, {label}")
            };
            println!("{what:<56} {:>6.0} bytes per session", *per_user);
            if let (Some(redis), Some(before)) = (redis, redis_before) {
                let in_redis = redis.used_memory()?.saturating_sub(before) as f64 / n as f64;
                println!(
                    "{:<56} {in_redis:>6.0} bytes per session",
                    "... held in Redis"
                );
            }
        }
        let [session, with_app] = per_user;
        println!(
            "{:<56} {:>6.0} bytes per session",
            format!("... so one app's tokens add, {label}"),
            with_app - session
        );
        let what = match redis {
            None => format!("{n} signed-in sessions (memory store) <= 2 KiB each"),
            // What stays in the process is bounded: MCP sessions (max_sessions, idle expiry)
            // and the verified-token and opened-record caches (10,000 entries each).
            Some(_) => format!(
                "{n} signed-in sessions (Redis store): bounded caches in the process <= 2 KiB each"
            ),
        };
        checks.push(Check {
            what,
            figure: format!("{:.2} KiB", session / 1024.0),
            met: session <= 2048.0,
        });
        checks.push(Check {
            what: format!("  ... the same, each with an app's tokens in the vault ({label})"),
            figure: format!("{:.2} KiB", with_app / 1024.0),
            met: with_app <= 2048.0,
        });
    }
    Ok(())
}

/// Signs `n` users in at `server` (the app with its own provider authorized when `with_app`,
/// skipped otherwise), each then opening an MCP session and calling a tool: the server's resident
/// memory growth per user, in bytes.
async fn signed_in_users(server: &ServerProcess, n: usize, with_app: bool) -> anyhow::Result<f64> {
    let http = Http::new(&format!("http://{}/mcp", server.addr));
    let client_id = register(&http, json!({})).await["client_id"]
        .as_str()
        .context("a client ID")?
        .to_owned();
    let addr = server.addr;
    let (decision, tool) = if with_app {
        (Decision::Authorize, "vault:echo")
    } else {
        (Decision::Skip, "public:echo")
    };
    grow(server, n, |i| {
        let (http, client_id) = (http.clone(), client_id.clone());
        async move {
            let user = UserAgent::new(&http);
            let code = user
                .consent_flow(
                    &client_id,
                    "/oauth/authorize",
                    &format!("{tool}-user{i}"),
                    &[("vault", decision)],
                )
                .await;
            let tokens = exchange(&http, &client_id, &code, VERIFIER).await.json();
            let mut target = Target::new("signed in", addr, tool, Wire::Sessions);
            target.bearer = tokens["access_token"].as_str().map(str::to_owned);
            Connection::open(&target).await?.call().await?;
            Ok(())
        }
    })
    .await
}

/// Opens `n` sessions with `open(i)`, 16 at a time, after a warm-up of 200: the server's resident
/// memory growth per session, in bytes.
async fn grow<F, Fut>(server: &ServerProcess, n: usize, open: F) -> anyhow::Result<f64>
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = anyhow::Result<()>> + Send + 'static,
{
    let limit = Arc::new(Semaphore::new(16));
    let run = async |range: std::ops::Range<usize>| -> anyhow::Result<()> {
        let mut tasks = tokio::task::JoinSet::new();
        for i in range {
            let permit = limit.clone().acquire_owned().await?;
            let session = open(i);
            tasks.spawn(async move {
                let result = session.await;
                drop(permit);
                result
            });
        }
        while let Some(result) = tasks.join_next().await {
            result??;
        }
        Ok(())
    };
    run(0..200).await?;
    let before = server.rss();
    run(200..200 + n).await?;
    let after = server.rss();
    Ok(after.saturating_sub(before) as f64 / n as f64)
}

/// A whole progressive authorization in process: the tool's link, Authorize on the app's card,
/// the DEMO provider, the callback, the vault.
async fn progressive_flow(settings: Settings, checks: &mut Vec<Check>) -> anyhow::Result<()> {
    let demo = demo().await?;
    let server = TestServer::start(crate::servers::vault_server(
        Arc::new(MemoryStore::new()),
        &demo.url("slack"),
    ))
    .await;
    let http = Http::new(&server.url);
    let browser = UserAgent::new(&http);
    let (_, tokens) = browser.sign_in("bench", &[]).await;
    let token = tokens["access_token"].as_str().context("a token")?;
    let client = Client::connect(&http, token, json!({})).await;
    let mut times = Vec::with_capacity(settings.flows);
    for _ in 0..settings.flows {
        let link = client.auth_required("vault:echo").await["auth_url"]
            .as_str()
            .context("an auth_url")?
            .to_owned();
        let start = Instant::now();
        let done = browser.authorize_link(&link, "bench", "bench-vault").await;
        times.push(start.elapsed());
        ensure!(done.body.contains("authorized"), "{}", done.body);
        // Forget it again, through the apps page's revoke (not timed).
        let page = browser.get("/oauth/apps").await;
        let revoked = browser.submit(&page, &[("revoke", "vault")]).await;
        ensure!(revoked.body.contains("was revoked"), "{}", revoked.body);
    }
    times.sort();
    let median = times[times.len() / 2];
    println!(
        "\n== progressive authorization in process ({} rounds): median {:.2} ms, p90 {:.2} ms",
        settings.flows,
        ms(median),
        ms(times[times.len() * 9 / 10])
    );
    checks.push(Check {
        what: "progressive authorization in process < 5 ms median".into(),
        figure: format!("{:.2} ms", ms(median)),
        met: median < Duration::from_millis(5),
    });
    Ok(())
}
