//! `frontmcp-bench`: frontmcp side by side with the official Rust SDK (`rmcp`) and a raw hyper
//! floor, authorization on and off, the vault in memory and in Redis, what open sessions cost,
//! and a whole progressive authorization. Every comparison is a ratio measured in one run, the
//! servers interleaved round by round. See `docs/performance.md`.
//!
//! ```sh
//! cargo run --release -p frontmcp-benches            # the whole bench (about 8 minutes)
//! cargo run --release -p frontmcp-benches -- --quick # every scenario, briefly (a smoke test)
//! cargo run --release -p frontmcp-benches -- --only sessions  # one of sdk, auth, sessions, flow
//! cargo run --release -p frontmcp-benches --features mimalloc -- --only auth  # on mimalloc
//! ```

mod load;
mod process;
mod redis;
mod scenarios;
mod servers;

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{Context as _, bail};

#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// How long and how often each scenario runs.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Rounds of each comparison; the servers take turns inside a round.
    pub rounds: usize,
    /// Unmeasured calls on fresh connections before each measured window.
    pub warmup: Duration,
    /// Each server's measured time per round.
    pub window: Duration,
    /// Open sessions for the memory figures.
    pub sessions: usize,
    /// Progressive authorizations timed.
    pub flows: usize,
}

impl Settings {
    const FULL: Self = Self {
        rounds: 7,
        warmup: Duration::from_millis(300),
        window: Duration::from_millis(1500),
        sessions: 10_000,
        flows: 200,
    };
    const QUICK: Self = Self {
        rounds: 1,
        warmup: Duration::from_millis(50),
        window: Duration::from_millis(300),
        sessions: 200,
        flows: 10,
    };
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runtime = tokio::runtime::Runtime::new()?;
    if args.first().map(String::as_str) == Some("serve") {
        return runtime.block_on(serve(&args[1..]));
    }
    let mut settings = Settings::FULL;
    let mut only = None;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--quick" => settings = Settings::QUICK,
            "--only" => {
                let name = args.next().context("--only takes a scenario name")?;
                only = Some(scenarios::Scenario::parse(name)?);
            }
            other => bail!("unknown argument {other:?}: [--quick] [--only sdk|auth|sessions|flow]"),
        }
    }
    runtime.block_on(scenarios::all(settings, only))
}

/// `serve <kind> <addr> [upstream-url [redis-url]]`: one of the bench's own servers, run by the
/// bench itself. The DEMO provider playing the upstream runs in the bench's process, so what it
/// keeps is not counted as the server's memory.
async fn serve(args: &[String]) -> anyhow::Result<()> {
    let [kind, addr, rest @ ..] = args else {
        bail!("serve <kind> <addr> [upstream-url [redis-url]]");
    };
    let addr: SocketAddr = addr.parse().context("the address")?;
    match (kind.as_str(), rest) {
        ("rmcp-json", []) => servers::rmcp(addr, true).await,
        ("rmcp-sse", []) => servers::rmcp(addr, false).await,
        ("floor", []) => servers::floor(addr).await,
        ("echo-off", []) => servers::frontmcp_echo(addr, servers::Auth::Off).await,
        ("echo-memory", [upstream]) => {
            servers::frontmcp_echo(addr, servers::Auth::Memory(upstream.clone())).await
        }
        ("echo-redis", [upstream, redis]) => {
            let auth = servers::Auth::Redis(upstream.clone(), redis.clone());
            servers::frontmcp_echo(addr, auth).await
        }
        _ => bail!("unknown server {kind:?} {rest:?}"),
    }
}
