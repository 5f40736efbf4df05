//! Signed requests: the WS-Security X.509 token profile as WCF, WSS4J and zeep's
//! `BinarySignature` produce it — one `wsse:Security` header holding a `BinarySecurityToken`,
//! a `wsu:Timestamp` and one `ds:Signature` whose references cover the SOAP Body and the
//! Timestamp, canonicalised with exclusive C14N.
//!
//! Checked here, in this order, before and around the engine's cryptography:
//! 1. shape: one Security header, one Signature in the whole message (inside it), one X.509
//!    token, one Body;
//! 2. algorithms: canonicalisation, signature, digest and transforms on the allow-list;
//! 3. wrapping: every `Id` in the message is unique, and the references point at *the* Body
//!    (the Envelope's one Body child, the one the gateway processes), at *the* Timestamp, or at
//!    other headers — never at an element somewhere else;
//! 4. freshness: `Created` within the allowed age (plus clock skew), `Expires` not passed;
//! 5. signer: the token's certificate is registered, in force, valid now, and belongs to the
//!    same consumer as the TLS client certificate;
//! 6. the signature itself (engine);
//! 7. replay: the same signature value is accepted once while its timestamp is fresh.

use std::collections::HashMap;
use std::sync::Arc;

use base64::Engine as _;
use sha2::Digest as _;

use super::algorithms::AlgorithmPolicy;
use super::engine::XmlDsig;
use super::replay::{Admission, ReplayCache};
use super::{DS_NS, WSSE_NS, WSU_NS};
use crate::policy::Thumbprints;
use crate::soap::xml::Element;

/// What a consumer's requests must carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RequestPolicy {
    /// Every request must be signed.
    Required,
    /// A signature, when present, must verify; unsigned requests are accepted.
    #[default]
    Optional,
    /// Signatures are not processed (a Security header marked mustUnderstand is refused).
    Off,
}

impl RequestPolicy {
    pub fn name(self) -> &'static str {
        match self {
            RequestPolicy::Required => "required",
            RequestPolicy::Optional => "optional",
            RequestPolicy::Off => "off",
        }
    }

    pub fn parse(s: &str) -> Option<RequestPolicy> {
        match s {
            "required" => Some(RequestPolicy::Required),
            "optional" => Some(RequestPolicy::Optional),
            "off" => Some(RequestPolicy::Off),
            _ => None,
        }
    }
}

/// Why a signed (or unsigned) request is refused. Each is a stable code (see [`Self::code`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("The request must be signed: a wsse:Security header with a BinarySecurityToken, a Timestamp and a ds:Signature over the Body and the Timestamp")]
    Missing,
    #[error("The request's WS-Security header is malformed: {0}")]
    Malformed(String),
    #[error("The request's signature does not cover the message as processed: {0}")]
    Wrapping(String),
    #[error("The request's signature uses an algorithm that is not accepted: {0}")]
    Algorithm(String),
    #[error("The request's Timestamp is not acceptable: {0}")]
    Timestamp(String),
    #[error("The request's signing certificate is not acceptable: {0}")]
    Signer(String),
    #[error("The request's signature does not verify: {0}")]
    Invalid(String),
    #[error("This signed request was already received")]
    Replay,
    #[error("Signed requests cannot be checked for replay right now; try again later")]
    ReplayCacheFull,
    /// The consumer's policy is `off` and the Security header is mandatory.
    #[error("Header {{{WSSE_NS}}}Security is marked mustUnderstand but signatures are off for this consumer")]
    NotUnderstood,
}

impl SignatureError {
    pub fn code(&self) -> &'static str {
        match self {
            SignatureError::Missing => "signature.missing",
            SignatureError::Malformed(_) => "signature.malformed",
            SignatureError::Wrapping(_) => "signature.wrapping",
            SignatureError::Algorithm(_) => "signature.algorithm",
            SignatureError::Timestamp(_) => "signature.timestamp",
            SignatureError::Signer(_) => "signature.signer",
            SignatureError::Invalid(_) => "signature.invalid",
            SignatureError::Replay => "signature.replay",
            SignatureError::ReplayCacheFull => "signature.replay-cache-full",
            SignatureError::NotUnderstood => "soap.must-understand",
        }
    }
}

