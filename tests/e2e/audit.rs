//! The audit trail end to end: one record per call whatever its outcome, fail closed, no
//! identifier in clear, tampering found and named, proofs checked offline, and nothing lost
//! when the gateway is killed.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use regway::config::LimitsConfig;
use regway::pki::Issued;
use regway::policy::Thumbprints;
use regway::store::AdminChange;
use regway_test_support::registry::{echo_request, SlowRegistry, SLOW_ECHO};
use regway_test_support::{cli, soap, GatewayOptions, Identity, TestGateway, TestPki};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection};

use crate::{audited, fault_code, known_egn, person_data_soap11};

fn regway(args: &[&str]) -> Output {
    cli::run(env!("CARGO_BIN_EXE_regway"), args)
}

fn with_law_reason(body: &str, law_reason: Option<&str>) -> String {
    let cited = "<LawReason>LB-TEST: test</LawReason>";
    match law_reason {
        Some(l) => body.replace(cited, &format!("<LawReason>{l}</LawReason>")),
        None => body.replace(cited, ""),
    }
}

/// Every outcome class — success, each refusal, each fault, an adapter timeout — leaves
/// exactly one record, with the outcome code the consumer saw and the correlation id it got.
#[tokio::test]
async fn every_call_is_recorded_once_with_its_outcome() {
    let gw = TestGateway::start_with(GatewayOptions {
        limits: LimitsConfig {
            body_bytes: 64 * 1024,
            adapter_timeout_ms: 300,
            request_timeout_ms: 5_000,
            ..LimitsConfig::default()
        },
        extra: vec![Arc::new(SlowRegistry {
            delay: Duration::from_secs(3),
        })],
        ..GatewayOptions::default()
    })
    .await;
    let granted = &gw.pki.granted;
    let ok = person_data_soap11();
    let cases: Vec<(&str, &Issued, &str, String, &str)> = vec![
        ("success", granted, soap::SOAP11, ok.clone(), "ok"),
        (
            "unknown certificate",
            &gw.pki.unregistered,
            soap::SOAP11,
            ok.clone(),
            "access.certificate-not-found",
        ),
        (
            "inactive certificate",
            &gw.pki.inactive,
            soap::SOAP11,
            ok.clone(),
            "access.certificate-inactive",
        ),
        (
            "not granted",
            &gw.pki.ungranted,
            soap::SOAP11,
            ok.clone(),
            "access.not-granted",
        ),
        (
            "no legal basis",
            granted,
            soap::SOAP11,
            with_law_reason(&ok, None),
            "access.legal-basis-missing",
        ),
        (
            "unknown legal basis",
            granted,
            soap::SOAP11,
            with_law_reason(&ok, Some("LB-NOPE: x")),
            "access.legal-basis-unknown",
        ),
        (
            "legal basis not in force",
            granted,
            soap::SOAP11,
            with_law_reason(&ok, Some("LB-EXPIRED")),
            "access.legal-basis-not-in-force",
        ),
        (
            "legal basis not granted",
            granted,
            soap::SOAP11,
            with_law_reason(&ok, Some("LB-OTHER")),
            "access.legal-basis-not-granted",
        ),
        (
            "unknown operation",
            granted,
            soap::SOAP11,
            ok.replace(soap::PERSON_DATA_SEARCH, "No.Such.Operation"),
            "contract.invalid-operation",
        ),
        (
            "malformed XML",
            granted,
            soap::SOAP11,
            "<s:Envelope".to_string(),
            "xml.malformed",
        ),
        (
            "DTD",
            granted,
            soap::SOAP11,
            format!("<!DOCTYPE x [<!ENTITY a \"b\">]>{ok}"),
            "xml.dtd",
        ),
        (
            "body too large",
            granted,
            soap::SOAP11,
            ok.replace("<s:Body>", &format!("<s:Body>{}", " ".repeat(100 * 1024))),
            "http.body-too-large",
        ),
        (
            "wrong media type",
            granted,
            "application/json",
            ok.clone(),
            "http.media-type",
        ),
        (
            "adapter timeout",
            granted,
            soap::SOAP11,
            soap::v2_soap11(&soap::v2_members(SLOW_ECHO, &echo_request("hello"))),
            "adapter.timeout",
        ),
    ];
    for (what, issued, content_type, body, expected) in cases {
        let before = gw.store().audit_size().await.unwrap();
        let mut c = gw
            .connect(Some(&TestPki::identity(issued)))
            .await
            .expect("TLS accepted");
        let reply = c
            .post(soap::V2_BASIC, content_type, None, body)
            .await
            .unwrap();
        let after = gw.store().audit_size().await.unwrap();
        assert_eq!(after, before + 1, "{what}: exactly one record");
        let record = audited(&gw, &reply).await;
        assert_eq!(record["outcome"], expected, "{what}: {record}");
        assert_eq!(record["kind"], "call");
        assert_eq!(record["status"], reply.status, "{what}");
        assert_eq!(
            record["certificate"].as_str(),
            Some(Thumbprints::of(&issued.der).sha256.as_str()),
            "{what}"
        );
        if expected == "ok" {
            assert_eq!(record["consumer"], "Granted");
            assert_eq!(record["legal_basis"], "LB-TEST");
            assert_eq!(record["fields"], serde_json::json!(["*"]));
            assert_eq!(record["grants"].as_array().map(Vec::len), Some(1));
            assert_eq!(
                record["context"]["service_uri"], "123-12345-01.01.2017",
                "the CallContext is recorded"
            );
        } else {
            assert_eq!(
                record["fields"],
                serde_json::json!([]),
                "{what}: nothing released"
            );
        }
    }
    // A TLS refusal is no call: the handshake fails and nothing is recorded.
    let before = gw.store().audit_size().await.unwrap();
    let refused = gw.connect(Some(&TestPki::identity(&gw.pki.revoked))).await;
    if let Ok(mut c) = refused {
        assert!(c
            .post(soap::V2_BASIC, soap::SOAP11, None, ok.clone())
            .await
            .is_err());
    }
    assert_eq!(gw.store().audit_size().await.unwrap(), before);
}

