//! Fixing a review's error rows in the page ("fix in place"): each error row of the review is
//! shown as a small form of its cells, the bad ones marked with their reason; posting it
//! stores the correction through the API's own function (`PUT /v1/imports/{id}/rows/{row}`'s,
//! with the person as the caller), re-checks the row and reviews the import again, so the
//! review page comes back with the row's new outcome and the new counts. A corrected row can
//! be taken back (`DELETE …/rows/{row}`'s function).
//!
//! Must not: decide whether a row is right (the import library's check does), or show a cell
//! unescaped.

use std::collections::BTreeMap;
use std::path::Path as FilePath;

use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use intake_store::SqliteStore;

use super::session::WebUser;
use super::views::{CheckView, ErrorRowView, ErrorRowsView, RowView, read_as};
use super::{PageError, page_id, see};
use crate::error::AppError;
use crate::routes::fixes;
use crate::routes::runs;
use crate::state::AppState;

/// Error rows shown per page.
pub(crate) const ERROR_ROWS_PER_PAGE: usize = 25;

/// An error row as its form shows it.
pub(crate) struct FixRow {
    pub row: u64,
    /// The problems of the row as a whole (no column named).
    pub problems: Vec<String>,
    pub cells: Vec<FixCell>,
    /// Who corrected it; empty when it was not.
    pub corrected_by: String,
}

/// A cell of an error row's form.
pub(crate) struct FixCell {
    pub index: usize,
    pub header: String,
    pub value: String,
    /// Why the cell is wrong; empty when it is not.
    pub problem: String,
}

/// A page of the review's error rows from the `from`th (0-based), as forms; and whether more
/// follow. No rows when the review kept none.
pub(crate) async fn error_forms(
    state: &AppState,
    user: &WebUser,
    id: i64,
    from: usize,
) -> Result<(Vec<FixRow>, bool), PageError> {
    let (page, headers) = state
        .with_store(&user.caller(), move |store| {
            let page = match fixes::error_rows_page(store, id, 0, from + ERROR_ROWS_PER_PAGE) {
                Ok(page) => page,
                Err(error) if error.status() == axum::http::StatusCode::NOT_FOUND => return Ok(None),
                Err(error) => return Err(error),
            };
            Ok(Some((page, file_headers(store, id))))
        })
        .await?
        .map_or((None, Vec::new()), |(page, headers)| (Some(page), headers));
    let Some(page) = page else {
        return Ok((Vec::new(), false));
    };
    let page: ErrorRowsView = read_as(&page)?;
    let more = page.next_after.is_some();
    let rows = page.rows.into_iter().skip(from).map(|row| fix_row(row, &headers)).collect();
    Ok((rows, more))
}

/// The headers of import `id`'s file in the file's order (empty when it cannot be opened:
/// the cells are then shown by name).
fn file_headers(store: &SqliteStore, id: i64) -> Vec<String> {
    let Ok(record) = store.import(id) else { return Vec::new() };
    let path = FilePath::new(&record.source_path);
    match intake_import::input::open(path, &record.options.reader, store.schema()) {
        Ok(input) => input.source().headers().to_vec(),
        Err(_) => Vec::new(),
    }
}

/// `row`'s form: its cells in the file's order, each with its problem.
fn fix_row(row: ErrorRowView, headers: &[String]) -> FixRow {
    let mut order: Vec<&String> = headers.iter().filter(|h| row.cells.contains_key(*h)).collect();
    order.dedup();
    order.extend(row.cells.keys().filter(|h| !headers.contains(h)));
    let problem_of = |header: &str| {
        let reasons: Vec<&str> = row
            .problems
            .iter()
            .filter(|p| p.column.as_deref() == Some(header))
            .map(|p| p.reason.as_str())
            .collect();
        reasons.join("; ")
    };
    let cells = order
        .into_iter()
        .enumerate()
        .map(|(index, header)| FixCell {
            index,
            header: header.clone(),
            value: row.cells.get(header).cloned().unwrap_or_default(),
            problem: problem_of(header),
        })
        .collect();
    let problems = row
        .problems
        .iter()
        .filter(|p| p.column.as_ref().is_none_or(|c| !row.cells.contains_key(c)))
        .map(|p| p.reason.clone())
        .collect();
    FixRow {
        row: row.row,
        problems,
        cells,
        corrected_by: row.correction.map(|c| c.corrected_by).unwrap_or_default(),
    }
}

/// What the review page says of a row just corrected: its number and its new outcome.
pub(crate) struct Fixed {
    pub row: u64,
    pub outcome: String,
    pub still_wrong: bool,
}

