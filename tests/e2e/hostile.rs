//! Malformed and hostile requests: each gets a stable fault, nothing is expanded or fetched,
//! and the gateway keeps serving.

use std::sync::Arc;
use std::time::Duration;

use regway::config::LimitsConfig;
use regway_test_support::registry::{echo_request, SlowRegistry, SLOW_ECHO};
use regway_test_support::{soap, GatewayOptions, TestGateway};

use crate::{between, fault_code, fault_string, in_band_error, person_data_soap11};

async fn post(
    gw: &TestGateway,
    content_type: &str,
    body: impl Into<bytes::Bytes>,
) -> regway_test_support::Reply {
    let mut c = gw.connect_granted().await;
    c.post(soap::V2_BASIC, content_type, None, body)
        .await
        .expect("answer")
}

async fn assert_fault(gw: &TestGateway, body: &str, status: u16, code: &str) -> String {
    let reply = post(gw, soap::SOAP11, body.to_string()).await;
    assert_eq!(reply.status, status, "{}", reply.body);
    assert_eq!(fault_code(&reply.body), Some(code), "{}", reply.body);
    // And the next request is served.
    let ok = post(gw, soap::SOAP11, person_data_soap11()).await;
    assert_eq!(
        between(&ok.body, "<HasError>", "</HasError>"),
        Some("false")
    );
    fault_string(&reply.body).unwrap_or_default().to_string()
}

#[tokio::test]
async fn malformed_xml_is_a_client_fault() {
    let gw = TestGateway::start().await;
    let text = assert_fault(
        &gw,
        "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body>",
        500,
        "xml.malformed",
    )
    .await;
    assert!(text.starts_with("The request is not well-formed XML"));
    assert_fault(&gw, "not xml at all", 500, "xml.malformed").await;
}

#[tokio::test]
async fn dtds_and_entities_are_refused_never_expanded() {
    let gw = TestGateway::start().await;
    let laughs = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>&lol3;</s:Body></s:Envelope>"#;
    let text = assert_fault(&gw, laughs, 500, "xml.dtd").await;
    assert_eq!(text, "DTDs and entity declarations are not accepted");
    let xxe = r#"<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>&x;</s:Body></s:Envelope>"#;
    let reply = post(&gw, soap::SOAP11, xxe).await;
    assert_eq!(fault_code(&reply.body), Some("xml.dtd"));
    assert!(!reply.body.contains("root:"));
    let undeclared = r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>&x;</s:Body></s:Envelope>"#;
    assert_fault(&gw, undeclared, 500, "xml.entity").await;
}

#[tokio::test]
async fn nesting_deeper_than_the_limit_is_refused() {
    let gw = TestGateway::start().await;
    let depth = 10_000;
    let body = format!(
        r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>{}{}</s:Body></s:Envelope>"#,
        "<a>".repeat(depth),
        "</a>".repeat(depth)
    );
    let text = assert_fault(&gw, &body, 500, "xml.too-deep").await;
    assert_eq!(text, "Elements are nested deeper than the limit of 64");
}

/// A small body with very many elements would cost far more memory as a tree than as text.
#[tokio::test]
async fn more_nodes_than_the_limit_are_refused() {
    let gw = TestGateway::start().await;
    let body = format!(
        r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>{}</s:Body></s:Envelope>"#,
        "<a/>".repeat(150_000)
    );
    let text = assert_fault(&gw, &body, 500, "xml.too-many-nodes").await;
    assert_eq!(
        text,
        "The request has more than 100000 elements and attributes"
    );
}

#[tokio::test]
async fn body_over_the_limit_is_refused_with_413() {
    let limits = LimitsConfig {
        body_bytes: 64 * 1024,
        ..LimitsConfig::default()
    };
    let gw = TestGateway::start_with(GatewayOptions {
        limits,
        ..GatewayOptions::default()
    })
    .await;
    let padding = " ".repeat(100 * 1024);
    let body = person_data_soap11().replace("<s:Body>", &format!("<s:Body>{padding}"));
    let reply = post(&gw, soap::SOAP11, body).await;
    assert_eq!(reply.status, 413);
    assert_eq!(fault_code(&reply.body), Some("http.body-too-large"));
    let ok = post(&gw, soap::SOAP11, person_data_soap11()).await;
    assert_eq!(
        between(&ok.body, "<HasError>", "</HasError>"),
        Some("false")
    );
}

