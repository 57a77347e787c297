//! Copies an import's committed pages from the write-ahead log into the database file on a
//! thread and connection of its own, so that the import's store writer, the import's
//! bottleneck when the store is empty, does not: SQLite's automatic checkpoint runs inside
//! the committing connection and took a fifth of the writer's time.

use std::path::Path;
use std::sync::mpsc::{SyncSender, sync_channel};
use std::thread::JoinHandle;

use crate::StoreError;

/// The checkpointing thread of one import.
pub(crate) struct Checkpointer {
    wake: Option<SyncSender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Starts the thread, on a connection of its own to the database at `path`.
    pub(crate) fn start(path: &Path) -> Result<Checkpointer, StoreError> {
        let conn = crate::connect(path)?;
        // One wake-up may wait: commits that come while a checkpoint runs need only one more.
        let (wake, inbox) = sync_channel::<()>(1);
        let thread = std::thread::Builder::new().name("intake-checkpoint".into()).spawn(move || {
            for () in inbox {
                // PASSIVE copies what no reader still needs and never waits for one or
                // blocks the writer; a failed checkpoint only leaves the log longer.
                let copied = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
                if let Err(error) = copied {
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
