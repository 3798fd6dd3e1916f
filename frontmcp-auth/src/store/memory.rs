//! The embedded store: a map in this process's memory, lost on restart.

use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasher, RandomState};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use hashbrown::HashTable;

use super::{Namespace, Store, StoreError};
use crate::arena::{ByteArena, Slot};

/// Expired entries are swept out every `max(SWEEP_EVERY_MIN, entries left by the last sweep)`
/// writes: sweeping costs amortized O(1) per write, and the map never holds more than about twice
/// what was live at the last sweep plus this many entries.
const SWEEP_EVERY_MIN: usize = 1024;

/// A [`Store`] in this process's memory: the embedded default, for a single server process.
///
/// Expired entries behave as absent; they are removed when touched and by a periodic sweep on
/// writes, so memory stays bounded by what is live. Keys and values are packed into pages rather
/// than given an allocation each. `Debug` shows the entry count, never values.
pub struct MemoryStore {
    /// What expiry times count from.
    epoch: Instant,
    inner: Mutex<Inner>,
}

struct Inner {
    /// One table per namespace, of entries found by their key's bytes.
    entries: HashMap<Namespace, HashTable<Entry>>,
    /// The bounded sets of [`Store::admit`]: each member's expiry.
    sets: HashMap<Namespace, HashMap<Box<str>, u64>>,
    /// Every entry's key and value, the key's bytes first.
    pages: ByteArena,
    hasher: RandomState,
    /// Writes left before the next sweep.
    writes_until_sweep: usize,
}

/// Where an entry's key and value are in the pages, and when it expires.
struct Entry {
    slot: Slot,
    key_len: u32,
    value_len: u32,
    /// Milliseconds after the store's epoch; `u64::MAX` for never.
    expires_at: u64,
}

impl Entry {
    fn len(&self) -> usize {
        self.key_len as usize + self.value_len as usize
    }

    fn key<'p>(&self, pages: &'p ByteArena) -> &'p [u8] {
        &pages.get(self.slot, self.len())[..self.key_len as usize]
    }

    fn value<'p>(&self, pages: &'p ByteArena) -> &'p [u8] {
        &pages.get(self.slot, self.len())[self.key_len as usize..]
    }

    fn is_expired(&self, now: u64) -> bool {
        self.expires_at <= now
    }
}

impl Inner {
    /// Counts a write and sweeps expired entries when enough writes happened since the last sweep.
    fn note_write(&mut self, now: u64) {
        self.writes_until_sweep = self.writes_until_sweep.saturating_sub(1);
        if self.writes_until_sweep == 0 {
            let pages = &mut self.pages;
            for entries in self.entries.values_mut() {
                entries.retain(|entry| {
                    let expired = entry.is_expired(now);
                    if expired {
                        pages.remove(entry.slot, entry.len());
                    }
                    !expired
                });
            }
            pages.release_empty();
            self.writes_until_sweep = SWEEP_EVERY_MIN.max(self.len());
        }
    }

    fn len(&self) -> usize {
        self.entries.values().map(HashTable::len).sum()
    }

    /// The entry under `key`, expired or not.
    fn find(&self, ns: Namespace, key: &str) -> Option<&Entry> {
        let hash = self.hasher.hash_one(key.as_bytes());
        self.entries
            .get(&ns)?
            .find(hash, |entry| entry.key(&self.pages) == key.as_bytes())
    }

    /// The live entry under `key`, to change its expiry.
    fn find_live_mut(&mut self, ns: Namespace, key: &str, now: u64) -> Option<&mut Entry> {
        let hash = self.hasher.hash_one(key.as_bytes());
        let pages = &self.pages;
        self.entries
            .get_mut(&ns)?
            .find_mut(hash, |entry| entry.key(pages) == key.as_bytes())
            .filter(|entry| !entry.is_expired(now))
    }

    /// Stores `value` under `key`, replacing what was there.
    fn insert(&mut self, ns: Namespace, key: &str, value: &[u8], expires_at: u64) {
        if let Some(old) = self.unlink(ns, key) {
            self.free(old);
        }
        let lengths = (u32::try_from(key.len()), u32::try_from(value.len()));
        let (Ok(key_len), Ok(value_len)) = lengths else {
            // Records are a few hundred bytes; nothing near 4 GiB reaches a store.
            panic!("a memory store key or value of 4 GiB or more");
        };
        let entry = Entry {
            slot: self.pages.insert(&[key.as_bytes(), value]),
            key_len,
            value_len,
            expires_at,
        };
        let (hasher, pages) = (&self.hasher, &self.pages);
        let hash = hasher.hash_one(key.as_bytes());
        self.entries
            .entry(ns)
            .or_default()
            .insert_unique(hash, entry, |entry| hasher.hash_one(entry.key(pages)));
    }

