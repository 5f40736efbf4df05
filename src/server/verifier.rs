//! The client certificate verifier: webpki's chain and CRL checks, then the certificate's
//! standing in the current policy (revoked, retired, other environment). The policy is read
//! at each handshake, so a revocation committed to the store refuses the next handshake as
//! soon as the policy is reloaded, even before the TLS configuration is rebuilt.

use std::sync::Arc;

use arc_swap::ArcSwap;
use rustls::client::danger::HandshakeSignatureValid;
use rustls::pki_types::{CertificateDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{CertificateError, DigitallySignedStruct, DistinguishedName, SignatureScheme};

use crate::policy::{PolicySnapshot, Thumbprints, Withdrawal};

/// webpki's verifier plus the policy's verdict on the certificate's standing.
#[derive(Debug)]
pub struct StandingVerifier {
    pub inner: Arc<dyn ClientCertVerifier>,
    pub policy: Arc<ArcSwap<PolicySnapshot>>,
}

impl ClientCertVerifier for StandingVerifier {
    fn offer_client_auth(&self) -> bool {
        self.inner.offer_client_auth()
    }

    fn client_auth_mandatory(&self) -> bool {
        self.inner.client_auth_mandatory()
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        self.inner.root_hint_subjects()
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        let verified = self
            .inner
            .verify_client_cert(end_entity, intermediates, now)?;
        let now = i64::try_from(now.as_secs()).unwrap_or(i64::MAX);
        match self
            .policy
            .load()
            .withdrawal(&Thumbprints::of(end_entity.as_ref()), now)
        {
            None => Ok(verified),
            Some(Withdrawal::Revoked) => Err(CertificateError::Revoked.into()),
            Some(w) => Err(CertificateError::Other(rustls::OtherError(Arc::new(w))).into()),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}
