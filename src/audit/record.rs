//! What one audit record says, and the one place where identifiers become pseudonyms.
//!
//! A record is a JSON object stored exactly as it was hashed. A few of its fields are copied
//! into columns for queries ([`Columns`]); `regway audit verify` re-derives them from the JSON
//! with the same function and checks that they agree.

use serde_json::{json, Value};

use super::keys::IdentifierKeys;
use super::AuditError;
use crate::contract::CallContext;

/// What kind of event a record is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A SOAP call: allowed, refused or failed.
    Call,
    /// An administrative change (grant, legal basis, certificate…).
    Admin,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Call => "call",
            Kind::Admin => "admin",
        }
    }
}

/// The queryable copies of a record's fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Columns {
    pub kind: String,
    pub at: String,
    pub consumer: Option<String>,
    pub operation: Option<String>,
    pub legal_basis: Option<String>,
    pub outcome: String,
    pub correlation_id: Option<String>,
    pub subjects: Vec<String>,
}

impl Columns {
    /// Read the columns out of a record; the same function serves the writer and the verifier.
    pub fn of(record: &Value) -> Result<Columns, String> {
        let text = |k: &str| record.get(k).and_then(Value::as_str).map(str::to_string);
        let required = |k: &str| text(k).ok_or_else(|| format!("the record has no '{k}'"));
        let subjects = match record.get("subjects") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(a)) => a
                .iter()
                .map(|s| s.as_str().map(str::to_string))
                .collect::<Option<Vec<_>>>()
                .ok_or("'subjects' holds a non-string")?,
            Some(_) => return Err("'subjects' is not an array".to_string()),
        };
        let kind = required("kind")?;
        if kind != "call" && kind != "admin" {
            return Err(format!("unknown record kind '{kind}'"));
        }
        Ok(Columns {
            kind,
            at: required("at")?,
            consumer: text("consumer"),
            operation: text("operation"),
            legal_basis: text("legal_basis"),
            outcome: required("outcome")?,
            correlation_id: text("correlation_id"),
            subjects,
        })
    }
}

/// A record ready to append: its JSON text and the columns copied from it.
#[derive(Debug, Clone)]
pub struct Entry {
    pub record: String,
    pub columns: Columns,
}

impl Entry {
    /// Fix a record's text and columns.
    pub fn new(record: Value) -> Result<Entry, AuditError> {
        let columns = Columns::of(&record).map_err(AuditError::Record)?;
        Ok(Entry {
            record: record.to_string(),
            columns,
        })
    }
}

/// The time of an event, RFC 3339 UTC with microseconds (sortable as text).
pub fn timestamp(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.microsecond()
    )
}

/// What the pipeline learns about one call, step by step. Identifiers are held here in clear,
/// in memory only; [`CallFacts::into_entry`] is where they become pseudonyms.
#[derive(Debug, Default, Clone)]
pub struct CallFacts {
    /// `V2` or `V1`.
    pub contract: &'static str,
    /// SHA-256 thumbprint of the TLS client certificate.
    pub certificate: String,
    pub soap: Option<&'static str>,
    pub message_id: Option<String>,
    pub consumer: Option<String>,
    pub system: Option<String>,
    pub operation: Option<String>,
    pub legal_basis: Option<String>,
    /// Grants (id, version) that allowed the call.
    pub grants: Vec<(i64, i64)>,
    pub context: Option<CallContext>,
    pub citizen_egn: Option<String>,
    pub employee_egn: Option<String>,
    /// Subject identifiers found in the argument at the operation's declared paths.
    pub argument_subjects: Vec<String>,
    /// The field paths released (`*` for all).
    pub fields: Vec<String>,
    /// SHA-256 thumbprint of the certificate that signed the request (WS-Security), if signed.
    pub request_signer: Option<String>,
    /// The profile the result was signed in (`xades`, `regix-legacy`), if signed.
    pub result_signature: Option<&'static str>,
}

/// How a call ended.
#[derive(Debug, Clone)]
pub struct Outcome<'a> {
    /// `ok`, or the stable error code.
    pub code: &'a str,
    /// The error text given to the consumer, if any.
    pub error: Option<&'a str>,
    pub status: u16,
    pub latency_us: u64,
    pub request_sha256: Option<String>,
    pub response_sha256: String,
}

/// Identity of one call, also given to the consumer (header, `ServiceCallID`).
#[derive(Debug, Clone)]
pub struct CallIds {
    pub correlation_id: String,
    pub call_id: u64,
}

