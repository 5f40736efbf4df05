//! Signing a result: XAdES-BES over `Data`, with the signature as `Data`'s next sibling.
//!
//! A result is signed as a document of its own (the result element with `xsi` and `xsd`
//! declared, NOTES §2.1), after field filtering, so the signature covers exactly what the
//! consumer receives, access matrix included. The signature is then placed in the response.
//!
//! Two profiles:
//! - [`Profile::Xades`] (default): exclusive C14N, SHA-256, ECDSA P-256 or RSA-SHA256. Exclusive
//!   C14N makes the signature verify in place, inside the SOAP envelope, as well as extracted.
//! - [`Profile::RegixLegacy`]: RegiX's own form (inclusive C14N, RSA-SHA1, SHA-1 digests, an
//!   enveloped-signature transform) for consumers whose verifiers expect it. Like RegiX's, it
//!   verifies over the extracted result document only: inclusive C14N takes in the namespaces
//!   the SOAP envelope declares.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use base64::Engine as _;

use super::algorithms::{C14N, ENVELOPED, EXC_C14N, SHA1, SHA256};
use super::engine::{C14n, XmlDsig};
use super::seal::{Seal, SealError, SignatureAlgorithm};
use super::{DsigError, DS_NS, XADES_NS};
use crate::contract::response::XSI_XSD;
use crate::contract::{Contract, ServiceResult};

/// A consumer's choice of result signature form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, serde::Serialize)]
pub enum Profile {
    #[default]
    #[serde(rename = "xades")]
    Xades,
    #[serde(rename = "regix-legacy")]
    RegixLegacy,
}

impl Profile {
    pub fn name(self) -> &'static str {
        match self {
            Profile::Xades => "xades",
            Profile::RegixLegacy => "regix-legacy",
        }
    }

    pub fn parse(s: &str) -> Option<Profile> {
        match s {
            "xades" => Some(Profile::Xades),
            "regix-legacy" => Some(Profile::RegixLegacy),
            _ => None,
        }
    }
}

/// Why a result could not be signed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignError {
    #[error(
        "the regix-legacy profile signs with RSA-SHA1, and the seal of '{0}' is not an RSA key"
    )]
    LegacyNeedsRsa(String),
    #[error("a result without Data cannot be signed")]
    NoData,
    #[error(transparent)]
    Engine(#[from] DsigError),
    #[error(transparent)]
    Seal(SealError),
}

/// What a result is, and how to sign it.
#[derive(Debug, Clone, Copy)]
pub struct SignRequest<'a> {
    pub contract: Contract,
    /// The adapter that answered: its seal signs, if it has one.
    pub adapter: &'a str,
    pub profile: Profile,
    /// Makes the signature's `Id` attributes unique in the response (the call id).
    pub id: u64,
    pub now: time::OffsetDateTime,
}

/// The seals results are signed with: the gateway's, and registries' own by adapter name.
pub struct ResultSigner {
    engine: Arc<dyn XmlDsig>,
    gateway: Arc<Seal>,
    by_adapter: HashMap<String, Arc<Seal>>,
}

impl std::fmt::Debug for ResultSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResultSigner")
            .field("gateway", &self.gateway)
            .field("by_adapter", &self.by_adapter)
            .finish_non_exhaustive()
    }
}

impl ResultSigner {
    pub fn new(
        engine: Arc<dyn XmlDsig>,
        gateway: Arc<Seal>,
        by_adapter: HashMap<String, Arc<Seal>>,
    ) -> ResultSigner {
        ResultSigner {
            engine,
            gateway,
            by_adapter,
        }
    }

    /// The seal of the registry behind `adapter`, or the gateway's.
    pub fn seal_for(&self, adapter: &str) -> &Arc<Seal> {
        self.by_adapter.get(adapter).unwrap_or(&self.gateway)
    }

