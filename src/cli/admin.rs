//! Administration of legal bases and grants, and the grantable fields of an operation.
//!
//! Every change goes to the store; a running gateway picks it up within a second (it watches
//! the store), so nothing here talks to the gateway.

use std::path::Path;

use anyhow::{bail, Context};
use clap::Subcommand;
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::change::{record, Actor};
use crate::config::Config;
use crate::policy::fields::FieldSet;
use crate::policy::legal_basis::normalize_code;
use crate::routing::Routes;
use crate::store::{GrantVersion, Grantee, LegalBasis, NewGrant, Store};

/// A validity window from the command line.
#[derive(Debug, clap::Args)]
pub struct Validity {
    /// Start of validity: YYYY-MM-DD or RFC 3339 (default: now).
    #[arg(long)]
    valid_from: Option<String>,
    /// End of validity, exclusive (default: none).
    #[arg(long)]
    valid_to: Option<String>,
}

impl Validity {
    /// (from, to) in Unix seconds.
    fn window(&self) -> anyhow::Result<(i64, Option<i64>)> {
        let from = self.valid_from.as_deref().map(parse_time).transpose()?;
        let to = self.valid_to.as_deref().map(parse_time).transpose()?;
        Ok((from.unwrap_or_else(now), to))
    }
}

#[derive(Debug, Subcommand)]
pub enum LegalBasisCommand {
    /// Register a coded legal basis.
    Add {
        /// The code consumers cite at the start of CallContext/LawReason (ASCII letters,
        /// digits, . _ / -; stored upper-case).
        code: String,
        #[arg(long)]
        title: String,
        /// The article of law, as people cite it.
        #[arg(long)]
        citation: String,
        #[command(flatten)]
        validity: Validity,
    },
    /// List legal bases.
    List {
        #[arg(long)]
        json: bool,
    },
    /// End a legal basis's validity (it stays on record; grants citing it stop working).
    Retire {
        code: String,
        /// When (default: now).
        #[arg(long)]
        at: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum GrantCommand {
    /// Grant a consumer (or one of its systems) an operation under legal bases, with fields.
    Add {
        #[arg(long)]
        consumer: String,
        /// Limit the grant to one system of the consumer.
        #[arg(long)]
        system: Option<String>,
        #[arg(long)]
        operation: String,
        /// A legal basis the grant accepts (repeat for several).
        #[arg(long = "legal-basis", required = true)]
        legal_bases: Vec<String>,
        /// A field path the consumer may see (repeat; `*` for all; `P.*` for a subtree).
        /// See `regway fields <operation>`.
        #[arg(long = "field", required = true)]
        fields: Vec<String>,
        #[command(flatten)]
        validity: Validity,
        /// Who grants it.
        #[arg(long)]
        by: String,
        /// Why (the decision, request or file number).
        #[arg(long)]
        reason: String,
    },
    /// List the current version of every grant.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Show every version of a grant.
    Show {
        id: i64,
        #[arg(long)]
        json: bool,
    },
    /// Revoke a grant (a new version; history is kept).
    Revoke {
        id: i64,
        #[arg(long)]
        by: String,
        #[arg(long)]
        reason: String,
    },
}

/// A date or instant from the command line, as Unix seconds.
pub(crate) fn parse_time(text: &str) -> anyhow::Result<i64> {
    if let Ok(t) = OffsetDateTime::parse(text, &Rfc3339) {
        return Ok(t.unix_timestamp());
    }
    let date = time::Date::parse(
        text,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .with_context(|| format!("'{text}' is neither YYYY-MM-DD nor an RFC 3339 time"))?;
    Ok(date.midnight().assume_utc().unix_timestamp())
}

pub(crate) fn show_time(t: Option<i64>) -> String {
    t.and_then(|t| OffsetDateTime::from_unix_timestamp(t).ok())
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| "-".to_string())
}

pub(crate) fn now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

async fn open(config: &Path) -> anyhow::Result<(Store, Routes)> {
    let config = Config::load(config)?;
    let routes = Routes::from_names(&config.adapters.enabled)?;
    let store = Store::open(&config.data_dir).await?;
    store.register_operations(routes.operations()).await?;
    Ok((store, routes))
}

pub async fn legal_basis(config: &Path, command: LegalBasisCommand) -> anyhow::Result<()> {
    let (store, _) = open(config).await?;
    match command {
        LegalBasisCommand::Add {
            code,
            title,
            citation,
            validity,
        } => {
            let Some(code) = normalize_code(&code) else {
                bail!("'{code}' is not a valid legal-basis code: use ASCII letters, digits and . _ / -");
            };
            let (valid_from, valid_to) = validity.window()?;
            let lb = LegalBasis {
                code,
                title,
                citation,
                valid_from,
                valid_to,
            };
            store.add_legal_basis(&lb).await?;
            record(
                &store,
                &Actor::default(),
                "legal_basis.add",
                &lb.code,
                None,
                json!({"title": lb.title, "citation": lb.citation,
                       "valid_from": show_time(Some(lb.valid_from)), "valid_to": lb.valid_to.map(|t| show_time(Some(t)))}),
            )
            .await?;
            println!("added legal basis {}", lb.code);
        }
        LegalBasisCommand::List { json } => {
            let all = store.legal_bases().await?;
            if json {
                let rows: Vec<Value> = all
                    .iter()
                    .map(|l| {
                        json!({"code": l.code, "title": l.title, "citation": l.citation,
                               "valid_from": show_time(Some(l.valid_from)), "valid_to": l.valid_to.map(|t| show_time(Some(t)))})
                    })
                    .collect();
                println!("{}", Value::Array(rows));
            } else {
                for l in all {
                    println!(
                        "{}\t{} – {}\t{}\t{}",
                        l.code,
                        show_time(Some(l.valid_from)),
                        show_time(l.valid_to),
                        l.title,
                        l.citation
                    );
                }
            }
        }
        LegalBasisCommand::Retire { code, at } => {
            let code = normalize_code(&code).context("not a valid legal-basis code")?;
            let at = at
                .as_deref()
                .map(parse_time)
                .transpose()?
                .unwrap_or_else(now);
            store.retire_legal_basis(&code, at).await?;
            record(
                &store,
                &Actor::default(),
                "legal_basis.retire",
                &code,
                None,
                json!({"valid_to": show_time(Some(at))}),
            )
            .await?;
            println!(
                "legal basis {code} is not in force from {}",
                show_time(Some(at))
            );
        }
    }
    Ok(())
}

fn grant_json(g: &GrantVersion) -> Value {
    json!({
        "grant": g.grant_id, "version": g.version, "consumer": g.consumer, "system": g.system,
        "operation": g.operation, "legal_bases": g.legal_bases, "fields": g.fields,
        "valid_from": show_time(Some(g.valid_from)), "valid_to": g.valid_to.map(|t| show_time(Some(t))),
        "revoked": g.revoked, "granted_by": g.granted_by, "reason": g.reason, "created_at": g.created_at,
    })
}

fn grant_line(g: &GrantVersion) -> String {
    format!(
        "#{} v{}{}\t{}{}\t{}\tlegal bases: {}\tfields: {}\tvalid {} – {}\tby {}: {}",
        g.grant_id,
        g.version,
        if g.revoked { " REVOKED" } else { "" },
        g.consumer,
        g.system
            .as_deref()
            .map(|s| format!("/{s}"))
            .unwrap_or_default(),
        g.operation,
        g.legal_bases.join(","),
        g.fields.join(","),
        show_time(Some(g.valid_from)),
        show_time(g.valid_to),
        g.granted_by,
        g.reason
    )
}

pub async fn grant(config: &Path, command: GrantCommand) -> anyhow::Result<()> {
    let (store, routes) = open(config).await?;
    match command {
        GrantCommand::Add {
            consumer,
            system,
            operation,
            legal_bases,
            fields,
            validity,
            by,
            reason,
        } => {
            let (valid_from, valid_to) = validity.window()?;
            let route = routes.get(&operation).with_context(|| {
                format!("no adapter serves the operation '{operation}' (see `regway operations`)")
            })?;
            // Refuse unknown paths now, with the valid ones, rather than at call time.
            FieldSet::parse_for(&fields, &route.spec)?;
            let codes = legal_bases
                .iter()
                .map(|c| {
                    normalize_code(c)
                        .with_context(|| format!("'{c}' is not a valid legal-basis code"))
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            let consumer_id = store.consumer_id(&consumer).await?;
            let grantee = match &system {
                Some(s) => Grantee::System(store.system_id(consumer_id, s).await?),
                None => Grantee::Consumer(consumer_id),
            };
            let grant = NewGrant {
                grantee,
                operation,
                legal_bases: codes,
                fields,
                valid_from,
                valid_to,
                granted_by: by,
                reason,
            };
            let id = store.add_grant(&grant).await?;
            let history = store.grant_history(id).await?;
            let details = history.last().map(grant_json).unwrap_or(Value::Null);
            record(
                &store,
                &Actor::named(&grant.granted_by),
                "grant.add",
                &id.to_string(),
                Some(&grant.reason),
                details,
            )
            .await?;
            println!("added grant #{id}");
        }
        GrantCommand::List { json } => {
            let all = store.current_grants().await?;
            if json {
                println!("{}", Value::Array(all.iter().map(grant_json).collect()));
            } else {
                all.iter().for_each(|g| println!("{}", grant_line(g)));
            }
        }
        GrantCommand::Show { id, json } => {
            let history = store.grant_history(id).await?;
            if json {
                println!("{}", Value::Array(history.iter().map(grant_json).collect()));
            } else {
                history.iter().for_each(|g| println!("{}", grant_line(g)));
            }
        }
        GrantCommand::Revoke { id, by, reason } => {
            let version = store.revoke_grant(id, &by, &reason).await?;
            record(
                &store,
                &Actor::named(&by),
                "grant.revoke",
                &id.to_string(),
                Some(&reason),
                json!({"version": version}),
            )
            .await?;
            println!("revoked grant #{id} (version {version})");
        }
    }
    Ok(())
}

/// The grantable field paths of an operation.
pub fn fields(operation: &str, json: bool) -> anyhow::Result<()> {
    let routes = Routes::from_names(&crate::config::AdaptersConfig::default().enabled)?;
    let route = routes.get(operation).with_context(|| {
        format!("no adapter serves the operation '{operation}' (see `regway operations`)")
    })?;
    if json {
        let rows: Vec<Value> = route
            .spec
            .fields
            .iter()
            .map(|f| json!({"path": f.path, "repeated": f.repeated, "attribute": f.attribute}))
            .collect();
        println!(
            "{}",
            json!({"operation": operation, "response_type": route.spec.response_type, "fields": rows})
        );
    } else {
        println!("{} ({})", operation, route.spec.response_type);
        for f in route.spec.fields {
            let mut notes = Vec::new();
            if f.repeated {
                notes.push("repeated");
            }
            if f.attribute {
                notes.push("attribute");
            }
            println!(
                "  {}{}",
                f.path,
                if notes.is_empty() {
                    String::new()
                } else {
                    format!("  ({})", notes.join(", "))
                }
            );
        }
    }
    Ok(())
}
