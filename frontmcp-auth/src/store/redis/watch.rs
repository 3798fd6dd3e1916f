//! A watch ([`Store::watch`](super::Store::watch)): server-assisted client-side caching. A RESP3
//! connection of its own to each master (named `frontmcp-watch`) asks for
//! `CLIENT TRACKING ON BCAST PREFIX {key_prefix}{ns}:`, so each master pushes the name of every
//! key of the namespace it holds that any client changes, deletes or lets expire. BCAST rather
//! than tracking what each connection read: the reads stay on the pool, and one connection per
//! master hears everything.
//!
//! The pushes reach the [`Watcher`] as the connections read them. A heartbeat every second
//! renews the watch for three: Redis answers in order, so each master's reply means every change
//! before it was told. The heartbeat also checks the masters still are the masters (see
//! [`Check`]; `ROLE` on a cluster or a Sentinel master, which needs the `@admin` ACL category): a
//! replica does not tell of the changes its master sends it, so after a failover the new master
//! must be watched. A dropped connection, a missed reply or a changed topology
//! loses the watch (the watcher forgets everything) until every master is tracked again.
//!
//! The `redis` crate's own `cache-aio` was not used: it keeps raw replies per pooled connection
//! (each would warm its own copy, and the vault would still decrypt every hit), and it is
//! experimental.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use deadpool_redis::redis::aio::MultiplexedConnection;
use deadpool_redis::redis::{
    self, AsyncConnectionConfig, PushInfo, PushKind, RedisError, RedisResult, Value,
};
use futures_util::future::try_join_all;

use super::servers::{Check, Servers, masters_of};
use super::{Namespace, RECONNECT_DELAY, Watcher};

/// How often a watch checks its connections answer.
const WATCH_HEARTBEAT: Duration = Duration::from_secs(1);

/// How long a watch's answered heartbeat vouches for it: a connection that stops answering
/// (a silent network failure) stops being trusted this long after its last heartbeat was sent.
const WATCH_LEASE: Duration = Duration::from_secs(3);

/// Keeps `watcher` told of the changes to the keys under `prefix`, reconnecting when the watch
/// is lost, until the watcher is gone. Each loss bumps `pool_epoch`, the single master's pool's
/// count, so that no connection opened before is used again (a failover may be why).
pub(super) async fn keep_watch(
    servers: Arc<Servers>,
    ns: Namespace,
    prefix: String,
    addr: String,
    watcher: Weak<dyn Watcher>,
    pool_epoch: Option<Arc<AtomicU64>>,
) {
    loop {
        let watched = watch_once(&servers, ns, &prefix, &watcher).await;
        metrics::gauge!("frontmcp_store_watch_up", "namespace" => ns.as_str()).set(0.0);
        match watched {
            Ok(()) => return,
            Err(e) => {
                metrics::counter!("frontmcp_store_errors_total", "backend" => "redis").increment(1);
                if let Some(epoch) = &pool_epoch {
                    epoch.fetch_add(1, Ordering::Release);
                }
                let Some(w) = watcher.upgrade() else { return };
                w.lost();
                tracing::warn!(%addr, error = %e, "the store's watch is lost; reads go to Redis until it is back");
            }
        }
        tokio::time::sleep(RECONNECT_DELAY).await;
    }
}

/// One watch, from the tracking of every master until a connection fails or the topology
/// changes (`Err`) or the watcher is gone (`Ok`).
async fn watch_once(
    servers: &Servers,
    ns: Namespace,
    prefix: &str,
    watcher: &Weak<dyn Watcher>,
) -> Result<(), RedisError> {
    let masters = servers.masters().await?;
    let dropped = Arc::new(tokio::sync::Notify::new());
    // The disconnection of a connection this watch gave up on is not heeded.
    let current = Arc::new(AtomicBool::new(true));
    let pushes = {
        let (watcher, dropped, current) = (watcher.clone(), dropped.clone(), current.clone());
        let prefix = prefix.to_owned();
        move |push: PushInfo| -> Result<(), redis::aio::SendError> {
            match push.kind {
                // Always heeded, from whichever connection: one change too many told is harmless,
                // one missed while another master's connection is being given up is not.
                PushKind::Invalidate => {
                    if let Some(watcher) = watcher.upgrade() {
                        invalidated(&*watcher, &prefix, &push.data);
                    }
                }
                PushKind::Disconnection if current.swap(false, Ordering::SeqCst) => {
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
        let mut connections = try_join_all(
            masters
                .clients
                .iter()
                .map(|client| track(client, &config, prefix)),
        )
        .await?;
        // Every master tracks from now on; one heartbeat checks they are still the masters (a
        // failover between reading the topology and tracking would leave a replica tracked).
        let mut since = Instant::now();
        beat(&mut connections, &masters.check).await?;
        tracing::debug!(
            prefix,
            masters = connections.len(),
            "watching the store's records"
        );
        metrics::gauge!("frontmcp_store_watch_up", "namespace" => ns.as_str()).set(1.0);
        let mut heartbeat = tokio::time::interval(WATCH_HEARTBEAT);
        // The first tick is at once: the heartbeat above was it.
        heartbeat.tick().await;
        loop {
            let Some(w) = watcher.upgrade() else {
                return Ok(());
            };
            w.watching(since + WATCH_LEASE);
            drop(w);
            tokio::select! {
                () = dropped.notified() => {
                    return Err(RedisError::from(std::io::Error::from(
                        std::io::ErrorKind::ConnectionReset,
                    )));
                }
                _ = heartbeat.tick() => {}
            }
            since = Instant::now();
            beat(&mut connections, &masters.check).await?;
        }
    }
    .await;
    current.store(false, Ordering::SeqCst);
    result
}

/// A connection to a master that tracks the keys under `prefix`.
async fn track(
    client: &redis::Client,
    config: &AsyncConnectionConfig,
    prefix: &str,
) -> RedisResult<MultiplexedConnection> {
    let mut conn = client
        .get_multiplexed_async_connection_with_config(config)
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
    Ok(conn)
}

/// One heartbeat: every connection answers, and the masters are still the masters.
async fn beat(connections: &mut [MultiplexedConnection], check: &Check) -> RedisResult<()> {
    let command = match check {
        Check::Role | Check::Slots(_) => redis::cmd("ROLE"),
        Check::Ping => redis::cmd("PING"),
    };
    let replies: Vec<Value> = try_join_all(
        connections
            .iter_mut()
            .map(|conn| command.query_async::<Value>(conn)),
    )
    .await?;
    let changed = |what: &'static str| {
        RedisError::from((
            redis::ErrorKind::Server(redis::ServerErrorKind::MasterDown),
            what,
        ))
    };
    if !matches!(check, Check::Ping) {
        for reply in &replies {
            let role = match reply {
                Value::Array(role) => role.first(),
                _ => None,
            };
            if !matches!(role, Some(Value::BulkString(role)) if role == b"master") {
                return Err(changed("the master is a master no longer"));
            }
        }
    }
    if let Check::Slots(masters) = check {
        let slots: Value = redis::cmd("CLUSTER")
            .arg("SLOTS")
            .query_async(&mut connections[0])
            .await?;
        if masters_of(&slots)? != *masters {
            return Err(changed("the cluster's masters changed"));
        }
    }
    Ok(())
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
