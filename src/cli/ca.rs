//! `regway ca …`: the CAs the gateways trust, labelled by environment. An own CA (`init`) is
//! one regway holds the key of and issues with; an imported CA (`import`) is an external
//! trust anchor whose certificates can be imported.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use clap::Subcommand;
use serde_json::{json, Value};

use super::change::{open, record, Actor};
use crate::pki::files::CaFiles;
use crate::pki::{Ca, Environment, KeyAlgorithm};
use crate::store::{CaRecord, NewCa, Store};

/// How long a CRL regway signs stays valid (it is re-signed at every revocation).
pub const CRL_DAYS: i64 = 30;

#[derive(Debug, Subcommand)]
pub enum CaCommand {
    /// Create a CA that regway holds the key of (in data_dir/ca/<name>/key.pem, mode 0600).
    Init {
        /// Its name in regway: lower-case letters, digits, '.', '_' and '-'.
        name: String,
        #[arg(long, value_enum, default_value = "ecdsa-p256")]
        algorithm: KeyAlgorithm,
        /// The CA certificate's CN (default: "regway <name> CA").
        #[arg(long)]
        common_name: Option<String>,
        /// The CA certificate's O.
        #[arg(long, default_value = "regway")]
        organization: String,
        /// Validity in days.
        #[arg(long, default_value_t = 3650)]
        days: i64,
        /// The environment it serves (default: the configuration's).
        #[arg(long, value_enum)]
        environment: Option<Environment>,
        #[arg(long)]
        reason: Option<String>,
    },
    /// Trust an external CA (PEM or DER certificate) for an environment.
    Import {
        file: PathBuf,
        #[arg(long)]
        name: String,
        #[arg(long, value_enum)]
        environment: Option<Environment>,
        #[arg(long)]
        reason: Option<String>,
    },
    /// Show one CA, or every CA.
    Show {
        name: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

/// The store's rule for CA names (they are directory names too).
fn check_name(name: &str) -> anyhow::Result<()> {
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
        || name.starts_with('.')
    {
        bail!("'{name}' is not a valid CA name: use lower-case letters, digits, '.', '_' and '-' (not starting with '.')");
    }
    Ok(())
}

/// A certificate file, PEM or DER, as DER.
pub fn read_certificate(path: &Path) -> anyhow::Result<Vec<u8>> {
    use rustls::pki_types::pem::PemObject;
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    if bytes.trim_ascii_start().starts_with(b"-----") {
        Ok(rustls::pki_types::CertificateDer::from_pem_slice(&bytes)
            .with_context(|| format!("{} holds no PEM certificate", path.display()))?
            .to_vec())
    } else {
        Ok(bytes)
    }
}

fn ca_json(ca: &CaRecord) -> Value {
    json!({
        "name": ca.name, "environment": ca.environment.as_str(), "sha256": ca.sha256,
        "subject": ca.subject, "not_before": ca.not_before, "not_after": ca.not_after,
        "key_held": ca.has_key, "crl_number": ca.crl_number, "created_at": ca.created_at,
    })
}

/// The signing side of an own CA: its files, checked against the store's certificate.
pub fn load_signer(data_dir: &Path, ca: &CaRecord) -> anyhow::Result<(CaFiles, Ca)> {
    if !ca.has_key {
        bail!(
            "CA '{}' is an external CA: regway does not hold its key and cannot issue or revoke with it",
            ca.name
        );
    }
    let files = CaFiles::new(data_dir, &ca.name);
    let on_disk = read_certificate(&files.cert())?;
    if on_disk != ca.der {
        bail!(
            "{} is not the certificate the store holds for CA '{}'",
            files.cert().display(),
            ca.name
        );
    }
    let pem = std::fs::read_to_string(files.cert())?;
    let signer = files.load(&pem)?;
    Ok((files, signer))
}

/// Re-sign the CRL of an own CA from the store's revocations; store and publish it.
pub async fn refresh_crl(store: &Store, data_dir: &Path, ca: &CaRecord) -> anyhow::Result<()> {
    let (files, signer) = load_signer(data_dir, ca)?;
    let entries = store
        .revoked_serials(ca.id)
        .await?
        .into_iter()
        .map(|(serial, at)| {
            Ok(crate::pki::RevokedEntry {
                serial: hex::decode(&serial).context("a stored serial is not hex")?,
                revoked_at: time::OffsetDateTime::from_unix_timestamp(at)?,
                reason: None,
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let number = ca.crl_number + 1;
    let pem = signer.crl_of(&entries, u64::try_from(number)?, CRL_DAYS)?;
    let der = {
        use rustls::pki_types::pem::PemObject;
        rustls::pki_types::CertificateRevocationListDer::from_pem_slice(pem.as_bytes())?.to_vec()
    };
    store.set_ca_crl(ca.id, &der, number).await?;
    files.write_crl(&pem)?;
    Ok(())
}

pub async fn ca(config_path: &Path, actor: &Actor, command: CaCommand) -> anyhow::Result<()> {
    let (config, store) = open(config_path).await?;
    match command {
        CaCommand::Init {
            name,
            algorithm,
            common_name,
            organization,
            days,
            environment,
            reason,
        } => {
            check_name(&name)?;
            if days < 1 {
                bail!("--days must be at least 1");
            }
            if store.ca(&name).await.is_ok() {
                bail!("a CA named '{name}' exists already");
            }
            let environment = environment.unwrap_or(config.environment);
            let cn = common_name.unwrap_or_else(|| format!("regway {name} CA"));
            let ca = Ca::generate_with(&cn, &organization, days, algorithm)?;
            let files = CaFiles::new(&config.data_dir, &name);
            files.create(&ca)?;
            let der = read_certificate(&files.cert())?;
            let record_ = store
                .add_ca(&NewCa {
                    name: &name,
                    environment,
                    der: &der,
                    has_key: true,
                })
                .await?;
            refresh_crl(&store, &config.data_dir, &record_).await?;
            record(
                &store,
                actor,
                "ca.init",
                &name,
                reason.as_deref(),
                json!({"environment": environment.as_str(), "algorithm": format!("{algorithm:?}"),
                       "sha256": record_.sha256, "subject": record_.subject, "not_after": record_.not_after}),
            )
            .await?;
            println!(
                "created CA '{name}' ({environment}): {}\n  certificate {}\n  key         {} (keep it safe)\n  CRL         {}",
                record_.subject,
                files.cert().display(),
                files.key().display(),
                files.crl().display()
            );
        }
        CaCommand::Import {
            file,
            name,
            environment,
            reason,
        } => {
            check_name(&name)?;
            let der = read_certificate(&file)?;
            let (_, cert) = x509_parser::parse_x509_certificate(&der).map_err(|e| {
                anyhow::anyhow!("{} is not an X.509 certificate: {e}", file.display())
            })?;
            if !cert.is_ca() {
                bail!(
                    "{} is not a CA certificate (basicConstraints CA is not set)",
                    file.display()
                );
            }
            if store.ca(&name).await.is_ok() {
                bail!("a CA named '{name}' exists already");
            }
            let environment = environment.unwrap_or(config.environment);
            let r = store
                .add_ca(&NewCa {
                    name: &name,
                    environment,
                    der: &der,
                    has_key: false,
                })
                .await?;
            record(
                &store,
                actor,
                "ca.import",
                &name,
                reason.as_deref(),
                json!({"environment": environment.as_str(), "sha256": r.sha256, "subject": r.subject}),
            )
            .await?;
            println!("imported CA '{name}' ({environment}): {}", r.subject);
        }
        CaCommand::Show { name, json } => {
            let all = match name {
                Some(n) => vec![store.ca(&n).await?],
                None => store.cas().await?,
            };
            if json {
                println!("{}", Value::Array(all.iter().map(ca_json).collect()));
            } else {
                for c in all {
                    println!(
                        "{}\t{}\t{}\tkey {}\tsha256 {}\tvalid {} – {}\tCRL #{}",
                        c.name,
                        c.environment,
                        c.subject,
                        if c.has_key { "held" } else { "external" },
                        c.sha256,
                        c.not_before,
                        c.not_after,
                        c.crl_number
                    );
                }
            }
        }
    }
    Ok(())
}
