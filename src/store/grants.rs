//! Legal bases and versioned grants.

use sqlx::Row;

use super::{Store, StoreError};
use crate::policy::snapshot::Grantee;

/// A coded legal basis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegalBasis {
    /// Upper-case ASCII letters, digits and `. _ / -`.
    pub code: String,
    pub title: String,
    /// The article of law, as a person cites it.
    pub citation: String,
    /// Unix seconds, UTC.
    pub valid_from: i64,
    pub valid_to: Option<i64>,
}

/// A grant to create.
#[derive(Debug, Clone)]
pub struct NewGrant {
    pub grantee: Grantee,
    pub operation: String,
    /// Codes of the legal bases the grant accepts.
    pub legal_bases: Vec<String>,
    /// Field paths (already validated against the operation's field table).
    pub fields: Vec<String>,
    pub valid_from: i64,
    pub valid_to: Option<i64>,
    pub granted_by: String,
    pub reason: String,
}

/// One version of a grant, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantVersion {
    pub grant_id: i64,
    pub version: i64,
    pub grantee: Grantee,
    pub consumer: String,
    pub system: Option<String>,
    pub operation: String,
    pub legal_bases: Vec<String>,
    pub fields: Vec<String>,
    pub valid_from: i64,
    pub valid_to: Option<i64>,
    pub revoked: bool,
    pub granted_by: String,
    pub reason: String,
    pub created_at: String,
}

const GRANT_COLUMNS: &str = "g.id, g.grant_id, g.version, g.consumer_id, g.system_id, o.name,
    g.valid_from, g.valid_to, g.revoked, g.granted_by, g.reason, g.created_at,
    COALESCE(k.name, ks.name), s.name";
const GRANT_JOINS: &str = "FROM grants g JOIN operations o ON o.id = g.operation_id
    LEFT JOIN consumers k ON k.id = g.consumer_id
    LEFT JOIN systems s ON s.id = g.system_id
    LEFT JOIN consumers ks ON ks.id = s.consumer_id";

