//! A `redis-server` of the bench's own (so `INFO commandstats` counts only the bench's commands),
//! and that count.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use deadpool_redis::redis;

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

    /// `redis://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Commands Redis has executed so far, `INFO` itself not counted.
    pub fn commands(&self) -> anyhow::Result<u64> {
        Ok(self
            .command_stats()?
            .into_iter()
            .filter(|(name, _)| name != "info")
            .map(|(_, calls)| calls)
            .sum())
    }

    /// How many times Redis has executed `command` (lower case) so far.
    pub fn calls_of(&self, command: &str) -> anyhow::Result<u64> {
        Ok(self
            .command_stats()?
            .into_iter()
            .find(|(name, _)| name == command)
            .map_or(0, |(_, calls)| calls))
    }

    /// `INFO commandstats`: each command's name and calls.
    fn command_stats(&self) -> anyhow::Result<Vec<(String, u64)>> {
        let mut conn = redis::Client::open(self.url())?.get_connection()?;
        let info: String = redis::cmd("INFO").arg("commandstats").query(&mut conn)?;
        Ok(info
            .lines()
            .filter_map(|l| {
                let (name, stats) = l.strip_prefix("cmdstat_")?.split_once(':')?;
                let calls = stats
                    .strip_prefix("calls=")?
                    .split(',')
                    .next()?
                    .parse()
                    .ok()?;
                Some((name.to_owned(), calls))
            })
            .collect())
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

impl Drop for BenchRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
