//! The register's responses checked by an independent validator (libxml2 through Python lxml)
//! against RegiX's own AV TR schemas, which the shared test data holds (read there, never
//! copied), and against the schemas regway publishes in this crate's `xsd/`. Also: RegiX's
//! official sample request is accepted, this crate's sample names a real record, and the
//! register behaves as an adapter through the trait the gateway calls.

use regway_pyenv as pyenv;

use std::path::PathBuf;

use regway_adapter::testkit::{call, read};
use regway_adapter::{Adapter, AdapterError};
use regway_demo_company::{legal_forms, CompanyRegister, Status, GET_VALID_UIC_INFO, OPERATIONS};

/// The shared RegiX test data, beside the workspace.
const REGIX: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/regix");
const CRATE: &str = env!("CARGO_MANIFEST_DIR");

fn upstream_xsd(file: &str) -> PathBuf {
    PathBuf::from(format!("{REGIX}/xsd/RegiX.AVTRAdapter/{file}"))
}

fn own_xsd(file: &str) -> PathBuf {
    PathBuf::from(format!("{CRATE}/xsd/{file}"))
}

fn respond(register: &CompanyRegister, argument: &str) -> Result<String, AdapterError> {
    call(register, GET_VALID_UIC_INFO, argument)
}

fn argument(uic: &str) -> String {
    format!(
        r#"<ValidUICRequest xmlns="http://egov.bg/RegiX/AV/TR/ValidUICRequest"><UIC>{uic}</UIC></ValidUICRequest>"#
    )
}

/// A deterministic few hundred UICs: an even spread, plus a few of every status, every legal
/// form and of names that need escaping, plus codes the register lacks.
fn sampled_uics(register: &CompanyRegister) -> Vec<String> {
    let companies = register.companies();
    let mut uics = register.sample_uics(250);
    for status in Status::ALL {
        let matching = companies.iter().filter(|c| c.status == status).take(5);
        uics.extend(matching.map(|c| c.uic.clone()));
    }
    for form in legal_forms() {
        let matching = companies.iter().filter(|c| c.legal_form == form).take(5);
        uics.extend(matching.map(|c| c.uic.clone()));
    }
    let escaped = companies.iter().filter(|c| c.name.contains('&')).take(5);
    uics.extend(escaped.map(|c| c.uic.clone()));
    uics.sort();
    uics.dedup();
    // Valid but absent (checked by hand in uic.rs), and a branch code.
    uics.extend(["123456786".to_string(), "2000000150001".to_string()]);
    uics
}

#[test]
fn responses_validate_against_regix_and_own_schemas() {
    let register = CompanyRegister::new();
    let uics = sampled_uics(&register);
    assert!(uics.len() > 250, "{}", uics.len());
    let responses: Vec<String> = uics
        .iter()
        .map(|uic| respond(&register, &argument(uic)).unwrap())
        .collect();
    for status in Status::ALL {
        let element = format!("<Status>{}</Status>", status.as_str());
        assert!(responses.iter().any(|r| r.contains(&element)), "{element}");
    }
    for form in legal_forms() {
        let element = format!("<tr:LegalFormAbbr>{}</tr:LegalFormAbbr>", form.abbr);
        assert!(responses.iter().any(|r| r.contains(&element)), "{element}");
    }
    assert!(responses.iter().any(|r| r.contains("&amp;")));
    pyenv::validate(&upstream_xsd("TR_ValidUICResponse.xsd"), &responses).unwrap();
    pyenv::validate(&own_xsd("ValidUICResponse.xsd"), &responses).unwrap();
}

#[test]
fn own_schemas_compile_and_accept_what_regix_sends() {
    for schema in [
        "TRCommon.xsd",
        "ValidUICRequest.xsd",
        "ValidUICResponse.xsd",
    ] {
        pyenv::validate(&own_xsd(schema), &[]).unwrap();
    }
    for (sample, schema) in [
        ("GetValidUICInfoRequest.xml", "ValidUICRequest.xsd"),
        ("GetValidUICInfoResponse.xml", "ValidUICResponse.xsd"),
    ] {
        let doc = read(&format!("{REGIX}/samples/RegiX.AVTRAdapter/{sample}"));
        pyenv::validate(&own_xsd(schema), &[doc]).unwrap();
    }
}

#[test]
fn own_sample_request_fits_both_schemas_and_names_a_record() {
    let register = CompanyRegister::new();
    let doc = read(&format!("{CRATE}/samples/GetValidUICInfoRequest.xml"));
    pyenv::validate(
        &upstream_xsd("TR_ValidUICRequest.xsd"),
        std::slice::from_ref(&doc),
    )
    .unwrap();
    pyenv::validate(&own_xsd("ValidUICRequest.xsd"), std::slice::from_ref(&doc)).unwrap();
    let response = respond(&register, &doc).unwrap();
    assert!(response.contains("<Status>"), "{response}");
}

#[test]
fn official_sample_request_is_accepted() {
    let register = CompanyRegister::new();
    let doc = read(&format!(
        "{REGIX}/samples/RegiX.AVTRAdapter/GetValidUICInfoRequest.xml"
    ));
    // As sent (its code is not in this dataset): answered, not refused.
    let response = respond(&register, &doc).unwrap();
    assert!(response.starts_with("<ValidUICResponse "), "{response}");
    // The same document naming a record here: the UIC is read from RegiX's exact layout.
    let uic = doc
        .split("<UIC>")
        .nth(1)
        .and_then(|rest| rest.split("</UIC>").next())
        .unwrap();
    let known = &register.sample_uics(1)[0];
    let response = respond(&register, &doc.replace(uic, known)).unwrap();
    assert!(
        response.contains(&format!("<UIC>{known}</UIC>")),
        "{response}"
    );
}

#[test]
fn the_validator_rejects_what_the_schema_forbids() {
    let register = CompanyRegister::new();
    let good = respond(&register, &argument(&register.sample_uics(1)[0])).unwrap();
    let bad_status = good.replacen("<Status>", "<Status>Стара ", 1);
    let bad_date = good.replace(
        "<DataValidForDate>",
        "<DataValidForDate>not a date</DataValidForDate><DataValidForDate>",
    );
    let schema = upstream_xsd("TR_ValidUICResponse.xsd");
    let error = pyenv::validate(&schema, &[good.clone(), bad_status, bad_date]).unwrap_err();
    assert!(!error.contains("document 0 "), "{error}");
    assert!(
        error.contains("document 1 ") && error.contains("document 2 "),
        "{error}"
    );
}

#[test]
fn serves_only_its_operations() {
    let register = CompanyRegister::new();
    assert_eq!(register.name(), "demo-company");
    assert_eq!(register.operations(), OPERATIONS);
    assert_eq!(OPERATIONS.len(), 1);
    assert_eq!(OPERATIONS[0].name, GET_VALID_UIC_INFO);
    let argument = argument(&register.sample_uics(1)[0]);
    regway_adapter::testkit::assert_serves_only_its_operations(&register, &argument);
}
