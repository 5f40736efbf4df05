//! The audit trail's two secrets, both files of the operator's (mode 0600), both created on
//! first start:
//!
//! - **identifier keys**: HMAC-SHA-256 keys under which citizen identifiers are pseudonymised.
//!   A keyed hash (not a plain hash) because an EGN has about 10⁹ possible values: a plain hash
//!   is reversed by enumeration in minutes. Rotation appends a key; old keys are kept so that
//!   `regway audit subject` still finds older calls. Keep this file away from the database.
//! - **checkpoint key**: the ECDSA P-256 key that signs Merkle tree heads.

use std::io::Write;
use std::path::{Path, PathBuf};

use aws_lc_rs::hmac;
use aws_lc_rs::signature::{
    EcdsaKeyPair, KeyPair as _, UnparsedPublicKey, ECDSA_P256_SHA256_ASN1,
    ECDSA_P256_SHA256_ASN1_SIGNING,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::SubjectPublicKeyInfoDer;
use sha2::{Digest, Sha256};

use super::AuditError;

/// The identifier keys file inside the data directory, unless configured elsewhere.
pub const IDENTIFIER_KEYS_FILE: &str = "audit/identifier-keys";
/// The checkpoint signing key inside the data directory, unless configured elsewhere.
pub const CHECKPOINT_KEY_FILE: &str = "audit/checkpoint-key.pem";

fn io(path: &Path, e: impl std::fmt::Display) -> AuditError {
    AuditError::Key {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

/// Write a new secret file that only its owner can read; never overwrite one.
fn create_secret(path: &Path, contents: &[u8]) -> Result<(), AuditError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| io(path, e))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(path).map_err(|e| io(path, e))?;
    f.write_all(contents).map_err(|e| io(path, e))?;
    f.sync_all().map_err(|e| io(path, e))
}

fn random_32() -> Result<[u8; 32], AuditError> {
    let mut b = [0u8; 32];
    aws_lc_rs::rand::fill(&mut b).map_err(|_| AuditError::Random)?;
    Ok(b)
}

/// One HMAC key with its id (`k1`, `k2`…), which prefixes every pseudonym made with it.
struct IdentifierKey {
    id: String,
    key: hmac::Key,
}

/// Turns identifiers into pseudonyms: `k<n>:<hex HMAC-SHA-256>`.
pub struct IdentifierKeys {
    /// Oldest first; the last one is current.
    keys: Vec<IdentifierKey>,
}

impl std::fmt::Debug for IdentifierKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ids: Vec<&str> = self.keys.iter().map(|k| k.id.as_str()).collect();
        f.debug_struct("IdentifierKeys").field("ids", &ids).finish()
    }
}

impl IdentifierKeys {
    /// Load the keys file, creating it with one fresh key if it does not exist.
    pub fn load_or_create(path: &Path) -> Result<IdentifierKeys, AuditError> {
        if !path.exists() {
            let line = format!("k1 {}\n", hex::encode(random_32()?));
            create_secret(path, line.as_bytes())?;
        }
        Self::load(path)
    }