async fn tamper(db: &Path, statements: &[&str]) {
    // An attacker with write access to the file: no foreign keys, no triggers.
    let mut conn = SqliteConnectOptions::from_str("sqlite:")
        .unwrap()
        .filename(db)
        .foreign_keys(false)
        .connect()
        .await
        .unwrap();
    for t in [
        "audit_records_no_update",
        "audit_records_no_delete",
        "audit_subjects_no_update",
        "audit_subjects_no_delete",
        "audit_checkpoints_no_update",
        "audit_checkpoints_no_delete",
    ] {
        sqlx::query(&format!("DROP TRIGGER IF EXISTS {t}"))
            .execute(&mut conn)
            .await
            .unwrap();
    }
    for s in statements {
        sqlx::query(s).execute(&mut conn).await.unwrap();
    }
    conn.close().await.unwrap();
}

/// A stopped gateway whose trail has six calls, an admin change and a checkpoint over all.
async fn sealed_trail() -> (TestGateway, PathBuf) {
    let mut gw = TestGateway::start().await;
    for i in 0..6 {
        let mut c = gw.connect_granted().await;
        let body = if i % 2 == 0 {
            person_data_soap11()
        } else {
            with_law_reason(&person_data_soap11(), Some("LB-NOPE"))
        };
        c.post(soap::V2_BASIC, soap::SOAP11, None, body)
            .await
            .unwrap();
    }
    gw.store()
        .record_admin_change(&AdminChange {
            actor: "tester",
            action: "grant.add",
            target: "1",
            reason: Some("test"),
            details: serde_json::json!({}),
        })
        .await
        .unwrap();
    gw.stop().await; // seals a last checkpoint
    let config = gw.write_config_file();
    (gw, config)
}

fn verify(config: &Path) -> Output {
    regway(&["audit", "verify", "--config", config.to_str().unwrap()])
}

fn verify_fails_naming(config: &Path, named: &str) -> String {
    let err = cli::failed(verify(config));
    assert!(err.contains(named), "expected '{named}' in: {err}");
    err
}

#[tokio::test]
async fn an_untouched_trail_verifies_and_is_fully_sealed() {
    let (gw, config) = sealed_trail().await;
    let out = cli::ok(verify(&config));
    assert!(
        out.contains("OK: 7 records") && out.contains("0 records not sealed yet"),
        "{out}"
    );
    drop(gw);
}

