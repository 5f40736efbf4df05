//! The in-memory policy the request path consults.

use std::collections::HashMap;

use super::fields::FieldSet;
use super::identity::{normalize_thumbprint, Thumbprints};
use super::legal_basis::cited_code;
use super::standing::{Standing, Withdrawal};
use crate::dsig::wssec::RequestPolicy;
use crate::dsig::Profile;
use crate::pki::Environment;

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
    /// Whether the consumer's requests must be signed.
    pub request_signature: RequestPolicy,
    /// The form of the consumer's signed results.
    pub result_profile: Profile,
}

/// An operation regway routes, as the store knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationEntry {
    pub id: i64,
    pub enabled: bool,
    /// Its results may be signed when the consumer asks (`SignResult`).
    pub sign_result: bool,
}

/// Why a call was refused before any adapter was asked. The first four texts are RegiX's
/// (NOTES §8), because consumers match on them; the legal-basis refusals are regway's own.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Denial {
    #[error("Access denied! ConsumerCertificate is not found.")]
    CertificateNotFound,
    #[error("Access denied! ConsumerCertificate is not active")]
    CertificateInactive,
    #[error("Access denied!")]
    NotGranted,
    #[error("Service is disabled!")]
    OperationDisabled,
    #[error("Access denied! No legal basis is cited: CallContext/LawReason must start with the code of a legal basis.")]
    LegalBasisMissing,
    #[error("Access denied! Legal basis '{0}' is unknown.")]
    LegalBasisUnknown(String),
    #[error("Access denied! Legal basis '{0}' is not in force.")]
    LegalBasisNotInForce(String),
    #[error("Access denied! Legal basis '{0}' is not granted for this operation.")]
    LegalBasisNotGranted(String),
}

impl Denial {
    /// The stable error code.
    pub fn code(&self) -> &'static str {
        match self {
            Denial::CertificateNotFound => "access.certificate-not-found",
            Denial::CertificateInactive => "access.certificate-inactive",
            Denial::NotGranted => "access.not-granted",
            Denial::OperationDisabled => "access.operation-disabled",
            Denial::LegalBasisMissing => "access.legal-basis-missing",
            Denial::LegalBasisUnknown(_) => "access.legal-basis-unknown",
            Denial::LegalBasisNotInForce(_) => "access.legal-basis-not-in-force",
            Denial::LegalBasisNotGranted(_) => "access.legal-basis-not-granted",
        }
    }
}

/// Who a grant is for: every system of a consumer, or one system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Grantee {
    Consumer(i64),
    System(i64),
}

/// One version of a grant, as the request path needs it.
#[derive(Debug, Clone)]
pub struct GrantEntry {
    pub grant_id: i64,
    pub version: i64,
    /// Upper-case codes of the legal bases the grant accepts.
    pub legal_bases: Vec<String>,
    pub fields: FieldSet,
    /// Unix seconds; `valid_to` is exclusive.
    pub valid_from: i64,
    pub valid_to: Option<i64>,
}

fn in_window(now: i64, from: i64, to: Option<i64>) -> bool {
    from <= now && to.is_none_or(|t| now < t)
}

/// What an authorized call may see, and why.
#[derive(Debug, Clone)]
pub struct Authorized<'a> {
    pub caller: &'a Caller,
    /// The cited legal basis (its code).
    pub legal_basis: String,
    /// The union of the fields of every grant that accepts that legal basis.
    pub fields: FieldSet,
    /// (grant id, version) of those grants.
    pub grants: Vec<(i64, i64)>,
    /// The operation's results may be signed.
    pub sign_result: bool,
}

/// Everything the request path needs to decide on a call, built by the store.
#[derive(Debug, Default, Clone)]
pub struct PolicySnapshot {
    by_sha256: HashMap<String, Caller>,
    by_sha1: HashMap<String, Caller>,
    operations: HashMap<String, OperationEntry>,
    /// Current, unrevoked grants by grantee and operation id.
    grants: HashMap<(Grantee, i64), Vec<GrantEntry>>,
    /// Legal bases by upper-case code: their validity window.
    legal_bases: HashMap<String, (i64, Option<i64>)>,
    /// Lifecycle of certificates (by certificate id) that are revoked, retire at a time, or
    /// carry an environment label; a certificate not listed stands plainly.
    standings: HashMap<i64, Standing>,
    /// The environment of the gateway that consults the snapshot (`None`: not checked).
    environment: Option<Environment>,
}

