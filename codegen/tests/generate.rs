//! Generator behaviour on small inputs: snapshots of generated code for representative corpus
//! schemas (a change in the generator shows as a reviewable diff), field-path tables, and errors
//! for bad schemas that name the file and line.

use std::path::{Path, PathBuf};

use regway_codegen::{generate_xsd, EmitOptions};

const XSD: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/regix/xsd");

fn corpus(files: &[&str]) -> String {
    let files: Vec<PathBuf> = files.iter().map(|f| Path::new(XSD).join(f)).collect();
    generate_xsd(&files, &EmitOptions::default())
        .expect("generates")
        .source
}

#[test]
fn snapshot_grao_nbd_person_data() {
    // Imports, named/anonymous types, dates, enumerations.
    insta::assert_snapshot!(corpus(&[
        "RegiX.GraoNBDAdapter/PersonDataRequest.xsd",
        "RegiX.GraoNBDAdapter/PersonDataResponse.xsd"
    ]));
}

#[test]
fn snapshot_record_log_any_and_decimal() {
    // xs:any kept raw, xs:decimal as rt::Decimal.
    insta::assert_snapshot!(corpus(&["RegiX.DaeuReportsAdapter/RecordLog.xsd"]));
}

#[test]
fn snapshot_unqualified_local_elements() {
    // elementFormDefault="unqualified": local elements have no namespace on the wire.
    insta::assert_snapshot!(corpus(&[
        "RegiX.MVRANDAdapter/GetObligationDocumentsResponse.xsd"
    ]));
}

#[test]
fn field_paths_are_regix_dot_paths_with_cardinality() {
    let src = corpus(&["RegiX.GraoNBDAdapter/PersonDataResponse.xsd"]);
    assert!(src.contains("path: \"PersonNames.FirstName\", repeated: false, attribute: false"));
    assert!(src.contains("path: \"PersonNames\", repeated: false, attribute: false"));
}

#[test]
fn homoglyphs_and_trailing_spaces_stay_on_the_wire_only() {
    let src = corpus(&["RegiX.MVRBDSAdapter/PersonalIdentityInfoResponseV2.xsd"]);
    assert!(src.contains("pub dl_categories:"), "sanitized identifier");
    assert!(
        src.contains("\"DLCategоries \""),
        "exact wire name, Cyrillic о and space kept"
    );
}

fn bad(name: &str, xsd: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, xsd).unwrap();
    let err = generate_xsd(&[path], &EmitOptions::default()).expect_err("must fail");
    let msg = err.to_string();
    assert!(msg.contains(name), "names the file: {msg}");
    msg
}

const HEAD: &str = r#"<?xml version="1.0"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:t="urn:t" targetNamespace="urn:t" elementFormDefault="qualified">
"#;

#[test]
fn missing_import_names_file_and_line() {
    let msg = bad(
        "a.xsd",
        &format!(
            "{HEAD}  <xs:import namespace=\"urn:u\" schemaLocation=\"Nowhere.xsd\"/>\n</xs:schema>"
        ),
    );
    assert!(
        msg.contains("a.xsd:3") && msg.contains("Nowhere.xsd"),
        "{msg}"
    );
}

#[test]
fn unknown_type_names_file_and_line() {
    let msg = bad(
        "b.xsd",
        &format!("{HEAD}  <xs:element name=\"E\" type=\"t:Missing\"/>\n</xs:schema>"),
    );
    assert!(
        msg.contains("b.xsd:3") && msg.contains("unknown type {urn:t}Missing"),
        "{msg}"
    );
}

#[test]
fn cyclic_group_names_file_and_line() {
    let msg = bad(
        "c.xsd",
        &format!(
            "{HEAD}  <xs:group name=\"G\"><xs:sequence><xs:group ref=\"t:H\"/></xs:sequence></xs:group>\n  <xs:group name=\"H\"><xs:sequence><xs:group ref=\"t:G\"/></xs:sequence></xs:group>\n  <xs:complexType name=\"T\"><xs:group ref=\"t:G\"/></xs:complexType>\n</xs:schema>"
        ),
    );
    assert!(
        msg.contains("c.xsd:") && msg.contains("G -> H -> G"),
        "{msg}"
    );
}

#[test]
fn malformed_and_cyclic_derivation_are_errors_not_panics() {
    let msg = bad(
        "d.xsd",
        "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\">\n<xs:element",
    );
    assert!(msg.contains("d.xsd:"), "{msg}");
    let msg = bad(
        "e.xsd",
        &format!("{HEAD}  <xs:complexType name=\"T\"><xs:complexContent><xs:extension base=\"t:T\"/></xs:complexContent></xs:complexType>\n</xs:schema>"),
    );
    assert!(
        msg.contains("e.xsd:3") && msg.contains("derives from itself"),
        "{msg}"
    );
    let msg = bad(
        "f.xsd",
        &format!("{HEAD}  <xs:element name=\"E\" type=\"u:T\"/>\n</xs:schema>"),
    );
    assert!(
        msg.contains("f.xsd:3") && msg.contains("undeclared namespace prefix"),
        "{msg}"
    );
}
