//! A `redis-server` of the bench's own (so `INFO commandstats` counts only the bench's commands,
//! see [`frontmcp_tests::redis_nodes`]), and its memory.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use deadpool_redis::redis;
use frontmcp_tests::redis_nodes::RedisNodes;

/// A Redis server on a free loopback port, nothing persisted; killed when dropped.
#[derive(Debug)]
pub struct BenchRedis {
    child: Child,
    port: u16,
}

impl BenchRedis {
    /// Starts one.
    pub fn start() -> anyhow::Result<Self> {
        let port = crate::process::free_addr()?.port();
        let child = Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting redis-server (apt-get install redis-server)")?;
        let redis = Self { child, port };
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline {
                bail!("redis-server did not come up");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(redis)
    }

    /// Resident memory of the Redis server itself, in bytes.
    pub fn used_memory(&self) -> anyhow::Result<u64> {
        let mut conn = redis::Client::open(self.url())?.get_connection()?;
        let info: String = redis::cmd("INFO").arg("memory").query(&mut conn)?;
        info.lines()
            .find_map(|l| l.strip_prefix("used_memory:"))
            .and_then(|v| v.trim().parse().ok())
            .context("INFO memory has no used_memory")
    }
}

impl RedisNodes for BenchRedis {
    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    fn master_urls(&self) -> Vec<String> {
        vec![self.url()]
    }
}

impl Drop for BenchRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