impl PolicySnapshot {
    /// Register a certificate by its thumbprints.
    pub fn add_certificate(&mut self, sha256: &str, sha1: &str, caller: Caller) {
        self.by_sha1
            .insert(normalize_thumbprint(sha1), caller.clone());
        self.by_sha256.insert(normalize_thumbprint(sha256), caller);
    }

    /// Record a certificate's lifecycle (see [`Standing`]).
    pub fn set_standing(&mut self, certificate_id: i64, standing: Standing) {
        if standing != Standing::default() {
            self.standings.insert(certificate_id, standing);
        }
    }

    /// The snapshot as consulted by a gateway of `environment`.
    pub fn for_environment(mut self, environment: Environment) -> PolicySnapshot {
        self.environment = Some(environment);
        self
    }

    /// Whether a registered certificate is withdrawn at `now` (Unix seconds): revoked,
    /// retired, or of another environment. Unregistered certificates are not withdrawn here
    /// (they are refused as unknown at call time).
    pub fn withdrawal(&self, thumbprints: &Thumbprints, now: i64) -> Option<Withdrawal> {
        let caller = self.caller(thumbprints)?;
        self.standings
            .get(&caller.certificate_id)?
            .withdrawal(self.environment, now)
    }

    pub fn add_operation(&mut self, name: &str, entry: OperationEntry) {
        self.operations.insert(name.to_string(), entry);
    }

    /// Add a grant of an operation (known through [`Self::add_operation`]).
    pub fn add_grant(&mut self, grantee: Grantee, operation: &str, grant: GrantEntry) {
        if let Some(op) = self.operations.get(operation) {
            self.grants.entry((grantee, op.id)).or_default().push(grant);
        }
    }

    /// Add a legal basis and its validity window.
    pub fn add_legal_basis(&mut self, code: &str, valid_from: i64, valid_to: Option<i64>) {
        self.legal_bases
            .insert(code.to_ascii_uppercase(), (valid_from, valid_to));
    }

    /// Find the caller of a TLS client certificate.
    pub fn caller(&self, thumbprints: &Thumbprints) -> Option<&Caller> {
        self.by_sha256
            .get(&thumbprints.sha256)
            .or_else(|| self.by_sha1.get(&thumbprints.sha1))
    }

    /// The caller of a registered certificate that is in force at `now`: active, with its
    /// system and consumer, and not withdrawn (revoked, retired, other environment). Defence
    /// in depth for TLS clients, whose withdrawn certificates the verifier already refuses; the
    /// whole check for a certificate that signs a request.
    pub fn caller_in_force(&self, thumbprints: &Thumbprints, now: i64) -> Result<&Caller, Denial> {
        let caller = self
            .caller(thumbprints)
            .ok_or(Denial::CertificateNotFound)?;
        if !caller.active || self.withdrawal(thumbprints, now).is_some() {
            return Err(Denial::CertificateInactive);
        }
        Ok(caller)
    }

