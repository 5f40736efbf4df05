//! The audit tables (migration 0004): appending in chain order, checkpoints, and reading back
//! for verification and queries. Appends take SQLite's write lock first (`BEGIN IMMEDIATE`), so
//! the gateway and a CLI process appending at the same time each extend the chain from its
//! true tip.

use sqlx::{Connection, Row, SqliteConnection};

use super::{Store, StoreError};
use crate::audit::chain::{self, Frontier, Hash, GENESIS};
use crate::audit::record::Entry;

/// A stored record.
#[derive(Debug, Clone)]
pub struct StoredRecord {
    pub seq: u64,
    pub kind: String,
    pub at: String,
    pub record: String,
    pub prev_hash: String,
    pub hash: String,
    pub consumer: Option<String>,
    pub operation: Option<String>,
    pub legal_basis: Option<String>,
    pub outcome: String,
    pub correlation_id: Option<String>,
}

/// A stored checkpoint (signed tree head).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct Checkpoint {
    pub id: i64,
    pub tree_size: u64,
    pub root: String,
    pub last_hash: String,
    pub at: String,
    pub key_id: String,
    pub signature: String,
}

impl Checkpoint {
    /// The bytes the checkpoint key signs.
    pub fn signed_message(tree_size: u64, root: &str, last_hash: &str, at: &str) -> Vec<u8> {
        format!("regway-audit-checkpoint-v1\n{tree_size}\n{root}\n{last_hash}\n{at}\n").into_bytes()
    }
}

/// A query over call records; every filter is optional.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub consumer: Option<String>,
    pub operation: Option<String>,
    pub legal_basis: Option<String>,
    pub outcome: Option<String>,
    pub kind: Option<String>,
    pub correlation_id: Option<String>,
    /// RFC 3339 lower bound (inclusive) and upper bound (exclusive).
    pub from: Option<String>,
    pub to: Option<String>,
    pub limit: Option<u64>,
}

/// Rows per INSERT statement (11 parameters each; SQLite allows 32,766).
const ROWS_PER_STATEMENT: usize = 256;

const RECORD_COLUMNS: &str = "seq, kind, at, record, prev_hash, hash, consumer, operation, legal_basis, outcome, correlation_id";

fn stored(r: &sqlx::sqlite::SqliteRow) -> StoredRecord {
    StoredRecord {
        seq: r.get::<i64, _>(0) as u64,
        kind: r.get(1),
        at: r.get(2),
        record: r.get(3),
        prev_hash: r.get(4),
        hash: r.get(5),
        consumer: r.get(6),
        operation: r.get(7),
        legal_basis: r.get(8),
        outcome: r.get(9),
        correlation_id: r.get(10),
    }
}

/// The last record's sequence number and chain hash (0 and [`GENESIS`] when empty).
async fn tip(conn: &mut SqliteConnection) -> Result<(u64, Hash), StoreError> {
    let row = sqlx::query("SELECT seq, hash FROM audit_records ORDER BY seq DESC LIMIT 1")
        .fetch_optional(&mut *conn)
        .await?;
    Ok(match row {
        None => (0, GENESIS),
        Some(r) => {
            let hash: String = r.get(1);
            (
                r.get::<i64, _>(0) as u64,
                chain::from_hex(&hash).ok_or(StoreError::Corrupt("audit tip hash is not hex"))?,
            )
        }
    })
}

/// Bring `frontier` up to `size` records by reading the chain hashes it has not seen (records
/// appended by another process).
async fn catch_up(
    conn: &mut SqliteConnection,
    frontier: &mut Frontier,
    size: u64,
) -> Result<(), StoreError> {
    if frontier.size() >= size {
        return Ok(());
    }
    let rows =
        sqlx::query("SELECT hash FROM audit_records WHERE seq > ? AND seq <= ? ORDER BY seq")
            .bind(frontier.size() as i64)
            .bind(size as i64)
            .fetch_all(&mut *conn)
            .await?;
    for r in rows {
        let h: String = r.get(0);
        let h = chain::from_hex(&h).ok_or(StoreError::Corrupt("audit hash is not hex"))?;
        frontier.push(chain::leaf_hash(&h));
    }
    Ok(())
}

