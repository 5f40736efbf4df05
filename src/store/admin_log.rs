//! The admin change log: every change an administrator makes (grants, legal bases, CAs,
//! certificates, consumers…) is a record in the audit chain, beside the calls it affects, so
//! `regway audit verify` covers both.

use super::audit::AuditQuery;
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

/// A recorded change, as read back.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedChange {
    /// Its record number in the audit chain.
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub reason: Option<String>,
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

    /// Every recorded change, oldest first.
    pub async fn admin_changes(&self) -> Result<Vec<RecordedChange>, StoreError> {
        let records = self
            .audit_query(&AuditQuery {
                kind: Some("admin".into()),
                ..AuditQuery::default()
            })
            .await?;
        Ok(records
            .into_iter()
            .map(|r| {
                let v: serde_json::Value =
                    serde_json::from_str(&r.record).unwrap_or(serde_json::Value::Null);
                let text = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
                RecordedChange {
                    id: r.seq as i64,
                    at: r.at,
                    actor: text("actor").unwrap_or_default(),
                    action: text("action").unwrap_or_default(),
                    target: text("target").unwrap_or_default(),
                    reason: text("reason"),
                    details: v.get("details").cloned().unwrap_or(serde_json::Value::Null),
                }
            })
            .collect())
    }
}
