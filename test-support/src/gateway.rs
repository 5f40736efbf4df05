//! Start a real gateway on a loopback port, with a data directory of its own.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use regway::routing::Routes;
use regway_adapter::Adapter;

use regway::config::{
    AdaptersConfig, AuditConfig, Config, LimitsConfig, ServerConfig, SignaturesConfig,
};
use regway::pki::Environment;
use regway::runtime::{self, Running};
use regway::store::{Grantee, LegalBasis, NewGrant, Store};

/// The legal basis the "Granted" consumer's grants accept (cite it in LawReason).
pub const LEGAL_BASIS: &str = "LB-TEST";
/// A legal basis in force that no test grant accepts.
pub const OTHER_LEGAL_BASIS: &str = "LB-OTHER";
/// A legal basis the grants accept but whose validity ended in 1970.
pub const EXPIRED_LEGAL_BASIS: &str = "LB-EXPIRED";

use crate::client::{Connection, HttpVersion, Identity};
use crate::pki::TestPki;

/// What to change from the defaults.
#[derive(Clone)]
pub struct GatewayOptions {
    pub limits: LimitsConfig,
    pub adapters: Vec<String>,
    /// Fake registries routed beside the built-in adapters (granted like them).
    pub extra: Vec<Arc<dyn Adapter>>,
    pub with_crl: bool,
    pub signatures: SignaturesConfig,
}

impl Default for GatewayOptions {
    fn default() -> Self {
        GatewayOptions {
            limits: LimitsConfig::default(),
            adapters: AdaptersConfig::default().enabled,
            extra: Vec::new(),
            with_crl: true,
            signatures: SignaturesConfig::default(),
        }
    }
}

/// A running gateway and the PKI it trusts.
pub struct TestGateway {
    pub pki: TestPki,
    pub addr: SocketAddr,
    pub dir: tempfile::TempDir,
    pub config: Config,
    running: Option<Running>,
}

fn write(dir: &std::path::Path, name: &str, contents: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, contents).expect("write test file");
    path
}

impl TestGateway {
    /// A gateway with default options.
    pub async fn start() -> TestGateway {
        TestGateway::start_with(GatewayOptions::default()).await
    }

    /// Write the PKI and configuration, register the test consumers, and start serving.
    pub async fn start_with(options: GatewayOptions) -> TestGateway {
        let pki = TestPki::new();
        let dir = tempfile::tempdir().expect("temp dir");
        let d = dir.path();
        let ca = write(d, "ca.pem", &pki.ca.cert_pem);
        let crl = write(d, "crl.pem", &pki.crl_pem);
        let config = Config {
            data_dir: d.join("data"),
            environment: Environment::Test,
            server: ServerConfig {
                listen: "127.0.0.1:0".parse().expect("address"),
                cert: write(d, "server.pem", &pki.server.cert_pem),
                key: write(d, "server.key", &pki.server.key_pem),
                client_ca: vec![ca],
                crl: if options.with_crl { vec![crl] } else { vec![] },
            },
            limits: options.limits,
            adapters: AdaptersConfig {
                enabled: options.adapters.clone(),
            },
            audit: AuditConfig::default(),
            signatures: options.signatures.clone(),
        };
        config.validate().expect("valid test configuration");
        let mut routes = Routes::from_names(&config.adapters.enabled).expect("routes");
        for adapter in options.extra {
            routes.add(adapter).expect("extra adapter");
        }
        seed(&config, &pki, &routes).await;
        let running = runtime::launch(config.clone(), routes, std::future::pending())
            .await
            .expect("gateway starts");
        TestGateway {
            addr: running.addr,
            pki,
            dir,
            config,
            running: Some(running),
        }
    }

    /// The running gateway.
    pub fn running(&self) -> &Running {
        self.running.as_ref().expect("running")
    }

    /// The store of the running gateway (changes reach it through its policy reload).
    pub fn store(&self) -> &Store {
        &self.running.as_ref().expect("running").store
    }