    /// The `ds:Signature` over `result`'s `Data`, to be set as its signature.
    ///
    /// regway writes every byte of the signature, so it digests the three signed elements
    /// itself. `Data` comes from the adapter, so the engine canonicalises it, as a small
    /// document declaring the namespaces in scope where it stands (the result element's,
    /// `xsi`, `xsd`). Canonical forms depend on nothing else, so they equal what a verifier
    /// computes in place (default profile) or in the extracted result (both profiles).
    ///
    /// `SignedProperties` and `SignedInfo` are regway's own text. In the default profile they
    /// are written in their exclusive canonical form (each declares the prefixes it uses,
    /// sorted attributes, no empty-element tags), so the bytes sent are the bytes digested
    /// and signed, with no second parse; a test holds the engine to agree. Inclusive C14N
    /// (the legacy profile) takes in every namespace in scope, so there the engine does it.
    pub fn sign(&self, result: &ServiceResult, how: &SignRequest<'_>) -> Result<String, SignError> {
        let SignRequest {
            contract,
            adapter,
            profile,
            id,
            now,
        } = *how;
        let data = result.data.as_ref().ok_or(SignError::NoData)?;
        let seal = self.seal_for(adapter);
        let form = match profile {
            Profile::Xades => Form::modern(seal),
            Profile::RegixLegacy if seal.is_rsa() => Form::LEGACY,
            Profile::RegixLegacy => return Err(SignError::LegacyNeedsRsa(adapter.to_string())),
        };
        let scope = format!(" xmlns=\"{}\"{XSI_XSD}", contract.payload_ns());
        let mut data_xml = String::with_capacity(4096);
        data.write(&mut data_xml, "");
        let data_digest = form.digest(&self.canonical(&form, &data_xml, "Data", &scope, &[])?);
        let sid = format!("regway-sig-{id}");
        let props = signed_properties(&form, seal, &sid, now);
        let props_digest = form.digest(&self.own_canonical(
            &form,
            &props,
            "xades:SignedProperties",
            &scope,
            &[("ds", DS_NS), ("xades", XADES_NS)],
        )?);
        let signed_info = signed_info(&form, &sid, &data_digest, &props_digest);
        let to_sign = self.own_canonical(
            &form,
            &signed_info,
            "ds:SignedInfo",
            &scope,
            &[("ds", DS_NS)],
        )?;
        let value = seal
            .sign(form.signature, &to_sign)
            .map_err(SignError::Seal)?;
        Ok(format!(
            "<ds:Signature xmlns:ds=\"{DS_NS}\" Id=\"{sid}\">{signed_info}<ds:SignatureValue>{}</ds:SignatureValue><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{}</ds:X509Certificate></ds:X509Data></ds:KeyInfo><ds:Object><xades:QualifyingProperties xmlns:xades=\"{XADES_NS}\" Target=\"#{sid}\">{props}</xades:QualifyingProperties></ds:Object></ds:Signature>",
            base64::engine::general_purpose::STANDARD.encode(value),
            seal.cert_base64(),
        ))
    }

    /// The engine's canonical form of `element` (which starts with `<tag`) where it stands:
    /// `scope` and the `prefixes` declared in scope.
    fn canonical(
        &self,
        form: &Form,
        element: &str,
        tag: &str,
        scope: &str,
        prefixes: &[(&str, &str)],
    ) -> Result<Vec<u8>, DsigError> {
        let mut decls = scope.to_string();
        for (prefix, ns) in prefixes {
            decls.push_str(&format!(" xmlns:{prefix}=\"{ns}\""));
        }
        self.engine
            .canonicalize(&with_decls(element, tag, &decls), form.c14n)
    }

    /// The canonical form of one of regway's own parts: its text, in the profiles that write
    /// them canonical; otherwise the engine's.
    fn own_canonical<'a>(
        &self,
        form: &Form,
        element: &'a str,
        tag: &str,
        scope: &str,
        prefixes: &[(&str, &str)],
    ) -> Result<Cow<'a, [u8]>, DsigError> {
        if form.self_canonical() {
            Ok(Cow::Borrowed(element.as_bytes()))
        } else {
            self.canonical(form, element, tag, scope, prefixes)
                .map(Cow::Owned)
        }
    }
}

