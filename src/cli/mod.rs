//! The `regway` command line. `main.rs` only calls [`run`].

pub mod admin;
pub mod audit;
pub mod ca;
pub mod cert;
pub mod change;
pub mod consumer;
pub mod operation;
pub mod quickstart;
pub mod signature;

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::config::Config;
use crate::{runtime, server};

/// regway: a RegiX-compatible SOAP gateway for inter-registry data exchange.
#[derive(Debug, Parser)]
#[command(name = "regway", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// Where the administration commands find the store: the gateway's configuration.
#[derive(Debug, clap::Args)]
pub struct StoreArgs {
    /// The gateway's configuration file (its `data_dir` holds the store).
    #[arg(
        long,
        short,
        default_value = "regway.toml",
        env = "REGWAY_CONFIG",
        global = true
    )]
    pub config: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the gateway.
    Serve {
        /// The configuration file.
        #[arg(long, short, default_value = "regway.toml", env = "REGWAY_CONFIG")]
        config: PathBuf,
    },
    /// Create a demo data directory (example PKI, demo registries, grants) and run the gateway.
    Quickstart {
        /// Where to create (or reuse) the demo data directory.
        #[arg(long, default_value = "regway-data")]
        data_dir: PathBuf,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8443")]
        listen: std::net::SocketAddr,
        /// Create the data directory and print the client command, but do not start serving.
        #[arg(long)]
        no_serve: bool,
    },
    /// Prepare a data directory without serving: the store with its schema, and the audit
    /// keys (identifier HMAC key, checkpoint signing key) and the gateway's default seal.
    /// `serve` does the same on first start.
    Init {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// List the operations this gateway routes, with their adapters.
    Operations,
    /// Manage coded legal bases.
    LegalBasis {
        #[command(flatten)]
        store: StoreArgs,
        #[command(subcommand)]
        command: admin::LegalBasisCommand,
    },
    /// Manage grants: operation, legal bases, fields, validity.
    Grant {
        #[command(flatten)]
        store: StoreArgs,
        #[command(subcommand)]
        command: admin::GrantCommand,
    },
    /// Read, query and verify the audit trail.
    Audit {
        #[command(flatten)]
        store: StoreArgs,
        #[command(subcommand)]
        command: audit::AuditCommand,
    },
    /// Manage CAs (trust anchors) per environment: create, import, show.
    Ca {
        #[command(flatten)]
        store: StoreArgs,
        #[command(flatten)]
        actor: change::Actor,
        #[command(subcommand)]
        command: ca::CaCommand,
    },
    /// Manage client certificates: issue, sign-csr, import, list, show, revoke, rotate, expiring.
    Cert {
        #[command(flatten)]
        store: StoreArgs,
        #[command(flatten)]
        actor: change::Actor,
        #[command(subcommand)]
        command: cert::CertCommand,
    },
    /// Manage consumers (administrations).
    Consumer {
        #[command(flatten)]
        store: StoreArgs,
        #[command(flatten)]
        actor: change::Actor,
        #[command(subcommand)]
        command: consumer::ConsumerCommand,
    },
    /// Manage consumers' systems.
    System {
        #[command(flatten)]
        store: StoreArgs,
        #[command(flatten)]
        actor: change::Actor,
        #[command(subcommand)]
        command: consumer::SystemCommand,
    },
    /// Per-operation switches (signing results).
    Operation {
        #[command(flatten)]
        store: StoreArgs,
        #[command(flatten)]
        actor: change::Actor,
        #[command(subcommand)]
        command: operation::OperationCommand,
    },
    /// Verify signed results.
    Signature {
        #[command(subcommand)]
        command: signature::SignatureCommand,
    },
    /// List the grantable field paths of an operation.
    Fields {
        operation: String,
        #[arg(long)]
        json: bool,
    },
}

/// Run a parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve { config } => {
            let config = Config::load(&config)?;
            let running = runtime::start_until(config, server::shutdown_signal())
                .await
                .context("cannot start the gateway")?;
            running.wait().await;
            Ok(())
        }
        Command::Quickstart {
            data_dir,
            listen,
            no_serve,
        } => quickstart::run(&data_dir, listen, !no_serve).await,
        Command::LegalBasis { store, command } => admin::legal_basis(&store.config, command).await,
        Command::Grant { store, command } => admin::grant(&store.config, command).await,
        Command::Init { store } => {
            let config = Config::load(&store.config)?;
            crate::store::Store::open(&config.data_dir).await?;
            let paths = config.audit_key_paths();
            paths.ensure()?;
            println!(
                "store: {}",
                config.data_dir.join(crate::store::DATABASE_FILE).display()
            );
            println!("identifier keys: {}", paths.identifier_keys.display());
            println!("checkpoint key: {}", paths.checkpoint_key.display());
            let seal = config.seal_paths();
            if config.signatures.seal.is_none() {
                seal.ensure_self_signed("regway gateway seal")?;
            }
            println!(
                "gateway seal: {} ({})",
                seal.cert.display(),
                seal.key.display()
            );
            Ok(())
        }
        Command::Audit { store, command } => audit::run(&store.config, command).await,
        Command::Ca {
            store,
            actor,
            command,
        } => ca::ca(&store.config, &actor, command).await,
        Command::Cert {
            store,
            actor,
            command,
        } => cert::cert(&store.config, &actor, command).await,
        Command::Consumer {
            store,
            actor,
            command,
        } => consumer::consumer(&store.config, &actor, command).await,
        Command::System {
            store,
            actor,
            command,
        } => consumer::system(&store.config, &actor, command).await,
        Command::Fields { operation, json } => admin::fields(&operation, json),
        Command::Operation {
            store,
            actor,
            command,
        } => operation::run(&store.config, &actor, command).await,
        Command::Signature { command } => signature::run(command),
        Command::Operations => {
            let routes = crate::routing::Routes::from_names(
                &crate::config::AdaptersConfig::default().enabled,
            )?;
            for (op, adapter) in routes.operations() {
                println!("{op}\t{adapter}");
            }
            Ok(())
        }
    }
}
