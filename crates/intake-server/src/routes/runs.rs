//! Running an uploaded import as jobs: `POST /v1/imports/{id}/review` queues its dry run and
//! `GET …/review` tells what it found; `POST …/start` queues the import itself (one import
//! runs per workspace at a time, the others wait in line); `POST …/cancel` stops it at a
//! batch's end; `GET …/events` streams its progress as Server-Sent Events until it ends.

use std::convert::Infallible;
use std::path::Path as FilePath;
use std::time::Duration;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use intake_import::review::Review;
use intake_store::{ImportState, JobKind, SqliteStore};
use serde::Serialize;
use utoipa::ToSchema;

use super::ImportSettings;
use super::imports::{Import, current, view};
use super::parse_id;
use super::uploads::{check, configurable};
use crate::auth::Caller;
use crate::error::{AppError, ErrorBody};
use crate::state::AppState;

/// Queues the review of an import: a dry run of the whole file with its settings. The import
/// is `reviewing`, then `reviewed` (until the review window ends) with the counts, the most
/// common error reasons and the first rows as they would be stored.
#[utoipa::path(post, path = "/imports/{id}/review", operation_id = "review_import", tag = "imports",
    params(("id" = String, Path, description = "The import's id")),
    responses((status = 202, body = Import), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 410, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn review(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<Import>), AppError> {
    let id = parse_id(&id)?;
    let (runner, auditor) = (state.runner().clone(), caller.auditor());
    let import = state
        .with_store(&caller, move |store| {
            ready_to_run(store, id, runner.max_rows())?;
            store.queue_review(id)?;
            auditor.record(store, "import.review", &format!("import:{id}"), serde_json::json!({}))?;
            view(store, &runner, id)
        })
        .await?;
    state.runner().wake();
    Ok((StatusCode::ACCEPTED, Json(import)))
}

/// What the review of an import found.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewView {
    import_id: String,
    /// Whether it no longer holds: review again before starting.
    expired: bool,
    /// Until when it holds (seconds since the epoch).
    expires_at: Option<i64>,
    /// Whether a row was corrected (or a correction taken back) since it ran: its counts may
    /// have changed; review the import again to know.
    outdated: bool,
    /// What the import would do with every row (`imported` = would be imported …), with
    /// `skipped_reasons` and `error_reasons`.
    #[schema(value_type = Object)]
    counts: serde_json::Value,
    /// The most common error reasons, most common first: `{reason, rows}`.
    #[schema(value_type = Vec<Object>)]
    top_error_reasons: serde_json::Value,
    /// The first rows as they would be stored: `{row, values, tags, lists, subscriptions,
    /// errors}`.
    #[schema(value_type = Vec<Object>)]
    first_rows: serde_json::Value,
}

