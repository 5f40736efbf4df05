//! regway's certificate authority: CAs (ECDSA P-256 or RSA-3072) that issue client
//! certificates, sign consumers' CSRs and publish CRLs; the quick start and the tests use the
//! same code for their server certificates.
//!
//! - [`environment`]: the `test`/`production` label of CAs, certificates and gateways;
//! - [`csr`]: the subject and key rules a consumer's CSR must meet;
//! - [`files`]: where a CA's key, certificate and CRL live in the data directory;
//! - [`p12`]: PKCS#12 bundles for issued keys;
//! - [`chain`]: whether a certificate was issued by a given CA.

pub mod chain;
pub mod csr;
pub mod environment;
pub mod files;
pub mod p12;

pub use environment::Environment;

use std::sync::atomic::{AtomicU64, Ordering};

use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, DistinguishedName,
    DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyIdMethod, KeyPair, KeyUsagePurpose,
    PublicKeyData, RevocationReason, RevokedCertParams, SanType, SerialNumber,
};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::CertificateDer;
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};

/// Why a certificate could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PkiError {
    #[error("certificate generation failed: {0}")]
    Rcgen(#[from] rcgen::Error),
    #[error("the CA certificate cannot be read: {0}")]
    CaCertificate(String),
    #[error("the CA is not valid any more (its notAfter is {0})")]
    CaExpired(String),
}

/// A certificate and its private key, PEM-encoded.
#[derive(Debug, Clone)]
pub struct Issued {
    pub cert_pem: String,
    pub key_pem: String,
    pub der: Vec<u8>,
    pub serial: Vec<u8>,
}

/// The key type of a new CA or key pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum KeyAlgorithm {
    /// ECDSA on NIST P-256 with SHA-256 (the default: small, fast, widely supported).
    #[default]
    EcdsaP256,
    /// RSA 3072 bits with PKCS#1 v1.5 SHA-256, for relying parties that need RSA.
    #[value(name = "rsa-3072")]
    Rsa3072,
    /// RSA 2048 bits, the smallest size accepted, for relying parties that need it.
    #[value(name = "rsa-2048")]
    Rsa2048,
}

impl KeyAlgorithm {
    fn generate(self) -> Result<KeyPair, PkiError> {
        Ok(match self {
            KeyAlgorithm::EcdsaP256 => KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?,
            KeyAlgorithm::Rsa3072 => {
                KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_3072)?
            }
            KeyAlgorithm::Rsa2048 => {
                KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048)?
            }
        })
    }
}

/// One entry of a CRL.
#[derive(Debug, Clone)]
pub struct RevokedEntry {
    pub serial: Vec<u8>,
    pub revoked_at: OffsetDateTime,
    /// RFC 5280 says to omit the code rather than write `unspecified`.
    pub reason: Option<RevocationReason>,
}

/// A certificate authority that can issue and revoke.
pub struct Ca {
    pub cert_pem: String,
    issuer: Issuer<'static, KeyPair>,
    not_after: OffsetDateTime,
}

/// A serial number unique per issuance: a hash of the subject key, the time and a process
/// counter (two issuances for the same key, e.g. a CSR signed twice, still differ). The top
/// bit is cleared to keep the DER integer positive. The store also refuses a repeated serial
/// per CA.
fn unique_serial(public_key: &[u8]) -> Vec<u8> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = Sha256::new();
    h.update(public_key);
    h.update(
        OffsetDateTime::now_utc()
            .unix_timestamp_nanos()
            .to_be_bytes(),
    );
    h.update(std::process::id().to_be_bytes());
    h.update(COUNTER.fetch_add(1, Ordering::Relaxed).to_be_bytes());
    let mut serial = h.finalize()[..16].to_vec();
    serial[0] &= 0x7f;
    serial
}

/// The subject regway gives its own certificates: C=BG, O, CN.
pub fn subject(common_name: &str, organization: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CountryName, "BG");
    dn.push(DnType::OrganizationName, organization);
    dn.push(DnType::CommonName, common_name);
    dn
}

/// From an hour ago (tolerating clock skew) to `days` from now.
fn window(days: i64) -> (OffsetDateTime, OffsetDateTime) {
    let now = OffsetDateTime::now_utc();
    (now - Duration::hours(1), now + Duration::days(days))
}

