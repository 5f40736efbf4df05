//! The audit tables (migration 0004): appending in chain order, checkpoints, and reading back
//! for verification and queries. Appends take SQLite's write lock first (`BEGIN IMMEDIATE`), so
//! the gateway and a CLI process appending at the same time each extend the chain from its
//! true tip.

use sqlx::{Row, SqliteConnection};

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
    let row = sqlx::query(TIP).fetch_optional(&mut *conn).await?;
    match row {
        None => Ok((0, GENESIS)),
        Some(r) => tip_of(r.get(0), &r.get::<String, _>(1)),
    }
}

const TIP: &str = "SELECT seq, hash FROM audit_records ORDER BY seq DESC LIMIT 1";

fn tip_of(seq: i64, hash: &str) -> Result<(u64, Hash), StoreError> {
    Ok((
        seq as u64,
        chain::from_hex(hash).ok_or(StoreError::Corrupt("audit tip hash is not hex"))?,
    ))
}

// The write side: appends and checkpoints run on a plain SQLite connection (rusqlite) with
// cached statements, synchronously, on the audit writer's own thread (or a blocking task for
// the CLI). Through sqlx every statement was a hand-off to its worker thread and back.

/// The last record's sequence number and chain hash (0 and [`GENESIS`] when empty).
fn tip_sync(conn: &rusqlite::Connection) -> Result<(u64, Hash), StoreError> {
    let mut q = conn.prepare_cached(TIP)?;
    let mut rows = q.query([])?;
    match rows.next()? {
        None => Ok((0, GENESIS)),
        Some(r) => tip_of(r.get(0)?, &r.get::<_, String>(1)?),
    }
}

/// Bring `frontier` up to `size` records by reading the chain hashes it has not seen (records
/// appended by another process).
fn catch_up(
    conn: &rusqlite::Connection,
    frontier: &mut Frontier,
    size: u64,
) -> Result<(), StoreError> {
    if frontier.size() >= size {
        return Ok(());
    }
    let mut q = conn.prepare_cached(
        "SELECT hash FROM audit_records WHERE seq > ?1 AND seq <= ?2 ORDER BY seq",
    )?;
    let mut rows = q.query([frontier.size() as i64, size as i64])?;
    while let Some(r) = rows.next()? {
        let h: String = r.get(0)?;
        let h = chain::from_hex(&h).ok_or(StoreError::Corrupt("audit hash is not hex"))?;
        frontier.push(chain::leaf_hash(&h));
    }
    Ok(())
}

/// Open a connection for appending to the audit tables: WAL, `synchronous=FULL` (a record is
/// on disk when its commit returns), foreign keys on, and the same busy timeout as the pool,
/// so a CLI process appending at the same time is waited for.
pub fn open_writer(path: &std::path::Path) -> Result<rusqlite::Connection, StoreError> {
    let conn = rusqlite::Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Corrupt(
            "the database cannot use WAL journaling",
        ));
    }
    conn.execute_batch("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;")?;
    Ok(conn)
}

