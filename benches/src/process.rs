//! Servers as child processes: started on a free loopback port, awaited until they listen, read
//! for their resident memory, killed when dropped.

use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};

/// A server process.
#[derive(Debug)]
pub struct ServerProcess {
    child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
}

impl ServerProcess {
    /// Runs this bench binary as `serve <kind> <addr> [extra]`.
    pub fn bench(kind: &str, extra: &[&str]) -> anyhow::Result<Self> {
        let exe = std::env::current_exe()?;
        let addr = free_addr()?;
        let mut command = Command::new(exe);
        command.args(["serve", kind, &addr.to_string()]).args(extra);
        Self::spawn(command, addr)
    }

    /// Runs a built example with `FRONTMCP_ADDR`.
    pub fn example(binary: &Path) -> anyhow::Result<Self> {
        let addr = free_addr()?;
        let mut command = Command::new(binary);
        command.env("FRONTMCP_ADDR", addr.to_string());
        Self::spawn(command, addr)
    }

    fn spawn(mut command: Command, addr: SocketAddr) -> anyhow::Result<Self> {
        let child = command
            .env("RUST_LOG", "error")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {command:?}"))?;
        let mut process = Self { child, addr };
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(addr).is_err() {
            if let Some(status) = process.child.try_wait()? {
                bail!("{command:?} exited with {status}");
            }
            if Instant::now() > deadline {
                bail!("{command:?} did not listen on {addr}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(process)
    }

    /// The process ID.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Resident memory now, in bytes (`VmRSS`).
    pub fn rss(&self) -> u64 {
        status_kib(self.pid(), "VmRSS:") * 1024
    }

    /// CPU time the process has used so far, user and system.
    pub fn cpu_time(&self) -> Duration {
        let stat =
            std::fs::read_to_string(format!("/proc/{}/stat", self.pid())).unwrap_or_default();
        // Fields after the command name (which may hold spaces): state is field 3, utime 14,
        // stime 15, in clock ticks (100 per second on Linux).
        let ticks: u64 = stat
            .rsplit_once(')')
            .map(|(_, rest)| {
                rest.split_whitespace()
                    .skip(11)
                    .take(2)
                    .filter_map(|t| t.parse::<u64>().ok())
                    .sum()
            })
            .unwrap_or(0);
        Duration::from_millis(ticks * 10)
    }

    /// The peak resident memory so far, in bytes (`VmHWM`).
    pub fn peak_rss(&self) -> u64 {
        status_kib(self.pid(), "VmHWM:") * 1024
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A field of `/proc/PID/status`, in KiB (0 where there is no `/proc`).
fn status_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(field))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// A loopback address nobody listens on (the port is free when this returns).
pub fn free_addr() -> anyhow::Result<SocketAddr> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?)
}
