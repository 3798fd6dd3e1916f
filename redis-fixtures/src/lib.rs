//! Redis deployments a test owns, on free loopback ports, killed when dropped: one server that
//! may serve TLS only ([`own_redis`]), a Redis Cluster and a master with a replica under Sentinel
//! ([`redis_nodes`]), and what tests read of any deployment ([`redis_nodes::RedisNodes`]). Shared
//! by the workspace's tests and the store's own suite.

pub mod own_redis;
pub mod redis_nodes;

use std::time::{Duration, Instant};

/// Asks `done` every `every` until it says yes; fails the test with `what` past `timeout`.
pub(crate) fn wait_until(
    timeout: Duration,
    every: Duration,
    what: &str,
    mut done: impl FnMut() -> bool,
) {
    let deadline = Instant::now() + timeout;
    while !done() {
        assert!(Instant::now() < deadline, "{what}");
        std::thread::sleep(every);
    }
}

/// Waits (at most 10 s) until a server listens on `port` of loopback.
pub(crate) fn wait_listening(port: u16) {
    wait_until(
        Duration::from_secs(10),
        Duration::from_millis(20),
        "redis-server did not come up",
        || std::net::TcpStream::connect(("127.0.0.1", port)).is_ok(),
    );
}
