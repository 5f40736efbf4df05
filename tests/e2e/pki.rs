//! The PKI from the command line against a running gateway: the real `regway` binary changes
//! the store of a real gateway (in this process) while it serves; `openssl` checks what was
//! issued; clients call over real mTLS.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use regway::policy::Thumbprints;
use regway::store::{Grantee, NewGrant, Store};
use regway_test_support::cli::{failed, ok, openssl, openssl_csr, run};
use regway_test_support::gateway::LEGAL_BASIS;
use regway_test_support::registry::{echo_request, SlowRegistry, SLOW_ECHO};
use regway_test_support::{soap, Connection, GatewayOptions, Identity, TestGateway};

use crate::{between, person_data_soap11};

/// The CLI bound to one gateway's configuration.
struct Admin {
    config: String,
    dir: PathBuf,
}

impl Admin {
    fn new(gw: &TestGateway) -> Admin {
        Admin {
            config: gw.write_config_file().display().to_string(),
            dir: gw.dir.path().to_path_buf(),
        }
    }

    fn cmd(&self, args: &[&str]) -> std::process::Output {
        let mut all: Vec<&str> = args.to_vec();
        all.extend(["--config", &self.config]);
        run(env!("CARGO_BIN_EXE_regway"), &all)
    }

    /// Run from async code without blocking the gateway's runtime.
    async fn cmd_async(&self, args: &[&str]) -> std::process::Output {
        let mut all: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        all.extend(["--config".to_string(), self.config.clone()]);
        tokio::task::spawn_blocking(move || {
            let refs: Vec<&str> = all.iter().map(String::as_str).collect();
            run(env!("CARGO_BIN_EXE_regway"), &refs)
        })
        .await
        .unwrap()
    }

    fn path(&self, name: &str) -> String {
        self.dir.join(name).display().to_string()
    }

    /// A CA, a consumer "Org A" with system "sys1", and a password file.
    fn setup(&self) -> String {
        ok(self.cmd(&[
            "ca", "init", "ops-test", "--by", "alice", "--reason", "test CA",
        ]));
        ok(self.cmd(&["consumer", "add", "Org A", "--oid", "2.16.100.1.1.1"]));
        ok(self.cmd(&["system", "add", "--consumer", "Org A", "sys1"]));
        let pw = self.path("pw");
        std::fs::write(&pw, "correct horse battery\n").unwrap();
        pw
    }

    /// Issue a key and certificate for Org A/sys1 as `name` (files name.pem/.key/.p12).
    fn issue(&self, name: &str, pw: &str) -> Identity {
        let out = self.path(name);
        ok(self.cmd(&[
            "cert",
            "issue",
            "--consumer",
            "Org A",
            "--system",
            "sys1",
            "--out",
            &out,
            "--password-file",
            pw,
        ]));
        identity(&out)
    }
}

fn identity(prefix: &str) -> Identity {
    Identity {
        cert_pem: std::fs::read_to_string(format!("{prefix}.pem")).unwrap(),
        key_pem: std::fs::read_to_string(format!("{prefix}.key")).unwrap(),
    }
}

fn sha256_of(id: &Identity) -> String {
    use rustls::pki_types::pem::PemObject;
    let der = rustls::pki_types::CertificateDer::from_pem_slice(id.cert_pem.as_bytes()).unwrap();
    Thumbprints::of(der.as_ref()).sha256
}

/// Grant Org A every routed operation (all fields) under the test legal basis.
async fn grant_org_a(gw: &TestGateway, operations: &[&str]) {
    let store = gw.store();
    let consumer = store.consumer_id("Org A").await.unwrap();
    for op in operations {
        store
            .add_grant(&NewGrant {
                grantee: Grantee::Consumer(consumer),
                operation: op.to_string(),
                legal_bases: vec![LEGAL_BASIS.to_string()],
                fields: vec!["*".to_string()],
                valid_from: 0,
                valid_to: None,
                granted_by: "test".to_string(),
                reason: "test".to_string(),
            })
            .await
            .unwrap();
    }
}

/// One PersonDataSearch on `c`; Ok(true) if it was answered without error.
async fn call(c: &mut Connection) -> anyhow::Result<bool> {
    let reply = c
        .post(soap::V2_BASIC, soap::SOAP11, None, person_data_soap11())
        .await?;
    Ok(between(&reply.body, "<HasError>", "</HasError>") == Some("false"))
}

