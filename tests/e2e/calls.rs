//! Successful calls on every contract and SOAP version, compared byte for byte with reviewed
//! snapshots of RegiX's response shapes.

use regway_test_support::{soap, Connection, HttpVersion, TestGateway, TestPki};

use crate::{between, known_egn, person_data_soap11};

#[tokio::test]
async fn v2_soap11_execute_answers_in_regix_shape() {
    let gw = TestGateway::start().await;
    let mut c = gw.connect_granted().await;
    let reply = c
        .post(
            soap::V2_BASIC,
            soap::SOAP11,
            Some(soap::V2_EXECUTE_ACTION),
            person_data_soap11(),
        )
        .await
        .unwrap();
    assert_eq!(reply.status, 200);
    assert_eq!(reply.headers["content-type"], "text/xml; charset=utf-8");
    insta::assert_snapshot!(
        "v2_soap11_person_data",
        crate::with_call_id_checked(&gw, &reply).await
    );
}

#[tokio::test]
async fn v2_soap12_with_ws_addressing_relates_the_answer_to_the_message() {
    let gw = TestGateway::start().await;
    let mut c = gw.connect_granted().await;
    let members = soap::v2_members(
        soap::VALID_PERSON_SEARCH,
        &format!(
            r#"<ValidPersonRequest xmlns="http://egov.bg/RegiX/GRAO/NBD/ValidPersonRequest"><EGN>{}</EGN></ValidPersonRequest>"#,
            known_egn()
        ),
    );
    let body = soap::v2_soap12(
        &members,
        "urn:uuid:0f8fad5b-d9cb-469f-a165-70867728950e",
        "https://localhost/RegiXEntryPointV2.svc",
    );
    let reply = c
        .post(
            soap::V2_WS,
            &soap::soap12_content_type(soap::V2_EXECUTE_ACTION),
            None,
            body,
        )
        .await
        .unwrap();
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.headers["content-type"],
        "application/soap+xml; charset=utf-8"
    );
    insta::assert_snapshot!(
        "v2_soap12_valid_person",
        crate::with_call_id_checked(&gw, &reply).await
    );
}

#[tokio::test]
async fn v1_execute_synchronous_answers_in_tempuri() {
    let gw = TestGateway::start().await;
    let mut c = gw.connect_granted().await;
    let uic = regway_demo_company::CompanyRegister::new()
        .sample_uics(1)
        .into_iter()
        .next()
        .unwrap();
    let arg = format!(
        r#"<ValidUICRequest xmlns="http://egov.bg/RegiX/AV/TR/ValidUICRequest"><UIC>{uic}</UIC></ValidUICRequest>"#
    );
    let body = soap::v1_soap12(
        soap::GET_VALID_UIC_INFO,
        &arg,
        "urn:uuid:6b29fc40-ca47-1067-b31d-00dd010662da",
    );
    let reply = c
        .post(
            soap::V1,
            &soap::soap12_content_type("http://tempuri.org/IRegiXEntryPoint/ExecuteSynchronous"),
            None,
            body,
        )
        .await
        .unwrap();
    assert_eq!(reply.status, 200);
    insta::assert_snapshot!(
        "v1_valid_uic",
        crate::with_call_id_checked(&gw, &reply).await
    );
}

#[tokio::test]
async fn http2_is_served_too() {
    let gw = TestGateway::start().await;
    let id = TestPki::identity(&gw.pki.granted);
    let mut c = Connection::open(gw.addr, &gw.pki.ca.cert_pem, Some(&id), HttpVersion::Http2)
        .await
        .unwrap();
    for _ in 0..3 {
        let reply = c
            .post(soap::V2_BASIC, soap::SOAP11, None, person_data_soap11())
            .await
            .unwrap();
        assert_eq!(reply.status, 200);
        assert_eq!(
            between(&reply.body, "<HasError>", "</HasError>"),
            Some("false")
        );
    }
}

/// What real third-party clients send (NOTES §1.4): no processing flags, flags in the empty
/// namespace, members out of order, unknown members, and an argument whose namespace is
/// declared on the envelope. All of it is read; unqualified flags are ignored, as .NET ignored
/// them. (The CallContext comes last here: regway requires its LawReason, see below.)
#[tokio::test]
async fn lenient_requests_from_real_clients_are_accepted() {
    let gw = TestGateway::start().await;
    let mut c = gw.connect_granted().await;
    let request = |call_context: &str| {
        format!(
            r#"<?xml version="1.0" encoding="utf-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:reg="http://egov.bg/RegiX" xmlns:sig="http://egov.bg/RegiX/SignedData" xmlns:p="http://egov.bg/RegiX/GRAO/NBD/PersonDataRequest">
  <soapenv:Header/>
  <soapenv:Body>
    <reg:Execute>
      <reg:request>
        <sig:ServiceRequestData>
          <SignResult>true</SignResult>
          <ReturnAccessMatrix>true</ReturnAccessMatrix>
          <sig:Argument><p:PersonDataRequest><p:EGN>{}</p:EGN></p:PersonDataRequest></sig:Argument>
          <sig:Unexpected>ignored</sig:Unexpected>
          <sig:Operation>{}</sig:Operation>
          {call_context}
        </sig:ServiceRequestData>
      </reg:request>
    </reg:Execute>
  </soapenv:Body>
</soapenv:Envelope>"#,
            known_egn(),
            soap::PERSON_DATA_SEARCH
        )
    };
    let with_context =
        request("<sig:CallContext><sig:LawReason>LB-TEST</sig:LawReason></sig:CallContext>");
    let reply = c
        .post(soap::V2_BASIC, soap::SOAP11, None, with_context)
        .await
        .unwrap();
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        between(&reply.body, "<HasError>", "</HasError>"),
        Some("false"),
        "{}",
        reply.body
    );
    // The echoed argument declares the namespace it inherited from the envelope.
    assert!(reply.body.contains(&format!(
        r#"<Request id="request"><p:PersonDataRequest xmlns:p="http://egov.bg/RegiX/GRAO/NBD/PersonDataRequest"><p:EGN>{}</p:EGN></p:PersonDataRequest></Request>"#,
        known_egn()
    )));
    // Unqualified ReturnAccessMatrix was ignored: the matrix is nil.
    assert!(reply.body.contains(r#"<Matrix xsi:nil="true"/>"#));

    // Without a CallContext the request is still read (no fault), but regway enforces the
    // legal basis that RegiX only logged: an in-band refusal.
    let reply = c
        .post(soap::V2_BASIC, soap::SOAP11, None, request(""))
        .await
        .unwrap();
    assert_eq!(reply.status, 200);
    assert_eq!(
        crate::in_band_error(&reply.body),
        Some("Access denied! No legal basis is cited: CallContext/LawReason must start with the code of a legal basis.")
    );
}

/// A person the register does not know is an empty, valid response, not an error.
#[tokio::test]
async fn unknown_person_is_an_empty_response() {
    let gw = TestGateway::start().await;
    let mut c = gw.connect_granted().await;
    let body = soap::v2_soap11(&soap::v2_members(
        soap::PERSON_DATA_SEARCH,
        &soap::person_data_request("0000000000"),
    ));
    let reply = c
        .post(soap::V2_BASIC, soap::SOAP11, None, body)
        .await
        .unwrap();
    assert_eq!(
        between(&reply.body, "<HasError>", "</HasError>"),
        Some("false")
    );
    assert!(reply
        .body
        .contains("<Response id=\"response\"><PersonDataResponse"));
}
