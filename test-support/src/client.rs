//! An HTTP client over mutual TLS: what a consumer system does, with rustls and hyper.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::{http1, http2};
use hyper::header::{HeaderMap, HeaderValue, CONTENT_TYPE, HOST};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

/// A client certificate and its key, PEM.
#[derive(Debug, Clone)]
pub struct Identity {
    pub cert_pem: String,
    pub key_pem: String,
}

/// Which HTTP version to speak (negotiated by ALPN).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpVersion {
    Http1,
    Http2,
}

/// An HTTP response, body as text.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
}

enum Sender {
    H1(http1::SendRequest<Full<Bytes>>),
    H2(http2::SendRequest<Full<Bytes>>),
}

/// One kept-alive connection.
pub struct Connection {
    sender: Sender,
    authority: String,
}

/// The rustls client configuration: trust `ca_pem`, present `identity` if given.
pub fn tls_config(
    ca_pem: &str,
    identity: Option<&Identity>,
    version: HttpVersion,
) -> anyhow::Result<Arc<rustls::ClientConfig>> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
        roots.add(cert?)?;
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots);
    let mut config = match identity {
        Some(id) => {
            let chain = CertificateDer::pem_slice_iter(id.cert_pem.as_bytes())
                .collect::<Result<Vec<_>, _>>()?;
            let key = PrivateKeyDer::from_pem_slice(id.key_pem.as_bytes())?;
            builder.with_client_auth_cert(chain, key)?
        }
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = vec![match version {
        HttpVersion::Http1 => b"http/1.1".to_vec(),
        HttpVersion::Http2 => b"h2".to_vec(),
    }];
    Ok(Arc::new(config))
}

/// A TLS connection to `addr` (server name `localhost`), for tests that speak raw bytes.
pub async fn tls_stream(
    addr: SocketAddr,
    config: Arc<rustls::ClientConfig>,
) -> anyhow::Result<tokio_rustls::client::TlsStream<TcpStream>> {
    let tcp = TcpStream::connect(addr).await.context("TCP connect")?;
    tcp.set_nodelay(true)?;
    TlsConnector::from(config)
        .connect(ServerName::try_from("localhost")?, tcp)
        .await
        .context("TLS handshake")
}

impl Connection {
    /// Connect to `addr` (server name `localhost`) and complete the TLS handshake.
    pub async fn open(
        addr: SocketAddr,
        ca_pem: &str,
        identity: Option<&Identity>,
        version: HttpVersion,
    ) -> anyhow::Result<Connection> {
        let config = tls_config(ca_pem, identity, version)?;
        Connection::open_with(addr, config, version).await
    }

    /// Connect with a prepared TLS configuration (benchmarks reuse one).
    pub async fn open_with(
        addr: SocketAddr,
        config: Arc<rustls::ClientConfig>,
        version: HttpVersion,
    ) -> anyhow::Result<Connection> {
        let io = TokioIo::new(tls_stream(addr, config).await?);
        let sender = match version {
            HttpVersion::Http1 => {
                let (sender, conn) = http1::handshake(io).await?;
                tokio::spawn(async move {
                    let _ = conn.await;
                });
                Sender::H1(sender)
            }
            HttpVersion::Http2 => {
                let (sender, conn) = http2::handshake(TokioExecutor::new(), io).await?;
                tokio::spawn(async move {
                    let _ = conn.await;
                });
                Sender::H2(sender)
            }
        };
        Ok(Connection {
            sender,
            authority: format!("localhost:{}", addr.port()),
        })
    }

    /// POST a SOAP message. `soap_action` is sent as the SOAP 1.1 `SOAPAction` header.
    pub async fn post(
        &mut self,
        path: &str,
        content_type: &str,
        soap_action: Option<&str>,
        body: impl Into<Bytes>,
    ) -> anyhow::Result<Reply> {
        let mut req = hyper::Request::post(self.uri(path))
            .header(CONTENT_TYPE, content_type)
            .body(Full::new(body.into()))?;
        if let Some(a) = soap_action {
            req.headers_mut()
                .insert("soapaction", HeaderValue::from_str(&format!("\"{a}\""))?);
        }
        self.send(req).await
    }

    /// GET a path (with query).
    pub async fn get(&mut self, path: &str) -> anyhow::Result<Reply> {
        let req = hyper::Request::get(self.uri(path)).body(Full::new(Bytes::new()))?;
        self.send(req).await
    }

    fn uri(&self, path: &str) -> String {
        match self.sender {
            Sender::H1(_) => path.to_string(),
            Sender::H2(_) => format!("https://{}{path}", self.authority),
        }
    }

    /// Send any request on this connection.
    pub async fn send(&mut self, mut req: hyper::Request<Full<Bytes>>) -> anyhow::Result<Reply> {
        if let Sender::H1(_) = self.sender {
            req.headers_mut()
                .insert(HOST, HeaderValue::from_str(&self.authority)?);
        }
        let resp = match &mut self.sender {
            Sender::H1(s) => {
                s.ready().await?;
                s.send_request(req).await?
            }
            Sender::H2(s) => {
                s.ready().await?;
                s.send_request(req).await?
            }
        };
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let bytes = resp.into_body().collect().await?.to_bytes();
        Ok(Reply {
            status,
            headers,
            body: String::from_utf8(bytes.to_vec()).context("response is not UTF-8")?,
        })
    }
}