impl Ca {
    /// A new self-signed ECDSA P-256 CA.
    pub fn generate(common_name: &str, organization: &str, days: i64) -> Result<Ca, PkiError> {
        Ca::generate_with(common_name, organization, days, KeyAlgorithm::EcdsaP256)
    }

    /// A new self-signed CA with the given key algorithm.
    pub fn generate_with(
        common_name: &str,
        organization: &str,
        days: i64,
        algorithm: KeyAlgorithm,
    ) -> Result<Ca, PkiError> {
        let key = algorithm.generate()?;
        let mut params = CertificateParams::default();
        params.distinguished_name = subject(common_name, organization);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        params.serial_number = Some(SerialNumber::from_slice(&unique_serial(key.der_bytes())));
        (params.not_before, params.not_after) = window(days);
        let not_after = params.not_after;
        let cert = params.self_signed(&key)?;
        Ok(Ca {
            cert_pem: cert.pem(),
            issuer: Issuer::new(params, key),
            not_after,
        })
    }

    /// A CA from its certificate and private key (PEM), as kept in the data directory.
    pub fn load(cert_pem: &str, key_pem: &str) -> Result<Ca, PkiError> {
        let key = KeyPair::from_pem(key_pem)?;
        let der = CertificateDer::from_pem_slice(cert_pem.as_bytes())
            .map_err(|e| PkiError::CaCertificate(e.to_string()))?;
        let (_, cert) = x509_parser::parse_x509_certificate(&der)
            .map_err(|e| PkiError::CaCertificate(e.to_string()))?;
        let not_after = cert.validity().not_after.to_datetime();
        let issuer = Issuer::from_ca_cert_der(&der, key)?;
        Ok(Ca {
            cert_pem: cert_pem.to_string(),
            issuer,
            not_after,
        })
    }

    /// The CA's private key, PKCS#8 PEM (to be written with mode 0600).
    pub fn key_pem(&self) -> String {
        self.issuer.key().serialize_pem()
    }

    /// The end of the CA's own validity; nothing it issues may outlive it.
    pub fn not_after(&self) -> OffsetDateTime {
        self.not_after
    }

    /// Sign `public_key` into an end-entity certificate with `params`' subject, valid in
    /// `window` cut at the CA's own notAfter.
    fn certify(
        &self,
        mut params: CertificateParams,
        public_key: &impl PublicKeyData,
        eku: Option<ExtendedKeyUsagePurpose>,
        (not_before, not_after): (OffsetDateTime, OffsetDateTime),
    ) -> Result<(rcgen::Certificate, Vec<u8>), PkiError> {
        if self.not_after <= OffsetDateTime::now_utc() {
            return Err(PkiError::CaExpired(self.not_after.to_string()));
        }
        let serial = unique_serial(public_key.der_bytes());
        params.serial_number = Some(SerialNumber::from_slice(&serial));
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        if eku.is_none() {
            // A seal: its signatures are evidence, which non-repudiation says.
            params.key_usages.push(KeyUsagePurpose::ContentCommitment);
        }
        params.extended_key_usages = eku.into_iter().collect();
        params.use_authority_key_identifier_extension = true;
        params.not_before = not_before;
        params.not_after = not_after.min(self.not_after);
        Ok((params.signed_by(public_key, &self.issuer)?, serial))
    }

    /// A seal: the certificate of a key that signs results (no TLS usage).
    pub fn issue_seal(
        &self,
        common_name: &str,
        organization: &str,
        days: i64,
        algorithm: KeyAlgorithm,
    ) -> Result<Issued, PkiError> {
        let mut params = CertificateParams::default();
        params.distinguished_name = subject(common_name, organization);
        self.issue_with(params, None, window(days), algorithm)
    }

    fn issue(
        &self,
        params: CertificateParams,
        eku: ExtendedKeyUsagePurpose,
        window: (OffsetDateTime, OffsetDateTime),
    ) -> Result<Issued, PkiError> {
        self.issue_with(params, Some(eku), window, KeyAlgorithm::EcdsaP256)
    }

