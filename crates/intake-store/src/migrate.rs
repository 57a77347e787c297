//! Bringing a store's schema up to date, safely with any number of processes opening it at
//! once: the version is read and the migrations applied inside one transaction that holds
//! the write lock, so one process migrates and the others wait for it, then find the schema
//! current. (rusqlite_migration reads the version before it takes the lock, so two processes
//! opening a new store both ran the first migration, and one failed.) A store written by a
//! newer intake, or an SQLite database of another program, is refused.

use std::path::Path;

use rusqlite::{Connection, TransactionBehavior};

use crate::StoreError;

/// One step of bringing a store up to date: SQL, or Rust where SQL cannot do it.
enum Migration {
    Sql(&'static str),
    Rust(fn(&Connection) -> rusqlite::Result<()>),
}

/// The migrations, in order; a store's `user_version` is how many of them it has.
const MIGRATIONS: &[Migration] = &[
    Migration::Sql(include_str!("../migrations/sqlite/0001_initial.sql")),
    Migration::Sql(include_str!("../migrations/sqlite/0002_other_emails_phones.sql")),
    Migration::Sql(include_str!("../migrations/sqlite/0003_import_memberships.sql")),
    Migration::Sql(include_str!("../migrations/sqlite/0004_subscription_log.sql")),
    Migration::Sql(include_str!("../migrations/sqlite/0005_leases.sql")),
    Migration::Sql(include_str!("../migrations/sqlite/0006_address_fields.sql")),
    Migration::Sql(include_str!("../migrations/sqlite/0007_api_keys_audit.sql")),
    Migration::Sql(include_str!("../migrations/sqlite/0008_uploaded_imports.sql")),
    Migration::Sql(include_str!("../migrations/sqlite/0009_jobs.sql")),
    Migration::Sql(include_str!("../migrations/sqlite/0010_notifications.sql")),
    Migration::Sql(include_str!("../migrations/sqlite/0011_contact_edits.sql")),
    Migration::Sql(include_str!("../migrations/sqlite/0012_saved_mappings.sql")),
    Migration::Sql(include_str!("../migrations/sqlite/0013_job_results.sql")),
    Migration::Sql(include_str!("../migrations/sqlite/0014_users_sessions.sql")),
    Migration::Sql(include_str!("../migrations/sqlite/0015_import_corrections.sql")),
    Migration::Sql(include_str!("../migrations/sqlite/0016_embed.sql")),
    Migration::Sql(include_str!("../migrations/sqlite/0017_import_notified.sql")),
    Migration::Rust(crate::tag_spellings::merge),
];

/// The schema version this intake writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Applies the migrations `conn`'s store lacks.
pub(crate) fn to_latest(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    // Most openings find the schema current: they need no write lock.
    if check_version(conn, path)? == SCHEMA_VERSION {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let version = check_version(&tx, path)?;
    if version == 0 && has_tables(&tx)? {
        return Err(StoreError::Foreign(format!(
            "{} is an SQLite database of another program, not an intake store; give another --db",
            path.display()
        )));
    }
    for (at, migration) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        let applied = match migration {
            Migration::Sql(sql) => tx.execute_batch(sql),
            Migration::Rust(step) => step(&tx),
        };
        applied
            .map_err(|e| StoreError::Migration(format!("migration {} of {}: {e}", at + 1, path.display())))?;
    }
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    tx.commit()?;
    Ok(())
}

/// The store's schema version, refused when it is newer than this intake's.
fn check_version(conn: &Connection, path: &Path) -> Result<i64, StoreError> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version > SCHEMA_VERSION {
        return Err(StoreError::TooNew(format!(
            "the store {} was written by a newer intake (schema version {version}; this intake {} knows \
             versions up to {SCHEMA_VERSION}); use that intake or a newer one",
            path.display(),
            env!("CARGO_PKG_VERSION"),
        )));
    }
    Ok(version)
}

