//! Reading a signed result back: who signed it, when, with what, and what it covers. Used by
//! `regway signature verify` and by the tests; the engine checks the cryptography, this module
//! checks that the signature is the one RegiX's form puts there (a sibling of `Data`, over
//! `#data` and its signed properties) and names the signer.

use std::sync::Arc;

use base64::Engine as _;
use sha2::Digest as _;

use super::algorithms::{C14N, EXC_C14N};
use super::engine::XmlDsig;
use super::{DsigError, DS_NS, XADES_NS};
use crate::soap::envelope::{SOAP11_NS, SOAP12_NS};
use crate::soap::xml::{self, Element, Limits};

/// Whom the signer must be.
#[derive(Debug, Clone)]
pub enum Trust {
    /// This certificate (DER) and no other.
    Certificate(Vec<u8>),
    /// A certificate issued by this CA (DER), valid now.
    Issuer(Vec<u8>),
    /// Whoever the embedded certificate names (the report says it is unanchored).
    Embedded,
}

/// Why a saved result does not verify.
#[derive(Debug, thiserror::Error)]
pub enum InspectError {
    #[error("the document is not well-formed XML: {0}")]
    Xml(#[from] xml::XmlError),
    #[error("{0}")]
    Shape(String),
    #[error("the signer's certificate is not the one expected")]
    OtherSigner,
    #[error("the signer's certificate is not trusted: {0}")]
    Untrusted(String),
    #[error(transparent)]
    Signature(#[from] DsigError),
}

/// What a verified signature says.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Report {
    /// `xades` or `regix-legacy`, after the canonicalisation method.
    pub profile: &'static str,
    pub signature_method: String,
    pub signer_subject: String,
    pub signer_issuer: String,
    pub signer_serial: String,
    pub signer_sha256: String,
    /// Whether the signer was checked against `--cert` or `--trust`.
    pub anchored: bool,
    pub signing_time: Option<String>,
    /// The references, each verified: `#data` and the signed properties.
    pub covered: Vec<String>,
    /// What `Data` holds: `Request`, `Response`, `Matrix` (when not nil).
    pub data_parts: Vec<String>,
}

fn shape(msg: impl Into<String>) -> InspectError {
    InspectError::Shape(msg.into())
}

fn descendant<'a>(e: &'a Element, ns: &str, local: &str) -> Option<&'a Element> {
    e.elements().find_map(|c| {
        if c.is(ns, local) {
            Some(c)
        } else {
            descendant(c, ns, local)
        }
    })
}

/// The element holding `Data` and its signature: the document element, or the result inside
/// a SOAP response.
fn result_element(root: &Element) -> Result<&Element, InspectError> {
    if root.local == "Envelope" && (root.ns == SOAP11_NS || root.ns == SOAP12_NS) {
        let mut found = None;
        find_holder(root, &mut found);
        return found.ok_or_else(|| shape("the SOAP message holds no signed result"));
    }
    Ok(root)
}

fn find_holder<'a>(e: &'a Element, found: &mut Option<&'a Element>) {
    if found.is_some() {
        return;
    }
    if e.elements().any(|c| c.is(DS_NS, "Signature")) && e.elements().any(|c| c.local == "Data") {
        *found = Some(e);
        return;
    }
    for c in e.elements() {
        find_holder(c, found);
    }
}

/// Verify the signature over `Data` in `xml` (a saved `ServiceResultData`, or a SOAP response
/// in the default profile) and say what it covers.
pub fn verify_result(
    engine: &Arc<dyn XmlDsig>,
    xml_text: &str,
    trust: &Trust,
) -> Result<Report, InspectError> {
    let root = xml::parse(xml_text.as_bytes(), Limits::default())?;
    let holder = result_element(&root)?;
    let signatures: Vec<&Element> = holder
        .elements()
        .filter(|c| c.is(DS_NS, "Signature"))
        .collect();
    let [signature] = signatures.as_slice() else {
        return Err(shape(format!(
            "expected one ds:Signature beside Data, found {}",
            signatures.len()
        )));
    };
    let data = holder
        .elements()
        .find(|c| c.local == "Data" && c.attribute("", "id") == Some("data"))
        .ok_or_else(|| shape("no Data element with id=\"data\" beside the signature"))?;
    let signed_info = signature
        .child(DS_NS, "SignedInfo")
        .ok_or_else(|| shape("the signature has no SignedInfo"))?;
    let algorithm = |e: Option<&Element>| {
        e.and_then(|e| e.attribute("", "Algorithm"))
            .unwrap_or_default()
            .to_string()
    };
    let c14n = algorithm(signed_info.child(DS_NS, "CanonicalizationMethod"));
    let profile = match c14n.as_str() {
        EXC_C14N => "xades",
        C14N => "regix-legacy",
        other => return Err(shape(format!("unexpected canonicalisation {other}"))),
    };
    if profile == "regix-legacy" && holder.ns != root.ns {
        return Err(shape(
            "a regix-legacy signature verifies over the extracted result only (inclusive C14N): save the ServiceResultData element as a document of its own",
        ));
    }
    let uris: Vec<&str> = signed_info
        .elements()
        .filter(|r| r.is(DS_NS, "Reference"))
        .filter_map(|r| r.attribute("", "URI"))
        .collect();
    if !uris.contains(&"#data") {
        return Err(shape("the signature does not reference #data"));
    }
    let props = descendant(signature, XADES_NS, "SignedProperties");
    let props_id = props.and_then(|p| p.attribute("", "Id"));
    if !props_id.is_some_and(|id| uris.contains(&format!("#{id}").as_str())) {
        return Err(shape("the signature does not cover XAdES SignedProperties"));
    }
    let embedded = descendant(signature, DS_NS, "X509Certificate")
        .map(|c| {
            let b64: String = c.text().split_whitespace().collect();
            base64::engine::general_purpose::STANDARD
                .decode(b64)
                .map_err(|_| shape("the embedded certificate is not base64"))
        })
        .transpose()?;
    let cert = match (trust, embedded) {
        (Trust::Certificate(expected), Some(e)) if *expected != e => {
            return Err(InspectError::OtherSigner)
        }
        (Trust::Certificate(expected), _) => expected.clone(),
        (_, None) => return Err(shape("the signature carries no X509Certificate")),
        (Trust::Issuer(ca), Some(e)) => {
            crate::pki::chain::verify_issued(&e, ca)
                .map_err(|err| InspectError::Untrusted(err.to_string()))?;
            e
        }
        (Trust::Embedded, Some(e)) => e,
    };
    // Placement is checked above: Data beside the signature, IDs unique (engine).
    let covered = engine.verify(xml_text, &cert)?;
    let (_, parsed) = x509_parser::parse_x509_certificate(&cert)
        .map_err(|e| shape(format!("the signer's certificate is not X.509: {e}")))?;
    let signing_time = props
        .and_then(|p| descendant(p, XADES_NS, "SigningTime"))
        .map(|t| t.text().trim().to_string());
    let data_parts = data
        .elements()
        .filter(|c| !c.is_nil())
        .map(|c| c.local.clone())
        .collect();
    Ok(Report {
        profile,
        signature_method: algorithm(signed_info.child(DS_NS, "SignatureMethod")),
        signer_subject: parsed.subject().to_string(),
        signer_issuer: parsed.issuer().to_string(),
        signer_serial: parsed.raw_serial_as_string(),
        signer_sha256: hex::encode(sha2::Sha256::digest(&cert)),
        anchored: !matches!(trust, Trust::Embedded),
        signing_time,
        covered,
        data_parts,
    })
}
