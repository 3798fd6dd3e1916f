//! The shared store: Redis, so that several server processes serve the same sessions.
//!
//! Connections come from a [`deadpool`] pool of multiplexed [`redis`] connections (the `redis`
//! crate as re-exported by `deadpool-redis`). The pool's manager does not check connections on
//! checkout (the stock `deadpool-redis` manager sends `UNWATCH` + `PING` each time, a second round
//! trip per operation); instead a connection that fails below the Redis protocol (I/O error,
//! timeout, cancelled mid-command) is dropped from the pool, and the next operation opens a fresh
//! one. Every operation is therefore a single command, a single round trip. When a watch is lost,
//! no connection opened before is used again (see [`Manager`]).
//!
//! Events between processes ([`Store::publish`], [`Store::subscribe`]) go over Redis pub/sub on
//! the channel `{key_prefix}events`, with a connection of their own, opened on first subscribe.
//!
//! A watch ([`Store::watch`]) is server-assisted client-side caching, a connection of its own to
//! each master (see [`watch`]).
//!
//! One server, a Redis Cluster or the master Sentinel names: see [`servers`] for the URLs. On a
//! cluster, commands go through one cluster connection of the `redis` crate, which routes each
//! to its key's master and follows failovers and resharding; every operation names one key, so
//! none needs keys to share a slot.

mod servers;
mod watch;

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, Weak};
use std::time::Duration;

use async_trait::async_trait;
use deadpool::managed::{self, Metrics, Object, Pool, PoolError, RecycleError, RecycleResult};
use deadpool_redis::redis::aio::MultiplexedConnection;
use deadpool_redis::redis::cluster_async::ClusterConnection;
use deadpool_redis::redis::{
    self, AsyncConnectionConfig, ClientTlsConfig, FromRedisValue, RedisError, TlsCertificates,
};
use futures_util::StreamExt;
use tokio::sync::broadcast;
use zeroize::Zeroizing;

use self::servers::{Master, Servers, Target, scrubbed};
use super::{Namespace, Store, StoreError, Watcher};

/// How long one operation (waiting for a connection, connecting, the command) may take by default.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);

/// How long to wait before reconnecting a subscription or a watch.
const RECONNECT_DELAY: Duration = Duration::from_millis(500);

/// A [`Store`] on Redis (6.2 or later: `take` is `GETDEL`): one server, a Redis Cluster, or the
/// master that Redis Sentinel names.
///
/// Keys are `{key_prefix}{namespace}:{key}`; TTLs are Redis's own (`SET ... PX`). Every operation
/// is one command and one round trip, bounded by a timeout (2 s unless [`with_timeout`] says
/// otherwise) after which it fails with [`StoreError::Unavailable`]. Cloning is cheap and shares
/// the connections. `Debug` shows the servers' addresses, never the URL's credentials.
///
/// [`with_timeout`]: RedisStore::with_timeout
#[derive(Clone)]
pub struct RedisStore {
    servers: Arc<Servers>,
    commands: Commands,
    /// Messages received on the event channel, once something subscribed.
    events: Arc<OnceLock<broadcast::Sender<Vec<u8>>>>,
    /// The servers' addresses: for messages, never the URL.
    addr: String,
    /// The password from the URL, to scrub from error messages should a library ever echo it.
    password: Option<String>,
    key_prefix: String,
    timeout: Duration,
}

impl RedisStore {
    /// Connects to the Redis at `url`, with `key_prefix` before every key (so several
    /// applications or deployments can share one Redis), and checks once that it answers `PING`.
    ///
    /// The URL is one of
    /// - `redis://[user:password@]host[:port][/db]`, or `redis+unix:///path`: one server;
    /// - `redis+cluster://[user:password@]host:port[,host:port...]`: a Redis Cluster, found from
    ///   any of the nodes listed;
    /// - `redis+sentinel://[user:password@]host:port[,host:port...]/service[/db]`: the master
    ///   the Sentinels at those addresses name `service`, followed through failovers (the
    ///   credentials are the master's; the Sentinels are asked without);
    ///
    /// and `rediss://`, `rediss+cluster://`, `rediss+sentinel://` for the same over TLS, checked
    /// against the system's trust store (see [`connect_tls`](Self::connect_tls) for a private CA
    /// or a client certificate).
    ///
    /// # Errors
    ///
    /// [`StoreError::Unavailable`] if the URL is invalid or Redis does not answer within the
    /// default timeout of 2 s; the message names the address, never the password.
    pub async fn connect(url: &str, key_prefix: &str) -> Result<Self, StoreError> {
        Self::connect_with_timeout(url, key_prefix, DEFAULT_TIMEOUT).await
    }

