//! Redis deployments as tests see them ([`RedisNodes`]: the URL servers connect with, and each
//! master to look inside), and deployments of the test's own on free loopback ports: a Redis
//! Cluster of three masters and three replicas (made by `redis-cli --cluster create`), and a
//! master with a replica watched by a Sentinel. The test may kill a master and wait for the
//! failover. Nothing is persisted: the replicas hold the data.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use deadpool_redis::redis;

use crate::own_redis::{TlsFiles, redis_server_installed};
use crate::{free_port, start_on_free_port, wait_until};

/// How long a deployment may take to settle (form, sync its replicas, fail over).
const SETTLE: Duration = Duration::from_secs(30);
/// How often it is asked meanwhile.
const POLL: Duration = Duration::from_millis(100);

/// Whether an `INFO replication` reply says the replica is in sync with its master: else a
/// failover would promote a replica without the data.
fn in_sync(info: redis::RedisResult<String>) -> bool {
    info.is_ok_and(|info| info.contains("master_link_status:up"))
}

/// What tests read of any Redis deployment: its URL for the servers, and each master's own URL
/// for looking inside.
pub trait RedisNodes {
    /// The URL the servers connect with.
    fn url(&self) -> String;
    /// A plain `redis://` URL of each master now.
    fn master_urls(&self) -> Vec<String>;
}

/// One Redis server that the test does not own, at a `redis://` URL (the machine's).
#[derive(Debug, Clone)]
pub struct Server(pub String);

impl RedisNodes for Server {
    fn url(&self) -> String {
        self.0.clone()
    }

    fn master_urls(&self) -> Vec<String> {
        vec![self.0.clone()]
    }
}

/// A Redis server process on a free port.
#[derive(Debug)]
struct Node {
    port: u16,
    child: Option<Child>,
}