#[tokio::test]
async fn wrong_media_type_version_and_headers_are_refused() {
    let gw = TestGateway::start().await;
    let reply = post(&gw, "application/json", person_data_soap11()).await;
    assert_eq!(reply.status, 415);
    assert_eq!(fault_code(&reply.body), Some("http.media-type"));
    // A SOAP 1.1 envelope announced as SOAP 1.2: a SOAP 1.2 VersionMismatch fault.
    let reply = post(
        &gw,
        "application/soap+xml; charset=utf-8",
        person_data_soap11(),
    )
    .await;
    assert_eq!(reply.status, 400);
    assert!(
        reply.body.contains("<s:Value>s:VersionMismatch</s:Value>"),
        "{}",
        reply.body
    );
    let must = person_data_soap11().replace(
        "<s:Body>",
        r#"<s:Header><x:Unknown xmlns:x="urn:x" s:mustUnderstand="1"/></s:Header><s:Body>"#,
    );
    assert_fault(&gw, &must, 500, "soap.must-understand").await;
}

#[tokio::test]
async fn bad_calls_get_contract_faults() {
    let gw = TestGateway::start().await;
    let wrong_arg = soap::v2_soap11(&soap::v2_members(
        soap::PERSON_DATA_SEARCH,
        "<Other xmlns=\"urn:x\"/>",
    ));
    let text = assert_fault(&gw, &wrong_arg, 500, "contract.argument-mismatch").await;
    assert!(text.contains("{http://egov.bg/RegiX/GRAO/NBD/PersonDataRequest}PersonDataRequest"));
    let no_arg = soap::v2_soap11(&format!(
        "<Operation>{}</Operation><CallContext><LawReason>LB-TEST</LawReason></CallContext>",
        soap::PERSON_DATA_SEARCH
    ));
    let text = assert_fault(&gw, &no_arg, 500, "contract.argument-missing").await;
    assert_eq!(
        text,
        "Element request.Argument is required and it must contain XML content"
    );
    let bad_flag = soap::v2_soap11(&format!(
        "{}<SignResult>maybe</SignResult>",
        soap::v2_members(
            soap::PERSON_DATA_SEARCH,
            &soap::person_data_request("0000000000")
        )
    ));
    assert_fault(&gw, &bad_flag, 500, "contract.bad-value").await;
    let unknown = r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><Nope xmlns="http://egov.bg/RegiX"/></s:Body></s:Envelope>"#;
    assert_fault(&gw, unknown, 500, "contract.unknown-message").await;
    let check = r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><CheckResult xmlns="http://egov.bg/RegiX"><argument><ServiceCheckResultArgument xmlns="http://egov.bg/RegiX/SignedData"><ServiceCallID>42</ServiceCallID></ServiceCheckResultArgument></argument></CheckResult></s:Body></s:Envelope>"#;
    let text = assert_fault(&gw, check, 500, "contract.no-such-call").await;
    assert_eq!(text, "No such serviceCallID could be found!");
}

#[tokio::test]
async fn adapter_timeout_is_an_in_band_error() {
    let limits = LimitsConfig {
        adapter_timeout_ms: 300,
        request_timeout_ms: 5_000,
        ..LimitsConfig::default()
    };
    let options = GatewayOptions {
        limits,
        extra: vec![Arc::new(SlowRegistry {
            delay: Duration::from_secs(3),
        })],
        ..GatewayOptions::default()
    };
    let gw = TestGateway::start_with(options).await;
    let body = soap::v2_soap11(&soap::v2_members(SLOW_ECHO, &echo_request("hello")));
    let reply = post(&gw, soap::SOAP11, body).await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        in_band_error(&reply.body),
        Some("The registry did not answer within 300 ms")
    );
    assert_eq!(
        between(&reply.body, "<IsReady>", "</IsReady>"),
        Some("true")
    );
    let ok = post(&gw, soap::SOAP11, person_data_soap11()).await;
    assert_eq!(
        between(&ok.body, "<HasError>", "</HasError>"),
        Some("false")
    );
}
