//! The register's responses checked by an independent validator (libxml2 through Python lxml)
//! against RegiX's own GRAO NBD schemas, which the shared test data holds (read there, never
//! copied), and against the schemas regway publishes in this crate's `xsd/`. Also: RegiX's
//! official sample requests are accepted, this crate's samples name real records, and the
//! register behaves as an adapter through the trait the gateway calls.

use regway_pyenv as pyenv;

use std::path::PathBuf;

use regway_adapter::testkit::{call, read};
use regway_adapter::{Adapter, AdapterError};
use regway_demo_population::{
    Person, PopulationRegister, OPERATIONS, PERSON_DATA_SEARCH, VALID_PERSON_SEARCH,
};

/// The shared RegiX test data, beside the workspace.
const REGIX: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/regix");
const CRATE: &str = env!("CARGO_MANIFEST_DIR");

fn upstream_xsd(file: &str) -> PathBuf {
    PathBuf::from(format!("{REGIX}/xsd/RegiX.GraoNBDAdapter/{file}"))
}

fn own_xsd(file: &str) -> PathBuf {
    PathBuf::from(format!("{CRATE}/xsd/{file}"))
}

fn respond(
    register: &PopulationRegister,
    operation: &str,
    argument: &str,
) -> Result<String, AdapterError> {
    call(register, operation, argument)
}

fn argument(operation: &str, egn: &str) -> String {
    if operation == PERSON_DATA_SEARCH {
        format!(
            r#"<PersonDataRequest xmlns="http://egov.bg/RegiX/GRAO/NBD/PersonDataRequest"><EGN>{egn}</EGN></PersonDataRequest>"#
        )
    } else {
        format!(
            r#"<ValidPersonRequest xmlns="http://egov.bg/RegiX/GRAO/NBD/ValidPersonRequest"><EGN>{egn}</EGN></ValidPersonRequest>"#
        )
    }
}

/// A deterministic few hundred EGNs: an even spread, plus the rarer shapes a spread may miss
/// (deceased, born before 1900, with a second citizenship), plus one the register lacks.
fn sampled_egns(register: &PopulationRegister) -> Vec<String> {
    let people = register.people();
    let mut egns = register.sample_egns(250);
    let rare: [fn(&&Person) -> bool; 3] = [
        |p| p.death_date.is_some(),
        |p| p.birth_date.year < 1900,
        |p| p.second_nationality.is_some(),
    ];
    for shape in rare {
        let matching = people.iter().filter(shape).take(20);
        egns.extend(matching.map(|p| p.egn.clone()));
    }
    egns.sort();
    egns.dedup();
    assert!(egns
        .iter()
        .any(|e| register.person(e).unwrap().death_date.is_some()));
    egns.push("0143156406".to_string()); // valid, and not in the dataset
    assert!(register.person("0143156406").is_none());
    egns
}

#[test]
fn responses_validate_against_regix_and_own_schemas() {
    let register = PopulationRegister::new();
    let egns = sampled_egns(&register);
    assert!(egns.len() > 250, "{}", egns.len());
    for (operation, schema) in [
        (PERSON_DATA_SEARCH, "PersonDataResponse.xsd"),
        (VALID_PERSON_SEARCH, "ValidPersonResponse.xsd"),
    ] {
        let responses: Vec<String> = egns
            .iter()
            .map(|egn| respond(&register, operation, &argument(operation, egn)).unwrap())
            .collect();
        assert!(responses.iter().any(|r| r.contains("DeathDate")));
        pyenv::validate(&upstream_xsd(schema), &responses).unwrap();
        pyenv::validate(&own_xsd(schema), &responses).unwrap();
    }
}

#[test]
fn own_schemas_compile_and_accept_what_regix_sends() {
    for schema in [
        "NBDCommon.xsd",
        "PersonDataRequest.xsd",
        "PersonDataResponse.xsd",
        "ValidPersonRequest.xsd",
        "ValidPersonResponse.xsd",
    ] {
        pyenv::validate(&own_xsd(schema), &[]).unwrap();
    }
    // RegiX's official samples, requests and responses, fit regway's contract.
    for (sample, schema) in [
        ("PersonDataSearchRequest.xml", "PersonDataRequest.xsd"),
        ("PersonDataSearchResponse.xml", "PersonDataResponse.xsd"),
        ("ValidPersonSearchRequest.xml", "ValidPersonRequest.xsd"),
        ("ValidPersonSearchResponse.xml", "ValidPersonResponse.xsd"),
    ] {
        let doc = read(&format!("{REGIX}/samples/RegiX.GraoNBDAdapter/{sample}"));
        pyenv::validate(&own_xsd(schema), &[doc]).unwrap();
    }
}

