//! The retention time of the service's files: an import's upload, results and error files are
//! deleted once it ended longer ago than the retention time, and its record says when. Only
//! imports made through the service are concerned (a CLI import's files are the user's own).

use std::path::Path;

use intake_core::model::ImportId;
use rusqlite::params;

use crate::{StoreError, now};

/// The files of one import whose retention time is over.
#[derive(Debug, Clone)]
pub struct ExpiredFiles {
    /// The import's workspace's id.
    pub workspace_id: i64,
    /// The import.
    pub import_id: ImportId,
    /// Its upload, results and error files, as recorded.
    pub files: Vec<String>,
}

/// The service's imports (in every workspace of the store at `path`) that ended, or were
/// uploaded and left, before `cutoff` (seconds since the epoch), with files not yet deleted.
/// Imports that wait or run are never among them.
pub fn files_past(path: &Path, cutoff: i64) -> Result<Vec<ExpiredFiles>, StoreError> {
    let conn = crate::file::connect(path)?;
    let mut stmt = conn.prepare(
        "SELECT workspace_id, id, source_path, results_path, errors_path FROM imports \
         WHERE settings IS NOT NULL AND files_deleted_at IS NULL \
         AND state NOT IN ('reviewing', 'queued', 'running') \
         AND coalesce(finished_at, started_at) < ?1 ORDER BY id LIMIT 1000",
    )?;
    let rows = stmt.query_map(params![cutoff], |r| {
        let files: Vec<Option<String>> = vec![r.get(2)?, r.get(3)?, r.get(4)?];
        Ok(ExpiredFiles {
            workspace_id: r.get(0)?,
            import_id: r.get(1)?,
            files: files.into_iter().flatten().collect(),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Records that the files of import `import_id` were deleted.
pub fn mark_files_deleted(path: &Path, workspace_id: i64, import_id: ImportId) -> Result<(), StoreError> {
    let conn = crate::file::connect(path)?;
    conn.execute(
        "UPDATE imports SET files_deleted_at = ?1 WHERE workspace_id = ?2 AND id = ?3",
        params![now(), workspace_id, import_id],
    )?;
    // The corrections hold cells of the file: they go with it.
    conn.execute(
        "DELETE FROM import_corrections WHERE workspace_id = ?1 AND import_id = ?2",
        params![workspace_id, import_id],
    )?;
    Ok(())
}
