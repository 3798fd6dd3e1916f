//! The embedded store: a map in this process's memory, lost on restart.

use std::collections::{HashMap, hash_map};
use std::fmt;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use async_trait::async_trait;

use super::{Namespace, Store, StoreError};

/// Expired entries are swept out every `max(SWEEP_EVERY_MIN, entries left by the last sweep)`
/// writes: sweeping costs amortized O(1) per write, and the map never holds more than about twice
/// what was live at the last sweep plus this many entries.
const SWEEP_EVERY_MIN: usize = 1024;

/// A [`Store`] in this process's memory: the embedded default, for a single server process.
///
/// Expired entries behave as absent; they are removed when touched and by a periodic sweep on
/// writes, so memory stays bounded by what is live. `Debug` shows the entry count, never values.
pub struct MemoryStore {
    inner: Mutex<Inner>,
}

struct Inner {
    /// One map per namespace, so a lookup borrows the key instead of building one.
    entries: HashMap<Namespace, HashMap<Box<str>, Entry>>,
    /// Writes left before the next sweep.
    writes_until_sweep: usize,
}

struct Entry {
    bytes: Box<[u8]>,
    expires_at: Option<Instant>,
}

impl Entry {
    fn new(value: &[u8], ttl: Option<Duration>, now: Instant) -> Self {
        // A TTL too large to represent never expires.
        let expires_at = ttl.and_then(|ttl| now.checked_add(ttl));
        Self {
            bytes: value.into(),
            expires_at,
        }
    }

    fn is_expired(&self, now: Instant) -> bool {
        self.expires_at.is_some_and(|at| at <= now)
    }
}

impl Inner {
    /// Counts a write and sweeps expired entries when enough writes happened since the last sweep.
    fn note_write(&mut self, now: Instant) {
        self.writes_until_sweep = self.writes_until_sweep.saturating_sub(1);
        if self.writes_until_sweep == 0 {
            for entries in self.entries.values_mut() {
                entries.retain(|_, entry| !entry.is_expired(now));
            }
            self.writes_until_sweep = SWEEP_EVERY_MIN.max(self.len());
        }
    }

    fn len(&self) -> usize {
        self.entries.values().map(HashMap::len).sum()
    }

    fn namespace(&mut self, ns: Namespace) -> &mut HashMap<Box<str>, Entry> {
        self.entries.entry(ns).or_default()
    }

    /// Removes the entry under `key`, returning it only if it had not expired.
    fn remove_live(&mut self, ns: Namespace, key: &str, now: Instant) -> Option<Entry> {
        self.entries
            .get_mut(&ns)?
            .remove(key)
            .filter(|entry| !entry.is_expired(now))
    }
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self {
            inner: Mutex::new(Inner {
                entries: HashMap::new(),
                writes_until_sweep: SWEEP_EVERY_MIN,
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // No code path panics while holding the lock, and every mutation leaves the map
        // consistent, so a poisoned lock is safe to keep using.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryStore")
            .field("entries", &self.lock().len())
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl Store for MemoryStore {
    async fn put(
        &self,
        ns: Namespace,
        key: &str,
        value: &[u8],
        ttl: Option<Duration>,
    ) -> Result<(), StoreError> {
        let now = Instant::now();
        let mut inner = self.lock();
        inner
            .namespace(ns)
            .insert(key.into(), Entry::new(value, ttl, now));
        inner.note_write(now);
        Ok(())
    }

    async fn put_new(
        &self,
        ns: Namespace,
        key: &str,
        value: &[u8],
        ttl: Option<Duration>,
    ) -> Result<bool, StoreError> {
        let now = Instant::now();
        let mut inner = self.lock();
        let inserted = match inner.namespace(ns).entry(key.into()) {
            hash_map::Entry::Occupied(mut slot) => {
                if slot.get().is_expired(now) {
                    slot.insert(Entry::new(value, ttl, now));
                    true
                } else {
                    false
                }
            }
            hash_map::Entry::Vacant(slot) => {
                slot.insert(Entry::new(value, ttl, now));
                true
            }
        };
        if inserted {
            inner.note_write(now);
        }
        Ok(inserted)
    }

    async fn get(&self, ns: Namespace, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let now = Instant::now();
        let mut inner = self.lock();
        let Some(entries) = inner.entries.get_mut(&ns) else {
            return Ok(None);
        };
        match entries.get(key) {
            Some(entry) if entry.is_expired(now) => {
                entries.remove(key);
                Ok(None)
            }
            Some(entry) => Ok(Some(entry.bytes.to_vec())),
            None => Ok(None),
        }
    }

    async fn take(&self, ns: Namespace, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let now = Instant::now();
        Ok(self
            .lock()
            .remove_live(ns, key, now)
            .map(|entry| entry.bytes.into_vec()))
    }

    async fn delete(&self, ns: Namespace, key: &str) -> Result<bool, StoreError> {
        let now = Instant::now();
        Ok(self.lock().remove_live(ns, key, now).is_some())
    }

    async fn ping(&self) -> Result<(), StoreError> {
        Ok(())
    }

    fn is_local(&self) -> bool {
        true
    }
}
