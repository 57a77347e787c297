//! The job runner: claims reviews and imports from the store's job queue (see
//! `intake_store::JobQueue`) and runs each on a thread of its own, never on the async runtime.
//! An import holds its workspace's lease like a CLI import and is recorded as the CLI records
//! it; its progress is kept in memory for `GET /v1/imports/{id}` while this process runs it.
//!
//! Because jobs are rows, a server that was killed loses none: the next claim after a restart
//! gives a dead runner's job back to the queue, and an import carries on from its checkpoint
//! (a review runs again).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use intake_core::map::Mapping;
use intake_core::report::Counts;
use intake_import::ImportError;
use intake_import::fix::with_stored_corrections;
use intake_import::input::Input;
use intake_import::review::review;
use intake_import::run::{Control, Prepared, prepare, prepare_resume};
use intake_store::{
    ImportRecord, ImportState, Job, JobKind, JobQueue, JobState, LeaseAction, SqliteJobs, SqliteStore,
    WorkspaceLeases,
};

use crate::routes::ImportSettings;

/// How far a running import is.
#[derive(Debug, Clone, Default, serde::Serialize, utoipa::ToSchema)]
pub struct Progress {
    /// Rows with an outcome so far.
    pub rows_done: u64,
    /// The file's rows, once counted.
    pub rows_total: Option<u64>,
    /// Rows per second since it started.
    pub rows_per_second: u64,
    /// Seconds left at that rate, once the total is known.
    pub seconds_left: Option<u64>,
}

/// How the runner runs.
#[derive(Debug, Clone)]
pub struct RunnerSettings {
    /// The store's file.
    pub db: PathBuf,
    /// How long a review holds.
    pub review_window: Duration,
    /// Jobs this process runs at once.
    pub max_running_jobs: usize,
    /// How long an import's files are kept after it ended.
    pub retention: Duration,
    /// The service's data folder: the only place the retention sweep deletes files in.
    pub data: PathBuf,
    /// The most rows a file to import may have.
    pub max_rows: u64,
}

/// How often an idle runner looks for jobs other processes queued, or whose turn came.
const POLL: Duration = Duration::from_millis(500);

/// How often a runner says its jobs are alive (a job is given back to the queue after
/// `intake_store::LEASE_TTL_SECS` without a sign).
const HEARTBEAT: Duration = Duration::from_secs(2);

/// How long a job waits before trying again when its workspace is busy with an import that
/// is not a job (a CLI import).
const BUSY_RETRY_SECS: i64 = 2;

/// This process's runner.
#[derive(Clone)]
pub struct Runner {
    inner: Arc<Inner>,
}

struct Inner {
    settings: RunnerSettings,
    /// The jobs running here, by workspace and import id.
    live: Mutex<HashMap<(String, i64), Live>>,
    /// Stop flags of the jobs running here, by workspace and import id.
    stops: Mutex<HashMap<(String, i64), Arc<AtomicBool>>>,
    running: AtomicUsize,
    /// Set and notified when a job was queued here (or one ended), to claim at once.
    wake: (Mutex<bool>, Condvar),
}

impl Runner {
    /// A runner that claims no job (for the OpenAPI document).
    pub fn idle(settings: RunnerSettings) -> Runner {
        let inner = Inner {
            settings,
            live: Mutex::default(),
            stops: Mutex::default(),
            running: AtomicUsize::new(0),
            wake: (Mutex::new(false), Condvar::new()),
        };
        Runner { inner: Arc::new(inner) }
    }

    /// Starts a runner on `settings.db`: its claiming thread and its heartbeat.
    pub fn start(settings: RunnerSettings) -> std::io::Result<Runner> {
        let runner = Runner::idle(settings);
        let owner =
            SqliteJobs::open(&runner.inner.settings.db).map_err(std::io::Error::other)?.owner().to_string();
        let claimer = runner.clone();
        let claimer_owner = owner.clone();
        std::thread::Builder::new()
            .name("intake-jobs".into())
            .spawn(move || claimer.claim_forever(&claimer_owner))?;
        let db = runner.inner.settings.db.clone();
        std::thread::Builder::new()
            .name("intake-jobs-beat".into())
            .spawn(move || beat_forever(&db, &owner))?;
        let settings = runner.inner.settings.clone();
        std::thread::Builder::new()
            .name("intake-retention".into())
            .spawn(move || sweep_forever(&settings))?;
        Ok(runner)
    }

