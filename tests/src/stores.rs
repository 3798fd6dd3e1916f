//! A store for tests and benches that wraps another: it counts the operations it passes on (each
//! one Redis round trip with `RedisStore`), and can claim to be shared, as Redis is, over a memory
//! store.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use frontmcp::auth::store::{Namespace, Store, StoreError};
use tokio::sync::broadcast;

/// Counts what it passes on to `inner`.
#[derive(Debug)]
pub struct CountingStore {
    inner: Arc<dyn Store>,
    operations: AtomicU64,
    shared: bool,
}

impl CountingStore {
    /// Wraps `inner`.
    pub fn new(inner: Arc<dyn Store>) -> Self {
        Self {
            inner,
            operations: AtomicU64::new(0),
            shared: false,
        }
    }

    /// Says the data is shared with other processes (`is_local` false), whatever `inner` is.
    pub fn claiming_shared(mut self) -> Self {
        self.shared = true;
        self
    }

    /// The operations passed on so far (`ping` and `subscribe` excepted).
    pub fn operations(&self) -> u64 {
        self.operations.load(Ordering::Relaxed)
    }

    fn count(&self) {
        self.operations.fetch_add(1, Ordering::Relaxed);
    }
}

#[async_trait]
impl Store for CountingStore {
    async fn put(
        &self,
        ns: Namespace,
        key: &str,
        value: &[u8],
        ttl: Option<Duration>,
    ) -> Result<(), StoreError> {
        self.count();
        self.inner.put(ns, key, value, ttl).await
    }

    async fn put_new(
        &self,
        ns: Namespace,
        key: &str,
        value: &[u8],
        ttl: Option<Duration>,
    ) -> Result<bool, StoreError> {
        self.count();
        self.inner.put_new(ns, key, value, ttl).await
    }

    async fn get(&self, ns: Namespace, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.count();
        self.inner.get(ns, key).await
    }

    async fn take(&self, ns: Namespace, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.count();
        self.inner.take(ns, key).await
    }

    async fn delete(&self, ns: Namespace, key: &str) -> Result<bool, StoreError> {
        self.count();
        self.inner.delete(ns, key).await
    }

    async fn touch(&self, ns: Namespace, key: &str, ttl: Duration) -> Result<bool, StoreError> {
        self.count();
        self.inner.touch(ns, key, ttl).await
    }

    async fn admit(
        &self,
        ns: Namespace,
        member: &str,
        ttl: Duration,
        cap: usize,
    ) -> Result<bool, StoreError> {
        self.count();
        self.inner.admit(ns, member, ttl, cap).await
    }

    async fn throttle(
        &self,
        ns: Namespace,
        key: &str,
        interval: Duration,
        burst: u32,
    ) -> Result<Option<Duration>, StoreError> {
        self.count();
        self.inner.throttle(ns, key, interval, burst).await
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.inner.ping().await
    }

    fn is_local(&self) -> bool {
        !self.shared && self.inner.is_local()
    }

    async fn publish(&self, message: &[u8]) -> Result<(), StoreError> {
        self.count();
        self.inner.publish(message).await
    }

    fn subscribe(&self) -> Option<broadcast::Receiver<Vec<u8>>> {
        self.inner.subscribe()
    }
}
