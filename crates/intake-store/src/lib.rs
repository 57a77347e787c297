//! The contact store of intake: the embedded SQLite database (one file, no server).
//!
//! [`SqliteStore`] opens (and creates, and migrates) a database file for one workspace and
//! implements [`intake_core::store::ImportStore`], the batched matching and one-transaction-
//! per-batch commits the pipeline needs. The other modules hold what the CLI does around an
//! import: custom fields and settings, the import records, deleting contacts (keeping their
//! unsubscribes as suppressions), undoing an import, and exporting contacts.
//!
//! Every statement is scoped by `workspace_id`.

mod admin;
mod checkpointer;
mod contacts;
mod error;
mod export;
mod imports;
mod indexes;
mod journal;
mod keys;
mod undo;
mod writer;

pub use admin::DeleteTarget;
pub use error::StoreError;
pub use export::ExportRow;
pub use imports::{ImportRecord, ImportState, NewImport};
pub use undo::UndoReport;
pub use writer::SqliteWriter;

use std::path::{Path, PathBuf};

use intake_core::model::{FieldDef, FieldKind, FieldType, Schema};
use rusqlite::{Connection, OptionalExtension, params};
use rusqlite_migration::{M, Migrations};

const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/sqlite/0001_initial.sql"),
    include_str!("../migrations/sqlite/0002_other_emails_phones.sql"),
    include_str!("../migrations/sqlite/0003_import_memberships.sql"),
    include_str!("../migrations/sqlite/0004_subscription_log.sql"),
];

/// A workspace in an SQLite database file.
pub struct SqliteStore {
    conn: Connection,
    /// The database file, for the import writer's own connection.
    path: PathBuf,
    workspace_id: i64,
    schema: Schema,
    has_suppressions: Option<bool>,
}

/// Seconds since the Unix epoch, as stored in `*_at` columns.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

impl SqliteStore {
    /// Opens (creating and migrating as needed) the database at `path`, in the workspace
    /// called `workspace` (created on first use).
    pub fn open(path: &Path, workspace: &str) -> Result<SqliteStore, StoreError> {
        let mut conn = connect(path)?;
        journal::use_log(&conn)?;
        let migrations = Migrations::new(MIGRATIONS.iter().map(|sql| M::up(sql)).collect());
        migrations.to_latest(&mut conn).map_err(|e| StoreError::Migration(e.to_string()))?;
        let workspace_id = ensure_workspace(&conn, workspace)?;
        let mut store = SqliteStore {
            conn,
            path: path.to_path_buf(),
            workspace_id,
            schema: Schema::builtin(),
            has_suppressions: None,
        };
        store.schema = store.load_schema()?;
        Ok(store)
    }

    /// The workspace's fields.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// The workspace's id.
    pub fn workspace_id(&self) -> i64 {
        self.workspace_id
    }

    fn load_schema(&self) -> Result<Schema, StoreError> {
        let mut schema = Schema::builtin();
        let mut stmt = self.conn.prepare(
            "SELECT name, label, type, choices FROM fields WHERE workspace_id = ?1 ORDER BY position",
        )?;
        let rows = stmt.query_map(params![self.workspace_id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?;
        for row in rows {
            let (name, label, type_name, choices) = row?;
            let field_type = FieldType::from_name(&type_name)
                .ok_or_else(|| StoreError::Corrupt(format!("field {name} has unknown type {type_name}")))?;
            let choices: Vec<String> = serde_json::from_str(&choices)
                .map_err(|e| StoreError::Corrupt(format!("choices of field {name}: {e}")))?;
            let def =
                FieldDef { name, label, field_type, choices, kind: FieldKind::Custom, aliases: Vec::new() };
            schema.add_custom(def).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        }
        Ok(schema)
    }
}

/// A connection to the database at `path`, tuned for bulk work.
fn connect(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open(path)?;
    tune(&conn)?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

/// How long a statement waits for another connection's lock before it fails.
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Settings for bulk work (the journal is [`journal`]'s choice, made once per store or
/// import, not per connection): a 64 MiB page cache (big enough for the indexes' hot pages,
/// small enough for the 200 MB memory budget); temporary data on disk.
fn tune(conn: &Connection) -> Result<(), StoreError> {
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "cache_size", -65536)?;
    // Temporary data (the sorter that builds an index after a bulk load) goes to temporary
    // files, not memory: in memory it alone pushed a million-row import past 300 MB.
    conn.pragma_update(None, "temp_store", "FILE")?;
    conn.pragma_update(None, "foreign_keys", "OFF")?;
    // Index builds sort on two helper threads (see `indexes`).
    conn.pragma_update(None, "threads", 2)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    Ok(())
}

/// Whether no workspace of the database holds a contact: only then may an import's bulk
/// load treat the store as its own (drop the lookup indexes, leave the write-ahead log).
fn no_contact_stored(conn: &Connection) -> rusqlite::Result<bool> {
    conn.query_row("SELECT NOT EXISTS (SELECT 1 FROM contacts)", [], |r| r.get(0))
}

fn ensure_workspace(conn: &Connection, name: &str) -> Result<i64, StoreError> {
    let found: Option<i64> = conn
        .query_row("SELECT id FROM workspaces WHERE name = ?1", params![name], |r| r.get(0))
        .optional()?;
    if let Some(id) = found {
        return Ok(id);
    }
    conn.execute("INSERT INTO workspaces (name, created_at) VALUES (?1, ?2)", params![name, now()])?;
    Ok(conn.last_insert_rowid())
}
