//! `regway operation …`: per-operation switches kept in the store.

use std::path::Path;

use clap::Subcommand;
use serde_json::json;

use super::change::{open, record, Actor};

#[derive(Debug, Subcommand)]
pub enum OperationCommand {
    /// Allow (`on`, the default) or forbid (`off`) signing an operation's results when a
    /// consumer asks with `SignResult` (RegiX's adapter-side `signResult`).
    SignResults {
        operation: String,
        #[arg(value_parser = ["on", "off"])]
        state: String,
        #[arg(long)]
        reason: Option<String>,
    },
}

pub async fn run(config: &Path, actor: &Actor, command: OperationCommand) -> anyhow::Result<()> {
    let (_, store) = open(config).await?;
    let OperationCommand::SignResults {
        operation,
        state,
        reason,
    } = command;
    let on = state == "on";
    store.set_operation_signing(&operation, on).await?;
    record(
        &store,
        actor,
        "operation.sign-results",
        &operation,
        reason.as_deref(),
        json!({ "sign_results": on }),
    )
    .await?;
    println!("signing results of {operation}: {state}");
    Ok(())
}