    /// Load an existing keys file: one `k<n> <64 hex>` per line, the last is current.
    pub fn load(path: &Path) -> Result<IdentifierKeys, AuditError> {
        let text = std::fs::read_to_string(path).map_err(|e| io(path, e))?;
        let mut keys = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let bad = |why: &str| io(path, format!("line {}: {why}", n + 1));
            let (id, secret) = line
                .split_once(' ')
                .ok_or_else(|| bad("expected `<id> <hex key>`"))?;
            let secret = hex::decode(secret.trim()).map_err(|_| bad("the key is not hex"))?;
            if secret.len() < 32 {
                return Err(bad("the key is shorter than 32 bytes"));
            }
            if keys.iter().any(|k: &IdentifierKey| k.id == id) {
                return Err(bad("duplicate key id"));
            }
            keys.push(IdentifierKey {
                id: id.to_string(),
                key: hmac::Key::new(hmac::HMAC_SHA256, &secret),
            });
        }
        if keys.is_empty() {
            return Err(io(path, "no identifier key"));
        }
        Ok(IdentifierKeys { keys })
    }

    /// Append a fresh key, which becomes current; returns its id. A running gateway picks it
    /// up at its next start.
    pub fn rotate(path: &Path) -> Result<String, AuditError> {
        let existing = Self::load(path)?;
        let next = existing
            .keys
            .iter()
            .filter_map(|k| k.id.strip_prefix('k')?.parse::<u32>().ok())
            .max()
            .unwrap_or(0)
            + 1;
        let id = format!("k{next}");
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(|e| io(path, e))?;
        writeln!(f, "{id} {}", hex::encode(random_32()?)).map_err(|e| io(path, e))?;
        f.sync_all().map_err(|e| io(path, e))?;
        Ok(id)
    }

    /// The pseudonym of `identifier` under the current key. Surrounding whitespace is not part
    /// of an identifier.
    pub fn pseudonym(&self, identifier: &str) -> String {
        // `keys` is never empty (checked at load).
        let k = &self.keys[self.keys.len() - 1];
        Self::with(k, identifier)
    }

    /// The pseudonyms of `identifier` under every key, current last: what a search must match.
    pub fn all_pseudonyms(&self, identifier: &str) -> Vec<String> {
        self.keys
            .iter()
            .map(|k| Self::with(k, identifier))
            .collect()
    }

    fn with(k: &IdentifierKey, identifier: &str) -> String {
        let tag = hmac::sign(&k.key, identifier.trim().as_bytes());
        format!("{}:{}", k.id, hex::encode(tag.as_ref()))
    }
}

/// The key that signs checkpoints.
pub struct CheckpointKey {
    pair: EcdsaKeyPair,
    /// SubjectPublicKeyInfo, PEM: what an auditor pins.
    public_pem: String,
    id: String,
}

impl std::fmt::Debug for CheckpointKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CheckpointKey")
            .field("id", &self.id)
            .finish()
    }
}

/// The id of a public key: the first 8 bytes of SHA-256 over its SubjectPublicKeyInfo, hex.
fn key_id(spki_der: &[u8]) -> String {
    hex::encode(&Sha256::digest(spki_der)[..8])
}

impl CheckpointKey {
    /// Load the key, creating a fresh ECDSA P-256 key if the file does not exist.
    pub fn load_or_create(path: &Path) -> Result<CheckpointKey, AuditError> {
        if !path.exists() {
            let pair = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)
                .map_err(|e| io(path, e))?;
            create_secret(path, pair.serialize_pem().as_bytes())?;
        }
        Self::load(path)
    }

    /// Load an existing key (PKCS#8 PEM).
    pub fn load(path: &Path) -> Result<CheckpointKey, AuditError> {
        let pem = std::fs::read_to_string(path).map_err(|e| io(path, e))?;
        let rc = rcgen::KeyPair::from_pem(&pem).map_err(|e| io(path, e))?;
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rc.serialize_der())
            .map_err(|e| io(path, format!("not an ECDSA P-256 key: {e}")))?;
        Ok(CheckpointKey {
            pair,
            public_pem: rc.public_key_pem(),
            id: key_id(&rcgen::PublicKeyData::subject_public_key_info(&rc)),
        })
    }

    /// The key id recorded with each checkpoint.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The public key as a PEM SubjectPublicKeyInfo.
    pub fn public_pem(&self) -> &str {
        &self.public_pem
    }

    /// The public half, for verifying.
    pub fn public(&self) -> PublicKey {
        PublicKey {
            point: self.pair.public_key().as_ref().to_vec(),
            id: self.id.clone(),
        }
    }

    /// An ASN.1 ECDSA signature over `message`, hex.
    pub fn sign(&self, message: &[u8]) -> Result<String, AuditError> {
        let rng = aws_lc_rs::rand::SystemRandom::new();
        let sig = self
            .pair
            .sign(&rng, message)
            .map_err(|_| AuditError::Random)?;
        Ok(hex::encode(sig.as_ref()))
    }
}

/// A checkpoint verification key.
#[derive(Debug, Clone)]
pub struct PublicKey {
    point: Vec<u8>,
    id: String,
}

