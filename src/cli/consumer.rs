//! `regway consumer …` and `regway system …`: the administrations that call regway and their
//! systems, which certificates and grants belong to.

use std::path::Path;

use clap::Subcommand;
use serde_json::{json, Value};

use super::change::{open, record, Actor};
use crate::dsig::wssec::RequestPolicy;
use crate::dsig::Profile;

#[derive(Debug, Subcommand)]
pub enum ConsumerCommand {
    /// Register a consumer (an administration).
    Add {
        /// Its registered name (the O of its certificates' subject must equal it).
        name: String,
        /// Its OID, as RegiX knows it.
        #[arg(long)]
        oid: Option<String>,
        /// Why (decision, request or file number), for the admin change log.
        #[arg(long)]
        reason: Option<String>,
    },
    /// List consumers.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Set a consumer's signature policy: whether its requests must be signed (WS-Security),
    /// and the form of its signed results.
    Signatures {
        name: String,
        /// `required`, `optional` (verified when present; the default) or `off`.
        #[arg(long)]
        requests: Option<String>,
        /// `xades` (the default) or `regix-legacy` (RegiX's RSA-SHA1 form).
        #[arg(long)]
        results: Option<String>,
        #[arg(long)]
        reason: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum SystemCommand {
    /// Register a system of a consumer.
    Add {
        #[arg(long)]
        consumer: String,
        name: String,
        #[arg(long)]
        reason: Option<String>,
    },
    /// List systems.
    List {
        #[arg(long)]
        json: bool,
    },
}

pub async fn consumer(
    config: &Path,
    actor: &Actor,
    command: ConsumerCommand,
) -> anyhow::Result<()> {
    let (_, store) = open(config).await?;
    match command {
        ConsumerCommand::Add { name, oid, reason } => {
            if name.trim().is_empty() {
                anyhow::bail!("a consumer's name must not be empty");
            }
            if store.consumer_id(&name).await.is_ok() {
                anyhow::bail!("consumer '{name}' exists already");
            }
            let id = store.add_consumer(&name, oid.as_deref()).await?;
            record(
                &store,
                actor,
                "consumer.add",
                &name,
                reason.as_deref(),
                json!({"id": id, "oid": oid}),
            )
            .await?;
            println!("added consumer '{name}'");
        }
        ConsumerCommand::Signatures {
            name,
            requests,
            results,
            reason,
        } => {
            let requests = requests
                .map(|r| {
                    RequestPolicy::parse(&r).ok_or_else(|| {
                        anyhow::anyhow!("--requests must be required, optional or off, not '{r}'")
                    })
                })
                .transpose()?;
            let results = results
                .map(|r| {
                    Profile::parse(&r).ok_or_else(|| {
                        anyhow::anyhow!("--results must be xades or regix-legacy, not '{r}'")
                    })
                })
                .transpose()?;
            if requests.is_none() && results.is_none() {
                anyhow::bail!("nothing to change: give --requests and/or --results");
            }
            store
                .set_consumer_signatures(&name, requests, results)
                .await?;
            record(
                &store,
                actor,
                "consumer.signatures",
                &name,
                reason.as_deref(),
                json!({"requests": requests.map(RequestPolicy::name), "results": results.map(Profile::name)}),
            )
            .await?;
            println!("updated the signature policy of consumer '{name}'");
        }
        ConsumerCommand::List { json } => {
            let all = store.consumers().await?;
            if json {
                let rows: Vec<Value> = all
                    .iter()
                    .map(|c| json!({"name": c.name, "oid": c.oid, "active": c.active, "created_at": c.created_at, "request_signature": c.request_signature, "result_profile": c.result_profile}))
                    .collect();
                println!("{}", Value::Array(rows));
            } else {
                for c in all {
                    println!(
                        "{}\t{}\t{}\trequests:{}\tresults:{}",
                        c.name,
                        c.oid.as_deref().unwrap_or("-"),
                        if c.active { "active" } else { "inactive" },
                        c.request_signature,
                        c.result_profile
                    );
                }
            }
        }
    }
    Ok(())
}

pub async fn system(config: &Path, actor: &Actor, command: SystemCommand) -> anyhow::Result<()> {
    let (_, store) = open(config).await?;
    match command {
        SystemCommand::Add {
            consumer,
            name,
            reason,
        } => {
            if name.trim().is_empty() {
                anyhow::bail!("a system's name must not be empty");
            }
            let consumer_id = store.consumer_id(&consumer).await?;
            if store.system_id(consumer_id, &name).await.is_ok() {
                anyhow::bail!("consumer '{consumer}' has a system '{name}' already");
            }
            let id = store.add_system(consumer_id, &name).await?;
            let target = format!("{consumer}/{name}");
            record(
                &store,
                actor,
                "system.add",
                &target,
                reason.as_deref(),
                json!({"id": id}),
            )
            .await?;
            println!("added system '{name}' of '{consumer}'");
        }
        SystemCommand::List { json } => {
            let all = store.systems().await?;
            if json {
                let rows: Vec<Value> = all
                    .iter()
                    .map(|s| json!({"consumer": s.consumer, "name": s.name, "active": s.active, "created_at": s.created_at}))
                    .collect();
                println!("{}", Value::Array(rows));
            } else {
                for s in all {
                    println!(
                        "{}/{}\t{}",
                        s.consumer,
                        s.name,
                        if s.active { "active" } else { "inactive" }
                    );
                }
            }
        }
    }
    Ok(())
}
