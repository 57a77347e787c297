//! The contact store of intake: the embedded SQLite database (one file, no server).
//!
//! [`SqliteStore`] opens (and creates, and migrates) a database file for one workspace and
//! implements [`intake_core::store::ImportStore`], the batched matching and one-transaction-
//! per-batch commits the pipeline needs. The other modules hold what the CLI does around an
//! import: custom fields and settings, the import records, deleting contacts (keeping their
//! unsubscribes as suppressions), undoing an import, exporting contacts, and what the service
//! shows and changes of single contacts (`contact_queries`, `contact_edit`).
//!
//! Every statement is scoped by `workspace_id`.

mod admin;
mod api_keys;
mod checkpointer;
mod contact_edit;
mod contact_queries;
mod contacts;
mod corrections;
mod embed;
mod error;
mod export;
mod file;
mod imports;
mod indexes;
mod jobs;
mod journal;
mod keys;
mod lease;
mod migrate;
mod notifications;
pub mod retention;
mod saved_mappings;
mod tag_spellings;
mod turn;
mod undo;
mod users;
mod writer;

pub use admin::DeleteTarget;
pub use api_keys::{ApiKey, AuditEntry, AuditRecord, NewKey, Role, authenticate, keys_changed};
pub use contact_edit::{ContactEdit, EditRefusal, Edited};
pub use contact_queries::{ContactFilter, ContactImport, ContactView, NamedCount, Search};
pub use corrections::{Correction, CorrectionRefused};
pub use embed::embed_secret;
pub use error::StoreError;
pub use export::ExportRow;
pub use file::{COMPANION_SUFFIXES, explain, store_path};
pub use imports::{ImportRecord, ImportState, NewImport};
pub use jobs::{Job, JobId, JobKind, JobOutcome, JobQueue, JobState, SqliteJobs};
pub use lease::{Claim, LEASE_TTL_SECS, Lease, LeaseAction, LeaseHolder, WorkspaceLeases};
pub use migrate::SCHEMA_VERSION;
pub use notifications::{
    AfterAttempt, Attempt, CLAIM_MS, Delivery, DeliveryState, IMPORT_EVENTS, NewNotification, NewWebhook,
    Notification, NotificationKind, NotificationQueue, SqliteNotifications, UntoldEnd, Webhook,
    WebhookTarget, now_ms, untold_ends,
};
pub use saved_mappings::SavedMapping;
pub use undo::UndoReport;
pub use users::{
    NewSession, SignInCandidate, User, WebSession, check_no_password, close_session, create_sign_in_link,
    open_session, session, use_sign_in_link, user_address, users_to_sign_in,
};
pub use writer::SqliteWriter;

use std::path::{Path, PathBuf};

use intake_core::model::{FieldDef, FieldKind, FieldType, Schema};
use rusqlite::{Connection, OptionalExtension, params};

pub(crate) use file::{busy_timeout, connect};

/// Builds, where missing, the indexes the service's pages read (see `indexes`), in the
/// store at `path`; returns the names of those it built. It takes the write lock once per
/// index built (up to a couple of seconds each on a million contacts).
pub fn build_page_indexes(path: &Path) -> Result<Vec<&'static str>, StoreError> {
    let conn = connect(path)?;
    Ok(indexes::ensure_for_pages(&conn)?)
}

/// A workspace in an SQLite database file.
pub struct SqliteStore {
    conn: Connection,
    /// The database file (absolute), for the import's other connections.
    path: PathBuf,
    workspace_id: i64,
    /// The workspace's name.
    workspace: String,
    schema: Schema,
    has_suppressions: Option<bool>,
    /// The token of the workspace lease this store holds, once granted: the import's
    /// commits and its end check that it still does.
    lease_owner: Option<String>,
}

