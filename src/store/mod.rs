//! Persistent state: consumers, systems, certificates, operations and grants.
//!
//! SQLite through sqlx: one file in the data directory, created with its schema on first
//! start. The request path never reads it: [`Store::load_policy`] builds the snapshot the
//! pipeline consults.

use std::path::Path;
use std::str::FromStr;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};

use regway_adapter::Field;

use crate::dsig::wssec::RequestPolicy;
use crate::dsig::Profile;
use crate::policy::fields::FieldSet;
use crate::policy::identity::{normalize_thumbprint, Thumbprints};
use crate::policy::snapshot::{Caller, GrantEntry, OperationEntry, PolicySnapshot};
use crate::policy::Standing;

mod admin_log;
pub mod audit;
mod certificates;
mod consumers;
mod grants;
pub use crate::policy::snapshot::Grantee;
pub use admin_log::{AdminChange, RecordedChange};
pub use certificates::{CaRecord, CertificateRecord, NewCa, NewCertificate};
pub use consumers::{ConsumerRecord, SystemRecord};
pub use grants::{GrantVersion, LegalBasis, NewGrant};

/// The counter that triggers bump on every change to a policy table (migration 0005). Not
/// `PRAGMA data_version`: every audit append would count as a change.
const POLICY_VERSION: &str = "SELECT version FROM policy_version WHERE id = 1";

