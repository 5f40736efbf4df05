//! Acceptance: the WSDL reader gives an operation table for all 62 registry WSDLs of the corpus,
//! and the typed clients of every one with document/literal operations compile (one crate).

use std::path::{Path, PathBuf};

use regway_codegen::scratch::Scratch;
use regway_codegen::wsdl;

const CORPUS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/regix/registry-wsdl"
);

fn wsdls(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir)
        .expect("registry-wsdl")
        .filter_map(|e| e.ok())
    {
        let p = e.path();
        if p.is_dir() {
            wsdls(&p, out);
        } else if p.extension().is_some_and(|x| x == "wsdl") {
            out.push(p);
        }
    }
}

#[test]
fn every_registry_wsdl_has_an_operation_table_and_document_literal_clients_compile() {
    let mut paths = vec![];
    wsdls(Path::new(CORPUS), &mut paths);
    paths.sort();
    assert_eq!(paths.len(), 62);
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/regway-codegen-scratch");
    let scratch = Scratch {
        dir: base.join("wsdl"),
        target_dir: base.join("target"),
    };
    let report = wsdl::check_wsdls(&paths, Some(&scratch)).expect("wsdl check runs");
    println!("{}", report.table());
    println!("{}", report.summary());
    assert_eq!(report.failed(), 0, "{}", report.table());
    let lint = scratch.clippy().expect("clippy runs");
    assert!(
        lint.success,
        "clippy on generated clients:\n{}",
        lint.output
    );
    let mut operations = 0;
    let mut clients = 0;
    for (path, w, client) in &report.rows {
        let w = w.as_ref().expect("read");
        operations += w.operations.len();
        // Every document/literal SOAP operation whose messages are present gets a client.
        if w.has_client() {
            assert_eq!(client, &Some(Ok(())), "{}", path.display());
            clients += 1;
        }
        for o in &w.operations {
            if o.style == "rpc" || o.body_use == "encoded" {
                let why = o.unsupported.as_deref().unwrap_or("");
                assert!(why.contains("not supported"), "{}: {why}", o.name);
            }
        }
    }
    assert!(operations >= 100, "{operations} operations");
    assert!(clients >= 45, "{clients} clients");
}

#[test]
fn rpc_services_are_reported_not_refused() {
    let w = wsdl::read(&Path::new(CORPUS).join("RegiX.MPRNAdapter/ISPNService/q.wsdl")).unwrap();
    assert!(!w.operations.is_empty());
    for o in &w.operations {
        assert_eq!(o.style, "rpc");
        assert!(o
            .unsupported
            .as_deref()
            .unwrap_or("")
            .contains("only document/literal"));
    }
}
