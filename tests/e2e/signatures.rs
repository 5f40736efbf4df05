//! XML signatures against independent implementations, over a running gateway:
//!
//! - results regway signs (XAdES, both profiles, ECDSA and RSA seals) verify with the `xmlsec1`
//!   tool (libxmlsec1) and with Python `signxml`, and with `regway signature verify`; one changed
//!   byte under `Data`, access matrix included, fails all three;
//! - requests signed by Python zeep's `BinarySignature` (python-xmlsec) and by `xmlsec1` are
//!   accepted; the same requests tampered, re-ordered, wrapped, expired, replayed, signed with
//!   SHA-1 or by another consumer are refused, each with its stable code, and each audited.

use std::path::{Path, PathBuf};
use std::time::Duration;

use regway::config::SignaturesConfig;
use regway::dsig::seal::SealPaths;
use regway::dsig::wssec::RequestPolicy;
use regway::dsig::Profile;
use regway::pki::{Ca, KeyAlgorithm};
use regway_pyenv as pyenv;
use regway_test_support::cli;
use regway_test_support::gateway::GatewayOptions;
use regway_test_support::{soap, Reply, TestGateway, TestPki};
use serde_json::Value;

use crate::{audited, fault_code, known_egn, person_data_soap11};

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/signatures.py")
}

/// Run a subcommand of `signatures.py`; its JSON answer. Async: the gateway it may call
/// runs on this test's runtime.
async fn python(args: &[&str]) -> Value {
    let out = tokio::process::Command::new(pyenv::python())
        .arg(script())
        .args(args)
        .output()
        .await
        .expect("python runs");
    assert!(
        out.status.success(),
        "signatures.py {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON from signatures.py")
}

fn write(dir: &Path, name: &str, contents: impl AsRef<[u8]>) -> String {
    let p = dir.join(name);
    std::fs::write(&p, contents).unwrap();
    p.display().to_string()
}

/// A seal issued by a CA of its own (the trust anchor verifiers are given).
struct SealFiles {
    dir: tempfile::TempDir,
    paths: SealPaths,
    ca: String,
    cert: String,
}

fn seal(algorithm: KeyAlgorithm) -> SealFiles {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::generate("registry seal CA", "regway tests", 5).unwrap();
    let issued = ca
        .issue_seal("demo registry seal", "regway tests", 5, algorithm)
        .unwrap();
    let d = dir.path();
    let paths = SealPaths {
        key: write(d, "seal.key", &issued.key_pem).into(),
        cert: write(d, "seal.pem", &issued.cert_pem).into(),
    };
    SealFiles {
        ca: write(d, "ca.pem", &ca.cert_pem),
        cert: paths.cert.display().to_string(),
        paths,
        dir,
    }
}

async fn gateway_sealed_by(seal: &SealFiles) -> TestGateway {
    TestGateway::start_with(GatewayOptions {
        signatures: SignaturesConfig {
            seal: Some(seal.paths.clone()),
            ..SignaturesConfig::default()
        },
        ..GatewayOptions::default()
    })
    .await
}

fn signed_request(matrix: bool) -> String {
    person_data_soap11()
        .replace(
            "<SignResult>false</SignResult>",
            "<SignResult>true</SignResult>",
        )
        .replace(
            "<ReturnAccessMatrix>false</ReturnAccessMatrix>",
            &format!("<ReturnAccessMatrix>{matrix}</ReturnAccessMatrix>"),
        )
}

async fn post(
    gw: &TestGateway,
    who: &regway::pki::Issued,
    path: &str,
    ct: &str,
    body: Vec<u8>,
) -> Reply {
    let mut c = gw.connect(Some(&TestPki::identity(who))).await.unwrap();
    c.post(path, ct, None, body).await.unwrap()
}

/// Every verifier's verdict on a saved response.
async fn verdicts(response: &str, seal: &SealFiles, profile: Profile) -> Value {
    python(&[
        "verify-result",
        response,
        &seal.cert,
        &seal.ca,
        profile.name(),
    ])
    .await
}

