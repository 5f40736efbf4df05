//! The static responder: the gateway's stack (regway's own rustls configuration with client
//! certificates required, tokio, hyper-util's HTTP/1.1 + h2 server, TCP_NODELAY) answering
//! every POST with a fixed envelope, so the benchmark can tell the cost of the transport from
//! the cost of regway's request path.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::{Method, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

/// The responder's command line (a hidden subcommand of `regway-load`).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Server certificate chain (PEM).
    #[arg(long)]
    cert: PathBuf,
    /// Server key (PEM).
    #[arg(long)]
    key: PathBuf,
    /// CA that client certificates must chain to (PEM).
    #[arg(long)]
    ca: PathBuf,
    /// CRL checked for client certificates, as the gateway checks it.
    #[arg(long)]
    crl: Option<PathBuf>,
    /// Loopback address to listen on.
    #[arg(long)]
    listen: SocketAddr,
}

/// The size of every answer, about that of a small RegiX result.
pub const BODY_BYTES: usize = 3072;
/// The same limits the gateway applies by default.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// A SOAP 1.1 envelope padded with whitespace to exactly [`BODY_BYTES`].
pub fn envelope() -> String {
    const HEAD: &str = r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><ExecuteResponse xmlns="http://egov.bg/RegiX"><ExecuteResult><IsReady>true</IsReady><HasError>false</HasError></ExecuteResult></ExecuteResponse>"#;
    const TAIL: &str = "</s:Body></s:Envelope>";
    let mut body = String::with_capacity(BODY_BYTES);
    body.push_str(HEAD);
    body.push_str(&" ".repeat(BODY_BYTES - HEAD.len() - TAIL.len()));
    body.push_str(TAIL);
    body
}

/// Serve until killed (by the benchmark's guard, or by the kernel when the benchmark dies).
pub async fn run(args: Args) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.listen.ip().is_loopback(),
        "the responder only listens on loopback"
    );
    let tls = regway::server::tls::server_config(&regway::config::ServerConfig {
        listen: args.listen,
        cert: args.cert,
        key: args.key,
        client_ca: vec![args.ca],
        crl: args.crl.into_iter().collect(),
    })?;
    let listener = TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let acceptor = TlsAcceptor::from(tls);
    let body = Bytes::from(envelope());
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            // Out of descriptors, say: give the open connections time to finish.
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        let acceptor = acceptor.clone();
        let body = body.clone();
        tokio::spawn(async move {
            let _ = tcp.set_nodelay(true);
            let Ok(Ok(tls)) = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await
            else {
                return;
            };
            let service = hyper::service::service_fn(move |req| respond(req, body.clone()));
            let mut builder = auto::Builder::new(TokioExecutor::new());
            builder
                .http1()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_READ_TIMEOUT);
            builder.http2().timer(TokioTimer::new());
            let _ = builder.serve_connection(TokioIo::new(tls), service).await;
        });
    }
}

/// Read the request body, as the gateway does, and answer with the fixed envelope.
async fn respond(
    req: hyper::Request<Incoming>,
    body: Bytes,
) -> Result<hyper::Response<Full<Bytes>>, Infallible> {
    let status = if req.method() != Method::POST {
        StatusCode::METHOD_NOT_ALLOWED
    } else if req.into_body().collect().await.is_err() {
        StatusCode::BAD_REQUEST
    } else {
        let mut r = hyper::Response::new(Full::new(body));
        r.headers_mut().insert(
            CONTENT_TYPE,
            HeaderValue::from_static("text/xml; charset=utf-8"),
        );
        return Ok(r);
    };
    let mut r = hyper::Response::new(Full::new(Bytes::new()));
    *r.status_mut() = status;
    Ok(r)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_envelope_is_exactly_3_kib() {
        assert_eq!(super::envelope().len(), super::BODY_BYTES);
    }
}