impl Store {
    /// Register a legal basis.
    pub async fn add_legal_basis(&self, lb: &LegalBasis) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "INSERT INTO legal_bases (code, title, citation, valid_from, valid_to)
             VALUES (?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(&lb.code)
        .bind(&lb.title)
        .bind(&lb.citation)
        .bind(lb.valid_from)
        .bind(lb.valid_to)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.get(0))
    }

    /// Every legal basis, by code.
    pub async fn legal_bases(&self) -> Result<Vec<LegalBasis>, StoreError> {
        let rows = sqlx::query(
            "SELECT code, title, citation, valid_from, valid_to FROM legal_bases ORDER BY code",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| LegalBasis {
                code: r.get(0),
                title: r.get(1),
                citation: r.get(2),
                valid_from: r.get(3),
                valid_to: r.get(4),
            })
            .collect())
    }

    /// End a legal basis's validity at `at` (it stays on record).
    pub async fn retire_legal_basis(&self, code: &str, at: i64) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE legal_bases SET valid_to = max(?, valid_from + 1)
             WHERE code = ? AND (valid_to IS NULL OR valid_to > ?)",
        )
        .bind(at)
        .bind(code)
        .bind(at)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound {
                what: "legal basis in force",
                name: code.to_string(),
            });
        }
        Ok(())
    }

    /// The id of a consumer by name.
    pub async fn consumer_id(&self, name: &str) -> Result<i64, StoreError> {
        sqlx::query_scalar("SELECT id FROM consumers WHERE name = ?")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                what: "consumer",
                name: name.to_string(),
            })
    }

    /// The id of a consumer's system by name.
    pub async fn system_id(&self, consumer_id: i64, name: &str) -> Result<i64, StoreError> {
        sqlx::query_scalar("SELECT id FROM systems WHERE consumer_id = ? AND name = ?")
            .bind(consumer_id)
            .bind(name)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                what: "system",
                name: name.to_string(),
            })
    }

    /// Create a grant (version 1); returns its grant id.
    pub async fn add_grant(&self, g: &NewGrant) -> Result<i64, StoreError> {
        let mut tx = self.pool.begin().await?;
        let operation: i64 = sqlx::query_scalar("SELECT id FROM operations WHERE name = ?")
            .bind(&g.operation)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                what: "operation",
                name: g.operation.clone(),
            })?;
        let (consumer, system) = match g.grantee {
            Grantee::Consumer(c) => (Some(c), None),
            Grantee::System(s) => (None, Some(s)),
        };
        // Version 1's grant_id is its own id: take the next id explicitly, inside the
        // transaction, so both columns are written in one insert.
        let id: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM grants")
            .fetch_one(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO grants (id, grant_id, version, consumer_id, system_id, operation_id,
                                 valid_from, valid_to, granted_by, reason)
             VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(id)
        .bind(id)
        .bind(consumer)
        .bind(system)
        .bind(operation)
        .bind(g.valid_from)
        .bind(g.valid_to)
        .bind(&g.granted_by)
        .bind(&g.reason)
        .execute(&mut *tx)
        .await?;
        for code in &g.legal_bases {
            let lb: i64 = sqlx::query_scalar("SELECT id FROM legal_bases WHERE code = ?")
                .bind(code)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| StoreError::NotFound {
                    what: "legal basis",
                    name: code.clone(),
                })?;
            sqlx::query("INSERT OR IGNORE INTO grant_legal_bases VALUES (?, ?)")
                .bind(id)
                .bind(lb)
                .execute(&mut *tx)
                .await?;
        }
        for path in &g.fields {
            sqlx::query("INSERT OR IGNORE INTO grant_fields VALUES (?, ?)")
                .bind(id)
                .bind(path)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// Revoke a grant: a new version, identical but revoked, saying who and why.
    pub async fn revoke_grant(
        &self,
        grant_id: i64,
        by: &str,
        reason: &str,
    ) -> Result<i64, StoreError> {
        let mut tx = self.pool.begin().await?;
        let current = sqlx::query(
            "SELECT id, version, revoked FROM grants WHERE grant_id = ? ORDER BY version DESC LIMIT 1",
        )
        .bind(grant_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::NotFound {
            what: "grant",
            name: grant_id.to_string(),
        })?;
        let (old, version, revoked): (i64, i64, bool) =
            (current.get(0), current.get(1), current.get(2));
        if revoked {
            return Err(StoreError::NotFound {
                what: "active grant",
                name: grant_id.to_string(),
            });
        }
        let new: i64 = sqlx::query_scalar(
            "INSERT INTO grants (grant_id, version, consumer_id, system_id, operation_id,
                                 valid_from, valid_to, revoked, granted_by, reason)
             SELECT grant_id, ?, consumer_id, system_id, operation_id, valid_from, valid_to, 1, ?, ?
             FROM grants WHERE id = ? RETURNING id",
        )
        .bind(version + 1)
        .bind(by)
        .bind(reason)
        .bind(old)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query("INSERT INTO grant_legal_bases SELECT ?, legal_basis_id FROM grant_legal_bases WHERE grant_version = ?")
            .bind(new)
            .bind(old)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO grant_fields SELECT ?, path FROM grant_fields WHERE grant_version = ?",
        )
        .bind(new)
        .bind(old)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(version + 1)
    }

    /// Every version of one grant, oldest first.
    pub async fn grant_history(&self, grant_id: i64) -> Result<Vec<GrantVersion>, StoreError> {
        let sql =
            format!("SELECT {GRANT_COLUMNS} {GRANT_JOINS} WHERE g.grant_id = ? ORDER BY g.version");
        let rows = sqlx::query(&sql)
            .bind(grant_id)
            .fetch_all(&self.pool)
            .await?;
        if rows.is_empty() {
            return Err(StoreError::NotFound {
                what: "grant",
                name: grant_id.to_string(),
            });
        }
        self.grant_versions(rows).await
    }

    /// The current version of every grant.
    pub async fn current_grants(&self) -> Result<Vec<GrantVersion>, StoreError> {
        let sql = format!(
            "SELECT {GRANT_COLUMNS} {GRANT_JOINS}
             WHERE g.version = (SELECT MAX(version) FROM grants WHERE grant_id = g.grant_id)
             ORDER BY g.grant_id"
        );
        let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
        self.grant_versions(rows).await
    }

    async fn grant_versions(
        &self,
        rows: Vec<sqlx::sqlite::SqliteRow>,
    ) -> Result<Vec<GrantVersion>, StoreError> {
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let id: i64 = r.get(0);
            let legal_bases = sqlx::query_scalar(
                "SELECT l.code FROM grant_legal_bases gl JOIN legal_bases l ON l.id = gl.legal_basis_id
                 WHERE gl.grant_version = ? ORDER BY l.code",
            )
            .bind(id)
            .fetch_all(&self.pool)
            .await?;
            let fields = sqlx::query_scalar(
                "SELECT path FROM grant_fields WHERE grant_version = ? ORDER BY path",
            )
            .bind(id)
            .fetch_all(&self.pool)
            .await?;
            let grantee = match (r.get::<Option<i64>, _>(3), r.get::<Option<i64>, _>(4)) {
                (_, Some(system)) => Grantee::System(system),
                (Some(consumer), None) => Grantee::Consumer(consumer),
                (None, None) => continue,
            };
            out.push(GrantVersion {
                grant_id: r.get(1),
                version: r.get(2),
                grantee,
                operation: r.get(5),
                valid_from: r.get(6),
                valid_to: r.get(7),
                revoked: r.get(8),
                granted_by: r.get(9),
                reason: r.get(10),
                created_at: r.get(11),
                consumer: r.get::<Option<String>, _>(12).unwrap_or_default(),
                system: r.get(13),
                legal_bases,
                fields,
            });
        }
        Ok(out)
    }
}
