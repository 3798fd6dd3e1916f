//! What this process worked out once from some exact bytes, kept while the same bytes come back:
//! the entry of an opened vault record.

use std::hash::{BuildHasher, RandomState};

/// Values worked out from exact bytes (a stored record), by where the bytes came from (the
/// record's store key), each beside a keyed 64-bit hash of those bytes: 8 bytes per entry instead
/// of the hundreds of the bytes themselves. Bytes that differ in any way under a known key miss,
/// so they are worked out (verified, decrypted, checked) again like any others.
///
/// The keys are kept as keyed 64-bit hashes too (no string per entry). Two keys sharing a hash
/// only share a slot: a value is handed out only for the exact bytes it was worked out from, and
/// under the key they came from (the fingerprint hashes both), so the worst a collision does is
/// make both work their values out again. A record copied to another key, which its key would
/// refuse to open, does not match what was remembered from the original.
///
/// Values are cloned out, so they should be cheap to clone (shared). At most `max` entries,
/// evicted one at a time by `quick_cache`'s CLOCK-PRO policy (what is used often stays) when new
/// ones come, so a full cache never makes every active session work its values out again at once.
pub(crate) struct Remembered<V> {
    hasher: RandomState,
    entries: quick_cache::sync::Cache<u64, (u64, V)>,
}

/// The keyed hash of some bytes and their key, computed once per lookup and reused to remember
/// them.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fingerprint(u64);

impl<V: Clone> Remembered<V> {
    pub(crate) fn new(max: usize) -> Self {
        Self {
            hasher: RandomState::new(),
            entries: quick_cache::sync::Cache::new(max),
        }
    }

    /// The fingerprint of `bytes` read under `key`.
    pub(crate) fn fingerprint(&self, key: &str, bytes: &[u8]) -> Fingerprint {
        Fingerprint(self.hasher.hash_one((key, bytes)))
    }

    fn slot(&self, key: &str) -> u64 {
        self.hasher.hash_one(key)
    }

    /// The value remembered under `key` for exactly the bytes of `fingerprint`.
    pub(crate) fn get(&self, key: &str, fingerprint: Fingerprint) -> Option<V> {
        match self.entries.get(&self.slot(key)) {
            Some((hash, value)) if hash == fingerprint.0 => Some(value),
            _ => None,
        }
    }

    /// Remembers `value` under `key` for the bytes of `fingerprint`, replacing what was there.
    pub(crate) fn insert(&self, key: &str, fingerprint: Fingerprint, value: V) {
        self.entries.insert(self.slot(key), (fingerprint.0, value));
    }

    pub(crate) fn forget(&self, key: &str) {
        self.entries.remove(&self.slot(key));
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }
}

impl<V: Clone> std::fmt::Debug for Remembered<V> {
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
        let seen = cache.fingerprint("sig", b"header.payload.sig");
        cache.insert("sig", seen, 1);
        assert_eq!(cache.get("sig", seen), Some(1));
        assert_eq!(
            cache.get("sig", cache.fingerprint("sig", b"header.other.sig")),
            None
        );
        assert_eq!(cache.get("other", seen), None);
        // The same bytes read under another key (a copied record) are not what was remembered,
        // even where the two keys would share a slot.
        assert!(cache.fingerprint("other", b"header.payload.sig") != seen);
        cache.forget("sig");
        assert_eq!(cache.get("sig", seen), None);
    }

    #[test]
    fn a_full_cache_evicts_some_and_keeps_what_is_used() {
        let max = 1_000;
        let cache = Remembered::new(max);
        let key = |i: usize| i.to_string();
        for i in 0..max {
            cache.insert(&key(i), cache.fingerprint(&key(i), key(i).as_bytes()), i);
        }
        // The first hundred are used again and again while newcomers arrive.
        for i in max..2 * max {
            for hot in 0..100 {
                assert!(
                    cache
                        .get(&key(hot), cache.fingerprint(&key(hot), key(hot).as_bytes()))
                        .is_some()
                );
            }
            cache.insert(&key(i), cache.fingerprint(&key(i), key(i).as_bytes()), i);
        }
        assert!(cache.len() <= max, "{}", cache.len());
        assert!(
            cache.len() > max / 2,
            "a full cache keeps most of what it had: {}",
            cache.len()
        );
        let hot = (0..100)
            .filter(|&i| {
                cache
                    .get(&key(i), cache.fingerprint(&key(i), key(i).as_bytes()))
                    .is_some()
            })
            .count();
        assert!(hot >= 90, "what is used stays: {hot} of 100");
        // Replacing a key of a full cache replaces it.
        let one = Remembered::new(1);
        one.insert("a", one.fingerprint("a", b"1"), 1);
        one.insert("a", one.fingerprint("a", b"2"), 2);
        assert_eq!(one.get("a", one.fingerprint("a", b"2")), Some(2));
    }
}
