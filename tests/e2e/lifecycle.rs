//! Start-up from the command line, graceful shutdown, and the data directory.

use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use regway_test_support::registry::{echo_request, SlowRegistry, SLOW_ECHO};
use regway_test_support::{soap, Connection, GatewayOptions, HttpVersion, Identity, TestGateway};

use crate::{between, closed_within};

#[tokio::test]
async fn shutdown_drains_in_flight_requests_then_refuses_connections() {
    let options = GatewayOptions {
        extra: vec![Arc::new(SlowRegistry {
            delay: Duration::from_millis(1500),
        })],
        ..GatewayOptions::default()
    };
    let gw = TestGateway::start_with(options).await;
    let mut c = gw.connect_granted().await;
    let in_flight = tokio::spawn(async move {
        let body = soap::v2_soap11(&soap::v2_members(SLOW_ECHO, &echo_request("still here")));
        c.post(soap::V2_BASIC, soap::SOAP11, None, body).await
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let addr = gw.addr;
    let ca = gw.pki.ca.cert_pem.clone();
    let id = regway_test_support::TestPki::identity(&gw.pki.granted);
    gw.shutdown().await;
    let reply = in_flight
        .await
        .unwrap()
        .expect("the in-flight request completes");
    assert_eq!(reply.status, 200);
    assert!(
        reply.body.contains("<Text>still here</Text>"),
        "{}",
        reply.body
    );
    assert!(Connection::open(addr, &ca, Some(&id), HttpVersion::Http1)
        .await
        .is_err());
}

/// The real binary: `quickstart --no-serve` creates a data directory, `serve` runs it, the
/// printed client command's request works, and SIGTERM stops the process cleanly.
#[tokio::test]
async fn binary_quickstart_serve_and_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    let bin = env!("CARGO_BIN_EXE_regway");
    let out = std::process::Command::new(bin)
        .args([
            "quickstart",
            "--no-serve",
            "--listen",
            &listen,
            "--data-dir",
        ])
        .arg(&data)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(printed.contains("curl --cacert"), "{printed}");
    assert!(data.join("regway.sqlite").exists());

    let mut child = tokio::process::Command::new(bin)
        .args(["serve", "--config"])
        .arg(data.join("regway.toml"))
        .env("RUST_LOG", "info")
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let ca = std::fs::read_to_string(data.join("pki/ca.pem")).unwrap();
    let id = Identity {
        cert_pem: std::fs::read_to_string(data.join("pki/consumer-granted.pem")).unwrap(),
        key_pem: std::fs::read_to_string(data.join("pki/consumer-granted.key")).unwrap(),
    };
    let request = std::fs::read_to_string(data.join("samples/PersonDataSearch.xml")).unwrap();
    let mut conn = None;
    for _ in 0..100 {
        if let Ok(c) =
            Connection::open(listen.parse().unwrap(), &ca, Some(&id), HttpVersion::Http1).await
        {
            conn = Some(c);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut conn = conn.expect("the gateway accepts connections");
    let reply = conn
        .post(
            soap::V2_BASIC,
            soap::SOAP11,
            Some(soap::V2_EXECUTE_ACTION),
            request,
        )
        .await
        .unwrap();
    assert_eq!(
        between(&reply.body, "<HasError>", "</HasError>"),
        Some("false"),
        "{}",
        reply.body
    );
    // The signed-result sample: the answer verifies against the demo CA with the CLI.
    let signed =
        std::fs::read_to_string(data.join("samples/PersonDataSearch-signed-result.xml")).unwrap();
    let reply = conn
        .post(
            soap::V2_BASIC,
            soap::SOAP11,
            Some(soap::V2_EXECUTE_ACTION),
            signed,
        )
        .await
        .unwrap();
    let saved = dir.path().join("signed-answer.xml");
    std::fs::write(&saved, &reply.body).unwrap();
    let verified = regway_test_support::cli::ok(regway_test_support::cli::run(
        bin,
        &[
            "signature",
            "verify",
            &saved.display().to_string(),
            "--trust",
            &data.join("pki/ca.pem").display().to_string(),
        ],
    ));
    assert!(verified.contains("regway demo gateway seal"), "{verified}");

    let pid = child.id().expect("pid") as i32;
    // SIGTERM, as a service manager sends it.
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = tokio::time::timeout(Duration::from_secs(20), child.wait())
        .await
        .expect("exits")
        .unwrap();
    assert!(exit.success(), "{exit:?}");
    let mut log = String::new();
    use tokio::io::AsyncReadExt;
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut log)
        .await
        .unwrap();
    assert!(log.contains("regway stopped"), "{log}");
}

fn short_timeouts() -> GatewayOptions {
    GatewayOptions {
        limits: regway::config::LimitsConfig {
            handshake_timeout_ms: 300,
            header_read_timeout_ms: 300,
            ..Default::default()
        },
        ..GatewayOptions::default()
    }
}

#[tokio::test]
async fn a_client_that_never_completes_the_handshake_is_dropped() {
    let gw = TestGateway::start_with(short_timeouts()).await;
    let mut tcp = tokio::net::TcpStream::connect(gw.addr).await.unwrap();
    assert!(closed_within(&mut tcp, Duration::from_secs(5)).await);
    let mut c = gw.connect_granted().await;
    let reply = c
        .post(
            soap::V2_BASIC,
            soap::SOAP11,
            None,
            crate::person_data_soap11(),
        )
        .await
        .unwrap();
    assert_eq!(reply.status, 200);
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_dropped() {
    use tokio::io::AsyncWriteExt;
    let gw = TestGateway::start_with(short_timeouts()).await;
    let config = regway_test_support::client::tls_config(
        &gw.pki.ca.cert_pem,
        Some(&regway_test_support::TestPki::identity(&gw.pki.granted)),
        HttpVersion::Http1,
    )
    .unwrap();
    let mut tls = regway_test_support::client::tls_stream(gw.addr, config)
        .await
        .unwrap();
    tls.write_all(b"POST /RegiXEntryPointV2.svc/basic HTTP/1.1\r\nHost: localhost\r\n")
        .await
        .unwrap();
    tls.flush().await.unwrap();
    assert!(closed_within(&mut tls, Duration::from_secs(5)).await);
}
