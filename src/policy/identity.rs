//! Consumer identity: the thumbprints of the TLS client certificate.

use sha1::Sha1;
use sha2::{Digest, Sha256};

/// The SHA-256 and SHA-1 thumbprints of a DER certificate, as lower-case hex. RegiX identifies
/// consumers by SHA-1; regway keys on SHA-256 and keeps SHA-1 for certificates registered
/// from RegiX by that thumbprint alone.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Thumbprints {
    pub sha256: String,
    pub sha1: String,
}

impl Thumbprints {
    /// Compute both thumbprints of a DER-encoded certificate.
    pub fn of(der: &[u8]) -> Thumbprints {
        Thumbprints {
            sha256: hex::encode(Sha256::digest(der)),
            sha1: hex::encode(Sha1::digest(der)),
        }
    }
}

/// Normalise a thumbprint written by a person or another system: hex digits only (spaces and
/// colons dropped), lower case. RegiX compared them case-insensitively.
pub fn normalize_thumbprint(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace() && *c != ':')
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thumbprints_are_lower_hex_of_the_right_length() {
        let t = Thumbprints::of(b"not a certificate, but bytes all the same");
        assert_eq!(t.sha256.len(), 64);
        assert_eq!(t.sha1.len(), 40);
        assert!(t
            .sha256
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_eq!(normalize_thumbprint("AB:cd EF"), "abcdef");
    }
}
