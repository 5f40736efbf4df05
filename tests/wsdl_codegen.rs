//! regway's own published WSDLs, read back with regway-codegen's WSDL reader: every operation
//! they advertise is one the gateway dispatches (no "unknown message" for its input element),
//! with WCF's SOAP action naming, as document/literal; and the routed RegiX operations are all
//! served through the advertised execute operation.

use regway::config::AdaptersConfig;
use regway::contract::wsdl::render;
use regway::contract::{read_call, Contract, ContractError};
use regway::routing::Routes;
use regway::soap::xml::{parse, Limits};

fn operations(contract: Contract) -> Vec<regway_codegen::wsdl::Operation> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("regway.wsdl");
    std::fs::write(&path, render(contract, "https://gateway.test")).unwrap();
    let wsdl = regway_codegen::wsdl::read(&path).expect("regway's WSDL reads");
    assert!(wsdl.notes.is_empty(), "{:?}", wsdl.notes);
    wsdl.operations
}

#[test]
fn served_operations_match_the_published_wsdls() {
    let routes = Routes::from_names(&AdaptersConfig::default().enabled).unwrap();
    assert!(!routes.operations().is_empty());
    for contract in [Contract::V2, Contract::V1] {
        let ops = operations(contract);
        assert!(!ops.is_empty(), "{contract:?}");
        let mut names: Vec<&str> = ops.iter().map(|o| o.name.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        // The execute operation that carries every routed RegiX operation is advertised.
        assert!(
            names.contains(&contract.execute_operation()),
            "{contract:?}: {names:?}"
        );
        for o in &ops {
            assert_eq!(
                (o.style.as_str(), o.body_use.as_str()),
                ("document", "literal")
            );
            assert!(o.unsupported.is_none(), "{}: {:?}", o.name, o.unsupported);
            let expected = format!(
                "{}/{}/{}",
                contract.ns().trim_end_matches('/'),
                contract.interface(),
                o.name
            );
            assert_eq!(o.soap_action, expected);
            let input = o.input.as_ref().expect("input element");
            assert_eq!(input.ns, contract.ns());
            let body = format!("<{} xmlns=\"{}\"/>", input.name, input.ns);
            let payload = parse(body.as_bytes(), Limits::default()).unwrap();
            if let Err(ContractError::UnknownMessage(..)) = read_call(contract, &payload) {
                panic!("{contract:?} advertises {} but does not serve it", o.name)
            }
        }
    }
}
