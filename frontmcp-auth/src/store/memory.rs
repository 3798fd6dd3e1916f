//! The embedded store: a map in this process's memory, lost on restart.

use std::borrow::Borrow;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::hash::{Hash, Hasher};
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
    /// What expiry times count from.
    epoch: Instant,
    inner: Mutex<Inner>,
}

struct Inner {
    /// One set per namespace, looked up by the key's bytes.
    entries: HashMap<Namespace, HashSet<Entry>>,
    /// Writes left before the next sweep.
    writes_until_sweep: usize,
}

/// A key and its value in one allocation, the key's bytes first: a signed-in session keeps a few
/// small records, and each separate allocation adds the allocator's overhead and leaves the heap
/// more fragmented. Equal, hashed and borrowed as its key's bytes.
struct Entry {
    key_and_value: Box<[u8]>,
    key_len: usize,
    /// Milliseconds after the store's epoch; `u64::MAX` for never.
    expires_at: u64,
}

impl Entry {
    fn new(key: &str, value: &[u8], ttl: Option<Duration>, now: u64) -> Self {
        // A TTL too large to represent never expires.
        let expires_at = ttl.map_or(u64::MAX, |ttl| {
            let ttl = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX);
            now.saturating_add(ttl)
        });
        Self {
            key_and_value: [key.as_bytes(), value].concat().into(),
            key_len: key.len(),
            expires_at,
        }
    }

    fn key(&self) -> &[u8] {
        &self.key_and_value[..self.key_len]
    }

    fn value(&self) -> &[u8] {
        &self.key_and_value[self.key_len..]
    }

    fn is_expired(&self, now: u64) -> bool {
        self.expires_at <= now
    }
}

impl Borrow<[u8]> for Entry {
    fn borrow(&self) -> &[u8] {
        self.key()
    }
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl Eq for Entry {}

impl Hash for Entry {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // As the borrowed form hashes, so lookups by `&[u8]` find it.
        self.key().hash(state);
    }
}

impl Inner {
    /// Counts a write and sweeps expired entries when enough writes happened since the last sweep.
    fn note_write(&mut self, now: u64) {
        self.writes_until_sweep = self.writes_until_sweep.saturating_sub(1);
        if self.writes_until_sweep == 0 {
            for entries in self.entries.values_mut() {
                entries.retain(|entry| !entry.is_expired(now));
            }
            self.writes_until_sweep = SWEEP_EVERY_MIN.max(self.len());
        }
    }

    fn len(&self) -> usize {
        self.entries.values().map(HashSet::len).sum()
    }

    fn namespace(&mut self, ns: Namespace) -> &mut HashSet<Entry> {
        self.entries.entry(ns).or_default()
    }

    /// Removes the entry under `key`, returning it only if it had not expired.
    fn remove_live(&mut self, ns: Namespace, key: &str, now: u64) -> Option<Entry> {
        self.entries
            .get_mut(&ns)?
            .take(key.as_bytes())
            .filter(|entry| !entry.is_expired(now))
    }
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self {
            epoch: Instant::now(),
            inner: Mutex::new(Inner {
                entries: HashMap::new(),
                writes_until_sweep: SWEEP_EVERY_MIN,
            }),
        }
    }

    /// Milliseconds since the store's epoch.
    fn now(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
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
        let now = self.now();
        let mut inner = self.lock();
        inner
            .namespace(ns)
            .replace(Entry::new(key, value, ttl, now));
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
        let now = self.now();
        let mut inner = self.lock();
        let entries = inner.namespace(ns);
        if entries
            .get(key.as_bytes())
            .is_some_and(|entry| !entry.is_expired(now))
        {
            return Ok(false);
        }
        entries.replace(Entry::new(key, value, ttl, now));
        inner.note_write(now);
        Ok(true)
    }

    async fn get(&self, ns: Namespace, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let now = self.now();
        let mut inner = self.lock();
        let Some(entries) = inner.entries.get_mut(&ns) else {
            return Ok(None);
        };
        match entries.get(key.as_bytes()) {
            Some(entry) if entry.is_expired(now) => {
                entries.remove(key.as_bytes());
                Ok(None)
            }
            Some(entry) => Ok(Some(entry.value().to_vec())),
            None => Ok(None),
        }
    }

    async fn take(&self, ns: Namespace, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let now = self.now();
        Ok(self
            .lock()
            .remove_live(ns, key, now)
            .map(|entry| entry.value().to_vec()))
    }

    async fn delete(&self, ns: Namespace, key: &str) -> Result<bool, StoreError> {
        let now = self.now();
        Ok(self.lock().remove_live(ns, key, now).is_some())
    }

    async fn ping(&self) -> Result<(), StoreError> {
        Ok(())
    }

    fn is_local(&self) -> bool {
        true
    }
}
