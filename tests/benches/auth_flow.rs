//! One full authorization, register → authorize → login → consent → code → token, over loopback
//! HTTP against an in-process orchestrated server; with the memory store and, when Redis answers
//! at `REDIS_URL` (default 127.0.0.1:6379), with the Redis store.
//!
//! `cargo bench -p frontmcp-tests --bench auth_flow`

use std::sync::Arc;
use std::time::{Duration, Instant};

use frontmcp::auth::store::{MemoryStore, RedisStore, Store};
use frontmcp::auth::{ConsentConfig, ServerAuth, ServerAuthMode};
use frontmcp::prelude::*;
use frontmcp_tests::{Http, TestServer};

#[derive(Default)]
struct CrmApp;

#[app(name = "CRM")]
impl CrmApp {
    /// Finds contacts.
    #[tool(scopes("crm:read"))]
    async fn get_contacts(&self) -> &'static str {
        "Ada Lovelace"
    }
}

const ROUNDS: usize = 300;

async fn measure(label: &str, store: Arc<dyn Store>) {
    let auth = ServerAuth {
        mode: ServerAuthMode::Orchestrated,
        consent: ConsentConfig { enabled: true },
        ..Default::default()
    };
    let server = TestServer::start(
        Server::builder("bench", "1")
            .app(CrmApp)
            .auth(auth)
            .store(store),
    )
    .await;
    let http = Http::new(&server.url);
    for _ in 0..20 {
        frontmcp_tests::oauth::tokens(&http, "warm-up").await;
    }
    let mut times: Vec<Duration> = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        let start = Instant::now();
        frontmcp_tests::oauth::tokens(&http, "bench").await;
        times.push(start.elapsed());
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{label:>6}: full authorization (6 HTTP requests) median {:.2} ms, p90 {:.2} ms, min {:.2} ms over {ROUNDS} rounds",
        ms(times[ROUNDS / 2]),
        ms(times[ROUNDS * 9 / 10]),
        ms(times[0])
    );
    server.shutdown().await;
}

#[tokio::main]
async fn main() {
    measure("memory", Arc::new(MemoryStore::new())).await;
    let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    match RedisStore::connect(&url, "frontmcp-bench:").await {
        Ok(redis) => measure("redis", Arc::new(redis)).await,
        Err(e) => println!(" redis: skipped ({e})"),
    }
}
