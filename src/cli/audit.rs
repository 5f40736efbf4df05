//! `regway audit …`: verify the trail, prove a record, and answer questions about calls —
//! including "who looked at this person", asked with the identifier and answered through its
//! pseudonyms.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use clap::Subcommand;
use serde_json::{json, Value};

use super::admin::parse_time;
use super::change::{record, Actor};
use crate::audit::proof::{self, InclusionProof};
use crate::audit::record::timestamp;
use crate::audit::verify::{self, Fault};
use crate::audit::{self, CheckpointKey, IdentifierKeys, PublicKey};
use crate::config::Config;
use crate::store::audit::{self as table, AuditQuery, Checkpoint, StoredRecord};
use crate::store::Store;

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the chain, every checkpoint signature and tree head, and the query columns; name
    /// the first bad record. Exits non-zero when the trail fails.
    Verify {
        /// The trusted checkpoint public key (PEM); default: the gateway's own key.
        #[arg(long)]
        key: Option<PathBuf>,
    },
    /// Seal everything recorded so far with a signed checkpoint now.
    Checkpoint,
    /// Print the latest signed tree head (JSON), to publish or keep elsewhere.
    Head,
    /// Print the checkpoint public key (PEM), which verifiers pin.
    Key,
    /// Print an inclusion proof of record SEQ against the latest (or the given) tree head.
    Proof {
        seq: u64,
        /// A tree head printed earlier by `regway audit head`.
        #[arg(long)]
        head: Option<PathBuf>,
    },
    /// Check an inclusion proof offline, against a published tree head and the pinned key.
    VerifyProof {
        proof: PathBuf,
        #[arg(long)]
        head: PathBuf,
        #[arg(long)]
        key: PathBuf,
    },
    /// List records matching every given filter, oldest first.
    Query {
        #[arg(long)]
        consumer: Option<String>,
        #[arg(long)]
        operation: Option<String>,
        #[arg(long)]
        legal_basis: Option<String>,
        /// `ok`, or an error code such as `access.not-granted`.
        #[arg(long)]
        outcome: Option<String>,
        /// `call` or `admin`.
        #[arg(long)]
        kind: Option<String>,
        /// The id returned to the consumer in the `X-Regway-Correlation-Id` header.
        #[arg(long)]
        correlation_id: Option<String>,
        /// From this time (YYYY-MM-DD or RFC 3339), inclusive.
        #[arg(long)]
        from: Option<String>,
        /// Until this time, exclusive.
        #[arg(long)]
        to: Option<String>,
        #[arg(long)]
        limit: Option<u64>,
        #[arg(long)]
        json: bool,
    },
    /// Who asked about a subject (an EGN, a UIC…): when, under what legal basis, which fields.
    /// The identifier is read from standard input unless given (an argument ends up in shell
    /// history).
    Subject {
        identifier: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Export records as JSON lines (record, sequence number and chain hashes).
    Export {
        #[arg(long)]
        from: Option<String>,
        #[arg(long)]
        to: Option<String>,
    },
    /// Add a fresh identifier key; new records use it, older pseudonyms stay searchable.
    /// Restart the gateway to apply it.
    RotateIdentifierKey,
}

fn time_bound(text: &Option<String>) -> anyhow::Result<Option<String>> {
    text.as_deref()
        .map(|t| {
            let secs = parse_time(t)?;
            let at = time::OffsetDateTime::from_unix_timestamp(secs)
                .with_context(|| format!("'{t}' is out of range"))?;
            Ok(timestamp(at))
        })
        .transpose()
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> anyhow::Result<T> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not valid here", path.display()))
}

fn record_json(r: &StoredRecord) -> Value {
    let record: Value = serde_json::from_str(&r.record).unwrap_or(Value::String(r.record.clone()));
    json!({"seq": r.seq, "hash": r.hash, "prev_hash": r.prev_hash, "record": record})
}

/// One line a person can read: when, who, what, under which legal basis, how it ended.
fn record_line(r: &StoredRecord) -> String {
    let v: Value = serde_json::from_str(&r.record).unwrap_or(Value::Null);
    let s = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("-").to_string();
    if r.kind == "admin" {
        return format!(
            "#{}\t{}\tadmin\t{}\t{} {}\t{}",
            r.seq,
            r.at,
            s("actor"),
            s("action"),
            s("target"),
            s("reason")
        );
    }
    let fields = v
        .get("fields")
        .and_then(Value::as_array)
        .map(|f| {
            f.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(",")
        })
        .filter(|f| !f.is_empty())
        .unwrap_or_else(|| "-".into());
    format!(
        "#{}\t{}\t{}/{}\t{}\tlegal basis: {}\t{}\tfields: {}\tcorrelation {}",
        r.seq,
        r.at,
        s("consumer"),
        s("system"),
        s("operation"),
        s("legal_basis"),
        r.outcome,
        fields,
        s("correlation_id"),
    )
}

fn print_records(records: &[StoredRecord], json: bool) {
    if json {
        println!(
            "{}",
            Value::Array(records.iter().map(record_json).collect())
        );
    } else {
        records.iter().for_each(|r| println!("{}", record_line(r)));
    }
}

