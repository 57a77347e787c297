//! The wizard's steps once an import starts: its progress (live, from the API's event
//! stream), cancel, the results with their files, and undo with its dry run's conflicts shown
//! before the person confirms. Each calls the API's handler with the person as the caller.
//!
//! Must not: count or read more of the store than the API's handlers do.

use askama::Template;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};

use super::session::WebUser;
use super::views::{ImportView, UndoView, read_as};
use super::{Layout, PageError, ok, page_id, see};
use crate::error::AppError;
use crate::routes::imports::current;
use crate::routes::{runs, undo as undo_route, uploads};
use crate::state::AppState;

/// Starts the reviewed import.
pub(crate) async fn start(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = page_id(&id)?;
    let _queued = runs::start(State(state), user.caller(), Path(id.to_string())).await?;
    Ok(see(format!("/imports/{id}")))
}

/// Cancels the import (at its batch's end).
pub(crate) async fn cancel(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = page_id(&id)?;
    let _cancelled = runs::cancel(State(state), user.caller(), Path(id.to_string())).await?;
    Ok(see(format!("/imports/{id}")))
}

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    layout: Layout,
    import: ImportView,
    percent: u64,
    rows_total: String,
    rate: String,
    left: String,
    finished: String,
}

/// Steps 6 and 7: the import's progress while it runs, its results once it ended.
pub(crate) async fn import_page(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = page_id(&id)?;
    let import = read_as::<ImportView>(&current(&state, &user.caller(), id).await?)?;
    match import.state.as_str() {
        "uploaded" => return Ok(see(format!("/imports/{id}/map"))),
        "reviewing" | "reviewed" | "expired" => return Ok(see(format!("/imports/{id}/review"))),
        _ => {}
    }
    let progress = import.progress.clone().unwrap_or_default();
    let percent = match progress.rows_total {
        Some(total) if total > 0 => (progress.rows_done * 100 / total).min(100),
        _ => 0,
    };
    let step = if import.has_ended() { "results" } else { "import" };
    let page = ImportPage {
        layout: Layout::of(&user, step, format!("Import of {}", import.file_name)),
        percent,
        rows_total: progress.rows_total.map(|t| t.to_string()).unwrap_or_default(),
        rate: format!("{} rows/s", progress.rows_per_second),
        left: progress.seconds_left.map(|s| format!("{s} s")).unwrap_or_default(),
        finished: import.finished_at.map(intake_store::local_time).unwrap_or_default(),
        import,
    };
    ok(&page)
}

/// The import's progress as Server-Sent Events: the API's stream, for the page's script.
pub(crate) async fn events(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = page_id(&id)?;
    Ok(runs::events(State(state), user.caller(), Path(id.to_string())).await?.into_response())
}

#[derive(Template)]
#[template(path = "undo.html")]
struct UndoPage {
    layout: Layout,
    import: ImportView,
    undo: UndoView,
    done: bool,
}

/// What undoing the import would do (the API's dry run), with the button that does it.
pub(crate) async fn undo_page(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    undo_with(state, user, id, true).await
}

/// Undoes the import, and shows what was done.
pub(crate) async fn undo(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    undo_with(state, user, id, false).await
}

async fn undo_with(state: AppState, user: WebUser, id: String, dry_run: bool) -> Result<Response, PageError> {
    let id = page_id(&id)?;
    let import = read_as::<ImportView>(&current(&state, &user.caller(), id).await?)?;
    let query =
        serde_json::from_value(serde_json::json!({ "dry_run": dry_run })).map_err(AppError::internal)?;
    let (_, Json(result)) =
        undo_route::undo(State(state), user.caller(), Path(id.to_string()), Query(query)).await?;
    let undo: UndoView = read_as(&result)?;
    let layout = Layout::of(&user, "undo", format!("Undo {}", import.file_name));
    ok(&UndoPage { layout, import, undo, done: !dry_run })
}

/// An import's file: `results.csv`, `errors.csv`, `review-results.csv`, `review-errors.csv`.
pub(crate) async fn download(
    State(state): State<AppState>,
    user: WebUser,
    Path((id, name)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let (caller, id) = (user.caller(), Path(page_id(&id)?.to_string()));
    let state = State(state);
    let answer = match name.as_str() {
        "results.csv" => uploads::results(state, caller, id).await,
        "errors.csv" => uploads::errors(state, caller, id).await,
        "review-results.csv" => uploads::review_results(state, caller, id).await,
        "review-errors.csv" => uploads::review_errors(state, caller, id).await,
        _ => Err(AppError::not_found("no such file")),
    };
    Ok(answer?)
}