/// Append `entries` in one transaction, in order; returns the sequence number of each. The
/// write lock is taken first (`BEGIN IMMEDIATE`) and the chain extended from its true tip, so
/// records appended meanwhile by another process are built upon, not overwritten. When a
/// frontier is given it is brought up to date with the committed chain — only after the
/// commit, so a failed batch leaves it untouched.
pub fn append(
    conn: &rusqlite::Connection,
    entries: &[&Entry],
    frontier: Option<&mut Frontier>,
) -> Result<Vec<u64>, StoreError> {
    let tx = rusqlite::Transaction::new_unchecked(conn, rusqlite::TransactionBehavior::Immediate)?;
    let (base, mut prev) = tip_sync(conn)?;
    let mut seq = base;
    let mut seqs = Vec::with_capacity(entries.len());
    let mut leaves = Vec::with_capacity(entries.len());
    {
        let mut record = conn.prepare_cached(
            "INSERT INTO audit_records (seq, kind, at, record, prev_hash, hash, consumer, operation, legal_basis, outcome, correlation_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        )?;
        let mut subject = conn.prepare_cached(
            "INSERT OR IGNORE INTO audit_subjects (seq, subject) VALUES (?1, ?2)",
        )?;
        let mut prev_hex = chain::to_hex(&prev);
        for e in entries {
            seq += 1;
            let hash = chain::chain_hash(seq, &prev, e.record.as_bytes());
            let hash_hex = chain::to_hex(&hash);
            let c = &e.columns;
            record.execute(rusqlite::params![
                seq as i64,
                c.kind,
                c.at,
                e.record,
                prev_hex,
                hash_hex,
                c.consumer,
                c.operation,
                c.legal_basis,
                c.outcome,
                c.correlation_id,
            ])?;
            for s in &c.subjects {
                subject.execute(rusqlite::params![seq as i64, s])?;
            }
            seqs.push(seq);
            leaves.push(chain::leaf_hash(&hash));
            prev = hash;
            prev_hex = hash_hex;
        }
    }
    match frontier {
        Some(frontier) => {
            let mut updated = frontier.clone();
            catch_up(conn, &mut updated, base)?;
            tx.commit()?;
            for leaf in leaves {
                updated.push(leaf);
            }
            *frontier = updated;
        }
        None => tx.commit()?,
    }
    Ok(seqs)
}

/// Seal everything appended so far with a checkpoint signed by `sign`, unless the last
/// checkpoint already covers it. Returns the new checkpoint.
pub fn checkpoint(
    conn: &rusqlite::Connection,
    frontier: &mut Frontier,
    at: &str,
    key_id: &str,
    sign: impl FnOnce(&[u8]) -> Result<String, crate::audit::AuditError>,
) -> Result<Option<Checkpoint>, crate::audit::AuditError> {
    let tx = rusqlite::Transaction::new_unchecked(conn, rusqlite::TransactionBehavior::Immediate)
        .map_err(StoreError::from)?;
    let (size, last) = tip_sync(conn)?;
    let sealed: Option<i64> = conn
        .prepare_cached("SELECT max(tree_size) FROM audit_checkpoints")
        .and_then(|mut q| q.query_row([], |r| r.get(0)))
        .map_err(StoreError::from)?;
    if size == 0 || sealed.is_some_and(|s| s as u64 >= size) {
        return Ok(None);
    }
    let mut updated = frontier.clone();
    catch_up(conn, &mut updated, size)?;
    let root = chain::to_hex(&updated.root().ok_or(StoreError::Corrupt("empty tree"))?);
    let last_hash = chain::to_hex(&last);
    let signature = sign(&Checkpoint::signed_message(size, &root, &last_hash, at))?;
    let id: i64 = conn
        .prepare_cached(
            "INSERT INTO audit_checkpoints (tree_size, root, last_hash, at, key_id, signature)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
        )
        .and_then(|mut q| {
            q.query_row(
                rusqlite::params![size as i64, root, last_hash, at, key_id, signature],
                |r| r.get(0),
            )
        })
        .map_err(StoreError::from)?;
    tx.commit().map_err(StoreError::from)?;
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
pub fn frontier(conn: &rusqlite::Connection) -> Result<Frontier, StoreError> {
    let mut f = Frontier::default();
    let (size, _) = tip_sync(conn)?;
    catch_up(conn, &mut f, size)?;
    Ok(f)
}

impl Store {
    /// The database file, for a connection of the audit writer's own ([`open_writer`]).
    pub fn database_path(&self) -> std::path::PathBuf {
        self.options.get_filename().to_path_buf()
    }

    /// Append one record (administrative changes: the CLI, not the request path).
    pub async fn append_audit(&self, entry: &Entry) -> Result<u64, StoreError> {
        let path = self.database_path();
        let entry = entry.clone();
        let seqs = tokio::task::spawn_blocking(move || {
            let conn = open_writer(&path)?;
            append(&conn, &[&entry], None)
        })
        .await??;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::record::admin_entry;

    fn entry(n: u64) -> Entry {
        admin_entry(
            "test",
            "append",
            &format!("target-{n}"),
            None,
            &serde_json::json!({ "n": n }),
            time::OffsetDateTime::UNIX_EPOCH,
        )
        .expect("entry")
    }

    #[tokio::test]
    async fn appends_from_two_connections_extend_one_chain_and_the_frontier_catches_up() {
        let dir = tempfile::tempdir().expect("dir");
        let store = Store::open(dir.path()).await.expect("store");
        let writer = open_writer(&store.database_path()).expect("writer");
        let other = open_writer(&store.database_path()).expect("other");
        let mut f = frontier(&writer).expect("frontier");

        let (a, b, c) = (entry(1), entry(2), entry(3));
        assert_eq!(
            append(&writer, &[&a, &b], Some(&mut f)).expect("a"),
            vec![1, 2]
        );
        // Another process (the CLI) appends in between; the writer's frontier has not seen it.
        assert_eq!(append(&other, &[&c], None).expect("b"), vec![3]);
        let (d, e) = (entry(4), entry(5));
        assert_eq!(
            append(&writer, &[&d, &e], Some(&mut f)).expect("c"),
            vec![4, 5]
        );

        let stored = store.audit_records(1, u64::MAX).await.expect("records");
        assert_eq!(
            stored.iter().map(|r| r.seq).collect::<Vec<_>>(),
            [1, 2, 3, 4, 5]
        );
        let mut prev = GENESIS;
        let mut leaves = Vec::new();
        for r in &stored {
            assert_eq!(
                r.prev_hash,
                chain::to_hex(&prev),
                "record {} links to {}",
                r.seq,
                r.seq - 1
            );
            let h = chain::chain_hash(r.seq, &prev, r.record.as_bytes());
            assert_eq!(r.hash, chain::to_hex(&h));
            leaves.push(chain::leaf_hash(&h));
            prev = h;
        }
        assert_eq!(f.size(), 5);
        assert_eq!(
            f.root(),
            chain::root(&leaves),
            "the frontier includes the other's record"
        );
        assert_eq!(
            frontier(&other).expect("again").root(),
            chain::root(&leaves)
        );
    }

    #[tokio::test]
    async fn a_failed_batch_commits_nothing_and_leaves_the_frontier_alone() {
        let dir = tempfile::tempdir().expect("dir");
        let store = Store::open(dir.path()).await.expect("store");
        let writer = open_writer(&store.database_path()).expect("writer");
        let mut f = frontier(&writer).expect("frontier");
        let a = entry(1);
        append(&writer, &[&a], Some(&mut f)).expect("first");
        let before = f.root();
        // A second record fails (a trigger installed after the statements were cached).
        let other = open_writer(&store.database_path()).expect("other");
        other
            .execute_batch(
                "CREATE TRIGGER fail_second BEFORE INSERT ON audit_records WHEN NEW.seq = 3
                 BEGIN SELECT RAISE(ABORT, 'disk full'); END",
            )
            .expect("trigger");
        let (b, c) = (entry(2), entry(3));
        let err = append(&writer, &[&b, &c], Some(&mut f)).expect_err("must fail");
        assert!(err.to_string().contains("disk full"), "{err}");
        assert_eq!((f.size(), f.root()), (1, before));
        assert_eq!(
            store.audit_size().await.expect("size"),
            1,
            "record 2 was rolled back"
        );
        other
            .execute_batch("DROP TRIGGER fail_second")
            .expect("drop");
        assert_eq!(
            append(&writer, &[&b, &c], Some(&mut f)).expect("again"),
            vec![2, 3]
        );
        assert_eq!(f.size(), 3);
    }
}
