//! The audit trail: one record per call (allowed, refused, failed) and per administrative
//! change, durable before the response leaves, tamper-evident, and answerable per citizen
//! without holding any citizen identifier in clear.
//!
//! What it guarantees:
//! - **Durable first**: a call's response is sent only after its record is committed
//!   (SQLite WAL, `synchronous=FULL`, group commit). If the record cannot be written the call is
//!   refused with `audit.unavailable` — fail closed.
//! - **Pseudonymous**: `CitizenEGN`, `EmployeeEGN`, the argument's subject identifiers (declared
//!   per operation) and any valid EGN in a free-text field are stored only as
//!   HMAC-SHA-256 under the operator's identifier key ([`keys`]).
//! - **Tamper-evident**: records are hash-chained and sealed by signed Merkle tree heads
//!   ([`chain`]). `regway audit verify` names the first record that was edited, deleted or
//!   moved, and any checkpoint that was forged.
//!
//! What it does not do: it cannot detect the removal of records *after* the last checkpoint
//! (nothing commits to them yet — seal often, and publish tree heads), nor an attacker who
//! holds the checkpoint key and rewrites the whole store (compare with a tree head published
//! elsewhere: `regway audit head`, `regway audit verify-proof`). TLS handshakes that fail never
//! become calls and are only logged.

pub mod chain;
pub mod keys;
pub mod proof;
pub mod record;
pub mod verify;
mod writer;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

pub use keys::{CheckpointKey, IdentifierKeys, PublicKey};
pub use record::{CallFacts, CallIds, Entry, Outcome};
use writer::Writer;
pub use writer::{seal, Sealing};

use crate::store::{Store, StoreError};

/// Why the audit trail could not do its part.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("audit key {path}: {reason}")]
    Key { path: String, reason: String },
    #[error("the system random generator failed")]
    Random,
    #[error("invalid audit record: {0}")]
    Record(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the audit trail cannot record the call: {0}")]
    Unavailable(String),
    #[error("the audit writer has stopped")]
    Stopped,
}

/// What the request path holds: the keys, the node name and the writer.
#[derive(Debug)]
pub struct Auditor {
    keys: IdentifierKeys,
    node: String,
    writer: Option<Writer>,
    last_call_id: AtomicU64,
}

impl Auditor {
    /// Load (or create) the keys, and start the writer on `store`.
    pub async fn start(
        store: &Store,
        node: String,
        paths: &keys::KeyPaths,
        sealing: Sealing,
    ) -> Result<(Arc<Auditor>, tokio::task::JoinHandle<()>), AuditError> {
        let (keys, key) = paths.ensure()?;
        let (writer, task) = Writer::start(store.database_path(), key, sealing).await?;
        let writer = if cfg!(feature = "bench-no-audit") {
            tracing::error!(
                "built with `bench-no-audit`: calls are NOT audited; for benchmarks only"
            );
            None
        } else {
            Some(writer)
        };
        Ok((
            Arc::new(Auditor {
                keys,
                node,
                writer,
                last_call_id: AtomicU64::new(0),
            }),
            task,
        ))
    }

    /// The identifier keys (pseudonyms are made with the current one).
    pub fn keys(&self) -> &IdentifierKeys {
        &self.keys
    }

    /// The node name recorded with every call.
    pub fn node(&self) -> &str {
        &self.node
    }

    /// Fresh identifiers for a call: a random correlation id, and a `ServiceCallID` that grows
    /// strictly on this node (milliseconds since 1970 × 4096, then +1 when that is taken).
    pub fn call_ids(&self) -> CallIds {
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        let floor = now_ms << 12;
        let previous = self
            .last_call_id
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |last| {
                Some(floor.max(last + 1))
            })
            .unwrap_or(0);
        let call_id = floor.max(previous + 1);
        let mut random = [0u8; 16];
        // A correlation id only needs to be unique; if the random source fails, the node and
        // the call id still make it so.
        let correlation_id = match aws_lc_rs::rand::fill(&mut random) {
            Ok(()) => hex::encode(random),
            Err(_) => format!("{}-{call_id}", self.node),
        };
        CallIds {
            correlation_id,
            call_id,
        }
    }

    /// Append a record and wait until it is durable.
    pub async fn append(&self, entry: Entry) -> Result<u64, AuditError> {
        match &self.writer {
            Some(w) => w.append(entry).await,
            None => Ok(0),
        }
    }
}

/// The node name: the host name, unless configured.
pub fn default_node() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "regway".to_string())
}
