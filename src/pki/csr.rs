//! The rules a consumer's certificate signing request must meet before regway's CA signs it.
//! Each refusal names the rule it broke, so the consumer knows what to change.
//!
//! 1. **key**: ECDSA P-256 or P-384, or RSA of 2048 to 8192 bits;
//! 2. **signature**: the CSR is signed by the key it carries (proof of possession);
//! 3. **CN**: exactly one commonName, not empty (it names the system);
//! 4. **C**: exactly one countryName, `BG`;
//! 5. **O**: exactly one organizationName, equal to the consumer's registered name;
//! 6. **attributes**: only C, ST, L, O, OU, CN and serialNumber in the subject, each at most
//!    once and one per RDN (the certificate is issued with the CSR's subject attribute by
//!    attribute, and a subject that repeats one or groups several in an RDN could not be).
//!
//! Extensions the CSR requests are ignored: the CA alone decides them (clientAuth, digital
//! signature, no CA).

use rcgen::{DistinguishedName, DnType};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::CertificateSigningRequestDer;
use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::oid_registry::{
    Oid, OID_EC_P256, OID_KEY_TYPE_EC_PUBLIC_KEY, OID_NIST_EC_P384, OID_PKCS1_RSAENCRYPTION,
    OID_X509_COMMON_NAME, OID_X509_COUNTRY_NAME, OID_X509_LOCALITY_NAME,
    OID_X509_ORGANIZATIONAL_UNIT, OID_X509_ORGANIZATION_NAME, OID_X509_SERIALNUMBER,
    OID_X509_STATE_OR_PROVINCE_NAME,
};
use x509_parser::prelude::FromDer;
use x509_parser::x509::X509Name;

/// The smallest RSA modulus accepted, in bits.
pub const MIN_RSA_BITS: usize = 2048;
/// The largest RSA modulus accepted (bigger keys only cost handshake time).
pub const MAX_RSA_BITS: usize = 8192;

/// Why a CSR was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CsrRefusal {
    #[error("the file is not a certificate signing request (PEM or DER): {0}")]
    Unreadable(String),
    #[error("rule 2 (signature): the CSR is not validly signed by the key it carries")]
    Signature,
    #[error("rule 1 (key): {0}; accepted keys are ECDSA P-256 or P-384, or RSA of {MIN_RSA_BITS} to {MAX_RSA_BITS} bits")]
    Key(String),
    #[error("rule 3 (CN): the subject must have exactly one non-empty commonName (CN); found {0}")]
    CommonName(String),
    #[error("rule 4 (C): the subject must have exactly one countryName (C) and it must be BG; found {0}")]
    Country(String),
    #[error("rule 5 (O): the subject's organizationName (O) must be the consumer's registered name '{expected}'; found {found}")]
    Organization { expected: String, found: String },
    #[error("rule 6 (attributes): the subject may contain only C, ST, L, O, OU, CN and serialNumber; found {0}")]
    Attribute(String),
    #[error("rule 6 (attributes): each subject attribute may occur once, one per RDN; found {0}")]
    Repeated(String),
}

/// A CSR that passed every rule: what the CA needs to sign it.
#[derive(Debug, Clone)]
pub struct CheckedCsr {
    pub subject: DistinguishedName,
    /// The SubjectPublicKeyInfo, DER.
    pub spki_der: Vec<u8>,
    pub common_name: String,
    /// E.g. "ECDSA P-256" or "RSA 3072".
    pub key: String,
}