pub async fn run(config_path: &Path, command: AuditCommand) -> anyhow::Result<()> {
    match command {
        // Offline: needs neither the configuration nor the store.
        AuditCommand::VerifyProof { proof, head, key } => verify_proof(&proof, &head, &key),
        command => online(config_path, command).await,
    }
}

fn verify_proof(proof: &Path, head: &Path, key: &Path) -> anyhow::Result<()> {
    let proof: InclusionProof = read_json(proof)?;
    let head: Checkpoint = read_json(head)?;
    let key = PublicKey::from_pem_file(key)?;
    proof::verify_proof(&proof, &head, &key).context("the proof does not hold")?;
    println!(
        "OK: record #{} is in the trail sealed at size {} (root {}, signed {} by key {})",
        proof.seq, head.tree_size, head.root, head.at, head.key_id
    );
    Ok(())
}

async fn online(config_path: &Path, command: AuditCommand) -> anyhow::Result<()> {
    let config = Config::load(config_path)?;
    let paths = config.audit_key_paths();
    let store = Store::open(&config.data_dir).await?;
    match command {
        AuditCommand::VerifyProof { proof, head, key } => verify_proof(&proof, &head, &key)?,
        AuditCommand::Verify { key } => {
            let key = match key {
                Some(k) => PublicKey::from_pem_file(&k)?,
                None => CheckpointKey::load(&paths.checkpoint_key)?.public(),
            };
            match verify::verify(&store, &key).await? {
                Ok(report) => {
                    println!(
                        "OK: {} records, {} checkpoints; sealed through #{}; {} records not sealed yet",
                        report.records,
                        report.checkpoints,
                        report.sealed,
                        report.unsealed()
                    );
                }
                Err(fault) => {
                    let what = match &fault {
                        Fault::Record { seq, .. } => format!("first bad record: #{seq}"),
                        Fault::Checkpoint { id, .. } => format!("bad checkpoint: {id}"),
                    };
                    bail!("the audit trail FAILED verification ({what}): {fault}");
                }
            }
        }
        AuditCommand::Checkpoint => {
            let key = CheckpointKey::load_or_create(&paths.checkpoint_key)?;
            let path = store.database_path();
            let sealed = tokio::task::spawn_blocking(move || {
                let conn = table::open_writer(&path)?;
                let mut frontier = table::frontier(&conn)?;
                audit::seal(&conn, &mut frontier, &key)
            })
            .await??;
            match sealed {
                Some(c) => println!("sealed records 1..{} (root {})", c.tree_size, c.root),
                None => println!("nothing new to seal"),
            }
        }
        AuditCommand::Head => {
            let head = store
                .audit_checkpoints()
                .await?
                .pop()
                .context("no checkpoint yet (run `regway audit checkpoint`)")?;
            println!("{}", serde_json::to_string_pretty(&head)?);
        }
        AuditCommand::Key => {
            let key = CheckpointKey::load(&paths.checkpoint_key)?;
            print!("{}", key.public_pem());
        }
        AuditCommand::Proof { seq, head } => {
            let head: Option<Checkpoint> = head.as_deref().map(read_json).transpose()?;
            let p = proof::prove(&store, seq, head.as_ref()).await?;
            println!("{}", serde_json::to_string_pretty(&p)?);
        }
        AuditCommand::Query {
            consumer,
            operation,
            legal_basis,
            outcome,
            kind,
            correlation_id,
            from,
            to,
            limit,
            json,
        } => {
            let q = AuditQuery {
                consumer,
                operation,
                legal_basis: legal_basis.map(|l| l.to_ascii_uppercase()),
                outcome,
                kind,
                correlation_id,
                from: time_bound(&from)?,
                to: time_bound(&to)?,
                limit,
            };
            print_records(&store.audit_query(&q).await?, json);
        }
        AuditCommand::Subject { identifier, json } => {
            let identifier = match identifier {
                Some(i) => i,
                None => {
                    let mut line = String::new();
                    std::io::stdin()
                        .lock()
                        .read_line(&mut line)
                        .context("cannot read the identifier from standard input")?;
                    line
                }
            };
            if identifier.trim().is_empty() {
                bail!("no identifier given");
            }
            let keys = IdentifierKeys::load(&paths.identifier_keys)?;
            let records = store
                .audit_by_subject(&keys.all_pseudonyms(&identifier))
                .await?;
            print_records(&records, json);
        }
        AuditCommand::Export { from, to } => {
            let q = AuditQuery {
                from: time_bound(&from)?,
                to: time_bound(&to)?,
                ..AuditQuery::default()
            };
            let mut out = std::io::stdout().lock();
            for r in store.audit_query(&q).await? {
                writeln!(out, "{}", record_json(&r))?;
            }
        }
        AuditCommand::RotateIdentifierKey => {
            let id = IdentifierKeys::rotate(&paths.identifier_keys)?;
            let file = paths.identifier_keys.display().to_string();
            record(
                &store,
                &Actor::default(),
                "audit.rotate_identifier_key",
                &id,
                None,
                json!({ "file": file }),
            )
            .await?;
            println!("identifier key {id} is now current; restart the gateway to use it");
        }
    }
    Ok(())
}
