//! Fixing rows in the review of an uploaded import ("fix in place"): `GET
//! /v1/imports/{id}/review/errors` pages through the review's error rows with their cells and
//! problems; `PUT /v1/imports/{id}/rows/{row}` stores a correction of a row's cells and answers
//! with the row re-checked at once as the import would decide it now; `GET` shows the row as
//! read and as corrected, `DELETE` takes the correction back. The import and its review read
//! the corrections over the file's rows; the file is never rewritten.
//!
//! A correction makes a reviewed import `uploaded` again: its review stays readable but is
//! `outdated` (its counts may have changed) until the import is reviewed again. The audit log
//! names the row and the columns corrected, never a cell's value; neither does any log line.
//! The work of each route is a function over the store, for the web pages to call as well.

use std::collections::BTreeMap;
use std::path::Path as FilePath;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use intake_import::fix::{
    ErrorRow, Problem, RowCheck, cells_by_header, corrections_for, line_if_other, read_error_rows, recheck,
    unknown_column,
};
use intake_import::run::{Prepared, prepare};
use intake_import::settings::ImportRequest;
use intake_store::{Correction, CorrectionRefused, ImportRecord, ImportState, SqliteStore};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::parse_id;
use super::uploads::{configurable, import_error};
use crate::auth::{Auditor, Caller};
use crate::error::{AppError, ErrorBody};
use crate::runner::{REVIEW_ERROR_ROWS, review_file};
use crate::state::AppState;

/// A page of the error rows of an import's review, in file order.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorRowsPage {
    import_id: String,
    /// Whether a row was corrected (or a correction taken back) since the review ran: its
    /// rows and counts may have changed; review the import again to know.
    outdated: bool,
    rows: Vec<ErrorRowView>,
    /// The `after` of the next page; none on the last.
    next_after: Option<String>,
}

/// An error row as the review's error file has it, with its correction since, if any.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorRowView {
    /// Row number (the header is row 1).
    row: u64,
    /// The line of the file it starts on, where that is not its row number.
    line: Option<u64>,
    /// Header → the cell as the review read it.
    #[schema(value_type = Object)]
    cells: serde_json::Map<String, serde_json::Value>,
    /// Each problem with its column (none for the row as a whole), the value and why.
    problems: Vec<ProblemView>,
    /// The error file's sentences for the row.
    messages: Vec<String>,
    /// The row's correction, when it was corrected.
    correction: Option<CorrectionView>,
}

/// A problem of a row.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemView {
    /// The column's header; none for the row as a whole.
    column: Option<String>,
    /// The cell as written.
    value: String,
    reason: String,
}

impl From<Problem> for ProblemView {
    fn from(p: Problem) -> ProblemView {
        ProblemView { column: p.column, value: p.value, reason: p.reason }
    }
}

/// A row's correction.
#[derive(Debug, Serialize, ToSchema)]
pub struct CorrectionView {
    /// Header → the corrected cell (the other cells are the file's).
    cells: BTreeMap<String, String>,
    /// Who corrected it (`key:<id>`).
    corrected_by: String,
    /// When (seconds since the epoch).
    corrected_at: i64,
}

impl From<Correction> for CorrectionView {
    fn from(c: Correction) -> CorrectionView {
        CorrectionView { cells: c.cells, corrected_by: c.corrected_by, corrected_at: c.corrected_at }
    }
}

/// One row of an import's file: as read, its correction, and what the import would do with
/// it now.
#[derive(Debug, Serialize, ToSchema)]
pub struct RowView {
    import_id: String,
    row: u64,
    /// The line of the file it starts on, where that is not its row number.
    line: Option<u64>,
    /// Header → the cell as the file has it.
    #[schema(value_type = Object)]
    as_read: serde_json::Map<String, serde_json::Value>,
    /// Its correction, if it has one.
    correction: Option<CorrectionView>,
    /// What the import would do with it, corrected, with its current mapping and settings
    /// (none once the import started).
    check: Option<CheckView>,
}

/// What the import would do with a row.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckView {
    /// `import`, `update`, `skip` or `error`.
    outcome: String,
    /// Why it would be skipped (`exists`, `not_found`, `unchanged`, `empty_row`).
    skip_reason: Option<String>,
    /// Its problems, each with its column and value.
    problems: Vec<ProblemView>,
    /// The results file's sentences for it (errors, or the reason of a skip).
    messages: Vec<String>,
    /// The results file's notes for it.
    notes: Vec<String>,
    /// Its values as they would be stored, as the review's `first_rows` show them: `{row,
    /// values, tags, lists, subscriptions, errors}`.
    #[schema(value_type = Object)]
    as_stored: intake_import::review::PreviewRow,
}

