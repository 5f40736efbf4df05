//! Five ways one certificate holder could hurt the gateway (issue 14), each against a running
//! gateway over mutual TLS, each checking that a good client is served meanwhile:
//!
//! 1. namespace declarations that cost memory quadratically;
//! 2. attributes that cost CPU quadratically, on the async runtime;
//! 3. connections that never send anything, and one certificate taking every slot;
//! 4. characters XML does not allow, accepted and echoed;
//! 5. a second Body that a proxy would not read.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use regway::config::LimitsConfig;
use regway_test_support::client::{tls_config, tls_stream};
use regway_test_support::{soap, GatewayOptions, HttpVersion, Reply, TestGateway, TestPki};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::{
    audited, between, closed_within, fault_code, in_band_error, known_egn, person_data_soap11,
};

async fn post(gw: &TestGateway, body: impl Into<bytes::Bytes>) -> Reply {
    let mut c = gw.connect_granted().await;
    c.post(soap::V2_BASIC, soap::SOAP11, None, body)
        .await
        .expect("answer")
}

fn served(reply: &Reply) -> bool {
    reply.status == 200 && between(&reply.body, "<HasError>", "</HasError>") == Some("false")
}

/// A PersonDataSearch whose argument's root is `open` (a start tag without its `>`), with
/// `inner` before its EGN.
fn person_data_with(open: &str, inner: &str) -> String {
    let argument = format!(
        r#"{open} xmlns="http://egov.bg/RegiX/GRAO/NBD/PersonDataRequest">{inner}<EGN>{}</EGN></PersonDataRequest>"#,
        known_egn()
    );
    soap::v2_soap11(&soap::v2_members(soap::PERSON_DATA_SEARCH, &argument))
}

/// A good client calling in a loop until stopped: how many calls it got served, and whether
/// any failed.
struct GoodClient {
    stop: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<(u32, Vec<String>)>,
}

impl GoodClient {
    async fn start(gw: &TestGateway) -> GoodClient {
        let mut c = gw.connect_granted().await;
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let body = person_data_soap11();
        let task = tokio::spawn(async move {
            let (mut n, mut failures) = (0, Vec::new());
            while !flag.load(Ordering::Relaxed) {
                let call = c.post(soap::V2_BASIC, soap::SOAP11, None, body.clone());
                match tokio::time::timeout(Duration::from_secs(20), call).await {
                    Ok(Ok(r)) if served(&r) => n += 1,
                    other => failures.push(format!("{other:?}")),
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            (n, failures)
        });
        GoodClient { stop, task }
    }

    /// Stop it; it must have been served at least once and never refused.
    async fn finish(self) -> u32 {
        self.stop.store(true, Ordering::Relaxed);
        let (n, failures) = self.task.await.expect("good client");
        assert!(failures.is_empty(), "the good client failed: {failures:?}");
        assert!(n > 0, "the good client was never served");
        n
    }
}

/// The process's resident memory, in bytes.
fn rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().strip_suffix("kB"))
        .and_then(|v| v.trim().parse::<u64>().ok())
        .expect("VmRSS")
        * 1024
}

/// Samples the resident memory until dropped; `peak_growth` is the most it rose.
struct RssWatch {
    base: u64,
    peak: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
}

impl RssWatch {
    fn start() -> RssWatch {
        let base = rss();
        let peak = Arc::new(AtomicU64::new(base));
        let stop = Arc::new(AtomicBool::new(false));
        let (p, s) = (Arc::clone(&peak), Arc::clone(&stop));
        std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                p.fetch_max(rss(), Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(5));
            }
        });
        RssWatch { base, peak, stop }
    }

    fn peak_growth(&self) -> u64 {
        self.peak.load(Ordering::Relaxed).saturating_sub(self.base)
    }
}

