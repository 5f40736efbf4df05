//! `regway.toml`: where the gateway listens, which certificates it uses, its limits.
//!
//! Relative paths are resolved against the directory of the configuration file, so a data
//! directory can be moved as a whole.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::dsig::seal::SealPaths;
use crate::dsig::AlgorithmPolicy;
use crate::pki::Environment;

/// The default environment: the strict one, so a forgotten setting never lets test
/// certificates into a production gateway.
fn production() -> Environment {
    Environment::Production
}

/// Why a configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("invalid configuration in {path}: {source}")]
    Parse {
        path: String,
        source: toml::de::Error,
    },
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

/// The whole configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where the store lives (created on first start).
    pub data_dir: PathBuf,
    /// The environment this gateway serves (default `production`): it trusts the store's CAs
    /// of this environment only, and refuses certificates labelled with the other one.
    #[serde(default = "production")]
    pub environment: Environment,
    pub server: ServerConfig,
    #[serde(default)]
    pub limits: LimitsConfig,
    #[serde(default)]
    pub adapters: AdaptersConfig,
    #[serde(default)]
    pub audit: AuditConfig,
    #[serde(default)]
    pub signatures: SignaturesConfig,
}

/// XML signatures (see `src/dsig`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SignaturesConfig {
    /// The gateway's seal, which signs results of registries without a seal of their own
    /// (default: `<data_dir>/seal/seal.key` and `seal.pem`, a self-signed ECDSA P-256
    /// certificate created at first start; configure one from your CA for production).
    pub seal: Option<SealPaths>,
    /// Registries' own seals, by adapter name.
    pub seals: std::collections::BTreeMap<String, SealPaths>,
    pub requests: RequestSignaturesConfig,
}

/// Signed requests (WS-Security): what is accepted.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RequestSignaturesConfig {
    /// Accepted algorithm identifiers (canonicalisation, signature, digest, transform URIs).
    /// The default has no SHA-1.
    pub algorithms: AlgorithmPolicy,
    /// How old a request's `wsu:Timestamp/Created` may be, in seconds.
    pub max_age_s: i64,
    /// Clock difference tolerated with consumers, in seconds.
    pub clock_skew_s: i64,
    /// How many signed requests are remembered for replay detection.
    pub replay_capacity: usize,
}

impl Default for RequestSignaturesConfig {
    fn default() -> Self {
        RequestSignaturesConfig {
            algorithms: AlgorithmPolicy::default(),
            max_age_s: 300,
            clock_skew_s: 60,
            replay_capacity: crate::dsig::replay::DEFAULT_CAPACITY,
        }
    }
}

/// The TLS listener.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    /// The server certificate chain (PEM).
    pub cert: PathBuf,
    /// The server private key (PEM, PKCS#8 or SEC1 or PKCS#1).
    pub key: PathBuf,
    /// CA bundles (PEM) that client certificates must chain to. At least one.
    pub client_ca: Vec<PathBuf>,
    /// Certificate revocation lists (PEM or DER) checked for client certificates.
    #[serde(default)]
    pub crl: Vec<PathBuf>,
}

/// Limits and timeouts. Every one has a default that suits a government data exchange.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsConfig {
    /// Largest request body accepted, in bytes.
    pub body_bytes: usize,
    /// Deepest XML element nesting accepted.
    pub max_xml_depth: usize,
    /// Most XML elements plus attributes accepted in one request.
    pub max_xml_nodes: usize,
    /// Most attributes plus namespace declarations on one XML element.
    pub max_xml_attributes: usize,
    /// Most namespace declarations in scope at one XML element.
    pub max_xml_namespaces: usize,
    /// Time allowed for the TLS handshake, in ms.
    pub handshake_timeout_ms: u64,
    /// Time allowed to receive the request headers, in ms (HTTP/1.1).
    pub header_read_timeout_ms: u64,
    /// Time allowed for a whole request, body to response, in ms.
    pub request_timeout_ms: u64,
    /// Time allowed for an adapter call, in ms; must be below `request_timeout_ms`.
    pub adapter_timeout_ms: u64,
    /// Time from accept (the TLS handshake included) to the first complete request headers,
    /// in ms: a connection that sends nothing (or only an HTTP/2 preface) is closed then.
    pub first_request_timeout_ms: u64,
    /// Time a connection may stay open with no request in flight, in ms (HTTP/1.1 and HTTP/2).
    pub idle_timeout_ms: u64,
    /// Interval of HTTP/2 keep-alive pings on a quiet connection, in ms…
    pub http2_keepalive_interval_ms: u64,
    /// …and how long a ping may go unanswered before the connection is closed, in ms.
    pub http2_keepalive_timeout_ms: u64,
    /// Connections served at once; more wait in the listen backlog.
    pub max_connections: usize,
    /// Connections one client certificate may hold at once; more are closed after the
    /// handshake, so that one certificate cannot take every slot.
    pub max_connections_per_certificate: usize,
    /// Time given to in-flight requests on shutdown, in ms.
    pub shutdown_grace_ms: u64,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            body_bytes: 16 * 1024 * 1024,
            max_xml_depth: 64,
            max_xml_nodes: 100_000,
            max_xml_attributes: 128,
            max_xml_namespaces: 256,
            handshake_timeout_ms: 10_000,
            header_read_timeout_ms: 10_000,
            request_timeout_ms: 30_000,
            adapter_timeout_ms: 20_000,
            first_request_timeout_ms: 20_000,
            idle_timeout_ms: 60_000,
            http2_keepalive_interval_ms: 20_000,
            http2_keepalive_timeout_ms: 10_000,
            max_connections: 4096,
            max_connections_per_certificate: 256,
            shutdown_grace_ms: 30_000,
        }
    }
}