/// The certificate a verified request was signed with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedBy {
    pub certificate_sha256: String,
}

/// How the request path answers "whose is this certificate?": the consumer id of a registered
/// certificate in force now, or why it is not acceptable.
pub type SignerLookup<'a> = &'a dyn Fn(&Thumbprints) -> Result<i64, String>;

/// Who is calling, and what their policy asks.
#[derive(Clone, Copy)]
pub struct CallerPolicy<'a> {
    pub policy: RequestPolicy,
    /// The consumer of the TLS client certificate.
    pub consumer_id: i64,
    pub signer_of: SignerLookup<'a>,
    /// Unix seconds.
    pub now: i64,
}

/// Settings for signed requests (`[signatures.requests]`).
#[derive(Debug, Clone)]
pub struct RequestSettings {
    pub algorithms: AlgorithmPolicy,
    /// How old a Timestamp's `Created` may be, in seconds.
    pub max_age_s: i64,
    /// Clock difference tolerated between consumer and gateway, in seconds.
    pub clock_skew_s: i64,
    pub replay_capacity: usize,
}

/// The request-signature checker, shared by every connection.
pub struct RequestSignatures {
    engine: Arc<dyn XmlDsig>,
    settings: RequestSettings,
    replay: ReplayCache,
}

impl std::fmt::Debug for RequestSignatures {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestSignatures")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

/// The role of an element that carries an Id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Body,
    Timestamp,
    /// A SOAP header other than Security (WS-Addressing headers, for instance).
    Header,
    Elsewhere,
}

/// The most references a request's signature may have.
const MAX_REFERENCES: usize = 16;

/// The attribute local names that carry an Id: those the engine resolves references by, so
/// both agree on what a reference points at.
const ID_NAMES: &[&str] = &["Id", "ID", "id", "AssertionID"];

fn malformed(m: impl Into<String>) -> SignatureError {
    SignatureError::Malformed(m.into())
}
fn wrapping(m: impl Into<String>) -> SignatureError {
    SignatureError::Wrapping(m.into())
}

fn only<'a>(
    mut items: impl Iterator<Item = &'a Element>,
    what: &str,
) -> Result<Option<&'a Element>, SignatureError> {
    let first = items.next();
    if items.next().is_some() {
        return Err(wrapping(format!("more than one {what}")));
    }
    Ok(first)
}

fn parse_time(e: &Element, what: &str) -> Result<i64, SignatureError> {
    let text = e.text();
    time::OffsetDateTime::parse(text.trim(), &time::format_description::well_known::Rfc3339)
        .map(|t| t.unix_timestamp())
        .map_err(|_| {
            SignatureError::Timestamp(format!(
                "{what} '{}' is not an xsd:dateTime with a time zone",
                text.trim()
            ))
        })
}

impl RequestSignatures {
    pub fn new(engine: Arc<dyn XmlDsig>, settings: RequestSettings) -> RequestSignatures {
        RequestSignatures {
            replay: ReplayCache::new(settings.replay_capacity),
            engine,
            settings,
        }
    }

