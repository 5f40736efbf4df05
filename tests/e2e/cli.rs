//! The administration command line, run as a real process against a quick-start data directory.

use std::path::Path;
use std::process::Output;

use regway_test_support::cli::{self, failed, ok};
use regway_test_support::soap;

fn regway(args: &[&str]) -> Output {
    cli::run(env!("CARGO_BIN_EXE_regway"), args)
}

fn data_dir(dir: &Path) -> String {
    let data = dir.join("data");
    ok(regway(&[
        "quickstart",
        "--no-serve",
        "--listen",
        "127.0.0.1:1",
        "--data-dir",
        data.to_str().unwrap(),
    ]));
    data.join("regway.toml").display().to_string()
}

#[test]
fn legal_bases_and_grants_are_managed_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let config = data_dir(dir.path());
    let c = config.as_str();

    ok(regway(&[
        "legal-basis",
        "add",
        "zmvr-145",
        "--title",
        "Police checks",
        "--citation",
        "ЗМВР, чл. 145",
        "--valid-from",
        "2024-01-01",
        "--config",
        c,
    ]));
    let list: serde_json::Value = serde_json::from_str(&ok(regway(&[
        "legal-basis",
        "list",
        "--json",
        "--config",
        c,
    ])))
    .unwrap();
    let codes: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, vec!["DEMO-1", "ZMVR-145"]);
    assert_eq!(list[1]["valid_from"], "2024-01-01T00:00:00Z");
    let err = failed(regway(&[
        "legal-basis",
        "add",
        "ЗМВР 145",
        "--title",
        "t",
        "--citation",
        "c",
        "--config",
        c,
    ]));
    assert!(err.contains("is not a valid legal-basis code"), "{err}");

    // An unknown field is refused with the list of the valid ones.
    let err = failed(regway(&[
        "grant",
        "add",
        "--consumer",
        "Demo Agency",
        "--operation",
        soap::PERSON_DATA_SEARCH,
        "--legal-basis",
        "ZMVR-145",
        "--field",
        "PersonNames.Nickname",
        "--by",
        "admin",
        "--reason",
        "r",
        "--config",
        c,
    ]));
    assert!(
        err.contains("PersonNames.Nickname") && err.contains("PersonNames.FirstName"),
        "{err}"
    );
    let err = failed(regway(&[
        "grant",
        "add",
        "--consumer",
        "Nobody",
        "--operation",
        soap::PERSON_DATA_SEARCH,
        "--legal-basis",
        "ZMVR-145",
        "--field",
        "EGN",
        "--by",
        "admin",
        "--reason",
        "r",
        "--config",
        c,
    ]));
    assert!(err.contains("consumer 'Nobody' does not exist"), "{err}");

    let added = ok(regway(&[
        "grant",
        "add",
        "--consumer",
        "Demo Agency",
        "--system",
        "records",
        "--operation",
        soap::PERSON_DATA_SEARCH,
        "--legal-basis",
        "zmvr-145",
        "--field",
        "PersonNames.*",
        "--field",
        "EGN",
        "--by",
        "admin",
        "--reason",
        "decision 12/2026",
        "--config",
        c,
    ]));
    let id = added.trim().trim_start_matches("added grant #").to_string();
    let grants: serde_json::Value =
        serde_json::from_str(&ok(regway(&["grant", "list", "--json", "--config", c]))).unwrap();
    let mine = grants
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["grant"].as_i64() == id.parse::<i64>().ok())
        .unwrap();
    assert_eq!(mine["consumer"], "Demo Agency");
    assert_eq!(mine["system"], "records");
    assert_eq!(mine["legal_bases"], serde_json::json!(["ZMVR-145"]));
    assert_eq!(mine["fields"], serde_json::json!(["EGN", "PersonNames.*"]));
    assert_eq!(mine["revoked"], false);

    ok(regway(&[
        "grant", "revoke", &id, "--by", "auditor", "--reason", "ended", "--config", c,
    ]));
    let history: serde_json::Value = serde_json::from_str(&ok(regway(&[
        "grant", "show", &id, "--json", "--config", c,
    ])))
    .unwrap();
    let versions: Vec<(i64, bool, &str)> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["version"].as_i64().unwrap(),
                v["revoked"].as_bool().unwrap(),
                v["granted_by"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(versions, vec![(1, false, "admin"), (2, true, "auditor")]);
    let err = failed(regway(&[
        "grant", "revoke", &id, "--by", "auditor", "--reason", "again", "--config", c,
    ]));
    assert!(err.contains("does not exist"), "{err}");

    ok(regway(&[
        "legal-basis",
        "retire",
        "ZMVR-145",
        "--config",
        c,
    ]));
    let human = ok(regway(&["legal-basis", "list", "--config", c]));
    assert!(
        human
            .lines()
            .any(|l| l.starts_with("ZMVR-145") && !l.contains("– -")),
        "{human}"
    );
}