    /// Like [`connect`](Self::connect), with `timeout` for the initial check and every operation
    /// after it.
    ///
    /// # Errors
    ///
    /// As [`connect`](Self::connect).
    pub async fn connect_with_timeout(
        url: &str,
        key_prefix: &str,
        timeout: Duration,
    ) -> Result<Self, StoreError> {
        Self::open(url, None, key_prefix, timeout).await
    }

    /// Like [`connect`](Self::connect), over TLS (`rediss://`, `rediss+cluster://`,
    /// `rediss+sentinel://`) with the certificates of `tls`: the authorities that sign the
    /// servers' certificates, when not the system's, and the client's own, when Redis asks for
    /// it.
    ///
    /// # Errors
    ///
    /// As [`connect`](Self::connect); also when the URL is not over TLS or a certificate or key
    /// is not PEM.
    pub async fn connect_tls(
        url: &str,
        key_prefix: &str,
        tls: &RedisTls,
    ) -> Result<Self, StoreError> {
        let certificates = TlsCertificates {
            client_tls: tls
                .client_identity
                .as_ref()
                .map(|(certificate, key)| ClientTlsConfig {
                    client_cert: certificate.clone(),
                    client_key: key.to_vec(),
                }),
            root_cert: tls.root_certificates.clone(),
        };
        Self::open(url, Some(certificates), key_prefix, DEFAULT_TIMEOUT).await
    }

    async fn open(
        url: &str,
        tls: Option<TlsCertificates>,
        key_prefix: &str,
        timeout: Duration,
    ) -> Result<Self, StoreError> {
        // Connecting to a cluster's nodes is bounded like any operation.
        let target = tokio::time::timeout(timeout, Target::open(url, tls))
            .await
            .map_err(|_| {
                StoreError::Unavailable(format!("Redis did not answer within {timeout:?}"))
            })?
            .map_err(StoreError::Unavailable)?;
        let Target {
            servers,
            addr,
            password,
        } = target;
        let servers = Arc::new(servers);
        let commands = match &*servers {
            Servers::Master(master) => Commands::Pool(
                Pool::builder(Manager {
                    master: master.clone(),
                    epoch: Arc::default(),
                })
                .build()
                .map_err(|e| {
                    StoreError::Unavailable(format!(
                        "Redis at {addr}: cannot build the connection pool: {e}"
                    ))
                })?,
            ),
            Servers::Cluster(cluster) => Commands::Cluster(cluster.connection.clone()),
        };
        let store = Self {
            servers,
            commands,
            events: Arc::default(),
            addr,
            password,
            key_prefix: key_prefix.to_owned(),
            timeout,
        };
        store.ping().await?;
        Ok(store)
    }

    /// Sets how long each operation may take (waiting for a pooled connection, connecting and the
    /// command together) before it fails with [`StoreError::Unavailable`].
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The channel processes sharing this store (and key prefix) publish events on.
    fn channel(&self) -> String {
        format!("{}events", self.key_prefix)
    }

    /// Receives the event channel's messages into `tx`, reconnecting when the connection drops
    /// (to the master of the moment), until nobody listens any more.
    async fn relay_events(
        servers: Arc<Servers>,
        channel: String,
        addr: String,
        tx: broadcast::Sender<Vec<u8>>,
    ) {
        loop {
            let subscribed = async {
                let mut pubsub = servers.events_client().await?.get_async_pubsub().await?;
                pubsub.subscribe(&channel).await?;
                Ok::<_, RedisError>(pubsub)
            };
            match subscribed.await {
                Ok(mut pubsub) => {
                    tracing::debug!(%addr, "subscribed to the store's events");
                    let mut messages = pubsub.on_message();
                    while let Some(message) = messages.next().await {
                        if let Ok(payload) = message.get_payload::<Vec<u8>>() {
                            let _ = tx.send(payload);
                        }
                    }
                    tracing::warn!(%addr, "the store's event subscription ended; reconnecting");
                }
                Err(e) => {
                    tracing::warn!(%addr, error = %e, "cannot subscribe to the store's events")
                }
            }
            if tx.receiver_count() == 0 {
                break;
            }
            tokio::time::sleep(RECONNECT_DELAY).await;
        }
    }

