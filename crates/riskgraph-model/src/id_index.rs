//! Node ids to node indexes, for the millions of lookups a dependencies file makes.
//!
//! An open-addressing table (linear probing, at most half full) whose 32-byte slots hold ids of up
//! to 24 bytes inline, so a lookup usually reads one cache line: a general hash map of `Id` reads
//! its control bytes, its bucket, then the id's own allocation to compare it. Longer ids go to an
//! ordinary map.

use rustc_hash::FxHashMap;

use crate::node::NodeIdx;

/// The longest id kept inline.
const INLINE: usize = 24;

/// One slot: the id's bytes, its length (0 for an empty slot) and its node.
#[derive(Clone, Copy)]
#[repr(align(32))]
struct Slot {
    key: [u8; INLINE],
    len: u8,
    node: NodeIdx,
}

const EMPTY: Slot = Slot {
    key: [0; INLINE],
    len: 0,
    node: 0,
};

/// Node ids to node indexes.
#[derive(Clone, Default)]
pub struct IdIndex {
    /// A power of two in length, or empty before the first insert.
    slots: Vec<Slot>,
    /// Ids kept inline.
    inline: usize,
    long: FxHashMap<Box<str>, NodeIdx>,
}

impl std::fmt::Debug for IdIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdIndex")
            .field("len", &self.len())
            .finish_non_exhaustive()
    }
}

fn hash(key: &[u8]) -> usize {
    use std::hash::Hasher;
    let mut hasher = rustc_hash::FxHasher::default();
    hasher.write(key);
    // The low bits pick the slot; Fx mixes its input into the high bits, so fold them down.
    let h = hasher.finish();
    (h ^ (h >> 29) ^ (h >> 47)) as usize
}

impl IdIndex {
    pub fn len(&self) -> usize {
        self.inline + self.long.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The node with id `id`.
    pub fn get(&self, id: &str) -> Option<NodeIdx> {
        let key = id.as_bytes();
        if key.len() > INLINE {
            return self.long.get(id).copied();
        }
        if key.is_empty() || self.slots.is_empty() {
            return None;
        }
        let mask = self.slots.len() - 1;
        let mut at = hash(key) & mask;
        loop {
            let slot = &self.slots[at];
            if slot.len == 0 {
                return None;
            }
            if usize::from(slot.len) == key.len() && &slot.key[..key.len()] == key {
                return Some(slot.node);
            }
            at = (at + 1) & mask;
        }
    }

    pub fn contains_key(&self, id: &str) -> bool {
        self.get(id).is_some()
    }

    /// Records that `id` is node `node`; returns the node it was already, leaving it so.
    pub fn insert(&mut self, id: &str, node: NodeIdx) -> Option<NodeIdx> {
        let key = id.as_bytes();
        if key.len() > INLINE || key.is_empty() {
            if let Some(&old) = self.long.get(id) {
                return Some(old);
            }
            self.long.insert(Box::from(id), node);
            return None;
        }
        if (self.inline + 1) * 2 > self.slots.len() {
            self.grow();
        }
        let mask = self.slots.len() - 1;
        let mut at = hash(key) & mask;
        loop {
            let slot = &mut self.slots[at];
            if slot.len == 0 {
                slot.key[..key.len()].copy_from_slice(key);
                slot.len = key.len() as u8;
                slot.node = node;
                self.inline += 1;
                return None;
            }
            if usize::from(slot.len) == key.len() && &slot.key[..key.len()] == key {
                return Some(slot.node);
            }
            at = (at + 1) & mask;
        }
    }

    /// How many ids the table holds without growing.
    pub fn capacity_hint(&self) -> usize {
        self.slots.len() / 2
    }

    /// Makes room for `more` ids without growing again.
    pub fn reserve(&mut self, more: usize) {
        let wanted = ((self.inline + more) * 2).next_power_of_two();
        if wanted > self.slots.len() {
            self.resize(wanted);
        }
    }

    /// Doubles the table (at least 16 slots).
    fn grow(&mut self) {
        self.resize((self.slots.len() * 2).max(16));
    }

    /// Moves every inline id to a table of `size` slots, a power of two.
    fn resize(&mut self, size: usize) {
        let old = std::mem::replace(&mut self.slots, vec![EMPTY; size]);
        let mask = size - 1;
        for slot in old.into_iter().filter(|s| s.len != 0) {
            let mut at = hash(&slot.key[..usize::from(slot.len)]) & mask;
            while self.slots[at].len != 0 {
                at = (at + 1) & mask;
            }
            self.slots[at] = slot;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_what_it_holds_and_nothing_else() {
        let mut index = IdIndex::default();
        assert_eq!(index.get("a"), None);
        let long = "a-very-long-identifier-of-more-than-24-bytes";
        let ids: Vec<String> = (0..5000).map(|i| format!("node-{i}")).collect();
        for (i, id) in ids.iter().enumerate() {
            assert_eq!(index.insert(id, i as NodeIdx), None);
        }
        assert_eq!(index.insert(long, 9999), None);
        assert_eq!(index.len(), 5001);
        for (i, id) in ids.iter().enumerate() {
            assert_eq!(index.get(id), Some(i as NodeIdx), "{id}");
        }
        assert_eq!(index.get(long), Some(9999));
        // A second insert keeps the first node.
        assert_eq!(index.insert("node-7", 1), Some(7));
        assert_eq!(index.get("node-7"), Some(7));
        assert_eq!(index.insert(long, 1), Some(9999));
        for missing in [
            "",
            "node-5000",
            "node-",
            "Node-1",
            &long[..30],
            "x".repeat(24).as_str(),
        ] {
            assert_eq!(index.get(missing), None, "{missing}");
        }
        // Exactly 24 bytes is inline.
        let edge = "x".repeat(INLINE);
        assert_eq!(index.insert(&edge, 42), None);
        assert_eq!(index.get(&edge), Some(42));
        assert!(index.long.len() == 1);
    }
}
