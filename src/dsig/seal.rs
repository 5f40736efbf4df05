//! A seal: the private key and certificate a result is signed with. The gateway has one; a
//! registry's adapter may have its own (`[signatures.seals.<adapter>]`), so that a consumer can
//! prove which registry answered.
//!
//! Modern signatures are made by aws-lc-rs. RSA-SHA1, which only the `regix-legacy` profile
//! uses, is made by the RustCrypto `rsa` crate (with blinding), because aws-lc-rs deliberately
//! offers no SHA-1 signing.

use std::path::{Path, PathBuf};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeyPair as RsaKeyPair;
use aws_lc_rs::signature::{EcdsaKeyPair, KeyPair as _, ECDSA_P256_SHA256_FIXED_SIGNING};
use base64::Engine as _;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use sha2::Digest as _;

use super::algorithms;

/// Why a seal cannot be loaded or used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    #[error("cannot read {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("seal {path}: {reason}")]
    Invalid { path: String, reason: String },
    #[error("the seal's key cannot sign with {0}")]
    Unsupported(&'static str),
    #[error("signing failed")]
    Sign,
}

/// The signature algorithms regway signs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureAlgorithm {
    EcdsaP256Sha256,
    RsaSha256,
    /// Only for the `regix-legacy` profile.
    RsaSha1,
}

impl SignatureAlgorithm {
    pub fn uri(self) -> &'static str {
        match self {
            SignatureAlgorithm::EcdsaP256Sha256 => algorithms::ECDSA_SHA256,
            SignatureAlgorithm::RsaSha256 => algorithms::RSA_SHA256,
            SignatureAlgorithm::RsaSha1 => algorithms::RSA_SHA1,
        }
    }
}

enum Key {
    Ec(EcdsaKeyPair),
    Rsa {
        aws: RsaKeyPair,
        /// The same key for RSA-SHA1 (legacy profile).
        legacy: Box<rsa::pkcs1v15::SigningKey<sha1::Sha1>>,
    },
}

/// A signing key and its certificate.
pub struct Seal {
    key: Key,
    cert_der: Vec<u8>,
    subject: String,
}

impl std::fmt::Debug for Seal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Seal")
            .field("subject", &self.subject)
            .field("rsa", &self.is_rsa())
            .finish_non_exhaustive()
    }
}

fn invalid(path: &Path, reason: impl std::fmt::Display) -> SealError {
    SealError::Invalid {
        path: path.display().to_string(),
        reason: reason.to_string(),
    }
}

