//! What was read, kept apart from the reading (as h5web keeps its stores
//! apart from its providers): entries by key, each pending, ready or failed
//! ([`Requested`]), bounded in number and in bytes, oldest first out.

use std::collections::HashMap;
use std::hash::Hash;

use crate::runtime::Requested;

/// A bounded cache of requested values.
pub struct Cache<K, V> {
    entries: HashMap<K, Requested<V>>,
    /// Keys, oldest first.
    order: Vec<K>,
    max_entries: usize,
    max_bytes: usize,
    /// The newest entries kept whatever their size (the frame shown and the
    /// ones prefetched after it).
    keep: usize,
    weigh: fn(&V) -> usize,
}

impl<K: Eq + Hash + Clone, V> Cache<K, V> {
    /// At most `max_entries` entries, and values of at most `max_bytes` in
    /// all (by `weigh`) beyond the newest `keep`.
    pub fn new(max_entries: usize, max_bytes: usize, keep: usize, weigh: fn(&V) -> usize) -> Self {
        Self {
            entries: HashMap::new(),
            order: Vec::new(),
            max_entries,
            max_bytes,
            keep,
            weigh,
        }
    }

    pub fn get(&self, key: &K) -> Option<&Requested<V>> {
        self.entries.get(key)
    }

    /// Mark `key` as asked for; the oldest entry goes when there are too many.
    pub fn ask(&mut self, key: K) {
        if self
            .entries
            .insert(key.clone(), Requested::pending())
            .is_none()
        {
            self.order.push(key);
        }
        if self.order.len() > self.max_entries {
            let old = self.order.remove(0);
            self.entries.remove(&old);
        }
    }

    /// The answer for `key`, if it is still asked for (an answer for an
    /// entry dropped meanwhile is dropped too); then the oldest values go
    /// while the values take more than the byte limit.
    pub fn answer<E: std::fmt::Display>(&mut self, key: &K, result: Result<V, E>) {
        let Some(slot) = self.entries.get_mut(key) else {
            return;
        };
        slot.finish(result);
        let mut total = self.bytes();
        while total > self.max_bytes && self.order.len() > self.keep {
            let old = self.order.remove(0);
            let freed = self.entries.remove(&old);
            total -= freed
                .as_ref()
                .and_then(Requested::ready)
                .map_or(0, self.weigh);
        }
    }

    /// Bytes of the values held.
    pub fn bytes(&self) -> usize {
        self.entries
            .values()
            .filter_map(Requested::ready)
            .map(self.weigh)
            .sum()
    }

    /// Keep only the entries whose key passes.
    pub fn retain(&mut self, keep: impl Fn(&K) -> bool) {
        self.entries.retain(|k, _| keep(k));
        self.order.retain(|k| keep(k));
    }

    pub fn clear(&mut self) {
        self.entries.clear();
        self.order.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache() -> Cache<u32, Vec<u8>> {
        Cache::new(4, 100, 2, Vec::len)
    }

    #[test]
    fn the_oldest_entry_goes_when_there_are_too_many() {
        let mut c = cache();
        for k in 0..5 {
            c.ask(k);
        }
        assert!(c.get(&0).is_none());
        assert!((1..5).all(|k| c.get(&k).is_some_and(Requested::is_pending)));
        // Asking again for a held key neither duplicates nor evicts.
        c.ask(4);
        assert!(c.get(&1).is_some());
    }

    #[test]
    fn values_over_the_byte_limit_go_oldest_first_but_the_newest_stay() {
        let mut c = cache();
        for k in 0..3 {
            c.ask(k);
            c.answer(&k, Ok::<_, String>(vec![0; 60]));
        }
        // 3 × 60 > 100: the oldest went until the newest two were left.
        assert!(c.get(&0).is_none());
        assert_eq!(c.bytes(), 120, "the newest two stay whatever their size");
        assert!(c.get(&2).and_then(Requested::ready).is_some());
    }

    #[test]
    fn an_answer_for_a_dropped_entry_is_dropped_and_failures_are_kept() {
        let mut c = cache();
        c.ask(1);
        c.retain(|k| *k != 1);
        c.answer(&1, Ok::<_, String>(vec![1]));
        assert!(c.get(&1).is_none());
        c.ask(2);
        c.answer(&2, Err::<Vec<u8>, _>("unreadable chunk"));
        assert_eq!(
            c.get(&2).and_then(Requested::error),
            Some("unreadable chunk")
        );
    }
}
