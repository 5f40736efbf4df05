//! Result signatures: XAdES-BES sign and verify per second for a result whose `Data` is about
//! 3 KB (a PersonDataResponse with every field, and the access matrix), with ECDSA P-256 and RSA-2048 seals in the
//! default `xades` profile and an RSA-2048 seal in the `regix-legacy` profile (RSA-SHA1).
//!
//! Measured per profile:
//! - `ResultSigner::sign`: what the gateway does per signed response (canonicalise `Data`, the
//!   signed properties and `SignedInfo`, digest, sign with the seal, write the signature);
//! - engine verify: `XmlDsig::verify` of the signed standalone document with the seal's
//!   certificate.
//!
//! After criterion, `cargo bench --bench dsig` compares the engine with libxmlsec1 (python-xmlsec
//! from the pinned test environment, `regway_pyenv`) on the very same documents: xmlsec fills
//! the same template (the regway-signed document with its two reference digests and the
//! signature value emptied, so the same algorithms, references and transforms) and verifies the
//! regway-signed document. Both sides are timed the same way, string in and string out
//! (parse, register the IDs, sign or verify, and for sign serialise), in rounds of about
//! 0.3 s, median of five; the ratio is regway ops/s ÷ xmlsec ops/s. As a cross-check the
//! xmlsec-signed document must verify with regway, and the regway-signed one with xmlsec.
//! Set `REGWAY_BENCH_NO_XMLSEC=1` to skip the comparison.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, Criterion, Throughput};
use regway::contract::{Contract, DataContainer, ServiceResult};
use regway::dsig::xades::SignRequest;
use regway::dsig::{Bergshamra, Profile, ResultSigner, Seal, XmlDsig};
use regway::pki::{Ca, KeyAlgorithm};
use regway::policy::fields::AccessMatrix;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::PrivateKeyDer;

/// The echoed request argument.
const REQUEST: &str = r#"<PersonDataRequest xmlns="http://egov.bg/RegiX/GRAO/NBD/PersonDataRequest"><EGN>7501010010</EGN></PersonDataRequest>"#;

/// A PersonDataResponse with every field the schema has, as the demo register writes them.
fn response() -> String {
    let names = |el: &str, first: &str, sur: &str, family: &str| {
        format!(
            r#"<{el}><nbd:FirstName xsi:type="xsd:string">{first}</nbd:FirstName><nbd:SurName xsi:type="xsd:string">{sur}</nbd:SurName><nbd:FamilyName xsi:type="xsd:string">{family}</nbd:FamilyName></{el}>"#
        )
    };
    let nationality = |code: &str, name: &str| {
        format!(
            "<Nationality><nbd:NationalityCode>{code}</nbd:NationalityCode><nbd:NationalityName>{name}</nbd:NationalityName><nbd:NationalityCode2 xsi:nil=\"true\"/><nbd:NationalityName2 xsi:nil=\"true\"/></Nationality>"
        )
    };
    [
        r#"<PersonDataResponse xmlns="http://egov.bg/RegiX/GRAO/NBD/PersonDataResponse" xmlns:nbd="http://egov.bg/RegiX/GRAO/NBD" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">"#.to_string(),
        names("PersonNames", "Александра-Мария", "Константинова", "Христодулова-Петрова"),
        names("Alias", "Сашка", "Константинова", "Христодулова"),
        names("LatinNames", "Aleksandra-Maria", "Konstantinova", "Hristodulova-Petrova"),
        names("ForeignNames", "Alexandra-Maria", "Konstantinova", "Christodoulova-Petrova"),
        "<Gender><nbd:GenderCode>2</nbd:GenderCode><nbd:GenderName>Жена</nbd:GenderName></Gender>".into(),
        "<EGN>7501010010</EGN><BirthDate>1975-01-01</BirthDate>".into(),
        "<PlaceBirth>гр. Велико Търново, община Велико Търново, област Велико Търново</PlaceBirth>".into(),
        nationality("BG", "България"),
        nationality("GR", "Гърция"),
        nationality("MK", "Северна Македония"),
        "<DeathDate xsi:nil=\"true\"/>".into(),
        "</PersonDataResponse>".into(),
    ]
    .concat()
}