fn regway_verify(document: &str, ca: &str) -> std::process::Output {
    cli::run(
        env!("CARGO_BIN_EXE_regway"),
        &["signature", "verify", document, "--trust", ca],
    )
}

/// Wait until the gateway's policy shows `check` (the store is watched, not read per call).
async fn eventually<F: Fn(&Reply) -> bool>(gw: &TestGateway, body: &str, check: F) -> Reply {
    for _ in 0..50 {
        let r = post(
            gw,
            &gw.pki.granted,
            soap::V2_BASIC,
            soap::SOAP11,
            body.as_bytes().to_vec(),
        )
        .await;
        if check(&r) {
            return r;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the policy change did not take effect");
}

#[tokio::test]
async fn signed_results_verify_with_xmlsec1_signxml_and_regway_and_one_changed_byte_fails_all() {
    for (algorithm, profiles) in [
        (KeyAlgorithm::EcdsaP256, vec![Profile::Xades]),
        (
            KeyAlgorithm::Rsa2048,
            vec![Profile::Xades, Profile::RegixLegacy],
        ),
    ] {
        let seal = seal(algorithm);
        let gw = gateway_sealed_by(&seal).await;
        for profile in profiles {
            gw.store()
                .set_consumer_signatures("Granted", None, Some(profile))
                .await
                .unwrap();
            let method = match (profile, algorithm) {
                (Profile::RegixLegacy, _) => "xmldsig#rsa-sha1",
                (_, KeyAlgorithm::EcdsaP256) => "ecdsa-sha256",
                _ => "rsa-sha256",
            };
            let reply = eventually(&gw, &signed_request(true), |r| r.body.contains(method)).await;
            let body = &reply.body;
            let what = format!("{algorithm:?} {profile:?}");
            assert_eq!(reply.status, 200, "{what}: {body}");
            // The signature is Data's next sibling, and the call's record says it was signed.
            assert!(body.contains("</Data><ds:Signature"), "{what}: {body}");
            assert_eq!(
                audited(&gw, &reply).await["result_signature"],
                profile.name()
            );

            let file = write(seal.dir.path(), "response.xml", body);
            let v = verdicts(&file, &seal, profile).await;
            assert_eq!(v["xmlsec1"], "ok", "{what}: {v}");
            assert_eq!(v["signxml"], "ok", "{what}: {v}");
            assert_eq!(
                v["signxml_covered"],
                serde_json::json!(["Data", "SignedProperties"]),
                "{what}"
            );
            let document = v["document"].as_str().unwrap();
            let out = cli::ok(regway_verify(document, &seal.ca));
            assert!(
                out.contains("signed by:") && out.contains("demo registry seal"),
                "{out}"
            );
            assert!(
                out.contains(&format!("{} profile", profile.name())),
                "{out}"
            );
            assert!(out.contains("Request, Response, Matrix"), "{out}");

            // One byte under Data: in the registry's answer, then in the access matrix.
            let changed_name = body.replacen("</nbd:FirstName>", "a</nbd:FirstName>", 1);
            let changed_matrix = body.replacen(
                "<HasAccess>true</HasAccess>",
                "<HasAccess>fals</HasAccess>",
                1,
            );
            for tampered in [changed_name, changed_matrix] {
                assert_ne!(&tampered, body);
                let file = write(seal.dir.path(), "tampered.xml", &tampered);
                let v = verdicts(&file, &seal, profile).await;
                assert_ne!(
                    v["xmlsec1"], "ok",
                    "{what}: xmlsec1 accepted a changed Data"
                );
                assert_ne!(
                    v["signxml"], "ok",
                    "{what}: signxml accepted a changed Data"
                );
                let err = cli::failed(regway_verify(v["document"].as_str().unwrap(), &seal.ca));
                assert!(err.contains("does not verify"), "{err}");
            }
        }
        // The default profile verifies in place in a V1 answer too (tempuri Data).
        gw.store()
            .set_consumer_signatures("Granted", None, Some(Profile::Xades))
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(1200)).await;
        let v1 = soap::v1_soap12(
            soap::PERSON_DATA_SEARCH,
            &soap::person_data_request(&known_egn()),
            "urn:uuid:7d5a6c1e-0000-4000-8000-000000000001",
        )
        .replace(
            "<SignResult>false</SignResult>",
            "<SignResult>true</SignResult>",
        );
        let reply = post(
            &gw,
            &gw.pki.granted,
            soap::V1,
            &soap::soap12_content_type("http://tempuri.org/IRegiXEntryPoint/ExecuteSynchronous"),
            v1.into_bytes(),
        )
        .await;
        assert!(
            reply.body.contains("</Data><ds:Signature"),
            "{}",
            reply.body
        );
        let file = write(seal.dir.path(), "v1.xml", &reply.body);
        let v = verdicts(&file, &seal, Profile::Xades).await;
        assert_eq!(v["xmlsec1"], "ok", "V1: {v}");
        assert_eq!(v["signxml"], "ok", "V1: {v}");
    }
}

#[tokio::test]
async fn results_are_unsigned_when_the_operation_forbids_it_and_legacy_needs_an_rsa_seal() {
    let seal = seal(KeyAlgorithm::EcdsaP256);
    let gw = gateway_sealed_by(&seal).await;
    let body = signed_request(false);
    let reply = eventually(&gw, &body, |r| r.body.contains("<ds:Signature")).await;
    assert_eq!(reply.status, 200);
    gw.store()
        .set_operation_signing(soap::PERSON_DATA_SEARCH, false)
        .await
        .unwrap();
    let reply = eventually(&gw, &body, |r| !r.body.contains("<ds:Signature")).await;
    assert!(
        reply.body.contains("<IsReady>true</IsReady>"),
        "{}",
        reply.body
    );
    gw.store()
        .set_operation_signing(soap::PERSON_DATA_SEARCH, true)
        .await
        .unwrap();
    gw.store()
        .set_consumer_signatures("Granted", None, Some(Profile::RegixLegacy))
        .await
        .unwrap();
    let reply = eventually(&gw, &body, |r| r.status != 200).await;
    assert_eq!(
        fault_code(&reply.body),
        Some("signature.sign-failed"),
        "{}",
        reply.body
    );
    assert!(reply.body.contains("is not an RSA key"), "{}", reply.body);
    assert_eq!(
        audited(&gw, &reply).await["outcome"],
        "signature.sign-failed"
    );
}

/// Files for signing requests as the granted consumer (its TLS key signs).
struct Signer {
    dir: tempfile::TempDir,
    base: String,
    ca: String,
    cert: String,
    key: String,
}

impl Signer {
    fn new(gw: &TestGateway, who: &regway::pki::Issued) -> Signer {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        Signer {
            base: format!("https://localhost:{}", gw.addr.port()),
            ca: write(d, "ca.pem", &gw.pki.ca.cert_pem),
            cert: write(d, "signer.pem", &who.cert_pem),
            key: write(d, "signer.key", &who.key_pem),
            dir,
        }
    }

    /// A zeep-signed V2 Execute: (content type, bytes).
    async fn zeep(
        &self,
        port: &str,
        signature: &str,
        digest: &str,
        offset: i64,
    ) -> (String, Vec<u8>) {
        let out = self
            .dir
            .path()
            .join(format!("zeep-{port}-{signature}-{offset}.xml"));
        let out_s = out.display().to_string();
        let v = python(&[
            "zeep-request",
            &self.base,
            &self.ca,
            &self.cert,
            &self.key,
            &known_egn(),
            soap::PERSON_DATA_SEARCH,
            port,
            signature,
            digest,
            &offset.to_string(),
            &out_s,
        ])
        .await;
        (
            v["content_type"].as_str().unwrap().to_string(),
            std::fs::read(out).unwrap(),
        )
    }

    /// `unsigned` (a SOAP 1.1 message) signed by the xmlsec1 tool, WS-Security style.
    async fn xmlsec1(&self, unsigned: &str) -> Vec<u8> {
        let d = self.dir.path();
        let input = write(d, "unsigned.xml", unsigned);
        let out = d.join("xmlsec1-signed.xml");
        python(&[
            "xmlsec1-request",
            &input,
            &self.key,
            &self.cert,
            &out.display().to_string(),
        ])
        .await;
        std::fs::read(out).unwrap()
    }

    async fn tamper(&self, kind: &str, message: &[u8]) -> Vec<u8> {
        let d = self.dir.path();
        let input = write(d, "to-tamper.xml", message);
        let out = d.join(format!("tampered-{kind}.xml"));
        python(&["tamper", kind, &input, &out.display().to_string()]).await;
        std::fs::read(out).unwrap()
    }
}

fn path_for(content_type: &str) -> &'static str {
    if content_type.starts_with("text/xml") {
        soap::V2_BASIC
    } else {
        soap::V2_WS
    }
}

