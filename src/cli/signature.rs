//! `regway signature verify`: check a saved signed result and say who signed it, when, and
//! what the signature covers.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::Subcommand;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;

use crate::dsig::inspect::{verify_result, Trust};
use crate::dsig::{Bergshamra, XmlDsig};

#[derive(Debug, Subcommand)]
pub enum SignatureCommand {
    /// Verify a saved signed `ServiceResultData` (either profile), or a whole SOAP response
    /// (the default `xades` profile verifies in place). Exits non-zero when it does not verify.
    Verify {
        file: PathBuf,
        /// The signer must be exactly this certificate (PEM).
        #[arg(long, conflicts_with = "trust")]
        cert: Option<PathBuf>,
        /// The signer's certificate must be issued by this CA (PEM) and valid now.
        #[arg(long)]
        trust: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
}

fn pem_cert(path: &PathBuf) -> anyhow::Result<Vec<u8>> {
    let pem = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(CertificateDer::from_pem_slice(&pem)
        .with_context(|| format!("{} holds no PEM certificate", path.display()))?
        .to_vec())
}

pub fn run(command: SignatureCommand) -> anyhow::Result<()> {
    let SignatureCommand::Verify {
        file,
        cert,
        trust,
        json,
    } = command;
    let text = std::fs::read_to_string(&file)
        .with_context(|| format!("cannot read {} as UTF-8 text", file.display()))?;
    let trust = match (cert, trust) {
        (Some(c), _) => Trust::Certificate(pem_cert(&c)?),
        (None, Some(ca)) => Trust::Issuer(pem_cert(&ca)?),
        (None, None) => Trust::Embedded,
    };
    let engine: Arc<dyn XmlDsig> = Arc::new(Bergshamra);
    let report = verify_result(&engine, &text, &trust)
        .with_context(|| format!("{}: the signature does not verify", file.display()))?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    println!(
        "signature: valid ({} profile, {})",
        report.profile, report.signature_method
    );
    println!("signed by: {}", report.signer_subject);
    println!(
        "issuer:    {} (serial {})",
        report.signer_issuer, report.signer_serial
    );
    println!("sha-256:   {}", report.signer_sha256);
    if !report.anchored {
        println!("trust:     NOT CHECKED (the certificate inside the signature was used; give --cert or --trust)");
    }
    println!(
        "signed at: {}",
        report.signing_time.as_deref().unwrap_or("(no SigningTime)")
    );
    println!(
        "covers:    Data ({}) and the XAdES signed properties [{}]",
        report.data_parts.join(", "),
        report.covered.join(" ")
    );
    Ok(())
}