/// A new connection as `id` that completes a call (the handshake alone can succeed on the
/// client's side in TLS 1.3 before the server refuses the certificate).
async fn works(gw: &TestGateway, id: &Identity) -> bool {
    match gw.connect(Some(id)).await {
        Ok(mut c) => matches!(call(&mut c).await, Ok(true)),
        Err(_) => false,
    }
}

/// Wait until `works(id) == expected` (reloads take up to a poll period plus a rebuild).
async fn eventually(gw: &TestGateway, id: &Identity, expected: bool) -> bool {
    for _ in 0..50 {
        if works(gw, id).await == expected {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issued_and_csr_signed_certificates_pass_openssl_and_call_over_mtls() {
    let gw = TestGateway::start().await;
    let admin = Admin::new(&gw);
    let pw = admin.setup();
    grant_org_a(&gw, &[soap::PERSON_DATA_SEARCH]).await;
    let data = gw.config.data_dir.clone();
    let ca_pem = data.join("ca/ops-test/cert.pem").display().to_string();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(data.join("ca/ops-test/key.pem"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    // Issued: key + certificate + PKCS#12; openssl agrees with all three.
    let a = admin.issue("a", &pw);
    let verified = ok(openssl(&[
        "verify",
        "-CAfile",
        &ca_pem,
        &admin.path("a.pem"),
    ]));
    assert!(verified.contains("a.pem: OK"), "{verified}");
    let purpose = ok(openssl(&[
        "x509",
        "-in",
        &admin.path("a.pem"),
        "-noout",
        "-ext",
        "extendedKeyUsage",
    ]));
    assert!(
        purpose.contains("TLS Web Client Authentication"),
        "{purpose}"
    );
    let p12 = ok(openssl(&[
        "pkcs12",
        "-in",
        &admin.path("a.p12"),
        "-passin",
        &format!("file:{pw}"),
        "-nodes",
    ]));
    assert!(
        p12.contains("BEGIN CERTIFICATE") && p12.contains("PRIVATE KEY"),
        "{p12}"
    );
    let wrong = admin.path("wrong-pw");
    std::fs::write(&wrong, "not the password\n").unwrap();
    failed(openssl(&[
        "pkcs12",
        "-in",
        &admin.path("a.p12"),
        "-passin",
        &format!("file:{wrong}"),
        "-noout",
    ]));
    // The gateway trusts the new CA without a restart.
    assert!(
        eventually(&gw, &a, true).await,
        "the issued certificate works"
    );

    // The seeds' flow: the consumer makes a CSR with openssl, regway signs it, it works.
    let (csr, key) = openssl_csr(
        &admin.dir,
        "consumer",
        "ec",
        "/C=BG/O=Org A/CN=sys1.org-a.example",
    );
    let signed = admin.path("signed.pem");
    let out = ok(admin.cmd(&[
        "cert",
        "sign-csr",
        &csr,
        "--consumer",
        "Org A",
        "--system",
        "sys1",
        "--out",
        &signed,
    ]));
    assert!(out.contains("ECDSA P-256"), "{out}");
    ok(openssl(&["verify", "-CAfile", &ca_pem, &signed]));
    let from_csr = Identity {
        cert_pem: std::fs::read_to_string(&signed).unwrap(),
        key_pem: std::fs::read_to_string(&key).unwrap(),
    };
    assert!(
        eventually(&gw, &from_csr, true).await,
        "the CSR-signed certificate works"
    );

    // Listed with both thumbprints, subject, validity, consumer and state.
    let list: serde_json::Value =
        serde_json::from_str(&ok(admin.cmd(&["cert", "list", "--json"]))).unwrap();
    let mine = list
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["sha256"] == sha256_of(&a).as_str())
        .expect("listed");
    assert_eq!(mine["consumer"], "Org A");
    assert_eq!(mine["system"], "sys1");
    assert_eq!(mine["state"], "active");
    assert_eq!(mine["environment"], "test");
    assert_eq!(mine["sha1"].as_str().unwrap().len(), 40);
    assert!(mine["subject"].as_str().unwrap().contains("O=Org A"));
    let shown = ok(admin.cmd(&[
        "cert",
        "show",
        &mine["sha1"].as_str().unwrap().to_uppercase(),
    ]));
    assert!(shown.contains(&sha256_of(&a)), "{shown}");

    // Bad input: each a clear message and a non-zero exit.
    let (weak, _) = openssl_csr(&admin.dir, "weak", "rsa:1024", "/C=BG/O=Org A/CN=weak");
    let err = failed(admin.cmd(&[
        "cert",
        "sign-csr",
        &weak,
        "--consumer",
        "Org A",
        "--system",
        "sys1",
        "--out",
        &admin.path("w.pem"),
    ]));
    assert!(
        err.contains("rule 1 (key)") && err.contains("1024 bits"),
        "{err}"
    );
    let (other_o, _) = openssl_csr(&admin.dir, "other", "ec", "/C=BG/O=Another Org/CN=sys1");
    let err = failed(admin.cmd(&[
        "cert",
        "sign-csr",
        &other_o,
        "--consumer",
        "Org A",
        "--system",
        "sys1",
        "--out",
        &admin.path("o.pem"),
    ]));
    assert!(
        err.contains("rule 5 (O)") && err.contains("'Org A'") && err.contains("'Another Org'"),
        "{err}"
    );
    let (no_c, _) = openssl_csr(&admin.dir, "noc", "ec", "/O=Org A/CN=sys1");
    let err = failed(admin.cmd(&[
        "cert",
        "sign-csr",
        &no_c,
        "--consumer",
        "Org A",
        "--system",
        "sys1",
        "--out",
        &admin.path("c.pem"),
    ]));
    assert!(err.contains("rule 4 (C)"), "{err}");
    let err = failed(admin.cmd(&[
        "cert",
        "issue",
        "--consumer",
        "Nobody",
        "--system",
        "sys1",
        "--out",
        &admin.path("n"),
        "--password-file",
        &pw,
    ]));
    assert!(err.contains("consumer 'Nobody' does not exist"), "{err}");
    let err = failed(admin.cmd(&["cert", "revoke", "00ff00ff", "--reason", "test"]));
    assert!(
        err.contains("certificate '00ff00ff' does not exist"),
        "{err}"
    );
    assert!(!Path::new(&admin.path("w.pem")).exists());

    // A production CA's certificate is not accepted by this (test) gateway.
    ok(admin.cmd(&["ca", "init", "ops-prod", "--environment", "production"]));
    let prod = admin.path("prod");
    ok(admin.cmd(&[
        "cert",
        "issue",
        "--consumer",
        "Org A",
        "--system",
        "sys1",
        "--ca",
        "ops-prod",
        "--out",
        &prod,
        "--password-file",
        &pw,
    ]));
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert!(
        !works(&gw, &identity(&prod)).await,
        "a production certificate is refused by a test gateway"
    );
    let cas: serde_json::Value =
        serde_json::from_str(&ok(admin.cmd(&["ca", "show", "--json"]))).unwrap();
    assert_eq!(cas.as_array().unwrap().len(), 2);

    // Every change is in the admin change log, with who and why.
    let log = Store::open(&data)
        .await
        .unwrap()
        .admin_changes()
        .await
        .unwrap();
    let actions: Vec<&str> = log.iter().map(|c| c.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "ca.init",
            "consumer.add",
            "system.add",
            "cert.issue",
            "cert.sign_csr",
            "ca.init",
            "cert.issue"
        ]
    );
    assert_eq!(
        (log[0].actor.as_str(), log[0].reason.as_deref()),
        ("alice", Some("test CA"))
    );
    assert_eq!(log[3].target, sha256_of(&a));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certificate_revoked_while_the_gateway_runs_is_refused_and_its_connection_closed() {
    let options = GatewayOptions {
        extra: vec![Arc::new(SlowRegistry {
            delay: Duration::from_millis(3000),
        })],
        ..GatewayOptions::default()
    };
    let gw = TestGateway::start_with(options).await;
    let admin = Admin::new(&gw);
    let pw = admin.setup();
    grant_org_a(&gw, &[soap::PERSON_DATA_SEARCH, SLOW_ECHO]).await;
    let a = admin.issue("a", &pw);
    assert!(eventually(&gw, &a, true).await);

    let mut held = gw.connect(Some(&a)).await.unwrap();
    assert!(call(&mut held).await.unwrap());
    let mut other = gw.connect_granted().await;
    let in_flight = tokio::spawn(async move {
        let body = soap::v2_soap11(&soap::v2_members(SLOW_ECHO, &echo_request("in flight")));
        let reply = held.post(soap::V2_BASIC, soap::SOAP11, None, body).await;
        (reply, held)
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let revoked = ok(admin
        .cmd_async(&[
            "cert",
            "revoke",
            &sha256_of(&a),
            "--reason",
            "key compromised",
            "--by",
            "bob",
        ])
        .await);
    assert!(revoked.contains("revoked"), "{revoked}");
    // Give the reload loop a poll period or two to see the commit (whether the request in
    // flight ends before or after it, the connection is closed once it has).
    tokio::time::sleep(Duration::from_millis(700)).await;

    // The request in flight completes; the connection serves nothing after it.
    let (reply, mut held) = in_flight.await.unwrap();
    let reply = reply.expect("the request in flight is answered");
    assert_eq!(reply.status, 200);
    assert!(
        reply.body.contains("<Text>in flight</Text>"),
        "{}",
        reply.body
    );
    assert!(
        call(&mut held).await.is_err(),
        "the revoked certificate's connection is closed"
    );
    // A new handshake with it is refused; the other consumers are unaffected, on their open
    // connection and on new ones.
    assert!(!works(&gw, &a).await);
    assert!(call(&mut other).await.unwrap());
    let mut fresh = gw.connect_granted().await;
    assert!(call(&mut fresh).await.unwrap());

    // The CRL was re-signed with the serial, and openssl sees the revocation.
    let data = gw.config.data_dir.clone();
    let crl = data.join("ca/ops-test/crl.pem").display().to_string();
    let ca_pem = data.join("ca/ops-test/cert.pem").display().to_string();
    let out = openssl(&[
        "verify",
        "-crl_check",
        "-CAfile",
        &ca_pem,
        "-CRLfile",
        &crl,
        &admin.path("a.pem"),
    ]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("revoked")
            || String::from_utf8_lossy(&out.stderr).contains("revoked")
    );
    let shown: serde_json::Value =
        serde_json::from_str(&ok(admin.cmd(&["cert", "show", &sha256_of(&a), "--json"]))).unwrap();
    assert_eq!(shown["state"], "revoked");
    assert_eq!(shown["revocation_reason"], "key compromised");
    let err = failed(admin.cmd(&["cert", "revoke", &sha256_of(&a), "--reason", "again"]));
    assert!(err.contains("revoked already"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotation_overlaps_then_retires_the_old_certificate() {
    let gw = TestGateway::start().await;
    let admin = Admin::new(&gw);
    let pw = admin.setup();
    grant_org_a(&gw, &[soap::PERSON_DATA_SEARCH]).await;
    let old = admin.issue("old", &pw);
    assert!(eventually(&gw, &old, true).await);
    let mut held = gw.connect(Some(&old)).await.unwrap();

    // The retirement is 10 s after the command starts: room for a loaded machine.
    let started = tokio::time::Instant::now();
    let out = ok(admin
        .cmd_async(&[
            "cert",
            "rotate",
            &sha256_of(&old),
            "--retire-in",
            "10s",
            "--out",
            &admin.path("new"),
            "--password-file",
            &pw,
            "--reason",
            "yearly rotation",
        ])
        .await);
    assert!(out.contains("stops working at"), "{out}");
    let new = identity(&admin.path("new"));
    // Inside the overlap window both work (grants follow the system, not the certificate).
    assert!(
        eventually(&gw, &new, true).await,
        "the successor works at once"
    );
    assert!(
        works(&gw, &old).await,
        "the old certificate works until its retirement"
    );
    assert!(call(&mut held).await.unwrap());
    let list: serde_json::Value =
        serde_json::from_str(&ok(admin.cmd(&["cert", "list", "--json"]))).unwrap();
    let state = |id: &Identity| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|c| c["sha256"] == sha256_of(id).as_str())
            .unwrap()["state"]
            .clone()
    };
    assert_eq!(state(&old), "retiring");
    assert_eq!(state(&new), "active");

    // After it, the old one stops (new handshakes and its open connection); the new one works.
    tokio::time::sleep_until(started + Duration::from_secs(10)).await;
    assert!(
        eventually(&gw, &old, false).await,
        "the old certificate stops after the overlap"
    );
    // The handshake check reads the clock; the sweep of open connections runs every 250 ms.
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(
        call(&mut held).await.is_err(),
        "its open connection was closed"
    );
    assert!(works(&gw, &new).await);
    let expiring: serde_json::Value = serde_json::from_str(&ok(
        admin.cmd(&["cert", "expiring", "--within", "400d", "--json"])
    ))
    .unwrap();
    let listed: Vec<&str> = expiring
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["sha256"].as_str().unwrap())
        .collect();
    assert!(
        listed.contains(&sha256_of(&new).as_str()) && !listed.contains(&sha256_of(&old).as_str()),
        "{listed:?}"
    );
    // The test PKI's own certificates last 30 days; the successor lasts a year.
    let soon = ok(admin.cmd(&["cert", "expiring", "--within", "30d"]));
    assert!(
        soon.contains("granted.test") && !soon.contains(&sha256_of(&new)),
        "{soon}"
    );

    // The next rotation from the consumer's own CSR; a past retirement time is refused, and
    // a retired certificate cannot be rotated again.
    let (csr, key) = openssl_csr(&admin.dir, "next", "ec", "/C=BG/O=Org A/CN=sys1");
    let next = admin.path("next");
    let err = failed(admin.cmd(&[
        "cert",
        "rotate",
        &sha256_of(&new),
        "--csr",
        &csr,
        "--retire-at",
        "2020-01-01",
        "--out",
        &next,
    ]));
    assert!(err.contains("in the past"), "{err}");
    ok(admin.cmd(&[
        "cert",
        "rotate",
        &sha256_of(&new),
        "--csr",
        &csr,
        "--retire-at",
        "2100-01-01",
        "--out",
        &next,
    ]));
    let ca_pem = gw
        .config
        .data_dir
        .join("ca/ops-test/cert.pem")
        .display()
        .to_string();
    ok(openssl(&[
        "verify",
        "-CAfile",
        &ca_pem,
        &format!("{next}.pem"),
    ]));
    let from_csr = Identity {
        cert_pem: std::fs::read_to_string(format!("{next}.pem")).unwrap(),
        key_pem: std::fs::read_to_string(&key).unwrap(),
    };
    assert!(eventually(&gw, &from_csr, true).await);
    assert!(works(&gw, &new).await, "still inside its (long) overlap");
    let err = failed(admin.cmd(&[
        "cert",
        "rotate",
        &sha256_of(&old),
        "--retire-in",
        "1d",
        "--out",
        &admin.path("again"),
        "--password-file",
        &pw,
    ]));
    assert!(err.contains("is retired"), "{err}");
}

/// Write `text` to `name` in the admin's directory; the path.
fn file(admin: &Admin, name: &str, text: &str) -> String {
    let path = admin.path(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificates_of_an_imported_external_ca_are_imported_and_work() {
    // No CRL configured: the external CA publishes none here (see the README on CRLs).
    let gw = TestGateway::start_with(GatewayOptions {
        with_crl: false,
        ..GatewayOptions::default()
    })
    .await;
    let admin = Admin::new(&gw);
    ok(admin.cmd(&["consumer", "add", "Org A"]));
    ok(admin.cmd(&["system", "add", "--consumer", "Org A", "sys1"]));
    grant_org_a(&gw, &[soap::PERSON_DATA_SEARCH]).await;

    // The external CA and its client certificate are made by openssl, not by regway.
    let (ca_key, ca_pem) = (admin.path("ext-ca.key"), admin.path("ext-ca.pem"));
    ok(openssl(&[
        "req",
        "-x509",
        "-nodes",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-keyout",
        &ca_key,
        "-out",
        &ca_pem,
        "-days",
        "30",
        "-subj",
        "/C=BG/O=External/CN=External CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    ]));
    let (csr, key) = openssl_csr(&admin.dir, "ext-client", "ec", "/C=BG/O=Org A/CN=ext-sys");
    let ext = file(&admin, "ext.cnf", "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n");
    let cert = admin.path("ext-client.pem");
    ok(openssl(&[
        "x509",
        "-req",
        "-in",
        &csr,
        "-CA",
        &ca_pem,
        "-CAkey",
        &ca_key,
        "-set_serial",
        "4660",
        "-days",
        "10",
        "-extfile",
        &ext,
        "-out",
        &cert,
    ]));

    // A client certificate is not a CA; a certificate of an unknown CA is not imported.
    let err = failed(admin.cmd(&["ca", "import", &cert, "--name", "ext"]));
    assert!(err.contains("is not a CA certificate"), "{err}");
    let foreign = file(&admin, "foreign.pem", &gw.pki.foreign.cert_pem);
    ok(admin.cmd(&[
        "ca",
        "import",
        &ca_pem,
        "--name",
        "ext",
        "--environment",
        "test",
    ]));
    let err = failed(admin.cmd(&[
        "cert",
        "import",
        &foreign,
        "--consumer",
        "Org A",
        "--system",
        "sys1",
    ]));
    assert!(
        err.contains("is not a valid client certificate of any CA in the store"),
        "{err}"
    );

    let out = ok(admin.cmd(&[
        "cert",
        "import",
        &cert,
        "--consumer",
        "Org A",
        "--system",
        "sys1",
        "--reason",
        "seeds flow",
    ]));
    assert!(
        out.contains("imported a test certificate of CA 'ext'"),
        "{out}"
    );
    let id = Identity {
        cert_pem: std::fs::read_to_string(&cert).unwrap(),
        key_pem: std::fs::read_to_string(&key).unwrap(),
    };
    assert!(
        eventually(&gw, &id, true).await,
        "the imported certificate works"
    );
    let shown: serde_json::Value =
        serde_json::from_str(&ok(admin.cmd(&["cert", "show", &sha256_of(&id), "--json"]))).unwrap();
    assert_eq!(
        (shown["ca"].as_str(), shown["serial"].as_str()),
        (Some("ext"), Some("1234"))
    );

    // regway holds no key of an external CA: it cannot rotate, but it can revoke (the gateway
    // refuses the certificate at the handshake without any CRL).
    let err = failed(admin.cmd(&[
        "cert",
        "rotate",
        &sha256_of(&id),
        "--retire-in",
        "1d",
        "--out",
        &admin.path("r"),
    ]));
    assert!(
        err.contains("external CA") && err.contains("cert import"),
        "{err}"
    );
    ok(admin.cmd(&[
        "cert",
        "revoke",
        &sha256_of(&id),
        "--reason",
        "contract ended",
    ]));
    assert!(
        eventually(&gw, &id, false).await,
        "the revoked imported certificate is refused"
    );
    let log = gw.store().admin_changes().await.unwrap();
    let actions: Vec<&str> = log.iter().map(|c| c.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "consumer.add",
            "system.add",
            "ca.import",
            "cert.import",
            "cert.revoke"
        ]
    );
    assert_eq!(log[4].reason.as_deref(), Some("contract ended"));
}

/// The server's certificate, as a client sees it in a new handshake.
async fn presented_server_cert(gw: &TestGateway) -> Vec<u8> {
    let config = regway_test_support::client::tls_config(
        &gw.pki.ca.cert_pem,
        Some(&regway_test_support::TestPki::identity(&gw.pki.granted)),
        regway_test_support::HttpVersion::Http1,
    )
    .unwrap();
    let tls = regway_test_support::client::tls_stream(gw.addr, config)
        .await
        .unwrap();
    tls.get_ref().1.peer_certificates().unwrap()[0].to_vec()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_certificate_reloads_live_and_expiry_is_counted() {
    let gw = TestGateway::start().await;
    let mut open = gw.connect_granted().await;
    assert_eq!(presented_server_cert(&gw).await, gw.pki.server.der);

    // Replace the key and certificate files as an operator (or certbot) would.
    let renewed = gw
        .pki
        .ca
        .issue_server(&["localhost", "127.0.0.1"], 60)
        .unwrap();
    std::fs::write(&gw.config.server.key, &renewed.key_pem).unwrap();
    std::fs::write(&gw.config.server.cert, &renewed.cert_pem).unwrap();
    let mut seen = false;
    for _ in 0..50 {
        if presented_server_cert(&gw).await == renewed.der {
            seen = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(seen, "new handshakes get the renewed certificate");
    // The connection opened before the reload still serves.
    assert!(call(&mut open).await.unwrap());

    // A broken file keeps the previous configuration.
    std::fs::write(&gw.config.server.cert, "not a certificate").unwrap();
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(presented_server_cert(&gw).await, renewed.der);

    // The test PKI's client certificates end within 30 days: counted at start-up.
    assert!(gw.running().certificates_expiring() >= 1);
}
