//! Listing consumers and their systems (adding them is in the parent module).

use sqlx::Row;

use super::{Store, StoreError};
use crate::dsig::wssec::RequestPolicy;
use crate::dsig::Profile;

/// A consumer (an administration).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerRecord {
    pub id: i64,
    pub name: String,
    pub oid: Option<String>,
    pub active: bool,
    pub created_at: String,
    /// Whether its requests must be signed: `required`, `optional` or `off`.
    pub request_signature: String,
    /// The form of its signed results: `xades` or `regix-legacy`.
    pub result_profile: String,
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
            sqlx::query("SELECT id, name, oid, active, created_at, request_signature, result_profile FROM consumers ORDER BY name")
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
                request_signature: r.get(5),
                result_profile: r.get(6),
            })
            .collect())
    }

    /// Set a consumer's signature settings (`None` keeps a setting as it is).
    pub async fn set_consumer_signatures(
        &self,
        name: &str,
        request_signature: Option<RequestPolicy>,
        result_profile: Option<Profile>,
    ) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE consumers SET request_signature = coalesce(?, request_signature),
                                  result_profile = coalesce(?, result_profile) WHERE name = ?",
        )
        .bind(request_signature.map(RequestPolicy::name))
        .bind(result_profile.map(Profile::name))
        .bind(name)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound {
                what: "consumer",
                name: name.to_string(),
            });
        }
        Ok(())
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
