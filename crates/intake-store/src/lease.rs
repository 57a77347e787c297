//! One import per workspace at a time, across processes: the workspace's lease.
//!
//! An import, a resume or an undo changes a workspace's contacts only while it holds the
//! workspace's lease: a row in `leases` naming the import, the holder's host, process and
//! a heartbeat. It is granted in the same transaction that records a new import, before the
//! import reads the store, so two imports of one file can never both decide that a person is
//! new. A second claim fails at once, naming the holder ([`LeaseHolder`]'s sentence); the
//! caller may wait and try again.
//!
//! A holder that was killed leaves its row behind. The next claim takes the lease over when
//! the holder's process is gone from this host, or when its heartbeat is older than
//! [`LEASE_TTL_SECS`] (a holder on another host, or one that hangs); the import it held is
//! then `interrupted`, stopped at its last heartbeat. A holder that comes back after that
//! finds at its next commit that the lease is no longer its own and stops without writing
//! (see [`check_held`]).
//!
//! [`WorkspaceLeases`] is the contract a store keeps; PostgreSQL can keep it with a row per
//! workspace locked `FOR UPDATE` in the claiming transaction, or with a session advisory lock
//! on the workspace id held by the import's connection.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{RecvTimeoutError, SyncSender, sync_channel};
use std::thread::JoinHandle;
use std::time::Duration;

use intake_core::model::ImportId;
use rusqlite::{Connection, OptionalExtension, params};

use crate::{NewImport, SqliteStore, StoreError, local_time, now};

/// How often a holder says it is alive.
const HEARTBEAT: Duration = Duration::from_secs(2);

/// Seconds without a heartbeat after which a lease is free, whatever its holder's process.
pub const LEASE_TTL_SECS: i64 = 60;

/// What a lease is held for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeaseAction {
    /// A new import.
    Import,
    /// Finishing an interrupted or failed import.
    Resume,
    /// Undoing an import.
    Undo,
}

impl LeaseAction {
    fn as_str(self) -> &'static str {
        match self {
            LeaseAction::Import => "import",
            LeaseAction::Resume => "resume",
            LeaseAction::Undo => "undo",
        }
    }

    fn parse(text: &str) -> LeaseAction {
        match text {
            "resume" => LeaseAction::Resume,
            "undo" => LeaseAction::Undo,
            _ => LeaseAction::Import,
        }
    }
}

/// Who holds a workspace's lease.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseHolder {
    /// The workspace's name.
    pub workspace: String,
    /// The import it runs, resumes or undoes.
    pub import_id: ImportId,
    /// What it does.
    pub action: LeaseAction,
    /// The holder's host.
    pub host: String,
    /// The holder's process id on that host.
    pub pid: i64,
    /// Since when it holds the lease, in seconds since the epoch.
    pub since: i64,
}

impl std::fmt::Display for LeaseHolder {
    /// "import 7 is running in workspace default since 2026-12-03 10:02:11 (pid 4711)".
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = match self.action {
            LeaseAction::Import | LeaseAction::Resume => format!("import {} is running", self.import_id),
            LeaseAction::Undo => format!("an undo of import {} is running", self.import_id),
        };
        write!(
            f,
            "{what} in workspace {} since {} (pid {}",
            self.workspace,
            local_time(self.since),
            self.pid
        )?;
        if self.host != this_host() {
            write!(f, " on host {}", self.host)?;
        }
        write!(f, ")")
    }
}

/// What a claim of the lease gives: the granted thing, or who holds the lease.
pub type Claim<T> = Result<T, LeaseHolder>;

/// The lease as a store grants it: the workspace's one import, resume or undo at a time.
pub trait WorkspaceLeases {
    /// The store's error.
    type Error;
    /// A held lease; dropping it releases the lease.
    type Lease;