#[tokio::test]
async fn requests_signed_by_zeep_and_xmlsec1_are_accepted_and_every_attack_is_refused() {
    let gw = TestGateway::start().await;
    gw.store()
        .set_consumer_signatures("Granted", Some(RequestPolicy::Required), None)
        .await
        .unwrap();
    // Unsigned: refused once the policy is in force.
    let unsigned = eventually(&gw, &person_data_soap11(), |r| r.status != 200).await;
    assert_eq!(
        fault_code(&unsigned.body),
        Some("signature.missing"),
        "{}",
        unsigned.body
    );
    assert_eq!(
        audited(&gw, &unsigned).await["outcome"],
        "signature.missing"
    );

    let signer = Signer::new(&gw, &gw.pki.granted);
    let granted = &gw.pki.granted;
    let send = |ct: String, body: Vec<u8>| {
        let gw = &gw;
        async move { post(gw, granted, path_for(&ct), &ct, body).await }
    };

    // Accepted: zeep over SOAP 1.1 and SOAP 1.2 (with WS-Addressing), and xmlsec1.
    let (ct11, zeep11) = signer.zeep("soap11", "ecdsa-sha256", "sha256", 0).await;
    let reply = send(ct11.clone(), zeep11.clone()).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(
        reply.body.contains("<HasError>false</HasError>"),
        "{}",
        reply.body
    );
    let record = audited(&gw, &reply).await;
    assert_eq!(
        record["request_signer"].as_str(),
        Some(
            regway::policy::Thumbprints::of(&granted.der)
                .sha256
                .as_str()
        )
    );
    let (ct12, zeep12) = signer.zeep("soap12", "ecdsa-sha256", "sha256", 0).await;
    let reply = send(ct12, zeep12).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(
        reply.body.contains("<HasError>false</HasError>"),
        "{}",
        reply.body
    );
    let xmlsec1_signed = signer.xmlsec1(&person_data_soap11()).await;
    let reply = send(soap::SOAP11.to_string(), xmlsec1_signed).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(
        reply.body.contains("<HasError>false</HasError>"),
        "{}",
        reply.body
    );

    // Refused, each with its code and its own audit record.
    // First: the accepted zeep request, sent again.
    let mut cases: Vec<(&str, String, Vec<u8>)> =
        vec![("signature.replay", ct11.clone(), zeep11.clone())];
    for (kind, code) in [
        ("body", "signature.invalid"),
        ("reorder", "signature.invalid"),
        ("wrap", "signature.wrapping"),
        // A second Body is refused by the envelope's layout rule before any signature check.
        ("second-body", "soap.layout"),
        ("duplicate-id", "signature.wrapping"),
        ("two-signatures", "signature.wrapping"),
    ] {
        let (ct, fresh) = signer.zeep("soap11", "ecdsa-sha256", "sha256", 0).await;
        cases.push((code, ct, signer.tamper(kind, &fresh).await));
    }
    let (ct, old) = signer.zeep("soap11", "ecdsa-sha256", "sha256", -3600).await;
    cases.push(("signature.timestamp", ct, old));
    let (ct, future) = signer.zeep("soap11", "ecdsa-sha256", "sha256", 3600).await;
    cases.push(("signature.timestamp", ct, future));
    let (ct, sha1) = signer.zeep("soap11", "ecdsa-sha1", "sha1", 0).await;
    cases.push(("signature.algorithm", ct, sha1));
    let other = Signer::new(&gw, &gw.pki.ungranted);
    let (ct, foreign) = other.zeep("soap11", "ecdsa-sha256", "sha256", 0).await;
    cases.push(("signature.signer", ct, foreign));
    for (expected, ct, body) in cases {
        let reply = send(ct, body).await;
        assert_eq!(reply.status, 500, "{expected}: {}", reply.body);
        assert_eq!(fault_code(&reply.body), Some(expected), "{}", reply.body);
        assert_eq!(audited(&gw, &reply).await["outcome"], expected);
    }
}

