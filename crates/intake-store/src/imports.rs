//! Import records: every import is recorded when it starts (file, options, state), carries
//! its checkpoint while it runs, and its counts when it ends. A `running` import whose
//! holder is gone (see `lease`) reads as `interrupted`.

use intake_core::model::ImportId;
use intake_core::plan::ImportOptions;
use intake_core::report::Checkpoint;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use crate::jobs::{JobId, JobKind};

use crate::{SqliteStore, StoreError, now};

/// Where an import stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportState {
    /// Uploaded to the service and not started: its settings may still change.
    Uploaded,
    /// Its review (a dry run) is queued or runs.
    Reviewing,
    /// Reviewed: its counts, error file and first rows are known, and hold until the review
    /// expires.
    Reviewed,
    /// Reviewed longer ago than the review window: review it again before it starts. Never
    /// stored: a `reviewed` import reads as this once its review's time is up.
    Expired,
    /// Started through the service, waiting for its turn.
    Queued,
    /// Started and not finished, its process alive.
    Running,
    /// Started and not finished, its process gone (killed, or silent for longer than the
    /// lease lasts): `imports resume` finishes it. Never stored: a `running` import reads as
    /// this when no live process holds its workspace's lease for it.
    Interrupted,
    /// Every row has its outcome.
    Completed,
    /// Stopped by an error; can be resumed once the cause is fixed.
    Failed,
    /// Stopped on request, at a batch's end: what it wrote stays, and can be undone.
    Cancelled,
    /// Undone.
    Undone,
}

