//! The two structures that make the trail tamper-evident: a hash chain (each record commits to
//! the one before it, so an edit, a deletion or a reordering breaks the chain at that record)
//! and an RFC 6962 Merkle tree over the chain hashes (so a signed tree head seals a prefix of
//! the log, and one record's membership can be proven with log₂ n hashes).

use sha2::{Digest, Sha256};

/// A SHA-256 value.
pub type Hash = [u8; 32];

/// The `prev_hash` of record 1.
pub const GENESIS: Hash = [0; 32];

/// Domain separation: a chain hash can never be mistaken for any other SHA-256 in regway.
const CHAIN_DOMAIN: &[u8] = b"regway-audit-v1";

/// The chain hash of record `seq`: SHA-256("regway-audit-v1" ‖ seq (u64 BE) ‖ prev ‖ record).
pub fn chain_hash(seq: u64, prev: &Hash, record: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update(CHAIN_DOMAIN);
    h.update(seq.to_be_bytes());
    h.update(prev);
    h.update(record);
    h.finalize().into()
}

/// The Merkle leaf of a record: RFC 6962 `SHA-256(0x00 ‖ chain hash)`.
pub fn leaf_hash(chain: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(chain);
    h.finalize().into()
}

/// An RFC 6962 interior node: `SHA-256(0x01 ‖ left ‖ right)`.
fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The largest power of two strictly below `n` (n ≥ 2).
fn split(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

/// The Merkle tree head of `leaves` (RFC 6962 MTH); `None` for an empty tree, which regway
/// never seals.
pub fn root(leaves: &[Hash]) -> Option<Hash> {
    match leaves.len() {
        0 => None,
        1 => Some(leaves[0]),
        n => {
            let k = split(n);
            Some(node_hash(&root(&leaves[..k])?, &root(&leaves[k..])?))
        }
    }
}

/// The audit path of leaf `index` in the tree of `leaves` (RFC 6962 PATH), bottom up.
pub fn inclusion_path(index: usize, leaves: &[Hash]) -> Option<Vec<Hash>> {
    if index >= leaves.len() {
        return None;
    }
    let mut path = Vec::new();
    collect_path(index, leaves, &mut path)?;
    Some(path)
}

fn collect_path(index: usize, leaves: &[Hash], path: &mut Vec<Hash>) -> Option<()> {
    let n = leaves.len();
    if n <= 1 {
        return Some(());
    }
    let k = split(n);
    if index < k {
        collect_path(index, &leaves[..k], path)?;
        path.push(root(&leaves[k..])?);
    } else {
        collect_path(index - k, &leaves[k..], path)?;
        path.push(root(&leaves[..k])?);
    }
    Some(())
}

/// Check an audit path (RFC 9162 §2.1.3.2): does `leaf` at `index` belong to the tree of
/// `size` leaves whose head is `root`?
pub fn verify_inclusion(index: u64, size: u64, leaf: &Hash, path: &[Hash], root: &Hash) -> bool {
    if index >= size {
        return false;
    }
    let (mut fn_, mut sn) = (index, size - 1);
    let mut r = *leaf;
    for p in path {
        if sn == 0 {
            return false;
        }
        if fn_ & 1 == 1 || fn_ == sn {
            r = node_hash(p, &r);
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    sn == 0 && r == *root
}

/// The right edge of a growing Merkle tree: the heads of its perfect subtrees, largest first.
/// Appending is O(log n) and the head of the whole tree is one fold, so the writer can seal
/// checkpoints without keeping or re-reading every leaf.
#[derive(Debug, Clone, Default)]
pub struct Frontier {
    /// (height, subtree head), heights strictly decreasing.
    peaks: Vec<(u32, Hash)>,
    size: u64,
}

impl Frontier {
    /// The number of leaves appended.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Append one leaf.
    pub fn push(&mut self, leaf: Hash) {
        let mut cur = (0u32, leaf);
        while let Some(&(height, head)) = self.peaks.last() {
            if height != cur.0 {
                break;
            }
            self.peaks.pop();
            cur = (height + 1, node_hash(&head, &cur.1));
        }
        self.peaks.push(cur);
        self.size += 1;
    }

    /// The tree head (RFC 6962 MTH) of everything appended.
    pub fn root(&self) -> Option<Hash> {
        let mut peaks = self.peaks.iter().rev();
        let mut acc = peaks.next()?.1;
        for (_, head) in peaks {
            acc = node_hash(head, &acc);
        }
        Some(acc)
    }
}

/// Lower-case hex of a hash.
pub fn to_hex(h: &Hash) -> String {
    hex::encode(h)
}

/// A hash from hex, if it is one.
pub fn from_hex(s: &str) -> Option<Hash> {
    let bytes = hex::decode(s).ok()?;
    bytes.try_into().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn leaves(n: usize) -> Vec<Hash> {
        (0..n)
            .map(|i| leaf_hash(&chain_hash(i as u64 + 1, &GENESIS, &[i as u8])))
            .collect()
    }

    #[test]
    fn rfc6962_shape_for_small_trees() {
        let l = leaves(3);
        assert_eq!(root(&l[..1]), Some(l[0]));
        assert_eq!(root(&l[..2]), Some(node_hash(&l[0], &l[1])));
        assert_eq!(
            root(&l),
            Some(node_hash(&node_hash(&l[0], &l[1]), &l[2])),
            "an unbalanced tree splits at the largest power of two below n"
        );
        assert_eq!(root(&[]), None);
    }

    #[test]
    fn chain_hash_commits_to_position_predecessor_and_content() {
        let a = chain_hash(1, &GENESIS, b"x");
        assert_ne!(a, chain_hash(2, &GENESIS, b"x"));
        assert_ne!(a, chain_hash(1, &[1; 32], b"x"));
        assert_ne!(a, chain_hash(1, &GENESIS, b"y"));
    }

    proptest! {
        #[test]
        fn frontier_root_equals_the_recursive_root(n in 1usize..200) {
            let l = leaves(n);
            let mut f = Frontier::default();
            for (i, leaf) in l.iter().enumerate() {
                f.push(*leaf);
                prop_assert_eq!(f.root(), root(&l[..=i]));
            }
            prop_assert_eq!(f.size(), n as u64);
        }

        #[test]
        fn every_leaf_has_a_valid_path_and_no_other_leaf_fits_it(n in 1usize..70, pick in 0usize..70) {
            let l = leaves(n);
            let index = pick % n;
            let head = root(&l).unwrap();
            let path = inclusion_path(index, &l).unwrap();
            prop_assert!(verify_inclusion(index as u64, n as u64, &l[index], &path, &head));
            let other = (index + 1) % n;
            if other != index {
                prop_assert!(!verify_inclusion(index as u64, n as u64, &l[other], &path, &head));
                prop_assert!(!verify_inclusion(other as u64, n as u64, &l[index], &path, &head));
            }
            // (The tree size is not checked here: it comes from the signed head.)
            prop_assert!(!verify_inclusion(n as u64, n as u64, &l[index], &path, &head));
        }
    }
}
