//! Group commit: request tasks hand their records to one writer thread, which appends whatever
//! has queued up in one transaction and answers each request only after the commit. One fsync
//! serves many calls, and a response never leaves before its record is durable.
//!
//! The writer is a plain OS thread with its own SQLite connection and cached statements: a
//! commit is a handful of synchronous library calls, with no hand-off per statement. The
//! queue is unbounded, but every sender waits for its answer, so it never holds more records
//! than there are calls in flight.
//!
//! The writer also seals checkpoints: every `every` records, every `interval` while records
//! arrive, and when it stops.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use super::keys::CheckpointKey;
use super::record::{timestamp, Entry};
use super::AuditError;
use crate::audit::chain::Frontier;
use crate::store::audit::{self as table, Checkpoint};

/// The most records one transaction takes.
const MAX_BATCH: usize = 1024;

struct Pending {
    entry: Entry,
    done: oneshot::Sender<Result<u64, AuditError>>,
}

/// When to seal a checkpoint.
#[derive(Debug, Clone, Copy)]
pub struct Sealing {
    pub every: u64,
    pub interval: Duration,
}

/// The request side of the writer.
#[derive(Debug, Clone)]
pub struct Writer {
    tx: mpsc::Sender<Pending>,
}

impl Writer {
    /// Start the writer thread on its own connection to the database at `path`. The chain is
    /// read once to rebuild the Merkle frontier, and anything not yet sealed (e.g. after a
    /// crash) is sealed now. The task returned ends when the thread has stopped (after the
    /// last [`Writer`] is dropped and a last checkpoint is sealed).
    pub async fn start(
        path: std::path::PathBuf,
        key: CheckpointKey,
        sealing: Sealing,
    ) -> Result<(Writer, tokio::task::JoinHandle<()>), AuditError> {
        let (tx, rx) = mpsc::channel::<Pending>();
        let (ready_tx, ready) = oneshot::channel::<Result<(), AuditError>>();
        let (stopped_tx, stopped) = oneshot::channel::<()>();
        std::thread::Builder::new()
            .name("regway-audit".into())
            .spawn(move || {
                let opened = table::open_writer(&path)
                    .map_err(AuditError::from)
                    .and_then(|conn| {
                        let mut frontier = table::frontier(&conn)?;
                        seal(&conn, &mut frontier, &key)?;
                        Ok((conn, frontier))
                    });
                match opened {
                    Ok((conn, frontier)) => {
                        let _ = ready_tx.send(Ok(()));
                        run(&conn, &key, sealing, frontier, &rx);
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                    }
                }
                let _ = stopped_tx.send(());
            })
            .map_err(|e| AuditError::Unavailable(format!("cannot start the writer thread: {e}")))?;
        ready.await.map_err(|_| AuditError::Stopped)??;
        let task = tokio::spawn(async move {
            let _ = stopped.await;
        });
        Ok((Writer { tx }, task))
    }

    /// Append one record; resolves when it is committed, with its sequence number.
    pub async fn append(&self, entry: Entry) -> Result<u64, AuditError> {
        let (done, wait) = oneshot::channel();
        self.tx
            .send(Pending { entry, done })
            .map_err(|_| AuditError::Stopped)?;
        wait.await.map_err(|_| AuditError::Stopped)?
    }
}

/// Seal everything appended so far with a checkpoint signed now, unless one already covers it
/// (the writer, and `regway audit checkpoint`).
pub fn seal(
    conn: &rusqlite::Connection,
    frontier: &mut Frontier,
    key: &CheckpointKey,
) -> Result<Option<Checkpoint>, AuditError> {
    let at = timestamp(time::OffsetDateTime::now_utc());
    let sealed = table::checkpoint(conn, frontier, &at, key.id(), |m| key.sign(m))?;
    if let Some(c) = &sealed {
        tracing::debug!(tree_size = c.tree_size, root = %c.root, "audit checkpoint");
    }
    Ok(sealed)
}

fn run(
    conn: &rusqlite::Connection,
    key: &CheckpointKey,
    sealing: Sealing,
    mut frontier: Frontier,
    rx: &mpsc::Receiver<Pending>,
) {
    let mut sealed_at = (frontier.size(), Instant::now());
    let mut batch: Vec<Pending> = Vec::with_capacity(MAX_BATCH);
    loop {
        let wait = sealing.interval.saturating_sub(sealed_at.1.elapsed());
        let first = match rx.recv_timeout(wait) {
            Ok(p) => Some(p),
            Err(mpsc::RecvTimeoutError::Timeout) => None,
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        };
        if let Some(first) = first {
            batch.push(first);
            while batch.len() < MAX_BATCH {
                match rx.try_recv() {
                    Ok(p) => batch.push(p),
                    Err(_) => break,
                }
            }
            let entries: Vec<&Entry> = batch.iter().map(|p| &p.entry).collect();
            let result = table::append(conn, &entries, Some(&mut frontier));
            match result {
                Ok(seqs) => {
                    for (p, seq) in batch.drain(..).zip(seqs) {
                        let _ = p.done.send(Ok(seq));
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, records = batch.len(), "audit append failed; refusing the calls");
                    let reason = e.to_string();
                    for p in batch.drain(..) {
                        let _ = p.done.send(Err(AuditError::Unavailable(reason.clone())));
                    }
                }
            }
        }
        let due = frontier.size() >= sealed_at.0 + sealing.every
            || (frontier.size() > sealed_at.0 && sealed_at.1.elapsed() >= sealing.interval);
        if due {
            if let Err(e) = seal(conn, &mut frontier, key) {
                tracing::error!(error = %e, "audit checkpoint failed; will retry");
            }
            sealed_at = (frontier.size(), Instant::now());
        } else if sealed_at.1.elapsed() >= sealing.interval {
            // Nothing new to seal: restart the interval rather than wake in a loop.
            sealed_at.1 = Instant::now();
        }
    }
    if let Err(e) = seal(conn, &mut frontier, key) {
        tracing::error!(error = %e, "audit checkpoint at shutdown failed");
    }
}