    /// Says a job was queued: the runner claims at once rather than at its next look.
    pub fn wake(&self) {
        let (flag, signal) = &self.inner.wake;
        if let Ok(mut woken) = flag.lock() {
            *woken = true;
            signal.notify_one();
        }
    }

    /// The most rows a file to import may have.
    pub fn max_rows(&self) -> u64 {
        self.inner.settings.max_rows
    }

    /// Counts the rows of uploaded import `id`'s file on a thread of its own, recording the
    /// count as it comes (every 100,000 rows) and when done; stops past the row limit.
    pub fn count_rows(&self, workspace: String, id: i64, file: PathBuf) {
        let (db, max_rows) = (self.inner.settings.db.clone(), self.inner.settings.max_rows);
        let counted = std::thread::Builder::new().name(format!("intake-count-{id}")).spawn(move || {
            let count = || -> Result<(), ImportError> {
                let mut store = SqliteStore::open(&db, &workspace)?;
                let request = intake_import::input::ReadRequest { file, ..Default::default() };
                let settings = intake_import::input::settings(&request)?;
                let input = intake_import::input::open(&request.file, &settings, store.schema())?;
                let mut so_far = |rows| {
                    let _ = store.set_row_count(id, rows, false);
                };
                let rows = input.count_rows(100_000, max_rows.saturating_add(1), &mut so_far)?;
                store.set_row_count(id, rows, true)?;
                Ok(())
            };
            if let Err(error) = count() {
                tracing::warn!(import = id, %error, "counting an upload's rows");
            }
        });
        if let Err(error) = counted {
            tracing::warn!(import = id, %error, "no thread to count an upload's rows");
        }
    }

    /// The progress of import `id` of `workspace`, while this process runs it.
    pub fn progress(&self, workspace: &str, id: i64) -> Option<Progress> {
        self.inner.live.lock().ok()?.get(&(workspace.to_string(), id)).map(|live| live.progress.clone())
    }

    /// Import `id` of `workspace` as it is now, while this process runs it: its record as it
    /// started, with the counts so far (no need to read the store to answer a poll).
    pub fn running_import(&self, workspace: &str, id: i64) -> Option<(ImportRecord, Progress)> {
        let live = self.inner.live.lock().ok()?;
        let live = live.get(&(workspace.to_string(), id))?;
        let mut record = ImportRecord::clone(live.record.as_ref()?);
        record.checkpoint.counts = live.counts.clone();
        record.checkpoint.rows_done = live.counts.rows;
        Some((record, live.progress.clone()))
    }

    /// Asks the job of import `id` of `workspace` that runs here to stop at its next batch.
    pub fn stop(&self, workspace: &str, id: i64) {
        if let Some(stop) =
            self.inner.stops.lock().ok().and_then(|s| s.get(&(workspace.to_string(), id)).cloned())
        {
            stop.store(true, Ordering::Relaxed);
        }
    }

    fn claim_forever(&self, owner: &str) {
        loop {
            let claimed =
                match self.inner.running.load(Ordering::Acquire) < self.inner.settings.max_running_jobs {
                    true => self.claim_one(owner),
                    false => false,
                };
            if !claimed {
                self.wait(POLL);
            }
        }
    }

    /// Claims one job and starts it; false when there was none (or the store failed).
    fn claim_one(&self, owner: &str) -> bool {
        let claimed =
            SqliteJobs::open_as(&self.inner.settings.db, owner.to_string()).and_then(|mut q| q.claim());
        let job = match claimed {
            Ok(Some(job)) => job,
            Ok(None) => return false,
            Err(error) => {
                tracing::warn!(%error, "claiming a job");
                return false;
            }
        };
        self.inner.running.fetch_add(1, Ordering::AcqRel);
        let runner = self.clone();
        let owner = owner.to_string();
        let name = format!("intake-job-{}", job.id);
        let spawned = std::thread::Builder::new().name(name).spawn(move || {
            runner.run(&owner, job);
            runner.inner.running.fetch_sub(1, Ordering::AcqRel);
            runner.wake();
        });
        if let Err(error) = spawned {
            tracing::warn!(%error, "no thread for a job; it runs again after a restart");
            self.inner.running.fetch_sub(1, Ordering::AcqRel);
            return false;
        }
        true
    }

