//! The XML-DSig engine: canonicalisation, digests and signature values. Policy (what must be
//! signed, by whom, with what) is decided by the callers, not here.

use std::sync::Arc;

use bergshamra::{DsigContext, KeysManager, VerifyResult};

use super::seal::{Seal, SealSigner, SignatureAlgorithm};
use super::DsigError;

/// An XML-DSig implementation.
pub trait XmlDsig: Send + Sync {
    /// Fill in the digests and the signature value of the one `ds:Signature` template in
    /// `template` (its `SignatureMethod` must be `alg`) with `seal`; return the signed document.
    fn sign(
        &self,
        template: String,
        seal: &Arc<Seal>,
        alg: SignatureAlgorithm,
    ) -> Result<String, DsigError>;

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
    fn sign(
        &self,
        template: String,
        seal: &Arc<Seal>,
        alg: SignatureAlgorithm,
    ) -> Result<String, DsigError> {
        let ctx = DsigContext::new(KeysManager::new()).with_hsm_signer(Box::new(SealSigner {
            seal: Arc::clone(seal),
            alg,
        }));
        bergshamra::dsig::sign::sign_owned(&ctx, template)
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
