//! The service's job queue: reviews, imports and undos as rows in the store, claimed by the
//! runners of any number of `intake serve` processes on it.
//!
//! A job is queued by a request and claimed by a runner, which records itself (host, process,
//! heartbeat) on the row. A workspace runs one import or undo at a time, in the order they were
//! queued (an import also holds the workspace's lease while it runs, so that a CLI import
//! cannot run beside it); a review is a dry run and runs beside them. A runner that was killed
//! leaves its job `running`: the next claim, by any runner, gives it back to the queue once its
//! process is gone or silent for longer than a lease lasts, and the job carries on from its
//! import's checkpoint.
//!
//! [`JobQueue`] is the contract. PostgreSQL keeps it with `SELECT … FOR UPDATE SKIP LOCKED` on
//! the oldest runnable row, the per-workspace order checked in the same statement; SQLite
//! keeps it by claiming inside one `BEGIN IMMEDIATE` transaction.

use std::path::Path;

use intake_core::model::ImportId;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use crate::lease::{Process, owner_token, this_host, this_process};
use crate::{SqliteStore, StoreError, now};

/// A job's id.
pub type JobId = i64;

/// What a job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    /// A dry run of an uploaded import: its counts, error file and first rows.
    Review,
    /// Runs an import (or carries it on from its checkpoint).
    Import,
    /// Undoes an import.
    Undo,
}

impl JobKind {
    /// The kind's name.
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Review => "review",
            JobKind::Import => "import",
            JobKind::Undo => "undo",
        }
    }

    fn parse(text: &str) -> Option<JobKind> {
        [JobKind::Review, JobKind::Import, JobKind::Undo].into_iter().find(|k| k.as_str() == text)
    }
}

/// Where a job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobState {
    /// Waiting for a runner.
    Queued,
    /// Claimed by a runner.
    Running,
    /// Ended as it should.
    Done,
    /// Ended by an error.
    Failed,
    /// Stopped on request.
    Cancelled,
}

impl JobState {
    /// The state's name.
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Failed => "failed",
            JobState::Cancelled => "cancelled",
        }
    }

    fn parse(text: &str) -> Option<JobState> {
        [JobState::Queued, JobState::Running, JobState::Done, JobState::Failed, JobState::Cancelled]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

/// A claimed job.
#[derive(Debug, Clone)]
pub struct Job {
    /// Its id.
    pub id: JobId,
    /// The workspace's name.
    pub workspace: String,
    /// What it does.
    pub kind: JobKind,
    /// The import it is about.
    pub import_id: ImportId,
    /// What the kind needs (JSON).
    pub payload: String,
    /// How many times a runner claimed it, this time included (more than 1 after a runner
    /// was killed while it ran).
    pub attempts: i64,
    /// Whether it was asked to stop.
    pub cancel_requested: bool,
}

/// The job queue a store keeps.
pub trait JobQueue {
    /// The store's error.
    type Error;

    /// Claims the oldest job that may run now, for this runner: first gives the jobs of
    /// runners that are gone back to the queue.
    fn claim(&mut self) -> Result<Option<Job>, Self::Error>;

    /// Says that this runner's jobs are still running.
    fn beat(&mut self) -> Result<(), Self::Error>;

    /// Ends job `id` (of this runner) in `state`, with a message for a failure.
    fn finish(&mut self, id: JobId, state: JobState, message: Option<&str>) -> Result<(), Self::Error>;

    /// Gives job `id` back to the queue, to run again after `delay_secs` (its workspace was
    /// busy with an import that is not a job, such as the CLI's).
    fn put_back(&mut self, id: JobId, delay_secs: i64) -> Result<(), Self::Error>;

    /// Whether job `id` was asked to stop.
    fn cancel_requested(&mut self, id: JobId) -> Result<bool, Self::Error>;

    /// Keeps what job `id` (of this runner) found, for its requester (JSON).
    fn record_result(&mut self, id: JobId, result: &str) -> Result<(), Self::Error>;
}

/// How a job ended, as its requester reads it.
#[derive(Debug, Clone)]
pub struct JobOutcome {
    pub state: JobState,
    /// What it found (JSON), if it keeps something.
    pub result: Option<String>,
    /// Why it failed, if it did.
    pub message: Option<String>,
}

/// The job queue of an SQLite store, as one runner sees it.
pub struct SqliteJobs {
    conn: Connection,
    /// This runner's token, on the rows it claims.
    owner: String,
}

impl SqliteJobs {
    /// The queue of the store at `path` (which must exist), for a runner of this process.
    pub fn open(path: &Path) -> Result<SqliteJobs, StoreError> {
        let conn = crate::file::connect(path)?;
        let (pid, started) = this_process();
        Ok(SqliteJobs { conn, owner: owner_token(pid, started) })
    }

    /// The queue of the store at `path` for the runner `owner` (another connection of a
    /// runner opened with [`SqliteJobs::open`]).
    pub fn open_as(path: &Path, owner: String) -> Result<SqliteJobs, StoreError> {
        Ok(SqliteJobs { conn: crate::file::connect(path)?, owner })
    }

    /// This runner's token.
    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// Gives the running jobs whose runner is gone back to the queue.
    fn requeue_abandoned(conn: &Connection) -> Result<(), StoreError> {
        for id in abandoned(conn)? {
            tracing::info!(job = id, "job of a runner that is gone: queued again");
            conn.execute("UPDATE jobs SET state = 'queued', owner = NULL WHERE id = ?1", params![id])?;
        }
        Ok(())
    }

    /// Whether a claim could find anything: a queued job that may run now, or a running one
    /// whose runner is gone. Read without the write lock, which a runner looking twice a
    /// second would otherwise take from the imports that write batch after batch.
    fn worth_claiming(&self) -> Result<bool, StoreError> {
        if self.conn.query_row(RUNNABLE, params![now()], |_| Ok(())).optional()?.is_some() {
            return Ok(true);
        }
        Ok(!abandoned(&self.conn)?.is_empty())
    }
}

/// The running jobs whose runner is gone (its process ended, or silent too long).
fn abandoned(conn: &Connection) -> Result<Vec<JobId>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, host, pid, process_started, heartbeat_at FROM jobs WHERE state = 'running'",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get(2)?, r.get(3)?, r.get::<_, i64>(4)?))
    })?;
    let at = now();
    let mut gone = Vec::new();
    for row in rows {
        let (id, host, pid, started, heartbeat_at) = row?;
        if !(Process { host: &host, pid, started }).is_live(heartbeat_at, at) {
            gone.push(id);
        }
    }
    Ok(gone)
}

