//! An allocator for small long-lived byte records: they are packed into 64 KiB pages of their
//! own instead of getting an allocation each. It holds the memory store's keys and values, and
//! the verified session tokens' grants.
//!
//! A signed-in session leaves a few such records behind, made in the middle of requests full of
//! short-lived allocations. Given an allocation each, glibc's allocator scatters them across the
//! heap, and the heap grows by several times their size: with 10,000 sessions, each remembered
//! grant of about 200 bytes cost about 700 bytes of resident memory. A general-purpose allocator
//! does not fix that: measured with 10,000 signed-in sessions (memory store, `frontmcp-bench
//! --only sessions`), a session costs 1,692 bytes packed here under glibc, 2,659 bytes with an
//! allocation per record under glibc, 2,145 bytes with an allocation per record under mimalloc,
//! and 1,935 bytes packed here under mimalloc (docs/performance.md).
//!
//! Slots are multiples of [`GRAIN`] bytes; a freed slot goes on the free list of its size and is
//! reused by the next record of that size, so records that come and go (pending authorizations,
//! codes) keep reusing the same slots. Pages whose records are all gone are given back by
//! [`ByteArena::release_empty`]. Records larger than [`MAX_PACKED`] get a page of their own.

/// Bytes per shared page.
const PAGE: usize = 64 * 1024;
/// Slot sizes are multiples of this.
const GRAIN: usize = 16;
/// Records up to this size share pages; larger ones get a page of exactly their size.
const MAX_PACKED: usize = 4 * 1024;

/// Where a record's bytes start: a page and an offset in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Slot {
    page: u32,
    offset: u32,
}

/// The records, in pages.
#[derive(Debug, Default)]
pub(crate) struct ByteArena {
    /// Shared pages of `PAGE` bytes and single-record pages; empty once released.
    pages: Vec<Box<[u8]>>,
    /// Records held per page.
    live: Vec<u32>,
    /// Released page numbers, reused before the list grows.
    released: Vec<u32>,
    /// Free slots by size class (`len.div_ceil(GRAIN)`).
    free: Vec<Vec<Slot>>,
    /// The shared page new slots are cut from, and where its unused part starts.
    current: Option<(u32, usize)>,
}

impl ByteArena {
    /// Stores `parts` one after the other: where they start. Their total length is what the
    /// caller passes to [`get`](Self::get) and [`remove`](Self::remove).
    pub(crate) fn insert(&mut self, parts: &[&[u8]]) -> Slot {
        let len: usize = parts.iter().map(|part| part.len()).sum();
        let slot = if len > MAX_PACKED {
            let page = self.new_page(vec![0; len].into_boxed_slice());
            Slot { page, offset: 0 }
        } else {
            self.packed_slot(len.div_ceil(GRAIN))
        };
        self.live[slot.page as usize] += 1;
        let mut at = slot.offset as usize;
        let page = &mut self.pages[slot.page as usize];
        for part in parts {
            page[at..at + part.len()].copy_from_slice(part);
            at += part.len();
        }
        slot
    }

    /// The `len` bytes stored at `slot`.
    pub(crate) fn get(&self, slot: Slot, len: usize) -> &[u8] {
        let offset = slot.offset as usize;
        &self.pages[slot.page as usize][offset..offset + len]
    }

    /// Frees the `len` bytes stored at `slot`.
    pub(crate) fn remove(&mut self, slot: Slot, len: usize) {
        self.live[slot.page as usize] -= 1;
        if len > MAX_PACKED {
            self.release(slot.page);
        } else {
            self.class(len.div_ceil(GRAIN)).push(slot);
        }
    }

    /// Gives back the shared pages that hold no record, except the one slots are cut from.
    pub(crate) fn release_empty(&mut self) {
        let current = self.current.map(|(page, _)| page);
        let empty = |pages: &Self, page: u32| {
            pages.live[page as usize] == 0
                && !pages.pages[page as usize].is_empty()
                && Some(page) != current
        };
        let released: Vec<u32> = (0..self.pages.len() as u32)
            .filter(|&page| empty(self, page))
            .collect();
        if released.is_empty() {
            return;
        }
        let live = &self.live;
        for class in &mut self.free {
            class.retain(|slot| live[slot.page as usize] != 0 || Some(slot.page) == current);
        }
        for page in released {
            self.release(page);
        }
    }