impl ImportState {
    /// The state's name.
    pub fn as_str(self) -> &'static str {
        match self {
            ImportState::Uploaded => "uploaded",
            ImportState::Reviewing => "reviewing",
            ImportState::Reviewed => "reviewed",
            ImportState::Expired => "expired",
            ImportState::Queued => "queued",
            ImportState::Running => "running",
            ImportState::Interrupted => "interrupted",
            ImportState::Completed => "completed",
            ImportState::Failed => "failed",
            ImportState::Cancelled => "cancelled",
            ImportState::Undone => "undone",
        }
    }

    /// Whether it never changed a contact: uploaded to the service and not yet run.
    pub fn before_start(self) -> bool {
        matches!(
            self,
            ImportState::Uploaded
                | ImportState::Reviewing
                | ImportState::Reviewed
                | ImportState::Expired
                | ImportState::Queued
        )
    }

    fn parse(text: &str) -> Option<ImportState> {
        [
            Self::Uploaded,
            Self::Reviewing,
            Self::Reviewed,
            Self::Queued,
            Self::Running,
            Self::Completed,
            Self::Failed,
            Self::Cancelled,
            Self::Undone,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

/// One import as recorded.
#[derive(Debug, Clone)]
pub struct ImportRecord {
    /// Its id.
    pub id: ImportId,
    /// The file's name as given.
    pub file_name: String,
    /// The file's path, to read it again on resume.
    pub source_path: String,
    /// The options it runs with.
    pub options: ImportOptions,
    /// Whether it was a dry run.
    pub dry_run: bool,
    /// Where it stands.
    pub state: ImportState,
    /// Its progress and counts.
    pub checkpoint: Checkpoint,
    /// The results file, if one was asked for.
    pub results_path: Option<String>,
    /// The error file, if one was asked for.
    pub errors_path: Option<String>,
    /// Why it failed, if it did.
    pub message: Option<String>,
    /// Start, in seconds since the epoch.
    pub started_at: i64,
    /// End, in seconds since the epoch.
    pub finished_at: Option<i64>,
    /// When an interrupted import gave its last sign of life.
    pub stopped_at: Option<i64>,
    /// Until when its review holds (seconds since the epoch), once reviewed.
    pub review_expires_at: Option<i64>,
    /// Who started it (`key:<id>`), when it was started through the service.
    pub started_by: Option<String>,
    /// When the service deleted its files after the retention time.
    pub files_deleted_at: Option<i64>,
    /// The uploaded file's rows as counted so far, and whether the count is done.
    pub row_count: Option<(u64, bool)>,
}

/// What is recorded when an import starts.
pub struct NewImport<'a> {
    /// The file's name as given.
    pub file_name: &'a str,
    /// The file's path.
    pub source_path: &'a str,
    /// The options.
    pub options: &'a ImportOptions,
    /// Whether it is a dry run.
    pub dry_run: bool,
    /// The results file.
    pub results_path: Option<&'a str>,
    /// The error file.
    pub errors_path: Option<&'a str>,
}

const COLUMNS: &str = "id, file_name, source_path, options, dry_run, state, checkpoint, results_path, \
                       errors_path, message, started_at, finished_at, stopped_at, review_expires_at, started_by, \
                       files_deleted_at, row_count, row_count_done";

fn json_error(e: serde_json::Error) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

impl SqliteStore {
    /// Records a new import in state `running` and returns its id, without the workspace's
    /// lease: for a dry run, which changes no contact (an import takes the lease with
    /// [`crate::WorkspaceLeases::begin_import`]).
    pub fn create_import(&mut self, new: &NewImport<'_>) -> Result<ImportId, StoreError> {
        insert_import(&self.conn, self.workspace_id, new)
    }

    /// Records a file uploaded to the service as an import in state `uploaded`, with the
    /// client's `settings` (JSON), and returns its id.
    pub fn create_uploaded_import(
        &mut self,
        file_name: &str,
        source_path: &str,
        results_path: &str,
        errors_path: &str,
        settings: &str,
    ) -> Result<ImportId, StoreError> {
        let options = serde_json::to_string(&ImportOptions::default()).map_err(json_error)?;
        let checkpoint = serde_json::to_string(&Checkpoint::default()).map_err(json_error)?;
        self.conn.execute(
            "INSERT INTO imports (workspace_id, file_name, source_path, options, dry_run, state, checkpoint, \
             results_path, errors_path, started_at, settings) \
             VALUES (?1, ?2, ?3, ?4, 0, 'uploaded', ?5, ?6, ?7, ?8, ?9)",
            params![
                self.workspace_id,
                file_name,
                source_path,
                options,
                checkpoint,
                results_path,
                errors_path,
                now(),
                settings
            ],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// The client's settings of an uploaded import.
    pub fn import_settings(&self, id: ImportId) -> Result<Option<String>, StoreError> {
        let sql = "SELECT settings FROM imports WHERE workspace_id = ?1 AND id = ?2";
        Ok(self.conn.query_row(sql, params![self.workspace_id, id], |r| r.get(0)).optional()?.flatten())
    }

    /// Changes the client's settings of an import that is `uploaded` or `reviewed` (its review
    /// no longer holds: it is `uploaded` again); false when it is in another state.
    pub fn set_import_settings(&mut self, id: ImportId, settings: &str) -> Result<bool, StoreError> {
        let changed = self.conn.execute(
            "UPDATE imports SET settings = ?1, state = 'uploaded', review = NULL, review_expires_at = NULL \
             WHERE workspace_id = ?2 AND id = ?3 AND state IN ('uploaded', 'reviewed')",
            params![settings, self.workspace_id, id],
        )?;
        Ok(changed == 1)
    }

    /// Records the rows of uploaded import `id`'s file counted so far, and whether that is all.
    pub fn set_row_count(&mut self, id: ImportId, rows: u64, done: bool) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE imports SET row_count = ?1, row_count_done = ?2 WHERE workspace_id = ?3 AND id = ?4",
            params![rows as i64, done, self.workspace_id, id],
        )?;
        Ok(())
    }

    /// Queues the review of an `uploaded` or `reviewed` (also expired) import: it is
    /// `reviewing` until the job ends. Returns the job's id.
    pub fn queue_review(&mut self, id: ImportId) -> Result<JobId, StoreError> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let changed = tx.execute(
            "UPDATE imports SET state = 'reviewing', review = NULL, review_expires_at = NULL, message = NULL \
             WHERE workspace_id = ?1 AND id = ?2 AND state IN ('uploaded', 'reviewed')",
            params![self.workspace_id, id],
        )?;
        if changed != 1 {
            return Err(StoreError::Invalid(format!("import {id} cannot be reviewed in its state")));
        }
        let job = crate::jobs::enqueue(&tx, self.workspace_id, JobKind::Review, id, "{}")?;
        tx.commit()?;
        Ok(job)
    }

    /// Records what the review of import `id` found (JSON), holding until `expires_at`.
    pub fn set_review(&mut self, id: ImportId, review: &str, expires_at: i64) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE imports SET state = 'reviewed', review = ?1, review_expires_at = ?2 \
             WHERE workspace_id = ?3 AND id = ?4 AND state = 'reviewing'",
            params![review, expires_at, self.workspace_id, id],
        )?;
        Ok(())
    }

    /// Records that the review of import `id` could not run: it is `uploaded` again, with why.
    pub fn review_failed(&mut self, id: ImportId, message: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE imports SET state = 'uploaded', message = ?1 WHERE workspace_id = ?2 AND id = ?3 \
             AND state = 'reviewing'",
            params![message, self.workspace_id, id],
        )?;
        Ok(())
    }

    /// What the review of import `id` found (JSON), if it was reviewed.
    pub fn import_review(&self, id: ImportId) -> Result<Option<String>, StoreError> {
        let sql = "SELECT review FROM imports WHERE workspace_id = ?1 AND id = ?2";
        Ok(self.conn.query_row(sql, params![self.workspace_id, id], |r| r.get(0)).optional()?.flatten())
    }

    /// Queues an `uploaded` import, or a `reviewed` one whose review holds, to run, started
    /// by `started_by`: it is `queued` until a runner takes it. Returns the job's id.
    pub fn queue_import(&mut self, id: ImportId, started_by: &str) -> Result<JobId, StoreError> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let changed = tx.execute(
            "UPDATE imports SET state = 'queued', started_by = ?1, message = NULL WHERE workspace_id = ?2 \
             AND id = ?3 AND (state = 'uploaded' OR (state = 'reviewed' AND review_expires_at >= ?4))",
            params![started_by, self.workspace_id, id, now()],
        )?;
        if changed != 1 {
            return Err(StoreError::Invalid(format!("import {id} cannot start in its state")));
        }
        let job = crate::jobs::enqueue(&tx, self.workspace_id, JobKind::Import, id, "{}")?;
        tx.commit()?;
        Ok(job)
    }

    /// Starts a queued import with `options`: it is `running` from now on. The caller holds
    /// the workspace's lease for it.
    pub fn start_uploaded_import(&mut self, id: ImportId, options: &ImportOptions) -> Result<(), StoreError> {
        let options = serde_json::to_string(options).map_err(json_error)?;
        let changed = self.conn.execute(
            "UPDATE imports SET state = 'running', options = ?1, started_at = ?2 \
             WHERE workspace_id = ?3 AND id = ?4 AND state = 'queued'",
            params![options, now(), self.workspace_id, id],
        )?;
        match changed {
            1 => Ok(()),
            _ => Err(StoreError::Invalid(format!("import {id} is not a queued import waiting to start"))),
        }
    }

    /// Cancels import `id` before it ran (queued, or its review): it is `cancelled`.
    pub fn cancel_unstarted_import(&mut self, id: ImportId) -> Result<bool, StoreError> {
        let changed = self.conn.execute(
            "UPDATE imports SET state = 'cancelled', finished_at = ?1 WHERE workspace_id = ?2 AND id = ?3 \
             AND state IN ('queued', 'uploaded', 'reviewing', 'reviewed')",
            params![now(), self.workspace_id, id],
        )?;
        Ok(changed == 1)
    }

    /// Stores the options of an import (the import tag is known only once its id is).
    pub fn set_import_options(&mut self, id: ImportId, options: &ImportOptions) -> Result<(), StoreError> {
        let options = serde_json::to_string(options).map_err(json_error)?;
        self.conn.execute(
            "UPDATE imports SET options = ?1 WHERE workspace_id = ?2 AND id = ?3",
            params![options, self.workspace_id, id],
        )?;
        Ok(())
    }

    /// Records the end of an import with its final checkpoint; an import that holds the
    /// workspace's lease only while it still does.
    pub fn finish_import(
        &mut self,
        id: ImportId,
        state: ImportState,
        checkpoint: Option<&Checkpoint>,
        message: Option<&str>,
    ) -> Result<(), StoreError> {
        let checkpoint = checkpoint.map(serde_json::to_string).transpose().map_err(json_error)?;
        let tx = self.conn.transaction()?;
        if let Some(owner) = &self.lease_owner {
            crate::lease::check_held(&tx, self.workspace_id, owner)?;
        }
        tx.execute(
            "UPDATE imports SET state = ?1, checkpoint = coalesce(?2, checkpoint), message = ?3, finished_at = ?4 \
             WHERE workspace_id = ?5 AND id = ?6",
            params![state.as_str(), checkpoint, message, now(), self.workspace_id, id],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Marks an import as running again (resume). Its next end is told anew, whatever an
    /// earlier one (a failure) told.
    pub fn reopen_import(&mut self, id: ImportId) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE imports SET state = 'running', message = NULL, finished_at = NULL, stopped_at = NULL, \
             notified_at = NULL WHERE workspace_id = ?1 AND id = ?2",
            params![self.workspace_id, id],
        )?;
        Ok(())
    }

    /// The import with this id.
    pub fn import(&self, id: ImportId) -> Result<ImportRecord, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM imports WHERE workspace_id = ?1 AND id = ?2");
        let record = self.conn.query_row(&sql, params![self.workspace_id, id], read_record).optional()?;
        let mut record = record.ok_or_else(|| StoreError::Invalid(format!("no import with id {id}")))??;
        self.mark_interrupted(std::slice::from_mut(&mut record))?;
        Ok(record)
    }

    /// Every import of the workspace, newest first.
    pub fn imports(&self) -> Result<Vec<ImportRecord>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM imports WHERE workspace_id = ?1 ORDER BY id DESC");
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(params![self.workspace_id], read_record)?;
        let mut records =
            rows.map(|r| r.map_err(StoreError::from).and_then(|r| r)).collect::<Result<Vec<_>, _>>()?;
        self.mark_interrupted(&mut records)?;
        Ok(records)
    }

    /// Marks the `running` imports that no live process runs as interrupted, with their
    /// last sign of life.
    fn mark_interrupted(&self, records: &mut [ImportRecord]) -> Result<(), StoreError> {
        let at = now();
        for record in records.iter_mut().filter(|r| r.state == ImportState::Reviewed) {
            if record.review_expires_at.is_some_and(|expires| expires < at) {
                record.state = ImportState::Expired;
            }
        }
        let crate::lease::LeaseState { live, left_behind } =
            crate::lease::lease_state(&self.conn, self.workspace_id)?;
        for record in records.iter_mut().filter(|r| r.state == ImportState::Running && !r.dry_run) {
            if live == Some(record.id) {
                continue;
            }
            record.state = ImportState::Interrupted;
            if let Some((_, heartbeat)) = left_behind.filter(|(import, _)| *import == record.id) {
                record.stopped_at = Some(heartbeat);
            }
            record.stopped_at = record.stopped_at.or(Some(record.started_at));
        }
        Ok(())
    }
}