/// The oldest queued job that may run now: a review at any time; an import or undo when no
/// other import or undo of its workspace runs or was queued before it.
const RUNNABLE: &str = "SELECT j.id FROM jobs j WHERE j.state = 'queued' AND j.run_after <= ?1 \
     AND (j.kind = 'review' OR NOT EXISTS (SELECT 1 FROM jobs o WHERE o.workspace_id = j.workspace_id \
     AND o.kind != 'review' AND (o.state = 'running' OR (o.state = 'queued' AND o.id < j.id)))) \
     ORDER BY j.id LIMIT 1";

impl JobQueue for SqliteJobs {
    type Error = StoreError;

    fn claim(&mut self) -> Result<Option<Job>, StoreError> {
        if !self.worth_claiming()? {
            return Ok(None);
        }
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        SqliteJobs::requeue_abandoned(&tx)?;
        let at = now();
        let Some(id) = tx.query_row(RUNNABLE, params![at], |r| r.get::<_, i64>(0)).optional()? else {
            return Ok(None);
        };
        let (pid, started) = this_process();
        tx.execute(
            "UPDATE jobs SET state = 'running', owner = ?1, host = ?2, pid = ?3, process_started = ?4, \
             heartbeat_at = ?5, started_at = coalesce(started_at, ?5), attempts = attempts + 1 WHERE id = ?6",
            params![self.owner, this_host(), pid, started, at, id],
        )?;
        let job = tx.query_row(
            "SELECT j.id, w.name, j.kind, j.import_id, j.payload, j.attempts, j.cancel_requested \
             FROM jobs j JOIN workspaces w ON w.id = j.workspace_id WHERE j.id = ?1",
            params![id],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, i64>(5)?,
                    r.get::<_, bool>(6)?,
                ))
            },
        )?;
        tx.commit()?;
        let (id, workspace, kind, import_id, payload, attempts, cancel_requested) = job;
        let kind = JobKind::parse(&kind).ok_or_else(|| StoreError::Corrupt(format!("job kind {kind}")))?;
        Ok(Some(Job { id, workspace, kind, import_id, payload, attempts, cancel_requested }))
    }

    fn beat(&mut self) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE jobs SET heartbeat_at = ?1 WHERE owner = ?2 AND state = 'running'",
            params![now(), self.owner],
        )?;
        Ok(())
    }

    fn finish(&mut self, id: JobId, state: JobState, message: Option<&str>) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE jobs SET state = ?1, message = ?2, finished_at = ?3 WHERE id = ?4 AND owner = ?5",
            params![state.as_str(), message, now(), id, self.owner],
        )?;
        Ok(())
    }

    fn put_back(&mut self, id: JobId, delay_secs: i64) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE jobs SET state = 'queued', owner = NULL, run_after = ?1, attempts = attempts - 1 \
             WHERE id = ?2 AND owner = ?3",
            params![now() + delay_secs, id, self.owner],
        )?;
        Ok(())
    }

    fn cancel_requested(&mut self, id: JobId) -> Result<bool, StoreError> {
        let sql = "SELECT cancel_requested FROM jobs WHERE id = ?1";
        Ok(self.conn.query_row(sql, params![id], |r| r.get(0)).optional()?.unwrap_or(false))
    }

    fn record_result(&mut self, id: JobId, result: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE jobs SET result = ?1 WHERE id = ?2 AND owner = ?3",
            params![result, id, self.owner],
        )?;
        Ok(())
    }
}