impl Drop for RssWatch {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Hole 1. Declarations past the in-scope limit are refused at once; under it, a document
/// with tens of thousands of declaring elements costs memory in proportion to its size. Each
/// element used to copy every binding in scope: 240 prefixes × 45,000 children was ≈ 1 GB.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn namespace_declarations_cost_memory_in_proportion_to_the_request() {
    let gw = TestGateway::start().await;
    let good = GoodClient::start(&gw).await;

    let prefixes = |n: usize| -> String {
        (0..n)
            .map(|i| format!(r#" xmlns:p{i}="urn:p:{i}""#))
            .collect()
    };
    // The issue's shape: N prefixes on the root are refused as attributes of one element…
    let over = person_data_with(&format!("<PersonDataRequest{}", prefixes(2_500)), "");
    let reply = post(&gw, over).await;
    assert_eq!(reply.status, 500, "{}", reply.body);
    assert_eq!(fault_code(&reply.body), Some("xml.too-many-attributes"));
    // …and spread over nested elements, as declarations in scope.
    let nested: String = (0..3)
        .map(|level| {
            let decls: String = (0..100)
                .map(|i| format!(r#" xmlns:n{level}x{i}="urn:n""#))
                .collect();
            format!("<n{decls}>")
        })
        .collect();
    let over = person_data_with("<PersonDataRequest", &format!("{nested}</n></n></n>"));
    let reply = post(&gw, over).await;
    assert_eq!(reply.status, 500, "{}", reply.body);
    assert_eq!(fault_code(&reply.body), Some("xml.too-many-namespaces"));

    let children: String = (0..45_000)
        .map(|i| format!(r#"<c xmlns:q{i}="urn:q"/>"#))
        .collect();
    let more: String = (0..120)
        .map(|i| format!(r#" xmlns:m{i}="urn:m""#))
        .collect();
    let under = person_data_with(
        &format!("<PersonDataRequest{}", prefixes(120)),
        &format!("<w{more}>{children}</w>"),
    );
    let watch = RssWatch::start();
    let reply = post(&gw, under.clone()).await;
    let growth = watch.peak_growth();
    drop(watch);
    // The reader took it (no fault); the demo register then refuses the argument in-band.
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(
        in_band_error(&reply.body).is_some_and(|e| e.starts_with("Invalid request argument")),
        "{}",
        reply.body
    );
    assert!(
        growth < 200 * 1024 * 1024,
        "a {} byte request grew the process by {} MiB",
        under.len(),
        growth / (1024 * 1024)
    );
    good.finish().await;
}

/// Hole 2. An element with more attributes than the limit is refused as soon as the limit is
/// passed, however many follow; large bodies are read off the async workers, so good calls
/// go on while two such requests are read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attributes_are_bounded_per_element_and_large_bodies_do_not_starve_others() {
    let gw = TestGateway::start().await;
    let good = GoodClient::start(&gw).await;
    // 1,000,000 attributes, ≈ 12 MB: hours of CPU with a duplicate check per attribute.
    let attributes: String = (0..1_000_000).map(|i| format!(" a{i}=\"\"")).collect();
    let body = person_data_with(&format!("<PersonDataRequest{attributes}"), "");
    let mut attackers = Vec::new();
    for _ in 0..2 {
        let mut c = gw.connect_granted().await;
        let body = body.clone();
        attackers.push(tokio::spawn(async move {
            c.post(soap::V2_BASIC, soap::SOAP11, None, body).await
        }));
    }
    for attacker in attackers {
        let reply = tokio::time::timeout(Duration::from_secs(60), attacker)
            .await
            .expect("the hostile request is answered")
            .expect("task")
            .expect("answer");
        assert_eq!(reply.status, 500);
        assert_eq!(
            fault_code(&reply.body),
            Some("xml.too-many-attributes"),
            "{}",
            reply.body
        );
    }
    // The attributes that stay under the limit are still read.
    let few: String = (0..100).map(|i| format!(" a{i}=\"{i}\"")).collect();
    assert!(served(
        &post(
            &gw,
            person_data_with(&format!("<PersonDataRequest{few}"), "")
        )
        .await
    ));
    good.finish().await;
}

fn short_connection_limits() -> GatewayOptions {
    GatewayOptions {
        limits: LimitsConfig {
            first_request_timeout_ms: 600,
            idle_timeout_ms: 800,
            http2_keepalive_interval_ms: 300,
            http2_keepalive_timeout_ms: 300,
            max_connections: 6,
            max_connections_per_certificate: 3,
            ..LimitsConfig::default()
        },
        ..GatewayOptions::default()
    }
}

async fn raw(
    gw: &TestGateway,
    who: &regway::pki::Issued,
    version: HttpVersion,
) -> tokio_rustls::client::TlsStream<tokio::net::TcpStream> {
    let config = tls_config(&gw.pki.ca.cert_pem, Some(&TestPki::identity(who)), version)
        .expect("client TLS configuration");
    tls_stream(gw.addr, config).await.expect("TLS connection")
}

/// Hole 3. A connection that sends nothing, an HTTP/2 preface and then nothing, or a preface
/// trickled at a few bytes a second is closed at the first-request deadline; a kept-alive
/// connection is closed when idle.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_trickling_and_idle_connections_are_closed() {
    let gw = TestGateway::start_with(short_connection_limits()).await;
    let who = &gw.pki.ungranted;
    let limit = Duration::from_secs(5);

    let mut silent = raw(&gw, who, HttpVersion::Http1).await;
    let mut preface_only = raw(&gw, who, HttpVersion::Http2).await;
    preface_only
        .write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
        .await
        .unwrap();
    let mut trickle = raw(&gw, who, HttpVersion::Http2).await;
    let trickler = tokio::spawn(async move {
        for chunk in b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".chunks(2) {
            if trickle.write_all(chunk).await.is_err() || trickle.flush().await.is_err() {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        closed_within(&mut trickle, limit).await
    });
    assert!(closed_within(&mut silent, limit).await, "silent");
    assert!(closed_within(&mut preface_only, limit).await, "preface");
    assert!(trickler.await.unwrap(), "trickled preface");

    // Served, then idle: closed after the idle timeout.
    for version in [HttpVersion::Http1, HttpVersion::Http2] {
        let mut tls = raw(&gw, &gw.pki.granted, version).await;
        if version == HttpVersion::Http1 {
            tls.write_all(b"GET /RegiXEntryPointV2.svc HTTP/1.1\r\nHost: localhost\r\n\r\n")
                .await
                .unwrap();
            let mut head = [0u8; 12];
            tls.read_exact(&mut head).await.unwrap();
            assert_eq!(&head, b"HTTP/1.1 200");
        }
        assert!(closed_within(&mut tls, limit).await, "{version:?} idle");
    }
    // The first-request deadline does not close a connection that keeps calling.
    let mut c = gw.connect_granted().await;
    for _ in 0..8 {
        let r = c
            .post(soap::V2_BASIC, soap::SOAP11, None, person_data_soap11())
            .await
            .expect("a busy connection stays open");
        assert!(served(&r));
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Hole 3, the lockout. One certificate holds at most its share of the connection slots: its
/// connections past the limit are closed at once, and a good client still gets in; silent
/// connections filling every slot free them at the first-request deadline.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_certificate_cannot_take_every_connection_slot() {
    let gw = TestGateway::start_with(short_connection_limits()).await;
    let attacker = &gw.pki.ungranted;
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(raw(&gw, attacker, HttpVersion::Http1).await);
    }
    // The fourth is closed right after its handshake, long before any deadline.
    let mut fourth = raw(&gw, attacker, HttpVersion::Http1).await;
    assert!(closed_within(&mut fourth, Duration::from_millis(400)).await);
    // Another certificate is served while the attacker holds its three.
    let mut c = gw.connect_granted().await;
    let reply = c
        .post(soap::V2_BASIC, soap::SOAP11, None, person_data_soap11())
        .await
        .unwrap();
    assert!(served(&reply));
    drop(c);

    // Every slot taken by silent connections of several certificates (6 = max_connections):
    // a new client waits, and is served once the deadline frees them.
    for who in [&gw.pki.inactive, &gw.pki.unregistered] {
        for _ in 0..2 {
            held.push(raw(&gw, who, HttpVersion::Http1).await);
        }
    }
    let reply = tokio::time::timeout(Duration::from_secs(10), async {
        let mut c = gw.connect_granted().await;
        c.post(soap::V2_BASIC, soap::SOAP11, None, person_data_soap11())
            .await
    })
    .await
    .expect("a good client gets a slot back")
    .unwrap();
    assert!(served(&reply));
    for mut h in held {
        assert!(closed_within(&mut h, Duration::from_secs(5)).await);
    }
}

/// Hole 4. NUL, other C0 controls and U+FFFE, raw or as references, in text or attributes,
/// are refused with their own code — with a signed result asked for too — and audited.
#[tokio::test]
async fn characters_xml_does_not_allow_are_refused() {
    let gw = TestGateway::start().await;
    let egn = known_egn();
    let cases = [
        format!("<EGN>{egn}&#1;</EGN>"),
        format!("<EGN>{egn}\u{1}</EGN>"),
        format!("<EGN>{egn}\u{0}</EGN>"),
        format!("<EGN>{egn}&#xFFFE;</EGN>"),
        format!("<EGN>{egn}\u{fffe}</EGN>"),
        format!("<EGN x=\"&#1;\">{egn}</EGN>"),
    ];
    for egn_element in cases {
        for sign in [false, true] {
            let argument = format!(
                r#"<PersonDataRequest xmlns="http://egov.bg/RegiX/GRAO/NBD/PersonDataRequest">{egn_element}</PersonDataRequest>"#
            );
            let body = soap::v2_soap11(&soap::v2_members(soap::PERSON_DATA_SEARCH, &argument))
                .replace(
                    "<SignResult>false</SignResult>",
                    &format!("<SignResult>{sign}</SignResult>"),
                );
            let reply = post(&gw, body).await;
            assert_eq!(reply.status, 500, "{egn_element:?}: {}", reply.body);
            assert_eq!(
                fault_code(&reply.body),
                Some("xml.invalid-char"),
                "{egn_element:?}"
            );
            assert!(!reply.body.contains('\u{1}') && !reply.body.contains('\u{0}'));
            let record = audited(&gw, &reply).await;
            assert_eq!(record["outcome"], "xml.invalid-char");
        }
    }
    assert!(served(&post(&gw, person_data_soap11()).await));
}

/// Hole 5. An envelope with a second Body (or anything but a Header and one Body holding one
/// element) is refused, whichever Body names which citizen.
#[tokio::test]
async fn an_envelope_with_two_bodies_is_refused() {
    let gw = TestGateway::start().await;
    let one = person_data_soap11();
    let (head, rest) = one.split_once("<s:Body>").unwrap();
    let (body, tail) = rest.split_once("</s:Body>").unwrap();
    let other = body.replace(&known_egn(), "0000000000");
    let cases = [
        format!("{head}<s:Body>{other}</s:Body><s:Body>{body}</s:Body>{tail}"),
        format!("{head}<s:Header/><s:Body>{other}</s:Body><s:Body>{body}</s:Body>{tail}"),
        format!("{head}<s:Body>{other}{body}</s:Body>{tail}"),
        format!("{head}<s:Body>{body}</s:Body><s:Header/>{tail}"),
    ];
    for case in cases {
        let reply = post(&gw, case).await;
        assert_eq!(reply.status, 500, "{}", reply.body);
        assert_eq!(
            fault_code(&reply.body),
            Some("soap.layout"),
            "{}",
            reply.body
        );
    }
    assert!(served(&post(&gw, one).await));
}
