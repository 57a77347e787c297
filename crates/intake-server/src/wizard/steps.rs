//! The wizard's steps before an import runs: upload, the file's reading, the mapping, the
//! options and the review. Each form calls the API's handler (`POST /v1/imports`, `PATCH
//! /v1/imports/{id}`, `POST …/review`, `POST /v1/fields`, the mappings) with the person as the
//! caller, so a page checks exactly what the API checks; a refusal is shown on the page it
//! came from, beside the column it names when it names one.
//!
//! Must not: decide what a setting means (the import library does), or show a value unescaped.

use std::collections::BTreeMap;
use std::path::Path as FilePath;

use askama::Template;
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::{Form, Json};
use intake_import::input::FileInfo;
use serde::Deserialize;

use super::fix::{Corrected, ERROR_ROWS_PER_PAGE, FixRow, Fixed, corrected, error_forms, fixed};
use super::session::WebUser;
use super::views::{FieldView, ImportView, PreviewRow, Reason, ReviewView, SavedView, read_as};
use super::{Layout, PageError, ok, page_id, render, see};
use crate::error::AppError;
use crate::routes::imports::current;
use crate::routes::uploads::{Column, FileView, configurable, describe_file};
use crate::routes::{ImportSettings, embed, fields, mappings, runs, uploads};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "upload.html")]
struct UploadPage {
    layout: Layout,
    max_mb: u64,
}

/// Step 1: choose or drop a file.
pub(crate) async fn upload_page(State(state): State<AppState>, user: WebUser) -> Result<Response, PageError> {
    let layout = Layout::of(&user, "upload", "New import");
    ok(&UploadPage { layout, max_mb: state.config().max_upload_mb })
}

/// Receives the file (multipart, part `file`) through the API's upload, then shows its reading.
pub(crate) async fn upload(
    State(state): State<AppState>,
    user: WebUser,
    request: Request,
) -> Result<Response, PageError> {
    let query = serde_json::from_value(serde_json::json!({})).map_err(AppError::internal)?;
    let (_, Json(uploaded)) =
        uploads::upload(State(state.clone()), user.caller(), Query(query), request).await?;
    let import: ImportView = read_as(&uploaded)?;
    let Some(embed) = user.embed.clone() else {
        return Ok(see(format!("/imports/{}/file", import.id)));
    };
    // Embedded: the import is the session's, mapped to the offered fields only, the fixed
    // options set; the end user goes on to how the file is read when the host lets them
    // change it, else to the mapping.
    let id = page_id(&import.id)?;
    let columns = uploaded.columns;
    let reading = READING.iter().any(|option| embed.claims.allowed_options.iter().any(|a| a == option));
    state.with_store(&user.caller(), move |store| embed::adopt(store, &embed.claims, id, &columns)).await?;
    Ok(see(format!("/imports/{id}/{}", if reading { "file" } else { "map" })))
}

/// The options of how a file is read, on the file's page.
const READING: [&str; 4] = ["encoding", "delimiter", "has_header", "sheet"];

/// An import's file as its settings read it now.
struct Described {
    import: ImportView,
    settings: ImportSettings,
    view: FileView,
}

async fn described(state: &AppState, user: &WebUser, id: i64) -> Result<Described, PageError> {
    described_as(state, user, id, None).await
}

/// [`described`], read as `reading` asks (a reading that was refused, to show what it gives)
/// when it can be; as its settings read it otherwise.
async fn described_as(
    state: &AppState,
    user: &WebUser,
    id: i64,
    reading: Option<ImportSettings>,
) -> Result<Described, PageError> {
    let import = read_as::<ImportView>(&current(state, &user.caller(), id).await?)?;
    let (settings, view) = state
        .with_store(&user.caller(), move |store| {
            let (path, settings) = configurable(store, id)?;
            let mut read = settings.request(FilePath::new(&path)).read;
            let region = settings.default_region.clone();
            if let Some(reading) = reading {
                let mut asked = read.clone();
                asked.encoding = reading.encoding.or(asked.encoding);
                asked.delimiter = reading.delimiter.or(asked.delimiter);
                asked.has_header = reading.has_header.or(asked.has_header);
                asked.sheet = reading.sheet.or(asked.sheet);
                if let Ok(view) = describe_file(store, &asked, region.clone()) {
                    return Ok((settings, view));
                }
                read = settings.request(FilePath::new(&path)).read;
            }
            let view = describe_file(store, &read, region)?;
            Ok((settings, view))
        })
        .await?;
    Ok(Described { import, settings, view })
}