#[tokio::test]
async fn each_kind_of_tampering_is_found_and_the_record_named() {
    let edit = "UPDATE audit_records SET record = replace(record, '\"outcome\":\"ok\"', '\"outcome\":\"access.not-granted\"') WHERE seq = 3";
    let cases: &[(&str, &[&str], &str)] = &[
        ("edited content", &[edit], "first bad record: #3"),
        (
            "edited query column",
            &["UPDATE audit_records SET consumer = 'Someone else' WHERE seq = 4"],
            "first bad record: #4",
        ),
        (
            "deleted record",
            &[
                "DELETE FROM audit_subjects WHERE seq = 3",
                "DELETE FROM audit_records WHERE seq = 3",
            ],
            "first bad record: #3",
        ),
        (
            "deleted and renumbered",
            &[
                "DELETE FROM audit_records WHERE seq = 3",
                "UPDATE audit_records SET seq = seq - 1 WHERE seq > 3",
            ],
            "first bad record: #3",
        ),
        (
            "reordered",
            &[
                "UPDATE audit_records SET seq = 1000 WHERE seq = 2",
                "UPDATE audit_records SET seq = 2 WHERE seq = 3",
                "UPDATE audit_records SET seq = 3 WHERE seq = 1000",
            ],
            "first bad record: #2",
        ),
        (
            "subject index edited",
            &["UPDATE audit_subjects SET subject = 'k1:00' WHERE seq = 5"],
            "first bad record: #5",
        ),
        (
            "tail deleted under a checkpoint",
            &["DELETE FROM audit_records WHERE seq = 7"],
            "records #7..#7 were deleted",
        ),
        (
            "forged checkpoint",
            &["UPDATE audit_checkpoints SET root = replace(root, substr(root, 1, 1), CASE substr(root, 1, 1) WHEN 'a' THEN 'b' ELSE 'a' END)"],
            "signature is not valid",
        ),
    ];
    for (what, statements, named) in cases {
        let (gw, config) = sealed_trail().await;
        tamper(&gw.config.data_dir.join("regway.sqlite"), statements).await;
        let err = verify_fails_naming(&config, named);
        eprintln!("{what}: {err}");
    }
}

/// An edit whose hash is recomputed passes the record's own check; the next record's link
/// names it, and the checkpoint's tree head no longer matches.
#[tokio::test]
async fn an_edit_with_a_recomputed_hash_is_still_named() {
    let (gw, config) = sealed_trail().await;
    let db = gw.config.data_dir.join("regway.sqlite");
    let store = regway::store::Store::open(&gw.config.data_dir)
        .await
        .unwrap();
    let records = store.audit_records(3, 3).await.unwrap();
    let r = &records[0];
    let edited = r.record.replace("\"outcome\":\"ok\"", "\"outcome\":\"x\"");
    assert_ne!(edited, r.record);
    let prev = regway::audit::chain::from_hex(&r.prev_hash).unwrap();
    let rehashed = regway::audit::chain::to_hex(&regway::audit::chain::chain_hash(
        3,
        &prev,
        edited.as_bytes(),
    ));
    let sql_record = edited.replace('\'', "''");
    tamper(
        &db,
        &[&format!(
            "UPDATE audit_records SET record = '{sql_record}', hash = '{rehashed}', outcome = 'x' WHERE seq = 3"
        )],
    )
    .await;
    verify_fails_naming(&config, "first bad record: #3");
}

