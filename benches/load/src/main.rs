//! `regway-load`: drives the real `regway` process over mutual TLS and, in the same run, a
//! static mTLS responder built from the same stack (rustls, tokio, hyper), so the gateway's
//! throughput is reported against the ceiling the TLS and HTTP layers allow on this machine.
//!
//! ```text
//! cargo build --release -p regway -p regway-load && target/release/regway-load
//! ```
//!
//! Every byte goes to 127.0.0.1, every loop ends at a deadline, and the child processes and
//! the temporary data directory are removed on every way out.

mod attack;
mod drive;
mod procs;
mod report;
mod responder;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
use bytes::Bytes;
use clap::{Parser, Subcommand, ValueEnum};
use regway_test_support::client::{tls_config, HttpVersion, Identity};

use crate::drive::{Check, Mode, Target};
use crate::procs::ChildGuard;

/// Load benchmark: the real gateway against a static mTLS responder, over mutual TLS.
#[derive(Debug, Parser)]
#[command(name = "regway-load", about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    bench: BenchArgs,
}

#[derive(Debug, clap::Args)]
struct BenchArgs {
    /// Seconds measured per target and mode (after a 1 s warm-up).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
    duration: u64,
    /// Concurrent client connections.
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u64).range(1..=4096))]
    connections: u64,
    /// Which connection pattern to measure.
    #[arg(long, value_enum, default_value_t = ModeArg::Both)]
    mode: ModeArg,
    /// The regway executable [default: `regway` next to this executable].
    #[arg(long, env = "REGWAY_BIN")]
    regway: Option<PathBuf>,
    /// Also write the results as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Drive the gateway as a consumer granted only these fields (repeat), so the response is
    /// filtered; by default the quick start's consumer, granted `*`.
    #[arg(long = "field")]
    fields: Vec<String>,
    /// Send `<SignResult>true</SignResult>`: the gateway signs every result (XAdES-BES, default
    /// profile) with its seal, which the quick start creates self-signed (ECDSA P-256). Every
    /// reply must then carry a `ds:Signature`, and one is verified against the seal before the
    /// measurement.
    #[arg(long)]
    sign_result: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ModeArg {
    Keepalive,
    Handshake,
    Both,
}

impl ModeArg {
    fn modes(self) -> &'static [Mode] {
        match self {
            ModeArg::Keepalive => &[Mode::KeepAlive],
            ModeArg::Handshake => &[Mode::Handshake],
            ModeArg::Both => &[Mode::KeepAlive, Mode::Handshake],
        }
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The static responder (started by the benchmark itself).
    #[command(hide = true)]
    Responder(responder::Args),
    /// One hostile request, with a good client beside it: what it costs the gateway.
    Attack(attack::Args),
}