/// The access matrix a consumer gets with `ReturnAccessMatrix`: every top-level field released.
fn matrix() -> AccessMatrix {
    let fields = [
        "PersonNames",
        "Alias",
        "LatinNames",
        "ForeignNames",
        "Gender",
        "EGN",
        "BirthDate",
        "PlaceBirth",
        "Nationality",
        "DeathDate",
    ];
    AccessMatrix {
        has_access: true,
        name: "PersonDataResponseType".into(),
        properties: fields.iter().map(|f| (f.to_string(), true)).collect(),
    }
}

fn result() -> ServiceResult {
    ServiceResult::ready(
        DataContainer {
            request: REQUEST.into(),
            response: Some(response()),
            matrix: Some(matrix()),
        },
        4_242_424,
    )
}

/// A seal of `algorithm` issued by a fresh CA, with its PEM key and certificate.
struct TestSeal {
    seal: Arc<Seal>,
    key_pem: String,
    cert_pem: String,
}

fn test_seal(algorithm: KeyAlgorithm) -> TestSeal {
    let ca = Ca::generate("bench CA", "regway bench", 2).expect("CA");
    let issued = ca
        .issue_seal("bench seal", "regway bench", 2, algorithm)
        .expect("seal");
    let key = PrivateKeyDer::from_pem_slice(issued.key_pem.as_bytes()).expect("key");
    TestSeal {
        seal: Arc::new(Seal::from_der(&key, issued.der).expect("seal")),
        key_pem: issued.key_pem,
        cert_pem: issued.cert_pem,
    }
}

/// One measured case: a seal and a profile, and the documents it gives.
struct Case {
    name: &'static str,
    seal: TestSeal,
    profile: Profile,
    /// The standalone signed result.
    signed: String,
    /// `signed` with the reference digests and the signature value emptied.
    template: String,
}

fn how(profile: Profile) -> SignRequest<'static> {
    SignRequest {
        contract: Contract::V2,
        adapter: "demo-population",
        profile,
        id: 4_242_424,
        now: time::OffsetDateTime::now_utc(),
    }
}

fn case(name: &'static str, algorithm: KeyAlgorithm, profile: Profile) -> Case {
    let seal = test_seal(algorithm);
    let signer = ResultSigner::new(engine(), Arc::clone(&seal.seal), HashMap::new());
    let mut r = result();
    r.signature = Some(signer.sign(&r, &how(profile)).expect("sign"));
    let signed = r.standalone(Contract::V2, "Execute");
    let template = emptied(&signed);
    Case {
        name,
        seal,
        profile,
        signed,
        template,
    }
}

fn engine() -> Arc<dyn XmlDsig> {
    Arc::new(Bergshamra)
}

/// `doc` with the `DigestValue`s inside `SignedInfo` and the `SignatureValue` emptied: the
/// template regway filled (the XAdES `CertDigest` keeps its value).
fn emptied(doc: &str) -> String {
    fn empty_all(s: &str, open: &str, close: &str) -> String {
        let mut out = String::with_capacity(s.len());
        let mut rest = s;
        while let Some(i) = rest.find(open) {
            out.push_str(&rest[..i + open.len()]);
            let after = &rest[i + open.len()..];
            let j = after.find(close).expect("closing tag");
            rest = &after[j..];
        }
        out.push_str(rest);
        out
    }
    let start = doc.find("<ds:SignedInfo").expect("SignedInfo");
    let end = doc.find("</ds:SignedInfo>").expect("SignedInfo end");
    let info = empty_all(&doc[start..end], "<ds:DigestValue>", "</ds:DigestValue>");
    let rest = empty_all(&doc[end..], "<ds:SignatureValue>", "</ds:SignatureValue>");
    format!("{}{info}{rest}", &doc[..start])
}

fn data_len(doc: &str) -> usize {
    let start = doc.find("<Data ").expect("Data");
    let end = doc.find("</Data>").expect("Data end") + "</Data>".len();
    end - start
}

