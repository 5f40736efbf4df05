//! The load itself: client tasks that POST the sample request until a deadline, either on one
//! kept-alive connection each or on a new TLS connection per request.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
use bytes::Bytes;
use regway_test_support::client::{Connection, HttpVersion, Reply};
use regway_test_support::soap::{SOAP11, V2_BASIC, V2_EXECUTE_ACTION};
use tokio::time::{timeout, Instant};

use crate::procs::{self, ChildGuard};
use crate::report::{Latency, PhaseResult};

/// Longest wait for one connect or one request; a server that stalls yields errors, not a hang.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// How the clients use connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// One connection per client, reused for every request (HTTP/1.1 keep-alive).
    KeepAlive,
    /// A new TCP connection and full TLS handshake, client certificate included, per request.
    Handshake,
}

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Mode::KeepAlive => "keepalive",
            Mode::Handshake => "handshake",
        }
    }
}

/// What makes a reply a success.
#[derive(Debug, Clone, Copy)]
pub enum Check {
    /// HTTP 200.
    Status,
    /// HTTP 200 and a RegiX result without an error: the gateway really answered the call.
    NoRegixError,
    /// As [`Check::NoRegixError`], and the result carries a `ds:Signature` right after `Data`
    /// (the consumer asked with `SignResult`). A substring test only: the benchmark verifies
    /// one signature cryptographically before it measures.
    Signed,
}

impl Check {
    fn verify(self, reply: &Reply) -> Result<(), String> {
        let ok = reply.status == 200
            && match self {
                Check::Status => true,
                Check::NoRegixError => reply.body.contains("<HasError>false</HasError>"),
                Check::Signed => {
                    reply.body.contains("<HasError>false</HasError>")
                        && reply.body.contains("</Data><ds:Signature ")
                }
            };
        if ok {
            return Ok(());
        }
        let excerpt: String = reply.body.chars().take(300).collect();
        Err(format!("HTTP {}: {excerpt}", reply.status))
    }
}

/// A server under load.
pub struct Target {
    pub name: &'static str,
    addr: SocketAddr,
    client: Arc<rustls::ClientConfig>,
    request: Bytes,
    check: Check,
}

impl Target {
    pub fn new(
        name: &'static str,
        addr: SocketAddr,
        client: &Arc<rustls::ClientConfig>,
        request: &Bytes,
        check: Check,
    ) -> Target {
        Target {
            name,
            addr,
            client: Arc::clone(client),
            request: request.clone(),
            check,
        }
    }

    async fn connect(&self) -> Result<Connection, String> {
        match timeout(
            REQUEST_TIMEOUT,
            Connection::open_with(self.addr, Arc::clone(&self.client), HttpVersion::Http1),
        )
        .await
        {
            Ok(Ok(c)) => Ok(c),
            Ok(Err(e)) => Err(format!("connect: {e:#}")),
            Err(_) => Err("connect: timed out".to_string()),
        }
    }

    async fn call(&self, conn: &mut Connection) -> Result<(), String> {
        self.call_for_reply(conn).await.map(drop)
    }

    /// One request; the reply when it passes the check.
    async fn call_for_reply(&self, conn: &mut Connection) -> Result<Reply, String> {
        let post = conn.post(
            V2_BASIC,
            SOAP11,
            Some(V2_EXECUTE_ACTION),
            self.request.clone(),
        );
        match timeout(REQUEST_TIMEOUT, post).await {
            Ok(Ok(reply)) => self.check.verify(&reply).map(|()| reply),
            Ok(Err(e)) => Err(format!("request: {e:#}")),
            Err(_) => Err("request: timed out".to_string()),
        }
    }

    /// One request on a new connection; the reply when it passes the check.
    pub async fn sample(&self) -> anyhow::Result<Reply> {
        let mut conn = self.connect().await.map_err(anyhow::Error::msg)?;
        self.call_for_reply(&mut conn)
            .await
            .map_err(anyhow::Error::msg)
    }
}

