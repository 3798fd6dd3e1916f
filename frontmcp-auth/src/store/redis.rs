//! The shared store: Redis, so that several server processes serve the same sessions.
//!
//! Connections come from a [`deadpool`] pool of multiplexed [`redis`] connections (the `redis`
//! crate as re-exported by `deadpool-redis`). The pool's manager does not check connections on
//! checkout (the stock `deadpool-redis` manager sends `UNWATCH` + `PING` each time, a second round
//! trip per operation); instead a connection that fails below the Redis protocol (I/O error,
//! timeout, cancelled mid-command) is dropped from the pool, and the next operation opens a fresh
//! one. Every operation is therefore a single command, a single round trip.
//!
//! Events between processes ([`Store::publish`], [`Store::subscribe`]) go over Redis pub/sub on
//! the channel `{key_prefix}events`, with a connection of their own, opened on first subscribe.
//!
//! A watch ([`Store::watch`]) is server-assisted client-side caching: a RESP3 connection of its
//! own (named `frontmcp-watch`) asks for `CLIENT TRACKING ON BCAST PREFIX {key_prefix}{ns}:`, so
//! Redis pushes the name of every key of the namespace that any client changes, deletes or lets
//! expire. BCAST rather than tracking what each connection read: the reads stay on the pool, and
//! one connection hears everything. The pushes are handed to the [`Watcher`] as the connection
//! reads them, and a `PING` every second renews the watch for three: Redis answers in order, so
//! a `PONG` means every change before it was told. A dropped connection or a missed `PONG` loses
//! the watch (the watcher forgets everything) until a new connection tracks again. The `redis`
//! crate's own `cache-aio` was not used: it keeps raw replies per pooled connection (each would
//! warm its own copy, and the vault would still decrypt every hit), and it is experimental.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock, Weak};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use deadpool::managed::{self, Metrics, Object, Pool, PoolError, RecycleResult};
use deadpool_redis::redis::aio::MultiplexedConnection;
use deadpool_redis::redis::{
    self, AsyncConnectionConfig, Client, ClientTlsConfig, ConnectionAddr, FromRedisValue,
    IntoConnectionInfo, ProtocolVersion, PushInfo, PushKind, RedisError, TlsCertificates, Value,
};
use futures_util::StreamExt;
use tokio::sync::broadcast;
use zeroize::Zeroizing;

use super::{Namespace, Store, StoreError, Watcher};

/// How long one operation (waiting for a connection, connecting, the command) may take by default.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);

/// How often a watch checks its connection answers.
const WATCH_HEARTBEAT: Duration = Duration::from_secs(1);

/// How long a watch's answered heartbeat vouches for it: a connection that stops answering
/// (a silent network failure) stops being trusted this long after its last `PONG` at most.
const WATCH_LEASE: Duration = Duration::from_secs(3);

/// How long to wait before reconnecting a subscription or a watch.
const RECONNECT_DELAY: Duration = Duration::from_millis(500);

/// A [`Store`] on Redis (6.2 or later: `take` is `GETDEL`).
///
/// Keys are `{key_prefix}{namespace}:{key}`; TTLs are Redis's own (`SET ... PX`). Every operation
/// is one command and one round trip, bounded by a timeout (2 s unless [`with_timeout`] says
/// otherwise) after which it fails with [`StoreError::Unavailable`]. Cloning is cheap and shares
/// the connection pool. `Debug` shows the server's address, never the URL's credentials.
///
/// [`with_timeout`]: RedisStore::with_timeout
#[derive(Clone)]
pub struct RedisStore {
    pool: Pool<Manager>,
    /// For the event subscription, which needs a connection of its own.
    client: Client,
    /// Messages received on the event channel, once something subscribed.
    events: Arc<OnceLock<broadcast::Sender<Vec<u8>>>>,
    /// `host:port` (or the socket path): for messages, never the URL.
    addr: String,
    /// The password from the URL, to scrub from error messages should a library ever echo it.
    password: Option<String>,
    key_prefix: String,
    timeout: Duration,
}

