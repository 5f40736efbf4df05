//! The in-memory policy the request path consults.

use std::collections::{HashMap, HashSet};

use super::identity::{normalize_thumbprint, Thumbprints};

/// A registered certificate and the system and consumer it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub certificate_id: i64,
    pub consumer_id: i64,
    pub consumer_name: String,
    pub system_id: i64,
    pub system_name: String,
    /// The certificate, its system and its consumer are all active.
    pub active: bool,
}

/// An operation regway routes, as the store knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationEntry {
    pub id: i64,
    pub enabled: bool,
}

/// Why a call was refused before any adapter was asked. The texts are RegiX's (NOTES §8),
/// because consumers match on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Denial {
    #[error("Access denied! ConsumerCertificate is not found.")]
    CertificateNotFound,
    #[error("Access denied! ConsumerCertificate is not active")]
    CertificateInactive,
    #[error("Access denied!")]
    NotGranted,
    #[error("Service is disabled!")]
    OperationDisabled,
}

impl Denial {
    /// The stable error code.
    pub fn code(self) -> &'static str {
        match self {
            Denial::CertificateNotFound => "access.certificate-not-found",
            Denial::CertificateInactive => "access.certificate-inactive",
            Denial::NotGranted => "access.not-granted",
            Denial::OperationDisabled => "access.operation-disabled",
        }
    }
}

/// Everything the request path needs to decide on a call, built by the store.
#[derive(Debug, Default, Clone)]
pub struct PolicySnapshot {
    by_sha256: HashMap<String, Caller>,
    by_sha1: HashMap<String, Caller>,
    operations: HashMap<String, OperationEntry>,
    /// (system id, operation id) pairs granted to one system.
    system_grants: HashSet<(i64, i64)>,
    /// (consumer id, operation id) pairs granted to every system of a consumer.
    consumer_grants: HashSet<(i64, i64)>,
}

impl PolicySnapshot {
    /// Register a certificate by its thumbprints.
    pub fn add_certificate(&mut self, sha256: &str, sha1: &str, caller: Caller) {
        self.by_sha1
            .insert(normalize_thumbprint(sha1), caller.clone());
        self.by_sha256.insert(normalize_thumbprint(sha256), caller);
    }

    pub fn add_operation(&mut self, name: &str, entry: OperationEntry) {
        self.operations.insert(name.to_string(), entry);
    }

    pub fn grant_system(&mut self, system_id: i64, operation_id: i64) {
        self.system_grants.insert((system_id, operation_id));
    }

    pub fn grant_consumer(&mut self, consumer_id: i64, operation_id: i64) {
        self.consumer_grants.insert((consumer_id, operation_id));
    }

    /// Find the caller of a TLS client certificate.
    pub fn caller(&self, thumbprints: &Thumbprints) -> Option<&Caller> {
        self.by_sha256
            .get(&thumbprints.sha256)
            .or_else(|| self.by_sha1.get(&thumbprints.sha1))
    }

    /// Decide whether the holder of `thumbprints` may call `operation`, in RegiX's order:
    /// certificate known, certificate active, operation granted, operation enabled.
    pub fn authorize(&self, thumbprints: &Thumbprints, operation: &str) -> Result<&Caller, Denial> {
        let caller = self
            .caller(thumbprints)
            .ok_or(Denial::CertificateNotFound)?;
        if !caller.active {
            return Err(Denial::CertificateInactive);
        }
        // An operation the store does not know cannot have been granted.
        let op = self.operations.get(operation).ok_or(Denial::NotGranted)?;
        let granted = self.system_grants.contains(&(caller.system_id, op.id))
            || self.consumer_grants.contains(&(caller.consumer_id, op.id));
        if !granted {
            return Err(Denial::NotGranted);
        }
        if !op.enabled {
            return Err(Denial::OperationDisabled);
        }
        Ok(caller)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(system_id: i64, active: bool) -> Caller {
        Caller {
            certificate_id: 1,
            consumer_id: 10,
            consumer_name: "c".into(),
            system_id,
            system_name: "s".into(),
            active,
        }
    }

    fn tp(s: &str) -> Thumbprints {
        Thumbprints {
            sha256: s.repeat(64),
            sha1: s.repeat(40),
        }
    }

    #[test]
    fn decides_in_regix_order() {
        let mut p = PolicySnapshot::default();
        p.add_certificate(&"A".repeat(64), &"a".repeat(40), caller(1, true));
        p.add_certificate(&"b".repeat(64), &"b".repeat(40), caller(2, false));
        p.add_operation(
            "op",
            OperationEntry {
                id: 5,
                enabled: true,
            },
        );
        p.add_operation(
            "off",
            OperationEntry {
                id: 6,
                enabled: false,
            },
        );
        p.grant_system(1, 5);
        p.grant_system(1, 6);
        assert_eq!(
            p.authorize(&tp("c"), "op").unwrap_err(),
            Denial::CertificateNotFound
        );
        assert_eq!(
            p.authorize(&tp("b"), "op").unwrap_err(),
            Denial::CertificateInactive
        );
        assert_eq!(p.authorize(&tp("a"), "op").unwrap().system_id, 1);
        assert_eq!(
            p.authorize(&tp("a"), "off").unwrap_err(),
            Denial::OperationDisabled
        );
        assert_eq!(
            p.authorize(&tp("a"), "unknown").unwrap_err(),
            Denial::NotGranted
        );
        // A SHA-1-only match is enough to identify the caller.
        let sha1_only = Thumbprints {
            sha256: "f".repeat(64),
            sha1: "a".repeat(40),
        };
        assert!(p.authorize(&sha1_only, "op").is_ok());
    }

    #[test]
    fn consumer_grants_cover_every_system_of_the_consumer() {
        let mut p = PolicySnapshot::default();
        p.add_certificate(&"a".repeat(64), &"a".repeat(40), caller(3, true));
        p.add_operation(
            "op",
            OperationEntry {
                id: 5,
                enabled: true,
            },
        );
        assert_eq!(p.authorize(&tp("a"), "op").unwrap_err(), Denial::NotGranted);
        p.grant_consumer(10, 5);
        assert!(p.authorize(&tp("a"), "op").is_ok());
    }
}
