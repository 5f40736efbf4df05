//! The test PKI: one trusted CA with a CRL, and a foreign CA the gateway does not trust.

use regway::pki::{Ca, Issued};

use crate::client::Identity;

/// Every certificate the end-to-end tests need.
pub struct TestPki {
    pub ca: Ca,
    pub server: Issued,
    /// Registered and granted every demo operation.
    pub granted: Issued,
    /// Registered, granted nothing.
    pub ungranted: Issued,
    /// Registered and granted, but deactivated in the store.
    pub inactive: Issued,
    /// Chains to the trusted CA but is not registered.
    pub unregistered: Issued,
    /// Registered and granted, but revoked in the CRL.
    pub revoked: Issued,
    /// Registered and granted, but expired.
    pub expired: Issued,
    /// Issued by a CA the gateway does not trust.
    pub foreign: Issued,
    /// The CRL of the trusted CA (revoking `revoked`).
    pub crl_pem: String,
}

impl TestPki {
    pub fn new() -> TestPki {
        let ca = Ca::generate("regway test CA", "regway tests", 30).expect("CA");
        let foreign_ca = Ca::generate("foreign CA", "elsewhere", 30).expect("foreign CA");
        let client = |cn: &str| {
            ca.issue_client(cn, "regway tests", 30)
                .expect("client certificate")
        };
        let revoked = client("revoked.test");
        let crl_pem = ca.crl(&[&revoked.serial], 30).expect("CRL");
        TestPki {
            server: ca
                .issue_server(&["localhost", "127.0.0.1"], 30)
                .expect("server certificate"),
            granted: client("granted.test"),
            ungranted: client("ungranted.test"),
            inactive: client("inactive.test"),
            unregistered: client("unregistered.test"),
            expired: ca
                .issue_expired_client("expired.test", 2)
                .expect("expired certificate"),
            foreign: foreign_ca
                .issue_client("foreign.test", "elsewhere", 30)
                .expect("foreign certificate"),
            revoked,
            crl_pem,
            ca,
        }
    }

    /// A client identity from an issued certificate.
    pub fn identity(issued: &Issued) -> Identity {
        Identity {
            cert_pem: issued.cert_pem.clone(),
            key_pem: issued.key_pem.clone(),
        }
    }
}

impl Default for TestPki {
    fn default() -> Self {
        TestPki::new()
    }
}