impl CallFacts {
    /// The record of a finished call. Every identifier leaves this function as a pseudonym:
    /// `CitizenEGN`, `EmployeeEGN`, the argument's subject identifiers, and any valid EGN that
    /// appears in a free-text field (`LawReason`, `Remark`…) or an error text.
    pub fn into_entry(
        self,
        keys: &IdentifierKeys,
        node: &str,
        ids: &CallIds,
        outcome: &Outcome<'_>,
        at: time::OffsetDateTime,
    ) -> Result<Entry, AuditError> {
        let mut subjects: Vec<String> = Vec::new();
        // The same identifier often comes twice (`CitizenEGN` and the argument's `EGN`): one
        // HMAC each. The identifiers stay in memory only, as they already are in `self`.
        let mut made: Vec<(String, String)> = Vec::new();
        let mut pseudonym = |id: &str| -> String {
            let id = id.trim();
            if let Some((_, p)) = made.iter().find(|(clear, _)| *clear == id) {
                return p.clone();
            }
            let p = keys.pseudonym(id);
            made.push((id.to_string(), p.clone()));
            p
        };
        fn given(s: &Option<String>) -> Option<&str> {
            s.as_deref().filter(|s| !s.trim().is_empty())
        }
        let mut subject = |p: String| {
            if !subjects.contains(&p) {
                subjects.push(p.clone());
            }
            p
        };
        let citizen = given(&self.citizen_egn).map(|s| subject(pseudonym(s)));
        for s in &self.argument_subjects {
            subject(pseudonym(s));
        }
        // The employee is not the subject of the call: pseudonymised, not indexed.
        let employee = given(&self.employee_egn).map(&mut pseudonym);
        let mut free = |t: &Option<String>| t.as_deref().map(|t| redact(t, keys, &mut subjects));
        let context = self.context.as_ref().map(|c| ContextRecord {
            service_uri: free(&c.service_uri),
            service_type: free(&c.service_type),
            employee_identifier: free(&c.employee_identifier),
            employee_names: free(&c.employee_names),
            employee_additional_identifier: free(&c.employee_additional_identifier),
            employee_position: free(&c.employee_position),
            administration_oid: free(&c.administration_oid),
            administration_name: free(&c.administration_name),
            responsible_person_identifier: free(&c.responsible_person_identifier),
            law_reason: free(&c.law_reason),
            remark: free(&c.remark),
        });
        let error = free(&outcome.error.map(str::to_string));
        let message_id = free(&self.message_id);
        let record = CallRecord {
            v: 1,
            kind: "call",
            at: timestamp(at),
            node,
            correlation_id: &ids.correlation_id,
            call_id: ids.call_id,
            message_id,
            contract: self.contract,
            soap: self.soap,
            certificate: &self.certificate,
            consumer: self.consumer.as_deref(),
            system: self.system.as_deref(),
            operation: self.operation.as_deref(),
            legal_basis: self.legal_basis.as_deref(),
            grants: &self.grants,
            context,
            citizen,
            employee,
            subjects: &subjects,
            fields: &self.fields,
            request_signer: self.request_signer.as_deref(),
            result_signature: self.result_signature,
            outcome: outcome.code,
            error,
            status: outcome.status,
            latency_us: outcome.latency_us,
            request_sha256: outcome.request_sha256.as_deref(),
            response_sha256: &outcome.response_sha256,
        };
        // Serialised straight from the struct (no JSON tree: this runs on every call); the
        // columns are taken from the same struct, and `audit verify` re-derives them from the
        // text with `Columns::of`, so a disagreement cannot go unnoticed.
        let text = serde_json::to_string(&record).map_err(|e| AuditError::Record(e.to_string()))?;
        let columns = Columns {
            kind: record.kind.to_string(),
            at: record.at.clone(),
            consumer: record.consumer.map(str::to_string),
            operation: record.operation.map(str::to_string),
            legal_basis: record.legal_basis.map(str::to_string),
            outcome: record.outcome.to_string(),
            correlation_id: Some(record.correlation_id.to_string()),
            subjects: subjects.clone(),
        };
        Ok(Entry {
            record: text,
            columns,
        })
    }
}

/// The JSON of a call record; field names are the record's schema (v1). Absent values are
/// left out rather than written as `null`: the record is written on every call.
#[derive(serde::Serialize)]
struct CallRecord<'a> {
    v: u8,
    kind: &'static str,
    at: String,
    node: &'a str,
    correlation_id: &'a str,
    call_id: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    message_id: Option<String>,
    contract: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    soap: Option<&'static str>,
    certificate: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    consumer: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    system: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    operation: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    legal_basis: Option<&'a str>,
    grants: &'a [(i64, i64)],
    #[serde(skip_serializing_if = "Option::is_none")]
    context: Option<ContextRecord>,
    #[serde(skip_serializing_if = "Option::is_none")]
    citizen: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    employee: Option<String>,
    subjects: &'a [String],
    fields: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    request_signer: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    result_signature: Option<&'static str>,
    outcome: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    status: u16,
    latency_us: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    request_sha256: Option<&'a str>,
    response_sha256: &'a str,
}

/// The CallContext as recorded: every free-text field with EGNs replaced by pseudonyms.
#[derive(serde::Serialize)]
struct ContextRecord {
    #[serde(skip_serializing_if = "Option::is_none")]
    service_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    service_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    employee_identifier: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    employee_names: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    employee_additional_identifier: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    employee_position: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    administration_oid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    administration_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    responsible_person_identifier: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    law_reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    remark: Option<String>,
}