impl LimitsConfig {
    pub fn handshake_timeout(&self) -> Duration {
        Duration::from_millis(self.handshake_timeout_ms)
    }
    pub fn header_read_timeout(&self) -> Duration {
        Duration::from_millis(self.header_read_timeout_ms)
    }
    pub fn request_timeout(&self) -> Duration {
        Duration::from_millis(self.request_timeout_ms)
    }
    pub fn adapter_timeout(&self) -> Duration {
        Duration::from_millis(self.adapter_timeout_ms)
    }
    pub fn shutdown_grace(&self) -> Duration {
        Duration::from_millis(self.shutdown_grace_ms)
    }
    pub fn first_request_timeout(&self) -> Duration {
        Duration::from_millis(self.first_request_timeout_ms)
    }
    pub fn idle_timeout(&self) -> Duration {
        Duration::from_millis(self.idle_timeout_ms)
    }
    pub fn http2_keepalive_interval(&self) -> Duration {
        Duration::from_millis(self.http2_keepalive_interval_ms)
    }
    pub fn http2_keepalive_timeout(&self) -> Duration {
        Duration::from_millis(self.http2_keepalive_timeout_ms)
    }

    /// The XML reader's limits.
    pub fn xml(&self) -> crate::soap::xml::Limits {
        crate::soap::xml::Limits {
            max_depth: self.max_xml_depth,
            max_nodes: self.max_xml_nodes,
            max_attributes: self.max_xml_attributes,
            max_namespaces: self.max_xml_namespaces,
        }
    }
}

/// Which in-process adapters to load.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AdaptersConfig {
    pub enabled: Vec<String>,
}

impl Default for AdaptersConfig {
    fn default() -> Self {
        AdaptersConfig {
            enabled: vec!["demo-population".into(), "demo-company".into()],
        }
    }
}

/// The audit trail (see `src/audit`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuditConfig {
    /// The name recorded as `node` in every call record (default: the host name).
    pub node: Option<String>,
    /// The HMAC keys for identifiers (default: `<data_dir>/audit/identifier-keys`). Best kept
    /// off the database's volume: with the database *and* this file, pseudonyms can be reversed
    /// by enumeration.
    pub identifier_keys: Option<PathBuf>,
    /// The checkpoint signing key (default: `<data_dir>/audit/checkpoint-key.pem`).
    pub checkpoint_key: Option<PathBuf>,
    /// Seal a checkpoint after this many records…
    pub checkpoint_every: u64,
    /// …or this many seconds after the last one, whichever comes first.
    pub checkpoint_interval_s: u64,
}

impl Default for AuditConfig {
    fn default() -> Self {
        AuditConfig {
            node: None,
            identifier_keys: None,
            checkpoint_key: None,
            checkpoint_every: 1000,
            checkpoint_interval_s: 60,
        }
    }
}

impl Config {
    /// Where the audit keys are: configured, or their defaults in the data directory.
    pub fn audit_key_paths(&self) -> crate::audit::keys::KeyPaths {
        use crate::audit::keys::{CHECKPOINT_KEY_FILE, IDENTIFIER_KEYS_FILE};
        crate::audit::keys::KeyPaths {
            identifier_keys: self
                .audit
                .identifier_keys
                .clone()
                .unwrap_or_else(|| self.data_dir.join(IDENTIFIER_KEYS_FILE)),
            checkpoint_key: self
                .audit
                .checkpoint_key
                .clone()
                .unwrap_or_else(|| self.data_dir.join(CHECKPOINT_KEY_FILE)),
        }
    }

    /// Where the gateway's seal is: configured, or its default in the data directory.
    pub fn seal_paths(&self) -> SealPaths {
        self.signatures.seal.clone().unwrap_or_else(|| SealPaths {
            key: self.data_dir.join(crate::dsig::seal::DEFAULT_KEY_FILE),
            cert: self.data_dir.join(crate::dsig::seal::DEFAULT_CERT_FILE),
        })
    }

