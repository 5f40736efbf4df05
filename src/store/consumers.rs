//! Listing consumers and their systems (adding them is in the parent module).

use sqlx::Row;

use super::{Store, StoreError};

/// A consumer (an administration).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerRecord {
    pub id: i64,
    pub name: String,
    pub oid: Option<String>,
    pub active: bool,
    pub created_at: String,
}

/// A system of a consumer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemRecord {
    pub id: i64,
    pub consumer: String,
    pub name: String,
    pub active: bool,
    pub created_at: String,
}

impl Store {
    /// Every consumer, by name.
    pub async fn consumers(&self) -> Result<Vec<ConsumerRecord>, StoreError> {
        let rows =
            sqlx::query("SELECT id, name, oid, active, created_at FROM consumers ORDER BY name")
                .fetch_all(&self.pool)
                .await?;
        Ok(rows
            .into_iter()
            .map(|r| ConsumerRecord {
                id: r.get(0),
                name: r.get(1),
                oid: r.get(2),
                active: r.get(3),
                created_at: r.get(4),
            })
            .collect())
    }

    /// Every system, by consumer and name.
    pub async fn systems(&self) -> Result<Vec<SystemRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT s.id, k.name, s.name, s.active, s.created_at
             FROM systems s JOIN consumers k ON k.id = s.consumer_id ORDER BY k.name, s.name",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| SystemRecord {
                id: r.get(0),
                consumer: r.get(1),
                name: r.get(2),
                active: r.get(3),
                created_at: r.get(4),
            })
            .collect())
    }
}
