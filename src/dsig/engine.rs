//! The XML-DSig engine: canonicalisation and verification. Policy (what must be signed, by
//! whom, with what) is decided by the callers, not here; so is the writing of regway's own
//! signatures (`xades`), which only needs canonical forms and a seal.

use bergshamra::c14n::C14nMode;
use bergshamra::{DsigContext, KeysManager, VerifyResult};

use super::DsigError;

/// A canonicalisation algorithm regway signs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum C14n {
    /// Exclusive XML Canonicalization 1.0, without comments.
    Exclusive,
    /// Canonical XML 1.0, without comments.
    Inclusive,
}

/// An XML-DSig implementation.
pub trait XmlDsig: Send + Sync {
    /// The canonical form of `document`, a document whose only content is the element to
    /// canonicalise, declaring the namespaces in scope for that element where it stands.
    fn canonicalize(&self, document: &str, c14n: C14n) -> Result<Vec<u8>, DsigError>;

    /// Verify the first `ds:Signature` of `xml` with the public key of the certificate
    /// `cert_der` only (keys inside the document are ignored). Returns the `URI` of every
    /// reference, each of whose digests was checked. Where the referenced elements sit is for
    /// the caller to check (the engine refuses duplicate IDs, so a URI names one element).
    fn verify(&self, xml: &str, cert_der: &[u8]) -> Result<Vec<String>, DsigError>;
}

/// The engine on bergshamra: pure Rust (no libxml2 or libxmlsec1 in the gateway), with
/// aws-lc-rs cryptography and duplicate-ID refusal built in.
#[derive(Debug, Default, Clone, Copy)]
pub struct Bergshamra;

impl XmlDsig for Bergshamra {
    fn canonicalize(&self, document: &str, c14n: C14n) -> Result<Vec<u8>, DsigError> {
        let mode = match c14n {
            C14n::Exclusive => C14nMode::Exclusive,
            C14n::Inclusive => C14nMode::Inclusive,
        };
        bergshamra::c14n::canonicalize::<&str>(document, mode, None, &[])
            .map_err(|e| DsigError::Malformed(e.to_string()))
    }

    fn verify(&self, xml: &str, cert_der: &[u8]) -> Result<Vec<String>, DsigError> {
        let key = bergshamra::keys::loader::load_x509_cert_der(cert_der)
            .map_err(|e| DsigError::Key(e.to_string()))?;
        let mut keys = KeysManager::new();
        keys.add_key(key);
        // Not bergshamra's strict placement: WS-Security's Body is neither an ancestor nor a
        // sibling of its signature, and XAdES SignedProperties sit inside it.
        let ctx = DsigContext::new(keys).with_strict_verification(false);
        match bergshamra::verify(&ctx, xml) {
            Ok(VerifyResult::Valid { references, .. }) => {
                if references.iter().any(|r| !r.digest_verified) {
                    return Err(DsigError::Invalid(
                        "a reference was not digested locally".into(),
                    ));
                }
                Ok(references.into_iter().map(|r| r.uri).collect())
            }
            Ok(VerifyResult::Invalid { reason }) => Err(DsigError::Invalid(reason)),
            Err(e) => Err(DsigError::Malformed(e.to_string())),
        }
    }
}