#[derive(Template)]
#[template(path = "file.html")]
struct FilePage {
    layout: Layout,
    import: ImportView,
    read_as: String,
    file: FileInfo,
    is_csv: bool,
    encoding: String,
    delimiters: Vec<Choice>,
    sheets: Vec<Choice>,
    columns: Vec<Column>,
    notes: Vec<String>,
    error: String,
    has_header: String,
}

/// Step 2: how the file is read (format, encoding, delimiter, sheet), with a preview.
pub(crate) async fn file_page(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    file_page_with(&state, &user, page_id(&id)?, None).await
}

/// The file's page; after a refused change of its reading, with the refusal and the preview
/// as that reading gives it (so the person sees why).
async fn file_page_with(
    state: &AppState,
    user: &WebUser,
    id: i64,
    refused: Option<(PageError, ImportSettings)>,
) -> Result<Response, PageError> {
    let (error, reading) = refused.map_or((None, None), |(error, reading)| (Some(error), Some(reading)));
    let Described { import, settings, view } = described_as(state, user, id, reading).await?;
    let has_header = match settings.has_header {
        None => "",
        Some(true) => "yes",
        Some(false) => "no",
    };
    let (status, error) = refusal(error);
    let file = view.file;
    let delimiter = file.delimiter.clone().unwrap_or_default();
    let delimiters = [(",", "comma ,"), (";", "semicolon ;"), ("\\t", "tab"), ("|", "bar |")]
        .map(|(value, label)| Choice {
            selected: delimiter == value || (delimiter == "\t" && value == "\\t"),
            value: value.to_string(),
            label: label.to_string(),
        })
        .into();
    let sheet = file.sheet.clone().unwrap_or_default();
    let sheets = file
        .sheet_names
        .iter()
        .map(|name| Choice { value: name.clone(), label: name.clone(), selected: *name == sheet })
        .collect();
    let page = FilePage {
        layout: Layout::of(user, "file", format!("Reading {}", import.file_name)),
        import,
        read_as: view.read_as,
        is_csv: file.format == "csv",
        encoding: file.encoding.clone().unwrap_or_default(),
        delimiters,
        sheets,
        file,
        columns: view.columns,
        notes: view.notes,
        error,
        has_header: has_header.to_string(),
    };
    render(status, &page)
}