fn has_tables(conn: &Connection) -> rusqlite::Result<bool> {
    conn.query_row("SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE type = 'table')", [], |r| r.get(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(path: &Path) -> Connection {
        crate::file::connect(path).unwrap()
    }

    #[test]
    fn a_new_store_gets_every_migration_and_a_second_opening_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let mut conn = open(&path);
        to_latest(&mut conn, &path).unwrap();
        to_latest(&mut conn, &path).unwrap();
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(version, SCHEMA_VERSION);
    }

    /// A store as the first `before` migrations left it.
    fn store_before(path: &Path, before: usize) -> Connection {
        let conn = open(path);
        for migration in &MIGRATIONS[..before] {
            match migration {
                Migration::Sql(sql) => conn.execute_batch(sql).unwrap(),
                Migration::Rust(step) => step(&conn).unwrap(),
            }
        }
        conn.pragma_update(None, "user_version", before as i64).unwrap();
        conn
    }

    #[test]
    fn tags_an_older_intake_kept_apart_by_case_become_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        // A store of the thirteenth migration, before tags were merged by case.
        let mut conn = store_before(&path, 13);
        conn.execute_batch(
            "INSERT INTO workspaces (id, name, created_at) VALUES (1, 'default', 0);
             INSERT INTO contacts (id, workspace_id, created_at, updated_at) VALUES (1, 1, 0, 0), (2, 1, 0, 0);
             INSERT INTO tags (id, workspace_id, name) VALUES (1, 1, 'VIP'), (2, 1, 'vip');
             INSERT INTO contact_tags (workspace_id, contact_id, tag_id, import_id) VALUES (1, 1, 1, NULL), (1, 1, 2, NULL), (1, 2, 2, NULL);",
        )
        .unwrap();
        to_latest(&mut conn, &path).unwrap();
        let tagged: Vec<(i64, String)> = conn
            .prepare("SELECT contact_id, name FROM contact_tags JOIN tags ON tags.id = tag_id ORDER BY 1")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(tagged, vec![(1, "VIP".to_string()), (2, "VIP".to_string())]);
    }

    #[test]
    fn custom_fields_named_like_the_address_fields_move_into_their_columns() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        // The address fields came with migration 6: the store as it was before it.
        let before = 5;
        let mut conn = store_before(&path, before);
        conn.execute_batch(
            "INSERT INTO workspaces (id, name, created_at) VALUES (1, 'default', 0);
             INSERT INTO fields (workspace_id, name, label, type, position, created_at)
                 VALUES (1, 'website', 'Website', 'url', 0, 0), (1, 'plan', 'Plan', 'text', 1, 0);
             INSERT INTO contacts (workspace_id, custom, created_at, updated_at)
                 VALUES (1, '{\"website\":\"https://a.example/\",\"plan\":\"pro\"}', 0, 0),
                        (1, NULL, 0, 0);",
        )
        .unwrap();
        to_latest(&mut conn, &path).unwrap();
        let rows: Vec<(Option<String>, Option<String>)> = conn
            .prepare("SELECT website, custom FROM contacts ORDER BY id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            rows,
            vec![(Some("https://a.example/".into()), Some("{\"plan\":\"pro\"}".into())), (None, None)]
        );
        let fields: Vec<String> = conn
            .prepare("SELECT name FROM fields")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .flatten()
            .collect();
        assert_eq!(fields, vec!["plan".to_string()]);
    }

    #[test]
    fn a_newer_store_is_refused_naming_both_versions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let mut conn = open(&path);
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 3).unwrap();
        let error = to_latest(&mut conn, &path).unwrap_err().to_string();
        assert!(error.contains(&format!("schema version {}", SCHEMA_VERSION + 3)), "{error}");
        assert!(error.contains(&format!("up to {SCHEMA_VERSION}")), "{error}");
    }

    #[test]
    fn another_programs_database_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let mut conn = open(&path);
        conn.execute_batch("CREATE TABLE customers (id INTEGER PRIMARY KEY)").unwrap();
        let error = to_latest(&mut conn, &path).unwrap_err().to_string();
        assert!(error.contains("another program"), "{error}");
    }

    #[test]
    fn processes_opening_a_new_store_at_once_all_succeed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        std::thread::scope(|scope| {
            let opened: Vec<_> = (0..8)
                .map(|_| {
                    scope.spawn(|| {
                        let mut conn = open(&path);
                        to_latest(&mut conn, &path)
                    })
                })
                .collect();
            for thread in opened {
                thread.join().unwrap().unwrap();
            }
        });
    }
}