    /// Records a new import and grants it the lease, in one step; or names the live holder.
    fn begin_import(&mut self, new: &NewImport<'_>) -> Result<Claim<(ImportId, Self::Lease)>, Self::Error>;

    /// Grants the lease for `action` on the recorded import `id`; or names the live holder.
    fn lease_import(&mut self, id: ImportId, action: LeaseAction) -> Result<Claim<Self::Lease>, Self::Error>;

    /// The live holder of the workspace's lease, if any.
    fn lease_holder(&mut self) -> Result<Option<LeaseHolder>, Self::Error>;
}

/// A held lease: a thread keeps its heartbeat, and dropping it releases the lease.
pub struct Lease {
    stop: Option<SyncSender<()>>,
    keeper: Option<JoinHandle<()>>,
}

impl Drop for Lease {
    fn drop(&mut self) {
        // Disconnecting wakes the keeper, which releases the lease and ends.
        self.stop = None;
        if let Some(keeper) = self.keeper.take() {
            let _ = keeper.join();
        }
    }
}

impl Lease {
    /// Starts the heartbeat of the lease `owner` holds on workspace `workspace_id`.
    fn keep(path: &Path, workspace_id: i64, owner: String) -> Result<Lease, StoreError> {
        let (stop, stopped) = sync_channel::<()>(0);
        let path = path.to_path_buf();
        let keeper = std::thread::Builder::new().name("intake-lease".into()).spawn(move || {
            let keeper = Keeper { path, workspace_id, owner };
            while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(HEARTBEAT) {
                keeper.beat();
            }
            keeper.release();
        })?;
        Ok(Lease { stop: Some(stop), keeper: Some(keeper) })
    }
}

/// The heartbeat thread's side of a lease.
struct Keeper {
    path: PathBuf,
    workspace_id: i64,
    owner: String,
}

impl Keeper {
    /// Each beat opens a connection of its own and closes it: an open connection would keep
    /// an import's bulk load from leaving the write-ahead log (see `journal`).
    fn run(&self, sql: &str, params: impl rusqlite::Params) -> Result<usize, StoreError> {
        let conn = crate::file::connect(&self.path)?;
        Ok(conn.execute(sql, params)?)
    }

    fn beat(&self) {
        let sql = "UPDATE leases SET heartbeat_at = ?1 WHERE workspace_id = ?2 AND owner = ?3";
        match self.run(sql, params![now(), self.workspace_id, self.owner]) {
            Ok(1) => {}
            Ok(_) => tracing::warn!("the workspace's lease passed to another process"),
            Err(error) => tracing::warn!(%error, "heartbeat of the workspace's lease"),
        }
    }

    fn release(&self) {
        let sql = "DELETE FROM leases WHERE workspace_id = ?1 AND owner = ?2";
        if let Err(error) = self.run(sql, params![self.workspace_id, self.owner]) {
            // Left behind, it is taken over like a killed holder's.
            tracing::warn!(%error, "releasing the workspace's lease");
        }
    }
}

/// A `leases` row.
struct LeaseRow {
    import_id: ImportId,
    action: LeaseAction,
    host: String,
    pid: i64,
    process_started: Option<i64>,
    acquired_at: i64,
    heartbeat_at: i64,
}

impl LeaseRow {
    /// Whether its holder is still alive: a recent heartbeat, and on this host a process
    /// with its id that started when it did (so a reused pid is not mistaken for it).
    fn is_live(&self, at: i64) -> bool {
        Process { host: &self.host, pid: self.pid, started: self.process_started }
            .is_live(self.heartbeat_at, at)
    }

