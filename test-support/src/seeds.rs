//! Seed inputs for the fuzz targets (see `fuzz/README.md`), made with the project's own
//! helpers and the RegiX samples in `../shared/regix/samples` at run time (the samples are
//! never copied into the repository). `examples/fuzz_seeds.rs` writes them out.

use std::path::Path;

use base64::Engine as _;
use regway::dsig::algorithms::{ECDSA_SHA256, EXC_C14N, SHA256};
use regway::dsig::engine::C14n;
use regway::dsig::seal::SignatureAlgorithm;
use regway::dsig::{Bergshamra, Seal, XmlDsig, DS_NS, WSSE_NS, WSU_NS};
use regway::soap::envelope::{SOAP11_NS, SOAP12_NS};
use regway::soap::xml::{self, Element};
use regway_demo_company::CompanyRegister;
use regway_demo_population::PopulationRegister;
use sha2::Digest as _;

use crate::oracles::{self, demo_operations, filter_input, CSR_ORGANIZATION};
use crate::soap;

/// One seed: a file name and its bytes.
pub type Seed = (String, Vec<u8>);

/// Every `*.xml` under `dir` (the RegiX samples), sorted by path.
pub fn samples(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let Ok(adapters) = std::fs::read_dir(dir) else {
        return out;
    };
    for adapter in adapters.flatten() {
        let Ok(files) = std::fs::read_dir(adapter.path()) else {
            continue;
        };
        for f in files.flatten() {
            let path = f.path();
            if path.extension().is_some_and(|e| e == "xml") {
                if let Ok(text) = std::fs::read_to_string(&path) {
                    let name = format!(
                        "{}-{}",
                        adapter.file_name().to_string_lossy(),
                        f.file_name().to_string_lossy()
                    );
                    out.push((name, text));
                }
            }
        }
    }
    out.sort();
    out
}

/// The RegiX samples as they are, and the adversarial shapes the reader must stay linear on.
pub fn xml(samples_dir: &Path) -> Vec<Seed> {
    let mut out: Vec<Seed> = samples(samples_dir)
        .into_iter()
        .map(|(n, t)| (n, t.into_bytes()))
        .collect();
    out.extend(adversarial_xml());
    out
}

