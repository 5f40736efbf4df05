//! `regway cert …`: client certificates of consumers' systems: issued with a new key (and a
//! PKCS#12 bundle), signed from a consumer's CSR, imported from an external CA, listed,
//! rotated and revoked. A running gateway applies every change within a second.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use clap::Subcommand;
use serde_json::{json, Value};

use super::admin::{now, parse_time, show_time};
use super::ca::{load_signer, read_certificate, refresh_crl};
use super::change::{open, parse_duration, record, Actor};
use crate::pki::files::create_file;
use crate::pki::{chain, csr, p12, Environment, Issued};
use crate::store::{CaRecord, CertificateRecord, NewCertificate, Store};

/// The shortest PKCS#12 password accepted.
const MIN_PASSWORD: usize = 8;

/// Where the PKCS#12 password comes from: a file, or a prompt (never the command line, which
/// other users can read in the process list and which shells keep in their history).
#[derive(Debug, Clone, clap::Args)]
pub struct PasswordSource {
    /// A file whose first line is the PKCS#12 password (default: prompt on the terminal).
    #[arg(long)]
    password_file: Option<PathBuf>,
}

impl PasswordSource {
    fn read(&self) -> anyhow::Result<String> {
        let password = match &self.password_file {
            Some(path) => std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the password file {}", path.display()))?
                .lines()
                .next()
                .unwrap_or_default()
                .to_string(),
            None => {
                if !std::io::stdin().is_terminal() {
                    bail!("no PKCS#12 password: give --password-file, or run in a terminal to be asked");
                }
                let first = rpassword::prompt_password("PKCS#12 password: ")?;
                let again = rpassword::prompt_password("Again: ")?;
                if first != again {
                    bail!("the two passwords differ");
                }
                first
            }
        };
        if password.chars().count() < MIN_PASSWORD {
            bail!("the PKCS#12 password must have at least {MIN_PASSWORD} characters");
        }
        Ok(password)
    }
}

/// Which CA signs.
#[derive(Debug, Clone, clap::Args)]
pub struct Signing {
    /// The CA that signs (default: the only CA of the configured environment regway holds
    /// the key of).
    #[arg(long)]
    ca: Option<String>,
    /// Validity in days (cut at the CA's own end of validity).
    #[arg(long, default_value_t = 365)]
    days: i64,
}

#[derive(Debug, Subcommand)]
pub enum CertCommand {
    /// Issue a key and client certificate for a system: writes OUT.pem, OUT.key and OUT.p12.
    Issue {
        #[arg(long)]
        consumer: String,
        #[arg(long)]
        system: String,
        /// The certificate's CN (default: the system's name).
        #[arg(long)]
        common_name: Option<String>,
        /// Path prefix of the files to write (they must not exist).
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        signing: Signing,
        #[command(flatten)]
        password: PasswordSource,
        #[arg(long)]
        reason: Option<String>,
    },
    /// Sign a consumer's CSR (PEM or DER) for a system, after checking the subject rules.
    SignCsr {
        csr: PathBuf,
        #[arg(long)]
        consumer: String,
        #[arg(long)]
        system: String,
        /// Where to write the certificate (PEM; must not exist).
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        signing: Signing,
        #[arg(long)]
        reason: Option<String>,
    },
    /// Register a certificate (PEM or DER) issued by an imported external CA.
    Import {
        file: PathBuf,
        #[arg(long)]
        consumer: String,
        #[arg(long)]
        system: String,
        #[arg(long)]
        reason: Option<String>,
    },
    /// List certificates.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Show one certificate (by SHA-256 or SHA-1 thumbprint).
    Show {
        thumbprint: String,
        #[arg(long)]
        json: bool,
    },
    /// Revoke a certificate: refused by running gateways within seconds, open connections
    /// closed, CRL re-signed.
    Revoke {
        thumbprint: String,
        /// Why (recorded with the revocation and in the admin change log).
        #[arg(long)]
        reason: String,
    },
    /// Issue a successor for the same system, valid at once, and retire the old certificate
    /// at a chosen time (both work until then).
    Rotate {
        thumbprint: String,
        /// When the old certificate stops working: YYYY-MM-DD or RFC 3339.
        #[arg(
            long,
            conflicts_with = "retire_in",
            required_unless_present = "retire_in"
        )]
        retire_at: Option<String>,
        /// When the old certificate stops working, from now: e.g. 14d, 12h, 30m.
        #[arg(long)]
        retire_in: Option<String>,
        /// Sign this CSR for the successor instead of making a new key.
        #[arg(long)]
        csr: Option<PathBuf>,
        /// Path prefix (new key: OUT.pem, OUT.key, OUT.p12; with --csr: the certificate OUT.pem).
        #[arg(long)]
        out: PathBuf,
        /// Validity of the successor in days.
        #[arg(long, default_value_t = 365)]
        days: i64,
        #[command(flatten)]
        password: PasswordSource,
        #[arg(long)]
        reason: Option<String>,
    },
    /// Certificates in force whose validity ends within a time (or has ended).
    Expiring {
        /// E.g. 30d or 12h.
        #[arg(long, default_value = "30d")]
        within: String,
        #[arg(long)]
        json: bool,
    },
}