    /// Write the gateway's configuration as `regway.toml` (for the `regway` CLI, which
    /// changes the running gateway's store) and return its path.
    pub fn write_config_file(&self) -> PathBuf {
        let c = &self.config;
        let list = |paths: &[PathBuf]| {
            paths
                .iter()
                .map(|p| format!("{:?}", p.display().to_string()))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let text = format!(
            "data_dir = {:?}\nenvironment = {:?}\n[server]\nlisten = \"{}\"\ncert = {:?}\nkey = {:?}\nclient_ca = [{}]\ncrl = [{}]\n[adapters]\nenabled = [{}]\n",
            c.data_dir.display().to_string(),
            c.environment.as_str(),
            self.addr,
            c.server.cert.display().to_string(),
            c.server.key.display().to_string(),
            list(&c.server.client_ca),
            list(&c.server.crl),
            c.adapters
                .enabled
                .iter()
                .map(|a| format!("{a:?}"))
                .collect::<Vec<_>>()
                .join(", "),
        );
        write(self.dir.path(), "regway.toml", &text)
    }

    /// A new HTTP/1.1 connection presenting `identity` (or no certificate).
    pub async fn connect(&self, identity: Option<&Identity>) -> anyhow::Result<Connection> {
        Connection::open(
            self.addr,
            &self.pki.ca.cert_pem,
            identity,
            HttpVersion::Http1,
        )
        .await
    }

    /// A new connection as the granted consumer.
    pub async fn connect_granted(&self) -> Connection {
        self.connect(Some(&TestPki::identity(&self.pki.granted)))
            .await
            .expect("the granted consumer connects")
    }

    /// Stop the gateway, draining in-flight requests.
    pub async fn shutdown(mut self) {
        self.stop().await;
    }

    /// Stop the gateway but keep its files (to inspect the store or run the CLI on it).
    pub async fn stop(&mut self) {
        if let Some(r) = self.running.take() {
            r.shutdown().await;
        }
    }
}

/// The test consumers: "Granted" (every routed operation, every field, under [`LEGAL_BASIS`]),
/// "Ungranted" (nothing), an inactive, a revoked and an expired certificate (all granted, so
/// only their state refuses them).
async fn seed(config: &Config, pki: &TestPki, routes: &Routes) {
    let store = Store::open(&config.data_dir).await.expect("store");
    store
        .register_operations(routes.operations())
        .await
        .expect("operations");
    let granted = store.add_consumer("Granted", None).await.expect("consumer");
    let system = store.add_system(granted, "system").await.expect("system");
    for cert in [&pki.granted, &pki.inactive, &pki.revoked, &pki.expired] {
        store
            .add_certificate(system, &cert.der)
            .await
            .expect("certificate");
    }
    for (code, from, to) in [
        (LEGAL_BASIS, 0, None),
        (OTHER_LEGAL_BASIS, 0, None),
        (EXPIRED_LEGAL_BASIS, 0, Some(1)),
    ] {
        store
            .add_legal_basis(&LegalBasis {
                code: code.to_string(),
                title: format!("test legal basis {code}"),
                citation: "Test Act, art. 1".to_string(),
                valid_from: from,
                valid_to: to,
            })
            .await
            .expect("legal basis");
    }
    for (op, _) in routes.operations() {
        store
            .add_grant(&NewGrant {
                grantee: Grantee::System(system),
                operation: op.to_string(),
                legal_bases: vec![LEGAL_BASIS.to_string(), EXPIRED_LEGAL_BASIS.to_string()],
                fields: vec!["*".to_string()],
                valid_from: 0,
                valid_to: None,
                granted_by: "test-support".to_string(),
                reason: "every field of every operation".to_string(),
            })
            .await
            .expect("grant");
    }
    let inactive = regway::policy::Thumbprints::of(&pki.inactive.der);
    store
        .set_certificate_active(&inactive.sha256, false)
        .await
        .expect("deactivate");
    let ungranted = store
        .add_consumer("Ungranted", None)
        .await
        .expect("consumer");
    let system = store.add_system(ungranted, "system").await.expect("system");
    store
        .add_certificate(system, &pki.ungranted.der)
        .await
        .expect("certificate");
}