    fn holder(&self, workspace: &str) -> LeaseHolder {
        LeaseHolder {
            workspace: workspace.to_string(),
            import_id: self.import_id,
            action: self.action,
            host: self.host.clone(),
            pid: self.pid,
            since: self.acquired_at,
        }
    }
}

fn read_lease(conn: &Connection, workspace_id: i64) -> rusqlite::Result<Option<LeaseRow>> {
    let sql = "SELECT import_id, action, host, pid, process_started, acquired_at, heartbeat_at \
               FROM leases WHERE workspace_id = ?1";
    conn.query_row(sql, params![workspace_id], |r| {
        Ok(LeaseRow {
            import_id: r.get(0)?,
            action: LeaseAction::parse(&r.get::<_, String>(1)?),
            host: r.get(2)?,
            pid: r.get(3)?,
            process_started: r.get(4)?,
            acquired_at: r.get(5)?,
            heartbeat_at: r.get(6)?,
        })
    })
    .optional()
}

/// The live holder's lease, or `None` after clearing a dead holder's (its import, if it was
/// running, is marked stopped at its last heartbeat). Runs inside the claiming transaction.
fn live_holder_or_clear(
    conn: &Connection,
    workspace_id: i64,
    workspace: &str,
) -> Result<Option<LeaseHolder>, StoreError> {
    let Some(row) = read_lease(conn, workspace_id)? else { return Ok(None) };
    if row.is_live(now()) {
        return Ok(Some(row.holder(workspace)));
    }
    conn.execute(
        "UPDATE imports SET stopped_at = ?1 WHERE workspace_id = ?2 AND id = ?3 AND state = 'running'",
        params![row.heartbeat_at, workspace_id, row.import_id],
    )?;
    conn.execute("DELETE FROM leases WHERE workspace_id = ?1", params![workspace_id])?;
    Ok(None)
}

/// Grants the lease on `workspace_id` to this process for `action` on `import_id`; returns
/// the new holder's token.
fn grant(
    conn: &Connection,
    workspace_id: i64,
    import_id: ImportId,
    action: LeaseAction,
) -> Result<String, StoreError> {
    let (pid, started) = this_process();
    let at = now();
    let owner = owner_token(pid, started);
    conn.execute(
        "INSERT OR REPLACE INTO leases (workspace_id, import_id, action, owner, host, pid, process_started, \
         acquired_at, heartbeat_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
        params![workspace_id, import_id, action.as_str(), owner, this_host(), pid, started, at],
    )?;
    tracing::debug!(import_id, action = action.as_str(), "workspace lease granted");
    Ok(owner)
}

/// Fails unless `owner` still holds the lease on `workspace_id`: called inside every
/// transaction that changes the workspace on the lease's behalf, so that a holder that was
/// silent too long, and whose lease was taken over, writes nothing more.
pub(crate) fn check_held(conn: &Connection, workspace_id: i64, owner: &str) -> Result<(), StoreError> {
    let held: bool = conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM leases WHERE workspace_id = ?1 AND owner = ?2)")?
        .query_row(params![workspace_id, owner], |r| r.get(0))?;
    if held {
        return Ok(());
    }
    Err(StoreError::LeaseLost(
        "this process was silent for longer than its lease lasts, and another process took the workspace \
         over; nothing more was written"
            .into(),
    ))
}

/// Who runs a workspace's imports, as `imports list` shows it.
pub(crate) struct LeaseState {
    /// The import a live holder runs (imports or resumes; an undo holds an import that does
    /// not run).
    pub(crate) live: Option<ImportId>,
    /// The import of a dead holder whose lease is not yet taken over, and its last heartbeat.
    pub(crate) left_behind: Option<(ImportId, i64)>,
}

pub(crate) fn lease_state(conn: &Connection, workspace_id: i64) -> rusqlite::Result<LeaseState> {
    let (live, left_behind) = match read_lease(conn, workspace_id)? {
        Some(row) if row.is_live(now()) => {
            (Some(row.import_id).filter(|_| row.action != LeaseAction::Undo), None)
        }
        Some(row) => (None, Some((row.import_id, row.heartbeat_at))),
        None => (None, None),
    };
    Ok(LeaseState { live, left_behind })
}

impl WorkspaceLeases for SqliteStore {
    type Error = StoreError;
    type Lease = Lease;

    fn begin_import(&mut self, new: &NewImport<'_>) -> Result<Claim<(ImportId, Lease)>, StoreError> {
        let (ws, name) = (self.workspace_id, self.workspace.clone());
        let tx = self.conn.transaction()?;
        if let Some(holder) = live_holder_or_clear(&tx, ws, &name)? {
            return Ok(Err(holder));
        }
        let id = crate::imports::insert_import(&tx, ws, new)?;
        let owner = grant(&tx, ws, id, LeaseAction::Import)?;
        tx.commit()?;
        Ok(Ok((id, self.hold(owner)?)))
    }

