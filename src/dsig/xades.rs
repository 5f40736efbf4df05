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

use std::collections::HashMap;
use std::sync::Arc;

use super::algorithms::{C14N, ENVELOPED, EXC_C14N, SHA1, SHA256};
use super::engine::XmlDsig;
use super::seal::{Seal, SignatureAlgorithm};
use super::{DsigError, DS_NS, XADES_NS};
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
}

/// What a result is, and how to sign it.
#[derive(Debug, Clone, Copy)]
pub struct SignRequest<'a> {
    pub contract: Contract,
    /// The contract operation answered (`Execute`, `ExecuteSynchronous`).
    pub operation: &'a str,
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
    pub fn sign(&self, result: &ServiceResult, how: &SignRequest<'_>) -> Result<String, SignError> {
        let SignRequest {
            contract,
            operation,
            adapter,
            profile,
            id,
            now,
        } = *how;
        if result.data.is_none() {
            return Err(SignError::NoData);
        }
        let seal = self.seal_for(adapter);
        let form = match profile {
            Profile::Xades => Form::modern(seal),
            Profile::RegixLegacy if seal.is_rsa() => Form::LEGACY,
            Profile::RegixLegacy => return Err(SignError::LegacyNeedsRsa(adapter.to_string())),
        };
        let template = template(&form, seal, &format!("regway-sig-{id}"), now);
        let mut with_template = result.clone();
        with_template.signature = Some(template.clone());
        let document = with_template.standalone(contract, operation);
        let start = document
            .find(&template)
            .ok_or_else(|| DsigError::Malformed("the template is not in the document".into()))?;
        let signed = self.engine.sign(document, seal, form.signature)?;
        let end = signed
            .get(start..)
            .and_then(|rest| rest.find("</ds:Signature>"))
            .map(|i| start + i + "</ds:Signature>".len())
            .ok_or_else(|| DsigError::Malformed("the signed document lost its signature".into()))?;
        Ok(signed[start..end].to_string())
    }
}

/// The algorithms of a profile.
struct Form {
    c14n: &'static str,
    /// The transforms of the `#data` reference.
    data_transforms: &'static [&'static str],
    /// The transforms of the SignedProperties reference.
    props_transforms: &'static [&'static str],
    digest: &'static str,
    signature: SignatureAlgorithm,
}

impl Form {
    fn modern(seal: &Seal) -> Form {
        Form {
            c14n: EXC_C14N,
            data_transforms: &[EXC_C14N],
            props_transforms: &[EXC_C14N],
            digest: SHA256,
            signature: seal.modern_algorithm(),
        }
    }

    const LEGACY: Form = Form {
        c14n: C14N,
        data_transforms: &[ENVELOPED],
        props_transforms: &[],
        digest: SHA1,
        signature: SignatureAlgorithm::RsaSha1,
    };
}

fn reference(
    out: &mut String,
    id: Option<&str>,
    kind: Option<&str>,
    uri: &str,
    transforms: &[&str],
    digest: &str,
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
            out.push_str(&format!("<ds:Transform Algorithm=\"{t}\"/>"));
        }
        out.push_str("</ds:Transforms>");
    }
    out.push_str(&format!(
        "<ds:DigestMethod Algorithm=\"{digest}\"/><ds:DigestValue></ds:DigestValue></ds:Reference>"
    ));
}

/// The XAdES-BES signature template: digests and value empty, for the engine to fill in.
fn template(form: &Form, seal: &Seal, sid: &str, now: time::OffsetDateTime) -> String {
    let signing_time = crate::audit::record::timestamp(now);
    let props = format!("{sid}-signedprops");
    let data_ref = format!("{sid}-ref-data");
    let mut t = String::with_capacity(4096);
    t.push_str(&format!(
        "<ds:Signature xmlns:ds=\"{DS_NS}\" Id=\"{sid}\"><ds:SignedInfo><ds:CanonicalizationMethod Algorithm=\"{}\"/><ds:SignatureMethod Algorithm=\"{}\"/>",
        form.c14n,
        form.signature.uri()
    ));
    reference(
        &mut t,
        Some(&data_ref),
        None,
        "#data",
        form.data_transforms,
        form.digest,
    );
    reference(
        &mut t,
        None,
        Some("http://uri.etsi.org/01903#SignedProperties"),
        &format!("#{props}"),
        form.props_transforms,
        form.digest,
    );
    t.push_str(&format!(
        "</ds:SignedInfo><ds:SignatureValue></ds:SignatureValue><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>",
        seal.cert_base64()
    ));
    t.push_str(&format!(
        "<ds:Object><xades:QualifyingProperties xmlns:xades=\"{XADES_NS}\" Target=\"#{sid}\"><xades:SignedProperties Id=\"{props}\"><xades:SignedSignatureProperties><xades:SigningTime>{signing_time}</xades:SigningTime><xades:SigningCertificateV2><xades:Cert><xades:CertDigest><ds:DigestMethod Algorithm=\"{}\"/><ds:DigestValue>{}</ds:DigestValue></xades:CertDigest></xades:Cert></xades:SigningCertificateV2></xades:SignedSignatureProperties><xades:SignedDataObjectProperties><xades:DataObjectFormat ObjectReference=\"#{data_ref}\"><xades:MimeType>text/xml</xades:MimeType></xades:DataObjectFormat></xades:SignedDataObjectProperties></xades:SignedProperties></xades:QualifyingProperties></ds:Object></ds:Signature>",
        form.digest,
        seal.cert_digest_base64(form.digest == SHA1)
    ));
    t
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
            operation: contract.execute_operation(),
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
    fn legacy_needs_an_rsa_seal() {
        let (_, seal) = seal(KeyAlgorithm::EcdsaP256);
        let engine: Arc<dyn XmlDsig> = Arc::new(Bergshamra);
        let signer = ResultSigner::new(engine, seal, HashMap::new());
        let how = SignRequest {
            contract: Contract::V2,
            operation: "Execute",
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
