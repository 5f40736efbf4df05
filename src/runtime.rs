//! Start-up: configuration → store → routes → policy snapshot → audit writer → TLS →
//! listener → reloader ([`server::reload`]). Used by
//! `regway serve`, the quick start, and the end-to-end tests (which run the real server).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::audit::{self, AuditError, Auditor, Sealing};
use crate::config::Config;
use crate::dsig::{SealError, Signing};
use crate::pipeline::Gateway;
use crate::routing::{Routes, RoutingError};
use crate::server::connections::LiveConnections;
use crate::server::reload::{ReloadError, Reloader, TlsSource};
use crate::server::{self, tls::TlsError};
use crate::store::{Store, StoreError};

/// How long shutdown waits for the audit writer to seal its last checkpoint.
const AUDIT_DRAIN: Duration = Duration::from_secs(5);

/// Why the gateway could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Routing(#[from] RoutingError),
    #[error(transparent)]
    Tls(#[from] TlsError),
    #[error(transparent)]
    Audit(#[from] AuditError),
    #[error(transparent)]
    Reload(#[from] ReloadError),
    #[error(transparent)]
    Seal(#[from] SealError),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// A running gateway.
pub struct Running {
    /// The address the listener is bound to (useful with port 0).
    pub addr: SocketAddr,
    pub store: Store,
    /// Open connections, by client certificate.
    pub live: Arc<LiveConnections>,
    expiring: Arc<AtomicUsize>,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl Running {
    /// Stop accepting, drain in-flight requests, and wait until the server has stopped.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.task).await;
    }

    /// How many certificates in force end within 30 days (checked at start-up and daily).
    pub fn certificates_expiring(&self) -> usize {
        self.expiring.load(Ordering::Relaxed)
    }

    /// Wait until the server stops (it stops when `stop` resolves in [`start_until`]).
    pub async fn wait(mut self) {
        let _ = (&mut self.task).await;
    }
}

/// Start the gateway; it runs until [`Running::shutdown`].
pub async fn start(config: Config) -> Result<Running, StartError> {
    start_until(config, std::future::pending()).await
}

/// Start the gateway; it runs until `stop` resolves or [`Running::shutdown`] is called.
pub async fn start_until(
    config: Config,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<Running, StartError> {
    let routes = Routes::from_names(&config.adapters.enabled)?;
    launch(config, routes, stop).await
}

/// Start the gateway with a routing table built by the caller (tests add fake registries).
pub async fn launch(
    config: Config,
    routes: Routes,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<Running, StartError> {
    let store = Store::open(&config.data_dir).await?;
    store.register_operations(routes.operations()).await?;
    let tables = routes.clone();
    let fields_of = move |op: &str| tables.get(op).map(|r| r.spec.fields);
    let environment = config.environment;
    let policy = Arc::new(ArcSwap::from_pointee(
        store
            .load_policy(&fields_of)
            .await?
            .for_environment(environment),
    ));
    let node = config
        .audit
        .node
        .clone()
        .unwrap_or_else(audit::default_node);
    let signing = Arc::new(Signing::from_config(&config, &node)?);
    let (auditor, audit_writer) = Auditor::start(
        &store,
        node,
        &config.audit_key_paths(),
        Sealing {
            every: config.audit.checkpoint_every,
            interval: Duration::from_secs(config.audit.checkpoint_interval_s),
        },
    )
    .await?;
    let tls_source = TlsSource::new(config.server.clone(), environment, Arc::clone(&policy));
    let tls = Arc::new(ArcSwap::new(tls_source.build(&store).await?));
    let listener = TcpListener::bind(config.server.listen)
        .await
        .map_err(|source| StartError::Listen {
            addr: config.server.listen,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| StartError::Listen {
        addr: config.server.listen,
        source,
    })?;
    let limits = config.limits;
    let gateway = Arc::new(Gateway::new(
        Arc::clone(&policy),
        routes,
        limits.xml(),
        limits.adapter_timeout(),
        auditor,
        signing,
    ));
    let live = Arc::new(LiveConnections::default());
    let expiring = Arc::new(AtomicUsize::new(0));
    let reloader = tokio::spawn(
        Reloader {
            store: store.clone(),
            watcher: store.watch().await?,
            environment,
            fields_of: Box::new(fields_of),
            policy,
            tls_source,
            tls: Arc::clone(&tls),
            live: Arc::clone(&live),
            expiring: Arc::clone(&expiring),
        }
        .run(),
    );
    let (tx, rx) = oneshot::channel::<()>();
    let shutdown = async move {
        tokio::select! {
            _ = rx => {},
            _ = stop => {},
        }
    };
    tracing::info!(%addr, %environment, "regway listening");
    let serving = Arc::clone(&live);
    let task = tokio::spawn(async move {
        server::serve(listener, tls, serving, gateway, limits, shutdown).await;
        reloader.abort();
        // The writer stops (sealing a last checkpoint) once no request holds the gateway.
        if tokio::time::timeout(AUDIT_DRAIN, audit_writer)
            .await
            .is_err()
        {
            tracing::warn!("the audit writer did not stop in time; the last records are sealed at the next start");
        }
        tracing::info!("regway stopped");
    });
    Ok(Running {
        addr,
        store,
        live,
        expiring,
        stop: Some(tx),
        task,
    })
}