    fn wait(&self, at_most: Duration) {
        let (flag, signal) = &self.inner.wake;
        let Ok(woken) = flag.lock() else { return };
        if let Ok((mut woken, _)) = signal.wait_timeout_while(woken, at_most, |woken| !*woken) {
            *woken = false;
        }
    }

    /// Runs `job` and records how it ended.
    fn run(&self, owner: &str, job: Job) {
        let key = (job.workspace.clone(), job.import_id);
        let stop = Arc::new(AtomicBool::new(job.cancel_requested));
        self.set_stop(&key, Some(stop.clone()));
        tracing::info!(
            job = job.id,
            kind = job.kind.as_str(),
            import = job.import_id,
            attempt = job.attempts,
            "job started"
        );
        let ran = match job.kind {
            JobKind::Review => self.review(&job, &stop),
            JobKind::Import => self.import(&job, &stop),
            JobKind::Undo => self.undo(&job),
        };
        self.set_stop(&key, None);
        self.forget_live(&key);
        let (state, message) = match ran {
            Ok(Ran::Done) => (JobState::Done, None),
            Ok(Ran::Reported(result)) => {
                let kept = SqliteJobs::open_as(&self.inner.settings.db, owner.to_string())
                    .and_then(|mut q| q.record_result(job.id, &result));
                match kept {
                    Ok(()) => (JobState::Done, None),
                    Err(error) => (JobState::Failed, Some(format!("its report could not be kept: {error}"))),
                }
            }
            Ok(Ran::Busy) => return self.put_back(owner, &job),
            Err(ImportError::Cancelled { .. }) => (JobState::Cancelled, None),
            Err(error) => (JobState::Failed, Some(error.to_string())),
        };
        tracing::info!(
            job = job.id,
            kind = job.kind.as_str(),
            import = job.import_id,
            state = state.as_str(),
            "job ended"
        );
        let finished = SqliteJobs::open_as(&self.inner.settings.db, owner.to_string())
            .and_then(|mut q| q.finish(job.id, state, message.as_deref()));
        if let Err(error) = finished {
            tracing::warn!(job = job.id, %error, "recording the end of a job");
        }
        // A bulk load into an empty store dropped the pages' indexes.
        if job.kind == JobKind::Import {
            crate::page_indexes::build_in_background(self.inner.settings.db.clone(), "import");
        }
    }

    fn put_back(&self, owner: &str, job: &Job) {
        tracing::info!(job = job.id, "the workspace is busy with an import that is not a job: waiting");
        let put = SqliteJobs::open_as(&self.inner.settings.db, owner.to_string())
            .and_then(|mut q| q.put_back(job.id, BUSY_RETRY_SECS));
        if let Err(error) = put {
            tracing::warn!(job = job.id, %error, "giving a job back to the queue");
        }
    }