    /// Check the request `envelope` (parsed from `message`, SOAP envelope namespace `env_ns`)
    /// of `caller`. `Ok(None)`: unsigned, and that is acceptable.
    pub fn check(
        &self,
        envelope: &Element,
        env_ns: &str,
        message: &[u8],
        caller: &CallerPolicy<'_>,
    ) -> Result<Option<SignedBy>, SignatureError> {
        let CallerPolicy {
            policy,
            consumer_id,
            signer_of,
            now,
        } = *caller;
        // 1. Shape.
        let header = only(
            envelope.elements().filter(|e| e.is(env_ns, "Header")),
            "SOAP Header",
        )?;
        let security = match header {
            None => None,
            Some(h) => only(
                h.elements().filter(|e| e.is(WSSE_NS, "Security")),
                "wsse:Security header",
            )?,
        };
        let Some(security) = security else {
            return match policy {
                RequestPolicy::Required => Err(SignatureError::Missing),
                _ => Ok(None),
            };
        };
        if policy == RequestPolicy::Off {
            let must = matches!(
                security.attribute(env_ns, "mustUnderstand").map(str::trim),
                Some("1") | Some("true")
            );
            return if must {
                Err(SignatureError::NotUnderstood)
            } else {
                Ok(None)
            };
        }
        let mut signatures = Vec::new();
        collect(envelope, DS_NS, "Signature", &mut signatures);
        let signature = match signatures.as_slice() {
            [] => {
                return match policy {
                    RequestPolicy::Required => Err(SignatureError::Missing),
                    _ => Err(malformed("the Security header holds no ds:Signature")),
                }
            }
            [one] => *one,
            _ => return Err(wrapping("the message holds more than one ds:Signature")),
        };
        if !security.elements().any(|e| std::ptr::eq(e, signature)) {
            return Err(wrapping(
                "the ds:Signature is not a child of the Security header",
            ));
        }
        let token = only(
            security
                .elements()
                .filter(|e| e.is(WSSE_NS, "BinarySecurityToken")),
            "BinarySecurityToken",
        )?
        .ok_or_else(|| malformed("no BinarySecurityToken carries the signing certificate"))?;
        if !token
            .attribute("", "ValueType")
            .is_some_and(|v| v.ends_with("#X509v3"))
        {
            return Err(malformed(
                "the BinarySecurityToken is not an X.509 v3 certificate",
            ));
        }
        let b64: String = token.text().split_whitespace().collect();
        let cert_der = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .map_err(|_| malformed("the BinarySecurityToken is not base64"))?;
        let timestamp = only(
            security.elements().filter(|e| e.is(WSU_NS, "Timestamp")),
            "wsu:Timestamp",
        )?
        .ok_or_else(|| {
            SignatureError::Timestamp("the Security header has no wsu:Timestamp".into())
        })?;
        let body = only(
            envelope.elements().filter(|e| e.is(env_ns, "Body")),
            "SOAP Body",
        )?
        .ok_or_else(|| malformed("no SOAP Body"))?;

        // 2. Algorithms.
        let signed_info = only(
            signature.elements().filter(|e| e.is(DS_NS, "SignedInfo")),
            "SignedInfo",
        )?
        .ok_or_else(|| malformed("the signature has no SignedInfo"))?;
        let allowed = |e: Option<&Element>, what: &str| -> Result<(), SignatureError> {
            let alg = e
                .and_then(|e| e.attribute("", "Algorithm"))
                .ok_or_else(|| malformed(format!("no {what}")))?;
            if self.settings.algorithms.allows(alg) {
                Ok(())
            } else {
                Err(SignatureError::Algorithm(format!("{what} {alg}")))
            }
        };
        allowed(
            signed_info.child(DS_NS, "CanonicalizationMethod"),
            "CanonicalizationMethod",
        )?;
        allowed(
            signed_info.child(DS_NS, "SignatureMethod"),
            "SignatureMethod",
        )?;
        let mut uris = Vec::new();
        for reference in signed_info.elements().filter(|e| e.is(DS_NS, "Reference")) {
            allowed(reference.child(DS_NS, "DigestMethod"), "DigestMethod")?;
            if let Some(transforms) = reference.child(DS_NS, "Transforms") {
                for t in transforms.elements() {
                    allowed(Some(t), "Transform")?;
                }
            }
            let uri = reference
                .attribute("", "URI")
                .ok_or_else(|| wrapping("a reference without URI"))?;
            let id = uri
                .strip_prefix('#')
                .filter(|id| !id.is_empty() && !id.contains('('))
                .ok_or_else(|| {
                    wrapping(format!("reference URI '{uri}' is not a same-document #Id"))
                })?;
            if uris.iter().any(|u| u == id) {
                return Err(wrapping(format!("#{id} is referenced twice")));
            }
            uris.push(id.to_string());
        }
        // Each reference costs a canonicalisation and a digest of its element: bound the work
        // a request can ask for (the Body, the Timestamp and a few headers are all it needs).
        if uris.len() > MAX_REFERENCES {
            return Err(malformed(format!(
                "{} references; at most {MAX_REFERENCES} are accepted",
                uris.len()
            )));
        }

        // 3. Wrapping.
        let mut ids: HashMap<String, Role> = HashMap::new();
        for a in &envelope.attributes {
            if ID_NAMES.contains(&a.local.as_str()) {
                ids.insert(a.value.clone(), Role::Elsewhere);
            }
        }
        index_ids(envelope, header, security, timestamp, body, &mut ids)?;
        let mut covers_body = false;
        let mut covers_timestamp = false;
        for id in &uris {
            match ids.get(id) {
                None => return Err(wrapping(format!("reference #{id} points at no element"))),
                Some(Role::Body) => covers_body = true,
                Some(Role::Timestamp) => covers_timestamp = true,
                Some(Role::Header) => {}
                Some(Role::Elsewhere) => {
                    return Err(wrapping(format!(
                        "reference #{id} points at an element that is neither the Body, the Timestamp nor a header"
                    )))
                }
            }
        }
        if !covers_body {
            return Err(wrapping("the signature does not cover the SOAP Body"));
        }
        if !covers_timestamp {
            return Err(wrapping("the signature does not cover the Timestamp"));
        }

        // 4. Freshness.
        let skew = self.settings.clock_skew_s;
        let created = parse_time(
            timestamp
                .child(WSU_NS, "Created")
                .ok_or_else(|| SignatureError::Timestamp("no Created".into()))?,
            "Created",
        )?;
        if created > now + skew {
            return Err(SignatureError::Timestamp(format!(
                "Created is {}s in the future",
                created - now
            )));
        }
        if now - created > self.settings.max_age_s + skew {
            return Err(SignatureError::Timestamp(format!(
                "Created is {}s old; at most {}s are accepted",
                now - created,
                self.settings.max_age_s
            )));
        }
        if let Some(expires) = timestamp.child(WSU_NS, "Expires") {
            let expires = parse_time(expires, "Expires")?;
            if now > expires + skew {
                return Err(SignatureError::Timestamp(
                    "the Timestamp has expired".into(),
                ));
            }
        }

        // 5. Signer.
        let thumbprints = Thumbprints::of(&cert_der);
        let (_, cert) = x509_parser::parse_x509_certificate(&cert_der)
            .map_err(|_| malformed("the BinarySecurityToken is not an X.509 certificate"))?;
        let validity = cert.validity();
        if now < validity.not_before.timestamp() || now > validity.not_after.timestamp() {
            return Err(SignatureError::Signer(
                "the certificate is not valid now".into(),
            ));
        }
        let signer_consumer = signer_of(&thumbprints).map_err(SignatureError::Signer)?;
        if signer_consumer != consumer_id {
            return Err(SignatureError::Signer(
                "the certificate belongs to another consumer than the TLS client certificate"
                    .into(),
            ));
        }

        // 6. The signature (over the bytes as received; the reader already required UTF-8).
        let text =
            std::str::from_utf8(message).map_err(|_| malformed("the request is not UTF-8"))?;
        let verified = self
            .engine
            .verify(text, &cert_der)
            .map_err(|e| SignatureError::Invalid(e.to_string()))?;
        let verified: Vec<&str> = verified.iter().map(|u| u.trim_start_matches('#')).collect();
        if verified.len() != uris.len() || uris.iter().any(|u| !verified.contains(&u.as_str())) {
            return Err(wrapping(
                "the engine verified other references than those checked",
            ));
        }

        // 7. Replay.
        let value: String = signature
            .child(DS_NS, "SignatureValue")
            .map(|v| v.text().split_whitespace().collect())
            .unwrap_or_default();
        let key: [u8; 32] = sha2::Sha256::digest(value.as_bytes()).into();
        let until = created + self.settings.max_age_s + skew;
        match self.replay.admit(key, until, now) {
            Admission::New => Ok(Some(SignedBy {
                certificate_sha256: thumbprints.sha256,
            })),
            Admission::Replay => Err(SignatureError::Replay),
            Admission::Full => Err(SignatureError::ReplayCacheFull),
        }
    }
}