#[tokio::test]
async fn optional_verifies_when_present_and_off_refuses_a_mandatory_security_header() {
    let gw = TestGateway::start().await;
    let signer = Signer::new(&gw, &gw.pki.granted);
    // Optional (the default): unsigned is accepted, a signed one is verified.
    let reply = post(
        &gw,
        &gw.pki.granted,
        soap::V2_BASIC,
        soap::SOAP11,
        person_data_soap11().into_bytes(),
    )
    .await;
    assert!(
        reply.body.contains("<HasError>false</HasError>"),
        "{}",
        reply.body
    );
    let (ct, fresh) = signer.zeep("soap11", "ecdsa-sha256", "sha256", 0).await;
    let tampered = signer.tamper("body", &fresh).await;
    let reply = post(&gw, &gw.pki.granted, soap::V2_BASIC, &ct, tampered).await;
    assert_eq!(
        fault_code(&reply.body),
        Some("signature.invalid"),
        "{}",
        reply.body
    );

    // Off: a Security header marked mustUnderstand cannot be honoured.
    gw.store()
        .set_consumer_signatures("Granted", Some(RequestPolicy::Off), None)
        .await
        .unwrap();
    let signed = String::from_utf8(signer.xmlsec1(&person_data_soap11()).await).unwrap();
    // Until the change reaches the gateway the request is verified (and then refused as a
    // replay), so wait for the refusal itself.
    let reply = eventually(&gw, &signed, |r| {
        fault_code(&r.body) == Some("soap.must-understand")
    })
    .await;
    assert_eq!(
        fault_code(&reply.body),
        Some("soap.must-understand"),
        "{}",
        reply.body
    );
}