/// The file name of the database inside the data directory.
pub const DATABASE_FILE: &str = "regway.sqlite";

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create the data directory {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("a store task stopped: {0}")]
    Task(#[from] tokio::task::JoinError),
    #[error("database migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("not a valid X.509 certificate: {0}")]
    Certificate(String),
    #[error("the store is inconsistent: {0}")]
    Corrupt(&'static str),
    #[error("{what} '{name}' does not exist")]
    NotFound { what: &'static str, name: String },
}

/// The regway store.
#[derive(Debug, Clone)]
pub struct Store {
    pool: SqlitePool,
    options: SqliteConnectOptions,
}

/// Notices committed changes to the policy tables by any connection (another process, the
/// CLI, the gateway itself), so the policy snapshot and the TLS trust can be rebuilt without
/// reading on the request path.
#[derive(Debug)]
pub struct ChangeWatcher {
    conn: sqlx::SqliteConnection,
    last: i64,
}

impl ChangeWatcher {
    /// Whether a table the policy or TLS trust is built from changed since the last call.
    pub async fn changed(&mut self) -> Result<bool, StoreError> {
        let now: i64 = sqlx::query_scalar(POLICY_VERSION)
            .fetch_one(&mut self.conn)
            .await?;
        let changed = now != self.last;
        self.last = now;
        Ok(changed)
    }
}

/// A certificate as registered.
#[derive(Debug, Clone)]
pub struct CertificateInfo {
    pub thumbprints: Thumbprints,
    pub subject: String,
    pub issuer: String,
    pub not_before: String,
    pub not_after: String,
}

impl CertificateInfo {
    /// Read the facts regway keeps about a DER certificate.
    pub fn from_der(der: &[u8]) -> Result<CertificateInfo, StoreError> {
        let (_, cert) = x509_parser::parse_x509_certificate(der)
            .map_err(|e| StoreError::Certificate(e.to_string()))?;
        let v = cert.validity();
        let rfc3339 = |t: &x509_parser::time::ASN1Time| {
            t.to_datetime()
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_else(|_| t.to_string())
        };
        Ok(CertificateInfo {
            thumbprints: Thumbprints::of(der),
            subject: cert.subject().to_string(),
            issuer: cert.issuer().to_string(),
            not_before: rfc3339(&v.not_before),
            not_after: rfc3339(&v.not_after),
        })
    }
}

impl Store {
    /// Open (and on first use create) the store in `data_dir`, applying pending migrations.
    pub async fn open(data_dir: &Path) -> Result<Store, StoreError> {
        std::fs::create_dir_all(data_dir).map_err(|source| StoreError::DataDir {
            path: data_dir.display().to_string(),
            source,
        })?;
        let path = data_dir.join(DATABASE_FILE);
        let options = SqliteConnectOptions::from_str("sqlite:")?
            .filename(&path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(std::time::Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options.clone())
            .await?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        Ok(Store { pool, options })
    }

    /// A watcher on its own connection.
    pub async fn watch(&self) -> Result<ChangeWatcher, StoreError> {
        use sqlx::ConnectOptions;
        let mut conn = self.options.connect().await?;
        let last: i64 = sqlx::query_scalar(POLICY_VERSION)
            .fetch_one(&mut conn)
            .await?;
        Ok(ChangeWatcher { conn, last })
    }

    /// Add a consumer (an administration); returns its id.
    pub async fn add_consumer(&self, name: &str, oid: Option<&str>) -> Result<i64, StoreError> {
        let row = sqlx::query("INSERT INTO consumers (name, oid) VALUES (?, ?) RETURNING id")
            .bind(name)
            .bind(oid)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.get(0))
    }

    /// Add a system of a consumer; returns its id.
    pub async fn add_system(&self, consumer_id: i64, name: &str) -> Result<i64, StoreError> {
        let row = sqlx::query("INSERT INTO systems (consumer_id, name) VALUES (?, ?) RETURNING id")
            .bind(consumer_id)
            .bind(name)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.get(0))
    }

    /// Register a DER certificate for a system; returns its id.
    pub async fn add_certificate(&self, system_id: i64, der: &[u8]) -> Result<i64, StoreError> {
        let info = CertificateInfo::from_der(der)?;
        let row = sqlx::query(
            "INSERT INTO certificates (system_id, sha256, sha1, subject, issuer, not_before, not_after, der)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(system_id)
        .bind(&info.thumbprints.sha256)
        .bind(&info.thumbprints.sha1)
        .bind(&info.subject)
        .bind(&info.issuer)
        .bind(&info.not_before)
        .bind(&info.not_after)
        .bind(der)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.get(0))
    }

    /// Activate or deactivate a certificate by either thumbprint.
    pub async fn set_certificate_active(
        &self,
        thumbprint: &str,
        active: bool,
    ) -> Result<(), StoreError> {
        let t = normalize_thumbprint(thumbprint);
        let done = sqlx::query("UPDATE certificates SET active = ? WHERE sha256 = ? OR sha1 = ?")
            .bind(active)
            .bind(&t)
            .bind(&t)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound {
                what: "certificate",
                name: thumbprint.to_string(),
            });
        }
        Ok(())
    }

    /// Make sure every routed operation has a row; existing rows keep their `enabled` flag.
    pub async fn register_operations<'a>(
        &self,
        operations: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        for (name, adapter) in operations {
            sqlx::query(
                "INSERT INTO operations (name, adapter) VALUES (?, ?)
                 ON CONFLICT (name) DO UPDATE SET adapter = excluded.adapter",
            )
            .bind(name)
            .bind(adapter)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Enable or disable an operation.
    pub async fn set_operation_enabled(&self, name: &str, enabled: bool) -> Result<(), StoreError> {
        self.set_operation_flag(name, "enabled", enabled).await
    }

    /// Allow or forbid signing an operation's results.
    pub async fn set_operation_signing(&self, name: &str, sign: bool) -> Result<(), StoreError> {
        self.set_operation_flag(name, "sign_result", sign).await
    }

    async fn set_operation_flag(
        &self,
        name: &str,
        column: &'static str,
        value: bool,
    ) -> Result<(), StoreError> {
        let done = sqlx::query(&format!(
            "UPDATE operations SET {column} = ? WHERE name = ?"
        ))
        .bind(value)
        .bind(name)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound {
                what: "operation",
                name: name.to_string(),
            });
        }
        Ok(())
    }

    /// Build the policy snapshot the request path consults. `fields_of` gives the field table
    /// of a routed operation (grants are parsed against it).
    pub async fn load_policy(
        &self,
        fields_of: impl Fn(&str) -> Option<&'static [Field]>,
    ) -> Result<PolicySnapshot, StoreError> {
        let mut snap = PolicySnapshot::default();
        let certs = sqlx::query(
            "SELECT c.id, c.sha256, c.sha1, c.active AND s.active AND k.active,
                    k.id, k.name, s.id, s.name, c.state = 'revoked', c.retire_at, c.environment,
                    k.request_signature, k.result_profile
             FROM certificates c JOIN systems s ON s.id = c.system_id JOIN consumers k ON k.id = s.consumer_id",
        )
        .fetch_all(&self.pool)
        .await?;
        for r in certs {
            let caller = Caller {
                certificate_id: r.get(0),
                active: r.get::<i64, _>(3) != 0,
                consumer_id: r.get(4),
                consumer_name: r.get(5),
                system_id: r.get(6),
                system_name: r.get(7),
                request_signature: RequestPolicy::parse(r.get(11))
                    .ok_or(StoreError::Corrupt("unknown request_signature"))?,
                result_profile: Profile::parse(r.get(12))
                    .ok_or(StoreError::Corrupt("unknown result_profile"))?,
            };
            snap.set_standing(
                caller.certificate_id,
                Standing {
                    revoked: r.get(8),
                    retire_at: r.get(9),
                    environment: r.get::<Option<String>, _>(10).and_then(|e| e.parse().ok()),
                },
            );
            snap.add_certificate(r.get(1), r.get(2), caller);
        }
        for r in sqlx::query("SELECT id, name, enabled, sign_result FROM operations")
            .fetch_all(&self.pool)
            .await?
        {
            let name: String = r.get(1);
            snap.add_operation(
                &name,
                OperationEntry {
                    id: r.get(0),
                    enabled: r.get(2),
                    sign_result: r.get(3),
                },
            );
        }
        for lb in self.legal_bases().await? {
            snap.add_legal_basis(&lb.code, lb.valid_from, lb.valid_to);
        }
        for g in self.current_grants().await? {
            if g.revoked {
                continue;
            }
            let Some(table) = fields_of(&g.operation) else {
                // No adapter serves the operation any more: nothing to grant.
                continue;
            };
            let fields = match FieldSet::parse(&g.fields, table) {
                Ok(f) => f,
                Err(e) => {
                    // Default deny: a grant whose fields no longer match the operation's
                    // response releases nothing until it is re-granted.
                    tracing::warn!(grant = g.grant_id, error = %e, "grant fields do not match the operation; releasing no fields");
                    FieldSet::none()
                }
            };
            snap.add_grant(
                g.grantee,
                &g.operation,
                GrantEntry {
                    grant_id: g.grant_id,
                    version: g.version,
                    legal_bases: g.legal_bases,
                    fields,
                    valid_from: g.valid_from,
                    valid_to: g.valid_to,
                },
            );
        }
        Ok(snap)
    }
}