impl From<RowCheck> for CheckView {
    fn from(c: RowCheck) -> CheckView {
        CheckView {
            outcome: c.outcome,
            skip_reason: c.skip_reason,
            problems: c.problems.into_iter().map(ProblemView::from).collect(),
            messages: c.messages,
            notes: c.notes,
            as_stored: c.as_stored,
        }
    }
}

/// A correction of a row's cells.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RowCorrection {
    /// Header → the corrected cell; only columns of the file, at least one.
    cells: BTreeMap<String, String>,
}

/// A page of error rows.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct RowPage {
    /// Only rows after this row number (the last row of the previous page).
    #[param(pattern = "^[0-9]+$")]
    after: Option<String>,
    /// How many (1 to 500).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<u32>,
}

impl RowPage {
    fn after(&self) -> Result<u64, AppError> {
        match self.after.as_deref().map(str::parse::<u64>) {
            None => Ok(0),
            Some(Ok(row)) => Ok(row),
            Some(Err(_)) => {
                Err(AppError::invalid("after: give the row number of the last row of the previous page")
                    .with_details(serde_json::json!({ "field": "after" })))
            }
        }
    }

    fn limit(&self) -> Result<usize, AppError> {
        match self.limit {
            None => Ok(50),
            Some(n @ 1..=500) => Ok(n as usize),
            Some(n) => Err(AppError::invalid(format!("limit {n}: give 1 to 500"))),
        }
    }
}

/// The error rows of the import's review, in file order, paged with `after` (a row number)
/// and `limit`; 404 before a review, 409 while one runs.
#[utoipa::path(get, path = "/imports/{id}/review/errors", operation_id = "review_error_rows", tag = "imports",
    params(("id" = String, Path, description = "The import's id"), RowPage),
    responses((status = 200, body = ErrorRowsPage), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 410, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn review_errors(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(page): Query<RowPage>,
) -> Result<Json<ErrorRowsPage>, AppError> {
    let id = parse_id(&id)?;
    let (after, limit) = (page.after()?, page.limit()?);
    let page = state.with_store(&caller, move |store| error_rows_page(store, id, after, limit)).await?;
    Ok(Json(page))
}

/// A page of the error rows of import `id`'s review.
pub(crate) fn error_rows_page(
    store: &SqliteStore,
    id: i64,
    after: u64,
    limit: usize,
) -> Result<ErrorRowsPage, AppError> {
    let record = import_of(store, id)?;
    if record.state == ImportState::Reviewing {
        return Err(reviewing(id));
    }
    if store.import_review(id)?.is_none() {
        let state = record.state.as_str();
        return Err(AppError::not_found(format!("import {id} has no review (it is {state})")));
    }
    files_kept(&record)?;
    let path = review_file(&record.source_path, REVIEW_ERROR_ROWS);
    let (rows, more) =
        read_error_rows(FilePath::new(&path), after, limit).map_err(import_error)?.ok_or_else(|| {
            AppError::not_found(format!("the review of import {id} kept no error rows; review it again"))
        })?;
    let mut corrections: BTreeMap<u64, Correction> =
        store.corrections(id)?.into_iter().map(|c| (c.row, c)).collect();
    let next_after = more.then(|| rows.last().map(|r| r.row.to_string())).flatten();
    let rows = rows
        .into_iter()
        .map(|row: ErrorRow| ErrorRowView {
            correction: corrections.remove(&row.row).map(CorrectionView::from),
            row: row.row,
            line: row.line,
            cells: row.cells,
            problems: row.problems.into_iter().map(ProblemView::from).collect(),
            messages: row.messages,
        })
        .collect();
    Ok(ErrorRowsPage {
        import_id: id.to_string(),
        outdated: record.state == ImportState::Uploaded,
        rows,
        next_after,
    })
}

/// One row of the import's file: as read, its correction, and (until the import starts) what
/// the import would do with it now.
#[utoipa::path(get, path = "/imports/{id}/rows/{row}", operation_id = "get_import_row", tag = "imports",
    params(("id" = String, Path, description = "The import's id"),
        ("row" = String, Path, description = "The row number (the header is row 1)")),
    responses((status = 200, body = RowView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 410, body = ErrorBody)))]
pub(crate) async fn get_row(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, row)): Path<(String, String)>,
) -> Result<Json<RowView>, AppError> {
    let (id, row) = (parse_id(&id)?, parse_row(&row)?);
    Ok(Json(state.with_store(&caller, move |store| row_view(store, id, row)).await?))
}

