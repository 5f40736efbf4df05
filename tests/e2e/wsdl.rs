//! The served WSDLs.

use regway_test_support::{soap, TestGateway};

#[tokio::test]
async fn wsdl_and_single_wsdl_are_served_for_each_contract_at_the_callers_address() {
    let gw = TestGateway::start().await;
    let mut c = gw.connect_granted().await;
    let port = gw.addr.port();
    for (path, service) in [
        (soap::V2_BASIC, "RegiXEntryPointV2"),
        (soap::V2_WS, "RegiXEntryPointV2"),
        (soap::V1, "RegiXEntryPoint"),
    ] {
        for query in ["?wsdl", "?singleWsdl", "?WSDL"] {
            let reply = c.get(&format!("{path}{query}")).await.unwrap();
            assert_eq!(reply.status, 200);
            assert_eq!(reply.headers["content-type"], "text/xml; charset=utf-8");
            assert!(reply
                .body
                .contains(&format!(r#"<wsdl:service name="{service}">"#)));
            assert!(
                reply
                    .body
                    .contains(&format!("https://localhost:{port}/{service}.svc")),
                "{}",
                reply.body
            );
            regway::soap::xml::parse(reply.body.as_bytes(), Default::default())
                .expect("well-formed");
        }
    }
    let reply = c.get("/nothing-here").await.unwrap();
    assert_eq!(reply.status, 404);
}