/// Read a CSR (PEM or DER) and check it against the rules for a consumer registered as
/// `organization`.
pub fn check(input: &[u8], organization: &str) -> Result<CheckedCsr, CsrRefusal> {
    let der = if input.trim_ascii_start().starts_with(b"-----") {
        CertificateSigningRequestDer::from_pem_slice(input)
            .map_err(|e| CsrRefusal::Unreadable(e.to_string()))?
            .as_ref()
            .to_vec()
    } else {
        input.to_vec()
    };
    let (rest, csr) = X509CertificationRequest::from_der(&der)
        .map_err(|e| CsrRefusal::Unreadable(e.to_string()))?;
    if !rest.is_empty() {
        return Err(CsrRefusal::Unreadable(
            "trailing bytes after the CSR".into(),
        ));
    }
    let info = &csr.certification_request_info;
    // The key first: a weak key's signature would not be checked anyway.
    let key = key_description(&info.subject_pki)?;
    csr.verify_signature().map_err(|_| CsrRefusal::Signature)?;
    let subject = &info.subject;
    let common_name = single(subject, &OID_X509_COMMON_NAME)
        .filter(|cn| !cn.trim().is_empty())
        .ok_or_else(|| CsrRefusal::CommonName(values(subject, &OID_X509_COMMON_NAME)))?;
    if single(subject, &OID_X509_COUNTRY_NAME).as_deref() != Some("BG") {
        return Err(CsrRefusal::Country(values(subject, &OID_X509_COUNTRY_NAME)));
    }
    if single(subject, &OID_X509_ORGANIZATION_NAME).as_deref() != Some(organization) {
        return Err(CsrRefusal::Organization {
            expected: organization.to_string(),
            found: values(subject, &OID_X509_ORGANIZATION_NAME),
        });
    }
    // The issued subject is the CSR's, attribute by attribute, in its order. rcgen's
    // `DistinguishedName` holds one value per attribute type, one per RDN: a subject it cannot
    // hold is refused, not issued changed.
    if let Some(rdn) = subject.iter().find(|rdn| rdn.iter().nth(1).is_some()) {
        let types: Vec<String> = rdn.iter().map(|a| a.attr_type().to_id_string()).collect();
        return Err(CsrRefusal::Repeated(format!(
            "a multi-valued RDN ({})",
            types.join(" + ")
        )));
    }
    let mut dn = DistinguishedName::new();
    for attr in subject.iter_attributes() {
        let t = attr.attr_type();
        let kind = if *t == OID_X509_COUNTRY_NAME {
            DnType::CountryName
        } else if *t == OID_X509_STATE_OR_PROVINCE_NAME {
            DnType::StateOrProvinceName
        } else if *t == OID_X509_LOCALITY_NAME {
            DnType::LocalityName
        } else if *t == OID_X509_ORGANIZATION_NAME {
            DnType::OrganizationName
        } else if *t == OID_X509_ORGANIZATIONAL_UNIT {
            DnType::OrganizationalUnitName
        } else if *t == OID_X509_COMMON_NAME {
            DnType::CommonName
        } else if *t == OID_X509_SERIALNUMBER {
            DnType::CustomDnType(vec![2, 5, 4, 5])
        } else {
            return Err(CsrRefusal::Attribute(t.to_id_string()));
        };
        if dn.get(&kind).is_some() {
            return Err(CsrRefusal::Repeated(format!("{} twice", t.to_id_string())));
        }
        let value = attr
            .as_str()
            .map_err(|_| CsrRefusal::Attribute(format!("{} (not a string)", t.to_id_string())))?;
        dn.push(kind, value);
    }
    let subject = dn;
    Ok(CheckedCsr {
        subject,
        spki_der: info.subject_pki.raw.to_vec(),
        common_name,
        key,
    })
}

/// The one value of an attribute, if there is exactly one and it is a string.
fn single(name: &X509Name<'_>, oid: &Oid<'_>) -> Option<String> {
    let mut all = name.iter_by_oid(oid);
    let first = all.next()?;
    if all.next().is_some() {
        return None;
    }
    first.as_str().ok().map(str::to_string)
}

/// Every value of an attribute, quoted, for a refusal message.
fn values(name: &X509Name<'_>, oid: &Oid<'_>) -> String {
    let found: Vec<String> = name
        .iter_by_oid(oid)
        .map(|a| format!("'{}'", a.as_str().unwrap_or("(not a string)")))
        .collect();
    if found.is_empty() {
        "none".to_string()
    } else {
        found.join(", ")
    }
}