fn collect<'a>(e: &'a Element, ns: &str, local: &str, out: &mut Vec<&'a Element>) {
    if e.is(ns, local) {
        out.push(e);
    }
    for c in e.elements() {
        collect(c, ns, local, out);
    }
}

/// Map every Id in the message to the role of its element; a repeated Id is wrapping.
fn index_ids(
    e: &Element,
    header: Option<&Element>,
    security: &Element,
    timestamp: &Element,
    body: &Element,
    ids: &mut HashMap<String, Role>,
) -> Result<(), SignatureError> {
    for c in e.elements() {
        let role = if std::ptr::eq(c, body) {
            Role::Body
        } else if std::ptr::eq(c, timestamp) {
            Role::Timestamp
        } else if header.is_some_and(|h| std::ptr::eq(e, h)) && !std::ptr::eq(c, security) {
            Role::Header
        } else {
            Role::Elsewhere
        };
        for a in &c.attributes {
            if ID_NAMES.contains(&a.local.as_str()) && ids.insert(a.value.clone(), role).is_some() {
                return Err(wrapping(format!("Id '{}' occurs more than once", a.value)));
            }
        }
        index_ids(c, header, security, timestamp, body, ids)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    //! The structural refusals, which come before any cryptography. Signatures made by real
    //! clients (zeep, xmlsec1) and the attacks on them are in `tests/e2e/signatures.rs`.
    use super::*;
    use crate::dsig::Bergshamra;
    use crate::soap::envelope::SOAP11_NS;
    use crate::soap::xml::{parse, Limits};

    fn checker() -> RequestSignatures {
        RequestSignatures::new(
            Arc::new(Bergshamra),
            RequestSettings {
                algorithms: AlgorithmPolicy::default(),
                max_age_s: 300,
                clock_skew_s: 60,
                replay_capacity: 10,
            },
        )
    }

    const SIGNED_INFO: &str = r##"<ds:SignedInfo><ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/><ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"/><ds:Reference URI="#b"><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue>AA==</ds:DigestValue></ds:Reference><ds:Reference URI="#t"><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue>AA==</ds:DigestValue></ds:Reference></ds:SignedInfo>"##;

    /// An envelope with a Security header holding `security` and a Body with Id `b`.
    fn envelope(security: &str, extra_header: &str, body_extra: &str) -> String {
        format!(
            r#"<s:Envelope xmlns:s="{SOAP11_NS}" xmlns:wsse="{WSSE_NS}" xmlns:wsu="{WSU_NS}" xmlns:ds="{DS_NS}"><s:Header>{extra_header}<wsse:Security s:mustUnderstand="1">{security}</wsse:Security></s:Header><s:Body wsu:Id="b"><x/></s:Body>{body_extra}</s:Envelope>"#
        )
    }

    fn parts(signed_info: &str) -> String {
        format!(
            r#"<wsse:BinarySecurityToken ValueType="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3">AAAA</wsse:BinarySecurityToken><wsu:Timestamp wsu:Id="t"><wsu:Created>2026-01-01T00:00:00Z</wsu:Created></wsu:Timestamp><ds:Signature>{signed_info}<ds:SignatureValue>AA==</ds:SignatureValue></ds:Signature>"#
        )
    }

    fn check(text: &str, policy: RequestPolicy) -> Result<Option<SignedBy>, SignatureError> {
        let root = parse(text.as_bytes(), Limits::default()).unwrap();
        let lookup = |_: &Thumbprints| -> Result<i64, String> { Ok(1) };
        checker().check(
            &root,
            SOAP11_NS,
            text.as_bytes(),
            &CallerPolicy {
                policy,
                consumer_id: 1,
                signer_of: &lookup,
                now: 1_767_225_600,
            },
        )
    }

    fn code(text: &str) -> &'static str {
        check(text, RequestPolicy::Optional).unwrap_err().code()
    }

    #[test]
    fn unsigned_requests_follow_the_policy() {
        let plain =
            format!(r#"<s:Envelope xmlns:s="{SOAP11_NS}"><s:Body><x/></s:Body></s:Envelope>"#);
        assert_eq!(check(&plain, RequestPolicy::Optional), Ok(None));
        assert_eq!(check(&plain, RequestPolicy::Off), Ok(None));
        assert_eq!(
            check(&plain, RequestPolicy::Required),
            Err(SignatureError::Missing)
        );
        let signed = envelope(&parts(SIGNED_INFO), "", "");
        assert_eq!(
            check(&signed, RequestPolicy::Off),
            Err(SignatureError::NotUnderstood)
        );
    }

    #[test]
    fn shapes_that_hide_what_is_signed_are_wrapping() {
        let p = parts(SIGNED_INFO);
        let two_headers = envelope(&p, r#"<wsse:Security/>"#, "");
        assert_eq!(code(&two_headers), "signature.wrapping");
        let second_body = envelope(&p, "", "<s:Body><y/></s:Body>");
        assert_eq!(code(&second_body), "signature.wrapping");
        let outside = envelope(&p, "<h><ds:Signature/></h>", "");
        assert_eq!(code(&outside), "signature.wrapping");
        let dup = envelope(&p, r#"<h wsu:Id="b"/>"#, "");
        assert_eq!(code(&dup), "signature.wrapping");
        let elsewhere = envelope(&parts(&SIGNED_INFO.replace("#t", "#inner")), "", "")
            .replace("<x/>", r#"<x><y Id="inner"/></x>"#);
        assert_eq!(code(&elsewhere), "signature.wrapping");
        let xpointer = envelope(&parts(&SIGNED_INFO.replace("#b", "#xpointer(/)")), "", "");
        assert_eq!(code(&xpointer), "signature.wrapping");
        let not_body = envelope(&parts(&SIGNED_INFO.replace("#b", "#t")), "", "");
        assert_eq!(code(&not_body), "signature.wrapping");
        let reference = r##"<ds:Reference URI="#b"><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue>AA==</ds:DigestValue></ds:Reference>"##;
        let twice =
            SIGNED_INFO.replace("</ds:SignedInfo>", &format!("{reference}</ds:SignedInfo>"));
        assert_eq!(
            code(&envelope(&parts(&twice), "", "")),
            "signature.wrapping"
        );
        // Many references to distinct headers: bounded before any digest is computed.
        let mut many = String::from(SIGNED_INFO);
        let mut headers = String::new();
        for i in 0..MAX_REFERENCES {
            many = many.replace(
                "</ds:SignedInfo>",
                &format!(
                    "{}</ds:SignedInfo>",
                    reference.replace("#b", &format!("#h{i}"))
                ),
            );
            headers.push_str(&format!(r#"<h{i} wsu:Id="h{i}"/>"#));
        }
        assert_eq!(
            code(&envelope(&parts(&many), &headers, "")),
            "signature.malformed"
        );
    }

    #[test]
    fn algorithms_tokens_and_timestamps_are_checked_before_any_cryptography() {
        let sha1 = parts(&SIGNED_INFO.replace(
            "http://www.w3.org/2001/04/xmlenc#sha256",
            "http://www.w3.org/2000/09/xmldsig#sha1",
        ));
        assert_eq!(code(&envelope(&sha1, "", "")), "signature.algorithm");
        let inclusive = parts(&SIGNED_INFO.replace(
            "http://www.w3.org/2001/10/xml-exc-c14n#",
            "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
        ));
        assert_eq!(code(&envelope(&inclusive, "", "")), "signature.algorithm");
        let no_ts = parts(SIGNED_INFO).replace(
            r#"<wsu:Timestamp wsu:Id="t"><wsu:Created>2026-01-01T00:00:00Z</wsu:Created></wsu:Timestamp>"#,
            "",
        );
        assert_eq!(code(&envelope(&no_ts, "", "")), "signature.timestamp");
        let not_x509 = parts(SIGNED_INFO).replace("#X509v3", "#PKCS7");
        assert_eq!(code(&envelope(&not_x509, "", "")), "signature.malformed");
        // 2026-01-01T00:00:00Z is `now` in these tests: an hour later is in the future, a day
        // earlier is stale.
        for created in ["2026-01-01T01:00:00Z", "2025-12-31T00:00:00Z", "yesterday"] {
            let p = parts(SIGNED_INFO).replace("2026-01-01T00:00:00Z", created);
            assert_eq!(
                code(&envelope(&p, "", "")),
                "signature.timestamp",
                "{created}"
            );
        }
        // A fresh, well-formed message goes on to the certificate, which here is not one.
        assert_eq!(
            code(&envelope(&parts(SIGNED_INFO), "", "")),
            "signature.malformed"
        );
    }
}
