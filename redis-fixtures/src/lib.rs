//! Redis deployments a test owns, on free loopback ports, killed when dropped: one server that
//! may serve TLS only ([`own_redis`]), a Redis Cluster and a master with a replica under Sentinel
//! ([`redis_nodes`]), and what tests read of any deployment ([`redis_nodes::RedisNodes`]). Shared
//! by the workspace's tests and the store's own suite.

pub mod own_redis;
pub mod redis_nodes;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
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

/// How long a `redis-server` may take to start.
const START: Duration = Duration::from_secs(30);

/// How many ports a server is tried on before the test fails.
const ATTEMPTS: usize = 5;

/// What a `redis-server` logs once it listens: a server, or a Sentinel (which logs no "ready").
const READY: [&str; 2] = ["Ready to accept connections", "Sentinel ID is"];

/// A port nothing listens on now. Only now: another process may take it before the server binds
/// it (a connection's own port comes from the same range), hence [`start_on_free_port`].
pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// Starts a `redis-server` on a free port, `command(port)` saying how and where it logs; on
/// another port when its own was taken before it bound it. The port and the process.
pub(crate) fn start_on_free_port(
    mut command: impl FnMut(u16) -> (Command, PathBuf),
) -> (u16, Child) {
    let mut failures = Vec::new();
    for _ in 0..ATTEMPTS {
        let port = free_port();
        let (command, log) = command(port);
        match start_server(command, &log) {
            Ok(child) => return (port, child),
            Err(failure) => failures.push(format!("port {port}: {failure}")),
        }
    }
    panic!(
        "redis-server did not start on {ATTEMPTS} ports:\n{}",
        failures.join("\n")
    )
}

/// Spawns `command` (a `redis-server`) logging to `log`, and waits until the log says it
/// listens, so a server of someone else's on its port is never taken for it. `Err` with the end
/// of its log when it exits first (its port taken, say).
pub(crate) fn start_server(mut command: Command, log: &Path) -> Result<Child, String> {
    // A restarted server logs to the same file: its predecessor's "ready" must not count.
    let _ = std::fs::remove_file(log);
    let mut child = command
        .arg("--logfile")
        .arg(log)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("redis-server starts");
    let deadline = Instant::now() + START;
    loop {
        let logged = std::fs::read_to_string(log).unwrap_or_default();
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!(
                "redis-server exited ({status}):\n{}",
                end_of(&logged)
            ));
        }
        if READY.iter().any(|ready| logged.contains(ready)) {
            return Ok(child);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "redis-server did not come up in {START:?}:\n{}",
                end_of(&logged)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The last lines of a server's log, for a failure message.
fn end_of(log: &str) -> String {
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(5)..].join("\n")
}