    fn issue_with(
        &self,
        params: CertificateParams,
        eku: Option<ExtendedKeyUsagePurpose>,
        window: (OffsetDateTime, OffsetDateTime),
        algorithm: KeyAlgorithm,
    ) -> Result<Issued, PkiError> {
        let key = algorithm.generate()?;
        let (cert, serial) = self.certify(params, &key, eku, window)?;
        Ok(Issued {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
            der: cert.der().to_vec(),
            serial,
        })
    }

    /// A TLS server certificate for DNS names and IP addresses.
    pub fn issue_server(&self, names: &[&str], days: i64) -> Result<Issued, PkiError> {
        let mut params = CertificateParams::default();
        params.distinguished_name = subject(names.first().copied().unwrap_or("regway"), "regway");
        params.subject_alt_names = names
            .iter()
            .map(|n| match n.parse() {
                Ok(ip) => Ok(SanType::IpAddress(ip)),
                Err(_) => n.to_string().try_into().map(SanType::DnsName),
            })
            .collect::<Result<_, _>>()?;
        self.issue(params, ExtendedKeyUsagePurpose::ServerAuth, window(days))
    }

    /// A TLS client certificate (C=BG, O, CN) for a consumer's system, with a new key.
    pub fn issue_client(
        &self,
        common_name: &str,
        organization: &str,
        days: i64,
    ) -> Result<Issued, PkiError> {
        let mut params = CertificateParams::default();
        params.distinguished_name = subject(common_name, organization);
        self.issue(params, ExtendedKeyUsagePurpose::ClientAuth, window(days))
    }

    /// A TLS client certificate for the subject and key of a CSR that passed the rules.
    pub fn sign_client_csr(&self, csr: &csr::CheckedCsr, days: i64) -> Result<Issued, PkiError> {
        let mut params = CertificateParams::default();
        params.distinguished_name = csr.subject.clone();
        let key = rcgen::SubjectPublicKeyInfo::from_der(&csr.spki_der)?;
        let (cert, serial) = self.certify(
            params,
            &key,
            Some(ExtendedKeyUsagePurpose::ClientAuth),
            window(days),
        )?;
        Ok(Issued {
            cert_pem: cert.pem(),
            key_pem: String::new(),
            der: cert.der().to_vec(),
            serial,
        })
    }

    /// A client certificate whose validity ended `days_ago` days ago (for tests of refusal).
    pub fn issue_expired_client(
        &self,
        common_name: &str,
        days_ago: i64,
    ) -> Result<Issued, PkiError> {
        let mut params = CertificateParams::default();
        params.distinguished_name = subject(common_name, "regway");
        let end = OffsetDateTime::now_utc() - Duration::days(days_ago);
        self.issue(
            params,
            ExtendedKeyUsagePurpose::ClientAuth,
            (end - Duration::days(30), end),
        )
    }

    /// A CRL revoking the given serial numbers, valid for `days`.
    pub fn crl(&self, revoked: &[&[u8]], days: i64) -> Result<String, PkiError> {
        let now = OffsetDateTime::now_utc();
        let entries: Vec<RevokedEntry> = revoked
            .iter()
            .map(|s| RevokedEntry {
                serial: s.to_vec(),
                revoked_at: now - Duration::minutes(1),
                reason: Some(RevocationReason::KeyCompromise),
            })
            .collect();
        self.crl_of(&entries, now.unix_timestamp() as u64, days)
    }

    /// A CRL numbered `number` listing `revoked`, valid for `days`. PEM.
    pub fn crl_of(
        &self,
        revoked: &[RevokedEntry],
        number: u64,
        days: i64,
    ) -> Result<String, PkiError> {
        let now = OffsetDateTime::now_utc();
        let params = CertificateRevocationListParams {
            this_update: now - Duration::minutes(5),
            next_update: now + Duration::days(days),
            crl_number: SerialNumber::from(number),
            issuing_distribution_point: None,
            revoked_certs: revoked
                .iter()
                .map(|r| RevokedCertParams {
                    serial_number: SerialNumber::from_slice(&r.serial),
                    revocation_time: r.revoked_at,
                    reason_code: r.reason,
                    invalidity_date: None,
                })
                .collect(),
            key_identifier_method: KeyIdMethod::Sha256,
        };
        Ok(params.signed_by(&self.issuer)?.pem()?)
    }
}
