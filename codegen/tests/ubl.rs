//! Issue 16 acceptance on public schema sets beyond RegiX (`../shared/schemas`): OASIS UBL 2.1
//! Invoice and CreditNote generate and compile (`check`), and UBL's three examples read and
//! write back C14N-equal (`roundtrip`); W3C's `xml.xsd` and `xmldsig-core-schema.xsd` (with its
//! DOCTYPE) generate and compile. Generation time and memory are measured with the CLI (see
//! codegen/README.md, "Field-path tables"), not here.

use std::path::Path;

use regway_codegen::roundtrip::{self, Outcome};
use regway_codegen::{check, scratch::Scratch};

const SCHEMAS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/schemas");

fn scratch(name: &str) -> Scratch {
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/regway-codegen-scratch");
    Scratch {
        dir: base.join(name),
        target_dir: base.join("target"),
    }
}

#[test]
fn ubl_21_compiles_and_its_examples_round_trip() {
    let ubl = Path::new(SCHEMAS).join("oasis-ubl-2.1");
    let pairs = [(ubl.join("maindoc"), ubl.join("examples"))];
    let scratch = scratch("ubl");
    let report = roundtrip::roundtrip(&pairs, &scratch).expect("roundtrip runs");
    println!("{}", report.table());
    assert_eq!(report.rows.len(), 3, "{}", report.table());
    for row in &report.rows {
        assert!(
            matches!(row.outcome, Outcome::Passed),
            "{}: {:?}",
            row.sample.display(),
            row.outcome
        );
    }
    // The generated code is held to the workspace's lint bar, as RegiX's is.
    let lint = scratch.clippy().expect("clippy runs");
    assert!(lint.success, "clippy on generated code:\n{}", lint.output);
}

#[test]
fn w3c_schemas_compile() {
    let results = check::check(&[Path::new(SCHEMAS).join("w3c")], &scratch("w3c")).expect("check");
    for r in &results {
        assert!(r.outcome.is_ok(), "{}: {:?}", r.folder.display(), r.outcome);
    }
}