    /// Runs an import job: a queued import starts, an interrupted one (its runner was
    /// killed) carries on from its checkpoint.
    fn import(&self, job: &Job, stop: &AtomicBool) -> Result<Ran, ImportError> {
        let id = job.import_id;
        let mut store = SqliteStore::open(&self.inner.settings.db, &job.workspace)?;
        let record = store.import(id)?;
        let resume = match record.state {
            ImportState::Queued => false,
            ImportState::Running | ImportState::Interrupted => true,
            // Cancelled before its turn, or ended by a runner that was then killed.
            _ => return Ok(Ran::Done),
        };
        if stop.load(Ordering::Relaxed) {
            store.cancel_unstarted_import(id)?;
            crate::notify::import_ended(&store, id);
            return Err(ImportError::Cancelled { id, rows: 0 });
        }
        let action = if resume { LeaseAction::Resume } else { LeaseAction::Import };
        let _lease = match store.lease_import(id, action)? {
            Ok(lease) => lease,
            Err(_) => return Ok(Ran::Busy),
        };
        let prepared = match resume {
            true => prepare_resume(&store, &record).and_then(|(input, mapping)| {
                store.reopen_import(id)?;
                Ok((input, mapping, Some(record.checkpoint.clone())))
            }),
            false => self.prepare_start(&mut store, &record).map(|(input, mapping)| (input, mapping, None)),
        };
        let (input, mapping, checkpoint) = match prepared {
            Ok(prepared) => prepared,
            Err(error) => {
                // It never ran, or cannot go on: it failed, and says why.
                store.finish_import(id, ImportState::Failed, None, Some(&error.to_string()))?;
                crate::notify::import_ended(&store, id);
                return Err(error);
            }
        };
        let record = store.import(id)?;
        let key = (job.workspace.clone(), id);
        self.set_live(&key, Live { record: Some(Arc::new(record.clone())), ..Live::default() });
        let mut progress =
            self.progress_reporter(key, job.id, stop, checkpoint.as_ref().map_or(0, |c| c.counts.rows));
        let control = Control { progress: &mut progress, stop: Some(stop) };
        let ran =
            intake_import::run::execute(&mut store, &record, &input, &mapping, checkpoint.as_ref(), control);
        // A lost lease means another process carries the import on, and tells of its end.
        let carried_on = matches!(ran, Err(ImportError::Stopped(_)))
            && store
                .import(id)
                .is_ok_and(|r| matches!(r.state, ImportState::Running | ImportState::Interrupted));
        if !carried_on {
            crate::notify::import_ended(&store, id);
        }
        ran?;
        Ok(Ran::Done)
    }

    /// Runs an undo job under the workspace's lease; its report is kept for the request that
    /// asked for it, and the audit log says what it did and who asked.
    fn undo(&self, job: &Job) -> Result<Ran, ImportError> {
        let id = job.import_id;
        let mut store = SqliteStore::open(&self.inner.settings.db, &job.workspace)?;
        let _lease = match store.lease_import(id, LeaseAction::Undo)? {
            Ok(lease) => lease,
            Err(_) => return Ok(Ran::Busy),
        };
        let report = store.undo_import(id)?;
        let asked: serde_json::Value = serde_json::from_str(&job.payload).unwrap_or_default();
        let detail = serde_json::json!({
            "deleted": report.deleted, "restored": report.restored, "conflicts": report.conflicts.len(),
        });
        store.audit(&intake_store::AuditEntry {
            actor: asked["actor"].as_str().unwrap_or("service"),
            action: "import.undo",
            target: &format!("import:{id}"),
            address: asked["address"].as_str().unwrap_or(""),
            detail,
        })?;
        let result = crate::routes::UndoResult::of(id, false, report);
        serde_json::to_string(&result).map(Ran::Reported).map_err(|e| ImportError::Invalid(e.to_string()))
    }

    /// Prepares queued import `record` to start: its settings checked against its file, the
    /// file within the row limit, and the import `running` with its options.
    fn prepare_start(
        &self,
        store: &mut SqliteStore,
        record: &ImportRecord,
    ) -> Result<(Input, Mapping), ImportError> {
        let id = record.id;
        let request = settings_of(store, id)?.request(Path::new(&record.source_path));
        let Prepared { mut options, input, mapping } = prepare(store, &request, &mut |_| {})?;
        let input = with_stored_corrections(store, id, input)?;
        self.check_row_limit(record, &input)?;
        options.import_tag = Some(format!("import-{}-{id}", jiff::Timestamp::now().strftime("%Y-%m-%d")));
        store.start_uploaded_import(id, &options)?;
        Ok((input, mapping))
    }

    /// Fails when `record`'s file has more rows than the limit: by the upload's count when
    /// it is done, else by counting now.
    fn check_row_limit(&self, record: &ImportRecord, input: &Input) -> Result<(), ImportError> {
        let max = self.inner.settings.max_rows;
        let rows = match record.row_count {
            Some((rows, true)) => rows,
            _ => input.count_rows(u64::MAX, max.saturating_add(1), &mut |_| {})?,
        };
        match rows > max {
            true => Err(ImportError::Invalid(too_many_rows(max))),
            false => Ok(()),
        }
    }

