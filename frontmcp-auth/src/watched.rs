//! What this process worked out from records of a store that keeps it told of their changes
//! ([`Store::watch`](crate::store::Store::watch)): answered from memory, with no store read,
//! while the watch is up.

use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicU64, Ordering::SeqCst};
use std::time::Instant;

use crate::store::Watcher;

/// How many counters the keys' changes are spread over: a read is kept unless a change to a key
/// of its stripe (or a loss of the watch) was heard while it was under way.
const STRIPES: usize = 64;

/// Values by store key, kept current by a [`Watcher`] feed. At most `max` entries, evicted one
/// at a time by `quick_cache`'s CLOCK-PRO policy.
///
/// A read from the store races the changes heard meanwhile: a value read before a change may
/// arrive after it was heard. So a read takes a [`Fill`] before asking the store, and its value
/// is kept only if no change to its stripe and no loss came between; a change heard after the
/// value was kept removes it.
pub(crate) struct Watched<V> {
    entries: quick_cache::sync::Cache<Box<str>, V>,
    hasher: RandomState,
    /// Changes heard, per stripe of keys.
    changes: [AtomicU64; STRIPES],
    /// Losses of the watch (and flushes) so far.
    resets: AtomicU64,
    /// Until when (milliseconds since `start`) the watch is up; 0 when it is not.
    deadline: AtomicU64,
    start: Instant,
}

/// A read under way: what had been heard when it began.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fill {
    stripe: usize,
    changes: u64,
    resets: u64,
}

impl<V: Clone> Watched<V> {
    pub(crate) fn new(max: usize) -> Self {
        Self {
            entries: quick_cache::sync::Cache::new(max),
            hasher: RandomState::new(),
            changes: std::array::from_fn(|_| AtomicU64::new(0)),
            resets: AtomicU64::new(0),
            deadline: AtomicU64::new(0),
            start: Instant::now(),
        }
    }

    fn millis(&self, at: Instant) -> u64 {
        u64::try_from(at.saturating_duration_since(self.start).as_millis()).unwrap_or(u64::MAX)
    }

    /// Whether changes are being told now.
    pub(crate) fn is_up(&self) -> bool {
        self.millis(Instant::now()) < self.deadline.load(SeqCst)
    }

    fn stripe(&self, key: &str) -> usize {
        // Truncation is the point: a stripe from the hash's low bits.
        (self.hasher.hash_one(key) as usize) % STRIPES
    }

    /// The value under `key`, while the watch is up.
    pub(crate) fn get(&self, key: &str) -> Option<V> {
        if !self.is_up() {
            return None;
        }
        self.entries.get(key)
    }

    /// Starts a read of `key` from the store; `None` while the watch is down (what is read then
    /// is not kept).
    pub(crate) fn begin(&self, key: &str) -> Option<Fill> {
        if !self.is_up() {
            return None;
        }
        let stripe = self.stripe(key);
        Some(Fill {
            stripe,
            changes: self.changes[stripe].load(SeqCst),
            resets: self.resets.load(SeqCst),
        })
    }

    /// Keeps what the read begun with `fill` found under `key`, unless a change may have come
    /// between. Kept first and checked after: a change heard in between removes it either way.
    pub(crate) fn keep(&self, key: &str, fill: Fill, value: V) {
        self.entries.insert(key.into(), value);
        if self.changes[fill.stripe].load(SeqCst) != fill.changes
            || self.resets.load(SeqCst) != fill.resets
        {
            self.entries.remove(key);
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }
}

impl<V: Clone + Send + Sync> Watcher for Watched<V> {
    fn changed(&self, key: &str) {
        self.changes[self.stripe(key)].fetch_add(1, SeqCst);
        self.entries.remove(key);
    }

    fn changed_all(&self) {
        self.resets.fetch_add(1, SeqCst);
        self.entries.clear();
    }

    fn watching(&self, deadline: Instant) {
        self.deadline.store(self.millis(deadline), SeqCst);
    }

    fn lost(&self) {
        self.deadline.store(0, SeqCst);
        self.changed_all();
    }
}

impl<V: Clone> std::fmt::Debug for Watched<V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watched")
            .field("len", &self.len())
            .field("up", &self.is_up())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn up() -> Watched<u32> {
        let cache = Watched::new(100);
        cache.watching(Instant::now() + Duration::from_secs(60));
        cache
    }

    #[test]
    fn nothing_is_kept_or_served_while_the_watch_is_down() {
        let cache = Watched::<u32>::new(100);
        assert!(cache.begin("a").is_none());
        let cache = up();
        let fill = cache.begin("a").unwrap();
        cache.keep("a", fill, 1);
        assert_eq!(cache.get("a"), Some(1));
        cache.lost();
        assert_eq!(cache.get("a"), None);
        cache.watching(Instant::now() + Duration::from_secs(60));
        assert_eq!(cache.get("a"), None, "a loss forgets everything");
    }

    #[test]
    fn an_expired_deadline_stops_serving() {
        let cache = up();
        let fill = cache.begin("a").unwrap();
        cache.keep("a", fill, 1);
        cache.watching(Instant::now());
        assert_eq!(cache.get("a"), None);
    }

    #[test]
    fn a_read_overtaken_by_a_change_is_not_kept() {
        let cache = up();
        let fill = cache.begin("a").unwrap();
        cache.changed("a");
        cache.keep("a", fill, 1);
        assert_eq!(cache.get("a"), None);
        // Nor by a loss and recovery in between, nor a flush.
        let fill = cache.begin("a").unwrap();
        cache.lost();
        cache.watching(Instant::now() + Duration::from_secs(60));
        cache.keep("a", fill, 1);
        assert_eq!(cache.get("a"), None);
        let fill = cache.begin("a").unwrap();
        cache.changed_all();
        cache.keep("a", fill, 1);
        assert_eq!(cache.get("a"), None);
        // A read begun after the change is kept; a change after removes it.
        let fill = cache.begin("a").unwrap();
        cache.keep("a", fill, 2);
        assert_eq!(cache.get("a"), Some(2));
        cache.changed("a");
        assert_eq!(cache.get("a"), None);
    }
}