/// `2026-12-03 10:02:11` in this machine's time zone, for seconds since the epoch.
pub fn local_time(seconds: i64) -> String {
    match jiff::Timestamp::from_second(seconds) {
        Ok(at) => {
            at.to_zoned_datetime(jiff::tz::TimeZone::system()).strftime("%Y-%m-%d %H:%M:%S").to_string()
        }
        Err(_) => seconds.to_string(),
    }
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
    /// called `workspace` (created on first use). `path` is a file path, never an SQLite URI
    /// or `:memory:`; a new store is readable by its owner only. Any number of processes may
    /// open (and create, and migrate) one store at once.
    pub fn open(path: &Path, workspace: &str) -> Result<SqliteStore, StoreError> {
        SqliteStore::open_with(path, workspace, true)
    }

    /// Opens the database at `path` (created and migrated as needed) in the workspace called
    /// `workspace`, which must exist: a mistyped name is refused, naming the workspaces there
    /// are, rather than opening an empty one.
    pub fn open_existing(path: &Path, workspace: &str) -> Result<SqliteStore, StoreError> {
        SqliteStore::open_with(path, workspace, false)
    }

    fn open_with(path: &Path, workspace: &str, create: bool) -> Result<SqliteStore, StoreError> {
        let path = store_path(path)?;
        file::create_private(&path);
        let mut conn = connect(&path)?;
        // Refused before anything is changed when it is not an intake store.
        migrate::to_latest(&mut conn, &path)?;
        journal::use_log(&conn)?;
        // A bulk load that was killed left them dropped.
        indexes::ensure_memberships(&conn)?;
        let workspace_id = match create {
            true => ensure_workspace(&conn, workspace)?,
            false => existing_workspace(&conn, workspace, &path)?,
        };
        let mut store = SqliteStore {
            conn,
            path,
            workspace_id,
            workspace: workspace.to_string(),
            schema: Schema::builtin(),
            has_suppressions: None,
            lease_owner: None,
        };
        store.schema = store.load_schema()?;
        Ok(store)
    }

    /// The workspace's fields.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// The store's file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The workspace's name.
    pub fn workspace(&self) -> &str {
        &self.workspace
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
            schema.add_stored(def).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        }
        Ok(schema)
    }
}

/// Whether no workspace of the database holds a contact: only then may an import's bulk
/// load treat the store as its own (drop the lookup indexes, leave the write-ahead log).
fn no_contact_stored(conn: &Connection) -> rusqlite::Result<bool> {
    conn.query_row("SELECT NOT EXISTS (SELECT 1 FROM contacts)", [], |r| r.get(0))
}

fn existing_workspace(conn: &Connection, name: &str, path: &Path) -> Result<i64, StoreError> {
    let found: Option<i64> = conn
        .query_row("SELECT id FROM workspaces WHERE name = ?1", params![name], |r| r.get(0))
        .optional()?;
    if let Some(id) = found {
        return Ok(id);
    }
    let mut statement = conn.prepare("SELECT name FROM workspaces ORDER BY name")?;
    let names: Vec<String> = statement.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
    let there = match names.is_empty() {
        true => "it has none yet".to_string(),
        false => format!("it has {}", names.join(", ")),
    };
    tracing::debug!(store = %path.display(), workspace = name, "no such workspace");
    Err(StoreError::Invalid(format!(
        "it has no workspace {name:?} ({there}); `intake keys create --workspace {name}` creates it"
    )))
}

fn ensure_workspace(conn: &Connection, name: &str) -> Result<i64, StoreError> {
    let found: Option<i64> = conn
        .query_row("SELECT id FROM workspaces WHERE name = ?1", params![name], |r| r.get(0))
        .optional()?;
    if let Some(id) = found {
        return Ok(id);
    }
    // Another process may create it at the same moment.
    conn.execute(
        "INSERT OR IGNORE INTO workspaces (name, created_at) VALUES (?1, ?2)",
        params![name, now()],
    )?;
    Ok(conn.query_row("SELECT id FROM workspaces WHERE name = ?1", params![name], |r| r.get(0))?)
}