/// Row `row` of import `id` re-checked as it is now, for the review page's notice.
pub(crate) async fn fixed(state: &AppState, user: &WebUser, id: i64, row: u64) -> Result<Fixed, PageError> {
    let view = state.with_store(&user.caller(), move |store| fixes::row_view(store, id, row)).await?;
    let view: RowView = read_as(&view)?;
    let check: Option<CheckView> = view.check;
    Ok(Fixed {
        row: view.row,
        still_wrong: check.as_ref().is_none_or(|c| c.outcome == "error"),
        outcome: check.map(|c| c.sentence()).unwrap_or_else(|| "it can no longer change.".to_string()),
    })
}

/// Stores the form's cells (`cell:<header>`) as the row's correction, the cells that differ
/// from the file's (none: the correction is taken back), then reviews the import again and
/// shows the review at the row.
pub(crate) async fn correct(
    State(state): State<AppState>,
    user: WebUser,
    Path((id, row)): Path<(String, String)>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let (id, row) = (page_id(&id)?, page_id(&row)? as u64);
    let given: BTreeMap<String, String> = form
        .iter()
        .filter_map(|(name, value)| name.strip_prefix("cell:").map(|h| (h.to_string(), value.clone())))
        .collect();
    let auditor = user.caller().auditor();
    state
        .with_store(&user.caller(), move |store| {
            let view: RowView = row_as_view(fixes::row_view(store, id, row)?)?;
            let changed: BTreeMap<String, String> =
                given.into_iter().filter(|(header, value)| view.as_read.get(header) != Some(value)).collect();
            match (changed.is_empty(), view.correction.is_some()) {
                (false, _) => fixes::correct(store, id, row, changed, &auditor).map(drop),
                (true, true) => fixes::revert(store, id, row, &auditor).map(drop),
                (true, false) => Ok(()),
            }
        })
        .await?;
    reviewed_again_at(&state, &user, id, &form, row).await
}

/// Takes the row's correction back, then reviews the import again.
pub(crate) async fn revert(
    State(state): State<AppState>,
    user: WebUser,
    Path((id, row)): Path<(String, String)>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let (id, row) = (page_id(&id)?, page_id(&row)? as u64);
    let auditor = user.caller().auditor();
    state.with_store(&user.caller(), move |store| fixes::revert(store, id, row, &auditor)).await?;
    reviewed_again_at(&state, &user, id, &form, row).await
}

/// Reviews import `id` again and sends the person back to its review page at `row`.
async fn reviewed_again_at(
    state: &AppState,
    user: &WebUser,
    id: i64,
    form: &[(String, String)],
    row: u64,
) -> Result<Response, PageError> {
    review_again(state, user, id).await?;
    Ok(see(format!("/imports/{id}/review?{}#fixed", back_to(form, row))))
}

/// The review page's query to come back to: the same page of error rows, the row named.
fn back_to(form: &[(String, String)], row: u64) -> String {
    let from = form
        .iter()
        .find(|(name, _)| name == "errors_from")
        .and_then(|(_, value)| value.parse::<usize>().ok())
        .unwrap_or(0);
    format!("errors_from={from}&fixed={row}")
}

async fn review_again(state: &AppState, user: &WebUser, id: i64) -> Result<(), PageError> {
    let _queued = runs::review(State(state.clone()), user.caller(), Path(id.to_string())).await?;
    Ok(())
}

/// The API's answer for a row read as the page's view of it.
fn row_as_view(answer: fixes::RowView) -> Result<RowView, AppError> {
    let value = serde_json::to_value(answer).map_err(AppError::internal)?;
    serde_json::from_value(value).map_err(AppError::internal)
}

/// A row corrected in the review, as the review page lists it.
pub(crate) struct Corrected {
    pub row: u64,
    /// `Header: value` of each corrected cell.
    pub cells: String,
}

/// The rows of import `id` corrected so far (the first hundred), each to be taken back.
pub(crate) async fn corrected(
    state: &AppState,
    user: &WebUser,
    id: i64,
) -> Result<Vec<Corrected>, PageError> {
    let stored = state.with_store(&user.caller(), move |store| Ok(store.corrections(id)?)).await?;
    Ok(stored
        .into_iter()
        .take(100)
        .map(|c| Corrected {
            row: c.row,
            cells: c.cells.iter().map(|(h, v)| format!("{h}: {v}")).collect::<Vec<_>>().join("; "),
        })
        .collect())
}
