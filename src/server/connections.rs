//! The open connections, by client certificate, so that the connections of a certificate that
//! is withdrawn (revoked, retired) can be closed while the gateway runs. Closing is graceful:
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
    open: Mutex<HashMap<u64, (Thumbprints, Arc<Notify>)>>,
}

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
        self.owner
            .open
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.id);
    }
}

impl LiveConnections {
    /// Register a connection of the certificate with `thumbprints`.
    pub fn register(self: &Arc<Self>, thumbprints: Thumbprints) -> LiveConnection {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let close = Arc::new(Notify::new());
        self.open
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id, (thumbprints, Arc::clone(&close)));
        LiveConnection {
            id,
            owner: Arc::clone(self),
            close,
        }
    }

    /// Ask every connection whose certificate matches `withdrawn` to close; returns how many.
    pub fn close_where(&self, withdrawn: impl Fn(&Thumbprints) -> bool) -> usize {
        let open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let mut n = 0;
        for (thumbprints, close) in open.values() {
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
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
