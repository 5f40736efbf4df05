//! The listener: TLS accept with a handshake deadline, one task per connection, HTTP/1.1 and
//! HTTP/2 via hyper, and a graceful shutdown that drains in-flight requests. The TLS
//! configuration is read at each accept, so a rebuilt one applies to the next handshake; a
//! connection can be closed gracefully on its own (its certificate was withdrawn).
//!
//! No connection holds a slot for ever: each has a deadline for its first request and an idle
//! timeout ([`activity`]), HTTP/2 pings a quiet peer, one certificate may hold only
//! `max_connections_per_certificate` slots, and a connection asked to close that does not
//! finish in time is dropped.

pub mod activity;
pub mod connections;
pub mod http;
pub mod reload;
pub mod tls;
pub mod verifier;

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};
use tokio_rustls::TlsAcceptor;

use activity::{Activity, Verdict};
use connections::LiveConnections;

use crate::config::LimitsConfig;
use crate::pipeline::Gateway;
use crate::policy::Thumbprints;

/// How long a connection asked to close with nothing in flight may take to do so.
const CLOSE_GRACE: Duration = Duration::from_secs(1);

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
        let accepted = Instant::now();
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
            let registered = match live
                .register(peer.clone(), limits.max_connections_per_certificate)
            {
                Ok(r) => r,
                Err(e) => {
                    tracing::warn!(%remote, certificate = %&peer.sha256[..16], "connection refused: {e}");
                    let mut stream = stream;
                    let _ = tokio::time::timeout(CLOSE_GRACE, stream.shutdown()).await;
                    return;
                }
            };
            let activity = Activity::new(accepted);
            let ctx = Arc::new(http::ConnectionContext {
                gateway,
                peer,
                local,
                limits,
            });
            let watched = Arc::clone(&activity);
            let service = hyper::service::service_fn(move |req| {
                let request = watched.begin();
                let answer = http::handle(Arc::clone(&ctx), req);
                async move {
                    let answer = answer.await;
                    drop(request);
                    answer
                }
            });
            let mut builder = auto::Builder::new(TokioExecutor::new());
            builder
                .http1()
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_read_timeout());
            builder
                .http2()
                .timer(TokioTimer::new())
                .keep_alive_interval(Some(limits.http2_keepalive_interval()))
                .keep_alive_timeout(limits.http2_keepalive_timeout());
            let conn = builder.serve_connection(TokioIo::new(stream), service);
            tokio::pin!(conn);
            let far = tokio::time::Instant::now() + Duration::from_secs(86_400 * 365);
            let mut check =
                tokio::time::Instant::from_std(accepted + limits.first_request_timeout());
            // Set once the connection is asked to close: past it, it is dropped.
            let mut hard_stop: Option<tokio::time::Instant> = None;
            let ended = loop {
                tokio::select! {
                    ended = conn.as_mut() => break Some(ended),
                    _ = tokio::time::sleep_until(check), if hard_stop.is_none() => {
                        match activity.verdict(Instant::now(), &limits) {
                            Verdict::CheckAt(at) => check = tokio::time::Instant::from_std(at),
                            Verdict::Close(why) => {
                                tracing::info!(%remote, reason = why, "closing a connection");
                                conn.as_mut().graceful_shutdown();
                                hard_stop = Some(tokio::time::Instant::now() + CLOSE_GRACE);
                            }
                        }
                    }
                    _ = tokio::time::sleep_until(hard_stop.unwrap_or(far)), if hard_stop.is_some() => {
                        tracing::info!(%remote, "dropping a connection that did not close in time");
                        break None;
                    }
                    _ = registered.close.notified(), if hard_stop.is_none() => {
                        tracing::info!(%remote, "closing a connection: its certificate was withdrawn");
                        conn.as_mut().graceful_shutdown();
                        // A request in flight may finish within its own deadline.
                        hard_stop = Some(tokio::time::Instant::now() + limits.request_timeout() + CLOSE_GRACE);
                    }
                    _ = stop.wait_for(|s| *s), if hard_stop.is_none() => {
                        conn.as_mut().graceful_shutdown();
                        hard_stop = Some(tokio::time::Instant::now() + limits.shutdown_grace());
                    }
                }
            };
            if let Some(Err(e)) = ended {
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
