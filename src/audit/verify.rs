//! `regway audit verify`: recompute the chain from the records' content, check every copy
//! column and the subjects index against the record, and every checkpoint's signature and
//! tree head. The first fault found is named by record (or checkpoint) number.

use std::collections::BTreeMap;

use super::chain::{self, Frontier, Hash, GENESIS};
use super::keys::PublicKey;
use super::record::Columns;
use crate::store::audit::{Checkpoint, StoredRecord};
use crate::store::{Store, StoreError};

/// Records read per query while verifying.
const CHUNK: u64 = 5_000;

/// A verified trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub records: u64,
    pub checkpoints: usize,
    /// The size of the largest verified checkpoint.
    pub sealed: u64,
}

impl Report {
    /// Records after the last checkpoint: chained, but not yet sealed.
    pub fn unsealed(&self) -> u64 {
        self.records - self.sealed
    }
}

/// The first fault found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Fault {
    #[error("record #{seq}: {reason}")]
    Record { seq: u64, reason: String },
    #[error("checkpoint {id} (records 1..{tree_size}): {reason}")]
    Checkpoint {
        id: i64,
        tree_size: u64,
        reason: String,
    },
}

impl Fault {
    fn record(seq: u64, reason: impl Into<String>) -> Fault {
        Fault::Record {
            seq,
            reason: reason.into(),
        }
    }
}

/// Check one record against its predecessor's recomputed hash; returns its recomputed hash.
fn check_record(
    r: &StoredRecord,
    expected_seq: u64,
    prev: &Hash,
    subjects: &[String],
) -> Result<Hash, Fault> {
    if r.seq != expected_seq {
        return Err(Fault::record(
            expected_seq,
            format!(
                "is missing: the chain jumps from #{} to #{} (deleted?)",
                expected_seq - 1,
                r.seq
            ),
        ));
    }
    // First: is the record consistent with itself (its own predecessor link and position)?
    // Then: is its predecessor the record it committed to? A record that passes the first
    // check but fails the second points at the record before it.
    let self_hash = chain::from_hex(&r.prev_hash)
        .map(|p| chain::chain_hash(r.seq, &p, r.record.as_bytes()))
        .map(|h| chain::to_hex(&h));
    if self_hash.as_deref() != Some(r.hash.as_str()) {
        return Err(Fault::record(
            r.seq,
            "its content does not match its hash (edited, or moved from another position)",
        ));
    }
    if r.prev_hash != chain::to_hex(prev) {
        return Err(Fault::record(
            (r.seq - 1).max(1),
            format!(
                "it is not the record that #{} committed to (edited and re-hashed?)",
                r.seq
            ),
        ));
    }
    let computed = chain::chain_hash(r.seq, prev, r.record.as_bytes());
    let value: serde_json::Value = serde_json::from_str(&r.record)
        .map_err(|e| Fault::record(r.seq, format!("its content is not JSON: {e}")))?;
    let c = Columns::of(&value).map_err(|e| Fault::record(r.seq, e))?;
    let column = |name: &str, stored: Option<&str>, record: Option<&str>| {
        if stored == record {
            Ok(())
        } else {
            Err(Fault::record(
                r.seq,
                format!("column '{name}' differs from the record"),
            ))
        }
    };
    column("kind", Some(&r.kind), Some(&c.kind))?;
    column("at", Some(&r.at), Some(&c.at))?;
    column("consumer", r.consumer.as_deref(), c.consumer.as_deref())?;
    column("operation", r.operation.as_deref(), c.operation.as_deref())?;
    column(
        "legal_basis",
        r.legal_basis.as_deref(),
        c.legal_basis.as_deref(),
    )?;
    column("outcome", Some(&r.outcome), Some(&c.outcome))?;
    column(
        "correlation_id",
        r.correlation_id.as_deref(),
        c.correlation_id.as_deref(),
    )?;
    let mut want = c.subjects.clone();
    want.sort();
    want.dedup();
    if want != subjects {
        return Err(Fault::record(
            r.seq,
            "the subjects index differs from the record",
        ));
    }
    Ok(computed)
}

fn check_checkpoint(
    c: &Checkpoint,
    key: &PublicKey,
    root: &Hash,
    last: &Hash,
) -> Result<(), Fault> {
    let fault = |reason: String| Fault::Checkpoint {
        id: c.id,
        tree_size: c.tree_size,
        reason,
    };
    if c.key_id != key.id() {
        return Err(fault(format!(
            "signed by key {} but the trusted key is {}",
            c.key_id,
            key.id()
        )));
    }
    let message = Checkpoint::signed_message(c.tree_size, &c.root, &c.last_hash, &c.at);
    if !key.verify(&message, &c.signature) {
        return Err(fault(
            "its signature is not valid (forged or altered)".into(),
        ));
    }
    if c.root != chain::to_hex(root) || c.last_hash != chain::to_hex(last) {
        return Err(fault(
            "the records do not match its tree head: a record at or before this size was altered"
                .into(),
        ));
    }
    Ok(())
}

/// Verify the whole trail against a trusted checkpoint key. `Ok(Err(fault))` is a trail that
/// fails verification; `Err` is a store that cannot be read.
pub async fn verify(store: &Store, key: &PublicKey) -> Result<Result<Report, Fault>, StoreError> {
    let checkpoints = store.audit_checkpoints().await?;
    let mut by_size: BTreeMap<u64, Vec<&Checkpoint>> = BTreeMap::new();
    for c in &checkpoints {
        by_size.entry(c.tree_size).or_default().push(c);
    }
    let size = store.audit_size().await?;
    let mut frontier = Frontier::default();
    let mut prev = GENESIS;
    let mut expected = 1u64;
    let mut sealed = 0;
    while expected <= size {
        let to = expected + CHUNK - 1;
        let records = store.audit_records(expected, to).await?;
        let mut index: BTreeMap<u64, Vec<String>> = BTreeMap::new();
        for (seq, s) in store.audit_subject_index(expected, to).await? {
            index.entry(seq).or_default().push(s);
        }
        if records.is_empty() {
            return Ok(Err(Fault::record(
                expected,
                "is missing: the chain ends early (deleted?)",
            )));
        }
        for r in &records {
            let subjects = index.remove(&r.seq).unwrap_or_default();
            let hash = match check_record(r, expected, &prev, &subjects) {
                Ok(h) => h,
                Err(f) => return Ok(Err(f)),
            };
            frontier.push(chain::leaf_hash(&hash));
            if let Some(cs) = by_size.get(&r.seq) {
                let root = frontier.root().unwrap_or(GENESIS);
                for c in cs {
                    if let Err(f) = check_checkpoint(c, key, &root, &hash) {
                        return Ok(Err(f));
                    }
                }
                sealed = r.seq;
            }
            prev = hash;
            expected += 1;
        }
        if let Some((&seq, _)) = index.iter().next() {
            return Ok(Err(Fault::record(
                seq,
                "the subjects index names a record that does not exist",
            )));
        }
    }
    if let Some((&tree_size, cs)) = by_size.range(size + 1..).next() {
        let c = cs[0];
        return Ok(Err(Fault::Checkpoint {
            id: c.id,
            tree_size,
            reason: format!(
                "it seals {tree_size} records but only {size} exist: records #{}..#{tree_size} were deleted",
                size + 1
            ),
        }));
    }
    Ok(Ok(Report {
        records: size,
        checkpoints: checkpoints.len(),
        sealed,
    }))
}