impl Seal {
    /// Load a PEM key (PKCS#8, SEC1 or PKCS#1; ECDSA P-256 or RSA ≥ 2048 bits) and the PEM
    /// certificate of its public key.
    pub fn load(key_path: &Path, cert_path: &Path) -> Result<Seal, SealError> {
        let read = |p: &Path| {
            std::fs::read(p).map_err(|e| SealError::Read {
                path: p.display().to_string(),
                reason: e.to_string(),
            })
        };
        let key_pem = read(key_path)?;
        let cert_pem = read(cert_path)?;
        let key = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|e| invalid(key_path, e))?;
        let cert = CertificateDer::from_pem_slice(&cert_pem).map_err(|e| invalid(cert_path, e))?;
        Seal::from_der(&key, cert.to_vec()).map_err(|reason| invalid(key_path, reason))
    }

    /// A seal from DER key and certificate; the key must match the certificate.
    pub fn from_der(key: &PrivateKeyDer<'_>, cert_der: Vec<u8>) -> Result<Seal, String> {
        use rsa::pkcs1::DecodeRsaPrivateKey as _;
        use rsa::pkcs8::DecodePrivateKey as _;
        let (_, cert) = x509_parser::parse_x509_certificate(&cert_der)
            .map_err(|e| format!("the certificate is not X.509: {e}"))?;
        let cert_public_key = cert.public_key().subject_public_key.data.to_vec();
        let subject = cert.subject().to_string();
        let der = key.secret_der();
        let key = if let Ok(ec) =
            EcdsaKeyPair::from_private_key_der(&ECDSA_P256_SHA256_FIXED_SIGNING, der)
        {
            if ec.public_key().as_ref() != cert_public_key.as_slice() {
                return Err("the key does not belong to the certificate".into());
            }
            Key::Ec(ec)
        } else {
            let aws = match key {
                PrivateKeyDer::Pkcs8(_) => RsaKeyPair::from_pkcs8(der),
                _ => RsaKeyPair::from_der(der),
            }
            .map_err(|e| format!("not an ECDSA P-256 or RSA (≥ 2048 bits) key: {e}"))?;
            if aws.public_key().as_ref() != cert_public_key.as_slice() {
                return Err("the key does not belong to the certificate".into());
            }
            let legacy = rsa::RsaPrivateKey::from_pkcs8_der(der)
                .or_else(|_| rsa::RsaPrivateKey::from_pkcs1_der(der))
                .map_err(|e| format!("the RSA key cannot be read: {e}"))?;
            Key::Rsa {
                aws,
                legacy: Box::new(rsa::pkcs1v15::SigningKey::new(legacy)),
            }
        };
        Ok(Seal {
            key,
            cert_der,
            subject,
        })
    }

    pub fn is_rsa(&self) -> bool {
        matches!(self.key, Key::Rsa { .. })
    }

    /// The algorithm of the default profile: ECDSA P-256 or RSA-SHA256, after the key.
    pub fn modern_algorithm(&self) -> SignatureAlgorithm {
        match self.key {
            Key::Ec(_) => SignatureAlgorithm::EcdsaP256Sha256,
            Key::Rsa { .. } => SignatureAlgorithm::RsaSha256,
        }
    }

    pub fn cert_der(&self) -> &[u8] {
        &self.cert_der
    }

    /// The certificate, base64 (for `X509Certificate`).
    pub fn cert_base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(&self.cert_der)
    }

    /// The certificate's digest, base64 (for XAdES `CertDigest`).
    pub fn cert_digest_base64(&self, sha1: bool) -> String {
        let digest = if sha1 {
            sha1::Sha1::digest(&self.cert_der).to_vec()
        } else {
            sha2::Sha256::digest(&self.cert_der).to_vec()
        };
        base64::engine::general_purpose::STANDARD.encode(digest)
    }

    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// Sign `message` (canonical `SignedInfo`) with `alg`. ECDSA signatures are `r‖s`, as
    /// XML-DSig requires.
    pub fn sign(&self, alg: SignatureAlgorithm, message: &[u8]) -> Result<Vec<u8>, SealError> {
        match (&self.key, alg) {
            (Key::Ec(k), SignatureAlgorithm::EcdsaP256Sha256) => k
                .sign(&SystemRandom::new(), message)
                .map(|s| s.as_ref().to_vec())
                .map_err(|_| SealError::Sign),
            (Key::Rsa { aws, .. }, SignatureAlgorithm::RsaSha256) => {
                let mut out = vec![0u8; aws.public_modulus_len()];
                aws.sign(
                    &aws_lc_rs::signature::RSA_PKCS1_SHA256,
                    &SystemRandom::new(),
                    message,
                    &mut out,
                )
                .map_err(|_| SealError::Sign)?;
                Ok(out)
            }
            (Key::Rsa { legacy, .. }, SignatureAlgorithm::RsaSha1) => {
                use rsa::signature::{RandomizedSigner as _, SignatureEncoding as _};
                let sig = legacy
                    .try_sign_with_rng(&mut rsa::rand_core::OsRng, message)
                    .map_err(|_| SealError::Sign)?;
                Ok(sig.to_vec())
            }
            (_, alg) => Err(SealError::Unsupported(alg.uri())),
        }
    }
}

/// The gateway's seal inside the data directory, unless configured elsewhere.
pub const DEFAULT_KEY_FILE: &str = "seal/seal.key";
pub const DEFAULT_CERT_FILE: &str = "seal/seal.pem";

/// Where a seal's files are.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SealPaths {
    pub key: PathBuf,
    pub cert: PathBuf,
}

impl SealPaths {
    pub fn load(&self) -> Result<Seal, SealError> {
        Seal::load(&self.key, &self.cert)
    }

    /// Create a self-signed ECDSA P-256 seal named `common_name` unless both files exist
    /// (a lone key or certificate is an error: regway never overwrites key material). Returns
    /// whether it created one.
    pub fn ensure_self_signed(&self, common_name: &str) -> Result<bool, SealError> {
        let fail = |p: &Path, e: &dyn std::fmt::Display| SealError::Invalid {
            path: p.display().to_string(),
            reason: e.to_string(),
        };
        match (self.key.exists(), self.cert.exists()) {
            (true, true) => return Ok(false),
            (false, false) => {}
            (true, false) => return Err(fail(&self.cert, &"missing beside its key")),
            (false, true) => return Err(fail(&self.key, &"missing beside its certificate")),
        }
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)
            .map_err(|e| fail(&self.key, &e))?;
        let mut params = rcgen::CertificateParams::default();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, common_name);
        params.key_usages = vec![
            rcgen::KeyUsagePurpose::DigitalSignature,
            rcgen::KeyUsagePurpose::ContentCommitment,
        ];
        let now = time::OffsetDateTime::now_utc();
        params.not_before = now - time::Duration::minutes(5);
        params.not_after = now + time::Duration::days(3 * 365);
        let cert = params.self_signed(&key).map_err(|e| fail(&self.cert, &e))?;
        for path in [&self.key, &self.cert] {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(|e| fail(path, &e))?;
            }
        }
        crate::pki::files::create_file(&self.key, key.serialize_pem().as_bytes(), true)
            .map_err(|e| fail(&self.key, &e))?;
        crate::pki::files::create_file(&self.cert, cert.pem().as_bytes(), false)
            .map_err(|e| fail(&self.cert, &e))?;
        Ok(true)
    }
}
