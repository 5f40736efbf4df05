//! The admin change log: who changed what, when and why, from the command line. The audit
//! trail will chain these records with the call records; until then they are rows of an
//! append-only table.

use sqlx::Row;

use super::{Store, StoreError};

/// One administrative change, as recorded in the admin change log.
pub struct AdminChange<'a> {
    pub actor: &'a str,
    pub action: &'a str,
    pub target: &'a str,
    pub reason: Option<&'a str>,
    pub details: serde_json::Value,
}

/// A recorded change, as read back.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedChange {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub reason: Option<String>,
    pub details: serde_json::Value,
}

impl Store {
    /// Record a change; returns its id.
    pub async fn record_admin_change(&self, change: &AdminChange<'_>) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "INSERT INTO admin_changes (actor, action, target, reason, details_json)
             VALUES (?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(change.actor)
        .bind(change.action)
        .bind(change.target)
        .bind(change.reason)
        .bind(change.details.to_string())
        .fetch_one(&self.pool)
        .await?;
        Ok(row.get(0))
    }

    /// Every recorded change, oldest first.
    pub async fn admin_changes(&self) -> Result<Vec<RecordedChange>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, at, actor, action, target, reason, details_json FROM admin_changes ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| RecordedChange {
                id: r.get(0),
                at: r.get(1),
                actor: r.get(2),
                action: r.get(3),
                target: r.get(4),
                reason: r.get(5),
                details: serde_json::from_str(r.get::<&str, _>(6))
                    .unwrap_or(serde_json::Value::Null),
            })
            .collect())
    }
}