/// The status and the sentence of a refusal to show on a page (200 and nothing without one).
fn refusal(error: Option<PageError>) -> (StatusCode, String) {
    match error {
        Some(error) => (error.status, error.message),
        None => (StatusCode::OK, String::new()),
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct ReadingForm {
    #[serde(default)]
    encoding: String,
    #[serde(default)]
    delimiter: String,
    #[serde(default)]
    has_header: String,
    #[serde(default)]
    sheet: String,
}

/// Changes how the file is read; the page shows the file read so.
pub(crate) async fn change_reading(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    Form(form): Form<ReadingForm>,
) -> Result<Response, PageError> {
    let id = page_id(&id)?;
    let given = |text: String| Some(text.trim().to_string()).filter(|t| !t.is_empty());
    let change = ImportSettings {
        encoding: given(form.encoding),
        delimiter: given(form.delimiter),
        sheet: given(form.sheet),
        has_header: match form.has_header.as_str() {
            "yes" => Some(true),
            "no" => Some(false),
            _ => None,
        },
        ..ImportSettings::default()
    };
    let change = match &user.embed {
        Some(embed) => embed::allowed_only(change, &embed.claims)?,
        None => change,
    };
    match configure(&state, &user, id, change.clone()).await {
        Ok(()) => Ok(see(format!("/imports/{id}/file"))),
        Err(error) => file_page_with(&state, &user, id, Some((error, change))).await,
    }
}

/// Sets import `id`'s settings through the API's configure (its checks, its audit).
async fn configure(
    state: &AppState,
    user: &WebUser,
    id: i64,
    change: ImportSettings,
) -> Result<(), PageError> {
    let _settings =
        uploads::configure(State(state.clone()), user.caller(), Path(id.to_string()), Json(change)).await?;
    Ok(())
}

/// One column on the mapping page.
struct MapColumn {
    index: usize,
    header: String,
    samples: Vec<String>,
    kind: String,
    confidence: String,
    basis: String,
    note: String,
    skipped: bool,
    choices: Vec<Choice>,
    problem: String,
}

/// One field in a column's picker.
struct Choice {
    value: String,
    label: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "map.html")]
struct MapPage {
    layout: Layout,
    import: ImportView,
    columns: Vec<MapColumn>,
    saved: Vec<SavedView>,
    error: String,
    field_types: Vec<&'static str>,
}

/// Step 3: a field for each column.
pub(crate) async fn map_page(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    map_page_with(&state, &user, page_id(&id)?, None, None).await
}

async fn map_page_with(
    state: &AppState,
    user: &WebUser,
    id: i64,
    error: Option<PageError>,
    chosen: Option<BTreeMap<String, Option<String>>>,
) -> Result<Response, PageError> {
    let Described { import, settings, view } = described(state, user, id).await?;
    let Json(fields) = fields::list(State(state.clone()), user.caller()).await?;
    let mut fields: Vec<FieldView> = read_as(&fields)?;
    let mut saved: Vec<SavedView> = Vec::new();
    match &user.embed {
        Some(embed) => {
            let offered = embed::offered_names(&embed.claims);
            fields.retain(|f| offered.contains(&f.name));
        }
        None => {
            let Json(listed) = mappings::list(State(state.clone()), user.caller()).await?;
            saved = read_as(&listed)?;
        }
    }
    let (status, error) = refusal(error);
    let chosen = chosen.or(settings.mapping).unwrap_or_default();
    let columns = view
        .columns
        .into_iter()
        .enumerate()
        .map(|(index, column)| map_column(index, column, &chosen, &fields, &error))
        .collect();
    let field_types = intake_core::model::FieldType::ALL.iter().map(|t| t.name()).collect();
    let layout = Layout::of(user, "map", format!("Mapping {}", import.file_name));
    render(status, &MapPage { layout, import, columns, saved, error, field_types })
}

/// A column with its picker: the person's choice when made, else the suggestion; the
/// refusal's sentence beside it when the sentence names it.
fn map_column(
    index: usize,
    column: Column,
    chosen: &BTreeMap<String, Option<String>>,
    fields: &[FieldView],
    error: &str,
) -> MapColumn {
    let picked = match chosen.get(&column.header) {
        Some(choice) => choice.clone(),
        None => column.field.clone(),
    };
    let choices = fields
        .iter()
        .map(|f| Choice {
            value: f.name.clone(),
            label: format!("{} ({})", f.label, f.name),
            selected: picked.as_deref() == Some(f.name.as_str()),
        })
        .collect();
    let named = !error.is_empty() && error.contains(&format!("\"{}\"", column.header));
    MapColumn {
        index,
        skipped: picked.is_none(),
        confidence: column.confidence.map(|c| format!("{:.0} %", c * 100.0)).unwrap_or_default(),
        basis: column.basis.unwrap_or_default(),
        note: column.note.unwrap_or_default(),
        problem: if named { error.to_string() } else { String::new() },
        header: column.header,
        samples: column.samples.into_iter().take(3).collect(),
        kind: column.kind,
        choices,
    }
}

/// Saves the mapping of the form (`field-N` and `skip-N` per column N) and goes on to the
/// options; a refusal shows the page again with the choices made.
pub(crate) async fn save_map(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let id = page_id(&id)?;
    let Described { view, .. } = described(&state, &user, id).await?;
    let value = |name: String| form.iter().find(|(k, _)| *k == name).map(|(_, v)| v.trim().to_string());
    let mapping: BTreeMap<String, Option<String>> = view
        .columns
        .iter()
        .enumerate()
        .map(|(n, column)| {
            let skipped = value(format!("skip-{n}")).is_some();
            let field = value(format!("field-{n}")).filter(|f| !f.is_empty() && !skipped);
            (column.header.clone(), field)
        })
        .collect();
    if let Some(embed) = &user.embed {
        let offered = embed::offered_names(&embed.claims);
        if let Some(field) = mapping.values().flatten().find(|f| !offered.contains(f)) {
            let refused =
                PageError::new(StatusCode::FORBIDDEN, format!("The field {field:?} is not offered here."));
            return map_page_with(&state, &user, id, Some(refused), Some(mapping)).await;
        }
    }
    let change = ImportSettings { mapping: Some(mapping.clone()), ..ImportSettings::default() };
    match configure(&state, &user, id, change).await {
        Ok(()) => Ok(see(format!("/imports/{id}/options"))),
        Err(error) => map_page_with(&state, &user, id, Some(error), Some(mapping)).await,
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct NewFieldForm {
    name: String,
    #[serde(rename = "type")]
    field_type: String,
    #[serde(default)]
    label: String,
}

/// Creates a custom field (admins; the API refuses members) and shows the mapping again.
pub(crate) async fn add_field(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    Form(form): Form<NewFieldForm>,
) -> Result<Response, PageError> {
    let id = page_id(&id)?;
    let label = Some(form.label.trim().to_string()).filter(|l| !l.is_empty());
    let new = serde_json::json!({ "name": form.name.trim(), "type": form.field_type, "label": label });
    let new = serde_json::from_value(new).map_err(|e| AppError::invalid(e.to_string()))?;
    match fields::add(State(state.clone()), user.caller(), Json(new)).await {
        Ok(_) => Ok(see(format!("/imports/{id}/map"))),
        Err(error) if error.status() == StatusCode::FORBIDDEN => Err(error.into()),
        Err(error) => map_page_with(&state, &user, id, Some(error.into()), None).await,
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct ApplyForm {
    saved: String,
}

/// Applies a saved mapping to the import.
pub(crate) async fn apply_mapping(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    Form(form): Form<ApplyForm>,
) -> Result<Response, PageError> {
    let id = page_id(&id)?;
    let change = ImportSettings { saved_mapping: Some(form.saved), ..ImportSettings::default() };
    match configure(&state, &user, id, change).await {
        Ok(()) => Ok(see(format!("/imports/{id}/map"))),
        Err(error) => map_page_with(&state, &user, id, Some(error), None).await,
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct SaveForm {
    name: String,
}

/// Saves the import's current mapping under a name, for the next file of the same kind.
pub(crate) async fn save_mapping(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    Form(form): Form<SaveForm>,
) -> Result<Response, PageError> {
    let id = page_id(&id)?;
    let new = serde_json::json!({ "name": form.name, "import_id": id.to_string() });
    let new = serde_json::from_value(new).map_err(|e| AppError::invalid(e.to_string()))?;
    match mappings::save(State(state.clone()), user.caller(), Json(new)).await {
        Ok(_) => Ok(see(format!("/imports/{id}/map"))),
        Err(error) => map_page_with(&state, &user, id, Some(error.into()), None).await,
    }
}

#[derive(Template)]
#[template(path = "options.html")]
struct OptionsPage {
    layout: Layout,
    import: ImportView,
    purposes: Vec<Choice>,
    identifiers: Vec<Choice>,
    no_overwrite: bool,
    tags: String,
    lists: String,
    unsubscribe_all: bool,
    default_region: String,
    /// The options the host fixed, as `name: value`, in embed mode.
    fixed: Vec<String>,
    error: String,
}

/// Step 4: what the import does with the rows.
pub(crate) async fn options_page(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    options_page_with(&state, &user, page_id(&id)?, None).await
}

async fn options_page_with(
    state: &AppState,
    user: &WebUser,
    id: i64,
    error: Option<PageError>,
) -> Result<Response, PageError> {
    let import = read_as::<ImportView>(&current(state, &user.caller(), id).await?)?;
    let (_, settings) = state.with_store(&user.caller(), move |store| configurable(store, id)).await?;
    let (status, error) = refusal(error);
    let page = OptionsPage {
        layout: Layout::of(user, "options", format!("Options for {}", import.file_name)),
        import,
        purposes: choices(&PURPOSES, settings.purpose.as_deref().unwrap_or("add-update")),
        identifiers: choices(&IDENTIFIERS, settings.identifier.as_deref().unwrap_or("email")),
        no_overwrite: settings.no_overwrite.unwrap_or(false),
        tags: settings.tags.unwrap_or_default().join(", "),
        lists: settings.lists.unwrap_or_default().join(", "),
        unsubscribe_all: settings.unsubscribe_all.unwrap_or(false),
        default_region: settings.default_region.unwrap_or_default(),
        fixed: user.embed.as_ref().map(|e| embed::fixed_list(&e.claims)).unwrap_or_default(),
        error,
    };
    render(status, &page)
}

/// The purposes, in the CLI's words, with a sentence each.
const PURPOSES: [(&str, &str); 4] = [
    ("add-update", "Add new contacts and update existing ones"),
    ("add", "Add new contacts only; leave existing ones as they are"),
    ("update", "Update existing contacts only; add no one"),
    ("add-all", "Add every row as a new contact, without looking for existing ones"),
];

/// The identifiers a row can be matched by.
const IDENTIFIERS: [(&str, &str); 4] = [
    ("email", "E-mail address"),
    ("phone", "Phone number"),
    ("id", "intake's contact id"),
    ("external_id", "Your own id (external_id)"),
];

fn choices(all: &[(&str, &str)], selected: &str) -> Vec<Choice> {
    all.iter()
        .map(|(value, label)| Choice {
            value: value.to_string(),
            label: label.to_string(),
            selected: *value == selected,
        })
        .collect()
}

#[derive(Debug, Deserialize)]
pub(crate) struct OptionsForm {
    #[serde(default)]
    purpose: Option<String>,
    #[serde(default)]
    identifier: Option<String>,
    #[serde(default)]
    no_overwrite: Option<String>,
    #[serde(default)]
    tags: String,
    #[serde(default)]
    lists: String,
    #[serde(default)]
    unsubscribe_all: Option<String>,
    #[serde(default)]
    default_region: String,
}

/// Comma-separated names, trimmed, empty ones left out.
fn names(text: &str) -> Vec<String> {
    text.split(',').map(str::trim).filter(|t| !t.is_empty()).map(str::to_string).collect()
}

/// Saves the options and queues the review (a dry run of the whole file).
pub(crate) async fn save_options(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    Form(form): Form<OptionsForm>,
) -> Result<Response, PageError> {
    let id = page_id(&id)?;
    let region = form.default_region.trim().to_ascii_uppercase();
    let chosen = ImportSettings {
        purpose: form.purpose,
        identifier: form.identifier,
        no_overwrite: Some(form.no_overwrite.is_some()),
        tags: Some(names(&form.tags)),
        lists: Some(names(&form.lists)),
        unsubscribe_all: Some(form.unsubscribe_all.is_some()),
        default_region: Some(region).filter(|r| !r.is_empty()),
        ..ImportSettings::default()
    };
    let change = match &user.embed {
        Some(embed) => embed::allowed_only(chosen, &embed.claims)?,
        None => chosen,
    };
    let queued = match configure(&state, &user, id, change).await {
        Ok(()) => queue_review(&state, &user, id).await,
        Err(error) => Err(error),
    };
    match queued {
        Ok(()) => Ok(see(format!("/imports/{id}/review"))),
        Err(error) => options_page_with(&state, &user, id, Some(error)).await,
    }
}

async fn queue_review(state: &AppState, user: &WebUser, id: i64) -> Result<(), PageError> {
    let _queued = runs::review(State(state.clone()), user.caller(), Path(id.to_string())).await?;
    Ok(())
}

/// Queues the review again (after it expired, or to see it anew).
pub(crate) async fn review(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = page_id(&id)?;
    queue_review(&state, &user, id).await?;
    Ok(see(format!("/imports/{id}/review")))
}

#[derive(Template)]
#[template(path = "review.html")]
struct ReviewPage {
    layout: Layout,
    import: ImportView,
    review: Option<ReviewView>,
    reasons: Vec<Reason>,
    skipped: Vec<(String, u64)>,
    preview: Table,
    errors: Vec<FixRow>,
    /// The first error row of this page (0-based), and of the next page when there is one.
    errors_from: usize,
    errors_next: Option<usize>,
    /// The row just corrected (or taken back), with its new outcome.
    fixed: Option<Fixed>,
    /// The rows corrected so far.
    corrected: Vec<Corrected>,
    expires: String,
}

/// Rows to show as a table.
#[derive(Default)]
pub(crate) struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<TableRow>,
}

/// One row of a table: the file's row number and its cells.
pub(crate) struct TableRow {
    pub row: String,
    pub cells: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ReviewQuery {
    #[serde(default)]
    errors_from: usize,
    /// A row just corrected, to say what the import now does with it.
    #[serde(default)]
    fixed: Option<u64>,
}

/// Step 5: what the import would do, before it does it.
pub(crate) async fn review_page(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    Query(query): Query<ReviewQuery>,
) -> Result<Response, PageError> {
    let id = page_id(&id)?;
    let import = read_as::<ImportView>(&current(&state, &user.caller(), id).await?)?;
    if !matches!(import.state.as_str(), "uploaded" | "reviewing" | "reviewed" | "expired") {
        return Ok(see(format!("/imports/{id}")));
    }
    let review = match import.state.as_str() {
        "reviewed" | "expired" => {
            let Json(found) =
                runs::get_review(State(state.clone()), user.caller(), Path(id.to_string())).await?;
            Some(read_as::<ReviewView>(&found)?)
        }
        _ => None,
    };
    let from = query.errors_from;
    let errors = match &review {
        Some(_) => error_forms(&state, &user, id, from).await?,
        None => (Vec::new(), false),
    };
    let fixed = match (&review, query.fixed) {
        (Some(_), Some(row)) => Some(fixed(&state, &user, id, row).await?),
        _ => None,
    };
    let page = ReviewPage {
        layout: Layout::of(&user, "review", format!("Review of {}", import.file_name)),
        reasons: review.as_ref().map(|r| r.top_error_reasons.clone()).unwrap_or_default(),
        skipped: review
            .as_ref()
            .map(|r| r.counts.skipped_reasons.clone().into_iter().collect())
            .unwrap_or_default(),
        preview: review.as_ref().map(|r| preview_table(&r.first_rows)).unwrap_or_default(),
        expires: review.as_ref().and_then(|r| r.expires_at).map(intake_store::local_time).unwrap_or_default(),
        errors_next: errors.1.then_some(from + ERROR_ROWS_PER_PAGE),
        errors: errors.0,
        errors_from: from,
        fixed,
        corrected: corrected(&state, &user, id).await?,
        import,
        review,
    };
    ok(&page)
}

/// The first rows as they will be stored: one column per field any of them has.
fn preview_table(rows: &[PreviewRow]) -> Table {
    let mut headers: Vec<String> = Vec::new();
    for row in rows {
        for field in row.values.keys() {
            if !headers.contains(field) {
                headers.push(field.clone());
            }
        }
    }
    let rows = rows
        .iter()
        .map(|row| {
            let mut cells: Vec<String> =
                headers.iter().map(|h| row.values.get(h).cloned().unwrap_or_default()).collect();
            cells.push(row.tags.join(", "));
            cells.push(row.lists.join(", "));
            cells.push(row.errors.join("; "));
            TableRow { row: row.row.to_string(), cells }
        })
        .collect();
    headers.extend(["tags", "lists", "problems"].map(String::from));
    Table { headers, rows }
}