    /// Read and check a configuration file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.display().to_string(),
            source,
        })?;
        let mut config: Config = toml::from_str(&text).map_err(|source| ConfigError::Parse {
            path: path.display().to_string(),
            source,
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        config.resolve_paths(base);
        config.validate()?;
        Ok(config)
    }

    fn resolve_paths(&mut self, base: &Path) {
        let fix = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        };
        fix(&mut self.data_dir);
        fix(&mut self.server.cert);
        fix(&mut self.server.key);
        self.server.client_ca.iter_mut().for_each(fix);
        self.server.crl.iter_mut().for_each(fix);
        self.audit.identifier_keys.iter_mut().for_each(fix);
        self.audit.checkpoint_key.iter_mut().for_each(fix);
        for seal in self
            .signatures
            .seal
            .iter_mut()
            .chain(self.signatures.seals.values_mut())
        {
            fix(&mut seal.key);
            fix(&mut seal.cert);
        }
    }

    /// Refuse settings that cannot work together.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let l = &self.limits;
        if self.server.client_ca.is_empty() {
            return Err(ConfigError::Invalid(
                "server.client_ca must name at least one CA bundle: clients are always authenticated".into(),
            ));
        }
        if l.body_bytes == 0
            || l.max_xml_depth < 8
            || l.max_xml_nodes < 64
            || l.max_xml_attributes < 16
            || l.max_xml_namespaces < 16
            || l.max_connections == 0
            || l.max_connections_per_certificate == 0
        {
            return Err(ConfigError::Invalid(
                "limits.body_bytes, limits.max_connections and limits.max_connections_per_certificate must be positive, limits.max_xml_depth at least 8, limits.max_xml_nodes at least 64, limits.max_xml_attributes and limits.max_xml_namespaces at least 16".into(),
            ));
        }
        if l.first_request_timeout_ms == 0
            || l.idle_timeout_ms == 0
            || l.http2_keepalive_interval_ms == 0
            || l.http2_keepalive_timeout_ms == 0
        {
            return Err(ConfigError::Invalid(
                "limits.first_request_timeout_ms, limits.idle_timeout_ms and the HTTP/2 keep-alive settings must be positive: a connection without a deadline can be held forever".into(),
            ));
        }
        if self.audit.checkpoint_every == 0 || self.audit.checkpoint_interval_s == 0 {
            return Err(ConfigError::Invalid(
                "audit.checkpoint_every and audit.checkpoint_interval_s must be positive".into(),
            ));
        }
        let r = &self.signatures.requests;
        if r.max_age_s <= 0 || r.clock_skew_s < 0 || r.replay_capacity == 0 {
            return Err(ConfigError::Invalid(
                "signatures.requests.max_age_s and replay_capacity must be positive, clock_skew_s not negative".into(),
            ));
        }
        if let Some(unknown) = self
            .signatures
            .seals
            .keys()
            .find(|a| !self.adapters.enabled.contains(a))
        {
            return Err(ConfigError::Invalid(format!(
                "signatures.seals.{unknown} names an adapter that is not enabled"
            )));
        }
        if l.adapter_timeout_ms >= l.request_timeout_ms {
            return Err(ConfigError::Invalid(
                "limits.adapter_timeout_ms must be below limits.request_timeout_ms".into(),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_apply_and_paths_resolve_against_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("regway.toml");
        std::fs::write(
            &path,
            "data_dir = \"data\"\n[server]\nlisten = \"127.0.0.1:8443\"\ncert = \"s.pem\"\nkey = \"s.key\"\nclient_ca = [\"ca.pem\"]\n",
        )
        .unwrap();
        let c = Config::load(&path).unwrap();
        assert_eq!(c.data_dir, dir.path().join("data"));
        assert_eq!(c.server.client_ca, vec![dir.path().join("ca.pem")]);
        assert_eq!(c.limits.body_bytes, 16 * 1024 * 1024);
        assert_eq!(c.adapters.enabled.len(), 2);
        assert_eq!(c.environment, Environment::Production);
    }

    #[test]
    fn refuses_unknown_keys_and_inconsistent_limits() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("regway.toml");
        let base = "data_dir = \"d\"\n[server]\nlisten = \"127.0.0.1:1\"\ncert = \"c\"\nkey = \"k\"\nclient_ca = [\"a\"]\n";
        std::fs::write(&path, format!("{base}typo = 1\n")).unwrap();
        assert!(matches!(
            Config::load(&path),
            Err(ConfigError::Parse { .. })
        ));
        std::fs::write(
            &path,
            format!("{base}[limits]\nadapter_timeout_ms = 50000\n"),
        )
        .unwrap();
        assert!(matches!(Config::load(&path), Err(ConfigError::Invalid(_))));
        std::fs::write(&path, base.replace("[\"a\"]", "[]")).unwrap();
        assert!(matches!(Config::load(&path), Err(ConfigError::Invalid(_))));
    }
}