impl Node {
    /// A server with `args` on a free port: TLS only on it when `tls`; a cluster node, with its
    /// own bus port and configuration file, when `cluster`.
    fn start(dir: &Path, args: &[&str], tls: bool, cluster: bool) -> Self {
        let (port, child) = start_on_free_port(|port| {
            let port_arg = port.to_string();
            let mut command = Command::new("redis-server");
            command.args(args);
            if cluster {
                // Else the bus is on the port + 10000, which nothing reserved.
                command.arg("--cluster-port").arg(free_port().to_string());
                command
                    .arg("--cluster-config-file")
                    .arg(dir.join(format!("nodes-{port}.conf")));
            }
            if tls {
                command.args(["--port", "0", "--tls-port", &port_arg]);
            } else {
                command.args(["--port", &port_arg]);
            }
            command
                .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
                // A replica's first sync at once, not after Redis's default 5 s wait for others.
                .args(["--repl-diskless-sync-delay", "0"])
                .arg("--dir")
                .arg(dir);
            (command, dir.join(format!("redis-{port}.log")))
        });
        Self {
            port,
            child: Some(child),
        }
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A private directory for a deployment's files, removed when dropped.
#[derive(Debug)]
struct Dir(PathBuf);

impl Dir {
    fn new(test: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("frontmcp-{test}-{}", free_port()));
        std::fs::create_dir_all(&dir).expect("a private directory");
        Self(dir)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A command's reply on the Redis at `url`.
pub fn query<T: redis::FromRedisValue>(url: &str, command: &redis::Cmd) -> redis::RedisResult<T> {
    let mut conn = redis::Client::open(url)?.get_connection_with_timeout(Duration::from_secs(2))?;
    command.query(&mut conn)
}

/// A Redis Cluster of three masters, each with a replica; killed when dropped. Its nodes notice
/// a dead master within 1 s (`cluster-node-timeout 1000`), and its replica takes over.
#[derive(Debug)]
pub struct OwnCluster {
    nodes: Vec<Node>,
    /// Set when the nodes serve TLS only (to clients, each other and their replicas) and ask
    /// clients for a certificate.
    tls: Option<TlsFiles>,
    /// Their files: removed when dropped, after the nodes.
    _dir: Dir,
}

impl OwnCluster {
    /// Starts one and waits until it serves every slot, or `None` (after a loud notice) when
    /// `redis-server` is not installed outside CI. In CI a missing `redis-server` fails the test.
    pub fn start(test: &str) -> Option<Self> {
        Self::start_with(test, false)
    }

    /// Like [`start`](Self::start), a cluster that serves TLS only (`rediss+cluster://`), between
    /// its nodes too, with certificates of a private CA made for the test, and asks clients for
    /// a certificate.
    pub fn start_tls(test: &str) -> Option<(Self, TlsFiles)> {
        let cluster = Self::start_with(test, true)?;
        let files = cluster.tls.clone().expect("a TLS cluster has its files");
        Some((cluster, files))
    }

    fn start_with(test: &str, tls: bool) -> Option<Self> {
        if !redis_server_installed(test) {
            return None;
        }
        let dir = Dir::new(test);
        let tls = tls.then(|| {
            let files = TlsFiles::in_dir(&dir.0);
            files.generate();
            files
        });
        let path = |p: &std::path::Path| p.to_str().expect("a UTF-8 path").to_owned();
        let tls_args: Vec<String> = match &tls {
            None => Vec::new(),
            Some(files) => [
                "--tls-cluster",
                "yes",
                "--tls-replication",
                "yes",
                "--tls-auth-clients",
                "yes",
                "--tls-cert-file",
                &path(&files.server_cert),
                "--tls-key-file",
                &path(&files.server_key),
                "--tls-ca-cert-file",
                &path(&files.ca),
            ]
            .map(str::to_owned)
            .to_vec(),
        };
        let mut args = vec!["--cluster-enabled", "yes", "--cluster-node-timeout", "1000"];
        args.extend(tls_args.iter().map(String::as_str));
        let nodes: Vec<Node> = (0..6)
            .map(|_| Node::start(&dir.0, &args, tls.is_some(), true))
            .collect();
        let mut create = Command::new("redis-cli");
        create.args(["--cluster", "create"]);
        create.args(nodes.iter().map(|n| format!("127.0.0.1:{}", n.port)));
        create.args(["--cluster-replicas", "1", "--cluster-yes"]);
        if let Some(files) = &tls {
            create.arg("--tls").arg("--cacert").arg(&files.ca);
            create.arg("--cert").arg(&files.client_cert);
            create.arg("--key").arg(&files.client_key);
        }
        let created = create
            .stdout(Stdio::null())
            .output()
            .expect("redis-cli runs");
        assert!(
            created.status.success(),
            "redis-cli --cluster create: {}",
            String::from_utf8_lossy(&created.stderr)
        );
        let cluster = Self {
            nodes,
            tls,
            _dir: dir,
        };
        cluster.wait_until_healthy();
        Some(cluster)
    }

    /// A command's reply on the node at `port`, over TLS with the client certificate when the
    /// cluster serves TLS.
    fn query<T: redis::FromRedisValue>(
        &self,
        port: u16,
        command: &redis::Cmd,
    ) -> redis::RedisResult<T> {
        let client = match &self.tls {
            None => redis::Client::open(format!("redis://127.0.0.1:{port}"))?,
            Some(files) => {
                let read = |p: &std::path::Path| std::fs::read(p).expect("a PEM file");
                let certificates = redis::TlsCertificates {
                    client_tls: Some(redis::ClientTlsConfig {
                        client_cert: read(&files.client_cert),
                        client_key: read(&files.client_key),
                    }),
                    root_cert: Some(read(&files.ca)),
                };
                redis::Client::build_with_tls(format!("rediss://127.0.0.1:{port}"), certificates)?
            }
        };
        command.query(&mut client.get_connection_with_timeout(Duration::from_secs(2))?)
    }

    fn live(&self) -> impl Iterator<Item = &Node> {
        self.nodes.iter().filter(|n| n.child.is_some())
    }

    /// The ports of the masters, as a live node sees them.
    pub fn master_ports(&self) -> BTreeSet<u16> {
        for node in self.live() {
            if let Ok(nodes) = self.query::<String>(node.port, redis::cmd("CLUSTER").arg("NODES")) {
                return nodes
                    .lines()
                    .filter(|l| {
                        let flags = l.split(' ').nth(2).unwrap_or("");
                        flags.split(',').any(|f| f == "master") && !flags.contains("fail")
                    })
                    .filter_map(|l| l.split(' ').nth(1)?.split(['@', ':']).nth(1)?.parse().ok())
                    .collect();
            }
        }
        panic!("no node of the cluster answers");
    }

    /// The port of the master that holds `key`.
    pub fn master_of(&self, key: &str) -> u16 {
        let node = self.live().next().expect("a live node").port;
        let slot: i64 = self
            .query(node, redis::cmd("CLUSTER").arg("KEYSLOT").arg(key))
            .unwrap();
        let slots: Vec<(i64, i64, (String, i64))> = self
            .query::<Vec<redis::Value>>(node, redis::cmd("CLUSTER").arg("SLOTS"))
            .unwrap()
            .into_iter()
            .map(|range| {
                let redis::Value::Array(range) = range else {
                    panic!("CLUSTER SLOTS")
                };
                let int = |v: &redis::Value| redis::from_redis_value_ref::<i64>(v).unwrap();
                let redis::Value::Array(master) = &range[2] else {
                    panic!("CLUSTER SLOTS")
                };
                let host = redis::from_redis_value_ref::<String>(&master[0]).unwrap();
                (int(&range[0]), int(&range[1]), (host, int(&master[1])))
            })
            .collect();
        let (_, _, (_, port)) = slots
            .into_iter()
            .find(|(start, end, _)| (*start..=*end).contains(&slot))
            .expect("a master serves every slot");
        u16::try_from(port).unwrap()
    }

    /// Kills the node on `port` (as a crash would).
    pub fn kill(&mut self, port: u16) {
        self.nodes
            .iter_mut()
            .find(|n| n.port == port)
            .expect("a node of the cluster")
            .kill();
    }

    /// Waits (at most 30 s) until every live node says the cluster is ok, three live masters
    /// serve its slots, and every live replica is in sync with its master (else a failover would
    /// promote a replica without the data).
    pub fn wait_until_healthy(&self) {
        wait_until(SETTLE, POLL, "the cluster did not become healthy", || {
            let ok = self.live().all(|n| {
                self.query::<String>(n.port, redis::cmd("CLUSTER").arg("INFO"))
                    .is_ok_and(|info| info.contains("cluster_state:ok"))
            });
            let live: BTreeSet<u16> = self.live().map(|n| n.port).collect();
            let masters = self.master_ports();
            let synced = self
                .live()
                .filter(|n| !masters.contains(&n.port))
                .all(|n| in_sync(self.query(n.port, redis::cmd("INFO").arg("replication"))));
            ok && synced && masters.iter().filter(|p| live.contains(p)).count() == 3
        });
    }
}

impl RedisNodes for OwnCluster {
    fn url(&self) -> String {
        let nodes: Vec<String> = self
            .live()
            .map(|n| format!("127.0.0.1:{}", n.port))
            .collect();
        let scheme = if self.tls.is_some() {
            "rediss"
        } else {
            "redis"
        };
        format!("{scheme}+cluster://{}", nodes.join(","))
    }

    /// Plain `redis://` URLs: the helpers of this module do not speak TLS.
    fn master_urls(&self) -> Vec<String> {
        assert!(self.tls.is_none(), "the helpers do not speak TLS");
        self.master_ports()
            .into_iter()
            .map(|p| format!("redis://127.0.0.1:{p}"))
            .collect()
    }
}

/// A master and its replica, watched by a Sentinel that names the master `main`; killed when
/// dropped. The Sentinel sees a master that stops answering as down within 1 s.
#[derive(Debug)]
pub struct OwnSentinel {
    master: Node,
    replica: Node,
    sentinel: Node,
    /// Their files: removed when dropped, after the nodes.
    _dir: Dir,
}

impl OwnSentinel {
    /// Starts one and waits until the replica is in sync and the Sentinel knows it, or `None` (after a loud notice)
    /// when `redis-server` is not installed outside CI. In CI a missing `redis-server` fails the
    /// test.
    pub fn start(test: &str) -> Option<Self> {
        if !redis_server_installed(test) {
            return None;
        }
        let dir = Dir::new(test);
        let master = Node::start(&dir.0, &[], false, false);
        let replica = Node::start(
            &dir.0,
            &["--replicaof", "127.0.0.1", &master.port.to_string()],
            false,
            false,
        );
        let config = dir.0.join("sentinel.conf");
        std::fs::write(
            &config,
            format!(
                "sentinel monitor main 127.0.0.1 {} 1\n\
                 sentinel down-after-milliseconds main 1000\n\
                 sentinel failover-timeout main 5000\n",
                master.port
            ),
        )
        .expect("the Sentinel's configuration");
        let sentinel = Node::start(
            &dir.0,
            &[config.to_str().unwrap(), "--sentinel"],
            false,
            false,
        );
        let deployment = Self {
            master,
            replica,
            sentinel,
            _dir: dir,
        };
        wait_until(SETTLE, POLL, "the Sentinel found no replica", || {
            let replicas: redis::RedisResult<Vec<redis::Value>> = query(
                &deployment.sentinel.url(),
                redis::cmd("SENTINEL").arg("REPLICAS").arg("main"),
            );
            in_sync(query(
                &deployment.replica.url(),
                redis::cmd("INFO").arg("replication"),
            )) && replicas.is_ok_and(|r| !r.is_empty())
        });
        Some(deployment)
    }

    /// The port of the master the Sentinel names now.
    pub fn master_port(&self) -> u16 {
        let (_, port): (String, String) = query(
            &self.sentinel.url(),
            redis::cmd("SENTINEL")
                .arg("GET-MASTER-ADDR-BY-NAME")
                .arg("main"),
        )
        .expect("the Sentinel names the master");
        port.parse().unwrap()
    }

    /// Kills the master (as a crash would) and waits (at most 30 s) until the Sentinel names the
    /// replica instead, and the replica says it is the master.
    pub fn kill_master_and_wait_for_failover(&mut self) {
        let old = self.master.port;
        self.master.kill();
        let failed_over = format!("the Sentinel did not fail over from {old}");
        wait_until(SETTLE, POLL, &failed_over, || {
            self.master_port() == self.replica.port
                && query::<redis::Value>(&self.replica.url(), &redis::cmd("ROLE")).is_ok_and(
                    |role| matches!(role, redis::Value::Array(r) if redis::from_redis_value_ref::<String>(&r[0]).is_ok_and(|r| r == "master")),
                )
        });
    }
}

impl RedisNodes for OwnSentinel {
    fn url(&self) -> String {
        format!("redis+sentinel://127.0.0.1:{}/main", self.sentinel.port)
    }

    fn master_urls(&self) -> Vec<String> {
        vec![format!("redis://127.0.0.1:{}", self.master_port())]
    }
}

/// Every key matching `pattern` on the masters of `redis`, with its value.
pub fn dump(redis: &(impl RedisNodes + ?Sized), pattern: &str) -> Vec<(String, Option<Vec<u8>>)> {
    let mut all = Vec::new();
    for url in redis.master_urls() {
        let keys: Vec<String> = query(&url, redis::cmd("KEYS").arg(pattern)).unwrap();
        for key in keys {
            let value = query(&url, redis::cmd("GET").arg(&key)).unwrap_or(None);
            all.push((key, value));
        }
    }
    all
}

/// Deletes every key matching `pattern` on the masters of `redis`; how many there were.
pub fn delete_matching(redis: &(impl RedisNodes + ?Sized), pattern: &str) -> usize {
    let mut deleted = 0;
    for url in redis.master_urls() {
        let keys: Vec<String> = query(&url, redis::cmd("KEYS").arg(pattern)).unwrap();
        for key in keys {
            deleted += query::<usize>(&url, redis::cmd("DEL").arg(&key)).unwrap();
        }
    }
    deleted
}

/// `INFO commandstats`, summed over the masters of `redis`: each command's name (`get`,
/// `cluster|slots`, ...) and calls.
pub fn command_stats(redis: &(impl RedisNodes + ?Sized)) -> Vec<(String, u64)> {
    let mut all: Vec<(String, u64)> = Vec::new();
    for url in redis.master_urls() {
        let info: String = query(&url, redis::cmd("INFO").arg("commandstats")).unwrap();
        for line in info.lines() {
            let Some((name, stats)) = line
                .strip_prefix("cmdstat_")
                .and_then(|l| l.split_once(':'))
            else {
                continue;
            };
            let Some(calls) = stats
                .strip_prefix("calls=")
                .and_then(|s| s.split(',').next()?.parse::<u64>().ok())
            else {
                continue;
            };
            match all.iter_mut().find(|(n, _)| n == name) {
                Some((_, total)) => *total += calls,
                None => all.push((name.to_owned(), calls)),
            }
        }
    }
    all
}

/// `INFO commandstats`'s count of `command`, summed over the masters of `redis`.
pub fn calls_of(redis: &(impl RedisNodes + ?Sized), command: &str) -> u64 {
    command_stats(redis)
        .into_iter()
        .find(|(name, _)| name == command)
        .map_or(0, |(_, calls)| calls)
}

/// The commands the masters of `redis` have executed so far, `INFO` itself not counted.
pub fn commands(redis: &(impl RedisNodes + ?Sized)) -> u64 {
    command_stats(redis)
        .into_iter()
        .filter(|(name, _)| name != "info")
        .map(|(_, calls)| calls)
        .sum()
}

/// The addresses and ids of the watch connections on the masters of `redis`, sorted.
pub fn watches(redis: &(impl RedisNodes + ?Sized)) -> Vec<(String, String)> {
    let mut all = Vec::new();
    for url in redis.master_urls() {
        let clients: String = query(&url, redis::cmd("CLIENT").arg("LIST")).unwrap();
        all.extend(
            clients
                .lines()
                .filter(|l| l.split(' ').any(|f| f == "name=frontmcp-watch"))
                .filter_map(|l| l.split(' ').find_map(|f| f.strip_prefix("id=")))
                .map(|id| (url.clone(), id.to_owned())),
        );
    }
    all.sort();
    all
}
