//! What every state-changing PKI and registry command shares: the store of the configured
//! gateway, the actor (`--by`), and the admin change log entry.

use std::path::Path;

use anyhow::Context;

use crate::config::Config;
use crate::store::{AdminChange, Store};

/// Who makes the change.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct Actor {
    /// Who makes the change, for the admin change log (default: the OS user, $USER or
    /// $LOGNAME).
    #[arg(long = "by", global = true)]
    pub by: Option<String>,
}

impl Actor {
    /// An actor named explicitly (commands that already take `--by`).
    pub fn named(name: &str) -> Actor {
        Actor {
            by: Some(name.to_string()),
        }
    }

    /// The name recorded: `--by`, else the OS user, else "unknown".
    pub fn name(&self) -> String {
        self.by
            .clone()
            .filter(|b| !b.trim().is_empty())
            .or_else(|| std::env::var("USER").ok().filter(|u| !u.is_empty()))
            .or_else(|| std::env::var("LOGNAME").ok().filter(|u| !u.is_empty()))
            .unwrap_or_else(|| "unknown".to_string())
    }
}

/// The configuration and the store it names.
pub async fn open(config: &Path) -> anyhow::Result<(Config, Store)> {
    let config = Config::load(config)?;
    let store = Store::open(&config.data_dir).await?;
    Ok((config, store))
}

/// Record a change in the admin change log.
pub async fn record(
    store: &Store,
    actor: &Actor,
    action: &str,
    target: &str,
    reason: Option<&str>,
    details: serde_json::Value,
) -> anyhow::Result<()> {
    store
        .record_admin_change(&AdminChange {
            actor: &actor.name(),
            action,
            target,
            reason,
            details,
        })
        .await
        .with_context(|| {
            format!("{action} {target} was made but could not be recorded in the admin change log")
        })?;
    Ok(())
}

/// A duration such as `30d`, `12h`, `15m` or `90s`, in seconds.
pub fn parse_duration(text: &str) -> anyhow::Result<i64> {
    let t = text.trim();
    let split = t.len().saturating_sub(1);
    let (n, unit) = t.split_at(split);
    let n: i64 =
        n.parse().ok().filter(|n| *n >= 0).with_context(|| {
            format!("'{text}' is not a duration: use e.g. 30d, 12h, 15m or 90s")
        })?;
    let scale = match unit {
        "d" => 86_400,
        "h" => 3_600,
        "m" => 60,
        "s" => 1,
        _ => anyhow::bail!("'{text}' is not a duration: use e.g. 30d, 12h, 15m or 90s"),
    };
    n.checked_mul(scale)
        .with_context(|| format!("'{text}' is too long a duration"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_in_days_hours_minutes_seconds() {
        assert_eq!(parse_duration("30d").unwrap(), 30 * 86_400);
        assert_eq!(parse_duration("12h").unwrap(), 12 * 3_600);
        assert_eq!(parse_duration("5s").unwrap(), 5);
        assert!(parse_duration("30").is_err());
        assert!(parse_duration("-1d").is_err());
        assert!(parse_duration("d").is_err());
    }
}
