//! A small certificate authority: enough for the quick start and the tests to make a real PKI
//! (CA, server certificate, client certificates, CRL). Keys are ECDSA P-256.

use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, DistinguishedName,
    DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyIdMethod, KeyPair, KeyUsagePurpose,
    RevocationReason, RevokedCertParams, SanType, SerialNumber,
};
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};

/// Why a certificate could not be made.
#[derive(Debug, thiserror::Error)]
#[error("certificate generation failed: {0}")]
pub struct PkiError(#[from] rcgen::Error);

/// A certificate and its private key, PEM-encoded.
#[derive(Debug, Clone)]
pub struct Issued {
    pub cert_pem: String,
    pub key_pem: String,
    pub der: Vec<u8>,
    pub serial: Vec<u8>,
}

/// A certificate authority that can issue and revoke.
pub struct Ca {
    pub cert_pem: String,
    issuer: Issuer<'static, KeyPair>,
}

/// Serial numbers are derived from the subject key, so they are unique per key pair without a
/// counter; the top bit is cleared to keep the DER integer positive.
fn serial_for(key: &KeyPair) -> Vec<u8> {
    let mut serial = Sha256::digest(key.public_key_raw())[..16].to_vec();
    serial[0] &= 0x7f;
    serial
}

fn name(cn: &str, org: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CountryName, "BG");
    dn.push(DnType::OrganizationName, org);
    dn.push(DnType::CommonName, cn);
    dn
}

/// From an hour ago (tolerating clock skew) to `days` from now.
fn window(days: i64) -> (OffsetDateTime, OffsetDateTime) {
    let now = OffsetDateTime::now_utc();
    (now - Duration::hours(1), now + Duration::days(days))
}

impl Ca {
    /// A new self-signed CA.
    pub fn generate(common_name: &str, organization: &str, days: i64) -> Result<Ca, PkiError> {
        let key = KeyPair::generate()?;
        let mut params = CertificateParams::default();
        params.distinguished_name = name(common_name, organization);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        params.serial_number = Some(SerialNumber::from_slice(&serial_for(&key)));
        (params.not_before, params.not_after) = window(days);
        let cert = params.self_signed(&key)?;
        Ok(Ca {
            cert_pem: cert.pem(),
            issuer: Issuer::new(params, key),
        })
    }

    fn issue(
        &self,
        mut params: CertificateParams,
        eku: ExtendedKeyUsagePurpose,
        (not_before, not_after): (OffsetDateTime, OffsetDateTime),
    ) -> Result<Issued, PkiError> {
        let key = KeyPair::generate()?;
        let serial = serial_for(&key);
        params.serial_number = Some(SerialNumber::from_slice(&serial));
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![eku];
        params.use_authority_key_identifier_extension = true;
        params.not_before = not_before;
        params.not_after = not_after;
        let cert = params.signed_by(&key, &self.issuer)?;
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
        params.distinguished_name = name(names.first().copied().unwrap_or("regway"), "regway");
        params.subject_alt_names = names
            .iter()
            .map(|n| match n.parse() {
                Ok(ip) => Ok(SanType::IpAddress(ip)),
                Err(_) => n.to_string().try_into().map(SanType::DnsName),
            })
            .collect::<Result<_, _>>()?;
        self.issue(params, ExtendedKeyUsagePurpose::ServerAuth, window(days))
    }

    /// A TLS client certificate for a consumer's system.
    pub fn issue_client(
        &self,
        common_name: &str,
        organization: &str,
        days: i64,
    ) -> Result<Issued, PkiError> {
        let mut params = CertificateParams::default();
        params.distinguished_name = name(common_name, organization);
        self.issue(params, ExtendedKeyUsagePurpose::ClientAuth, window(days))
    }

    /// A client certificate whose validity ended `days_ago` days ago (for tests of refusal).
    pub fn issue_expired_client(
        &self,
        common_name: &str,
        days_ago: i64,
    ) -> Result<Issued, PkiError> {
        let mut params = CertificateParams::default();
        params.distinguished_name = name(common_name, "regway");
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
        let params = CertificateRevocationListParams {
            this_update: now - Duration::minutes(5),
            next_update: now + Duration::days(days),
            crl_number: SerialNumber::from(now.unix_timestamp() as u64),
            issuing_distribution_point: None,
            revoked_certs: revoked
                .iter()
                .map(|s| RevokedCertParams {
                    serial_number: SerialNumber::from_slice(s),
                    revocation_time: now - Duration::minutes(1),
                    reason_code: Some(RevocationReason::KeyCompromise),
                    invalidity_date: None,
                })
                .collect(),
            key_identifier_method: KeyIdMethod::Sha256,
        };
        Ok(params.signed_by(&self.issuer)?.pem()?)
    }
}
