//! Trust anchors (CAs) and the lifecycle of client certificates: registered (issued, signed
//! from a CSR, or imported), rotated out at a time, revoked.

use sqlx::sqlite::SqliteRow;
use sqlx::Row;

use super::{CertificateInfo, Store, StoreError};
use crate::pki::Environment;
use crate::policy::identity::normalize_thumbprint;
use crate::policy::Standing;

/// A CA to register.
#[derive(Debug, Clone)]
pub struct NewCa<'a> {
    pub name: &'a str,
    pub environment: Environment,
    pub der: &'a [u8],
    /// regway holds the private key (an own CA), or not (an imported external CA).
    pub has_key: bool,
}

/// A CA as registered.
#[derive(Debug, Clone)]
pub struct CaRecord {
    pub id: i64,
    pub name: String,
    pub environment: Environment,
    pub sha256: String,
    pub subject: String,
    pub not_before: String,
    pub not_after: String,
    pub der: Vec<u8>,
    pub has_key: bool,
    /// The current CRL regway signed for it (own CAs), DER.
    pub crl_der: Option<Vec<u8>>,
    pub crl_number: i64,
    pub created_at: String,
}

/// A client certificate to register.
#[derive(Debug, Clone)]
pub struct NewCertificate<'a> {
    pub system_id: i64,
    pub der: &'a [u8],
    /// The CA of the store that issued it (the certificate takes its environment).
    pub ca: &'a CaRecord,
    /// The certificate this one replaces (rotation).
    pub successor_of: Option<i64>,
}

/// A client certificate as registered, with its system and consumer.
#[derive(Debug, Clone)]
pub struct CertificateRecord {
    pub id: i64,
    pub sha256: String,
    pub sha1: String,
    /// Lower-case hex.
    pub serial: Option<String>,
    pub subject: String,
    pub issuer: String,
    pub not_before: String,
    pub not_after: String,
    pub consumer: String,
    pub system: String,
    pub system_id: i64,
    pub ca: Option<String>,
    pub ca_id: Option<i64>,
    pub environment: Option<Environment>,
    /// The on/off flag of the certificate itself.
    pub active: bool,
    pub revoked_at: Option<i64>,
    pub revocation_reason: Option<String>,
    pub retire_at: Option<i64>,
    pub successor_of: Option<i64>,
    pub created_at: String,
    pub der: Vec<u8>,
}

impl CertificateRecord {
    /// Its lifecycle, as the gateway applies it.
    pub fn standing(&self) -> Standing {
        Standing {
            revoked: self.revoked_at.is_some(),
            retire_at: self.retire_at,
            environment: self.environment,
        }
    }

    /// The end of validity, Unix seconds.
    pub fn not_after_unix(&self) -> Option<i64> {
        time::OffsetDateTime::parse(
            &self.not_after,
            &time::format_description::well_known::Rfc3339,
        )
        .ok()
        .map(|t| t.unix_timestamp())
    }

    /// `active`, `retiring` (a rotated predecessor still in its overlap), `retired`,
    /// `revoked`, or `inactive` (switched off).
    pub fn state(&self, now: i64) -> &'static str {
        match self.standing().withdrawal(None, now) {
            Some(crate::policy::Withdrawal::Revoked) => "revoked",
            Some(_) => "retired",
            None if !self.active => "inactive",
            None if self.retire_at.is_some() => "retiring",
            None => "active",
        }
    }
}

const CA_COLUMNS: &str = "id, name, environment, sha256, subject, not_before, not_after, der,
    has_key, crl_der, crl_number, created_at";

fn environment(text: Option<String>) -> Option<Environment> {
    text.and_then(|t| t.parse().ok())
}

fn ca_row(r: SqliteRow) -> CaRecord {
    CaRecord {
        id: r.get(0),
        name: r.get(1),
        // The column's CHECK allows only the two labels.
        environment: environment(r.get(2)).unwrap_or(Environment::Production),
        sha256: r.get(3),
        subject: r.get(4),
        not_before: r.get(5),
        not_after: r.get(6),
        der: r.get(7),
        has_key: r.get(8),
        crl_der: r.get(9),
        crl_number: r.get(10),
        created_at: r.get(11),
    }
}

const CERT_SELECT: &str = "SELECT c.id, c.sha256, c.sha1, c.serial, c.subject, c.issuer,
    c.not_before, c.not_after, k.name, s.name, s.id, a.name, c.ca_id, c.environment, c.active,
    c.revoked_at, c.revocation_reason, c.retire_at, c.successor_of, c.created_at, c.der
    FROM certificates c JOIN systems s ON s.id = c.system_id
    JOIN consumers k ON k.id = s.consumer_id LEFT JOIN cas a ON a.id = c.ca_id";

fn cert_row(r: SqliteRow) -> CertificateRecord {
    CertificateRecord {
        id: r.get(0),
        sha256: r.get(1),
        sha1: r.get(2),
        serial: r.get(3),
        subject: r.get(4),
        issuer: r.get(5),
        not_before: r.get(6),
        not_after: r.get(7),
        consumer: r.get(8),
        system: r.get(9),
        system_id: r.get(10),
        ca: r.get(11),
        ca_id: r.get(12),
        environment: environment(r.get(13)),
        active: r.get(14),
        revoked_at: r.get(15),
        revocation_reason: r.get(16),
        retire_at: r.get(17),
        successor_of: r.get(18),
        created_at: r.get(19),
        der: r.get(20),
    }
}