#[tokio::test]
async fn inclusion_proofs_verify_offline_and_fail_when_altered() {
    let (gw, config) = sealed_trail().await;
    let c = config.to_str().unwrap();
    let dir = gw.dir.path();
    let write = |name: &str, text: String| {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    };
    let head = write(
        "head.json",
        cli::ok(regway(&["audit", "head", "--config", c])),
    );
    let key = write("key.pem", cli::ok(regway(&["audit", "key", "--config", c])));
    let proof_text = cli::ok(regway(&["audit", "proof", "4", "--config", c]));
    let proof = write("proof.json", proof_text.clone());
    let out = cli::ok(regway(&[
        "audit",
        "verify-proof",
        &proof,
        "--head",
        &head,
        "--key",
        &key,
    ]));
    assert!(out.contains("OK: record #4"), "{out}");

    // The record altered in the proof: not in the tree.
    let mut altered: serde_json::Value = serde_json::from_str(&proof_text).unwrap();
    let rec = altered["record"]
        .as_str()
        .unwrap()
        .replace("\"kind\":\"call\"", "\"kind\":\"admin\"");
    assert_ne!(Some(rec.as_str()), altered["record"].as_str());
    altered["record"] = serde_json::Value::String(rec);
    let altered = write("altered.json", altered.to_string());
    let out = regway(&[
        "audit",
        "verify-proof",
        &altered,
        "--head",
        &head,
        "--key",
        &key,
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not in the tree"));

    // Another gateway's key: the head is not trusted.
    let (other, other_config) = sealed_trail().await;
    let other_key = write(
        "other.pem",
        cli::ok(regway(&[
            "audit",
            "key",
            "--config",
            other_config.to_str().unwrap(),
        ])),
    );
    let out = regway(&[
        "audit",
        "verify-proof",
        &proof,
        "--head",
        &head,
        "--key",
        &other_key,
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("signature"));
    drop(other);
}

#[tokio::test]
async fn calls_are_refused_when_the_audit_store_cannot_write() {
    let gw = TestGateway::start().await;
    let db = gw.config.data_dir.join("regway.sqlite");
    // A real write failure of the store, as a full disk would give.
    tamper(
        &db,
        &["CREATE TRIGGER fail_audit BEFORE INSERT ON audit_records BEGIN SELECT RAISE(ABORT, 'disk full'); END"],
    )
    .await;
    let mut c = gw.connect_granted().await;
    let reply = c
        .post(soap::V2_BASIC, soap::SOAP11, None, person_data_soap11())
        .await
        .unwrap();
    assert_eq!(reply.status, 503, "{}", reply.body);
    assert_eq!(fault_code(&reply.body), Some("audit.unavailable"));
    assert!(
        !reply.body.contains(&known_egn()),
        "no data leaves without a record"
    );
    tamper(&db, &["DROP TRIGGER fail_audit"]).await;
    let reply = c
        .post(soap::V2_BASIC, soap::SOAP11, None, person_data_soap11())
        .await
        .unwrap();
    assert_eq!(reply.status, 200);
    assert_eq!(audited(&gw, &reply).await["outcome"], "ok");
}

/// The real binary with debug logging: a citizen's EGN (argument, `CitizenEGN`, `LawReason`)
/// and an employee's EGN appear nowhere in the data directory or the log, and
/// `regway audit subject` still finds every call about the citizen.
#[tokio::test]
async fn no_identifier_in_clear_and_the_subject_query_finds_the_calls() {
    let (dir, data, mut child, listen) = serve_quickstart("debug,regway=trace").await;
    let egns = regway_demo_population::PopulationRegister::new().sample_egns(5);
    let sample = std::fs::read_to_string(data.join("samples/PersonDataSearch.xml")).unwrap();
    let citizen = egns
        .iter()
        .find(|e| !sample.contains(e.as_str()))
        .unwrap()
        .clone();
    let employee = "7501010010";
    let mut conn = connect_quickstart(&data, &listen).await;
    let members = |law: &str| {
        format!(
            "<Operation>{}</Operation><Argument>{}</Argument><CallContext><ServiceURI>file-1</ServiceURI><LawReason>{law}</LawReason><Remark>about {citizen}</Remark></CallContext><EmployeeEGN>{employee}</EmployeeEGN><CitizenEGN>{citizen}</CitizenEGN>",
            soap::PERSON_DATA_SEARCH,
            soap::person_data_request(&citizen)
        )
    };
    let mut ids = Vec::new();
    for (law, answered) in [
        (format!("DEMO-1: check of {citizen}"), true),
        ("NOPE-9".to_string(), false),
    ] {
        let reply = conn
            .post(
                soap::V2_BASIC,
                soap::SOAP11,
                None,
                soap::v2_soap11(&members(&law)),
            )
            .await
            .unwrap();
        assert_eq!(reply.status, 200);
        assert_eq!(
            reply.body.contains(&citizen),
            answered,
            "the granted consumer does get the data; the refused one does not"
        );
        ids.push(
            reply.headers["x-regway-correlation-id"]
                .to_str()
                .unwrap()
                .to_string(),
        );
    }
    let log = stop(&mut child, &data).await;
    assert!(log.contains("call"), "the log has the calls: {log}");

    for needle in [citizen.as_str(), employee] {
        assert!(!log.contains(needle), "{needle} in the log");
        for file in files_under(&data) {
            let bytes = std::fs::read(&file).unwrap();
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
                "{needle} in clear in {}",
                file.display()
            );
        }
    }

    let config = data.join("regway.toml");
    let mut subject = Command::new(env!("CARGO_BIN_EXE_regway"))
        .args(["audit", "subject", "--json", "--config"])
        .arg(&config)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    writeln!(subject.stdin.take().unwrap(), "{citizen}").unwrap();
    let out = cli::ok(subject.wait_with_output().unwrap());
    let found: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    assert_eq!(found.len(), 2, "{out}");
    let first = &found[0]["record"];
    assert_eq!(first["correlation_id"], ids[0].as_str());
    assert_eq!(first["legal_basis"], "DEMO-1");
    assert_eq!(first["outcome"], "ok");
    assert_eq!(first["fields"], serde_json::json!(["*"]));
    assert_eq!(found[1]["record"]["outcome"], "access.legal-basis-unknown");
    // Someone else is not found.
    let other = regway(&[
        "audit",
        "subject",
        egns.iter().find(|e| **e != citizen).unwrap(),
        "--config",
        config.to_str().unwrap(),
    ]);
    assert_eq!(cli::ok(other).trim(), "");
    drop(dir);
}

/// Load against the real binary, SIGKILL, restart: every answer a client received has its
/// record, and the trail verifies (the restart seals what the crash left unsealed).
#[tokio::test]
async fn a_killed_gateway_loses_no_record_of_an_answered_call() {
    let (dir, data, mut child, listen) = serve_quickstart("warn").await;
    let answered = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let mut clients = Vec::new();
    for _ in 0..8 {
        let mut conn = connect_quickstart(&data, &listen).await;
        let answered = Arc::clone(&answered);
        let body = std::fs::read_to_string(data.join("samples/PersonDataSearch.xml")).unwrap();
        clients.push(tokio::spawn(async move {
            while let Ok(reply) = conn
                .post(soap::V2_BASIC, soap::SOAP11, None, body.clone())
                .await
            {
                if let Some(id) = reply.headers.get("x-regway-correlation-id") {
                    answered
                        .lock()
                        .unwrap()
                        .push(id.to_str().unwrap().to_string());
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let pid = child.id().expect("pid").to_string();
    assert!(Command::new("kill")
        .args(["-KILL", &pid])
        .status()
        .unwrap()
        .success());
    let _ = child.wait().await;
    for c in clients {
        let _ = c.await;
    }
    let answered = answered.lock().unwrap().clone();
    assert!(answered.len() > 50, "the load ran: {}", answered.len());

    let store = regway::store::Store::open(&data).await.unwrap();
    let recorded: std::collections::HashSet<String> = store
        .audit_query(&regway::store::audit::AuditQuery::default())
        .await
        .unwrap()
        .into_iter()
        .filter_map(|r| r.correlation_id)
        .collect();
    let missing: Vec<&String> = answered
        .iter()
        .filter(|id| !recorded.contains(*id))
        .collect();
    assert!(
        missing.is_empty(),
        "{} answered calls have no record",
        missing.len()
    );
    let config = data.join("regway.toml");
    let out = cli::ok(verify(&config));
    assert!(out.starts_with("OK:"), "{out}");

    // A restart seals the unsealed tail.
    let mut again = spawn_serve(&data, "warn");
    let _ = connect_quickstart(&data, &listen).await;
    stop(&mut again, &data).await;
    let out = cli::ok(verify(&config));
    assert!(out.contains(" 0 records not sealed yet"), "{out}");
    drop(dir);
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// `regway serve` on a data directory, logging to `<data>/../serve.log` (outside the data
/// directory, as a service manager's journal would be).
fn spawn_serve(data: &Path, log: &str) -> tokio::process::Child {
    let log_file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log_path(data))
        .unwrap();
    tokio::process::Command::new(env!("CARGO_BIN_EXE_regway"))
        .args(["serve", "--config"])
        .arg(data.join("regway.toml"))
        .env("RUST_LOG", log)
        .stderr(log_file)
        .kill_on_drop(true)
        .spawn()
        .unwrap()
}

/// A quick-start data directory served by the real binary.
async fn serve_quickstart(
    log: &str,
) -> (tempfile::TempDir, PathBuf, tokio::process::Child, String) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    cli::ok(regway(&[
        "quickstart",
        "--no-serve",
        "--listen",
        &listen,
        "--data-dir",
        data.to_str().unwrap(),
    ]));
    let child = spawn_serve(&data, log);
    (dir, data, child, listen)
}

async fn connect_quickstart(data: &Path, listen: &str) -> regway_test_support::Connection {
    let ca = std::fs::read_to_string(data.join("pki/ca.pem")).unwrap();
    let id = Identity {
        cert_pem: std::fs::read_to_string(data.join("pki/consumer-granted.pem")).unwrap(),
        key_pem: std::fs::read_to_string(data.join("pki/consumer-granted.key")).unwrap(),
    };
    for _ in 0..100 {
        if let Ok(c) = regway_test_support::Connection::open(
            listen.parse().unwrap(),
            &ca,
            Some(&id),
            regway_test_support::HttpVersion::Http1,
        )
        .await
        {
            return c;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the gateway does not accept connections");
}

fn log_path(data: &Path) -> PathBuf {
    data.with_file_name("serve.log")
}

/// SIGTERM, wait, and return everything the data directory's gateways logged.
async fn stop(child: &mut tokio::process::Child, data: &Path) -> String {
    let pid = child.id().expect("pid").to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let exit = tokio::time::timeout(Duration::from_secs(20), child.wait())
        .await
        .expect("exits")
        .unwrap();
    assert!(exit.success(), "{exit:?}");
    std::fs::read_to_string(log_path(data)).unwrap()
}