/// Records a new import in state `running` and returns its id.
pub(crate) fn insert_import(
    conn: &Connection,
    workspace_id: i64,
    new: &NewImport<'_>,
) -> Result<ImportId, StoreError> {
    let options = serde_json::to_string(new.options).map_err(json_error)?;
    let checkpoint = serde_json::to_string(&Checkpoint::default()).map_err(json_error)?;
    conn.execute(
        "INSERT INTO imports (workspace_id, file_name, source_path, options, dry_run, state, checkpoint, \
         results_path, errors_path, started_at) VALUES (?1, ?2, ?3, ?4, ?5, 'running', ?6, ?7, ?8, ?9)",
        params![
            workspace_id,
            new.file_name,
            new.source_path,
            options,
            new.dry_run,
            checkpoint,
            new.results_path,
            new.errors_path,
            now()
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

fn read_record(row: &rusqlite::Row<'_>) -> rusqlite::Result<Result<ImportRecord, StoreError>> {
    let options: String = row.get(3)?;
    let state: String = row.get(5)?;
    let checkpoint: String = row.get(6)?;
    let build = || -> Result<ImportRecord, StoreError> {
        Ok(ImportRecord {
            id: row.get(0)?,
            file_name: row.get(1)?,
            source_path: row.get(2)?,
            options: serde_json::from_str(&options).map_err(json_error)?,
            dry_run: row.get(4)?,
            state: ImportState::parse(&state)
                .ok_or_else(|| StoreError::Corrupt(format!("import state {state}")))?,
            checkpoint: serde_json::from_str(&checkpoint).map_err(json_error)?,
            results_path: row.get(7)?,
            errors_path: row.get(8)?,
            message: row.get(9)?,
            started_at: row.get(10)?,
            finished_at: row.get(11)?,
            stopped_at: row.get(12)?,
            review_expires_at: row.get(13)?,
            started_by: row.get(14)?,
            files_deleted_at: row.get(15)?,
            row_count: row
                .get::<_, Option<i64>>(16)?
                .map(|n| (n.max(0) as u64, row.get(17).unwrap_or(false))),
        })
    };
    Ok(build())
}