/// Wait until `target` answers a real request correctly, or fail after `within`.
pub async fn wait_ready(
    child: &mut ChildGuard,
    target: &Target,
    within: Duration,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + within;
    loop {
        child.check_running()?;
        let last = match target.connect().await {
            Ok(mut conn) => match target.call(&mut conn).await {
                Ok(()) => return Ok(()),
                Err(e) => e,
            },
            Err(e) => e,
        };
        if Instant::now() >= deadline {
            bail!(
                "the {} did not answer within {within:?}: {last}",
                child.name
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// What one client task saw.
#[derive(Debug, Default)]
struct TaskStats {
    /// Latencies of the requests that started and ended inside the measured window, µs.
    latencies: Vec<u32>,
    /// Connections opened inside the measured window (keep-alive: 0 unless one broke).
    connects: u64,
    errors: u64,
    first_error: Option<String>,
}

/// One client: requests back to back until `end`; only the window after `measure_from` counts.
async fn client_task(
    target: Arc<Target>,
    mode: Mode,
    measure_from: Instant,
    end: Instant,
) -> TaskStats {
    let mut stats = TaskStats::default();
    let mut conn: Option<Connection> = None;
    while Instant::now() < end {
        let started = Instant::now();
        let counted = started >= measure_from;
        let outcome = async {
            let c = match conn.as_mut() {
                Some(c) => c,
                None => {
                    if counted {
                        stats.connects += 1;
                    }
                    conn.insert(target.connect().await?)
                }
            };
            target.call(c).await
        }
        .await;
        let finished = Instant::now();
        if mode == Mode::Handshake {
            conn = None;
        }
        match outcome {
            Ok(()) if counted && finished <= end => {
                let micros = (finished - started).as_micros();
                stats
                    .latencies
                    .push(u32::try_from(micros).unwrap_or(u32::MAX));
            }
            Ok(()) => {}
            Err(e) => {
                // A broken connection is not reused; the next request opens a new one.
                conn = None;
                stats.errors += 1;
                stats.first_error.get_or_insert(e);
            }
        }
    }
    stats
}

/// Load `target` with `connections` clients for `warm_up + duration`, and measure the last
/// `duration`.
pub async fn measure(
    child: &mut ChildGuard,
    target: &Arc<Target>,
    mode: Mode,
    connections: usize,
    warm_up: Duration,
    duration: Duration,
) -> anyhow::Result<PhaseResult> {
    child.check_running()?;
    let measure_from = Instant::now() + warm_up;
    let end = measure_from + duration;
    let tasks: Vec<_> = (0..connections)
        .map(|_| tokio::spawn(client_task(Arc::clone(target), mode, measure_from, end)))
        .collect();
    tokio::time::sleep_until(measure_from).await;
    child.reset_peak();
    let cpu_before = (child.cpu()?, procs::own_cpu()?);
    tokio::time::sleep_until(end).await;
    // Sampled while the clients' connections are still open.
    let memory = child.memory()?;
    let cpu_after = (child.cpu()?, procs::own_cpu()?);
    let server_cpu = cpu_after.0.saturating_sub(cpu_before.0);
    let client_cpu = cpu_after.1.saturating_sub(cpu_before.1);
    let percent = |cpu: Duration| 100.0 * cpu.as_secs_f64() / duration.as_secs_f64();

    let mut latencies = Vec::new();
    let (mut connects, mut errors, mut first_error) = (0, 0, None);
    for task in tasks {
        let stats = task.await.context("a client task panicked")?;
        latencies.extend(stats.latencies);
        connects += stats.connects;
        errors += stats.errors;
        first_error = first_error.or(stats.first_error);
    }
    child.check_running()?;
    let requests = latencies.len();
    Ok(PhaseResult {
        target: target.name,
        mode: mode.name(),
        connections,
        seconds: duration.as_secs_f64(),
        requests,
        rps: requests as f64 / duration.as_secs_f64(),
        latency: Latency::of(latencies),
        connects,
        errors,
        first_error,
        server_cpu_percent: percent(server_cpu),
        server_cpu_us_per_request: server_cpu.as_secs_f64() * 1e6 / requests.max(1) as f64,
        client_cpu_percent: percent(client_cpu),
        rss_mib: memory.rss_mib,
        peak_rss_mib: memory.peak_mib,
    })
}
