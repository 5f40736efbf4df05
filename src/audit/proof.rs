//! Inclusion proofs: evidence, checkable offline with only a published tree head and the
//! checkpoint public key, that one record is part of the sealed trail — the answer to "prove
//! that this call was recorded, and recorded like this".

use serde::{Deserialize, Serialize};

use super::chain::{self, Hash};
use super::keys::PublicKey;
use crate::store::audit::Checkpoint;
use crate::store::{Store, StoreError};

/// One record with its audit path to a signed tree head.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct InclusionProof {
    pub seq: u64,
    /// The record's JSON, exactly as hashed.
    pub record: String,
    pub prev_hash: String,
    /// Sibling hashes from the leaf up, hex.
    pub path: Vec<String>,
    /// The tree head the path leads to.
    pub head: Checkpoint,
}

/// Why a proof could not be made or does not hold.
#[derive(Debug, thiserror::Error)]
pub enum ProofError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("record #{0} does not exist")]
    NoRecord(u64),
    #[error("no checkpoint seals record #{0} yet (run `regway audit checkpoint`)")]
    NotSealed(u64),
    #[error("the tree head's signature does not verify with the given key")]
    BadHeadSignature,
    #[error("the proof was made for a different tree head (size {proof} vs {head})")]
    OtherHead { proof: u64, head: u64 },
    #[error("the record is not in the tree: its audit path does not lead to the tree head")]
    NotIncluded,
    #[error("the proof is malformed: {0}")]
    Malformed(&'static str),
}

/// Prove record `seq` against `head`, or against the latest checkpoint when none is given.
pub async fn prove(
    store: &Store,
    seq: u64,
    head: Option<&Checkpoint>,
) -> Result<InclusionProof, ProofError> {
    let head = match head {
        Some(h) => h.clone(),
        None => store
            .audit_checkpoints()
            .await?
            .pop()
            .ok_or(ProofError::NotSealed(seq))?,
    };
    if seq == 0 || seq > store.audit_size().await? {
        return Err(ProofError::NoRecord(seq));
    }
    if seq > head.tree_size {
        return Err(ProofError::NotSealed(seq));
    }
    let records = store.audit_records(1, head.tree_size).await?;
    let leaves = records
        .iter()
        .map(|r| chain::from_hex(&r.hash).map(|h| chain::leaf_hash(&h)))
        .collect::<Option<Vec<Hash>>>()
        .ok_or(StoreError::Corrupt("audit hash is not hex"))?;
    let record = records
        .get(seq as usize - 1)
        .ok_or(ProofError::NoRecord(seq))?;
    let path = chain::inclusion_path(seq as usize - 1, &leaves).ok_or(ProofError::NoRecord(seq))?;
    Ok(InclusionProof {
        seq,
        record: record.record.clone(),
        prev_hash: record.prev_hash.clone(),
        path: path.iter().map(chain::to_hex).collect(),
        head,
    })
}

/// Check a proof offline: the tree head is signed by `key`, the proof is for that head, and
/// the record's audit path leads to its root.
pub fn verify_proof(
    proof: &InclusionProof,
    head: &Checkpoint,
    key: &PublicKey,
) -> Result<(), ProofError> {
    let message = Checkpoint::signed_message(head.tree_size, &head.root, &head.last_hash, &head.at);
    if head.key_id != key.id() || !key.verify(&message, &head.signature) {
        return Err(ProofError::BadHeadSignature);
    }
    if proof.head.tree_size != head.tree_size || proof.head.root != head.root {
        return Err(ProofError::OtherHead {
            proof: proof.head.tree_size,
            head: head.tree_size,
        });
    }
    let prev = chain::from_hex(&proof.prev_hash).ok_or(ProofError::Malformed("prev_hash"))?;
    let root = chain::from_hex(&head.root).ok_or(ProofError::Malformed("root"))?;
    let path = proof
        .path
        .iter()
        .map(|p| chain::from_hex(p))
        .collect::<Option<Vec<_>>>()
        .ok_or(ProofError::Malformed("path"))?;
    if proof.seq == 0 {
        return Err(ProofError::Malformed("seq"));
    }
    let leaf = chain::leaf_hash(&chain::chain_hash(
        proof.seq,
        &prev,
        proof.record.as_bytes(),
    ));
    if chain::verify_inclusion(proof.seq - 1, head.tree_size, &leaf, &path, &root) {
        Ok(())
    } else {
        Err(ProofError::NotIncluded)
    }
}