#[test]
fn own_sample_requests_fit_both_schemas_and_name_records() {
    let register = PopulationRegister::new();
    for (operation, sample, schema) in [
        (
            PERSON_DATA_SEARCH,
            "PersonDataSearchRequest.xml",
            "PersonDataRequest.xsd",
        ),
        (
            VALID_PERSON_SEARCH,
            "ValidPersonSearchRequest.xml",
            "ValidPersonRequest.xsd",
        ),
    ] {
        let doc = read(&format!("{CRATE}/samples/{sample}"));
        pyenv::validate(&upstream_xsd(schema), std::slice::from_ref(&doc)).unwrap();
        pyenv::validate(&own_xsd(schema), std::slice::from_ref(&doc)).unwrap();
        let response = respond(&register, operation, &doc).unwrap();
        assert!(response.contains("<BirthDate>"), "{sample}: {response}");
    }
    // The ValidPersonSearch sample shows a deceased person.
    let doc = read(&format!("{CRATE}/samples/ValidPersonSearchRequest.xml"));
    assert!(respond(&register, VALID_PERSON_SEARCH, &doc)
        .unwrap()
        .contains("<DeathDate>"));
}

#[test]
fn official_sample_requests_are_accepted() {
    let register = PopulationRegister::new();
    let known = register.living_egn();
    for (operation, sample) in [
        (PERSON_DATA_SEARCH, "PersonDataSearchRequest.xml"),
        (VALID_PERSON_SEARCH, "ValidPersonSearchRequest.xml"),
    ] {
        let doc = read(&format!("{REGIX}/samples/RegiX.GraoNBDAdapter/{sample}"));
        // As sent (its EGN is not in this dataset): answered, not refused.
        let response = respond(&register, operation, &doc).unwrap();
        assert!(response.starts_with(if operation == PERSON_DATA_SEARCH {
            "<PersonDataResponse "
        } else {
            "<ValidPersonResponse "
        }));
        // The same document naming a record here: the EGN is read from RegiX's exact layout
        // (xsi/xsd declarations, indentation).
        let egn = doc
            .split("<EGN>")
            .nth(1)
            .and_then(|rest| rest.split("</EGN>").next())
            .unwrap();
        let doc = doc.replace(egn, known);
        let response = respond(&register, operation, &doc).unwrap();
        assert!(response.contains("<BirthDate>"), "{response}");
    }
}

#[test]
fn the_validator_rejects_what_the_schema_forbids() {
    let register = PopulationRegister::new();
    let good = respond(
        &register,
        VALID_PERSON_SEARCH,
        &argument(VALID_PERSON_SEARCH, register.living_egn()),
    )
    .unwrap();
    // Out of schema order, and a child in the wrong namespace: both must be reported.
    let swapped = good.replacen(
        "<FirstName>",
        "<BirthDate>2000-01-01</BirthDate><FirstName>",
        1,
    );
    let foreign = good.replace("<SurName>", r#"<SurName xmlns="urn:x">"#);
    let schema = upstream_xsd("ValidPersonResponse.xsd");
    let error = pyenv::validate(&schema, &[good.clone(), swapped, foreign]).unwrap_err();
    assert!(!error.contains("document 0 "), "{error}");
    assert!(
        error.contains("document 1 ") && error.contains("document 2 "),
        "{error}"
    );
}

#[test]
fn serves_only_its_operations() {
    let register = PopulationRegister::new();
    assert_eq!(register.name(), "demo-population");
    assert_eq!(register.operations(), OPERATIONS);
    let names: Vec<&str> = OPERATIONS.iter().map(|op| op.name).collect();
    assert_eq!(names, [PERSON_DATA_SEARCH, VALID_PERSON_SEARCH]);
    for operation in names {
        let argument = argument(operation, register.living_egn());
        regway_adapter::testkit::assert_serves_only_its_operations(&register, &argument);
    }
}