/// Corrects cells of a row (`{"cells": {"Header": "value"}}`, replacing an earlier correction
/// of the row) and answers with the row re-checked as the import would decide it now. 409 once
/// the import started (or while it is reviewed), 422 for a column the file does not have.
#[utoipa::path(put, path = "/imports/{id}/rows/{row}", operation_id = "correct_import_row", tag = "imports",
    params(("id" = String, Path, description = "The import's id"),
        ("row" = String, Path, description = "The row number (the header is row 1)")),
    request_body = RowCorrection,
    responses((status = 200, body = RowView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 410, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn correct_row(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, row)): Path<(String, String)>,
    Json(correction): Json<RowCorrection>,
) -> Result<Json<RowView>, AppError> {
    let (id, row) = (parse_id(&id)?, parse_row(&row)?);
    let auditor = caller.auditor();
    let view =
        state.with_store(&caller, move |store| correct(store, id, row, correction.cells, &auditor)).await?;
    Ok(Json(view))
}

/// Takes a row's correction back (404 when it has none) and answers with the row as the file
/// has it, re-checked.
#[utoipa::path(delete, path = "/imports/{id}/rows/{row}", operation_id = "revert_import_row", tag = "imports",
    params(("id" = String, Path, description = "The import's id"),
        ("row" = String, Path, description = "The row number (the header is row 1)")),
    responses((status = 200, body = RowView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 410, body = ErrorBody)))]
pub(crate) async fn revert_row(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, row)): Path<(String, String)>,
) -> Result<Json<RowView>, AppError> {
    let (id, row) = (parse_id(&id)?, parse_row(&row)?);
    let auditor = caller.auditor();
    Ok(Json(state.with_store(&caller, move |store| revert(store, id, row, &auditor)).await?))
}

/// Stores `cells` as the correction of row `row` of import `id`, made by `auditor`'s caller,
/// and the row as it is now.
pub(crate) fn correct(
    store: &mut SqliteStore,
    id: i64,
    row: u64,
    cells: BTreeMap<String, String>,
    auditor: &Auditor,
) -> Result<RowView, AppError> {
    if cells.is_empty() {
        return Err(AppError::invalid("cells: give at least one column and its corrected value")
            .with_details(serde_json::json!({ "field": "cells" })));
    }
    let record = changeable(store, id)?;
    let Prepared { options, input, mapping } = prepared(store, &record)?;
    let headers = input.source().headers().to_vec();
    if let Some(column) = unknown_column(&headers, &cells) {
        return Err(AppError::invalid(format!("the file has no column {column:?}"))
            .with_details(serde_json::json!({ "field": "cells", "column": column })));
    }
    let actor = auditor.actor();
    let mut stored: Vec<Correction> = store.corrections(id)?.into_iter().filter(|c| c.row != row).collect();
    let now = intake_store::now();
    stored.push(Correction { row, cells: cells.clone(), corrected_by: actor.to_string(), corrected_at: now });
    let input = input.with_corrections(corrections_for(&headers, &stored).map_err(import_error)?);
    let as_read = input.row_as_read(row).map_err(import_error)?.ok_or_else(|| no_row(id, row))?;
    let check = recheck(store, &input, &options, &mapping, row).map_err(import_error)?;
    let saved = store.put_correction(id, row, &cells, actor)?.map_err(|refused| refusal(id, refused))?;
    let columns: Vec<&String> = cells.keys().collect();
    auditor.record(
        store,
        "import.row.correct",
        &format!("import:{id}"),
        serde_json::json!({ "row": row, "columns": columns }),
    )?;
    tracing::info!(import = id, row, columns = cells.len(), "a row corrected in the review");
    Ok(RowView {
        import_id: id.to_string(),
        row,
        line: line_if_other(&as_read),
        as_read: cells_by_header(&headers, &as_read),
        correction: Some(saved.into()),
        check: check.map(CheckView::from),
    })
}

/// Takes the correction of row `row` of import `id` back, and the row as it is now.
pub(crate) fn revert(
    store: &mut SqliteStore,
    id: i64,
    row: u64,
    auditor: &Auditor,
) -> Result<RowView, AppError> {
    changeable(store, id)?;
    let deleted = store.delete_correction(id, row)?.map_err(|refused| refusal(id, refused))?;
    if !deleted {
        return Err(AppError::not_found(format!("row {row} of import {id} has no correction")));
    }
    auditor.record(store, "import.row.revert", &format!("import:{id}"), serde_json::json!({ "row": row }))?;
    tracing::info!(import = id, row, "a row's correction taken back");
    row_view(store, id, row)
}

