//! Shared by the store and vault suites: run each case on every store, and a Redis fixture with a
//! private key prefix that is cleaned up after the test. Each suite uses a subset of it.
#![allow(dead_code)]

use std::collections::hash_map::RandomState;
use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use deadpool_redis::redis;
use frontmcp_auth::store::{RedisStore, Store};
use frontmcp_redis_fixtures::redis_nodes::RedisNodes;

/// Defines, for each `case(store: Arc<dyn Store>)`, one test on a `MemoryStore` and one on a
/// `RedisStore` (skipped loudly outside CI when Redis is unreachable); and one test that runs
/// every case on a Redis Cluster, one on a master under Sentinel.
#[macro_export]
macro_rules! for_each_store {
    ($($case:ident),* $(,)?) => {
        mod memory_store {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $case() {
                    super::$case(std::sync::Arc::new(frontmcp_auth::store::MemoryStore::new())).await;
                }
            )*
        }

        mod redis_store {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $case() {
                    if let Some(redis) = super::support::TestRedis::connect(stringify!($case)).await {
                        redis.run(super::$case).await;
                    }
                }
            )*
        }

        /// Every case on one Redis Cluster of the test's own (three masters, three replicas).
        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn every_case_on_a_redis_cluster() {
            use frontmcp_redis_fixtures::redis_nodes::OwnCluster;
            if let Some(cluster) = OwnCluster::start(concat!(module_path!(), "-cluster")) {
                $( support::run_on(&cluster, stringify!($case), $case).await; )*
            }
        }

        /// Every case on the master a Sentinel of the test's own names.
        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn every_case_on_a_sentinel_master() {
            use frontmcp_redis_fixtures::redis_nodes::OwnSentinel;
            if let Some(sentinel) = OwnSentinel::start(concat!(module_path!(), "-sentinel")) {
                $( support::run_on(&sentinel, stringify!($case), $case).await; )*
            }
        }
    };
}

/// Runs `case` on a store connected to `redis` under a prefix of its own.
pub async fn run_on<F, Fut>(redis: &impl RedisNodes, test: &str, case: F)
where
    F: FnOnce(Arc<dyn Store>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let store = RedisStore::connect(&redis.url(), &unique_prefix(test))
        .await
        .unwrap_or_else(|e| panic!("{test}: {e}"));
    if let Err(error) = tokio::spawn(case(Arc::new(store))).await {
        eprintln!("on {}: {test} failed", redis.url());
        std::panic::resume_unwind(error.into_panic());
    }
}

/// The machine's Redis. A developer's `REDIS_URL` is deliberately not read: it must not change
/// what the tests test.
pub fn redis_url() -> String {
    "redis://127.0.0.1:6379".to_owned()
}

/// A key prefix no other test (in this run or a parallel one) uses.
pub fn unique_prefix(test: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u128(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos(),
    );
    hasher.write_u32(std::process::id());
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    format!(
        "frontmcp-test:{}:{test}:{:016x}:",
        env!("CARGO_CRATE_NAME"),
        hasher.finish()
    )
}

/// A [`RedisStore`] under a fresh prefix, whose keys are removed after the test.
pub struct TestRedis {
    /// The store under test.
    pub store: RedisStore,
    /// The key prefixes the test writes under (the first is `store`'s).
    pub prefixes: Vec<String>,
}

impl TestRedis {
    /// `None` (after a loud message) when Redis is not reachable and `CI` is not set.
    pub async fn connect(test: &str) -> Option<Self> {
        let prefix = unique_prefix(test);
        match RedisStore::connect(&redis_url(), &prefix).await {
            Ok(store) => Some(Self {
                store,
                prefixes: vec![prefix],
            }),
            Err(error) if std::env::var_os("CI").is_some() => {
                panic!(
                    "Redis is required when CI is set ({}): {error}",
                    redis_url()
                )
            }
            Err(error) => {
                // Once per run, and straight to stderr: the test harness swallows `eprintln!` of
                // passing tests.
                static WARNED: std::sync::Once = std::sync::Once::new();
                WARNED.call_once(|| {
                    let _ = writeln!(
                        std::io::stderr(),
                        "\n!!!!! SKIPPING redis {} tests: {error} (start redis-server on 127.0.0.1:6379; with CI set they fail) !!!!!\n",
                        env!("CARGO_CRATE_NAME")
                    );
                });
                None
            }
        }
    }

    /// Another store on the same server, under its own fresh prefix (cleaned up too).
    pub async fn sibling(&mut self, test: &str) -> RedisStore {
        let prefix = unique_prefix(test);
        let store = RedisStore::connect(&redis_url(), &prefix).await.unwrap();
        self.prefixes.push(prefix);
        store
    }

    /// Runs `case` on the store, then removes the test's keys, even if the case panicked.
    pub async fn run<F, Fut>(self, case: F)
    where
        F: FnOnce(Arc<dyn Store>) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let outcome = tokio::spawn(case(Arc::new(self.store.clone()))).await;
        self.cleanup().await;
        if let Err(error) = outcome {
            std::panic::resume_unwind(error.into_panic());
        }
    }

    /// Every key under the test's prefixes.
    pub async fn keys(&self) -> Vec<Vec<u8>> {
        let mut conn = raw_connection().await;
        let mut keys = Vec::new();
        for prefix in &self.prefixes {
            let mut cursor: u64 = 0;
            loop {
                let (next, batch): (u64, Vec<Vec<u8>>) = redis::cmd("SCAN")
                    .arg(cursor)
                    .arg("MATCH")
                    .arg(format!("{prefix}*"))
                    .arg("COUNT")
                    .arg(1000)
                    .query_async(&mut conn)
                    .await
                    .unwrap();
                keys.extend(batch);
                if next == 0 {
                    break;
                }
                cursor = next;
            }
        }
        keys
    }

    /// Removes the test's keys.
    pub async fn cleanup(&self) {
        let keys = self.keys().await;
        if !keys.is_empty() {
            let _: u64 = redis::cmd("DEL")
                .arg(keys)
                .query_async(&mut raw_connection().await)
                .await
                .unwrap();
        }
    }
}

/// A plain connection, to look at what the store wrote.
pub async fn raw_connection() -> redis::aio::MultiplexedConnection {
    redis::Client::open(redis_url())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap()
}