impl Store {
    /// Register a CA certificate as a trust anchor of its environment.
    pub async fn add_ca(&self, ca: &NewCa<'_>) -> Result<CaRecord, StoreError> {
        let info = CertificateInfo::from_der(ca.der)?;
        sqlx::query(
            "INSERT INTO cas (name, environment, sha256, subject, not_before, not_after, der, has_key)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(ca.name)
        .bind(ca.environment.as_str())
        .bind(&info.thumbprints.sha256)
        .bind(&info.subject)
        .bind(&info.not_before)
        .bind(&info.not_after)
        .bind(ca.der)
        .bind(ca.has_key)
        .execute(&self.pool)
        .await?;
        self.ca(ca.name).await
    }

    /// A CA by name.
    pub async fn ca(&self, name: &str) -> Result<CaRecord, StoreError> {
        sqlx::query(&format!("SELECT {CA_COLUMNS} FROM cas WHERE name = ?"))
            .bind(name)
            .fetch_optional(&self.pool)
            .await?
            .map(ca_row)
            .ok_or_else(|| StoreError::NotFound {
                what: "CA",
                name: name.to_string(),
            })
    }

    /// Every CA, by name.
    pub async fn cas(&self) -> Result<Vec<CaRecord>, StoreError> {
        let rows = sqlx::query(&format!("SELECT {CA_COLUMNS} FROM cas ORDER BY name"))
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(ca_row).collect())
    }

    /// Store the CRL regway just signed for one of its CAs.
    pub async fn set_ca_crl(
        &self,
        ca_id: i64,
        crl_der: &[u8],
        number: i64,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE cas SET crl_der = ?, crl_number = ? WHERE id = ?")
            .bind(crl_der)
            .bind(number)
            .bind(ca_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Register a client certificate issued by a CA of the store.
    pub async fn register_certificate(
        &self,
        cert: &NewCertificate<'_>,
    ) -> Result<CertificateRecord, StoreError> {
        let info = CertificateInfo::from_der(cert.der)?;
        let serial = x509_parser::parse_x509_certificate(cert.der)
            .map(|(_, c)| hex::encode(c.raw_serial()))
            .map_err(|e| StoreError::Certificate(e.to_string()))?;
        sqlx::query(
            "INSERT INTO certificates (system_id, sha256, sha1, subject, issuer, not_before, not_after,
                 der, ca_id, environment, serial, successor_of)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(cert.system_id)
        .bind(&info.thumbprints.sha256)
        .bind(&info.thumbprints.sha1)
        .bind(&info.subject)
        .bind(&info.issuer)
        .bind(&info.not_before)
        .bind(&info.not_after)
        .bind(cert.der)
        .bind(cert.ca.id)
        .bind(cert.ca.environment.as_str())
        .bind(&serial)
        .bind(cert.successor_of)
        .execute(&self.pool)
        .await?;
        self.certificate(&info.thumbprints.sha256).await
    }

    /// Every registered certificate, oldest first.
    pub async fn certificates(&self) -> Result<Vec<CertificateRecord>, StoreError> {
        let rows = sqlx::query(&format!("{CERT_SELECT} ORDER BY c.id"))
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(cert_row).collect())
    }

    /// A certificate by its SHA-256 or SHA-1 thumbprint (any case, colons allowed).
    pub async fn certificate(&self, thumbprint: &str) -> Result<CertificateRecord, StoreError> {
        let t = normalize_thumbprint(thumbprint);
        sqlx::query(&format!("{CERT_SELECT} WHERE c.sha256 = ? OR c.sha1 = ?"))
            .bind(&t)
            .bind(&t)
            .fetch_optional(&self.pool)
            .await?
            .map(cert_row)
            .ok_or_else(|| StoreError::NotFound {
                what: "certificate",
                name: thumbprint.to_string(),
            })
    }

    /// Mark a certificate revoked at `at` (Unix seconds). Only a certificate not yet revoked.
    pub async fn revoke_certificate(
        &self,
        id: i64,
        reason: &str,
        at: i64,
    ) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE certificates SET state = 'revoked', revoked_at = ?, revocation_reason = ?
             WHERE id = ? AND state = 'active'",
        )
        .bind(at)
        .bind(reason)
        .bind(id)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound {
                what: "unrevoked certificate",
                name: id.to_string(),
            });
        }
        Ok(())
    }

    /// Set the time from which a certificate no longer works (rotation).
    pub async fn set_certificate_retire_at(&self, id: i64, at: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE certificates SET retire_at = ? WHERE id = ?")
            .bind(at)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// (serial hex, revoked at) of every certificate of a CA that is revoked, for its CRL.
    pub async fn revoked_serials(&self, ca_id: i64) -> Result<Vec<(String, i64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT serial, revoked_at FROM certificates
             WHERE ca_id = ? AND state = 'revoked' AND serial IS NOT NULL ORDER BY id",
        )
        .bind(ca_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|r| (r.get(0), r.get(1))).collect())
    }
}

impl Store {
    /// Certificates in force (not revoked, not retired, not switched off) whose validity
    /// ends within `within` seconds of `now` (or has ended), soonest first.
    pub async fn expiring(
        &self,
        now: i64,
        within: i64,
    ) -> Result<Vec<CertificateRecord>, StoreError> {
        let mut due: Vec<(i64, CertificateRecord)> = self
            .certificates()
            .await?
            .into_iter()
            .filter(|c| c.active && c.standing().withdrawal(None, now).is_none())
            .filter_map(|c| c.not_after_unix().map(|t| (t, c)))
            .filter(|(t, _)| *t <= now.saturating_add(within))
            .collect();
        due.sort_by_key(|(t, _)| *t);
        Ok(due.into_iter().map(|(_, c)| c).collect())
    }
}
