//! The TLS side: rustls with client certificates required, verified against the configured CA
//! bundles and the store's CAs of the gateway's environment and, when configured, CRLs.

use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, CertificateRevocationListDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::RootCertStore;

use arc_swap::ArcSwap;

use crate::config::ServerConfig;
use crate::policy::PolicySnapshot;

/// What the store adds to the configured trust: its CAs of the gateway's environment, and the
/// CRLs regway signed for those it holds the key of.
#[derive(Debug, Default, Clone)]
pub struct StoreTrust {
    pub anchors: Vec<CertificateDer<'static>>,
    pub crls: Vec<CertificateRevocationListDer<'static>>,
}

/// Why the TLS configuration could not be built.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("{path} holds no {what}")]
    Empty { path: String, what: &'static str },
    #[error("invalid CA certificate in {path}: {reason}")]
    BadCa { path: String, reason: String },
    #[error("cannot build the client certificate verifier: {0}")]
    Verifier(String),
    #[error("invalid server certificate or key: {0}")]
    ServerCert(String),
}

fn read_err(path: &Path, e: impl std::fmt::Display) -> TlsError {
    TlsError::Read {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

/// All certificates in a PEM file.
pub fn load_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| read_err(path, e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| read_err(path, e))?;
    if certs.is_empty() {
        return Err(TlsError::Empty {
            path: path.display().to_string(),
            what: "certificate",
        });
    }
    Ok(certs)
}

/// CRLs from a PEM file, or one DER CRL.
fn load_crls(path: &Path) -> Result<Vec<CertificateRevocationListDer<'static>>, TlsError> {
    let bytes = std::fs::read(path).map_err(|e| read_err(path, e))?;
    if bytes.starts_with(b"-----") {
        let crls = CertificateRevocationListDer::pem_slice_iter(&bytes)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| read_err(path, e))?;
        if crls.is_empty() {
            return Err(TlsError::Empty {
                path: path.display().to_string(),
                what: "CRL",
            });
        }
        Ok(crls)
    } else {
        Ok(vec![CertificateRevocationListDer::from(bytes)])
    }
}

/// The rustls server configuration for `config` alone (see [`server_config_with`]).
pub fn server_config(config: &ServerConfig) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    server_config_with(config, &StoreTrust::default(), None)
}

/// The rustls server configuration: TLS 1.2 and 1.3, ALPN h2 and http/1.1, client
/// certificates mandatory, trusted through `config.client_ca` and `trust.anchors`. With CRLs
/// configured, a client certificate whose revocation status cannot be determined from them is
/// refused. With a `policy`, a certificate it withdraws (revoked, retired, other environment)
/// is refused at the handshake.
pub fn server_config_with(
    config: &ServerConfig,
    trust: &StoreTrust,
    policy: Option<Arc<ArcSwap<PolicySnapshot>>>,
) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut roots = RootCertStore::empty();
    for cert in &trust.anchors {
        roots.add(cert.clone()).map_err(|e| TlsError::BadCa {
            path: "the store".to_string(),
            reason: e.to_string(),
        })?;
    }
    for path in &config.client_ca {
        for cert in load_certs(path)? {
            roots.add(cert).map_err(|e| TlsError::BadCa {
                path: path.display().to_string(),
                reason: e.to_string(),
            })?;
        }
    }
    let mut crls = trust.crls.clone();
    for path in &config.crl {
        crls.extend(load_crls(path)?);
    }
    let verifier =
        WebPkiClientVerifier::builder_with_provider(Arc::new(roots), Arc::clone(&provider))
            .with_crls(crls)
            .build()
            .map_err(|e| TlsError::Verifier(e.to_string()))?;
    let verifier: Arc<dyn rustls::server::danger::ClientCertVerifier> = match policy {
        Some(policy) => Arc::new(super::verifier::StandingVerifier {
            inner: verifier,
            policy,
        }),
        None => verifier,
    };
    let chain = load_certs(&config.cert)?;
    let key = PrivateKeyDer::from_pem_file(&config.key).map_err(|e| read_err(&config.key, e))?;
    let mut tls = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::ServerCert(e.to_string()))?
        .with_client_cert_verifier(verifier)
        .with_single_cert(chain, key)
        .map_err(|e| TlsError::ServerCert(e.to_string()))?;
    tls.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(tls))
}