    /// The Redis key of `key` in `ns`.
    fn key(&self, ns: Namespace, key: &str) -> String {
        format!("{}{}:{}", self.key_prefix, ns.as_str(), key)
    }

    /// Runs one command, within the timeout.
    async fn query<T: FromRedisValue>(&self, cmd: &redis::Cmd) -> Result<T, StoreError> {
        let attempt = async {
            let pool = match &self.commands {
                Commands::Pool(pool) => pool,
                // The cluster connection reconnects and reroutes on its own; cancelling it
                // mid-command is safe (its own task owns the request).
                Commands::Cluster(connection) => {
                    return cmd
                        .query_async::<T>(&mut connection.clone())
                        .await
                        .map_err(|e| self.unavailable(&e));
                }
            };
            let conn = pool.get().await.map_err(|e| match e {
                PoolError::Backend(e) => self.unavailable(&e),
                other => self.unavailable(&other),
            })?;
            let mut lease = Lease(Some(conn));
            let result = cmd.query_async::<T>(lease.conn()).await;
            // An error reply from Redis leaves the connection usable; anything else (I/O error,
            // unreadable reply) may not, and the lease drops it from the pool. So does READONLY:
            // the server is a replica now (a failover), and the next connection goes to the
            // master of the moment.
            if result
                .as_ref()
                .err()
                .is_none_or(|e| e.code().is_some_and(|code| code != "READONLY"))
            {
                lease.release();
            }
            result.map_err(|e| self.unavailable(&e))
        };
        // If the timeout cancels `attempt` mid-command, the lease drops its connection: a reply
        // may still be on its way, and the server may be gone.
        match tokio::time::timeout(self.timeout, attempt).await {
            Ok(result) => result,
            Err(_) => Err(StoreError::Unavailable(format!(
                "Redis at {} did not answer within {:?}",
                self.addr, self.timeout
            ))),
        }
    }

    fn unavailable(&self, error: &dyn fmt::Display) -> StoreError {
        metrics::counter!("frontmcp_store_errors_total", "backend" => "redis").increment(1);
        StoreError::Unavailable(scrubbed(
            &format!("Redis at {}: {error}", self.addr),
            self.password.as_deref(),
        ))
    }
}

/// Where commands go.
#[derive(Clone)]
enum Commands {
    /// Pooled connections to a single master.
    Pool(Pool<Manager>),
    /// A cluster's connection: one multiplexed connection per node, shared.
    Cluster(ClusterConnection),
}

/// [`Store::admit`] in one atomic step on Redis's clock: the set is a sorted set of members by
/// expiry (milliseconds), which expires itself with its last member.
const ADMIT: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZSCORE', KEYS[1], ARGV[1]) or redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[3]) then
  redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
  if redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
  return 1
end
return 0
";

/// [`Store::throttle`] in one atomic step on Redis's clock, so processes on machines whose clocks
/// differ share one limit: the key holds the theoretical arrival time (milliseconds), and the
/// reply is how long to wait (0: allowed). The arithmetic of `super::gcra`.
const THROTTLE: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local tolerance = interval * (tonumber(ARGV[2]) - 1)
local arrival = tonumber(redis.call('GET', KEYS[1])) or now
if arrival < now then arrival = now end
if arrival - now > tolerance then return arrival - now - tolerance end
redis.call('SET', KEYS[1], arrival + interval, 'PX', arrival + interval - now)
return 0
";

/// Past this many milliseconds, Redis could not add a duration to its clock.
const MAX_MILLIS: u64 = 1 << 60;

