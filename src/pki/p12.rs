//! PKCS#12 bundles of an issued key and certificate chain, for consumers whose software
//! imports `.p12`/`.pfx`. Encryption is PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC) with an
//! HMAC-SHA256 MAC: modern algorithms that OpenSSL 3 opens without `-legacy`.

use p12_keystore::{
    Certificate, EncryptionAlgorithm, KeyStore, KeyStoreEntry, MacAlgorithm, PrivateKey,
    PrivateKeyChain,
};

/// Iterations of the password-based key derivation (OpenSSL 3's default is 2048; more is
/// slower to attack).
const ITERATIONS: u32 = 100_000;

/// Why the bundle could not be made.
#[derive(Debug, thiserror::Error)]
#[error("cannot build the PKCS#12 bundle: {0}")]
pub struct P12Error(String);

/// A PKCS#12 bundle with `key_pkcs8_der` and `chain_der` (leaf first), under `alias`.
pub fn bundle(
    alias: &str,
    key_pkcs8_der: &[u8],
    chain_der: &[&[u8]],
    password: &str,
) -> Result<Vec<u8>, P12Error> {
    let e = |e: p12_keystore::error::Error| P12Error(e.to_string());
    let certs = chain_der
        .iter()
        .map(|d| Certificate::from_der(d))
        .collect::<Result<Vec<_>, _>>()
        .map_err(e)?;
    let key = PrivateKey::from_der(key_pkcs8_der).map_err(e)?;
    let local_key_id = certs
        .first()
        .map(|c| crate::policy::Thumbprints::of(c.as_der()).sha1)
        .unwrap_or_default();
    let mut store = KeyStore::new();
    store.add_entry(
        alias,
        KeyStoreEntry::PrivateKeyChain(PrivateKeyChain::new(local_key_id, key, certs)),
    );
    store
        .writer(password)
        .encryption_algorithm(EncryptionAlgorithm::PbeWithHmacSha256AndAes256)
        .encryption_iterations(ITERATIONS)
        .mac_algorithm(MacAlgorithm::HmacSha256)
        .mac_iterations(ITERATIONS)
        .write()
        .map_err(e)
}