/// Hand-made inputs for the XML reader: the namespace blow-up (N prefixes on the root, N
/// children each declaring one more), a long namespace name used by many elements, an element
/// with thousands of attributes, many empty elements, text between elements, deep nesting,
/// characters XML does not allow.
pub fn adversarial_xml() -> Vec<Seed> {
    let n = 200;
    let prefixes: String = (0..n)
        .map(|i| format!(r#" xmlns:p{i}="urn:{i}""#))
        .collect();
    let children: String = (0..n)
        .map(|i| format!(r#"<c xmlns:q{i}="urn:q{i}"/>"#))
        .collect();
    let attributes: String = (0..5000).map(|i| format!(r#" a{i}="""#)).collect();
    vec![
        (
            "namespace-blowup.xml".into(),
            format!("<r{prefixes}>{children}</r>").into_bytes(),
        ),
        (
            "thousands-of-attributes.xml".into(),
            format!("<r{attributes}/>").into_bytes(),
        ),
        (
            "many-empty-elements.xml".into(),
            format!("<r>{}</r>", "<a/>".repeat(10_000)).into_bytes(),
        ),
        (
            "deep.xml".into(),
            format!("{}{}", "<a>".repeat(64), "</a>".repeat(64)).into_bytes(),
        ),
        (
            "long-namespace-uri.xml".into(),
            format!(
                r#"<r xmlns="{}">{}</r>"#,
                "u".repeat(10_000),
                "<a/>".repeat(20_000)
            )
            .into_bytes(),
        ),
        (
            "text-between-elements.xml".into(),
            format!("<r>{}</r>", "x<a/>".repeat(10_000)).into_bytes(),
        ),
        ("nul.xml".into(), b"<r>a\0b</r>".to_vec()),
        ("fffe.xml".into(), "<r a=\"\u{fffe}\"/>".as_bytes().to_vec()),
        ("fffe-reference.xml".into(), b"<r>&#xFFFE;</r>".to_vec()),
    ]
}

fn v2_execute(argument: &str) -> String {
    soap::v2_members(
        "TechnoLogica.RegiX.GraoNBDAdapter.APIService.INBDAPI.PersonDataSearch",
        argument,
    )
}

/// Request envelopes: the RegiX request samples as arguments of V2 Execute over SOAP 1.1 and
/// 1.2 and of V1 ExecuteSynchronous, and a few other calls.
pub fn envelopes(samples_dir: &Path) -> Vec<Seed> {
    let mut out = Vec::new();
    for (name, text) in samples(samples_dir) {
        if !name.ends_with("Request.xml") {
            continue;
        }
        let argument = text
            .trim_start_matches('\u{feff}')
            .trim_start()
            .trim_start_matches(|c| c != '<')
            .to_string();
        let argument = match argument.strip_prefix("<?xml") {
            Some(rest) => rest.split_once("?>").map_or("", |(_, r)| r).to_string(),
            None => argument,
        };
        let stem = name.trim_end_matches(".xml");
        out.push((
            format!("{stem}-v2-soap11.xml"),
            soap::v2_soap11(&v2_execute(&argument)).into_bytes(),
        ));
        out.push((
            format!("{stem}-v2-soap12.xml"),
            soap::v2_soap12(&v2_execute(&argument), "urn:uuid:1", "https://localhost/")
                .into_bytes(),
        ));
        out.push((
            format!("{stem}-v1-soap12.xml"),
            soap::v1_soap12("X.Y", &argument, "urn:uuid:2").into_bytes(),
        ));
    }
    let env11 = |body: &str| {
        format!(
            r#"<s:Envelope xmlns:s="{SOAP11_NS}"><s:Header/><s:Body>{body}</s:Body></s:Envelope>"#
        )
    };
    let env12 = |body: &str| {
        format!(r#"<s:Envelope xmlns:s="{SOAP12_NS}"><s:Body>{body}</s:Body></s:Envelope>"#)
    };
    for (name, text) in [
        (
            "check-result.xml",
            env11(r#"<CheckResult xmlns="http://egov.bg/RegiX"/>"#),
        ),
        (
            "v1-execute.xml",
            env12(r#"<Execute xmlns="http://tempuri.org/"/>"#),
        ),
        ("empty-body.xml", env11("")),
    ] {
        out.push((name.to_string(), text.into_bytes()));
    }
    out
}

/// Hand-made envelopes: layouts that hide a second request, and text that only looks like
/// white space.
pub fn adversarial_envelopes() -> Vec<Seed> {
    let env = |inner: &str| {
        format!(r#"<s:Envelope xmlns:s="{SOAP11_NS}">{inner}</s:Envelope>"#).into_bytes()
    };
    let call = r#"<Execute xmlns="http://egov.bg/RegiX"><request/></Execute>"#;
    vec![
        (
            "nbsp-in-body.xml".into(),
            env(&format!("<s:Body>\u{a0}{call}</s:Body>")),
        ),
        (
            "ideographic-space-in-envelope.xml".into(),
            env(&format!("\u{3000}<s:Body>{call}</s:Body>")),
        ),
        (
            "second-body.xml".into(),
            env(&format!("<s:Body>{call}</s:Body><s:Body>{call}</s:Body>")),
        ),
        (
            "body-then-header.xml".into(),
            env(&format!("<s:Body>{call}</s:Body><s:Header/>")),
        ),
        (
            "two-calls.xml".into(),
            env(&format!("<s:Body>{call}{call}</s:Body>")),
        ),
        (
            "crlf-in-law-reason.xml".into(),
            soap::v2_soap11(
                &v2_execute("<R xmlns=\"urn:r\" a=\"x\r\ny\"/>")
                    .replace("LB-TEST: test", "LB-TEST:\r\n test"),
            )
            .into_bytes(),
        ),
    ]
}

/// Hand-made answers for the filter: attributes and prefixes it must decide by namespace and
/// local name, names and text only a lenient reader accepts.
pub fn adversarial_filter() -> Vec<Seed> {
    let nbd = "http://egov.bg/RegiX/GRAO/NBD";
    let answer = |inner: &str| {
        format!(
            r#"<PersonDataResponse xmlns="{nbd}" xmlns:p="{nbd}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">{inner}</PersonDataResponse>"#
        )
    };
    let modes = |n: usize| (0..n).map(|i| (i % 3) as u8).collect::<Vec<u8>>();
    let n = demo_operations()[0].fields.len();
    [
        ("prefixed-names.bin", answer(r#"<p:PersonNames p:FirstName="x"><p:FirstName>a</p:FirstName></p:PersonNames><p:EGN xsi:type="p:x">1</p:EGN>"#)),
        ("default-undeclared.bin", answer(r#"<PersonNames xmlns=""><FirstName>a</FirstName></PersonNames><Gender><GenderName xmlns="">m</GenderName></Gender>"#)),
        ("text-in-containers.bin", answer("<PersonNames>secret<![CDATA[more]]>&amp;<FirstName>a</FirstName></PersonNames>")),
        ("invalid-name.bin", answer("<PersonNames><1FirstName/></PersonNames>")),
        ("duplicate-expanded-attribute.bin", answer(r#"<EGN xmlns:q="urn:q" xmlns:r="urn:q" q:a="1" r:a="2">1</EGN>"#)),
    ]
    .into_iter()
    .map(|(name, xml)| (name.to_string(), filter_input(0, &modes(n), &xml)))
    .collect()
}

/// Answers of the demo registers for each demo operation, under a few grants (none, all, and
/// one in which the fields alternate exact, subtree and not granted).
pub fn filter() -> Vec<Seed> {
    let population = PopulationRegister::new();
    let companies = CompanyRegister::new();
    let mut out = Vec::new();
    for (index, spec) in demo_operations().into_iter().enumerate() {
        let (root, ns, field, ids) = match spec.name {
            regway_demo_population::PERSON_DATA_SEARCH => (
                "PersonDataRequest",
                "GRAO/NBD/PersonDataRequest",
                "EGN",
                vec![
                    population.living_egn().to_string(),
                    population.deceased_egn().to_string(),
                ],
            ),
            regway_demo_population::VALID_PERSON_SEARCH => (
                "ValidPersonRequest",
                "GRAO/NBD/ValidPersonRequest",
                "EGN",
                vec![population.living_egn().to_string()],
            ),
            _ => (
                "ValidUICRequest",
                "AV/TR/ValidUICRequest",
                "UIC",
                companies.sample_uics(2),
            ),
        };
        for id in ids {
            let argument = format!(
                r#"<{root} xmlns="http://egov.bg/RegiX/{ns}"><{field}>{id}</{field}></{root}>"#
            );
            let request = regway_adapter::AdapterRequest {
                operation: spec.name,
                argument: &argument,
                citizen_egn: None,
                employee_egn: None,
            };
            let answer = if field == "UIC" {
                companies.respond(&request)
            } else {
                population.respond(&request)
            };
            let Ok(answer) = answer else { continue };
            let n = spec.fields.len();
            for (grant, modes) in [
                ("none", vec![0u8; n]),
                ("exact", vec![1u8; n]),
                ("mixed", (0..n).map(|i| (i % 3) as u8).collect()),
            ] {
                out.push((
                    format!("{index}-{id}-{grant}.bin"),
                    filter_input(index, &modes, &answer),
                ));
            }
        }
    }
    out
}

/// A minimal DER writer for hand-made CSRs.
fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

fn der_oid(arcs: &[u64]) -> Vec<u8> {
    let mut body = vec![(arcs[0] * 40 + arcs[1]) as u8];
    for &arc in &arcs[2..] {
        let mut groups = vec![(arc & 0x7f) as u8];
        let mut rest = arc >> 7;
        while rest > 0 {
            groups.push(0x80 | (rest & 0x7f) as u8);
            rest >>= 7;
        }
        groups.reverse();
        body.extend(groups);
    }
    der(0x06, &body)
}

/// A CSR with the subject `rdns` (each a set of (attribute arcs, UTF-8 value)), made by hand
/// so that a subject may repeat an attribute or hold a multi-valued RDN, which rcgen's
/// `DistinguishedName` cannot express. ECDSA P-256, validly self-signed.
pub fn hand_made_csr(rdns: &[&[(&[u64], &str)]]) -> Vec<u8> {
    use aws_lc_rs::rand::SystemRandom;
    use aws_lc_rs::signature::{EcdsaKeyPair, ECDSA_P256_SHA256_ASN1_SIGNING};
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("a key");
    let mut name = Vec::new();
    for rdn in rdns {
        let mut set = Vec::new();
        for (arcs, value) in *rdn {
            let mut atv = der_oid(arcs);
            atv.extend(der(0x0c, value.as_bytes()));
            set.extend(der(0x30, &atv));
        }
        name.extend(der(0x31, &set));
    }
    let mut info = der(0x02, &[0]);
    info.extend(der(0x30, &name));
    info.extend(rcgen::PublicKeyData::subject_public_key_info(&key));
    info.extend(der(0xa0, &[]));
    let info = der(0x30, &info);
    let signer = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &key.serialize_der())
        .expect("the key loads");
    let signature = signer
        .sign(&SystemRandom::new(), &info)
        .expect("signing works");
    let mut bits = vec![0u8];
    bits.extend_from_slice(signature.as_ref());
    let mut csr = info;
    csr.extend(der(0x30, &der_oid(&[1, 2, 840, 10045, 4, 3, 2])));
    csr.extend(der(0x03, &bits));
    der(0x30, &csr)
}

/// CSRs that pass the rules for [`CSR_ORGANIZATION`] (ECDSA P-256 and P-384, RSA 2048; PEM and
/// DER; with OU, L, ST and serialNumber), and a few that break one.
pub fn csr() -> Vec<Seed> {
    use rcgen::{CertificateParams, DistinguishedName, DnType, KeyPair};
    let mut out = Vec::new();
    let request = |dn: &[(DnType, &str)], key: &KeyPair| {
        let mut params = CertificateParams::default();
        params.distinguished_name = DistinguishedName::new();
        for (t, v) in dn {
            params.distinguished_name.push(t.clone(), *v);
        }
        params.serialize_request(key).expect("a CSR")
    };
    let good = [
        (DnType::CountryName, "BG"),
        (DnType::OrganizationName, CSR_ORGANIZATION),
        (DnType::OrganizationalUnitName, "Отдел"),
        (DnType::LocalityName, "София"),
        (DnType::StateOrProvinceName, "София-град"),
        (DnType::CustomDnType(vec![2, 5, 4, 5]), "12345"),
        (DnType::CommonName, "system.example"),
    ];
    for (name, alg) in [
        ("p256", &rcgen::PKCS_ECDSA_P256_SHA256),
        ("p384", &rcgen::PKCS_ECDSA_P384_SHA384),
        ("rsa2048", &rcgen::PKCS_RSA_SHA256),
    ] {
        let Ok(key) = KeyPair::generate_for(alg) else {
            continue;
        };
        let csr = request(&good, &key);
        out.push((format!("{name}.der"), csr.der().to_vec()));
        if let Ok(pem) = csr.pem() {
            out.push((format!("{name}.pem"), pem.into_bytes()));
        }
        out.push((
            format!("{name}-no-cn.der"),
            request(&good[..6], &key).der().to_vec(),
        ));
    }
    out.extend(adversarial_csr());
    out
}

/// Hand-made CSRs whose subjects rcgen cannot reproduce: an attribute repeated, and a
/// multi-valued RDN.
pub fn adversarial_csr() -> Vec<Seed> {
    const C: &[u64] = &[2, 5, 4, 6];
    const O: &[u64] = &[2, 5, 4, 10];
    const OU: &[u64] = &[2, 5, 4, 11];
    const CN: &[u64] = &[2, 5, 4, 3];
    let org = CSR_ORGANIZATION;
    vec![
        (
            "repeated-ou.der".into(),
            hand_made_csr(&[
                &[(C, "BG")],
                &[(O, org)],
                &[(OU, "first")],
                &[(OU, "second")],
                &[(CN, "system.example")],
            ]),
        ),
        (
            "multi-valued-rdn.der".into(),
            hand_made_csr(&[
                &[(C, "BG")],
                &[(O, org)],
                &[(CN, "system.example"), (OU, "unit")],
            ]),
        ),
    ]
}

/// A request as a consumer signs it (SOAP 1.1, V2 `Execute`, WS-Security X.509 token profile):
/// a Body and a Timestamp created at `created`, each canonicalised with exclusive C14N by the
/// project's engine and digested with SHA-256, and a SignedInfo signed with a new ECDSA P-256
/// certificate valid for ten years from a day before `created`.
pub fn signed_request(created: time::OffsetDateTime) -> String {
    use rustls_pki_types::PrivateKeyDer;
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("a key");
    let mut params = rcgen::CertificateParams::default();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "regway fuzz signer");
    params
        .distinguished_name
        .push(rcgen::DnType::OrganizationName, "regway tests");
    params.not_before = created - time::Duration::days(1);
    params.not_after = created + time::Duration::days(3650);
    let cert = params.self_signed(&key).expect("a certificate");
    let seal = Seal::from_der(
        &PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        cert.der().to_vec(),
    )
    .expect("a seal");
    let rfc3339 = |t: time::OffsetDateTime| {
        t.format(&time::format_description::well_known::Rfc3339)
            .expect("a date")
    };
    let members = v2_execute(&soap::person_data_request("8506258485"));
    let body = format!(
        "<s:Body wsu:Id=\"id-body\">\n    <Execute xmlns=\"http://egov.bg/RegiX\">\n      <request>\n        <ServiceRequestData xmlns=\"http://egov.bg/RegiX/SignedData\">{members}</ServiceRequestData>\n      </request>\n    </Execute>\n  </s:Body>"
    );
    let timestamp = format!(
        "<wsu:Timestamp wsu:Id=\"TS-1\">\n        <wsu:Created>{}</wsu:Created>\n        <wsu:Expires>{}</wsu:Expires>\n      </wsu:Timestamp>",
        rfc3339(created),
        rfc3339(created + time::Duration::minutes(5))
    );
    let token = format!(
        "<wsse:BinarySecurityToken EncodingType=\"http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary\" ValueType=\"http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3\" wsu:Id=\"X509-1\">{}</wsse:BinarySecurityToken>",
        seal.cert_base64()
    );
    let message = |signature: &str| {
        format!(
            "<s:Envelope xmlns:s=\"{SOAP11_NS}\" xmlns:wsu=\"{WSU_NS}\">\n  <s:Header>\n    <wsse:Security xmlns:wsse=\"{WSSE_NS}\" s:mustUnderstand=\"1\">\n      {token}\n      {timestamp}\n      {signature}\n    </wsse:Security>\n  </s:Header>\n  {body}\n</s:Envelope>\n"
        )
    };
    // Digest the Body and the Timestamp where they stand in the message.
    let unsigned = message("");
    let root = xml::parse(unsigned.as_bytes(), oracles::limits()).expect("the message parses");
    let body_el = root.child(SOAP11_NS, "Body").expect("a Body");
    let timestamp_el = root
        .child(SOAP11_NS, "Header")
        .and_then(|h| h.child(WSSE_NS, "Security"))
        .and_then(|s| s.child(WSU_NS, "Timestamp"))
        .expect("a Timestamp");
    let digest = |e: &Element| {
        let canonical = Bergshamra
            .canonicalize(&e.to_standalone_xml(), C14n::Exclusive)
            .expect("canonical form");
        base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(canonical))
    };
    let reference = |uri: &str, digest: &str| {
        format!(
            r##"<ds:Reference URI="#{uri}"><ds:Transforms><ds:Transform Algorithm="{EXC_C14N}"/></ds:Transforms><ds:DigestMethod Algorithm="{SHA256}"/><ds:DigestValue>{digest}</ds:DigestValue></ds:Reference>"##
        )
    };
    let signed_info = format!(
        r#"<ds:SignedInfo><ds:CanonicalizationMethod Algorithm="{EXC_C14N}"/><ds:SignatureMethod Algorithm="{ECDSA_SHA256}"/>{}{}</ds:SignedInfo>"#,
        reference("id-body", &digest(body_el)),
        reference("TS-1", &digest(timestamp_el))
    );
    let canonical = Bergshamra
        .canonicalize(
            &signed_info.replacen(
                "<ds:SignedInfo>",
                &format!(r#"<ds:SignedInfo xmlns:ds="{DS_NS}">"#),
                1,
            ),
            C14n::Exclusive,
        )
        .expect("canonical SignedInfo");
    let value = seal
        .sign(SignatureAlgorithm::EcdsaP256Sha256, &canonical)
        .expect("a signature");
    let signature = format!(
        r##"<ds:Signature xmlns:ds="{DS_NS}" Id="SIG-1">{signed_info}<ds:SignatureValue>{}</ds:SignatureValue><ds:KeyInfo><wsse:SecurityTokenReference><wsse:Reference URI="#X509-1" ValueType="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3"/></wsse:SecurityTokenReference></ds:KeyInfo></ds:Signature>"##,
        base64::engine::general_purpose::STANDARD.encode(value)
    );
    message(&signature)
}

/// The signed fixture and the classic attacks on it: the Body moved into a header with another
/// in its place, a second Body, a duplicated Id, the Body's text changed.
pub fn wssec() -> Vec<Seed> {
    let signed = oracles::SIGNED_REQUEST;
    let body_start = signed.find("<s:Body").unwrap_or(0);
    let body_end = signed.find("</s:Body>").map_or(signed.len(), |i| i + 9);
    let body = &signed[body_start..body_end];
    let other_body = body
        .replace("8506258485", "7501010010")
        .replace(r#" wsu:Id="id-body""#, "");
    let wrapped = signed.replacen(body, &other_body, 1).replacen(
        "<s:Header>",
        &format!("<s:Header><w:Wrapper xmlns:w=\"urn:w\">{body}</w:Wrapper>"),
        1,
    );
    vec![
        ("signed.xml".into(), signed.as_bytes().to_vec()),
        ("wrapped-body.xml".into(), wrapped.into_bytes()),
        (
            "second-body.xml".into(),
            signed
                .replacen("</s:Envelope>", &format!("{other_body}</s:Envelope>"), 1)
                .into_bytes(),
        ),
        (
            "duplicate-id.xml".into(),
            signed
                .replacen("<s:Header>", r#"<s:Header><h wsu:Id="id-body"/>"#, 1)
                .into_bytes(),
        ),
        (
            "changed-egn.xml".into(),
            signed.replacen("8506258485", "8506258486", 1).into_bytes(),
        ),
    ]
}
