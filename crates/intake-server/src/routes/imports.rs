//! `GET /v1/imports` and `GET /v1/imports/{id}`: the workspace's import history.

use axum::Json;
use axum::extract::{Path, Query, State};
use intake_store::{ImportRecord, ImportState, JobKind, JobState, SqliteStore};
use serde::Serialize;
use utoipa::ToSchema;

use super::{Page, parse_id};
use crate::auth::Caller;
use crate::error::{AppError, ErrorBody};
use crate::runner::{Progress, Runner};
use crate::state::AppState;

/// An import as the history shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Import {
    id: String,
    file_name: String,
    /// `uploaded`, `reviewing`, `reviewed`, `expired`, `queued`, `running`, `completed`,
    /// `interrupted`, `failed`, `cancelled`, `undone`
    state: String,
    dry_run: bool,
    /// Seconds since the epoch.
    started_at: i64,
    finished_at: Option<i64>,
    counts: Counts,
    /// Why it failed, when it did.
    message: Option<String>,
    /// How far it is, while it runs.
    #[serde(skip_serializing_if = "Option::is_none")]
    progress: Option<crate::runner::Progress>,
    /// While queued: how many imports of the workspace run or wait before it.
    #[serde(skip_serializing_if = "Option::is_none")]
    queue_position: Option<u64>,
    /// Once reviewed: until when the review holds (seconds since the epoch).
    #[serde(skip_serializing_if = "Option::is_none")]
    review_expires_at: Option<i64>,
    /// Who started it (`key:<id>`).
    #[serde(skip_serializing_if = "Option::is_none")]
    started_by: Option<String>,
    /// When its files (upload, results, errors) were deleted after the retention time.
    #[serde(skip_serializing_if = "Option::is_none")]
    files_deleted_at: Option<i64>,
    /// An uploaded file's rows, counted in the background: so far, and whether that is all.
    #[serde(skip_serializing_if = "Option::is_none")]
    row_count: Option<RowCount>,
    /// The options it runs (or ran) with, once started (before, `PATCH` answers its settings).
    #[serde(skip_serializing_if = "Option::is_none")]
    options: Option<Options>,
}

/// The options an import ran with, by the CLI's flag names.
#[derive(Debug, Serialize, ToSchema)]
pub struct Options {
    purpose: String,
    identifier: String,
    no_overwrite: bool,
    tags: Vec<String>,
    lists: Vec<String>,
    unsubscribe_all: bool,
    default_region: Option<String>,
}

impl Options {
    fn of(options: &intake_core::plan::ImportOptions) -> Options {
        Options {
            purpose: options.purpose.name().to_string(),
            identifier: options.identifier.name().to_string(),
            no_overwrite: !options.overwrite,
            tags: options.tags.clone(),
            lists: options.lists.clone(),
            unsubscribe_all: options.unsubscribe_all,
            default_region: options.default_region.clone(),
        }
    }
}

/// The rows of an uploaded file as counted so far.
#[derive(Debug, Serialize, ToSchema)]
pub struct RowCount {
    rows: u64,
    /// Whether the count is done.
    done: bool,
}

impl Import {
    /// Whether it has ended: nothing about it changes any more but an undo.
    pub(crate) fn has_ended(&self) -> bool {
        !matches!(self.state.as_str(), "reviewing" | "queued" | "running")
    }
}

/// Import `id` as the API shows it: with its place in the queue, and its progress (from the
/// runner when it runs here, else from its last checkpoint).
pub(crate) fn view(store: &SqliteStore, runner: &Runner, id: i64) -> Result<Import, AppError> {
    let record = store.import(id).map_err(|_| AppError::not_found(format!("no import {id}")))?;
    let (mut state, rows_done) = (record.state, record.checkpoint.rows_done);
    let job = match state {
        ImportState::Queued | ImportState::Interrupted => store.job_of(id, JobKind::Import)?,
        _ => None,
    };
    // Its runner was killed, and its job waits to be taken up again (by this server once it
    // looks, or another): the service carries it on, so it waits in line.
    if state == ImportState::Interrupted
        && job.is_some_and(|(_, s)| matches!(s, JobState::Queued | JobState::Running))
    {
        state = ImportState::Queued;
    }
    let mut import = Import::from(record);
    import.state = state.as_str().to_string();
    if state == ImportState::Queued
        && let Some((job, _)) = job
    {
        import.queue_position = Some(store.jobs_ahead(job)?);
    }
    if matches!(state, ImportState::Running | ImportState::Reviewing) {
        import.progress = runner.progress(store.workspace(), id).or_else(|| {
            Some(Progress { rows_done, ..Progress::default() }).filter(|_| state == ImportState::Running)
        });
    }
    Ok(import)
}

/// Rows by outcome, as the CLI's `--json` names them.
#[derive(Debug, Serialize, ToSchema)]
pub struct Counts {
    rows: u64,
    imported: u64,
    updated: u64,
    skipped: u64,
    errors: u64,
}

impl From<ImportRecord> for Import {
    fn from(r: ImportRecord) -> Import {
        let c = &r.checkpoint.counts;
        let counts = Counts {
            rows: c.rows,
            imported: c.imported,
            updated: c.updated,
            skipped: c.skipped,
            errors: c.errors,
        };
        Import {
            id: r.id.to_string(),
            file_name: r.file_name,
            state: r.state.as_str().to_string(),
            dry_run: r.dry_run,
            started_at: r.started_at,
            finished_at: r.finished_at,
            counts,
            message: r.message,
            progress: None,
            queue_position: None,
            review_expires_at: r.review_expires_at,
            started_by: r.started_by,
            files_deleted_at: r.files_deleted_at,
            row_count: r.row_count.map(|(rows, done)| RowCount { rows, done }),
            options: (!r.state.before_start()).then(|| Options::of(&r.options)),
        }
    }
}

/// The workspace's imports, newest first.
#[utoipa::path(get, path = "/imports", operation_id = "list_imports", tag = "imports", params(Page),
    responses((status = 200, body = [Import]), (status = 401, body = ErrorBody)))]
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(page): Query<Page>,
) -> Result<Json<Vec<Import>>, AppError> {
    let (before, limit) = (page.before()?.unwrap_or(i64::MAX), page.limit()? as usize);
    let imports = state.with_store(&caller, |store| Ok(store.imports()?)).await?;
    let mut imports: Vec<Import> = imports.into_iter().filter(|r| r.id < before).map(Import::from).collect();
    imports.sort_by_key(|i| std::cmp::Reverse(i.id.parse::<i64>().unwrap_or(0)));
    imports.truncate(limit);
    Ok(Json(imports))
}

/// One import of the workspace; another workspace's is 404, as a missing one.
#[utoipa::path(get, path = "/imports/{id}", operation_id = "get_import", tag = "imports", params(("id" = String, Path, description = "The import's id")),
    responses((status = 200, body = Import), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Import>, AppError> {
    let id = parse_id(&id)?;
    Ok(Json(current(&state, &caller, id).await?))
}

/// Import `id` of the caller's workspace as it is now: from the runner's memory while it
/// runs in this process (a poll then reads nothing from the store), else from the store.
pub(crate) async fn current(state: &AppState, caller: &Caller, id: i64) -> Result<Import, AppError> {
    if let Some((record, progress)) = state.runner().running_import(&caller.workspace, id) {
        let mut import = Import::from(record);
        import.progress = Some(progress);
        return Ok(import);
    }
    let runner = state.runner().clone();
    state.with_store(caller, move |store| view(store, &runner, id)).await
}
