//! Taking turns at the store's write lock across processes.
//!
//! SQLite hands its write lock to whichever connection asks while it is free, and a waiting
//! connection only asks again when its busy handler wakes it. An import commits a batch and
//! begins the next microseconds later, so a second process (an import into another
//! workspace, an undo, a heartbeat) could wait through a whole long import, or until its
//! busy timeout ran out, though the lock was free between every two batches.
//!
//! So a waiting connection says that it waits: while its busy handler sleeps it holds a
//! shared `flock` on the store's turn file (`<store>-turn`). Between two batches the import's
//! writer asks for that lock exclusively; when it cannot have it, someone waits, and the
//! writer lets them go first: it waits until the waiters' sleeps end and they have tried
//! again, and only then begins its next batch. Uncontended, that costs two system calls per
//! batch. The lock file holds no data; a process that dies drops its locks with it.

use std::collections::HashMap;
use std::ffi::{c_int, c_void};
use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use rusqlite::Connection;

/// The turn file of one store.
pub(crate) struct Turn {
    path: PathBuf,
}

/// The turn file's path beside the store at `store`.
pub(crate) fn turn_path(store: &Path) -> PathBuf {
    let mut path = store.as_os_str().to_owned();
    path.push("-turn");
    PathBuf::from(path)
}

impl Turn {
    /// The turn of the store at `store` (absolute), one per store and process: the busy
    /// handlers of every connection to it point at it for as long as the process lives.
    pub(crate) fn of(store: &Path) -> &'static Turn {
        static TURNS: OnceLock<Mutex<HashMap<PathBuf, &'static Turn>>> = OnceLock::new();
        let mut turns = TURNS.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner());
        turns
            .entry(store.to_path_buf())
            .or_insert_with(|| Box::leak(Box::new(Turn { path: turn_path(store) })))
    }

    fn open(&self) -> Option<File> {
        let mut options = std::fs::OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        // Without the file (a read-only folder) nobody signals and everyone waits as SQLite
        // alone would have them wait.
        options.open(&self.path).ok()
    }

    /// Makes `conn` wait up to the busy timeout for a lock, as `busy_timeout` would, saying
    /// that it waits while it does.
    pub(crate) fn install(&'static self, conn: &Connection) -> rusqlite::Result<()> {
        let context = (self as *const Turn).cast_mut().cast::<c_void>();
        // SAFETY: `handle` is the live connection's, and the context a `&'static Turn`, which
        // outlives it; `on_busy` only reads through it.
        let rc = unsafe { rusqlite::ffi::sqlite3_busy_handler(conn.handle(), Some(on_busy), context) };
        match rc {
            rusqlite::ffi::SQLITE_OK => Ok(()),
            code => Err(rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), None)),
        }
    }

    /// The file a long job keeps open to look for waiters between its transactions.
    pub(crate) fn watch(&self) -> Option<File> {
        self.open()
    }
}

/// Between two write transactions of a long job that watches `turn`: when another connection
/// waits for the lock, waits (at most `LONGEST_YIELD`) until it has had its chance to take it.
pub(crate) fn let_waiters_go_first(turn: &File) {
    if !waited_on(turn) {
        return;
    }
    let started = Instant::now();
    std::thread::sleep(POLL);
    while waited_on(turn) && started.elapsed() < LONGEST_YIELD {
        std::thread::sleep(POLL);
    }
    // A waiter releases its claim just before it tries again; give that try a moment.
    std::thread::sleep(POLL);
}

/// Whether another connection holds a claim on the turn file.
fn waited_on(file: &File) -> bool {
    match file.try_lock() {
        Ok(()) => {
            let _ = file.unlock();
            false
        }
        Err(TryLockError::WouldBlock) => true,
        Err(TryLockError::Error(_)) => false,
    }
}

/// How often a waiter tries the lock again, and a yielding job looks for waiters.
const POLL: Duration = Duration::from_millis(1);
/// The longest a job waits for waiters before it goes on anyway.
const LONGEST_YIELD: Duration = Duration::from_millis(250);

thread_local! {
    /// When the current wait for a lock began: a connection waits on one thread at a time.
    static WAITING_SINCE: std::cell::Cell<Option<Instant>> = const { std::cell::Cell::new(None) };
}

unsafe extern "C" fn on_busy(context: *mut c_void, attempts: c_int) -> c_int {
    // SAFETY: the pointer `install` registered: a `&'static Turn`.
    let turn = unsafe { &*context.cast::<Turn>() };
    let result = std::panic::catch_unwind(|| turn.wait(attempts, crate::busy_timeout()));
    c_int::from(result.unwrap_or(false))
}

impl Turn {
    /// Sleeps a moment holding a claim on the turn, and says whether to try again.
    fn wait(&self, attempts: c_int, timeout: Duration) -> bool {
        let now = Instant::now();
        let since = match WAITING_SINCE.get() {
            Some(since) if attempts > 0 => since,
            _ => {
                WAITING_SINCE.set(Some(now));
                now
            }
        };
        if now.duration_since(since) >= timeout {
            return false;
        }
        // A failed claim (the job looking for waiters holds the file for a moment) only
        // means this sleep goes unannounced.
        let claim = self.open().filter(|file| file.try_lock_shared().is_ok());
        // Short sleeps at first, so a lock free between two batches is seen in time.
        let pause = POLL * (1 + attempts.unsigned_abs() / 50).min(10);
        std::thread::sleep(pause.min(timeout.saturating_sub(now.duration_since(since))));
        drop(claim);
        true
    }
}