    /// Takes the entry under `key` out of its table; its bytes stay until [`free`](Self::free).
    fn unlink(&mut self, ns: Namespace, key: &str) -> Option<Entry> {
        let hash = self.hasher.hash_one(key.as_bytes());
        let pages = &self.pages;
        let (entry, _) = self
            .entries
            .get_mut(&ns)?
            .find_entry(hash, |entry| entry.key(pages) == key.as_bytes())
            .ok()?
            .remove();
        Some(entry)
    }

    fn free(&mut self, entry: Entry) {
        self.pages.remove(entry.slot, entry.len());
    }

    /// Removes the entry under `key`: if it was there and had not expired, what `read` makes of
    /// its value.
    fn remove<T>(
        &mut self,
        ns: Namespace,
        key: &str,
        now: u64,
        read: impl FnOnce(&[u8]) -> T,
    ) -> Option<T> {
        let entry = self.unlink(ns, key)?;
        let value = (!entry.is_expired(now)).then(|| read(entry.value(&self.pages)));
        self.free(entry);
        value
    }
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self {
            epoch: Instant::now(),
            inner: Mutex::new(Inner {
                entries: HashMap::new(),
                sets: HashMap::new(),
                pages: ByteArena::default(),
                hasher: RandomState::new(),
                writes_until_sweep: SWEEP_EVERY_MIN,
            }),
        }
    }

    /// Milliseconds since the store's epoch.
    fn now(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// When an entry written `now` with `ttl` expires. A TTL too large to represent never does.
    fn expiry(now: u64, ttl: Option<Duration>) -> u64 {
        ttl.map_or(u64::MAX, |ttl| {
            now.saturating_add(u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX))
        })
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
        inner.insert(ns, key, value, Self::expiry(now, ttl));
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
        if inner
            .find(ns, key)
            .is_some_and(|entry| !entry.is_expired(now))
        {
            return Ok(false);
        }
        inner.insert(ns, key, value, Self::expiry(now, ttl));
        inner.note_write(now);
        Ok(true)
    }

    async fn get(&self, ns: Namespace, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let now = self.now();
        let mut inner = self.lock();
        match inner.find(ns, key) {
            Some(entry) if entry.is_expired(now) => {
                inner.remove(ns, key, now, |_| ());
                Ok(None)
            }
            Some(entry) => Ok(Some(entry.value(&inner.pages).to_vec())),
            None => Ok(None),
        }
    }

    async fn take(&self, ns: Namespace, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let now = self.now();
        Ok(self.lock().remove(ns, key, now, <[u8]>::to_vec))
    }

    async fn delete(&self, ns: Namespace, key: &str) -> Result<bool, StoreError> {
        let now = self.now();
        Ok(self.lock().remove(ns, key, now, |_| ()).is_some())
    }

    async fn touch(&self, ns: Namespace, key: &str, ttl: Duration) -> Result<bool, StoreError> {
        let now = self.now();
        let mut inner = self.lock();
        Ok(inner
            .find_live_mut(ns, key, now)
            .map(|entry| entry.expires_at = Self::expiry(now, Some(ttl)))
            .is_some())
    }

    async fn admit(
        &self,
        ns: Namespace,
        member: &str,
        ttl: Duration,
        cap: usize,
    ) -> Result<bool, StoreError> {
        let now = self.now();
        let until = Self::expiry(now, Some(ttl));
        let mut inner = self.lock();
        let set = inner.sets.entry(ns).or_default();
        match set.get_mut(member) {
            Some(expires_at) if *expires_at > now => {
                *expires_at = until;
                return Ok(true);
            }
            Some(_) => {
                set.remove(member);
            }
            None => {}
        }
        // Expired members are dropped only when they would keep someone out.
        if set.len() >= cap {
            set.retain(|_, expires_at| *expires_at > now);
        }
        if set.len() >= cap {
            return Ok(false);
        }
        set.insert(member.into(), until);
        Ok(true)
    }

    async fn throttle(
        &self,
        ns: Namespace,
        key: &str,
        interval: Duration,
        burst: u32,
    ) -> Result<Option<Duration>, StoreError> {
        let now = self.now();
        let mut inner = self.lock();
        let held = inner
            .find(ns, key)
            .filter(|entry| !entry.is_expired(now))
            .and_then(|entry| <[u8; 8]>::try_from(entry.value(&inner.pages)).ok())
            .map(u64::from_le_bytes);
        match super::gcra(held, now, interval, burst) {
            Ok(next) => {
                let ttl = Duration::from_millis(next - now);
                inner.insert(ns, key, &next.to_le_bytes(), Self::expiry(now, Some(ttl)));
                inner.note_write(now);
                Ok(None)
            }
            Err(wait) => Ok(Some(wait)),
        }
    }

    async fn ping(&self) -> Result<(), StoreError> {
        Ok(())
    }

    fn is_local(&self) -> bool {
        true
    }
}
