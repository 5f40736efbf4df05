//! Signed requests already accepted, so that one cannot be sent again while its timestamp is
//! still fresh. A request is remembered by the SHA-256 of its signature value until its
//! freshness window closes; after that the timestamp check refuses it anyway.
//!
//! The memory is per gateway process: gateways behind one load balancer each keep their own
//! (a shared store would be needed to refuse a replay sent to a different node).

use std::collections::HashMap;
use std::sync::Mutex;

/// How many requests are remembered at most. Past it, signed requests are refused (fail
/// closed) until older entries expire.
pub const DEFAULT_CAPACITY: usize = 1_000_000;

/// What [`ReplayCache::admit`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// First time seen; remembered until its window closes.
    New,
    /// Seen before within its window.
    Replay,
    /// The cache is full of live entries.
    Full,
}

/// Signature values seen, with the Unix second until which each is remembered.
#[derive(Debug)]
pub struct ReplayCache {
    capacity: usize,
    seen: Mutex<HashMap<[u8; 32], i64>>,
}

impl ReplayCache {
    pub fn new(capacity: usize) -> ReplayCache {
        ReplayCache {
            capacity,
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// Remember `key` until `until` (Unix seconds) unless it is already remembered at `now`.
    pub fn admit(&self, key: [u8; 32], until: i64, now: i64) -> Admission {
        let mut seen = match self.seen.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Some(&expiry) = seen.get(&key) {
            if expiry >= now {
                return Admission::Replay;
            }
        }
        if seen.len() >= self.capacity {
            seen.retain(|_, &mut expiry| expiry >= now);
            if seen.len() >= self.capacity {
                return Admission::Full;
            }
        }
        seen.insert(key, until);
        Admission::New
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_refused_within_its_window_and_forgotten_after() {
        let cache = ReplayCache::new(2);
        assert_eq!(cache.admit([1; 32], 100, 10), Admission::New);
        assert_eq!(cache.admit([1; 32], 100, 50), Admission::Replay);
        assert_eq!(cache.admit([1; 32], 200, 101), Admission::New);
        assert_eq!(cache.admit([2; 32], 150, 102), Admission::New);
        // Full of live entries: fail closed.
        assert_eq!(cache.admit([3; 32], 150, 103), Admission::Full);
        // Once entries expire there is room again.
        assert_eq!(cache.admit([3; 32], 300, 201), Admission::New);
    }
}