    /// Runs a review job: a dry run into the review's own files; the import is `reviewed`
    /// (until the review window ends) or, when it cannot run, `uploaded` again with why.
    fn review(&self, job: &Job, stop: &AtomicBool) -> Result<Ran, ImportError> {
        let id = job.import_id;
        let mut store = SqliteStore::open(&self.inner.settings.db, &job.workspace)?;
        let record = store.import(id)?;
        if record.state != ImportState::Reviewing {
            return Ok(Ran::Done);
        }
        let reviewed = self.reviewed(&mut store, job, stop);
        match reviewed {
            Ok(text) => {
                let expires = intake_store::now() + self.inner.settings.review_window.as_secs() as i64;
                store.set_review(id, &text, expires)?;
                Ok(Ran::Done)
            }
            Err(ImportError::Cancelled { rows, .. }) => {
                store.review_failed(id, "the review was cancelled")?;
                Err(ImportError::Cancelled { id, rows })
            }
            Err(error) => {
                store.review_failed(id, &format!("the review could not run: {error}"))?;
                Err(error)
            }
        }
    }

    /// The review of `job`'s import, as JSON.
    fn reviewed(&self, store: &mut SqliteStore, job: &Job, stop: &AtomicBool) -> Result<String, ImportError> {
        let id = job.import_id;
        let mut record = store.import(id)?;
        let request = settings_of(store, id)?.request(Path::new(&record.source_path));
        let Prepared { options, input, mapping } = prepare(store, &request, &mut |_| {})?;
        let input = with_stored_corrections(store, id, input)?;
        self.check_row_limit(&record, &input)?;
        record.options = options;
        record.dry_run = true;
        record.results_path = Some(review_file(&record.source_path, "review-results.csv"));
        record.errors_path = Some(review_file(&record.source_path, "review-errors.csv"));
        let key = (job.workspace.clone(), id);
        let mut progress = self.progress_reporter(key, job.id, stop, 0);
        let control = Control { progress: &mut progress, stop: Some(stop) };
        let error_rows = PathBuf::from(review_file(&record.source_path, REVIEW_ERROR_ROWS));
        let found = review(store, &record, &input, &mapping, Some(&error_rows), control)?;
        serde_json::to_string(&found).map_err(|e| ImportError::Invalid(e.to_string()))
    }

    /// What a job's pipeline tells after each batch: its progress, kept for `GET`; and, once
    /// a second, whether another process asked the job to stop.
    fn progress_reporter<'a>(
        &'a self,
        key: (String, i64),
        job: i64,
        stop: &'a AtomicBool,
        rows_before: u64,
    ) -> impl FnMut(&Counts, Option<u64>) + 'a {
        let started = Instant::now();
        let mut asked = Instant::now();
        move |counts, total| {
            self.update_live(&key, counts, progress_of(counts, total, rows_before, started));
            if asked.elapsed() >= Duration::from_secs(1) {
                asked = Instant::now();
                let requested =
                    SqliteJobs::open(&self.inner.settings.db).and_then(|mut q| q.cancel_requested(job));
                if requested.unwrap_or(false) {
                    stop.store(true, Ordering::Relaxed);
                }
            }
        }
    }

    fn set_live(&self, key: &(String, i64), live: Live) {
        if let Ok(mut all) = self.inner.live.lock() {
            all.insert(key.clone(), live);
        }
    }

    fn update_live(&self, key: &(String, i64), counts: &Counts, progress: Progress) {
        if let Ok(mut all) = self.inner.live.lock() {
            let live = all.entry(key.clone()).or_default();
            live.counts = counts.clone();
            live.progress = progress;
        }
    }

    fn forget_live(&self, key: &(String, i64)) {
        if let Ok(mut all) = self.inner.live.lock() {
            all.remove(key);
        }
    }

    fn set_stop(&self, key: &(String, i64), stop: Option<Arc<AtomicBool>>) {
        if let Ok(mut stops) = self.inner.stops.lock() {
            match stop {
                Some(stop) => stops.insert(key.clone(), stop),
                None => stops.remove(key),
            };
        }
    }
}

/// A job running here, as polls see it.
#[derive(Default)]
struct Live {
    /// An import's record as it started (a review has none: it is read from the store).
    record: Option<Arc<ImportRecord>>,
    counts: Counts,
    progress: Progress,
}