/// The algorithms of a profile.
struct Form {
    c14n: C14n,
    /// The transforms of the `#data` reference.
    data_transforms: &'static [&'static str],
    /// The transforms of the SignedProperties reference.
    props_transforms: &'static [&'static str],
    sha1: bool,
    signature: SignatureAlgorithm,
}

impl Form {
    fn modern(seal: &Seal) -> Form {
        Form {
            c14n: C14n::Exclusive,
            data_transforms: &[EXC_C14N],
            props_transforms: &[EXC_C14N],
            sha1: false,
            signature: seal.modern_algorithm(),
        }
    }

    const LEGACY: Form = Form {
        c14n: C14n::Inclusive,
        // An enveloped-signature transform, as RegiX writes it; the signature is not inside
        // Data, so it changes nothing, and the default (inclusive) C14N follows.
        data_transforms: &[ENVELOPED],
        props_transforms: &[],
        sha1: true,
        signature: SignatureAlgorithm::RsaSha1,
    };

    /// Whether regway's own parts of the signature are written in their canonical form
    /// (exclusive C14N: an element's canonical form does not depend on where it stands).
    fn self_canonical(&self) -> bool {
        self.c14n == C14n::Exclusive
    }

    /// The namespace declaration `prefix` needs on an element to be canonical standing alone,
    /// in the profiles whose parts are written canonical; nothing otherwise (the enclosing
    /// `ds:Signature` or `xades:QualifyingProperties` declares it).
    fn own_decl(&self, prefix: &str, ns: &str) -> String {
        if self.self_canonical() {
            format!(" xmlns:{prefix}=\"{ns}\"")
        } else {
            String::new()
        }
    }

    fn c14n_uri(&self) -> &'static str {
        match self.c14n {
            C14n::Exclusive => EXC_C14N,
            C14n::Inclusive => C14N,
        }
    }

    fn digest_uri(&self) -> &'static str {
        if self.sha1 {
            SHA1
        } else {
            SHA256
        }
    }

    /// The base64 digest of `bytes`.
    fn digest(&self, bytes: &[u8]) -> String {
        use sha2::Digest as _;
        let d = if self.sha1 {
            sha1::Sha1::digest(bytes).to_vec()
        } else {
            sha2::Sha256::digest(bytes).to_vec()
        };
        base64::engine::general_purpose::STANDARD.encode(d)
    }
}

/// `element` (which starts with `<tag`) with `decls` added to its start tag.
fn with_decls(element: &str, tag: &str, decls: &str) -> String {
    let rest = element.get(1 + tag.len()..).unwrap_or_default();
    format!("<{tag}{decls}{rest}")
}

fn reference(
    out: &mut String,
    id: Option<&str>,
    kind: Option<&str>,
    uri: &str,
    transforms: &[&str],
    digest: &str,
    value: &str,
) {
    out.push_str("<ds:Reference");
    if let Some(id) = id {
        out.push_str(&format!(" Id=\"{id}\""));
    }
    if let Some(kind) = kind {
        out.push_str(&format!(" Type=\"{kind}\""));
    }
    out.push_str(&format!(" URI=\"{uri}\">"));
    if !transforms.is_empty() {
        out.push_str("<ds:Transforms>");
        for t in transforms {
            out.push_str(&format!("<ds:Transform Algorithm=\"{t}\"></ds:Transform>"));
        }
        out.push_str("</ds:Transforms>");
    }
    out.push_str(&format!(
        "<ds:DigestMethod Algorithm=\"{digest}\"></ds:DigestMethod><ds:DigestValue>{value}</ds:DigestValue></ds:Reference>"
    ));
}

