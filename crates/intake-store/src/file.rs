//! The store as a file: its path (always a plain file path, made absolute), its creation
//! (readable by its owner only, whatever the umask), its connections, and what to tell a
//! person when SQLite refuses it (locked, read-only, damaged, not a database).

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OpenFlags};

use crate::StoreError;
use crate::turn::Turn;

/// How long a statement waits for another connection's lock before it fails, unless
/// `INTAKE_BUSY_TIMEOUT` gives other seconds. Every connection has it, so a busy store makes
/// a command wait, not fail; only a lock held for longer than this (a process stopped in the
/// middle of a write) is an error.
pub(crate) fn busy_timeout() -> Duration {
    static TIMEOUT: std::sync::OnceLock<Duration> = std::sync::OnceLock::new();
    *TIMEOUT.get_or_init(|| {
        let seconds = std::env::var("INTAKE_BUSY_TIMEOUT").ok().and_then(|s| s.trim().parse::<f64>().ok());
        seconds.filter(|s| s.is_finite() && *s >= 0.0).map_or(DEFAULT_BUSY_TIMEOUT, Duration::from_secs_f64)
    })
}

const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// The files kept beside a store: SQLite's write-ahead log, its shared memory and its
/// rollback journal, the file processes take turns on (see [`crate::turn`]) and the one whose
/// change says a key was revoked (see [`crate::keys_changed`]). None of them may be written
/// to by anything else.
pub const COMPANION_SUFFIXES: [&str; 5] = ["-wal", "-shm", "-journal", "-turn", "-keys"];

/// The store's path as SQLite must see it: absolute, so that a file called `:memory:` or
/// `file:x.db` is that file (SQLite gives both other meanings), and so that every
/// connection of an import opens the same file whatever the working directory.
pub fn store_path(path: &Path) -> Result<PathBuf, StoreError> {
    if path.as_os_str().is_empty() {
        return Err(StoreError::Invalid("--db is empty: give the path of the store file".into()));
    }
    let absolute = std::path::absolute(path)?;
    if absolute.is_dir() {
        return Err(StoreError::Invalid(format!(
            "{} is a folder; --db takes the path of the store file (e.g. {})",
            absolute.display(),
            absolute.join("intake.db").display()
        )));
    }
    Ok(absolute)
}

/// Creates the store file, empty and readable by its owner only, unless it exists. SQLite
/// gives its `-wal`, `-shm` and `-journal` files the same permissions.
pub(crate) fn create_private(path: &Path) {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    // It exists already, or it cannot be created: SQLite's own open then says it better (a
    // missing folder, a read-only one).
    let _ = options.open(path);
}

/// A connection to the store at `path` (absolute), tuned for bulk work. The path is never
/// read as a URI.
pub(crate) fn connect(path: &Path) -> Result<Connection, StoreError> {
    let flags =
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let mut conn = Connection::open_with_flags(path, flags)?;
    tune(&conn)?;
    // A transaction that reads first and writes later would, under the write-ahead log, fail
    // at once with SQLITE_BUSY when another connection wrote in between, without waiting:
    // every transaction takes the write lock when it begins, and waits for it.
    conn.set_transaction_behavior(rusqlite::TransactionBehavior::Immediate);
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

/// Settings for bulk work (the journal is [`crate::journal`]'s choice, made once per store
/// or import, not per connection): a 64 MiB page cache (big enough for the indexes' hot
/// pages, small enough for the 200 MB memory budget); temporary data on disk.
fn tune(conn: &Connection) -> Result<(), StoreError> {
    wait_when_busy(conn)?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "cache_size", -65536)?;
    // Temporary data (the sorter that builds an index after a bulk load) goes to temporary
    // files, not memory: in memory it alone pushed a million-row import past 300 MB.
    conn.pragma_update(None, "temp_store", "FILE")?;
    conn.pragma_update(None, "foreign_keys", "OFF")?;
    // Index builds sort on two helper threads (see `indexes`).
    conn.pragma_update(None, "threads", 2)?;
    Ok(())
}

/// Makes `conn` wait for another connection's lock up to the busy timeout, taking turns with
/// the other processes (see [`crate::turn`]).
pub(crate) fn wait_when_busy(conn: &Connection) -> rusqlite::Result<()> {
    match conn.path().filter(|path| !path.is_empty()) {
        Some(path) => Turn::of(Path::new(path)).install(conn),
        None => conn.busy_timeout(busy_timeout()),
    }
}

/// One sentence for a person on why the store at `path` failed, and what to do, when the
/// cause is the file itself rather than a bug: `None` for other errors.
pub fn explain(path: &Path, error: &StoreError) -> Option<String> {
    let code = match error {
        StoreError::Sqlite(e) => e.sqlite_error_code()?,
        StoreError::Foreign(sentence) | StoreError::TooNew(sentence) => return Some(sentence.clone()),
        _ => return None,
    };
    let path = path.display();
    let seconds = busy_timeout().as_secs_f64();
    Some(match code {
        ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => format!(
            "the store {path} is locked by another process, which has held it for more than {seconds} s \
             (a process stopped in the middle of a write?); try again once it has finished"
        ),
        ErrorCode::ReadOnly => format!(
            "the store {path} cannot be written (the file or its folder is read-only); \
             check its permissions or give another --db"
        ),
        ErrorCode::CannotOpen | ErrorCode::PermissionDenied => format!(
            "the store {path} cannot be opened (its folder does not exist, or it may not be read); \
             check the path and its permissions"
        ),
        ErrorCode::NotADatabase => {
            format!("{path} is not an intake store (it is not an SQLite database); give another --db")
        }
        ErrorCode::DatabaseCorrupt => {
            format!("the store {path} is damaged (SQLite found it corrupt); restore it from a backup")
        }
        ErrorCode::DiskFull => {
            format!("the disk holding the store {path} is full; make room, then try again")
        }
        ErrorCode::SystemIoFailure => {
            format!("the store {path} could not be read or written (an I/O error); check the disk")
        }
        _ => return None,
    })
}