/// A workspace's side of the queue: what its requests queue and ask.
impl SqliteStore {
    /// Queues a job of `kind` for import `import_id`.
    pub fn enqueue_job(
        &mut self,
        kind: JobKind,
        import_id: ImportId,
        payload: &str,
    ) -> Result<JobId, StoreError> {
        enqueue(&self.conn, self.workspace_id, kind, import_id, payload)
    }

    /// The latest job of `kind` for import `import_id`, with its state.
    pub fn job_of(
        &self,
        import_id: ImportId,
        kind: JobKind,
    ) -> Result<Option<(JobId, JobState)>, StoreError> {
        let sql = "SELECT id, state FROM jobs WHERE workspace_id = ?1 AND import_id = ?2 AND kind = ?3 \
                   ORDER BY id DESC LIMIT 1";
        let row = self
            .conn
            .query_row(sql, params![self.workspace_id, import_id, kind.as_str()], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
            })
            .optional()?;
        row.map(|(id, state)| {
            let state =
                JobState::parse(&state).ok_or_else(|| StoreError::Corrupt(format!("job state {state}")))?;
            Ok((id, state))
        })
        .transpose()
    }

    /// Job `id` of the workspace: its state, what it found and why it failed.
    pub fn job_outcome(&self, id: JobId) -> Result<Option<JobOutcome>, StoreError> {
        let sql = "SELECT state, result, message FROM jobs WHERE workspace_id = ?1 AND id = ?2";
        let row = self
            .conn
            .query_row(sql, params![self.workspace_id, id], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?, r.get::<_, Option<String>>(2)?))
            })
            .optional()?;
        row.map(|(state, result, message)| {
            let state =
                JobState::parse(&state).ok_or_else(|| StoreError::Corrupt(format!("job state {state}")))?;
            Ok(JobOutcome { state, result, message })
        })
        .transpose()
    }

    /// How many imports and undos of the workspace run or wait before queued job `id`.
    pub fn jobs_ahead(&self, id: JobId) -> Result<u64, StoreError> {
        let sql = "SELECT count(*) FROM jobs WHERE workspace_id = ?1 AND kind != 'review' \
                   AND state IN ('queued', 'running') AND id < ?2";
        Ok(self.conn.query_row(sql, params![self.workspace_id, id], |r| r.get::<_, i64>(0))? as u64)
    }

    /// Asks job `id` to stop: a queued one is cancelled at once (true), a running one is
    /// asked to stop at its next batch (false).
    pub fn cancel_job(&mut self, id: JobId) -> Result<bool, StoreError> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let cancelled_now = tx.execute(
            "UPDATE jobs SET state = 'cancelled', cancel_requested = 1, finished_at = ?1 \
             WHERE workspace_id = ?2 AND id = ?3 AND state = 'queued'",
            params![now(), self.workspace_id, id],
        )? == 1;
        if !cancelled_now {
            tx.execute(
                "UPDATE jobs SET cancel_requested = 1 WHERE workspace_id = ?1 AND id = ?2 AND state = 'running'",
                params![self.workspace_id, id],
            )?;
        }
        tx.commit()?;
        Ok(cancelled_now)
    }
}

pub(crate) fn enqueue(
    conn: &Connection,
    workspace_id: i64,
    kind: JobKind,
    import_id: ImportId,
    payload: &str,
) -> Result<JobId, StoreError> {
    let at = now();
    conn.execute(
        "INSERT INTO jobs (workspace_id, kind, import_id, state, payload, run_after, created_at) \
         VALUES (?1, ?2, ?3, 'queued', ?4, ?5, ?5)",
        params![workspace_id, kind.as_str(), import_id, payload, at],
    )?;
    Ok(conn.last_insert_rowid())
}
