//! Mappings saved through the service, per workspace and by name: a recurring import from the
//! same source applies one by its id rather than mapping every column again. The mapping is
//! JSON `{"Header": "field" | null}` as the import settings take it; its fields are checked by
//! the caller against the workspace's schema before it is saved.

use rusqlite::{OptionalExtension, params};

use crate::{SqliteStore, StoreError, now};

/// A saved mapping.
#[derive(Debug, Clone)]
pub struct SavedMapping {
    pub id: i64,
    pub name: String,
    /// `{"Header": "field" | null}`, as JSON.
    pub mapping: String,
    /// Who saved it last (`key:<id>`).
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "id, name, mapping, created_by, created_at, updated_at";

fn read(r: &rusqlite::Row<'_>) -> rusqlite::Result<SavedMapping> {
    Ok(SavedMapping {
        id: r.get(0)?,
        name: r.get(1)?,
        mapping: r.get(2)?,
        created_by: r.get(3)?,
        created_at: r.get(4)?,
        updated_at: r.get(5)?,
    })
}

impl SqliteStore {
    /// Saves `mapping` (JSON) under `name`, replacing a mapping of that name; returns its id.
    pub fn save_mapping(&self, name: &str, mapping: &str, saved_by: &str) -> Result<i64, StoreError> {
        let at = now();
        self.conn.execute(
            "INSERT INTO saved_mappings (workspace_id, name, mapping, created_by, created_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?5) ON CONFLICT (workspace_id, name) \
             DO UPDATE SET mapping = excluded.mapping, created_by = excluded.created_by, updated_at = ?5",
            params![self.workspace_id, name, mapping, saved_by, at],
        )?;
        let sql = "SELECT id FROM saved_mappings WHERE workspace_id = ?1 AND name = ?2";
        Ok(self.conn.query_row(sql, params![self.workspace_id, name], |r| r.get(0))?)
    }

    /// The workspace's saved mappings, by name.
    pub fn saved_mappings(&self) -> Result<Vec<SavedMapping>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM saved_mappings WHERE workspace_id = ?1 ORDER BY name");
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(params![self.workspace_id], read)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Saved mapping `id` of the workspace.
    pub fn saved_mapping(&self, id: i64) -> Result<Option<SavedMapping>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM saved_mappings WHERE workspace_id = ?1 AND id = ?2");
        Ok(self.conn.query_row(&sql, params![self.workspace_id, id], read).optional()?)
    }

    /// Deletes saved mapping `id`; false when the workspace has none of that id.
    pub fn delete_saved_mapping(&self, id: i64) -> Result<bool, StoreError> {
        let sql = "DELETE FROM saved_mappings WHERE workspace_id = ?1 AND id = ?2";
        Ok(self.conn.execute(sql, params![self.workspace_id, id])? == 1)
    }
}
