//! Running imports for the service: each on a thread of its own (engine work never runs on the
//! async runtime), holding its workspace's lease like a CLI import, with its progress kept in
//! memory for `GET /v1/imports/{id}` while it runs. The store records how it ends.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use intake_core::report::Counts;
use intake_import::ImportError;
use intake_import::run::{Prepared, prepare};
use intake_import::settings::ImportRequest;
use intake_store::{LeaseAction, SqliteStore, WorkspaceLeases};

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

/// The imports this process runs, by workspace and id.
#[derive(Clone, Default)]
pub struct Runner {
    running: Arc<Mutex<HashMap<(String, i64), Progress>>>,
}

impl Runner {
    /// The progress of import `id` of `workspace`, while this process runs it.
    pub fn progress(&self, workspace: &str, id: i64) -> Option<Progress> {
        self.running.lock().ok()?.get(&(workspace.to_string(), id)).cloned()
    }

    /// Takes the workspace's lease for import `id` (recorded at upload with `request`'s
    /// settings) and runs it on a thread of its own. Fails at once, before the thread, when the
    /// settings do not work with the file or another import holds the lease.
    pub fn start(
        &self,
        db: PathBuf,
        workspace: String,
        id: i64,
        request: ImportRequest,
    ) -> Result<(), ImportError> {
        let mut store = SqliteStore::open(&db, &workspace)?;
        let Prepared { mut options, input, mapping } = prepare(&store, &request, &mut |_| {})?;
        let lease = match store.lease_import(id, LeaseAction::Import)? {
            Ok(lease) => lease,
            Err(holder) => return Err(ImportError::Busy(holder.to_string())),
        };
        options.import_tag = Some(format!("import-{}-{id}", jiff::Timestamp::now().strftime("%Y-%m-%d")));
        store.start_uploaded_import(id, &options)?;
        let key = (workspace, id);
        self.set(&key, Progress::default());
        tracing::info!(import = id, "import running");
        let runner = self.clone();
        let spawned = std::thread::Builder::new().name(format!("intake-import-{id}")).spawn(move || {
            let _lease = lease;
            let started = Instant::now();
            let outcome = store.import(id).map_err(ImportError::from).and_then(|record| {
                intake_import::run::execute(
                    &mut store,
                    &record,
                    &input,
                    &mapping,
                    None,
                    &mut |counts, total| runner.set(&key, progress_of(counts, total, started)),
                )
            });
            match outcome {
                Ok(c) => tracing::info!(
                    import = id,
                    rows = c.rows,
                    imported = c.imported,
                    updated = c.updated,
                    skipped = c.skipped,
                    errors = c.errors,
                    "import completed"
                ),
                Err(error) => tracing::warn!(import = id, %error, "import stopped"),
            }
            runner.forget(&key);
        });
        spawned.map_err(|e| ImportError::Stopped(format!("no thread for import {id}: {e}")))?;
        Ok(())
    }

    fn set(&self, key: &(String, i64), progress: Progress) {
        if let Ok(mut running) = self.running.lock() {
            running.insert(key.clone(), progress);
        }
    }

    fn forget(&self, key: &(String, i64)) {
        if let Ok(mut running) = self.running.lock() {
            running.remove(key);
        }
    }
}

fn progress_of(counts: &Counts, total: Option<u64>, started: Instant) -> Progress {
    let seconds = started.elapsed().as_secs_f64().max(0.001);
    let rate = counts.rows as f64 / seconds;
    let left =
        total.filter(|_| rate > 0.0).map(|t| (t.saturating_sub(counts.rows) as f64 / rate).round() as u64);
    Progress {
        rows_done: counts.rows,
        rows_total: total,
        rows_per_second: rate.round() as u64,
        seconds_left: left,
    }
}