impl PublicKey {
    /// Read a PEM SubjectPublicKeyInfo (as `regway audit key` prints it).
    pub fn from_pem_file(path: &Path) -> Result<PublicKey, AuditError> {
        let spki = SubjectPublicKeyInfoDer::from_pem_file(path).map_err(|e| io(path, e))?;
        Self::from_spki_der(spki.as_ref()).map_err(|reason| io(path, reason))
    }

    fn from_spki_der(der: &[u8]) -> Result<PublicKey, String> {
        use x509_parser::prelude::FromDer;
        let (_, spki) = x509_parser::x509::SubjectPublicKeyInfo::from_der(der)
            .map_err(|e| format!("not a public key: {e}"))?;
        Ok(PublicKey {
            point: spki.subject_public_key.data.to_vec(),
            id: key_id(der),
        })
    }

    /// The key id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Whether `signature_hex` is this key's signature over `message`.
    pub fn verify(&self, message: &[u8], signature_hex: &str) -> bool {
        let Ok(sig) = hex::decode(signature_hex) else {
            return false;
        };
        UnparsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, &self.point)
            .verify(message, &sig)
            .is_ok()
    }
}

/// Where the audit secrets live: configured paths, or the defaults inside the data directory.
#[derive(Debug, Clone)]
pub struct KeyPaths {
    pub identifier_keys: PathBuf,
    pub checkpoint_key: PathBuf,
}

impl KeyPaths {
    /// Create whichever key does not exist yet (`regway init`, the quick start, first start).
    pub fn ensure(&self) -> Result<(IdentifierKeys, CheckpointKey), AuditError> {
        Ok((
            IdentifierKeys::load_or_create(&self.identifier_keys)?,
            CheckpointKey::load_or_create(&self.checkpoint_key)?,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pseudonyms_are_keyed_stable_and_survive_rotation() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys");
        let keys = IdentifierKeys::load_or_create(&path).unwrap();
        let p = keys.pseudonym("7501010010");
        assert!(p.starts_with("k1:") && p.len() == 3 + 64, "{p}");
        assert_eq!(p, keys.pseudonym(" 7501010010\n"));
        assert_ne!(p, keys.pseudonym("7501010011"));
        assert!(!p.contains("7501010010"));

        let other = tempfile::tempdir().unwrap();
        let elsewhere = IdentifierKeys::load_or_create(&other.path().join("keys")).unwrap();
        assert_ne!(
            p,
            elsewhere.pseudonym("7501010010"),
            "another operator's key gives another pseudonym"
        );

        assert_eq!(IdentifierKeys::rotate(&path).unwrap(), "k2");
        let rotated = IdentifierKeys::load(&path).unwrap();
        assert!(rotated.pseudonym("7501010010").starts_with("k2:"));
        assert_eq!(
            rotated.all_pseudonyms("7501010010"),
            vec![p, rotated.pseudonym("7501010010")]
        );
    }

    #[test]
    fn a_damaged_keys_file_is_refused_with_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys");
        std::fs::write(&path, "k1 abcd\n").unwrap();
        let e = IdentifierKeys::load(&path).unwrap_err().to_string();
        assert!(e.contains("line 1") && e.contains("shorter"), "{e}");
    }

    #[test]
    fn checkpoint_signatures_verify_with_the_published_key_only() {
        let dir = tempfile::tempdir().unwrap();
        let key = CheckpointKey::load_or_create(&dir.path().join("k.pem")).unwrap();
        let sig = key.sign(b"head").unwrap();
        let pub_path = dir.path().join("k.pub.pem");
        std::fs::write(&pub_path, key.public_pem()).unwrap();
        let public = PublicKey::from_pem_file(&pub_path).unwrap();
        assert_eq!(public.id(), key.id());
        assert!(public.verify(b"head", &sig));
        assert!(!public.verify(b"head!", &sig));
        let other = CheckpointKey::load_or_create(&dir.path().join("o.pem")).unwrap();
        assert!(!other.public().verify(b"head", &sig));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("k.pem"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
