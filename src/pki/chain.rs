//! Whether a client certificate was issued by a given CA: the same check the gateway's TLS
//! verifier makes (rustls/webpki: signature, validity, clientAuth usage), used when a
//! certificate from an external CA is imported.

use std::sync::Arc;

use rustls::pki_types::{CertificateDer, UnixTime};
use rustls::server::WebPkiClientVerifier;
use rustls::RootCertStore;

/// Why a certificate does not chain to a CA.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ChainError(String);

/// Check that `cert_der` (of any usage, e.g. a seal) is valid now and signed by `ca_der`.
pub fn verify_issued(cert_der: &[u8], ca_der: &[u8]) -> Result<(), ChainError> {
    let parse = |der| {
        x509_parser::parse_x509_certificate(der)
            .map(|(_, c)| c)
            .map_err(|e| ChainError(format!("not an X.509 certificate: {e}")))
    };
    let (cert, ca) = (parse(cert_der)?, parse(ca_der)?);
    if cert.issuer() != ca.subject() {
        return Err(ChainError(format!(
            "issued by {}, not by {}",
            cert.issuer(),
            ca.subject()
        )));
    }
    if !cert.validity().is_valid() {
        return Err(ChainError("the certificate is not valid now".into()));
    }
    cert.verify_signature(Some(ca.public_key()))
        .map_err(|e| ChainError(format!("the CA's signature does not verify: {e}")))
}

/// Check that `cert_der` is a client certificate valid now and issued by `ca_der`.
pub fn verify_client(cert_der: &[u8], ca_der: &[u8]) -> Result<(), ChainError> {
    let mut roots = RootCertStore::empty();
    roots
        .add(CertificateDer::from(ca_der.to_vec()))
        .map_err(|e| ChainError(format!("the CA certificate is not usable: {e}")))?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
        .build()
        .map_err(|e| ChainError(e.to_string()))?;
    verifier
        .verify_client_cert(
            &CertificateDer::from(cert_der.to_vec()),
            &[],
            UnixTime::now(),
        )
        .map(|_| ())
        .map_err(|e| ChainError(e.to_string()))
}
