//! `POST /v1/imports/{id}/undo`: undoes an import as `intake imports undo` does, as a job of
//! the workspace's queue (under its lease, never beside an import that runs), or with
//! `?dry_run=true` says what it would do, changing nothing; `GET …/undo` reads the latest
//! undo's report. Conflicts (values changed since, contacts another import touched) are
//! listed, never clobbered.

use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use intake_store::{
    ImportState, JobId, JobKind, JobOutcome, JobState, LeaseAction, SqliteStore, UndoReport, WorkspaceLeases,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::parse_id;
use crate::auth::Caller;
use crate::error::{AppError, ErrorBody};
use crate::state::AppState;

/// Whether only to say what the undo would do.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct UndoQuery {
    /// Say what would be done, change nothing.
    #[serde(default)]
    dry_run: bool,
}

/// What an undo did (or would do), or, while its job waits or runs, that it does.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct UndoResult {
    import_id: String,
    dry_run: bool,
    /// `done`, or `queued` / `running` when the answer came before the undo ended (`GET
    /// /v1/imports/{id}/undo` follows it).
    state: String,
    /// Contacts the import created, deleted.
    deleted: u64,
    /// Values it overwrote, restored.
    restored: u64,
    /// Tags and list memberships it added, removed.
    memberships_removed: u64,
    /// What was left as it is because it changed since, one sentence each.
    conflicts: Vec<String>,
    /// Unsubscribes the import made that the undo keeps (an undo never gives more
    /// permission to send).
    kept_unsubscribed: Vec<String>,
}

impl UndoResult {
    /// The result of an undo of import `id` that ended with `report`.
    pub(crate) fn of(id: i64, dry_run: bool, report: UndoReport) -> UndoResult {
        UndoResult {
            import_id: id.to_string(),
            dry_run,
            state: "done".into(),
            deleted: report.deleted,
            restored: report.restored,
            memberships_removed: report.memberships_removed,
            conflicts: report.conflicts,
            kept_unsubscribed: report.kept_subscriptions,
        }
    }

    fn pending(id: i64, state: JobState) -> UndoResult {
        UndoResult { import_id: id.to_string(), state: state.as_str().into(), ..UndoResult::default() }
    }
}

/// How long the request waits for its undo job before it answers 202.
const UNDO_WAIT: Duration = Duration::from_secs(30);

/// Undoes an import as `intake imports undo` does, as a job of the workspace's queue (after
/// the imports queued before it), answering when it ends (or 202 after 30 s: `GET` follows
/// it); with `dry_run`, says at once what undoing it would do, changing nothing.
#[utoipa::path(post, path = "/imports/{id}/undo", operation_id = "undo_import", tag = "imports",
    params(("id" = String, Path, description = "The import's id"), UndoQuery),
    responses((status = 200, body = UndoResult), (status = 202, body = UndoResult), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn undo(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(query): Query<UndoQuery>,
) -> Result<(StatusCode, Json<UndoResult>), AppError> {
    let id = parse_id(&id)?;
    if query.dry_run {
        let preview = state.with_store(&caller, move |store| preview(store, id)).await?;
        return Ok((StatusCode::OK, Json(preview)));
    }
    let payload = serde_json::json!({ "actor": caller.actor(), "address": caller.address }).to_string();
    let job = state.with_store(&caller, move |store| queue(store, id, &payload)).await?;
    state.runner().wake();
    let waited = Instant::now();
    loop {
        let outcome = state.with_store(&caller, move |store| Ok(store.job_outcome(job)?)).await?;
        let Some(outcome) = outcome else { return Err(AppError::internal("an undo job vanished")) };
        match outcome.state {
            JobState::Done => return Ok((StatusCode::OK, Json(result_of(id, &outcome)?))),
            JobState::Failed | JobState::Cancelled => {
                let message =
                    outcome.message.unwrap_or_else(|| format!("the undo of import {id} did not run"));
                return Err(AppError::invalid(message));
            }
            pending if waited.elapsed() >= UNDO_WAIT => {
                return Ok((StatusCode::ACCEPTED, Json(UndoResult::pending(id, pending))));
            }
            _ => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

/// The latest undo of an import: its report once it ended, else that it waits or runs.
#[utoipa::path(get, path = "/imports/{id}/undo", operation_id = "get_undo", tag = "imports",
    params(("id" = String, Path, description = "The import's id")),
    responses((status = 200, body = UndoResult), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn get_undo(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<UndoResult>, AppError> {
    let id = parse_id(&id)?;
    let result = state
        .with_store(&caller, move |store| {
            store.import(id).map_err(|_| AppError::not_found(format!("no import {id}")))?;
            let none = || AppError::not_found(format!("import {id} was never undone through the service"));
            let (job, _) = store.job_of(id, JobKind::Undo)?.ok_or_else(none)?;
            let outcome = store.job_outcome(job)?.ok_or_else(none)?;
            match outcome.state {
                JobState::Done => result_of(id, &outcome),
                JobState::Failed | JobState::Cancelled => Err(AppError::invalid(
                    outcome.message.unwrap_or_else(|| format!("the undo of import {id} did not run")),
                )),
                pending => Ok(UndoResult::pending(id, pending)),
            }
        })
        .await?;
    Ok(Json(result))
}

/// What undoing import `id` would do, under the workspace's lease (never beside an import that
/// runs, whose work is not all written).
fn preview(store: &mut SqliteStore, id: i64) -> Result<UndoResult, AppError> {
    store.import(id).map_err(|_| AppError::not_found(format!("no import {id}")))?;
    let _lease = match store.lease_import(id, LeaseAction::Undo)? {
        Ok(lease) => lease,
        Err(holder) => return Err(AppError::new(StatusCode::CONFLICT, "busy", holder.to_string())),
    };
    Ok(UndoResult::of(id, true, store.preview_undo(id)?))
}

/// Queues the undo of import `id`, refusing at once what it would refuse (an import never
/// started, a dry run, one undone) and an import that is not over yet.
fn queue(store: &mut SqliteStore, id: i64, payload: &str) -> Result<JobId, AppError> {
    let record = store.import(id).map_err(|_| AppError::not_found(format!("no import {id}")))?;
    if record.dry_run {
        return Err(AppError::invalid(format!("import {id} was a dry run: it changed nothing")));
    }
    match record.state {
        ImportState::Undone => return Err(AppError::invalid(format!("import {id} is already undone"))),
        ImportState::Queued | ImportState::Running | ImportState::Reviewing => {
            return Err(AppError::new(
                StatusCode::CONFLICT,
                "busy",
                format!(
                    "import {id} is {}; cancel it or wait for its end, then undo it",
                    record.state.as_str()
                ),
            ));
        }
        state if state.before_start() => {
            return Err(AppError::invalid(format!(
                "import {id} was uploaded and never started: it changed nothing"
            )));
        }
        _ => {}
    }
    if let Some((_, JobState::Queued | JobState::Running)) = store.job_of(id, JobKind::Undo)? {
        return Err(AppError::new(
            StatusCode::CONFLICT,
            "busy",
            format!("an undo of import {id} is under way"),
        ));
    }
    Ok(store.enqueue_job(JobKind::Undo, id, payload)?)
}

fn result_of(id: i64, outcome: &JobOutcome) -> Result<UndoResult, AppError> {
    let text = outcome
        .result
        .as_deref()
        .ok_or_else(|| AppError::internal(format!("the undo of {id} kept no report")))?;
    serde_json::from_str(text).map_err(AppError::internal)
}