fn with_ext(prefix: &Path, ext: &str) -> PathBuf {
    let mut s = prefix.as_os_str().to_owned();
    s.push(".");
    s.push(ext);
    PathBuf::from(s)
}

/// The CA that signs: the named one, or the only own CA of `environment`.
async fn signing_ca(
    store: &Store,
    name: Option<&str>,
    environment: Environment,
) -> anyhow::Result<CaRecord> {
    if let Some(n) = name {
        return Ok(store.ca(n).await?);
    }
    let own: Vec<CaRecord> = store
        .cas()
        .await?
        .into_iter()
        .filter(|c| c.has_key && c.environment == environment)
        .collect();
    match own.len() {
        0 => bail!("there is no {environment} CA that regway holds the key of: create one with `regway ca init`, or name one with --ca"),
        1 => Ok(own.into_iter().next().context("one CA")?),
        _ => bail!(
            "several {environment} CAs can sign ({}): choose one with --ca",
            own.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// The consumer's registered name and the system's id.
async fn system_of(store: &Store, consumer: &str, system: &str) -> anyhow::Result<i64> {
    let consumer_id = store.consumer_id(consumer).await?;
    Ok(store.system_id(consumer_id, system).await?)
}

/// Write a new key's files: OUT.pem, OUT.key (0600), OUT.p12 (0600).
fn write_issued(
    out: &Path,
    issued: &Issued,
    ca_pem_der: &[u8],
    alias: &str,
    password: &str,
) -> anyhow::Result<()> {
    let key_der = rcgen::KeyPair::from_pem(&issued.key_pem)?.serialize_der();
    let bundle = p12::bundle(alias, &key_der, &[&issued.der, ca_pem_der], password)?;
    create_file(&with_ext(out, "pem"), issued.cert_pem.as_bytes(), false)?;
    create_file(&with_ext(out, "key"), issued.key_pem.as_bytes(), true)?;
    create_file(&with_ext(out, "p12"), &bundle, true)?;
    Ok(())
}

fn cert_json(c: &CertificateRecord, now: i64) -> Value {
    json!({
        "sha256": c.sha256, "sha1": c.sha1, "serial": c.serial, "subject": c.subject,
        "issuer": c.issuer, "not_before": c.not_before, "not_after": c.not_after,
        "consumer": c.consumer, "system": c.system, "ca": c.ca,
        "environment": c.environment.map(|e| e.as_str()), "state": c.state(now),
        "retire_at": c.retire_at.map(|t| show_time(Some(t))),
        "revoked_at": c.revoked_at.map(|t| show_time(Some(t))),
        "revocation_reason": c.revocation_reason, "created_at": c.created_at,
    })
}

fn cert_line(c: &CertificateRecord, now: i64) -> String {
    format!(
        "{}\t{}{}\t{}/{}\t{}\t{}\tvalid {} – {}\tsha1 {}",
        c.sha256,
        c.state(now),
        c.retire_at
            .filter(|_| c.revoked_at.is_none())
            .map(|t| format!(" (retire at {})", show_time(Some(t))))
            .unwrap_or_default(),
        c.consumer,
        c.system,
        c.environment.map(|e| e.as_str()).unwrap_or("-"),
        c.subject,
        c.not_before,
        c.not_after,
        c.sha1
    )
}

fn printed(c: &CertificateRecord) -> String {
    format!(
        "  subject {}\n  sha256  {}\n  sha1    {}\n  valid   {} – {}",
        c.subject, c.sha256, c.sha1, c.not_before, c.not_after
    )
}

pub async fn cert(config_path: &Path, actor: &Actor, command: CertCommand) -> anyhow::Result<()> {
    let (config, store) = open(config_path).await?;
    let data_dir = config.data_dir.as_path();
    match command {
        CertCommand::Issue {
            consumer,
            system,
            common_name,
            out,
            signing,
            password,
            reason,
        } => {
            let system_id = system_of(&store, &consumer, &system).await?;
            let ca = signing_ca(&store, signing.ca.as_deref(), config.environment).await?;
            let (_, signer) = load_signer(data_dir, &ca)?;
            let password = password.read()?;
            let cn = common_name.unwrap_or_else(|| system.clone());
            let issued = signer.issue_client(&cn, &consumer, signing.days)?;
            write_issued(&out, &issued, &ca.der, &cn, &password)?;
            let c = store
                .register_certificate(&NewCertificate {
                    system_id,
                    der: &issued.der,
                    ca: &ca,
                    successor_of: None,
                })
                .await?;
            record(&store, actor, "cert.issue", &c.sha256, reason.as_deref(),
                json!({"consumer": consumer, "system": system, "ca": ca.name, "subject": c.subject, "not_after": c.not_after})).await?;
            println!("issued a {} certificate for {consumer}/{system} by CA '{}':\n{}\n  files   {}.pem, .key, .p12",
                ca.environment, ca.name, printed(&c), out.display());
        }
        CertCommand::SignCsr {
            csr: path,
            consumer,
            system,
            out,
            signing,
            reason,
        } => {
            let input =
                std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
            let system_id = system_of(&store, &consumer, &system).await?;
            let checked = csr::check(&input, &consumer)
                .map_err(|e| anyhow::anyhow!("the CSR {} is refused: {e}", path.display()))?;
            let ca = signing_ca(&store, signing.ca.as_deref(), config.environment).await?;
            let (_, signer) = load_signer(data_dir, &ca)?;
            let issued = signer.sign_client_csr(&checked, signing.days)?;
            create_file(&out, issued.cert_pem.as_bytes(), false)?;
            let c = store
                .register_certificate(&NewCertificate {
                    system_id,
                    der: &issued.der,
                    ca: &ca,
                    successor_of: None,
                })
                .await?;
            record(&store, actor, "cert.sign_csr", &c.sha256, reason.as_deref(),
                json!({"consumer": consumer, "system": system, "ca": ca.name, "subject": c.subject, "key": checked.key, "not_after": c.not_after})).await?;
            println!(
                "signed the CSR ({}) for {consumer}/{system} by CA '{}' ({}):\n{}\n  file    {}",
                checked.key,
                ca.name,
                ca.environment,
                printed(&c),
                out.display()
            );
        }
        CertCommand::Import {
            file,
            consumer,
            system,
            reason,
        } => {
            let der = read_certificate(&file)?;
            let system_id = system_of(&store, &consumer, &system).await?;
            let cas = store.cas().await?;
            let mut reasons = Vec::new();
            let mut issuer = None;
            for ca in cas {
                match chain::verify_client(&der, &ca.der) {
                    Ok(()) => {
                        issuer = Some(ca);
                        break;
                    }
                    Err(e) => reasons.push(format!("{}: {e}", ca.name)),
                }
            }
            let Some(ca) = issuer else {
                bail!("{} is not a valid client certificate of any CA in the store (import its CA first with `regway ca import`){}",
                    file.display(),
                    if reasons.is_empty() { String::new() } else { format!("; {}", reasons.join("; ")) });
            };
            let c = store
                .register_certificate(&NewCertificate {
                    system_id,
                    der: &der,
                    ca: &ca,
                    successor_of: None,
                })
                .await?;
            record(&store, actor, "cert.import", &c.sha256, reason.as_deref(),
                json!({"consumer": consumer, "system": system, "ca": ca.name, "subject": c.subject})).await?;
            println!(
                "imported a {} certificate of CA '{}' for {consumer}/{system}:\n{}",
                ca.environment,
                ca.name,
                printed(&c)
            );
        }
        CertCommand::List { json } => {
            let t = now();
            let all = store.certificates().await?;
            if json {
                println!(
                    "{}",
                    Value::Array(all.iter().map(|c| cert_json(c, t)).collect())
                );
            } else {
                all.iter().for_each(|c| println!("{}", cert_line(c, t)));
            }
        }
        CertCommand::Show { thumbprint, json } => {
            let c = store.certificate(&thumbprint).await?;
            let t = now();
            if json {
                println!("{}", cert_json(&c, t));
            } else {
                println!(
                    "{}/{}  {}  ({})\n{}\n  issuer  {}\n  CA      {}\n  serial  {}{}",
                    c.consumer,
                    c.system,
                    c.state(t),
                    c.environment
                        .map(|e| e.as_str())
                        .unwrap_or("no environment label"),
                    printed(&c),
                    c.issuer,
                    c.ca.as_deref().unwrap_or("-"),
                    c.serial.as_deref().unwrap_or("-"),
                    match (&c.revoked_at, &c.retire_at) {
                        (Some(at), _) => format!(
                            "\n  revoked {} ({})",
                            show_time(Some(*at)),
                            c.revocation_reason.as_deref().unwrap_or("")
                        ),
                        (None, Some(at)) => format!("\n  retires {}", show_time(Some(*at))),
                        _ => String::new(),
                    }
                );
            }
        }
        CertCommand::Revoke { thumbprint, reason } => {
            if reason.trim().is_empty() {
                bail!("--reason must say why the certificate is revoked");
            }
            let c = store.certificate(&thumbprint).await?;
            if let Some(at) = c.revoked_at {
                bail!(
                    "certificate {} was revoked already, at {}",
                    c.sha256,
                    show_time(Some(at))
                );
            }
            let at = now();
            store.revoke_certificate(c.id, &reason, at).await?;
            let mut crl = Value::Null;
            if let Some(ca_id) = c.ca_id {
                if let Some(ca) = store
                    .cas()
                    .await?
                    .into_iter()
                    .find(|a| a.id == ca_id && a.has_key)
                {
                    refresh_crl(&store, data_dir, &ca).await?;
                    crl = json!({"ca": ca.name, "number": ca.crl_number + 1});
                }
            }
            record(&store, actor, "cert.revoke", &c.sha256, Some(&reason),
                json!({"consumer": c.consumer, "system": c.system, "subject": c.subject, "serial": c.serial, "crl": crl})).await?;
            println!(
                "revoked {} ({}/{}); running gateways refuse it within seconds",
                c.sha256, c.consumer, c.system
            );
        }
        CertCommand::Rotate {
            thumbprint,
            retire_at,
            retire_in,
            csr: csr_path,
            out,
            days,
            password,
            reason,
        } => {
            let old = store.certificate(&thumbprint).await?;
            let t = now();
            if old.state(t) != "active" {
                bail!("certificate {} is {}: only an active certificate without a retirement time can be rotated", old.sha256, old.state(t));
            }
            let retire = match (retire_at, retire_in) {
                (Some(at), _) => parse_time(&at)?,
                (None, Some(d)) => t + parse_duration(&d)?,
                (None, None) => bail!("give --retire-at or --retire-in"),
            };
            if retire < t {
                bail!(
                    "the retirement time {} is in the past",
                    show_time(Some(retire))
                );
            }
            let ca_id = old.ca_id.context("the certificate was not issued by a CA of the store (it was registered directly); issue a new one with `regway cert issue`")?;
            let ca = store
                .cas()
                .await?
                .into_iter()
                .find(|a| a.id == ca_id)
                .context("the certificate's CA is missing")?;
            let (_, signer) = load_signer(data_dir, &ca)
                .context("rotate issues the successor with the old certificate's CA; for an external CA, import the successor with `regway cert import` and revoke the old one when the consumer has switched")?;
            let issued = match &csr_path {
                Some(path) => {
                    let input = std::fs::read(path)
                        .with_context(|| format!("cannot read {}", path.display()))?;
                    let checked = csr::check(&input, &old.consumer).map_err(|e| {
                        anyhow::anyhow!("the CSR {} is refused: {e}", path.display())
                    })?;
                    let issued = signer.sign_client_csr(&checked, days)?;
                    create_file(&with_ext(&out, "pem"), issued.cert_pem.as_bytes(), false)?;
                    issued
                }
                None => {
                    let password = password.read()?;
                    let (_, parsed) = x509_parser::parse_x509_certificate(&old.der)
                        .map_err(|e| anyhow::anyhow!("{e}"))?;
                    let cn = parsed
                        .subject()
                        .iter_common_name()
                        .next()
                        .and_then(|a| a.as_str().ok())
                        .unwrap_or(&old.system)
                        .to_string();
                    let issued = signer.issue_client(&cn, &old.consumer, days)?;
                    write_issued(&out, &issued, &ca.der, &cn, &password)?;
                    issued
                }
            };
            let new = store
                .register_certificate(&NewCertificate {
                    system_id: old.system_id,
                    der: &issued.der,
                    ca: &ca,
                    successor_of: Some(old.id),
                })
                .await?;
            store.set_certificate_retire_at(old.id, retire).await?;
            record(&store, actor, "cert.rotate", &old.sha256, reason.as_deref(),
                json!({"successor": new.sha256, "retire_at": show_time(Some(retire)), "consumer": old.consumer, "system": old.system})).await?;
            println!("issued the successor of {} for {}/{} (valid now):\n{}\nthe old certificate stops working at {}",
                old.sha256, old.consumer, old.system, printed(&new), show_time(Some(retire)));
        }
        CertCommand::Expiring { within, json } => {
            let secs = parse_duration(&within)?;
            let t = now();
            let due = store.expiring(t, secs).await?;
            if json {
                println!(
                    "{}",
                    Value::Array(due.iter().map(|c| cert_json(c, t)).collect())
                );
            } else if due.is_empty() {
                println!("no certificate in force ends within {within}");
            } else {
                due.iter().for_each(|c| println!("{}", cert_line(c, t)));
            }
        }
    }
    Ok(())
}
