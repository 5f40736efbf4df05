//! Algorithm identifiers, and which of them a signed request may use.
//!
//! The allow-list is checked on the `SignedInfo` before any cryptography runs, so a request
//! signed with SHA-1 (zeep's default) is refused with a clear reason rather than verified.

use serde::Deserialize;

pub const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
pub const C14N: &str = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315";
pub const ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";

pub const SHA1: &str = "http://www.w3.org/2000/09/xmldsig#sha1";
pub const SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";
pub const SHA384: &str = "http://www.w3.org/2001/04/xmldsig-more#sha384";
pub const SHA512: &str = "http://www.w3.org/2001/04/xmlenc#sha512";

pub const RSA_SHA1: &str = "http://www.w3.org/2000/09/xmldsig#rsa-sha1";
pub const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
pub const RSA_SHA384: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384";
pub const RSA_SHA512: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512";
pub const ECDSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256";
pub const ECDSA_SHA384: &str = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384";
pub const ECDSA_SHA512: &str = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512";

/// The algorithms a signed request may use (`[signatures.requests] algorithms`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct AlgorithmPolicy {
    allowed: Vec<String>,
}

impl Default for AlgorithmPolicy {
    /// SHA-2 digests and signatures over exclusive C14N; no SHA-1.
    fn default() -> Self {
        AlgorithmPolicy {
            allowed: [
                EXC_C14N,
                SHA256,
                SHA384,
                SHA512,
                RSA_SHA256,
                RSA_SHA384,
                RSA_SHA512,
                ECDSA_SHA256,
                ECDSA_SHA384,
                ECDSA_SHA512,
            ]
            .map(String::from)
            .to_vec(),
        }
    }
}

impl AlgorithmPolicy {
    /// A policy allowing exactly these identifiers.
    pub fn new(allowed: impl IntoIterator<Item = impl Into<String>>) -> AlgorithmPolicy {
        AlgorithmPolicy {
            allowed: allowed.into_iter().map(Into::into).collect(),
        }
    }

    pub fn allows(&self, uri: &str) -> bool {
        self.allowed.iter().any(|a| a == uri)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_refuses_sha1_and_inclusive_c14n() {
        let p = AlgorithmPolicy::default();
        assert!(p.allows(RSA_SHA256) && p.allows(ECDSA_SHA256) && p.allows(SHA256));
        assert!(!p.allows(RSA_SHA1) && !p.allows(SHA1) && !p.allows(C14N));
        assert!(AlgorithmPolicy::new([RSA_SHA1]).allows(RSA_SHA1));
    }
}