/// `PX` milliseconds for `ttl`: at least 1 (Redis rejects 0); `None` (no expiry) when too large
/// for Redis to add to its clock.
fn ttl_millis(ttl: Option<Duration>) -> Option<u64> {
    let millis = ttl?.as_nanos().div_ceil(1_000_000);
    u64::try_from(millis.max(1))
        .ok()
        .filter(|&millis| millis <= MAX_MILLIS)
}

/// Milliseconds for `duration`, at least 1, at most [`MAX_MILLIS`].
fn millis(duration: Duration) -> u64 {
    ttl_millis(Some(duration)).unwrap_or(MAX_MILLIS)
}

fn set_cmd(key: &str, value: &[u8], ttl: Option<Duration>, only_if_new: bool) -> redis::Cmd {
    let mut cmd = redis::cmd("SET");
    cmd.arg(key).arg(value);
    if only_if_new {
        cmd.arg("NX");
    }
    if let Some(millis) = ttl_millis(ttl) {
        cmd.arg("PX").arg(millis);
    }
    cmd
}

/// The certificates of a TLS connection to Redis (`rediss://`), for
/// [`RedisStore::connect_tls`]. Without them, a `rediss://` URL is checked against the system's
/// trust store and presents no client certificate. `Debug` never shows the private key.
#[derive(Clone, Default)]
pub struct RedisTls {
    /// PEM certificates of the authorities that sign the Redis server's certificate (a private
    /// CA), instead of the system's.
    pub root_certificates: Option<Vec<u8>>,
    /// The PEM certificate chain and private key the client presents, for a Redis that asks for
    /// them (`tls-auth-clients yes`).
    pub client_identity: Option<(Vec<u8>, Zeroizing<Vec<u8>>)>,
}

impl fmt::Debug for RedisTls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisTls")
            .field("root_certificates", &self.root_certificates.is_some())
            .field("client_identity", &self.client_identity.is_some())
            .finish()
    }
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("addr", &self.addr)
            .field("key_prefix", &self.key_prefix)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl Store for RedisStore {
    async fn put(
        &self,
        ns: Namespace,
        key: &str,
        value: &[u8],
        ttl: Option<Duration>,
    ) -> Result<(), StoreError> {
        self.query::<()>(&set_cmd(&self.key(ns, key), value, ttl, false))
            .await
    }

    async fn put_new(
        &self,
        ns: Namespace,
        key: &str,
        value: &[u8],
        ttl: Option<Duration>,
    ) -> Result<bool, StoreError> {
        // `SET NX` answers `OK` when it wrote, nil when the key existed.
        let reply = self
            .query::<Option<String>>(&set_cmd(&self.key(ns, key), value, ttl, true))
            .await?;
        Ok(reply.is_some())
    }

    async fn get(&self, ns: Namespace, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.query(redis::cmd("GET").arg(self.key(ns, key))).await
    }

    async fn take(&self, ns: Namespace, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.query(redis::cmd("GETDEL").arg(self.key(ns, key)))
            .await
    }

    async fn delete(&self, ns: Namespace, key: &str) -> Result<bool, StoreError> {
        let removed: u64 = self.query(redis::cmd("DEL").arg(self.key(ns, key))).await?;
        Ok(removed > 0)
    }

    async fn touch(&self, ns: Namespace, key: &str, ttl: Duration) -> Result<bool, StoreError> {
        let mut cmd = redis::cmd("PEXPIRE");
        cmd.arg(self.key(ns, key)).arg(millis(ttl));
        let touched: u64 = self.query(&cmd).await?;
        Ok(touched == 1)
    }

    async fn admit(
        &self,
        ns: Namespace,
        member: &str,
        ttl: Duration,
        cap: usize,
    ) -> Result<bool, StoreError> {
        let mut cmd = redis::cmd("EVAL");
        cmd.arg(ADMIT)
            .arg(1)
            .arg(format!("{}{}-set", self.key_prefix, ns.as_str()))
            .arg(member)
            .arg(millis(ttl))
            .arg(cap);
        let admitted: u64 = self.query(&cmd).await?;
        Ok(admitted == 1)
    }

    async fn throttle(
        &self,
        ns: Namespace,
        key: &str,
        interval: Duration,
        burst: u32,
    ) -> Result<Option<Duration>, StoreError> {
        let mut cmd = redis::cmd("EVAL");
        cmd.arg(THROTTLE)
            .arg(1)
            .arg(self.key(ns, key))
            .arg(millis(interval))
            .arg(burst.max(1));
        let wait: u64 = self.query(&cmd).await?;
        Ok((wait > 0).then(|| Duration::from_millis(wait)))
    }

    async fn publish(&self, message: &[u8]) -> Result<(), StoreError> {
        self.query::<u64>(redis::cmd("PUBLISH").arg(self.channel()).arg(message))
            .await
            .map(drop)
    }

    fn watch(&self, ns: Namespace, watcher: Weak<dyn Watcher>) -> bool {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            tracing::warn!(
                "a Redis store outside a Tokio runtime cannot watch; every read goes to Redis"
            );
            return false;
        };
        let pool_epoch = match &self.commands {
            Commands::Pool(pool) => Some(pool.manager().epoch.clone()),
            Commands::Cluster(_) => None,
        };
        runtime.spawn(watch::keep_watch(
            self.servers.clone(),
            ns,
            format!("{}{}:", self.key_prefix, ns.as_str()),
            self.addr.clone(),
            watcher,
            pool_epoch,
        ));
        true
    }

    fn subscribe(&self) -> Option<broadcast::Receiver<Vec<u8>>> {
        let tx = self.events.get_or_init(|| {
            let (tx, _) = broadcast::channel(256);
            tokio::spawn(Self::relay_events(
                self.servers.clone(),
                self.channel(),
                self.addr.clone(),
                tx.clone(),
            ));
            tx
        });
        Some(tx.subscribe())
    }

    async fn ping(&self) -> Result<(), StoreError> {
        let reply: String = self.query(&redis::cmd("PING")).await?;
        if reply == "PONG" {
            Ok(())
        } else {
            Err(StoreError::Unavailable(format!(
                "Redis at {} answered PING with {reply:?}",
                self.addr
            )))
        }
    }
}