/// Time given to each measurement before it counts: connections are open, caches are warm.
const WARM_UP: Duration = Duration::from_secs(1);
/// How long a server may take to start answering.
const READY_WITHIN: Duration = Duration::from_secs(30);

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::Responder(args)) => responder::run(args).await.map(|()| true),
        Some(Command::Attack(args)) => match regway_executable(args.regway.clone()) {
            Ok(regway) => attack::run(args, regway).await,
            Err(e) => Err(e),
        },
        // On Ctrl-C the benchmark future is dropped, so its guards still clean up.
        None => tokio::select! {
            r = bench(cli.bench) => r,
            _ = tokio::signal::ctrl_c() => Err(anyhow::anyhow!("interrupted")),
        },
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("regway-load: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Run the whole benchmark; `Ok(false)` when a request failed.
async fn bench(args: BenchArgs) -> anyhow::Result<bool> {
    if cfg!(debug_assertions) {
        eprintln!("warning: regway-load is a debug build; the client will be the bottleneck (use --release)");
    }
    let regway = regway_executable(args.regway)?;

    let (dir, gateway_addr) = procs::quickstart_dir(&regway, "regway-load-")?;
    let data = dir.path();

    let consumer = if args.fields.is_empty() {
        "consumer-granted"
    } else {
        procs::grant_fields(&regway, data, &args.fields)?;
        "consumer-denied"
    };
    let pki = data.join("pki");
    let ca_pem = read(&pki.join("ca.pem"))?;
    let identity = Identity {
        cert_pem: read(&pki.join(format!("{consumer}.pem")))?,
        key_pem: read(&pki.join(format!("{consumer}.key")))?,
    };
    let mut request = read(&data.join("samples/PersonDataSearch.xml"))?;
    if args.sign_result {
        const UNSIGNED: &str = "<SignResult>false</SignResult>";
        if !request.contains(UNSIGNED) {
            bail!("the quick start's sample request has no {UNSIGNED} to turn on");
        }
        request = request.replace(UNSIGNED, "<SignResult>true</SignResult>");
    }
    let request = Bytes::from(request);
    // Resumption off: every new connection is a full handshake with the client certificate
    // verified, which is what the handshake mode measures (and what resumption would hide).
    let mut client = tls_config(&ca_pem, Some(&identity), HttpVersion::Http1)?
        .as_ref()
        .clone();
    client.resumption = rustls::client::Resumption::disabled();
    let client = Arc::new(client);

    let gateway = ChildGuard::spawn(
        "regway",
        std::process::Command::new(&regway)
            .arg("serve")
            .arg("--config")
            .arg(data.join("regway.toml"))
            .current_dir(data),
    )?;
    let responder_addr = procs::free_port()?;
    let this = std::env::current_exe().context("cannot locate this executable")?;
    let responder = ChildGuard::spawn(
        "responder",
        std::process::Command::new(this)
            .arg("responder")
            .arg("--cert")
            .arg(pki.join("server.pem"))
            .arg("--key")
            .arg(pki.join("server.key"))
            .arg("--ca")
            .arg(pki.join("ca.pem"))
            .arg("--crl")
            .arg(pki.join("crl.pem"))
            .arg("--listen")
            .arg(responder_addr.to_string()),
    )?;

    let mut targets = [
        (
            responder,
            Arc::new(Target::new(
                "responder",
                responder_addr,
                &client,
                &request,
                Check::Status,
            )),
        ),
        (
            gateway,
            Arc::new(Target::new(
                "gateway",
                gateway_addr,
                &client,
                &request,
                if args.sign_result {
                    Check::Signed
                } else {
                    Check::NoRegixError
                },
            )),
        ),
    ];
    for (child, target) in &mut targets {
        drive::wait_ready(child, target, READY_WITHIN).await?;
    }
    if args.sign_result {
        let [_, (_, gateway)] = &targets;
        verify_signed_reply(gateway, data).await?;
    }

    let duration = Duration::from_secs(args.duration);
    let connections = usize::try_from(args.connections).context("--connections")?;
    let mut results = Vec::new();
    for &mode in args.mode.modes() {
        for (child, target) in &mut targets {
            eprintln!(
                "measuring {} {} ({} s)...",
                target.name,
                mode.name(),
                args.duration
            );
            results
                .push(drive::measure(child, target, mode, connections, WARM_UP, duration).await?);
        }
    }
    drop(targets);

    let report = report::Report::new(args.duration, connections, args.sign_result, results);
    print!("{}", report.table());
    if let Some(path) = &args.json {
        report.write_json(path)?;
    }
    drop(dir);
    let failed = report.failed();
    if failed {
        eprintln!("regway-load: some requests failed (see the errors column)");
    }
    Ok(!failed)
}

/// Verify the signature of one gateway reply with the gateway's seal (created by its first
/// start in `<data>/seal/`), as a consumer would, and say who signed.
async fn verify_signed_reply(gateway: &Target, data: &Path) -> anyhow::Result<()> {
    use regway::dsig::inspect::{verify_result, Trust};
    use rustls::pki_types::{pem::PemObject, CertificateDer};
    let reply = gateway.sample().await.context("a signed reply")?;
    let seal = data.join(regway::dsig::seal::DEFAULT_CERT_FILE);
    let cert = CertificateDer::from_pem_slice(read(&seal)?.as_bytes())
        .with_context(|| format!("the seal certificate {}", seal.display()))?;
    let engine: Arc<dyn regway::dsig::XmlDsig> = Arc::new(regway::dsig::Bergshamra);
    let report = verify_result(&engine, &reply.body, &Trust::Certificate(cert.to_vec()))
        .context("the gateway's result signature does not verify")?;
    eprintln!(
        "signed results: a reply verifies ({} profile, {}, signed by {})",
        report.profile, report.signature_method, report.signer_subject
    );
    Ok(())
}

/// The regway executable to drive: `given`, or `regway` next to this executable.
fn regway_executable(given: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    let regway = match given {
        Some(p) => p,
        None => std::env::current_exe()
            .context("cannot locate this executable")?
            .parent()
            .context("this executable has no parent directory")?
            .join("regway"),
    };
    if !regway.is_file() {
        bail!(
            "no regway executable at {} (build it with `cargo build --release -p regway`, or pass --regway)",
            regway.display()
        );
    }
    Ok(regway)
}

fn read(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}
