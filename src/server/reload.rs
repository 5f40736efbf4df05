//! Changes reach a running gateway without a restart. Every 250 ms:
//!
//! - a commit to the store (from the CLI or any process) rebuilds the policy snapshot and the
//!   TLS configuration (the store's trust anchors and CRLs);
//! - a change of the configured certificate, key, CA or CRL files (their mtime and size)
//!   rebuilds the TLS configuration;
//! - open connections whose certificate the policy now withdraws (revoked, or retired at a
//!   time that has come) are closed gracefully;
//! - once a day (and at start-up) certificates near their end are logged and counted.
//!
//! A failed rebuild keeps the previous configuration and logs an error. Handshakes in progress
//! and open connections keep the configuration they started with.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use arc_swap::ArcSwap;
use regway_adapter::Field;
use rustls::pki_types::{CertificateDer, CertificateRevocationListDer};

use super::connections::LiveConnections;
use super::tls::{server_config_with, StoreTrust, TlsError};
use crate::config::ServerConfig;
use crate::pki::Environment;
use crate::policy::PolicySnapshot;
use crate::store::{ChangeWatcher, Store, StoreError};

/// How often the store and the files are checked.
pub const POLL: Duration = Duration::from_millis(250);
/// How often certificates near their end are logged.
const EXPIRY_CHECK: Duration = Duration::from_secs(24 * 3600);
/// "Near their end": within this many seconds.
pub const EXPIRY_WARNING_SECS: i64 = 30 * 24 * 3600;

/// Why the TLS configuration could not be (re)built.
#[derive(Debug, thiserror::Error)]
pub enum ReloadError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Tls(#[from] TlsError),
}

/// The store's trust for a gateway of `environment`: its CAs of that environment, and the
/// CRLs regway signed for them.
pub async fn store_trust(
    store: &Store,
    environment: Environment,
) -> Result<StoreTrust, StoreError> {
    let mut trust = StoreTrust::default();
    for ca in store.cas().await? {
        if ca.environment != environment {
            continue;
        }
        trust.anchors.push(CertificateDer::from(ca.der));
        if let Some(crl) = ca.crl_der {
            trust.crls.push(CertificateRevocationListDer::from(crl));
        }
    }
    Ok(trust)
}

type Stamp = Option<(SystemTime, u64)>;

fn stamp(path: &PathBuf) -> Stamp {
    let m = std::fs::metadata(path).ok()?;
    Some((m.modified().ok()?, m.len()))
}

/// Builds the TLS configuration and knows when its inputs changed.
pub struct TlsSource {
    server: ServerConfig,
    environment: Environment,
    policy: Arc<ArcSwap<PolicySnapshot>>,
    stamps: Vec<(PathBuf, Stamp)>,
}

impl TlsSource {
    pub fn new(
        server: ServerConfig,
        environment: Environment,
        policy: Arc<ArcSwap<PolicySnapshot>>,
    ) -> TlsSource {
        let files = [&server.cert, &server.key]
            .into_iter()
            .chain(&server.client_ca)
            .chain(&server.crl)
            .map(|p| (p.clone(), stamp(p)))
            .collect();
        TlsSource {
            server,
            environment,
            policy,
            stamps: files,
        }
    }

    /// Build the configuration from the files and the store as they are now.
    pub async fn build(&self, store: &Store) -> Result<Arc<rustls::ServerConfig>, ReloadError> {
        let trust = store_trust(store, self.environment).await?;
        Ok(server_config_with(
            &self.server,
            &trust,
            Some(Arc::clone(&self.policy)),
        )?)
    }

    /// Whether a file changed since the last call.
    fn files_changed(&mut self) -> bool {
        let mut changed = false;
        for (path, last) in &mut self.stamps {
            let now = stamp(path);
            if now != *last {
                *last = now;
                changed = true;
            }
        }
        changed
    }
}

/// The field table of a routed operation (grants are parsed against it).
pub type FieldsOf = Box<dyn Fn(&str) -> Option<&'static [Field]> + Send + Sync>;

/// Everything the reload loop updates.
pub struct Reloader {
    pub store: Store,
    pub watcher: ChangeWatcher,
    pub environment: Environment,
    pub fields_of: FieldsOf,
    pub policy: Arc<ArcSwap<PolicySnapshot>>,
    pub tls_source: TlsSource,
    pub tls: Arc<ArcSwap<rustls::ServerConfig>>,
    pub live: Arc<LiveConnections>,
    /// Certificates in force that end within 30 days (kept for the metrics endpoint).
    pub expiring: Arc<AtomicUsize>,
}

impl Reloader {
    /// Run until aborted.
    pub async fn run(mut self) {
        let mut last_expiry_check: Option<Instant> = None;
        loop {
            if last_expiry_check.is_none_or(|t| t.elapsed() >= EXPIRY_CHECK) {
                self.check_expiry().await;
                last_expiry_check = Some(Instant::now());
            }
            tokio::time::sleep(POLL).await;
            let store_changed = match self.watcher.changed().await {
                Ok(c) => c,
                Err(e) => {
                    tracing::error!(error = %e, "cannot watch the store for changes");
                    false
                }
            };
            if store_changed {
                self.reload_policy().await;
            }
            if self.tls_source.files_changed() || store_changed {
                self.rebuild_tls().await;
            }
            self.close_withdrawn();
        }
    }

    async fn reload_policy(&self) {
        match self.store.load_policy(&*self.fields_of).await {
            Ok(p) => {
                self.policy
                    .store(Arc::new(p.for_environment(self.environment)));
                tracing::info!("policy reloaded");
            }
            Err(e) => {
                tracing::error!(error = %e, "policy reload failed; keeping the previous policy")
            }
        }
    }

    async fn rebuild_tls(&self) {
        match self.tls_source.build(&self.store).await {
            Ok(c) => {
                self.tls.store(c);
                tracing::info!("TLS configuration reloaded");
            }
            Err(e) => tracing::error!(
                error = %e,
                "TLS configuration reload failed; keeping the previous configuration"
            ),
        }
    }

    fn close_withdrawn(&self) {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let policy = self.policy.load();
        let n = self
            .live
            .close_where(|t| policy.withdrawal(t, now).is_some());
        if n > 0 {
            tracing::debug!(
                connections = n,
                "asked connections of withdrawn certificates to close"
            );
        }
    }

    async fn check_expiry(&self) {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        match self.store.expiring(now, EXPIRY_WARNING_SECS).await {
            Ok(certs) => {
                for c in &certs {
                    tracing::warn!(
                        sha256 = %c.sha256, consumer = %c.consumer, system = %c.system,
                        not_after = %c.not_after, "client certificate expires within 30 days"
                    );
                }
                self.expiring.store(certs.len(), Ordering::Relaxed);
            }
            Err(e) => tracing::error!(error = %e, "cannot check certificates for expiry"),
        }
    }
}