fn key_description(
    spki: &x509_parser::x509::SubjectPublicKeyInfo<'_>,
) -> Result<String, CsrRefusal> {
    let alg = &spki.algorithm.algorithm;
    if *alg == OID_KEY_TYPE_EC_PUBLIC_KEY {
        let curve = spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.as_oid().ok());
        return match curve {
            Some(c) if c == OID_EC_P256 => Ok("ECDSA P-256".into()),
            Some(c) if c == OID_NIST_EC_P384 => Ok("ECDSA P-384".into()),
            Some(c) => Err(CsrRefusal::Key(format!(
                "the EC curve {} is not accepted",
                c.to_id_string()
            ))),
            None => Err(CsrRefusal::Key("the EC key names no curve".into())),
        };
    }
    if *alg == OID_PKCS1_RSAENCRYPTION {
        let Ok(x509_parser::public_key::PublicKey::RSA(rsa)) = spki.parsed() else {
            return Err(CsrRefusal::Key("the RSA key cannot be read".into()));
        };
        let bits = modulus_bits(rsa.modulus);
        if !(MIN_RSA_BITS..=MAX_RSA_BITS).contains(&bits) {
            return Err(CsrRefusal::Key(format!("the RSA key has {bits} bits")));
        }
        return Ok(format!("RSA {bits}"));
    }
    Err(CsrRefusal::Key(format!(
        "the key algorithm {} is not accepted",
        alg.to_id_string()
    )))
}

/// The size of an RSA modulus in bits (a DER integer may carry leading zero bytes).
fn modulus_bits(modulus: &[u8]) -> usize {
    let digits = match modulus.iter().position(|b| *b != 0) {
        Some(i) => &modulus[i..],
        None => return 0,
    };
    digits.len() * 8 - digits[0].leading_zeros() as usize
}

#[cfg(test)]
mod tests {
    use super::*;
    use rcgen::{CertificateParams, KeyPair};

    fn csr(dn: &[(DnType, &str)], key: &KeyPair) -> Vec<u8> {
        let mut params = CertificateParams::default();
        params.distinguished_name = DistinguishedName::new();
        for (t, v) in dn {
            params.distinguished_name.push(t.clone(), *v);
        }
        params.serialize_request(key).unwrap().der().to_vec()
    }

    #[test]
    fn each_rule_is_named_when_broken() {
        let key = KeyPair::generate().unwrap();
        let good = [
            (DnType::CountryName, "BG"),
            (DnType::OrganizationName, "Org"),
            (DnType::CommonName, "sys"),
        ];
        let ok = check(&csr(&good, &key), "Org").unwrap();
        assert_eq!(
            (ok.common_name.as_str(), ok.key.as_str()),
            ("sys", "ECDSA P-256")
        );
        assert!(matches!(
            check(&csr(&good, &key), "Other"),
            Err(CsrRefusal::Organization { .. })
        ));
        assert!(matches!(
            check(&csr(&good[..2], &key), "Org"),
            Err(CsrRefusal::CommonName(_))
        ));
        assert!(matches!(
            check(
                &csr(
                    &[
                        (DnType::CountryName, "DE"),
                        good[1].clone(),
                        good[2].clone()
                    ],
                    &key
                ),
                "Org"
            ),
            Err(CsrRefusal::Country(_))
        ));
        let mut tampered = csr(&good, &key);
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        assert_eq!(check(&tampered, "Org").unwrap_err(), CsrRefusal::Signature);
        assert!(matches!(
            check(b"not a csr", "Org"),
            Err(CsrRefusal::Unreadable(_))
        ));
        // Found by the CSR oracle (fuzz/regressions/csr): rcgen's subject holds one value per
        // attribute type, so a repeated OU or a multi-valued RDN would be issued changed.
        for (csr, found) in [
            (
                &include_bytes!("../../fuzz/regressions/csr/repeated-ou.der")[..],
                "2.5.4.11 twice",
            ),
            (
                &include_bytes!("../../fuzz/regressions/csr/multi-valued-rdn.der")[..],
                "a multi-valued RDN (2.5.4.3 + 2.5.4.11)",
            ),
        ] {
            assert_eq!(
                check(csr, "regway fuzz").unwrap_err(),
                CsrRefusal::Repeated(found.into())
            );
        }
        assert_eq!(modulus_bits(&[0, 0x80, 0]), 16);
        assert_eq!(modulus_bits(&[0x01, 0]), 9);
    }
}
