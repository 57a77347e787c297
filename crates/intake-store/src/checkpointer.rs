//! Copies an import's committed pages from the write-ahead log into the database file on a
//! thread and connection of its own, so that the import's store writer, the import's
//! bottleneck when the store is empty, does not: SQLite's automatic checkpoint runs inside
//! the committing connection and took a fifth of the writer's time.
//!
//! A passive checkpoint copies pages but never empties the log: SQLite starts the log over
//! only when a write transaction begins after everything was copied and no reader still
//! reads from it, and the import's writer begins its next batch before the checkpoint of the
//! last has run. So the log grew by every page an import wrote (388 MB for an update of 300k
//! contacts in a 114 MB store). Once the log holds more than [`LOG_LIMIT`], the checkpointer
//! truncates it: it waits for the writer's batch and the readers in flight to end (the writer
//! lets it go first, see [`crate::turn`]), copies the rest and empties the file.

use std::path::Path;
use std::sync::mpsc::{SyncSender, sync_channel};
use std::thread::JoinHandle;

use crate::StoreError;

/// The size of the log past which it is emptied.
const LOG_LIMIT: i64 = 64 * 1024 * 1024;

/// The checkpointing thread of one import.
pub(crate) struct Checkpointer {
    wake: Option<SyncSender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Starts the thread, on a connection of its own to the database at `path`.
    pub(crate) fn start(path: &Path) -> Result<Checkpointer, StoreError> {
        Checkpointer::with_log_limit(path, LOG_LIMIT)
    }

    /// Starts the thread, emptying the log past `limit` bytes.
    fn with_log_limit(path: &Path, limit: i64) -> Result<Checkpointer, StoreError> {
        let conn = crate::connect(path)?;
        let page_size: i64 = conn.query_row("PRAGMA page_size", [], |r| r.get(0))?;
        let limit_pages = limit / page_size.max(512);
        // One wake-up may wait: commits that come while a checkpoint runs need only one more.
        let (wake, inbox) = sync_channel::<()>(1);
        let thread = std::thread::Builder::new().name("intake-checkpoint".into()).spawn(move || {
            for () in inbox {
                // A failed checkpoint only leaves the log longer.
                if let Err(error) = checkpoint(&conn, limit_pages) {
                    tracing::debug!(%error, "checkpoint");
                }
            }
        })?;
        Ok(Checkpointer { wake: Some(wake), thread: Some(thread) })
    }

    /// Asks for a checkpoint of what has been committed, without waiting for it.
    pub(crate) fn nudge(&self) {
        if let Some(wake) = &self.wake {
            // Full: a checkpoint is already due and will copy this commit too.
            // Disconnected: the thread is gone, and SQLite checkpoints when the last
            // connection closes.
            let _ = wake.try_send(());
        }
    }
}

/// Copies what no reader still needs without waiting for anyone (PASSIVE); then, when the log
/// holds more than `limit_pages`, empties it (TRUNCATE, which waits for the writer and the
/// readers in flight).
fn checkpoint(conn: &rusqlite::Connection, limit_pages: i64) -> rusqlite::Result<()> {
    let in_log: i64 = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get(1))?;
    if in_log > limit_pages {
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    }
    Ok(())
}

impl Drop for Checkpointer {
    /// A last checkpoint, then the thread ends.
    fn drop(&mut self) {
        self.nudge();
        self.wake = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};

    /// An import's pattern: one writer committing batch after batch, letting waiters go first
    /// as `SqliteWriter` does, while lookups read.
    #[test]
    fn the_log_stays_near_its_limit_while_readers_read_and_the_writer_commits() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.db");
        let writer = crate::connect(&path).unwrap();
        writer
            .execute_batch("PRAGMA journal_mode = WAL; CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)")
            .unwrap();
        let stop = std::sync::Arc::new(AtomicBool::new(false));
        let reader = {
            let (path, stop) = (path.clone(), stop.clone());
            std::thread::spawn(move || {
                let conn = crate::connect(&path).unwrap();
                while !stop.load(Ordering::Relaxed) {
                    let _: i64 = conn.query_row("SELECT count(*) FROM t", [], |r| r.get(0)).unwrap();
                }
            })
        };
        let checkpointer = Checkpointer::with_log_limit(&path, 1 << 20).unwrap();
        let turn = crate::turn::Turn::of(&path).watch().unwrap();
        let mut largest = 0;
        for batch in 0..300 {
            crate::turn::let_waiters_go_first(&turn);
            writer.execute_batch("BEGIN IMMEDIATE").unwrap();
            for row in 0..20 {
                writer
                    .execute("INSERT INTO t (id, v) VALUES (?1, zeroblob(4000))", [batch * 20 + row])
                    .unwrap();
            }
            writer.execute_batch("COMMIT").unwrap();
            checkpointer.nudge();
            // An import decides its next batch's rows between commits (tens of milliseconds
            // for 10,000 rows); a writer that never pauses would measure only how soon a
            // loaded machine schedules the checkpointer's thread.
            std::thread::sleep(std::time::Duration::from_millis(2));
            largest = largest.max(std::fs::metadata(dir.path().join("store.db-wal")).map_or(0, |m| m.len()));
        }
        stop.store(true, Ordering::Relaxed);
        reader.join().unwrap();
        drop(checkpointer);
        // 24 MB were written; the log never held much more than its 1 MiB limit and a batch.
        assert!(largest < 4 << 20, "the log grew to {largest} bytes");
    }
}