/// The record of an administrative change.
pub fn admin_entry(
    actor: &str,
    action: &str,
    target: &str,
    reason: Option<&str>,
    details: &Value,
    at: time::OffsetDateTime,
) -> Result<Entry, AuditError> {
    Entry::new(json!({
        "v": 1,
        "kind": "admin",
        "at": timestamp(at),
        "actor": actor,
        "action": action,
        "target": target,
        "reason": reason,
        "details": details,
        "outcome": "ok",
    }))
}

/// The subject identifiers in a request argument: the text of every element at each of the
/// operation's declared dot paths below the root (matched by local name, as the corpus mixes
/// qualified and unqualified forms).
pub fn subjects_in(argument: &crate::soap::xml::Element, paths: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for path in paths {
        let mut level = vec![argument];
        for step in path.split('.') {
            level = level
                .into_iter()
                .flat_map(|e| e.elements().filter(move |c| c.local == step))
                .collect();
        }
        for e in level {
            let text = e.text();
            let text = text.trim();
            if !text.is_empty() && !found.iter().any(|f: &String| f == text) {
                found.push(text.to_string());
            }
        }
    }
    found
}

/// Whether ten ASCII digits form a valid EGN (Bulgarian personal number): a real date
/// (month +20 for 1800s, +40 for 2000s births) and the mod-11 check digit.
pub fn is_egn(digits: &[u8]) -> bool {
    if digits.len() != 10 || !digits.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let d: Vec<u32> = digits.iter().map(|b| u32::from(b - b'0')).collect();
    let month = d[2] * 10 + d[3];
    let day = d[4] * 10 + d[5];
    let month_ok = matches!(month, 1..=12 | 21..=32 | 41..=52);
    if !month_ok || !(1..=31).contains(&day) {
        return false;
    }
    const WEIGHTS: [u32; 9] = [2, 4, 8, 5, 10, 9, 7, 3, 6];
    let sum: u32 = WEIGHTS.iter().zip(&d).map(|(w, x)| w * x).sum();
    (sum % 11) % 10 == d[9]
}

/// Replace every valid EGN standing alone in free text (a run of exactly ten digits) by its
/// pseudonym, and note it as a subject of the call.
fn redact(text: &str, keys: &IdentifierKeys, subjects: &mut Vec<String>) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let mut copied = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        if is_egn(&bytes[start..i]) {
            let id = &text[start..i];
            let p = keys.pseudonym(id);
            out.push_str(&text[copied..start]);
            out.push_str("[subject ");
            out.push_str(&p);
            out.push(']');
            copied = i;
            if !subjects.contains(&p) {
                subjects.push(p);
            }
        }
    }
    out.push_str(&text[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> (tempfile::TempDir, IdentifierKeys) {
        let dir = tempfile::tempdir().unwrap();
        let k = IdentifierKeys::load_or_create(&dir.path().join("k")).unwrap();
        (dir, k)
    }

    #[test]
    fn egn_check_digit_and_date() {
        assert!(is_egn(b"7501010010"));
        assert!(is_egn(b"2447017682"), "a 2000s birth (month + 40)");
        assert!(!is_egn(b"7501010011"), "wrong check digit");
        assert!(!is_egn(b"7513010010"), "month 13");
        assert!(!is_egn(b"750101001"), "nine digits");
    }

    #[test]
    fn every_identifier_leaves_as_a_pseudonym() {
        let (_d, keys) = keys();
        let facts = CallFacts {
            citizen_egn: Some("7501010010".into()),
            employee_egn: Some("2447017682".into()),
            argument_subjects: vec!["7501010010".into(), "5003318524".into()],
            context: Some(CallContext {
                law_reason: Some("LB-1: check of 5003318524, file 123-4567890123".into()),
                remark: Some("about 7501010010".into()),
                ..CallContext::default()
            }),
            ..CallFacts::default()
        };
        let ids = CallIds {
            correlation_id: "c".into(),
            call_id: 1,
        };
        let outcome = Outcome {
            code: "ok",
            error: None,
            status: 200,
            latency_us: 1,
            request_sha256: None,
            response_sha256: "r".into(),
        };
        let entry = facts
            .into_entry(&keys, "n", &ids, &outcome, time::OffsetDateTime::UNIX_EPOCH)
            .unwrap();
        for clear in ["7501010010", "2447017682", "5003318524"] {
            assert!(!entry.record.contains(clear), "{clear} in {}", entry.record);
        }
        assert!(
            entry.record.contains("123-4567890123"),
            "digits that are no EGN stay"
        );
        assert_eq!(
            entry.columns.subjects,
            vec![keys.pseudonym("7501010010"), keys.pseudonym("5003318524")],
            "subjects: citizen and argument identifiers, each once; not the employee"
        );
        assert_eq!(entry.columns.at, "1970-01-01T00:00:00.000000Z");
        let parsed: Value = serde_json::from_str(&entry.record).unwrap();
        assert_eq!(
            Columns::of(&parsed).unwrap(),
            entry.columns,
            "the columns the writer stores are the ones verify derives"
        );
    }
}
