//! Corrections of an uploaded import's rows, made in its review ("fix in place"): per row
//! number the corrected cells by header, who made them and when. The import and its review
//! read them over the file's rows (`intake_core::overlay`); the file is never rewritten.
//!
//! A correction can only be made, replaced or taken back while the import's settings can
//! change (`uploaded` or `reviewed`), and the check and the change are one transaction, so a
//! start that queues the import in between wins and the correction is refused. It must not
//! check the cells against the file: the caller does, against the file as it reads it.

use std::collections::BTreeMap;

use rusqlite::{OptionalExtension, params};

use crate::{SqliteStore, StoreError, now};

/// One row's correction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Correction {
    /// Row number (the header is row 1).
    pub row: u64,
    /// Header → the corrected cell.
    pub cells: BTreeMap<String, String>,
    /// Who made it (`key:<id>`).
    pub corrected_by: String,
    /// When (seconds since the epoch).
    pub corrected_at: i64,
}

/// Why a correction was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CorrectionRefused {
    /// The workspace has no such import.
    NoImport,
    /// The import is in this state (`reviewing`, `queued`, `running` …), where its rows can
    /// no longer change.
    State(String),
}

fn read(r: &rusqlite::Row<'_>) -> rusqlite::Result<(i64, String, String, i64)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
}

fn correction(
    (row, cells, corrected_by, corrected_at): (i64, String, String, i64),
) -> Result<Correction, StoreError> {
    let cells = serde_json::from_str(&cells)
        .map_err(|e| StoreError::Corrupt(format!("the correction of row {row}: {e}")))?;
    Ok(Correction { row: row as u64, cells, corrected_by, corrected_at })
}

impl SqliteStore {
    /// Stores `cells` as the correction of row `row` of import `import` (replacing one it
    /// had), made by `by`; a reviewed import is `uploaded` again, its review kept but no
    /// longer holding (its counts may have changed).
    pub fn put_correction(
        &mut self,
        import: i64,
        row: u64,
        cells: &BTreeMap<String, String>,
        by: &str,
    ) -> Result<Result<Correction, CorrectionRefused>, StoreError> {
        let text = serde_json::to_string(cells).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let at = now();
        let workspace = self.workspace_id;
        self.changing_rows(import, |tx| {
            tx.execute(
                "INSERT INTO import_corrections (workspace_id, import_id, row, cells, corrected_by, corrected_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (workspace_id, import_id, row) \
                 DO UPDATE SET cells = excluded.cells, corrected_by = excluded.corrected_by, \
                 corrected_at = excluded.corrected_at",
                params![workspace, import, row as i64, text, by, at],
            )?;
            Ok(Correction { row, cells: cells.clone(), corrected_by: by.to_string(), corrected_at: at })
        })
    }

    /// Takes the correction of row `row` of import `import` back; `Ok(false)` when it had
    /// none. A reviewed import is `uploaded` again, as after [`SqliteStore::put_correction`].
    pub fn delete_correction(
        &mut self,
        import: i64,
        row: u64,
    ) -> Result<Result<bool, CorrectionRefused>, StoreError> {
        let workspace = self.workspace_id;
        self.changing_rows(import, |tx| {
            let deleted = tx.execute(
                "DELETE FROM import_corrections WHERE workspace_id = ?1 AND import_id = ?2 AND row = ?3",
                params![workspace, import, row as i64],
            )?;
            Ok(deleted == 1)
        })
    }

    /// Runs `change` in one transaction with the check that import `import`'s rows may
    /// change, and marks its review as no longer holding (kept, with no time it holds until).
    fn changing_rows<T>(
        &mut self,
        import: i64,
        change: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<Result<T, CorrectionRefused>, StoreError> {
        let workspace = self.workspace_id;
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let sql = "SELECT state FROM imports WHERE workspace_id = ?1 AND id = ?2 AND settings IS NOT NULL";
        let state: Option<String> = tx.query_row(sql, params![workspace, import], |r| r.get(0)).optional()?;
        match state.as_deref() {
            None => return Ok(Err(CorrectionRefused::NoImport)),
            Some("uploaded" | "reviewed") => {}
            Some(other) => return Ok(Err(CorrectionRefused::State(other.to_string()))),
        }
        let done = change(&tx)?;
        tx.execute(
            "UPDATE imports SET state = 'uploaded', review_expires_at = NULL \
             WHERE workspace_id = ?1 AND id = ?2 AND state = 'reviewed'",
            params![workspace, import],
        )?;
        tx.commit()?;
        Ok(Ok(done))
    }

    /// The correction of row `row` of import `import`, if it has one.
    pub fn correction(&self, import: i64, row: u64) -> Result<Option<Correction>, StoreError> {
        let sql = "SELECT row, cells, corrected_by, corrected_at FROM import_corrections \
                   WHERE workspace_id = ?1 AND import_id = ?2 AND row = ?3";
        let found =
            self.conn.query_row(sql, params![self.workspace_id, import, row as i64], read).optional()?;
        found.map(correction).transpose()
    }

    /// Every correction of import `import`, by row.
    pub fn corrections(&self, import: i64) -> Result<Vec<Correction>, StoreError> {
        let sql = "SELECT row, cells, corrected_by, corrected_at FROM import_corrections \
                   WHERE workspace_id = ?1 AND import_id = ?2 ORDER BY row";
        let mut stmt = self.conn.prepare(sql)?;
        let rows = stmt.query_map(params![self.workspace_id, import], read)?;
        rows.map(|r| r.map_err(StoreError::from).and_then(correction)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ImportState;

    #[test]
    fn a_correction_outdates_a_review_is_refused_once_queued_and_stays_in_its_workspace() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("intake.db");
        let mut one = SqliteStore::open(&path, "one").unwrap();
        let mut two = SqliteStore::open(&path, "two").unwrap();
        let id = one
            .create_uploaded_import("a.csv", "/d/a.csv", "/d/a.results.csv", "/d/a.errors.csv", "{}")
            .unwrap();
        one.queue_review(id).unwrap();
        one.set_review(id, "{}", now() + 3600).unwrap();
        let cells = BTreeMap::from([("Email".to_string(), "anna@example.com".to_string())]);

        let stored = one.put_correction(id, 3, &cells, "key:1").unwrap().unwrap();
        assert_eq!((stored.row, stored.corrected_by.as_str()), (3, "key:1"));
        let record = one.import(id).unwrap();
        assert_eq!((record.state, record.review_expires_at), (ImportState::Uploaded, None));
        assert!(one.import_review(id).unwrap().is_some(), "the review stays, outdated");
        assert_eq!(two.put_correction(id, 3, &cells, "key:2").unwrap(), Err(CorrectionRefused::NoImport));
        assert_eq!(two.corrections(id).unwrap(), vec![]);

        one.queue_import(id, "key:1").unwrap();
        let refused = one.put_correction(id, 4, &cells, "key:1").unwrap();
        assert_eq!(refused, Err(CorrectionRefused::State("queued".into())));
        assert_eq!(one.delete_correction(id, 3).unwrap(), Err(CorrectionRefused::State("queued".into())));
        assert_eq!(one.corrections(id).unwrap(), vec![stored.clone()]);
        assert_eq!(one.correction(id, 3).unwrap(), Some(stored));
    }
}