/// How a job's run ended, short of an error.
enum Ran {
    Done,
    /// Done, with what it found for its requester (JSON).
    Reported(String),
    /// Its workspace's lease is held by an import that is not a job: it waits its turn.
    Busy,
}

/// Why a file with more than `max` rows is refused.
pub(crate) fn too_many_rows(max: u64) -> String {
    format!("the file has more than {max} rows, the most an import may have (the setting max_rows)")
}

/// The client's settings of import `id`.
fn settings_of(store: &SqliteStore, id: i64) -> Result<ImportSettings, ImportError> {
    let text = store.import_settings(id)?.unwrap_or_else(|| "{}".into());
    serde_json::from_str(&text).map_err(|e| ImportError::Invalid(format!("the import's settings: {e}")))
}

/// The review's error rows, for `GET /v1/imports/{id}/review/errors` (JSON lines).
pub(crate) const REVIEW_ERROR_ROWS: &str = "review-error-rows.jsonl";

/// `upload-….csv` → `upload-….review-errors.csv`.
pub(crate) fn review_file(source: &str, suffix: &str) -> String {
    Path::new(source).with_extension(suffix).to_string_lossy().into_owned()
}

/// Says every `HEARTBEAT` that this runner's jobs are alive, each time on a connection of its
/// own (an open one would keep an import's bulk load in the write-ahead log).
fn beat_forever(db: &Path, owner: &str) {
    loop {
        std::thread::sleep(HEARTBEAT);
        if let Err(error) = SqliteJobs::open_as(db, owner.to_string()).and_then(|mut q| q.beat()) {
            tracing::warn!(%error, "heartbeat of the running jobs");
        }
    }
}

/// How often the retention sweep looks for files to delete (more often when the retention
/// time is shorter), and for import ends left without their notifications.
const SWEEP: Duration = Duration::from_secs(60);

fn sweep_forever(settings: &RunnerSettings) {
    loop {
        sweep(settings);
        crate::notify::tell_untold_ends(&settings.db);
        std::thread::sleep(SWEEP.min(settings.retention).max(Duration::from_millis(200)));
    }
}

/// Deletes the files of the imports that ended longer ago than the retention time (their
/// review's too), and records it.
fn sweep(settings: &RunnerSettings) {
    let cutoff = intake_store::now() - settings.retention.as_secs() as i64;
    let expired = match intake_store::retention::files_past(&settings.db, cutoff) {
        Ok(expired) => expired,
        Err(error) => return tracing::warn!(%error, "looking for files past the retention time"),
    };
    for import in expired {
        let reviews = import.files.first().map(|source| {
            [
                review_file(source, "review-results.csv"),
                review_file(source, "review-errors.csv"),
                review_file(source, REVIEW_ERROR_ROWS),
            ]
        });
        for file in import.files.iter().cloned().chain(reviews.into_iter().flatten()) {
            // Only the service's own files: never a path outside its data folder.
            let path = PathBuf::from(&file);
            if !path.starts_with(&settings.data) {
                continue;
            }
            if let Err(error) = std::fs::remove_file(&path)
                && error.kind() != std::io::ErrorKind::NotFound
            {
                tracing::warn!(import = import.import_id, %error, "deleting a file past the retention time");
            }
        }
        match intake_store::retention::mark_files_deleted(&settings.db, import.workspace_id, import.import_id)
        {
            Ok(()) => tracing::info!(import = import.import_id, "files deleted after the retention time"),
            Err(error) => tracing::warn!(import = import.import_id, %error, "recording deleted files"),
        }
    }
}

fn progress_of(counts: &Counts, total: Option<u64>, rows_before: u64, started: Instant) -> Progress {
    let seconds = started.elapsed().as_secs_f64().max(0.001);
    let rate = counts.rows.saturating_sub(rows_before) as f64 / seconds;
    let left =
        total.filter(|_| rate > 0.0).map(|t| (t.saturating_sub(counts.rows) as f64 / rate).round() as u64);
    Progress {
        rows_done: counts.rows,
        rows_total: total,
        rows_per_second: rate.round() as u64,
        seconds_left: left,
    }
}