#[test]
fn fields_lists_the_grantable_paths() {
    let out: serde_json::Value =
        serde_json::from_str(&ok(regway(&["fields", soap::GET_VALID_UIC_INFO, "--json"]))).unwrap();
    assert_eq!(out["response_type"], "ValidUICResponseType");
    let paths: Vec<&str> = out["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert!(paths.contains(&"LegalForm.LegalFormAbbr"));
    let err = failed(regway(&["fields", "No.Such.Operation"]));
    assert!(err.contains("no adapter serves"), "{err}");
}

#[test]
fn signature_policies_are_set_from_the_command_line_and_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let config = data_dir(dir.path());
    let c = config.as_str();
    let consumer = "Demo Municipality";
    ok(regway(&[
        "consumer",
        "signatures",
        consumer,
        "--requests",
        "required",
        "--results",
        "regix-legacy",
        "--reason",
        "order 12",
        "--config",
        c,
    ]));
    let list: serde_json::Value =
        serde_json::from_str(&ok(regway(&["consumer", "list", "--json", "--config", c]))).unwrap();
    let row = list
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == consumer)
        .unwrap();
    assert_eq!(row["request_signature"], "required");
    assert_eq!(row["result_profile"], "regix-legacy");
    ok(regway(&[
        "operation",
        "sign-results",
        soap::PERSON_DATA_SEARCH,
        "off",
        "--config",
        c,
    ]));
    let changes = ok(regway(&[
        "audit", "query", "--kind", "admin", "--json", "--config", c,
    ]));
    assert!(
        changes.contains("consumer.signatures") && changes.contains("order 12"),
        "{changes}"
    );
    assert!(changes.contains("operation.sign-results"), "{changes}");

    // Bad input: a clear message and a non-zero exit, nothing changed.
    let err = failed(regway(&[
        "consumer",
        "signatures",
        consumer,
        "--requests",
        "sometimes",
        "--config",
        c,
    ]));
    assert!(
        err.contains("--requests must be required, optional or off"),
        "{err}"
    );
    let err = failed(regway(&["consumer", "signatures", consumer, "--config", c]));
    assert!(err.contains("nothing to change"), "{err}");
    let err = failed(regway(&[
        "consumer",
        "signatures",
        "Nobody",
        "--results",
        "xades",
        "--config",
        c,
    ]));
    assert!(err.contains("Nobody"), "{err}");
    let err = failed(regway(&[
        "operation",
        "sign-results",
        "No.Such.Op",
        "on",
        "--config",
        c,
    ]));
    assert!(err.contains("No.Such.Op"), "{err}");
}

#[test]
fn signature_verify_refuses_what_does_not_verify() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("unsigned.xml");
    std::fs::write(&file, r#"<ServiceResultData xmlns="http://egov.bg/RegiX/SignedData"><IsReady>true</IsReady></ServiceResultData>"#).unwrap();
    let err = failed(regway(&["signature", "verify", file.to_str().unwrap()]));
    assert!(
        err.contains("does not verify") && err.contains("found 0"),
        "{err}"
    );
    std::fs::write(&file, "<!DOCTYPE x [<!ENTITY a 'b'>]><x>&a;</x>").unwrap();
    let err = failed(regway(&["signature", "verify", file.to_str().unwrap()]));
    assert!(err.contains("DTD"), "{err}");
}