    fn packed_slot(&mut self, class: usize) -> Slot {
        if let Some(slot) = self.class(class).pop() {
            return slot;
        }
        let size = class * GRAIN;
        let (page, end) = match self.current {
            Some((page, end)) if end + size <= PAGE => (page, end),
            // What is left of the current page stays unused: less than one slot.
            _ => (self.new_page(vec![0; PAGE].into_boxed_slice()), 0),
        };
        self.current = Some((page, end + size));
        Slot {
            page,
            offset: u32::try_from(end).expect("offsets within a page"),
        }
    }

    fn class(&mut self, class: usize) -> &mut Vec<Slot> {
        if self.free.len() <= class {
            self.free.resize_with(class + 1, Vec::new);
        }
        &mut self.free[class]
    }

    fn new_page(&mut self, bytes: Box<[u8]>) -> u32 {
        match self.released.pop() {
            Some(page) => {
                self.pages[page as usize] = bytes;
                page
            }
            None => {
                self.pages.push(bytes);
                self.live.push(0);
                u32::try_from(self.pages.len() - 1).expect("fewer than 2^32 pages")
            }
        }
    }

    fn release(&mut self, page: u32) {
        self.pages[page as usize] = Box::default();
        self.released.push(page);
    }

    /// Bytes held in pages, used or not.
    #[cfg(test)]
    fn held(&self) -> usize {
        self.pages.iter().map(|page| page.len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// A deterministic pseudo-random sequence (xorshift), so a failure replays.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n as u64) as usize
        }
    }

    #[test]
    fn records_read_back_exactly_while_others_come_and_go() {
        let mut pages = ByteArena::default();
        let mut model: HashMap<usize, (Slot, Vec<u8>)> = HashMap::new();
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for step in 0..50_000 {
            let key = rng.below(2_000);
            if let Some((slot, bytes)) = model.remove(&key) {
                assert_eq!(pages.get(slot, bytes.len()), &bytes[..], "step {step}");
                pages.remove(slot, bytes.len());
            } else {
                // Mostly small records, sometimes empty or larger than a packed slot.
                let len = match rng.below(100) {
                    0 => 0,
                    1 => MAX_PACKED + 1 + rng.below(10_000),
                    _ => 1 + rng.below(600),
                };
                let bytes: Vec<u8> = (0..len).map(|i| (i ^ key ^ step) as u8).collect();
                let split = rng.below(len + 1);
                let slot = pages.insert(&[&bytes[..split], &bytes[split..]]);
                model.insert(key, (slot, bytes));
            }
            if step % 5_000 == 0 {
                pages.release_empty();
            }
        }
        for (slot, bytes) in model.values() {
            assert_eq!(pages.get(*slot, bytes.len()), &bytes[..]);
        }
    }

    #[test]
    fn freed_slots_are_reused_and_empty_pages_given_back() {
        let mut pages = ByteArena::default();
        let record = [7u8; 200];
        let slots: Vec<Slot> = (0..1_000).map(|_| pages.insert(&[&record])).collect();
        let held = pages.held();
        assert!(
            held <= 4 * PAGE,
            "1,000 records of 200 bytes: {held} bytes held"
        );
        for slot in &slots[..500] {
            pages.remove(*slot, record.len());
        }
        let again: Vec<Slot> = (0..500).map(|_| pages.insert(&[&record])).collect();
        assert_eq!(pages.held(), held, "freed slots were reused");
        for slot in slots[500..].iter().chain(&again) {
            pages.remove(*slot, record.len());
        }
        pages.release_empty();
        assert!(pages.held() <= PAGE, "only the current page is kept");
        let big = vec![1u8; MAX_PACKED * 2];
        let slot = pages.insert(&[&big]);
        assert_eq!(pages.get(slot, big.len()), &big[..]);
        pages.remove(slot, big.len());
        assert!(pages.held() <= PAGE, "a large record's page goes with it");
    }
}