impl RedisStore {
    /// Connects to the Redis at `url` (`redis://[user:password@]host[:port][/db]`;
    /// `rediss://...` for TLS, checked against the system's trust store (see
    /// [`connect_tls`](Self::connect_tls) for a private CA or a client certificate); or
    /// `redis+unix:///path`), with `key_prefix` before every key (so several applications or
    /// deployments can share one Redis), and checks once that it answers `PING`.
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
        // The `redis` crate's parse errors describe the problem, not the URL, so they are safe to
        // show; the URL itself (which may hold a password) never is.
        let client = Client::open(url)
            .map_err(|e| StoreError::Unavailable(format!("invalid Redis URL: {e}")))?;
        Self::with_client(client, key_prefix, timeout).await
    }

    /// Like [`connect`](Self::connect), over TLS (`rediss://host:port`) with the certificates of
    /// `tls`: the authorities that sign the server's certificate, when not the system's, and the
    /// client's own, when Redis asks for it.
    ///
    /// # Errors
    ///
    /// As [`connect`](Self::connect); also when the URL is not `rediss://` or a certificate or key
    /// is not PEM.
    pub async fn connect_tls(
        url: &str,
        key_prefix: &str,
        tls: &RedisTls,
    ) -> Result<Self, StoreError> {
        let info = url
            .into_connection_info()
            .map_err(|e| StoreError::Unavailable(format!("invalid Redis URL: {e}")))?;
        if !matches!(info.addr(), ConnectionAddr::TcpTls { .. }) {
            return Err(StoreError::Unavailable(
                "TLS certificates are configured for Redis, but its URL is not rediss://".into(),
            ));
        }
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
        let client = Client::build_with_tls(info, certificates)
            .map_err(|e| StoreError::Unavailable(format!("Redis TLS certificates: {e}")))?;
        Self::with_client(client, key_prefix, DEFAULT_TIMEOUT).await
    }

    async fn with_client(
        client: Client,
        key_prefix: &str,
        timeout: Duration,
    ) -> Result<Self, StoreError> {
        let info = client.get_connection_info();
        let addr = info.addr().to_string();
        let password = info
            .redis_settings()
            .password()
            .filter(|p| !p.is_empty())
            .map(str::to_owned);
        let pool = Pool::builder(Manager {
            client: client.clone(),
        })
        .build()
        .map_err(|e| {
            StoreError::Unavailable(format!(
                "Redis at {addr}: cannot build the connection pool: {e}"
            ))
        })?;
        let store = Self {
            pool,
            client,
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

    /// Receives the event channel's messages into `tx`, reconnecting when the connection drops,
    /// until nobody listens any more.
    async fn relay_events(
        client: Client,
        channel: String,
        addr: String,
        tx: broadcast::Sender<Vec<u8>>,
    ) {
        loop {
            match client.get_async_pubsub().await {
                Ok(mut pubsub) => match pubsub.subscribe(&channel).await {
                    Ok(()) => {
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
                },
                Err(e) => {
                    tracing::warn!(%addr, error = %e, "cannot connect for the store's events")
                }
            }
            if tx.receiver_count() == 0 {
                break;
            }
            tokio::time::sleep(RECONNECT_DELAY).await;
        }
    }

    /// Keeps `watcher` told of the changes to the keys under `prefix`, reconnecting when the
    /// watch is lost, until the watcher is gone (see the module docs).
    async fn keep_watch(
        client: Client,
        ns: Namespace,
        prefix: String,
        addr: String,
        watcher: Weak<dyn Watcher>,
    ) {
        loop {
            let watched = Self::watch_once(&client, ns, &prefix, &watcher).await;
            metrics::gauge!("frontmcp_store_watch_up", "namespace" => ns.as_str()).set(0.0);
            match watched {
                Ok(()) => return,
                Err(e) => {
                    metrics::counter!("frontmcp_store_errors_total", "backend" => "redis")
                        .increment(1);
                    let Some(w) = watcher.upgrade() else { return };
                    w.lost();
                    tracing::warn!(%addr, error = %e, "the store's watch is lost; reads go to Redis until it is back");
                }
            }
            tokio::time::sleep(RECONNECT_DELAY).await;
        }
    }

    /// One watch connection, from its tracking until it fails (`Err`) or the watcher is gone
    /// (`Ok`).
    async fn watch_once(
        client: &Client,
        ns: Namespace,
        prefix: &str,
        watcher: &Weak<dyn Watcher>,
    ) -> Result<(), RedisError> {
        let dropped = Arc::new(tokio::sync::Notify::new());
        // Pushes from a connection this loop gave up on are not heeded.
        let current = Arc::new(AtomicBool::new(true));
        let pushes = {
            let (watcher, dropped, current) = (watcher.clone(), dropped.clone(), current.clone());
            let prefix = prefix.to_owned();
            move |push: PushInfo| -> Result<(), redis::aio::SendError> {
                if !current.load(Ordering::SeqCst) {
                    return Ok(());
                }
                match push.kind {
                    PushKind::Invalidate => {
                        if let Some(watcher) = watcher.upgrade() {
                            invalidated(&*watcher, &prefix, &push.data);
                        }
                    }
                    PushKind::Disconnection => {
                        current.store(false, Ordering::SeqCst);
                        dropped.notify_one();
                    }
                    _ => {}
                }
                Ok(())
            }
        };
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(WATCH_HEARTBEAT))
            .set_response_timeout(Some(WATCH_HEARTBEAT))
            .set_push_sender(pushes);
        let result = async {
            let mut conn = client
                .get_multiplexed_async_connection_with_config(&config)
                .await?;
            redis::cmd("CLIENT")
                .arg("SETNAME")
                .arg("frontmcp-watch")
                .query_async::<()>(&mut conn)
                .await?;
            redis::cmd("CLIENT")
                .arg(&["TRACKING", "ON", "BCAST", "PREFIX"][..])
                .arg(prefix)
                .query_async::<()>(&mut conn)
                .await?;
            tracing::debug!(prefix, "watching the store's records");
            metrics::gauge!("frontmcp_store_watch_up", "namespace" => ns.as_str()).set(1.0);
            let mut heartbeat = tokio::time::interval(WATCH_HEARTBEAT);
            loop {
                // Tracking is on (first pass) or the last PING was answered: every change before
                // it was told.
                let lease = Instant::now() + WATCH_LEASE;
                let Some(w) = watcher.upgrade() else {
                    return Ok(());
                };
                w.watching(lease);
                drop(w);
                tokio::select! {
                    () = dropped.notified() => {
                        return Err(RedisError::from(std::io::Error::from(
                            std::io::ErrorKind::ConnectionReset,
                        )));
                    }
                    _ = heartbeat.tick() => {}
                }
                redis::cmd("PING").query_async::<()>(&mut conn).await?;
            }
        }
        .await;
        current.store(false, Ordering::SeqCst);
        result
    }

    /// The Redis key of `key` in `ns`.
    fn key(&self, ns: Namespace, key: &str) -> String {
        format!("{}{}:{}", self.key_prefix, ns.as_str(), key)
    }

    /// Runs one command on a pooled connection, within the timeout.
    async fn query<T: FromRedisValue>(&self, cmd: &redis::Cmd) -> Result<T, StoreError> {
        let attempt = async {
            let conn = self.pool.get().await.map_err(|e| match e {
                PoolError::Backend(e) => self.unavailable(&e),
                other => self.unavailable(&other),
            })?;
            let mut lease = Lease(Some(conn));
            let result = cmd.query_async::<T>(lease.conn()).await;
            // An error reply from Redis leaves the connection usable; anything else (I/O error,
            // unreadable reply) may not, and the lease drops it from the pool.
            if result.as_ref().err().is_none_or(|e| e.code().is_some()) {
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
        let mut message = format!("Redis at {}: {error}", self.addr);
        if let Some(password) = &self.password {
            message = message.replace(password.as_str(), "***");
        }
        StoreError::Unavailable(message)
    }
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
        let info = self.client.get_connection_info().clone();
        let resp3 = info
            .redis_settings()
            .clone()
            .set_protocol(ProtocolVersion::RESP3);
        let client = match Client::open(info.set_redis_settings(resp3)) {
            Ok(client) => client,
            Err(e) => {
                tracing::warn!(error = %e, "cannot watch the store; every read goes to Redis");
                return false;
            }
        };
        runtime.spawn(Self::keep_watch(
            client,
            ns,
            format!("{}{}:", self.key_prefix, ns.as_str()),
            self.addr.clone(),
            watcher,
        ));
        true
    }

    fn subscribe(&self) -> Option<broadcast::Receiver<Vec<u8>>> {
        let tx = self.events.get_or_init(|| {
            let (tx, _) = broadcast::channel(256);
            tokio::spawn(Self::relay_events(
                self.client.clone(),
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

/// Tells `watcher` of an `invalidate` push: the keys (under `prefix`) that changed, or nil when
/// Redis was flushed.
fn invalidated(watcher: &dyn Watcher, prefix: &str, data: &[Value]) {
    match data.first() {
        Some(Value::Array(keys)) => {
            for key in keys {
                if let Value::BulkString(key) = key
                    && let Some(key) = key.strip_prefix(prefix.as_bytes())
                {
                    watcher.changed(&String::from_utf8_lossy(key));
                }
            }
        }
        // Nil (a flush) or a shape this code does not know: everything may have changed.
        _ => watcher.changed_all(),
    }
}

/// Opens multiplexed connections; checks nothing on checkout (see the module docs).
struct Manager {
    client: Client,
}

impl managed::Manager for Manager {
    type Type = MultiplexedConnection;
    type Error = RedisError;

    async fn create(&self) -> Result<MultiplexedConnection, RedisError> {
        // The store's own per-operation timeout bounds connecting and replies.
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(None)
            .set_response_timeout(None);
        self.client
            .get_multiplexed_async_connection_with_config(&config)
            .await
    }

    async fn recycle(
        &self,
        _conn: &mut MultiplexedConnection,
        _metrics: &Metrics,
    ) -> RecycleResult<RedisError> {
        Ok(())
    }
}

/// A pooled connection that leaves the pool for good when dropped, unless
/// [`release`](Lease::release)d back to it.
struct Lease(Option<Object<Manager>>);

impl Lease {
    fn conn(&mut self) -> &mut MultiplexedConnection {
        self.0
            .as_mut()
            .expect("a lease holds its connection until released")
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
