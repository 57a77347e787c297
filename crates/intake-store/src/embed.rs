//! What the embeddable wizard keeps in the store: the secret that signs embed tokens and
//! sessions (one per store, so any server on it verifies them), and which imports an embed
//! session uploaded. The secret is made by the caller (the store draws no random numbers) and
//! must never be logged or shown.

use rusqlite::{OptionalExtension, params};

use crate::{SqliteStore, StoreError, now};

/// The store's embed secret; `candidate` becomes it when the store has none yet (the first
/// server to ask wins, and every later one reads the same).
pub fn embed_secret(path: &std::path::Path, candidate: &[u8]) -> Result<Vec<u8>, StoreError> {
    let conn = crate::connect(&crate::store_path(path)?)?;
    let found: Option<Vec<u8>> =
        conn.query_row("SELECT secret FROM embed_secret WHERE id = 1", [], |r| r.get(0)).optional()?;
    if let Some(secret) = found {
        return Ok(secret);
    }
    conn.execute(
        "INSERT INTO embed_secret (id, secret, created_at) VALUES (1, ?1, ?2) ON CONFLICT (id) DO NOTHING",
        params![candidate, now()],
    )?;
    Ok(conn.query_row("SELECT secret FROM embed_secret WHERE id = 1", [], |r| r.get(0))?)
}

impl SqliteStore {
    /// Records that embed session `session` uploaded import `import_id` of this workspace.
    pub fn mark_embed_import(&self, import_id: i64, session: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO embed_imports (import_id, session, created_at) \
             SELECT id, ?2, ?3 FROM imports WHERE id = ?1 AND workspace_id = ?4",
            params![import_id, session, now(), self.workspace_id],
        )?;
        Ok(())
    }

    /// The embed session that uploaded import `import_id` of this workspace, if one did.
    pub fn embed_session_of(&self, import_id: i64) -> Result<Option<String>, StoreError> {
        let sql = "SELECT e.session FROM embed_imports e JOIN imports i ON i.id = e.import_id \
                   WHERE e.import_id = ?1 AND i.workspace_id = ?2";
        Ok(self.conn.query_row(sql, params![import_id, self.workspace_id], |r| r.get(0)).optional()?)
    }
}
