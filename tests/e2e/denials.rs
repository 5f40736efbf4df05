//! Refusals of identity and access: each answers as NOTES §8 documents, and the gateway keeps
//! serving the next caller.

use std::time::Duration;

use regway_test_support::{soap, Identity, TestGateway, TestPki};

use crate::{between, fault_code, fault_string, in_band_error, person_data_soap11};

/// A good call still succeeds: the refusal before it left the gateway serving.
async fn still_serving(gw: &TestGateway) {
    let mut c = gw.connect_granted().await;
    let reply = c
        .post(soap::V2_BASIC, soap::SOAP11, None, person_data_soap11())
        .await
        .unwrap();
    assert_eq!(
        between(&reply.body, "<HasError>", "</HasError>"),
        Some("false")
    );
}

async fn call_as(gw: &TestGateway, id: &Identity, body: String) -> regway_test_support::Reply {
    let mut c = gw.connect(Some(id)).await.expect("TLS accepted");
    c.post(soap::V2_BASIC, soap::SOAP11, None, body)
        .await
        .expect("answer")
}

/// The refusal RegiX gives in-band: not ready, error text, no call id, nil data.
fn assert_refused(body: &str, text: &str) {
    assert_eq!(in_band_error(body), Some(text), "{body}");
    assert_eq!(between(body, "<IsReady>", "</IsReady>"), Some("false"));
    assert_eq!(
        between(body, "<ServiceCallID>", "</ServiceCallID>"),
        Some("0")
    );
    assert!(body.contains(r#"<Data xsi:nil="true"/>"#));
}

#[tokio::test]
async fn unknown_certificate_is_refused_in_band() {
    let gw = TestGateway::start().await;
    let reply = call_as(
        &gw,
        &TestPki::identity(&gw.pki.unregistered),
        person_data_soap11(),
    )
    .await;
    assert_eq!(reply.status, 200);
    assert_refused(
        &reply.body,
        "Access denied! ConsumerCertificate is not found.",
    );
    still_serving(&gw).await;
}

#[tokio::test]
async fn inactive_certificate_is_refused_in_band() {
    let gw = TestGateway::start().await;
    let reply = call_as(
        &gw,
        &TestPki::identity(&gw.pki.inactive),
        person_data_soap11(),
    )
    .await;
    assert_refused(
        &reply.body,
        "Access denied! ConsumerCertificate is not active",
    );
    still_serving(&gw).await;
}

#[tokio::test]
async fn operation_not_granted_is_refused_in_band() {
    let gw = TestGateway::start().await;
    let reply = call_as(
        &gw,
        &TestPki::identity(&gw.pki.ungranted),
        person_data_soap11(),
    )
    .await;
    assert_refused(&reply.body, "Access denied!");
    still_serving(&gw).await;
}

#[tokio::test]
async fn disabled_operation_is_refused_without_a_restart() {
    let gw = TestGateway::start().await;
    gw.store()
        .set_operation_enabled(soap::PERSON_DATA_SEARCH, false)
        .await
        .unwrap();
    let granted = TestPki::identity(&gw.pki.granted);
    // The policy is reloaded from the store within a second; poll a bounded number of times.
    let mut last = String::new();
    for _ in 0..40 {
        last = call_as(&gw, &granted, person_data_soap11()).await.body;
        if in_band_error(&last).is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_refused(&last, "Service is disabled!");
}

#[tokio::test]
async fn unknown_operation_is_regix_fault() {
    let gw = TestGateway::start().await;
    let body = soap::v2_soap11(&soap::v2_members(
        "TechnoLogica.RegiX.NoSuchAdapter.APIService.INoSuchAPI.Nothing",
        &soap::person_data_request("0000000000"),
    ));
    let reply = call_as(&gw, &TestPki::identity(&gw.pki.granted), body).await;
    assert_eq!(reply.status, 500);
    assert_eq!(
        fault_string(&reply.body),
        Some("Element request.Operation is invalid. Check for correct operation names here: http://regixaisweb.egov.bg/regixinfo/")
    );
    assert_eq!(fault_code(&reply.body), Some("contract.invalid-operation"));
    assert!(reply.body.contains("<faultcode>s:Client</faultcode>"));
    still_serving(&gw).await;
}

/// Whether the gateway refuses to talk to a client presenting `identity` (or none): with
/// TLS 1.3 the refusal may surface at the handshake or at the first request.
async fn handshake_refused(gw: &TestGateway, identity: Option<&Identity>) -> bool {
    match gw.connect(identity).await {
        Err(_) => true,
        Ok(mut c) => c
            .post(soap::V2_BASIC, soap::SOAP11, None, person_data_soap11())
            .await
            .is_err(),
    }
}

#[tokio::test]
async fn certificate_of_a_foreign_ca_is_refused_at_the_handshake() {
    let gw = TestGateway::start().await;
    assert!(handshake_refused(&gw, Some(&TestPki::identity(&gw.pki.foreign))).await);
    still_serving(&gw).await;
}

#[tokio::test]
async fn no_client_certificate_is_refused_at_the_handshake() {
    let gw = TestGateway::start().await;
    assert!(handshake_refused(&gw, None).await);
    still_serving(&gw).await;
}

#[tokio::test]
async fn revoked_certificate_is_refused_at_the_handshake() {
    let gw = TestGateway::start().await;
    // The revoked certificate is registered and granted: only the CRL refuses it.
    assert!(handshake_refused(&gw, Some(&TestPki::identity(&gw.pki.revoked))).await);
    still_serving(&gw).await;
}

#[tokio::test]
async fn expired_certificate_is_refused_at_the_handshake() {
    let gw = TestGateway::start().await;
    assert!(handshake_refused(&gw, Some(&TestPki::identity(&gw.pki.expired))).await);
    still_serving(&gw).await;
}
