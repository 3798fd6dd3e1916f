//! What this process worked out once from some exact bytes, kept while the same bytes come back:
//! the entry of an opened vault record.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// Values worked out from exact bytes (a stored record), by a short key saying where the bytes
/// came from (the record's store key), each beside a keyed 64-bit hash of those bytes: 8 bytes per entry instead of the hundreds of the bytes themselves. Bytes
/// that differ in any way under a known key miss, so they are worked out (verified, decrypted,
/// checked) again like any others.
///
/// Values are shared, so a hit costs no copy. At most `max` entries: when full, the entries that
/// the caller's `keep` refuses go, then all of them.
pub(crate) struct Remembered<V> {
    hasher: RandomState,
    max: usize,
    entries: RwLock<Entries<V>>,
}

/// By key: the fingerprint of the bytes and what was worked out from them.
type Entries<V> = HashMap<Box<str>, (u64, Arc<V>)>;

/// The keyed hash of some bytes, computed once per lookup and reused to remember them.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fingerprint(u64);

impl<V> Remembered<V> {
    pub(crate) fn new(max: usize) -> Self {
        Self {
            hasher: RandomState::new(),
            max,
            entries: RwLock::default(),
        }
    }

    fn read(&self) -> RwLockReadGuard<'_, Entries<V>> {
        // Every mutation leaves the map whole, so a poisoned lock is safe to keep using.
        self.entries.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Entries<V>> {
        self.entries.write().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn fingerprint(&self, bytes: &[u8]) -> Fingerprint {
        Fingerprint(self.hasher.hash_one(bytes))
    }

    /// The value remembered under `key` for exactly the bytes of `fingerprint`.
    pub(crate) fn get(&self, key: &str, fingerprint: Fingerprint) -> Option<Arc<V>> {
        match self.read().get(key) {
            Some((hash, value)) if *hash == fingerprint.0 => Some(value.clone()),
            _ => None,
        }
    }

    /// Remembers `value` under `key` for the bytes of `fingerprint`, replacing what was there.
    pub(crate) fn insert(
        &self,
        key: &str,
        fingerprint: Fingerprint,
        value: Arc<V>,
        keep: impl Fn(&V) -> bool,
    ) {
        let mut entries = self.write();
        if entries.len() >= self.max && !entries.contains_key(key) {
            entries.retain(|_, (_, v)| keep(v));
            if entries.len() >= self.max {
                entries.clear();
            }
        }
        entries.insert(key.into(), (fingerprint.0, value));
    }

    pub(crate) fn forget(&self, key: &str) {
        self.write().remove(key);
    }

    pub(crate) fn len(&self) -> usize {
        self.read().len()
    }
}

impl<V> std::fmt::Debug for Remembered<V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Remembered")
            .field("len", &self.len())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_bytes_under_a_known_key_miss() {
        let cache = Remembered::new(10);
        let seen = cache.fingerprint(b"header.payload.sig");
        cache.insert("sig", seen, Arc::new(1), |_| true);
        assert_eq!(cache.get("sig", seen).as_deref(), Some(&1));
        assert_eq!(
            cache.get("sig", cache.fingerprint(b"header.other.sig")),
            None
        );
        assert_eq!(cache.get("other", seen), None);
        cache.forget("sig");
        assert_eq!(cache.get("sig", seen), None);
    }

    #[test]
    fn a_full_cache_drops_what_keep_refuses_then_everything() {
        let cache = Remembered::new(4);
        for i in 0..4 {
            let key = i.to_string();
            cache.insert(&key, cache.fingerprint(key.as_bytes()), Arc::new(i), |_| {
                true
            });
        }
        let four = cache.fingerprint(b"4");
        cache.insert("4", four, Arc::new(4), |v| *v % 2 == 0);
        assert_eq!(cache.len(), 3, "0, 2 and 4 stay");
        assert_eq!(cache.get("2", cache.fingerprint(b"2")).as_deref(), Some(&2));
        cache.insert("5", cache.fingerprint(b"5"), Arc::new(5), |_| true);
        cache.insert("6", cache.fingerprint(b"6"), Arc::new(6), |_| true);
        assert_eq!(cache.len(), 1, "nothing to drop: all went");
        // Replacing a key of a full cache drops nothing.
        let cache = Remembered::new(1);
        cache.insert("a", cache.fingerprint(b"1"), Arc::new(1), |_| false);
        cache.insert("a", cache.fingerprint(b"2"), Arc::new(2), |_| false);
        assert_eq!(cache.get("a", cache.fingerprint(b"2")).as_deref(), Some(&2));
    }
}
