//! Grants that mean something: legal bases enforced, fields filtered, validity honoured, and
//! changes taking effect in a running gateway without a restart.

use std::time::Duration;

use regway::policy::fields::FieldSet;
use regway::store::{Grantee, NewGrant};
use regway_test_support::gateway::{EXPIRED_LEGAL_BASIS, LEGAL_BASIS, OTHER_LEGAL_BASIS};
use regway_test_support::{soap, TestGateway, TestPki};

use crate::{between, in_band_error, known_egn};

fn person_data(law_reason: Option<&str>, matrix: bool) -> String {
    let context = law_reason
        .map(|l| format!("<CallContext><LawReason>{l}</LawReason></CallContext>"))
        .unwrap_or_default();
    soap::v2_soap11(&format!(
        "<Operation>{}</Operation><Argument>{}</Argument>{context}<ReturnAccessMatrix>{matrix}</ReturnAccessMatrix>",
        soap::PERSON_DATA_SEARCH,
        soap::person_data_request(&known_egn())
    ))
}

async fn call(gw: &TestGateway, who: &regway::pki::Issued, body: String) -> String {
    let mut c = gw.connect(Some(&TestPki::identity(who))).await.unwrap();
    let reply = c
        .post(soap::V2_BASIC, soap::SOAP11, None, body)
        .await
        .unwrap();
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body
}

/// Calls until the answer's error is `expected` (the policy reloads within a second).
async fn eventually(
    gw: &TestGateway,
    who: &regway::pki::Issued,
    body: &str,
    expected: Option<&str>,
) -> String {
    let mut last = String::new();
    for _ in 0..40 {
        last = call(gw, who, body.to_string()).await;
        if in_band_error(&last) == expected {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("expected error {expected:?}, last answer: {last}");
}

#[tokio::test]
async fn each_legal_basis_refusal_has_its_own_stable_error() {
    let gw = TestGateway::start().await;
    let g = &gw.pki.granted;
    for (law_reason, expected) in [
        (None, "Access denied! No legal basis is cited: CallContext/LawReason must start with the code of a legal basis."),
        (Some("по чл. 145 от ЗМВР"), "Access denied! No legal basis is cited: CallContext/LawReason must start with the code of a legal basis."),
        (Some("NOPE-1: remark"), "Access denied! Legal basis 'NOPE-1' is unknown."),
        (Some(EXPIRED_LEGAL_BASIS), "Access denied! Legal basis 'LB-EXPIRED' is not in force."),
        (Some(OTHER_LEGAL_BASIS), "Access denied! Legal basis 'LB-OTHER' is not granted for this operation."),
    ] {
        let body = call(&gw, g, person_data(law_reason, false)).await;
        assert_eq!(in_band_error(&body), Some(expected), "{law_reason:?}");
        assert_eq!(between(&body, "<IsReady>", "</IsReady>"), Some("false"));
    }
    // Cited correctly (any case, with free text after the code), the call passes.
    let body = call(&gw, g, person_data(Some("lb-test: преписка 12"), false)).await;
    assert_eq!(
        between(&body, "<HasError>", "</HasError>"),
        Some("false"),
        "{body}"
    );
}

#[tokio::test]
async fn a_grant_revoked_while_the_gateway_runs_stops_the_next_call() {
    let gw = TestGateway::start().await;
    let body = person_data(Some(LEGAL_BASIS), false);
    assert_eq!(
        in_band_error(&call(&gw, &gw.pki.granted, body.clone()).await),
        None
    );
    let grant = gw
        .store()
        .current_grants()
        .await
        .unwrap()
        .into_iter()
        .find(|g| g.operation == soap::PERSON_DATA_SEARCH)
        .unwrap();
    gw.store()
        .revoke_grant(grant.grant_id, "auditor", "test revocation")
        .await
        .unwrap();
    eventually(&gw, &gw.pki.granted, &body, Some("Access denied!")).await;
    // History is kept: both versions are there, the second revoked.
    let history = gw.store().grant_history(grant.grant_id).await.unwrap();
    assert_eq!(
        history
            .iter()
            .map(|g| (g.version, g.revoked))
            .collect::<Vec<_>>(),
        vec![(1, false), (2, true)]
    );
}

async fn grant_ungranted(gw: &TestGateway, fields: &[&str], valid_to: Option<i64>) -> i64 {
    let consumer = gw.store().consumer_id("Ungranted").await.unwrap();
    gw.store()
        .add_grant(&NewGrant {
            grantee: Grantee::Consumer(consumer),
            operation: soap::PERSON_DATA_SEARCH.to_string(),
            legal_bases: vec![OTHER_LEGAL_BASIS.to_string()],
            fields: fields.iter().map(|f| f.to_string()).collect(),
            valid_from: 0,
            valid_to,
            granted_by: "test".to_string(),
            reason: "test".to_string(),
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn a_grant_that_expires_while_the_gateway_runs_stops_the_next_call() {
    let gw = TestGateway::start().await;
    let until = time::OffsetDateTime::now_utc().unix_timestamp() + 2;
    grant_ungranted(&gw, &["*"], Some(until)).await;
    let body = person_data(Some(OTHER_LEGAL_BASIS), false);
    eventually(&gw, &gw.pki.ungranted, &body, None).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let answer = call(&gw, &gw.pki.ungranted, body).await;
    assert_eq!(in_band_error(&answer), Some("Access denied!"));
}

#[tokio::test]
async fn fields_are_filtered_and_the_matrix_is_what_was_applied() {
    let gw = TestGateway::start().await;
    let granted = ["PersonNames.FirstName", "EGN", "Gender.*"];
    grant_ungranted(&gw, &granted, None).await;
    let body = person_data(Some(OTHER_LEGAL_BASIS), true);
    let answer = eventually(&gw, &gw.pki.ungranted, &body, None).await;
    let response = between(&answer, r#"<Response id="response">"#, "</Response>").unwrap();
    assert!(response.contains(":FirstName"), "{response}");
    assert!(response.contains(&format!("<EGN>{}</EGN>", known_egn())));
    assert!(response.contains(":GenderName>"), "{response}");
    for absent in [
        ":SurName",
        ":FamilyName",
        "<LatinNames",
        "<BirthDate",
        "<PlaceBirth",
        "<Nationality",
    ] {
        assert!(!response.contains(absent), "{absent} leaked: {response}");
    }
    // The returned matrix is exactly the applied field set's matrix.
    let spec = regway_demo_population::OPERATIONS
        .iter()
        .find(|o| o.name == soap::PERSON_DATA_SEARCH)
        .unwrap();
    let mut expected = String::new();
    FieldSet::parse(&granted, spec.fields)
        .unwrap()
        .matrix(spec)
        .write(&mut expected);
    let matrix = format!(
        "<Matrix {}</Matrix>",
        between(&answer, "<Matrix ", "</Matrix>").unwrap()
    );
    assert_eq!(matrix, expected);
    assert!(matrix.contains(
        "<Property><HasAccess>true</HasAccess><Name>PersonNames.FirstName</Name></Property>"
    ));
    assert!(matrix.contains(
        "<Property><HasAccess>false</HasAccess><Name>PersonNames.SurName</Name></Property>"
    ));
    // The granted consumer (fields `*`) still sees everything.
    let full = call(&gw, &gw.pki.granted, person_data(Some(LEGAL_BASIS), false)).await;
    assert!(full.contains(":SurName"));
}