/// `SignedInfo` over `#data` and the signed properties, with their digests.
fn signed_info(form: &Form, sid: &str, data_digest: &str, props_digest: &str) -> String {
    let mut t = String::with_capacity(1024);
    t.push_str(&format!(
        "<ds:SignedInfo{}><ds:CanonicalizationMethod Algorithm=\"{}\"></ds:CanonicalizationMethod><ds:SignatureMethod Algorithm=\"{}\"></ds:SignatureMethod>",
        form.own_decl("ds", DS_NS),
        form.c14n_uri(),
        form.signature.uri()
    ));
    reference(
        &mut t,
        Some(&format!("{sid}-ref-data")),
        None,
        "#data",
        form.data_transforms,
        form.digest_uri(),
        data_digest,
    );
    reference(
        &mut t,
        None,
        Some("http://uri.etsi.org/01903#SignedProperties"),
        &format!("#{sid}-signedprops"),
        form.props_transforms,
        form.digest_uri(),
        props_digest,
    );
    t.push_str("</ds:SignedInfo>");
    t
}

/// The XAdES-BES signed properties: signing time, the seal's certificate digest, and what
/// the `#data` reference covers.
fn signed_properties(form: &Form, seal: &Seal, sid: &str, now: time::OffsetDateTime) -> String {
    // In canonical form, `ds` is declared on each `ds` element: no ancestor inside the
    // signed properties uses it.
    let ds = form.own_decl("ds", DS_NS);
    format!(
        "<xades:SignedProperties{} Id=\"{sid}-signedprops\"><xades:SignedSignatureProperties><xades:SigningTime>{}</xades:SigningTime><xades:SigningCertificateV2><xades:Cert><xades:CertDigest><ds:DigestMethod{ds} Algorithm=\"{}\"></ds:DigestMethod><ds:DigestValue{ds}>{}</ds:DigestValue></xades:CertDigest></xades:Cert></xades:SigningCertificateV2></xades:SignedSignatureProperties><xades:SignedDataObjectProperties><xades:DataObjectFormat ObjectReference=\"#{sid}-ref-data\"><xades:MimeType>text/xml</xades:MimeType></xades:DataObjectFormat></xades:SignedDataObjectProperties></xades:SignedProperties>",
        form.own_decl("xades", XADES_NS),
        crate::audit::record::timestamp(now),
        form.digest_uri(),
        seal.cert_digest_base64(form.sha1)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::DataContainer;
    use crate::dsig::inspect::{verify_result, Trust};
    use crate::dsig::Bergshamra;
    use crate::pki::{Ca, KeyAlgorithm};
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::PrivateKeyDer;

    fn seal(algorithm: KeyAlgorithm) -> (Ca, Arc<Seal>) {
        let ca = Ca::generate("seal test CA", "regway tests", 2).unwrap();
        let issued = ca
            .issue_seal("registry seal", "regway tests", 2, algorithm)
            .unwrap();
        let key = PrivateKeyDer::from_pem_slice(issued.key_pem.as_bytes()).unwrap();
        (ca, Arc::new(Seal::from_der(&key, issued.der).unwrap()))
    }

    fn result() -> ServiceResult {
        ServiceResult::ready(
            DataContainer {
                request: r#"<R xmlns="urn:r"><EGN>7501010010</EGN></R>"#.into(),
                response: Some(r#"<S xmlns="urn:s"><Name>Иван</Name></S>"#.into()),
                matrix: None,
            },
            42,
        )
    }

    fn sign(seal: Arc<Seal>, profile: Profile, contract: Contract) -> ServiceResult {
        let engine: Arc<dyn XmlDsig> = Arc::new(Bergshamra);
        let signer = ResultSigner::new(engine, seal, HashMap::new());
        let mut r = result();
        let how = SignRequest {
            contract,
            adapter: "demo",
            profile,
            id: 42,
            now: time::OffsetDateTime::now_utc(),
        };
        r.signature = Some(signer.sign(&r, &how).unwrap());
        r
    }

    #[test]
    fn both_profiles_verify_standalone_and_a_changed_byte_fails() {
        let engine: Arc<dyn XmlDsig> = Arc::new(Bergshamra);
        for (alg, profile) in [
            (KeyAlgorithm::EcdsaP256, Profile::Xades),
            (KeyAlgorithm::Rsa2048, Profile::Xades),
            (KeyAlgorithm::Rsa2048, Profile::RegixLegacy),
        ] {
            let (ca, seal) = seal(alg);
            let signed = sign(seal, profile, Contract::V2);
            let doc = signed.standalone(Contract::V2, "Execute");
            let report = verify_result(&engine, &doc, &Trust::Issuer(ca_der(&ca)))
                .unwrap_or_else(|e| panic!("{alg:?} {profile:?}: {e}\n{doc}"));
            assert_eq!(report.profile, profile.name());
            assert_eq!(report.data_parts, ["Request", "Response"]);
            let tampered = doc.replace("Иван", "Иванн");
            assert!(verify_result(&engine, &tampered, &Trust::Embedded).is_err());
        }
    }

    #[test]
    fn the_default_profile_verifies_inside_the_soap_envelope() {
        let engine: Arc<dyn XmlDsig> = Arc::new(Bergshamra);
        let (_, seal) = seal(KeyAlgorithm::EcdsaP256);
        for contract in [Contract::V2, Contract::V1] {
            let op = contract.execute_operation();
            let signed = sign(Arc::clone(&seal), Profile::Xades, contract);
            let soap = crate::soap::envelope::write_envelope(
                crate::soap::SoapVersion::V11,
                "a",
                None,
                &signed.write(contract, op),
            );
            verify_result(&engine, &soap, &Trust::Embedded)
                .unwrap_or_else(|e| panic!("{contract:?}: {e}\n{soap}"));
        }
    }

    #[test]
    fn the_default_profile_writes_its_own_parts_in_exclusive_canonical_form() {
        let engine = Bergshamra;
        for alg in [KeyAlgorithm::EcdsaP256, KeyAlgorithm::Rsa2048] {
            let (_, seal) = seal(alg);
            let form = Form::modern(&seal);
            let now = time::OffsetDateTime::now_utc();
            let props = signed_properties(&form, &seal, "regway-sig-7", now);
            let info = signed_info(&form, "regway-sig-7", "ZGF0YQ==", "cHJvcHM=");
            // Where they stand: inside the result element (default namespace, xsi, xsd) and
            // the signature, which declares `ds` and `xades` again.
            for contract in [Contract::V2, Contract::V1] {
                let scope = format!(" xmlns=\"{}\"{XSI_XSD}", contract.payload_ns());
                // Each part declares its own prefix; the other is in scope from the signature.
                for (text, tag, other) in [
                    (
                        &props,
                        "xades:SignedProperties",
                        format!(" xmlns:ds=\"{DS_NS}\""),
                    ),
                    (
                        &info,
                        "ds:SignedInfo",
                        format!(" xmlns:xades=\"{XADES_NS}\""),
                    ),
                ] {
                    let in_scope = with_decls(text, tag, &format!("{scope}{other}"));
                    let canonical = engine.canonicalize(&in_scope, C14n::Exclusive).unwrap();
                    assert_eq!(
                        String::from_utf8(canonical).unwrap(),
                        *text,
                        "{alg:?} {contract:?} {tag}"
                    );
                }
            }
        }
    }

    #[test]
    fn legacy_needs_an_rsa_seal() {
        let (_, seal) = seal(KeyAlgorithm::EcdsaP256);
        let engine: Arc<dyn XmlDsig> = Arc::new(Bergshamra);
        let signer = ResultSigner::new(engine, seal, HashMap::new());
        let how = SignRequest {
            contract: Contract::V2,
            adapter: "demo",
            profile: Profile::RegixLegacy,
            id: 1,
            now: time::OffsetDateTime::now_utc(),
        };
        assert_eq!(
            signer.sign(&result(), &how).unwrap_err(),
            SignError::LegacyNeedsRsa("demo".into())
        );
    }

    fn ca_der(ca: &Ca) -> Vec<u8> {
        rustls::pki_types::CertificateDer::from_pem_slice(ca.cert_pem.as_bytes())
            .unwrap()
            .to_vec()
    }
}
