//! End-to-end tests: a real gateway on a loopback port, real certificates, real TLS, a real
//! SQLite store, and clients that speak HTTP over mutual TLS.

mod attacks;
mod audit;
mod calls;
mod cli;
mod denials;
mod grants;
mod hostile;
mod interop;
mod lifecycle;
mod pki;
mod signatures;
mod wsdl;

use regway::store::audit::AuditQuery;
use regway_test_support::{soap, Reply, TestGateway};

/// An EGN present in the demo population register (its dataset is deterministic).
pub fn known_egn() -> String {
    regway_demo_population::PopulationRegister::new()
        .sample_egns(1)
        .into_iter()
        .next()
        .expect("the demo register has people")
}

/// A V2 SOAP 1.1 PersonDataSearch for a known person.
pub fn person_data_soap11() -> String {
    soap::v2_soap11(&soap::v2_members(
        soap::PERSON_DATA_SEARCH,
        &soap::person_data_request(&known_egn()),
    ))
}

/// Reads until the peer closes the connection (or fails it); true if that happened in time.
pub async fn closed_within<S: tokio::io::AsyncRead + Unpin>(
    stream: &mut S,
    limit: std::time::Duration,
) -> bool {
    use tokio::io::AsyncReadExt;
    let mut buf = [0u8; 1024];
    tokio::time::timeout(limit, async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => continue,
            }
        }
    })
    .await
    .is_ok()
}

/// The text between `<tag>` and `</tag>` (first occurrence), for asserting on answers.
pub fn between<'a>(text: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = text.find(open)? + open.len();
    let end = text[start..].find(close)? + start;
    Some(&text[start..end])
}

/// The in-band error text of a ServiceResultData, if any.
pub fn in_band_error(body: &str) -> Option<&str> {
    between(body, "<Error>", "</Error>")
}

/// The reason text of a SOAP 1.1 fault.
pub fn fault_string(body: &str) -> Option<&str> {
    between(body, r#"<faultstring xml:lang="en-US">"#, "</faultstring>")
}

/// The regway error code in a fault's detail.
pub fn fault_code(body: &str) -> Option<&str> {
    between(
        body,
        r#"<rg:Code xmlns:rg="urn:regway:fault">"#,
        "</rg:Code>",
    )
}

/// The audit record of the call that got `reply` (by its correlation header): there must be
/// exactly one.
pub async fn audited(gw: &TestGateway, reply: &Reply) -> serde_json::Value {
    let id = reply
        .headers
        .get("x-regway-correlation-id")
        .expect("every answer carries its correlation id")
        .to_str()
        .unwrap()
        .to_string();
    let records = gw
        .store()
        .audit_query(&AuditQuery {
            correlation_id: Some(id.clone()),
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(records.len(), 1, "one record for call {id}");
    serde_json::from_str(&records[0].record).unwrap()
}

/// The body with its `ServiceCallID` replaced by a placeholder for snapshots, after checking
/// that it is the call id of the call's audit record.
pub async fn with_call_id_checked(gw: &TestGateway, reply: &Reply) -> String {
    let record = audited(gw, reply).await;
    let id = between(&reply.body, "<ServiceCallID>", "</ServiceCallID>").expect("a call id");
    assert_ne!(id, "0");
    assert_eq!(record["call_id"].to_string(), id);
    reply.body.replace(
        &format!("<ServiceCallID>{id}</ServiceCallID>"),
        "<ServiceCallID>[call id]</ServiceCallID>",
    )
}