/// Append `entries` in one transaction, in order; returns the sequence number of each. When a
/// frontier is given it is brought up to date with the committed chain — only after the
/// commit, so a failed batch leaves it untouched.
pub async fn append(
    conn: &mut SqliteConnection,
    entries: &[&Entry],
    frontier: Option<&mut Frontier>,
) -> Result<Vec<u64>, StoreError> {
    let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
    let (mut seq, mut prev) = tip(&mut tx).await?;
    let base = seq;
    let mut seqs = Vec::with_capacity(entries.len());
    let mut hashes = Vec::with_capacity(entries.len());
    for e in entries {
        seq += 1;
        let hash = chain::chain_hash(seq, &prev, e.record.as_bytes());
        seqs.push(seq);
        hashes.push((chain::to_hex(&prev), chain::to_hex(&hash), hash));
        prev = hash;
    }
    // One statement per chunk of rows: through sqlx every statement is a round trip to the
    // connection's worker thread, which would otherwise dominate the cost of a record.
    for (chunk, (seq_chunk, hash_chunk)) in entries.chunks(ROWS_PER_STATEMENT).zip(
        seqs.chunks(ROWS_PER_STATEMENT)
            .zip(hashes.chunks(ROWS_PER_STATEMENT)),
    ) {
        let mut sql = String::from(
            "INSERT INTO audit_records (seq, kind, at, record, prev_hash, hash, consumer, operation, legal_basis, outcome, correlation_id) VALUES ",
        );
        sql.push_str(&vec!["(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"; chunk.len()].join(", "));
        let mut q = sqlx::query(&sql);
        for ((e, s), (prev_hex, hash_hex, _)) in chunk.iter().zip(seq_chunk).zip(hash_chunk) {
            let c = &e.columns;
            q = q
                .bind(*s as i64)
                .bind(&c.kind)
                .bind(&c.at)
                .bind(&e.record)
                .bind(prev_hex)
                .bind(hash_hex)
                .bind(&c.consumer)
                .bind(&c.operation)
                .bind(&c.legal_basis)
                .bind(&c.outcome)
                .bind(&c.correlation_id);
        }
        q.execute(&mut *tx).await?;
        let subjects: Vec<(u64, &String)> = chunk
            .iter()
            .zip(seq_chunk)
            .flat_map(|(e, s)| e.columns.subjects.iter().map(move |subject| (*s, subject)))
            .collect();
        for part in subjects.chunks(ROWS_PER_STATEMENT * 4) {
            let mut sql =
                String::from("INSERT OR IGNORE INTO audit_subjects (seq, subject) VALUES ");
            sql.push_str(&vec!["(?, ?)"; part.len()].join(", "));
            let mut q = sqlx::query(&sql);
            for (s, subject) in part {
                q = q.bind(*s as i64).bind(*subject);
            }
            q.execute(&mut *tx).await?;
        }
    }
    let leaves: Vec<Hash> = hashes.iter().map(|(_, _, h)| chain::leaf_hash(h)).collect();
    if let Some(frontier) = frontier {
        let mut updated = frontier.clone();
        catch_up(&mut tx, &mut updated, base).await?;
        tx.commit().await?;
        for leaf in leaves {
            updated.push(leaf);
        }
        *frontier = updated;
    } else {
        tx.commit().await?;
    }
    Ok(seqs)
}

/// Seal everything appended so far with a checkpoint signed by `sign`, unless the last
/// checkpoint already covers it. Returns the new checkpoint.
pub async fn checkpoint(
    conn: &mut SqliteConnection,
    frontier: &mut Frontier,
    at: &str,
    key_id: &str,
    sign: impl FnOnce(&[u8]) -> Result<String, crate::audit::AuditError>,
) -> Result<Option<Checkpoint>, crate::audit::AuditError> {
    let mut tx = conn
        .begin_with("BEGIN IMMEDIATE")
        .await
        .map_err(StoreError::from)?;
    let (size, last) = tip(&mut tx).await?;
    let sealed: Option<i64> = sqlx::query_scalar("SELECT max(tree_size) FROM audit_checkpoints")
        .fetch_one(&mut *tx)
        .await
        .map_err(StoreError::from)?;
    if size == 0 || sealed.is_some_and(|s| s as u64 >= size) {
        return Ok(None);
    }
    let mut updated = frontier.clone();
    catch_up(&mut tx, &mut updated, size).await?;
    let root = chain::to_hex(&updated.root().ok_or(StoreError::Corrupt("empty tree"))?);
    let last_hash = chain::to_hex(&last);
    let signature = sign(&Checkpoint::signed_message(size, &root, &last_hash, at))?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO audit_checkpoints (tree_size, root, last_hash, at, key_id, signature)
         VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(size as i64)
    .bind(&root)
    .bind(&last_hash)
    .bind(at)
    .bind(key_id)
    .bind(&signature)
    .fetch_one(&mut *tx)
    .await
    .map_err(StoreError::from)?;
    tx.commit().await.map_err(StoreError::from)?;
    *frontier = updated;
    Ok(Some(Checkpoint {
        id,
        tree_size: size,
        root,
        last_hash,
        at: at.to_string(),
        key_id: key_id.to_string(),
        signature,
    }))
}