/// Opens multiplexed connections to the master of the moment; sends nothing on checkout (see
/// the module docs), but refuses a connection opened before the last loss of a watch.
///
/// A watch is lost when its connection drops or a master it watched is one no longer: a
/// failover, after which a pooled connection may still reach the old master (the Sentinels kill
/// its clients when they demote it, but not across a partition). Through such a connection the
/// store would read what the old master holds, and a vault could cache it while it hears the new
/// master's changes. Counting the losses costs one atomic read per checkout.
struct Manager {
    master: Arc<Master>,
    /// How many times a watch was lost; bumped by the watch.
    epoch: Arc<AtomicU64>,
}

/// A pooled connection, and the [`Manager::epoch`] it was opened in.
struct Pooled {
    conn: MultiplexedConnection,
    epoch: u64,
}

impl managed::Manager for Manager {
    type Type = Pooled;
    type Error = RedisError;

    async fn create(&self) -> Result<Pooled, RedisError> {
        // Read before connecting: a loss while connecting makes the new connection stale too.
        let epoch = self.epoch.load(Ordering::Acquire);
        // The store's own per-operation timeout bounds connecting and replies.
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(None)
            .set_response_timeout(None);
        let conn = self
            .master
            .client()
            .await?
            .get_multiplexed_async_connection_with_config(&config)
            .await?;
        Ok(Pooled { conn, epoch })
    }

    async fn recycle(&self, pooled: &mut Pooled, _metrics: &Metrics) -> RecycleResult<RedisError> {
        if pooled.epoch == self.epoch.load(Ordering::Acquire) {
            Ok(())
        } else {
            Err(RecycleError::message(
                "opened before the store's watch was lost",
            ))
        }
    }
}

/// A pooled connection that leaves the pool for good when dropped, unless
/// [`release`](Lease::release)d back to it.
struct Lease(Option<Object<Manager>>);

impl Lease {
    fn conn(&mut self) -> &mut MultiplexedConnection {
        &mut self
            .0
            .as_mut()
            .expect("a lease holds its connection until released")
            .conn
    }

    fn release(&mut self) {
        // Dropping the object returns it to the pool.
        drop(self.0.take());
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        if let Some(conn) = self.0.take() {
            drop(Object::take(conn));
        }
    }
}