fn cases() -> Vec<Case> {
    vec![
        case("ecdsa-p256 xades", KeyAlgorithm::EcdsaP256, Profile::Xades),
        case("rsa-2048 xades", KeyAlgorithm::Rsa2048, Profile::Xades),
        case(
            "rsa-2048 regix-legacy (rsa-sha1)",
            KeyAlgorithm::Rsa2048,
            Profile::RegixLegacy,
        ),
    ]
}

fn bench(c: &mut Criterion) {
    let cases = cases();
    eprintln!(
        "Data: {} bytes; signed standalone result: {} bytes (ECDSA)",
        data_len(&cases[0].signed),
        cases[0].signed.len()
    );
    let engine = engine();
    let mut g = c.benchmark_group("dsig");
    g.throughput(Throughput::Elements(1));
    g.warm_up_time(Duration::from_millis(500));
    g.measurement_time(Duration::from_secs(2));
    g.sample_size(30);
    for case in &cases {
        // Every document must verify before it is timed.
        engine
            .verify(&case.signed, case.seal.seal.cert_der())
            .expect("verify");
        let signer = ResultSigner::new(engine.clone(), Arc::clone(&case.seal.seal), HashMap::new());
        let r = result();
        let how = how(case.profile);
        g.bench_function(format!("{}: ResultSigner::sign", case.name), |b| {
            b.iter(|| signer.sign(&r, &how).expect("sign"))
        });
        g.bench_function(format!("{}: engine verify", case.name), |b| {
            b.iter(|| {
                engine
                    .verify(&case.signed, case.seal.seal.cert_der())
                    .expect("verify")
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);

fn main() {
    benches();
    criterion::Criterion::default()
        .configure_from_args()
        .final_summary();
    // `cargo test --benches` runs each benchmark once (no `--bench`): no comparison then.
    let benching = std::env::args().any(|a| a == "--bench");
    if !benching || std::env::var_os("REGWAY_BENCH_NO_XMLSEC").is_some() {
        return;
    }
    compare_with_xmlsec();
}

/// Rounds per side and the least time of one round.
const ROUNDS: usize = 5;
const ROUND: Duration = Duration::from_millis(300);

/// Operations per second: median over [`ROUNDS`] rounds of at least [`ROUND`] each.
fn ops_per_second(mut op: impl FnMut()) -> f64 {
    let mut rates: Vec<f64> = (0..ROUNDS)
        .map(|_| {
            let start = Instant::now();
            let mut n = 0u64;
            while start.elapsed() < ROUND {
                op();
                n += 1;
            }
            n as f64 / start.elapsed().as_secs_f64()
        })
        .collect();
    rates.sort_by(f64::total_cmp);
    rates[ROUNDS / 2]
}

/// Times python-xmlsec sign (of the template) and verify (of the regway-signed document); the
/// signed output of the last sign goes to `xmlsec-signed.xml` for the cross-check.
const XMLSEC_SCRIPT: &str = r#"
import json, statistics, sys, time
from lxml import etree
import xmlsec

folder, rounds, round_s = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
read = lambda name: open(f"{folder}/{name}", "rb").read()
template, signed = read("template.xml"), read("signed.xml")
key = xmlsec.Key.from_file(f"{folder}/seal.key", xmlsec.constants.KeyDataFormatPem)
cert = xmlsec.Key.from_file(f"{folder}/seal.pem", xmlsec.constants.KeyDataFormatCertPem)
parser = etree.XMLParser(resolve_entities=False, no_network=True)

def load(text):
    root = etree.fromstring(text, parser)
    # Data's lowercase `id` and the signed properties' `Id` (libxmlsec1 knows neither by itself).
    xmlsec.tree.add_ids(root, ["id", "Id"])
    return root, xmlsec.tree.find_node(root, xmlsec.constants.NodeSignature)

def sign():
    root, sig = load(template)
    ctx = xmlsec.SignatureContext()
    ctx.key = key
    ctx.sign(sig)
    return etree.tostring(root, encoding="UTF-8", xml_declaration=False)

def verify():
    root, sig = load(signed)
    ctx = xmlsec.SignatureContext()
    ctx.key = cert
    ctx.verify(sig)

def plumbing():
    # What a sign costs besides libxmlsec1: lxml parse, ID registration, serialisation.
    root, _ = load(template)
    return etree.tostring(root, encoding="UTF-8", xml_declaration=False)

def rate(op):
    rates = []
    for _ in range(rounds):
        n, start = 0, time.perf_counter()
        while time.perf_counter() - start < round_s:
            op()
            n += 1
        rates.append(n / (time.perf_counter() - start))
    return statistics.median(rates)

verify()
open(f"{folder}/xmlsec-signed.xml", "wb").write(sign())
print(json.dumps({"sign": rate(sign), "verify": rate(verify), "plumbing": rate(plumbing)}))
"#;

#[derive(serde::Deserialize)]
struct XmlsecRates {
    sign: f64,
    verify: f64,
    /// Parse, register the IDs and serialise only: the Python side of a sign.
    plumbing: f64,
}

fn xmlsec_rates(python: &Path, dir: &Path, case: &Case) -> XmlsecRates {
    std::fs::write(dir.join("template.xml"), &case.template).expect("write");
    std::fs::write(dir.join("signed.xml"), &case.signed).expect("write");
    std::fs::write(dir.join("seal.key"), &case.seal.key_pem).expect("write");
    std::fs::write(dir.join("seal.pem"), &case.seal.cert_pem).expect("write");
    let out = Command::new(python)
        .arg("-c")
        .arg(XMLSEC_SCRIPT)
        .arg(dir)
        .arg(ROUNDS.to_string())
        .arg(ROUND.as_secs_f64().to_string())
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "python-xmlsec failed on {}: {}",
        case.name,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("xmlsec rates")
}

fn compare_with_xmlsec() {
    let python = match std::panic::catch_unwind(regway_pyenv::python) {
        Ok(p) => p,
        Err(_) => {
            eprintln!("no Python test environment: skipping the xmlsec comparison");
            return;
        }
    };
    let dir = tempfile::tempdir().expect("dir");
    let engine = engine();
    println!(
        "\nregway (bergshamra) vs libxmlsec1 (python-xmlsec), same documents, string in/out, median of {ROUNDS} rounds of {} ms",
        ROUND.as_millis()
    );
    println!(
        "{:<34} {:>8} {:>13} {:>6} {:>9} {:>15} {:>6}",
        "case", "sign/s", "xmlsec sign/s", "ratio", "verify/s", "xmlsec verify/s", "ratio"
    );
    for case in cases() {
        let x = xmlsec_rates(&python, dir.path(), &case);
        // Cross-check: what xmlsec signed, regway verifies.
        let theirs = std::fs::read_to_string(dir.path().join("xmlsec-signed.xml")).expect("read");
        engine
            .verify(&theirs, case.seal.seal.cert_der())
            .unwrap_or_else(|e| panic!("{}: regway rejects xmlsec's signature: {e}", case.name));
        let seal = &case.seal.seal;
        let signer = ResultSigner::new(engine.clone(), Arc::clone(seal), HashMap::new());
        let (r, how) = (result(), how(case.profile));
        let sign = ops_per_second(|| {
            signer.sign(&r, &how).expect("sign");
        });
        let verify = ops_per_second(|| {
            engine
                .verify(&case.signed, seal.cert_der())
                .expect("verify");
        });
        println!(
            "{:<34} {:>8.0} {:>13.0} {:>6.2} {:>9.0} {:>15.0} {:>6.2}",
            case.name,
            sign,
            x.sign,
            sign / x.sign,
            verify,
            x.verify,
            verify / x.verify
        );
        println!(
            "{:<34} (of xmlsec's sign, {:.0} µs is lxml parse + IDs + serialise, not libxmlsec1)",
            "",
            1e6 / x.plumbing
        );
    }
    println!("(sign/s: ResultSigner::sign, what the gateway does per signed response; xmlsec fills the same template; ratio: regway ÷ xmlsec)");
}