/// The Merkle frontier of the whole stored chain (read once at start-up).
pub async fn frontier(conn: &mut SqliteConnection) -> Result<Frontier, StoreError> {
    let mut f = Frontier::default();
    let (size, _) = tip(conn).await?;
    catch_up(conn, &mut f, size).await?;
    Ok(f)
}

impl Store {
    /// A connection of its own for the audit writer, so appends never wait for the pool.
    pub async fn audit_connection(&self) -> Result<SqliteConnection, StoreError> {
        use sqlx::ConnectOptions;
        Ok(self.options.connect().await?)
    }

    /// Append one record (administrative changes: the CLI, not the request path).
    pub async fn append_audit(&self, entry: &Entry) -> Result<u64, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let seqs = append(&mut conn, &[entry], None).await?;
        seqs.first()
            .copied()
            .ok_or(StoreError::Corrupt("nothing appended"))
    }

    /// Records with `seq` in `from..=to`, in order.
    pub async fn audit_records(&self, from: u64, to: u64) -> Result<Vec<StoredRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {RECORD_COLUMNS} FROM audit_records WHERE seq >= ? AND seq <= ? ORDER BY seq"
        ))
        .bind(from as i64)
        .bind(to.min(i64::MAX as u64) as i64)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(stored).collect())
    }

    /// The number of the last record (0 when there is none).
    pub async fn audit_size(&self) -> Result<u64, StoreError> {
        let mut conn = self.pool.acquire().await?;
        Ok(tip(&mut conn).await?.0)
    }

    /// The subjects index of records `from..=to`: (seq, subject), ordered.
    pub async fn audit_subject_index(
        &self,
        from: u64,
        to: u64,
    ) -> Result<Vec<(u64, String)>, StoreError> {
        let rows = sqlx::query(
            "SELECT seq, subject FROM audit_subjects WHERE seq >= ? AND seq <= ? ORDER BY seq, subject",
        )
        .bind(from as i64)
        .bind(to.min(i64::MAX as u64) as i64)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| (r.get::<i64, _>(0) as u64, r.get(1)))
            .collect())
    }

    /// Every checkpoint, smallest tree first.
    pub async fn audit_checkpoints(&self) -> Result<Vec<Checkpoint>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, tree_size, root, last_hash, at, key_id, signature FROM audit_checkpoints ORDER BY tree_size, id",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| Checkpoint {
                id: r.get(0),
                tree_size: r.get::<i64, _>(1) as u64,
                root: r.get(2),
                last_hash: r.get(3),
                at: r.get(4),
                key_id: r.get(5),
                signature: r.get(6),
            })
            .collect())
    }

    /// Records matching a query, oldest first.
    pub async fn audit_query(&self, q: &AuditQuery) -> Result<Vec<StoredRecord>, StoreError> {
        let mut sql = format!("SELECT {RECORD_COLUMNS} FROM audit_records WHERE 1 = 1");
        let mut binds: Vec<String> = Vec::new();
        let mut filter = |column: &str, op: &str, value: &Option<String>| {
            if let Some(v) = value {
                sql.push_str(&format!(" AND {column} {op} ?"));
                binds.push(v.clone());
            }
        };
        filter("consumer", "=", &q.consumer);
        filter("operation", "=", &q.operation);
        filter("legal_basis", "=", &q.legal_basis);
        filter("outcome", "=", &q.outcome);
        filter("kind", "=", &q.kind);
        filter("correlation_id", "=", &q.correlation_id);
        filter("at", ">=", &q.from);
        filter("at", "<", &q.to);
        sql.push_str(" ORDER BY seq");
        if let Some(limit) = q.limit {
            sql.push_str(&format!(" LIMIT {}", limit.min(i64::MAX as u64)));
        }
        let mut query = sqlx::query(&sql);
        for b in &binds {
            query = query.bind(b);
        }
        Ok(query
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(stored)
            .collect())
    }

    /// Records about any of `subjects` (pseudonyms), oldest first.
    pub async fn audit_by_subject(
        &self,
        subjects: &[String],
    ) -> Result<Vec<StoredRecord>, StoreError> {
        let mut out: Vec<StoredRecord> = Vec::new();
        for s in subjects {
            let rows = sqlx::query(&format!(
                "SELECT {RECORD_COLUMNS} FROM audit_records WHERE seq IN (SELECT seq FROM audit_subjects WHERE subject = ?) ORDER BY seq"
            ))
            .bind(s)
            .fetch_all(&self.pool)
            .await?;
            out.extend(rows.iter().map(stored));
        }
        out.sort_by_key(|r| r.seq);
        out.dedup_by_key(|r| r.seq);
        Ok(out)
    }
}
