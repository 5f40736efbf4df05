//! XML signatures: signed consumer requests (WS-Security X.509 token profile) and signed
//! results (XAdES-BES over `Data`).
//!
//! The XML-DSig engine sits behind [`XmlDsig`]; the one implementation, [`Bergshamra`], is
//! pure Rust on aws-lc-rs (the same cryptography as our TLS). Everything a data exchange must
//! decide for itself stays here, outside the engine: which elements a request's signature must
//! cover and where they must be (signature wrapping), which algorithms are acceptable, how fresh
//! a request must be, whether it was seen before, and whose certificate signed it.
//!
//! - [`algorithms`]: algorithm identifiers and the configurable allow-list;
//! - [`seal`]: a signing key with its certificate (the gateway's or a registry's seal);
//! - [`engine`]: the [`XmlDsig`] trait and its bergshamra implementation;
//! - [`xades`]: signing a `ServiceResultData` in the default or the `regix-legacy` profile;
//! - [`wssec`]: checking a signed request;
//! - [`replay`]: signed requests already seen;
//! - [`inspect`]: what a saved signed result says (for `regway signature verify`).

pub mod algorithms;
pub mod engine;
pub mod inspect;
pub mod replay;
pub mod seal;
pub mod wssec;
pub mod xades;

pub use algorithms::AlgorithmPolicy;
pub use engine::{Bergshamra, XmlDsig};
pub use seal::{Seal, SealError};
pub use wssec::{RequestSignatures, SignatureError, SignedBy};
pub use xades::{Profile, ResultSigner};

/// The signature services of the request path.
#[derive(Debug)]
pub struct Signing {
    pub requests: RequestSignatures,
    pub results: ResultSigner,
}

impl Signing {
    /// The signature services a configuration describes. The gateway's default seal (when
    /// none is configured) is created, self-signed, on first use.
    pub fn from_config(config: &crate::config::Config, node: &str) -> Result<Signing, SealError> {
        let paths = config.seal_paths();
        if config.signatures.seal.is_none()
            && paths.ensure_self_signed(&format!("regway gateway seal ({node})"))?
        {
            tracing::warn!(key = %paths.key.display(), "created a self-signed gateway seal; configure [signatures] seal with a certificate from your CA for production");
        }
        let gateway = std::sync::Arc::new(paths.load()?);
        let mut by_adapter = std::collections::HashMap::new();
        for (adapter, p) in &config.signatures.seals {
            by_adapter.insert(adapter.clone(), std::sync::Arc::new(p.load()?));
        }
        let engine: std::sync::Arc<dyn XmlDsig> = std::sync::Arc::new(Bergshamra);
        let r = &config.signatures.requests;
        Ok(Signing {
            requests: RequestSignatures::new(
                std::sync::Arc::clone(&engine),
                wssec::RequestSettings {
                    algorithms: r.algorithms.clone(),
                    max_age_s: r.max_age_s,
                    clock_skew_s: r.clock_skew_s,
                    replay_capacity: r.replay_capacity,
                },
            ),
            results: ResultSigner::new(engine, gateway, by_adapter),
        })
    }
}

/// The XML-DSig namespace.
pub const DS_NS: &str = "http://www.w3.org/2000/09/xmldsig#";
/// XAdES 1.3.2 (ETSI EN 319 132-1 keeps it for `SigningCertificateV2`).
pub const XADES_NS: &str = "http://uri.etsi.org/01903/v1.3.2#";
/// WS-Security 1.0 secext.
pub const WSSE_NS: &str =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";
/// WS-Security 1.0 utility (`wsu:Id`, `wsu:Timestamp`).
pub const WSU_NS: &str =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd";

/// What the engine could not do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DsigError {
    /// The signature does not verify (digest or signature value mismatch, wrong key…).
    #[error("the signature does not verify: {0}")]
    Invalid(String),
    /// The document or the template could not be processed.
    #[error("the signature cannot be processed: {0}")]
    Malformed(String),
    /// The key could not be used.
    #[error("the key cannot be used: {0}")]
    Key(String),
}