    /// Decide whether the holder of `thumbprints` may call `operation` at `now` (Unix seconds)
    /// citing `law_reason`. The order: certificate known, certificate active (RegiX's
    /// refusals), a grant of the operation in force (a grant outside its window does not
    /// exist), the legal basis cited, known, in force and accepted by one of those grants,
    /// and finally the operation enabled.
    pub fn authorize(
        &self,
        thumbprints: &Thumbprints,
        operation: &str,
        law_reason: Option<&str>,
        now: i64,
    ) -> Result<Authorized<'_>, Denial> {
        let caller = self.caller_in_force(thumbprints, now)?;
        // An operation the store does not know cannot have been granted.
        let op = self.operations.get(operation).ok_or(Denial::NotGranted)?;
        let in_force: Vec<&GrantEntry> = [
            Grantee::System(caller.system_id),
            Grantee::Consumer(caller.consumer_id),
        ]
        .iter()
        .filter_map(|g| self.grants.get(&(*g, op.id)))
        .flatten()
        .filter(|g| in_window(now, g.valid_from, g.valid_to))
        .collect();
        if in_force.is_empty() {
            return Err(Denial::NotGranted);
        }
        let code = cited_code(law_reason).ok_or(Denial::LegalBasisMissing)?;
        let &(from, to) = self
            .legal_bases
            .get(&code)
            .ok_or_else(|| Denial::LegalBasisUnknown(code.clone()))?;
        if !in_window(now, from, to) {
            return Err(Denial::LegalBasisNotInForce(code));
        }
        let covering: Vec<&GrantEntry> = in_force
            .into_iter()
            .filter(|g| g.legal_bases.contains(&code))
            .collect();
        if covering.is_empty() {
            return Err(Denial::LegalBasisNotGranted(code));
        }
        if !op.enabled {
            return Err(Denial::OperationDisabled);
        }
        let fields = covering
            .iter()
            .skip(1)
            .fold(covering[0].fields.clone(), |acc, g| acc.union(&g.fields));
        Ok(Authorized {
            caller,
            legal_basis: code,
            fields,
            grants: covering.iter().map(|g| (g.grant_id, g.version)).collect(),
            sign_result: op.sign_result,
        })
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
            request_signature: RequestPolicy::default(),
            result_profile: Profile::default(),
        }
    }

    fn tp(s: &str) -> Thumbprints {
        Thumbprints {
            sha256: s.repeat(64),
            sha1: s.repeat(40),
        }
    }

    fn grant(id: i64, bases: &[&str], from: i64, to: Option<i64>) -> GrantEntry {
        GrantEntry {
            grant_id: id,
            version: 1,
            legal_bases: bases.iter().map(|b| b.to_string()).collect(),
            fields: FieldSet::none(),
            valid_from: from,
            valid_to: to,
        }
    }

    fn policy() -> PolicySnapshot {
        let mut p = PolicySnapshot::default();
        p.add_certificate(&"A".repeat(64), &"a".repeat(40), caller(1, true));
        p.add_certificate(&"b".repeat(64), &"b".repeat(40), caller(2, false));
        p.add_operation(
            "op",
            OperationEntry {
                id: 5,
                enabled: true,
                sign_result: true,
            },
        );
        p.add_operation(
            "off",
            OperationEntry {
                id: 6,
                enabled: false,
                sign_result: true,
            },
        );
        p.add_legal_basis("LB-1", 0, None);
        p.add_legal_basis("LB-2", 0, None);
        p.add_legal_basis("OLD", 0, Some(100));
        p.add_grant(
            Grantee::System(1),
            "op",
            grant(1, &["LB-1", "OLD"], 0, None),
        );
        p.add_grant(Grantee::System(1), "off", grant(2, &["LB-1"], 0, None));
        p
    }

    #[test]
    fn decides_in_order() {
        let p = policy();
        let lb = Some("LB-1: remark");
        assert_eq!(
            p.authorize(&tp("c"), "op", lb, 500).unwrap_err(),
            Denial::CertificateNotFound
        );
        assert_eq!(
            p.authorize(&tp("b"), "op", lb, 500).unwrap_err(),
            Denial::CertificateInactive
        );
        assert_eq!(
            p.authorize(&tp("a"), "unknown", lb, 500).unwrap_err(),
            Denial::NotGranted
        );
        let ok = p.authorize(&tp("a"), "op", lb, 500).unwrap();
        assert_eq!((ok.caller.system_id, ok.legal_basis.as_str()), (1, "LB-1"));
        assert_eq!(ok.grants, vec![(1, 1)]);
        assert_eq!(
            p.authorize(&tp("a"), "off", lb, 500).unwrap_err(),
            Denial::OperationDisabled
        );
        // A SHA-1-only match is enough to identify the caller.
        let sha1_only = Thumbprints {
            sha256: "f".repeat(64),
            sha1: "a".repeat(40),
        };
        assert!(p.authorize(&sha1_only, "op", lb, 500).is_ok());
    }

    #[test]
    fn withdrawn_certificates_are_inactive_at_call_time() {
        let mut p = policy();
        let lb = Some("LB-1");
        p.set_standing(
            1,
            Standing {
                retire_at: Some(600),
                environment: Some(Environment::Test),
                ..Standing::default()
            },
        );
        assert!(p.authorize(&tp("a"), "op", lb, 500).is_ok());
        assert_eq!(
            p.authorize(&tp("a"), "op", lb, 600).unwrap_err(),
            Denial::CertificateInactive
        );
        let production = p.clone().for_environment(Environment::Production);
        assert_eq!(
            production.withdrawal(&tp("a"), 500),
            Some(Withdrawal::OtherEnvironment)
        );
        assert_eq!(
            production.authorize(&tp("a"), "op", lb, 500).unwrap_err(),
            Denial::CertificateInactive
        );
        let test = p.for_environment(Environment::Test);
        assert!(test.authorize(&tp("a"), "op", lb, 500).is_ok());
    }

    #[test]
    fn each_legal_basis_refusal_is_distinct() {
        let p = policy();
        let a = tp("a");
        assert_eq!(
            p.authorize(&a, "op", None, 500).unwrap_err(),
            Denial::LegalBasisMissing
        );
        assert_eq!(
            p.authorize(&a, "op", Some("по закон"), 500).unwrap_err(),
            Denial::LegalBasisMissing
        );
        assert_eq!(
            p.authorize(&a, "op", Some("NOPE"), 500).unwrap_err(),
            Denial::LegalBasisUnknown("NOPE".into())
        );
        assert_eq!(
            p.authorize(&a, "op", Some("old"), 500).unwrap_err(),
            Denial::LegalBasisNotInForce("OLD".into())
        );
        assert!(p.authorize(&a, "op", Some("old"), 50).is_ok());
        assert_eq!(
            p.authorize(&a, "op", Some("LB-2"), 500).unwrap_err(),
            Denial::LegalBasisNotGranted("LB-2".into())
        );
    }

    #[test]
    fn a_grant_outside_its_window_does_not_exist() {
        let mut p = policy();
        p.add_grant(
            Grantee::System(1),
            "op",
            grant(3, &["LB-2"], 1000, Some(2000)),
        );
        assert_eq!(
            p.authorize(&tp("a"), "op", Some("LB-2"), 999).unwrap_err(),
            Denial::LegalBasisNotGranted("LB-2".into())
        );
        assert!(p.authorize(&tp("a"), "op", Some("LB-2"), 1000).is_ok());
        assert_eq!(
            p.authorize(&tp("a"), "op", Some("LB-2"), 2000).unwrap_err(),
            Denial::LegalBasisNotGranted("LB-2".into())
        );
        let mut q = PolicySnapshot::default();
        q.add_certificate(&"a".repeat(64), &"a".repeat(40), caller(1, true));
        q.add_operation(
            "op",
            OperationEntry {
                id: 5,
                enabled: true,
                sign_result: true,
            },
        );
        q.add_legal_basis("LB-1", 0, None);
        q.add_grant(Grantee::System(1), "op", grant(4, &["LB-1"], 0, Some(10)));
        assert_eq!(
            q.authorize(&tp("a"), "op", Some("LB-1"), 10).unwrap_err(),
            Denial::NotGranted
        );
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
                sign_result: true,
            },
        );
        p.add_legal_basis("LB-1", 0, None);
        assert_eq!(
            p.authorize(&tp("a"), "op", Some("LB-1"), 1).unwrap_err(),
            Denial::NotGranted
        );
        p.add_grant(Grantee::Consumer(10), "op", grant(1, &["LB-1"], 0, None));
        assert!(p.authorize(&tp("a"), "op", Some("LB-1"), 1).is_ok());
    }
}