/// What the review of an import found; 404 until it was reviewed.
#[utoipa::path(get, path = "/imports/{id}/review", operation_id = "get_review", tag = "imports",
    params(("id" = String, Path, description = "The import's id")),
    responses((status = 200, body = ReviewView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn get_review(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<ReviewView>, AppError> {
    let id = parse_id(&id)?;
    let found = state
        .with_store(&caller, move |store| {
            let record = store.import(id).map_err(|_| AppError::not_found(format!("no import {id}")))?;
            let text = store.import_review(id)?.ok_or_else(|| {
                AppError::not_found(format!("import {id} has no review (it is {})", record.state.as_str()))
            })?;
            let review: Review = serde_json::from_str(&text).map_err(AppError::internal)?;
            Ok((record, review))
        })
        .await?;
    let (record, review) = found;
    let json = |value| serde_json::to_value(value).map_err(AppError::internal);
    Ok(Json(ReviewView {
        import_id: id.to_string(),
        expired: record.state == ImportState::Expired,
        expires_at: record.review_expires_at,
        outdated: record.state == ImportState::Uploaded,
        counts: json(&review.counts)?,
        top_error_reasons: serde_json::to_value(&review.top_error_reasons).map_err(AppError::internal)?,
        first_rows: serde_json::to_value(&review.first_rows).map_err(AppError::internal)?,
    }))
}

/// Queues an uploaded import, or a reviewed one whose review holds, to run; `GET
/// /v1/imports/{id}` and `…/events` follow it. One import runs per workspace at a time: the
/// import is `queued`, with its place in line, until its turn.
#[utoipa::path(post, path = "/imports/{id}/start", operation_id = "start_import", tag = "imports",
    params(("id" = String, Path, description = "The import's id")),
    responses((status = 202, body = Import), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 410, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn start(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<Import>), AppError> {
    let id = parse_id(&id)?;
    let (runner, auditor) = (state.runner().clone(), caller.auditor());
    let import = state
        .with_store(&caller, move |store| {
            let record = store.import(id).map_err(|_| AppError::not_found(format!("no import {id}")))?;
            refuse_to_start(id, record.state)?;
            let settings = ready_to_run(store, id, runner.max_rows())?;
            store.queue_import(id, auditor.actor())?;
            let target = format!("import:{id}");
            let detail = serde_json::to_value(&settings).map_err(AppError::internal)?;
            auditor.record(store, "import.start", &target, detail)?;
            view(store, &runner, id)
        })
        .await?;
    state.runner().wake();
    Ok((StatusCode::ACCEPTED, Json(import)))
}

/// The settings of import `id` when it may run: its settings may still change (it has not
/// started), its file is within the row limit, and they pass the CLI's checks against it.
fn ready_to_run(store: &SqliteStore, id: i64, max_rows: u64) -> Result<ImportSettings, AppError> {
    let (path, settings) = configurable(store, id)?;
    within_row_limit(store, id, max_rows)?;
    let request = settings.request(FilePath::new(&path));
    check(store, &request)?;
    super::fixes::corrections_fit(store, id, &request)?;
    Ok(settings)
}

/// 422 when import `id`'s file, as counted since its upload, has more rows than `max`. (A
/// count not yet done is finished by the job, which fails the same way.)
fn within_row_limit(store: &SqliteStore, id: i64, max: u64) -> Result<(), AppError> {
    match store.import(id)?.row_count {
        Some((rows, true)) if rows > max => Err(AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "too_many_rows",
            crate::runner::too_many_rows(max),
        )
        .with_details(serde_json::json!({ "limit": max, "setting": "max_rows" }))),
        _ => Ok(()),
    }
}

/// 409 for an import that cannot start in `state`, saying what to do.
fn refuse_to_start(id: i64, state: ImportState) -> Result<(), AppError> {
    let conflict = |code, message: String| Err(AppError::new(StatusCode::CONFLICT, code, message));
    match state {
        ImportState::Uploaded | ImportState::Reviewed => Ok(()),
        ImportState::Expired => conflict(
            "expired",
            format!("the review of import {id} expired; review it again (POST /v1/imports/{id}/review)"),
        ),
        ImportState::Reviewing => {
            conflict("reviewing", format!("import {id} is being reviewed; start it once the review is done"))
        }
        other => conflict("started", format!("import {id} is {}; it cannot start again", other.as_str())),
    }
}

/// Stops an import: a queued one (or its review) at once, a running one at the end of its
/// batch, with nothing half-written; what it wrote stays and can be undone.
#[utoipa::path(post, path = "/imports/{id}/cancel", operation_id = "cancel_import", tag = "imports",
    params(("id" = String, Path, description = "The import's id")),
    responses((status = 202, body = Import), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub(crate) async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<Import>), AppError> {
    let id = parse_id(&id)?;
    let (runner, auditor) = (state.runner().clone(), caller.auditor());
    let workspace = caller.workspace.clone();
    let import = state
        .with_store(&caller, move |store| {
            let record = store.import(id).map_err(|_| AppError::not_found(format!("no import {id}")))?;
            let kind = match record.state {
                ImportState::Queued | ImportState::Running => JobKind::Import,
                ImportState::Reviewing => JobKind::Review,
                other => {
                    return Err(AppError::new(
                        StatusCode::CONFLICT,
                        "not_running",
                        format!("import {id} is {}; there is nothing to cancel", other.as_str()),
                    ));
                }
            };
            if let Some((job, _)) = store.job_of(id, kind)? {
                let cancelled_now = store.cancel_job(job)?;
                match (cancelled_now, kind) {
                    (true, JobKind::Review) => store.review_failed(id, "the review was cancelled")?,
                    (true, _) => {
                        store.cancel_unstarted_import(id)?;
                        crate::notify::import_ended(store, id);
                    }
                    (false, _) => runner.stop(&workspace, id),
                }
            }
            auditor.record(store, "import.cancel", &format!("import:{id}"), serde_json::json!({}))?;
            view(store, &runner, id)
        })
        .await?;
    Ok((StatusCode::ACCEPTED, Json(import)))
}

/// One event of an import's stream, as the document describes each (the stream itself is
/// written by axum's `Sse`, never from this type).
#[derive(ToSchema)]
#[allow(dead_code, reason = "it only describes the events in the OpenAPI document")]
pub struct ImportEvent {
    /// `import` while it goes on, `end` for the last.
    event: String,
    /// The import's JSON, as `GET /v1/imports/{id}` gives it.
    data: String,
}

/// How often the event stream looks at the import.
const EVENT_INTERVAL: Duration = Duration::from_millis(500);

/// The import as Server-Sent Events: an `import` event (the JSON of `GET /v1/imports/{id}`)
/// whenever it changes, and a last one named `end` once it has ended.
#[utoipa::path(get, path = "/imports/{id}/events", operation_id = "import_events", tag = "imports",
    params(("id" = String, Path, description = "The import's id")),
    responses((status = 200, content_type = "text/event-stream", body = ImportEvent), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub(crate) async fn events(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, AppError> {
    let id = parse_id(&id)?;
    let first = current(&state, &caller, id).await?;
    let stream = futures_util::stream::unfold(Watch::First(Box::new(first)), move |watch| {
        let (state, caller) = (state.clone(), caller.clone());
        async move { next_event(watch, &state, &caller, id).await }
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

/// Where an event stream is.
enum Watch {
    /// The import as the request found it, not yet sent.
    First(Box<Import>),
    /// The last JSON sent.
    Sent(String),
    /// The `end` event was sent.
    Ended,
}

async fn next_event(
    watch: Watch,
    state: &AppState,
    caller: &Caller,
    id: i64,
) -> Option<(Result<Event, Infallible>, Watch)> {
    let (mut import, last) = match watch {
        Watch::Ended => return None,
        Watch::First(import) => (*import, String::new()),
        Watch::Sent(last) => (current(state, caller, id).await.ok()?, last),
    };
    loop {
        let json = serde_json::to_string(&import).ok()?;
        if import.has_ended() {
            return Some((Ok(Event::default().event("end").data(json)), Watch::Ended));
        }
        if json != last {
            return Some((Ok(Event::default().event("import").data(json.clone())), Watch::Sent(json)));
        }
        tokio::time::sleep(EVENT_INTERVAL).await;
        import = current(state, caller, id).await.ok()?;
    }
}