#[tokio::test]
async fn a_registry_with_its_own_seal_signs_its_results_and_the_gateway_seal_signs_the_rest() {
    let registry = seal(KeyAlgorithm::EcdsaP256);
    let gw = TestGateway::start_with(GatewayOptions {
        signatures: SignaturesConfig {
            seals: [("demo-population".to_string(), registry.paths.clone())].into(),
            ..SignaturesConfig::default()
        },
        ..GatewayOptions::default()
    })
    .await;
    let signer_of = |reply: &Reply, name: &str| {
        let file = write(registry.dir.path(), name, &reply.body);
        let out = cli::ok(cli::run(
            env!("CARGO_BIN_EXE_regway"),
            &["signature", "verify", &file, "--json"],
        ));
        let report: Value = serde_json::from_str(&out).unwrap();
        report["signer_subject"].as_str().unwrap().to_string()
    };
    let person = post(
        &gw,
        &gw.pki.granted,
        soap::V2_BASIC,
        soap::SOAP11,
        signed_request(false).into_bytes(),
    )
    .await;
    assert!(signer_of(&person, "person.xml").contains("demo registry seal"));
    let uic = regway_demo_company::CompanyRegister::new()
        .sample_uics(1)
        .into_iter()
        .next()
        .unwrap();
    let company = soap::v2_soap11(&soap::v2_members(
        soap::GET_VALID_UIC_INFO,
        &format!(r#"<ValidUICRequest xmlns="http://egov.bg/RegiX/AV/TR/ValidUICRequest"><UIC>{uic}</UIC></ValidUICRequest>"#),
    ))
    .replace("<SignResult>false</SignResult>", "<SignResult>true</SignResult>");
    let company = post(
        &gw,
        &gw.pki.granted,
        soap::V2_BASIC,
        soap::SOAP11,
        company.into_bytes(),
    )
    .await;
    // The gateway's default seal: created self-signed at first start.
    assert!(signer_of(&company, "company.xml").contains("regway gateway seal"));
}
