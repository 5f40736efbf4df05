//! The admin change log: every change an administrator makes (grants, legal bases,
//! certificates…) is a record in the audit chain, beside the calls it affects.

use super::{Store, StoreError};
use crate::audit::record::admin_entry;

/// One administrative change, as recorded in the admin change log.
#[derive(Debug, Clone)]
pub struct AdminChange<'a> {
    /// Who made it (`--by`, else the operating-system user).
    pub actor: &'a str,
    /// What was done: `grant.add`, `legal_basis.retire`, `cert.revoke`…
    pub action: &'a str,
    /// What it was done to: a grant id, a legal-basis code, a thumbprint…
    pub target: &'a str,
    /// Why, when given.
    pub reason: Option<&'a str>,
    /// The change itself, as JSON.
    pub details: serde_json::Value,
}

impl Store {
    /// Append an administrative change to the audit chain; returns its record number.
    pub async fn record_admin_change(&self, change: &AdminChange<'_>) -> Result<i64, StoreError> {
        let entry = admin_entry(
            change.actor,
            change.action,
            change.target,
            change.reason,
            &change.details,
            time::OffsetDateTime::now_utc(),
        )
        .map_err(|_| StoreError::Corrupt("an admin change could not be made into a record"))?;
        Ok(self.append_audit(&entry).await? as i64)
    }
}

/// Who is running the command: `$USER`, `$LOGNAME`, else `unknown`.
pub fn os_user() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "unknown".to_string())
}
