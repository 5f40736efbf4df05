//! Independent implementations against the running gateway: Python zeep as a RegiX consumer,
//! and lxml (libxml2) validating what the gateway emits against the upstream RegiX schemas and
//! regway's own contract schemas.

use std::path::{Path, PathBuf};

use regway_test_support::{soap, TestGateway};

use crate::{known_egn, person_data_soap11};
use regway_pyenv as pyenv;

fn workspace() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn upstream_xsd(rel: &str) -> PathBuf {
    workspace().join("../shared/regix/xsd").join(rel)
}

#[tokio::test]
async fn zeep_loads_the_wsdls_and_calls_execute_over_mtls() {
    let gw = TestGateway::start().await;
    let d = gw.dir.path();
    let (cert, key) = (d.join("granted.pem"), d.join("granted.key"));
    std::fs::write(&cert, &gw.pki.granted.cert_pem).unwrap();
    std::fs::write(&key, &gw.pki.granted.key_pem).unwrap();
    let egn = known_egn();
    let base = format!("https://localhost:{}", gw.addr.port());
    let script = workspace().join("tests/interop/zeep_client.py");
    let python = pyenv::python();
    let out = tokio::process::Command::new(python)
        .arg(script)
        .args([&base, &d.join("ca.pem").display().to_string()])
        .args([cert.display().to_string(), key.display().to_string()])
        .args([&egn, soap::PERSON_DATA_SEARCH])
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "zeep failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let expected_first = regway_demo_population::PopulationRegister::new()
        .person(&egn)
        .unwrap()
        .first_name
        .clone();
    assert_eq!(
        report["v2_operations"],
        serde_json::json!(["AcknowledgeResultReceived", "CheckResult", "Execute"])
    );
    for port in ["v2_soap11", "v2_soap12", "v1"] {
        let r = &report[port];
        assert_eq!(r["IsReady"], true, "{port}: {r}");
        assert_eq!(r["HasError"], false, "{port}: {r}");
        assert_eq!(r["Error"], serde_json::Value::Null, "{port}: {r}");
        assert_eq!(
            r["ResponseRoot"],
            "{http://egov.bg/RegiX/GRAO/NBD/PersonDataResponse}PersonDataResponse"
        );
        assert_eq!(r["EGN"], egn.as_str(), "{port}: {r}");
        assert_eq!(r["EchoedEGN"], egn.as_str(), "{port}: {r}");
        assert_eq!(r["FirstName"], expected_first.as_str(), "{port}: {r}");
    }
}