/// Row `row` of import `id`: as read, its correction, and, while the import can still change,
/// the check of it as it is now.
pub(crate) fn row_view(store: &mut SqliteStore, id: i64, row: u64) -> Result<RowView, AppError> {
    let record = import_of(store, id)?;
    files_kept(&record)?;
    let correction = store.correction(id, row)?;
    let before_start =
        matches!(record.state, ImportState::Uploaded | ImportState::Reviewed | ImportState::Expired);
    let (input, check) = match before_start {
        true => {
            let Prepared { options, input, mapping } = prepared(store, &record)?;
            let input =
                intake_import::fix::with_stored_corrections(store, id, input).map_err(import_error)?;
            let check = recheck(store, &input, &options, &mapping, row).map_err(import_error)?;
            (input, check)
        }
        false => {
            let path = FilePath::new(&record.source_path);
            let input = intake_import::input::open(path, &record.options.reader, store.schema())
                .map_err(import_error)?;
            (input, None)
        }
    };
    let as_read = input.row_as_read(row).map_err(import_error)?.ok_or_else(|| no_row(id, row))?;
    Ok(RowView {
        import_id: id.to_string(),
        row,
        line: line_if_other(&as_read),
        as_read: cells_by_header(input.source().headers(), &as_read),
        correction: correction.map(CorrectionView::from),
        check: check.map(CheckView::from),
    })
}

/// 422 when a correction of import `id` names a column its file, read with `request`'s
/// settings, does not have (a setting changed how the file is read since): the review and the
/// import would fail on it.
pub(crate) fn corrections_fit(store: &SqliteStore, id: i64, request: &ImportRequest) -> Result<(), AppError> {
    let stored = store.corrections(id)?;
    if stored.is_empty() {
        return Ok(());
    }
    let Prepared { input, .. } = prepare(store, request, &mut |_| {}).map_err(import_error)?;
    corrections_for(input.source().headers(), &stored).map_err(import_error)?;
    Ok(())
}

/// The import's file opened and checked with its current settings.
fn prepared(store: &SqliteStore, record: &ImportRecord) -> Result<Prepared, AppError> {
    let (path, settings) = configurable(store, record.id)?;
    prepare(store, &settings.request(FilePath::new(&path)), &mut |_| {}).map_err(import_error)
}

/// Import `id` when its rows may still be corrected: 409 `reviewing` while its review runs,
/// 409 `started` once it started, 410 once its file was deleted.
fn changeable(store: &SqliteStore, id: i64) -> Result<ImportRecord, AppError> {
    let record = import_of(store, id)?;
    if record.state == ImportState::Reviewing {
        return Err(reviewing(id));
    }
    configurable(store, id)?;
    Ok(record)
}

fn import_of(store: &SqliteStore, id: i64) -> Result<ImportRecord, AppError> {
    let record = store.import(id).map_err(|_| AppError::not_found(format!("no import {id}")))?;
    // Only an upload of the service has rows to fix; a CLI import is no such import.
    match store.import_settings(id)? {
        Some(_) => Ok(record),
        None => Err(AppError::not_found(format!("import {id} was not uploaded to the service"))),
    }
}

fn files_kept(record: &ImportRecord) -> Result<(), AppError> {
    match record.files_deleted_at {
        None => Ok(()),
        Some(_) => Err(AppError::new(
            StatusCode::GONE,
            "deleted",
            format!("the files of import {} were deleted after the retention time", record.id),
        )),
    }
}

fn reviewing(id: i64) -> AppError {
    AppError::new(
        StatusCode::CONFLICT,
        "reviewing",
        format!("import {id} is being reviewed; wait until the review is done (or cancel it)"),
    )
}

fn refusal(id: i64, refused: CorrectionRefused) -> AppError {
    match refused {
        CorrectionRefused::NoImport => AppError::not_found(format!("no import {id}")),
        CorrectionRefused::State(state) if state == "reviewing" => reviewing(id),
        CorrectionRefused::State(state) => AppError::new(
            StatusCode::CONFLICT,
            "started",
            format!("import {id} is {state}; its rows can no longer be corrected"),
        ),
    }
}

fn no_row(id: i64, row: u64) -> AppError {
    AppError::not_found(format!("the file of import {id} has no row {row} (the header is row 1)"))
}

/// A row number in a path: digits, else 404 (as a missing one).
fn parse_row(text: &str) -> Result<u64, AppError> {
    parse_id(text).map(|row| row as u64)
}
