//! The open connections, by client certificate, so that the connections of a certificate that
//! is withdrawn (revoked, retired) can be closed while the gateway runs, and so that one
//! certificate cannot hold more than its share of the connection slots. Closing is graceful:
//! a request in flight completes, the next one is not served.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::Notify;

use crate::policy::Thumbprints;

/// Every open connection with its peer's thumbprints.
#[derive(Debug, Default)]
pub struct LiveConnections {
    next: AtomicU64,
    open: Mutex<Open>,
}

#[derive(Debug, Default)]
struct Open {
    by_id: HashMap<u64, (Thumbprints, Arc<Notify>)>,
    /// Open connections per certificate (SHA-256 thumbprint).
    per_certificate: HashMap<String, usize>,
}

/// A certificate already holds as many connections as it may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the client certificate already holds {0} connections, its limit")]
pub struct TooManyConnections(pub usize);

/// One registered connection; dropping it unregisters the connection.
#[derive(Debug)]
pub struct LiveConnection {
    id: u64,
    owner: Arc<LiveConnections>,
    /// Notified when the connection should close.
    pub close: Arc<Notify>,
}

impl Drop for LiveConnection {
    fn drop(&mut self) {
        let mut open = self
            .owner
            .open
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some((thumbprints, _)) = open.by_id.remove(&self.id) {
            if let Some(n) = open.per_certificate.get_mut(&thumbprints.sha256) {
                *n -= 1;
                if *n == 0 {
                    open.per_certificate.remove(&thumbprints.sha256);
                }
            }
        }
    }
}

impl LiveConnections {
    /// Register a connection of the certificate with `thumbprints`, unless that certificate
    /// already holds `limit` connections.
    pub fn register(
        self: &Arc<Self>,
        thumbprints: Thumbprints,
        limit: usize,
    ) -> Result<LiveConnection, TooManyConnections> {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let held = open
            .per_certificate
            .entry(thumbprints.sha256.clone())
            .or_insert(0);
        if *held >= limit {
            return Err(TooManyConnections(limit));
        }
        *held += 1;
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let close = Arc::new(Notify::new());
        open.by_id.insert(id, (thumbprints, Arc::clone(&close)));
        Ok(LiveConnection {
            id,
            owner: Arc::clone(self),
            close,
        })
    }

    /// Ask every connection whose certificate matches `withdrawn` to close; returns how many.
    pub fn close_where(&self, withdrawn: impl Fn(&Thumbprints) -> bool) -> usize {
        let open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let mut n = 0;
        for (thumbprints, close) in open.by_id.values() {
            if withdrawn(thumbprints) {
                // notify_one keeps a permit if the connection is not waiting right now.
                close.notify_one();
                n += 1;
            }
        }
        n
    }

    /// How many connections are open.
    pub fn len(&self) -> usize {
        self.open
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .by_id
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peer(n: u8) -> Thumbprints {
        Thumbprints::of(&[n])
    }

    #[test]
    fn one_certificate_holds_at_most_its_limit_and_gets_slots_back() {
        let live = Arc::new(LiveConnections::default());
        let a1 = live.register(peer(1), 2).unwrap();
        let _a2 = live.register(peer(1), 2).unwrap();
        assert_eq!(
            live.register(peer(1), 2).unwrap_err(),
            TooManyConnections(2)
        );
        // Another certificate is not affected.
        let _b = live.register(peer(2), 2).unwrap();
        assert_eq!(live.len(), 3);
        drop(a1);
        assert_eq!(live.len(), 2);
        assert!(live.register(peer(1), 2).is_ok());
    }
}