/// The element between `<Response id="response">` and `</Response>` of an answer.
fn response_element(body: &str) -> String {
    crate::between(body, r#"<Response id="response">"#, "</Response>")
        .expect("a Response element")
        .to_string()
}

#[tokio::test]
async fn responses_validate_against_the_upstream_regix_schemas() {
    let gw = TestGateway::start().await;
    let mut c = gw.connect_granted().await;
    let population = regway_demo_population::PopulationRegister::new();
    let companies = regway_demo_company::CompanyRegister::new();
    let mut person_data = Vec::new();
    let mut valid_person = Vec::new();
    let mut valid_uic = Vec::new();
    let mut egns = population.sample_egns(5);
    egns.push(population.deceased_egn().to_string());
    egns.push("0000000000".to_string());
    for egn in &egns {
        let arg = soap::person_data_request(egn);
        let r = c
            .post(
                soap::V2_BASIC,
                soap::SOAP11,
                None,
                soap::v2_soap11(&soap::v2_members(soap::PERSON_DATA_SEARCH, &arg)),
            )
            .await
            .unwrap();
        person_data.push(response_element(&r.body));
        let arg = format!(
            r#"<ValidPersonRequest xmlns="http://egov.bg/RegiX/GRAO/NBD/ValidPersonRequest"><EGN>{egn}</EGN></ValidPersonRequest>"#
        );
        let r = c
            .post(
                soap::V2_BASIC,
                soap::SOAP11,
                None,
                soap::v2_soap11(&soap::v2_members(soap::VALID_PERSON_SEARCH, &arg)),
            )
            .await
            .unwrap();
        valid_person.push(response_element(&r.body));
    }
    for uic in companies.sample_uics(5) {
        let arg = format!(
            r#"<ValidUICRequest xmlns="http://egov.bg/RegiX/AV/TR/ValidUICRequest"><UIC>{uic}</UIC></ValidUICRequest>"#
        );
        let r = c
            .post(
                soap::V2_BASIC,
                soap::SOAP11,
                None,
                soap::v2_soap11(&soap::v2_members(soap::GET_VALID_UIC_INFO, &arg)),
            )
            .await
            .unwrap();
        valid_uic.push(response_element(&r.body));
    }
    pyenv::validate(
        &upstream_xsd("RegiX.GraoNBDAdapter/PersonDataResponse.xsd"),
        &person_data,
    )
    .unwrap();
    pyenv::validate(
        &upstream_xsd("RegiX.GraoNBDAdapter/ValidPersonResponse.xsd"),
        &valid_person,
    )
    .unwrap();
    pyenv::validate(
        &upstream_xsd("RegiX.AVTRAdapter/TR_ValidUICResponse.xsd"),
        &valid_uic,
    )
    .unwrap();
}

/// The whole `ServiceResultData` (success and refusal) validates against regway's published
/// contract schema, so what the WSDL promises is what the wire carries.
#[tokio::test]
async fn service_result_data_validates_against_regways_contract_schema() {
    let gw = TestGateway::start().await;
    let mut ok = gw.connect_granted().await;
    let success = ok
        .post(soap::V2_BASIC, soap::SOAP11, None, person_data_soap11())
        .await
        .unwrap()
        .body;
    let mut denied = gw
        .connect(Some(&regway_test_support::TestPki::identity(
            &gw.pki.ungranted,
        )))
        .await
        .unwrap();
    let refusal = denied
        .post(soap::V2_BASIC, soap::SOAP11, None, person_data_soap11())
        .await
        .unwrap()
        .body;
    let with_matrix = person_data_soap11().replace(
        "<ReturnAccessMatrix>false</ReturnAccessMatrix>",
        "<ReturnAccessMatrix>true</ReturnAccessMatrix>",
    );
    let matrix = ok
        .post(soap::V2_BASIC, soap::SOAP11, None, with_matrix)
        .await
        .unwrap()
        .body;
    assert!(
        matrix.contains(r#"<Matrix id="AccessMatrix"><HasAccess>true</HasAccess>"#),
        "{matrix}"
    );
    let docs: Vec<String> = [success, refusal, matrix]
        .iter()
        .map(|b| {
            let inner = crate::between(b, "<ExecuteResult>", "</ExecuteResult>").expect("result");
            // Standalone, the xsi prefix the envelope declared must be declared on the root.
            inner.replacen(
                "<ServiceResultData ",
                r#"<ServiceResultData xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" "#,
                1,
            )
        })
        .collect();
    pyenv::validate(&workspace().join("xsd/RegiXSignedData.xsd"), &docs).unwrap();
}

/// A V1 answer, with its access matrix in tempuri, validates against regway's V1 schema.
#[tokio::test]
async fn v1_answers_validate_against_regways_v1_schema() {
    let gw = TestGateway::start().await;
    let mut c = gw.connect_granted().await;
    let body = soap::v1_soap12(
        soap::PERSON_DATA_SEARCH,
        &soap::person_data_request(&known_egn()),
        "urn:uuid:1",
    )
    .replace(
        "<ReturnAccessMatrix>false</ReturnAccessMatrix>",
        "<ReturnAccessMatrix>true</ReturnAccessMatrix>",
    );
    let content_type =
        soap::soap12_content_type("http://tempuri.org/IRegiXEntryPoint/ExecuteSynchronous");
    let reply = c
        .post(soap::V1, &content_type, None, body)
        .await
        .unwrap()
        .body;
    assert!(reply.contains(r#"<Matrix id="AccessMatrix">"#), "{reply}");
    let inner = crate::between(&reply, "<s:Body ", "</s:Body>").expect("a body");
    let doc = inner
        .split_once('>')
        .map(|(_, rest)| rest.to_string())
        .expect("body content")
        .replacen(
            "<ExecuteSynchronousResponse ",
            r#"<ExecuteSynchronousResponse xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" "#,
            1,
        );
    pyenv::validate(&workspace().join("xsd/RegiXEntryPointV1.xsd"), &[doc]).unwrap();
}