    fn lease_import(&mut self, id: ImportId, action: LeaseAction) -> Result<Claim<Lease>, StoreError> {
        let (ws, name) = (self.workspace_id, self.workspace.clone());
        let tx = self.conn.transaction()?;
        if let Some(holder) = live_holder_or_clear(&tx, ws, &name)? {
            return Ok(Err(holder));
        }
        let owner = grant(&tx, ws, id, action)?;
        tx.commit()?;
        Ok(Ok(self.hold(owner)?))
    }

    fn lease_holder(&mut self) -> Result<Option<LeaseHolder>, StoreError> {
        let row = read_lease(&self.conn, self.workspace_id)?;
        Ok(row.filter(|row| row.is_live(now())).map(|row| row.holder(&self.workspace)))
    }
}

impl SqliteStore {
    /// Makes this store the lease's holder: what it writes from now on checks the lease.
    fn hold(&mut self, owner: String) -> Result<Lease, StoreError> {
        self.lease_owner = Some(owner.clone());
        Lease::keep(&self.path, self.workspace_id, owner)
    }
}

/// A process that holds something in the store (a lease, a job), as recorded with it.
pub(crate) struct Process<'a> {
    pub(crate) host: &'a str,
    pub(crate) pid: i64,
    /// When it started (see [`process_started`]), so that a reused pid is not mistaken for it.
    pub(crate) started: Option<i64>,
}

impl Process<'_> {
    /// Whether it is still alive at `at`, its last sign of life at `heartbeat_at`: a recent
    /// heartbeat, and on this host a process with its id that started when it did.
    pub(crate) fn is_live(&self, heartbeat_at: i64, at: i64) -> bool {
        if at - heartbeat_at > LEASE_TTL_SECS {
            return false;
        }
        if self.host != this_host() {
            return true;
        }
        match process_started(self.pid) {
            Some(started) => self.started.is_none_or(|recorded| recorded == started),
            // No such process, unless this system cannot tell (no /proc).
            None => process_started(std::process::id() as i64).is_none(),
        }
    }
}

/// This process: its pid and when it started.
pub(crate) fn this_process() -> (i64, Option<i64>) {
    let pid = std::process::id() as i64;
    (pid, process_started(pid))
}

/// A token no other holder has: this process (pid and start) and the moment.
pub(crate) fn owner_token(pid: i64, started: Option<i64>) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("{}:{pid}:{}:{nanos}", this_host(), started.unwrap_or(0))
}

/// This machine's name (empty where the system does not say).
pub(crate) fn this_host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|name| name.trim().to_string())
        .or_else(|_| std::env::var("HOSTNAME"))
        .unwrap_or_default()
}

/// When process `pid` started, in clock ticks since boot (field 22 of `/proc/PID/stat`), or
/// `None` when there is no such process or no `/proc`.
fn process_started(pid: i64) -> Option<i64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces and parentheses: count from its end.
    let (_, after_name) = stat.rsplit_once(')')?;
    after_name.split_whitespace().nth(19)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_alive_and_an_unused_pid_is_not() {
        let me = std::process::id() as i64;
        let row = |pid, started| LeaseRow {
            import_id: 1,
            action: LeaseAction::Import,
            host: this_host(),
            pid,
            process_started: started,
            acquired_at: now(),
            heartbeat_at: now(),
        };
        assert!(row(me, process_started(me)).is_live(now()));
        if process_started(me).is_some() {
            assert!(!row(me, process_started(me).map(|s| s + 1)).is_live(now()), "a reused pid");
            assert!(!row(i32::MAX as i64, None).is_live(now()));
        }
        assert!(!row(me, process_started(me)).is_live(now() + LEASE_TTL_SECS + 1), "a silent holder");
    }
}
