//! The listener: TLS accept with a handshake deadline, one task per connection, HTTP/1.1 and
//! HTTP/2 via hyper, and a graceful shutdown that drains in-flight requests. The TLS
//! configuration is read at each accept, so a rebuilt one applies to the next handshake; a
//! connection can be closed gracefully on its own (its certificate was withdrawn).

pub mod connections;
pub mod http;
pub mod reload;
pub mod tls;
pub mod verifier;

use std::future::Future;
use std::sync::Arc;

use arc_swap::ArcSwap;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};
use tokio_rustls::TlsAcceptor;

use connections::LiveConnections;

use crate::config::LimitsConfig;
use crate::pipeline::Gateway;
use crate::policy::Thumbprints;

/// Serve until `shutdown` completes, then stop accepting and give in-flight requests
/// `limits.shutdown_grace` to finish. `tls` is read at each accept; `live` lists the open
/// connections by client certificate.
pub async fn serve(
    listener: TcpListener,
    tls: Arc<ArcSwap<rustls::ServerConfig>>,
    live: Arc<LiveConnections>,
    gateway: Arc<Gateway>,
    limits: LimitsConfig,
    shutdown: impl Future<Output = ()>,
) {
    let (stopping, stop) = watch::channel(false);
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let local = listener.local_addr().ok();
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            p = Arc::clone(&slots).acquire_owned() => match p { Ok(p) => p, Err(_) => break },
            _ = &mut shutdown => break,
        };
        let (tcp, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let acceptor = TlsAcceptor::from(tls.load_full());
        let gateway = Arc::clone(&gateway);
        let live = Arc::clone(&live);
        let mut stop = stop.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let _ = tcp.set_nodelay(true);
            let stream = match tokio::time::timeout(
                limits.handshake_timeout(),
                acceptor.accept(tcp),
            )
            .await
            {
                Ok(Ok(s)) => s,
                Ok(Err(e)) => {
                    tracing::info!(%remote, error = %e, "TLS handshake refused");
                    return;
                }
                Err(_) => {
                    tracing::info!(%remote, "TLS handshake timed out");
                    return;
                }
            };
            // The verifier has required and checked a client certificate.
            let Some(peer) = stream
                .get_ref()
                .1
                .peer_certificates()
                .and_then(|c| c.first())
                .map(|c| Thumbprints::of(c.as_ref()))
            else {
                return;
            };
            let registered = live.register(peer.clone());
            let ctx = Arc::new(http::ConnectionContext {
                gateway,
                peer,
                local,
                limits,
            });
            let service =
                hyper::service::service_fn(move |req| http::handle(Arc::clone(&ctx), req));
            let mut builder = auto::Builder::new(TokioExecutor::new());
            builder
                .http1()
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_read_timeout());
            builder.http2().timer(TokioTimer::new());
            let conn = builder.serve_connection(TokioIo::new(stream), service);
            tokio::pin!(conn);
            let mut draining = false;
            let ended = loop {
                tokio::select! {
                    ended = conn.as_mut() => break ended,
                    _ = registered.close.notified(), if !draining => {
                        tracing::info!(%remote, "closing a connection: its certificate was withdrawn");
                        conn.as_mut().graceful_shutdown();
                        draining = true;
                    }
                    _ = stop.wait_for(|s| *s), if !draining => {
                        conn.as_mut().graceful_shutdown();
                        draining = true;
                    }
                }
            };
            if let Err(e) = ended {
                tracing::debug!(%remote, error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    tracing::info!("shutting down: draining in-flight requests");
    let _ = stopping.send(true);
    // Every connection task holds a slot until it ends: all slots back means all drained.
    let all = u32::try_from(limits.max_connections).unwrap_or(u32::MAX);
    if tokio::time::timeout(limits.shutdown_grace(), slots.acquire_many(all))
        .await
        .is_err()
    {
        tracing::warn!("shutdown grace period elapsed with requests still in flight");
    }
}

/// Resolves on SIGTERM or SIGINT.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
