//! An import through the service: `POST /v1/imports` uploads the file (streamed to the data
//! folder under a name of the server's own, never the client's), reads it as the CLI would and
//! answers with what it found per column; `PATCH /v1/imports/{id}` sets the import's settings
//! (the CLI's flag names), checked against the file with the CLI's rules (a change undoes a
//! review); `GET /v1/imports/{id}/results.csv` and `…/errors.csv` are the files the CLI would
//! write, and `…/review/results.csv` and `…/review/errors.csv` those of its review.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use axum::Json;
use axum::body::Body;
use axum::extract::{FromRequest, Multipart, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::{Stream, StreamExt};
use intake_import::ImportError;
use intake_import::input::ReadRequest;
use intake_import::mapping::{ColumnView, describe_columns, suggest_mapping};
use intake_import::settings::ImportRequest;
use intake_store::{ImportState, SqliteStore};
use serde::{Deserialize, Serialize};
use tokio::io::AsyncWriteExt;
use utoipa::ToSchema;

use super::imports::Import;
use super::parse_id;
use crate::auth::Caller;
use crate::error::{AppError, ErrorBody};
use crate::state::AppState;

/// An import's settings, by the CLI's flag names; each left out keeps its value (the CLI's
/// default at first).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportSettings {
    /// `add`, `update`, `add-update` (the default) or `add-all`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    /// `email` (the default), `phone`, `id` or `external_id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identifier: Option<String>,
    /// Fill empty fields only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_overwrite: Option<bool>,
    /// Tags for every contact of the file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// Lists every contact of the file joins.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lists: Option<Vec<String>>,
    /// Unsubscribe every contact of the file from every channel.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unsubscribe_all: Option<bool>,
    /// Two letters (`DE`): the country of numbers without a country code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_region: Option<String>,
    /// A strftime pattern for every date column (`%d.%m.%Y`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_format: Option<String>,
    /// Column header → field name, or `null` to leave the column out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mapping: Option<BTreeMap<String, Option<String>>>,
    /// A saved mapping's id (`GET /v1/mappings`): its columns are applied, under those of
    /// `mapping` in the same request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub saved_mapping: Option<String>,
    /// Make the mobile number the WhatsApp number too.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub whatsapp_from_mobile: Option<bool>,
    /// One ASCII character or `\t`; found from the file when left out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delimiter: Option<String>,
    /// `utf-8`, `windows-1252`, `utf-16le` …; found from the file when left out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
    /// Whether the first row is the header; found from the file when left out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub has_header: Option<bool>,
    /// A spreadsheet's sheet, by name or number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
}

impl ImportSettings {
    /// `self` with the settings `change` gives.
    fn merged(self, change: ImportSettings) -> ImportSettings {
        ImportSettings {
            purpose: change.purpose.or(self.purpose),
            identifier: change.identifier.or(self.identifier),
            no_overwrite: change.no_overwrite.or(self.no_overwrite),
            tags: change.tags.or(self.tags),
            lists: change.lists.or(self.lists),
            unsubscribe_all: change.unsubscribe_all.or(self.unsubscribe_all),
            default_region: change.default_region.or(self.default_region),
            date_format: change.date_format.or(self.date_format),
            mapping: change.mapping.or(self.mapping),
            saved_mapping: change.saved_mapping.or(self.saved_mapping),
            whatsapp_from_mobile: change.whatsapp_from_mobile.or(self.whatsapp_from_mobile),
            delimiter: change.delimiter.or(self.delimiter),
            encoding: change.encoding.or(self.encoding),
            has_header: change.has_header.or(self.has_header),
            sheet: change.sheet.or(self.sheet),
        }
    }

    /// The import these settings ask for, of the file at `file`.
    pub(crate) fn request(&self, file: &Path) -> ImportRequest {
        let defaults = ImportRequest::default();
        let mapping = self.mapping.clone().unwrap_or_default();
        ImportRequest {
            read: ReadRequest {
                file: file.to_path_buf(),
                delimiter: self.delimiter.clone(),
                encoding: self.encoding.clone(),
                has_header: self.has_header,
                sheet: self.sheet.clone(),
                sheet_caps: Default::default(),
            },
            purpose: self.purpose.clone().unwrap_or(defaults.purpose),
            identifier: self.identifier.clone().unwrap_or(defaults.identifier),
            maps: mapping.iter().filter_map(|(h, f)| Some(format!("{h}={}", f.as_ref()?))).collect(),
            skips: mapping.iter().filter(|(_, f)| f.is_none()).map(|(h, _)| h.clone()).collect(),
            no_overwrite: self.no_overwrite.unwrap_or(false),
            tags: self.tags.clone().unwrap_or_default(),
            lists: self.lists.clone().unwrap_or_default(),
            unsubscribe_all: self.unsubscribe_all.unwrap_or(false),
            default_region: self.default_region.clone(),
            date_format: self.date_format.clone(),
            whatsapp_from_mobile: self.whatsapp_from_mobile.unwrap_or(false),
            ..defaults
        }
    }
}

/// An uploaded import with what was found in its file.
#[derive(Debug, Serialize, ToSchema)]
pub struct UploadedImport {
    #[serde(flatten)]
    pub import: Import,
    /// How the file is read, in one line for people.
    pub read_as: String,
    /// How the file is read: `format` (`csv`, `xlsx`, `xls`, `ods`, `vcard`), `encoding`,
    /// `delimiter`, `quote`, `has_header`, `header_row`, `sheet`, `sheet_names`, `headers`.
    #[schema(value_type = Object)]
    pub file: intake_import::input::FileInfo,
    /// Per column: header, samples, suggested field with its confidence, kind of values.
    pub columns: Vec<Column>,
    /// Notes on the way (a column left out of the suggestions …).
    pub notes: Vec<String>,
}

/// One column as a person should see it before choosing its field.
#[derive(Debug, Serialize, ToSchema)]
pub struct Column {
    pub header: String,
    pub samples: Vec<String>,
    /// The suggested field.
    pub field: Option<String>,
    /// How sure the suggestion is, 0 to 1.
    pub confidence: Option<f32>,
    /// Why it is suggested.
    pub basis: Option<String>,
    /// The kind of values found (`e-mail`, `phone (mobile)`, `date (dd.mm.yyyy)` …).
    pub kind: String,
    /// Why a suggestion was not applied.
    pub note: Option<String>,
}

impl From<ColumnView> for Column {
    fn from(c: ColumnView) -> Column {
        Column {
            header: c.header,
            samples: c.samples,
            field: c.field,
            confidence: c.confidence,
            basis: c.basis,
            kind: c.kind,
            note: c.note,
        }
    }
}

/// The name of a raw upload.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct UploadQuery {
    /// The file's name (for a raw body; a multipart upload's part names it).
    filename: Option<String>,
}

/// Uploads a file to import: a raw body (name in `?filename=`) or multipart with the file in
/// the part named `file`. Answers with the import in state `uploaded` and its columns.
#[utoipa::path(post, path = "/imports", operation_id = "upload_import", tag = "imports", params(UploadQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = UploadedImport), (status = 401, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<UploadQuery>,
    request: Request,
) -> Result<(StatusCode, Json<UploadedImport>), AppError> {
    let folder = state.uploads_of(&caller).await?;
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let limit = state.max_upload_bytes();
    let (name, path) = match multipart {
        true => {
            let mut form = Multipart::from_request(request, &state)
                .await
                .map_err(|e| AppError::invalid(format!("the multipart body: {e}")))?;
            loop {
                let field = form
                    .next_field()
                    .await
                    .map_err(|e| AppError::invalid(format!("the multipart body: {e}")))?;
                let Some(field) = field else {
                    return Err(AppError::invalid("the multipart body has no part named \"file\""));
                };
                if field.name() == Some("file") {
                    let name =
                        field.file_name().or(query.filename.as_deref()).unwrap_or("upload").to_string();
                    let path = store_stream(&folder, &name, field, limit).await?;
                    break (name, path);
                }
            }
        }
        false => {
            let name = query.filename.clone().unwrap_or_else(|| "upload".to_string());
            let path = store_stream(&folder, &name, request.into_body().into_data_stream(), limit).await?;
            (name, path)
        }
    };
    let auditor = caller.auditor();
    let (runner, workspace) = (state.runner().clone(), caller.workspace.clone());
    let uploaded = state
        .with_store(&caller, move |store| {
            let found = read_upload(store, &name, &path);
            if found.is_err() {
                let _ = std::fs::remove_file(&path);
            }
            let Found { id, read_as, file, columns, notes } = found?;
            let target = format!("import:{id}");
            let detail = serde_json::json!({ "file_name": name });
            auditor.record(store, "import.upload", &target, detail)?;
            let import = Import::from(store.import(id)?);
            runner.count_rows(workspace, id, path);
            Ok(UploadedImport { import, read_as, file, columns, notes })
        })
        .await?;
    Ok((StatusCode::CREATED, Json(uploaded)))
}

/// What was found in an uploaded file, and the import recorded for it.
struct Found {
    id: i64,
    read_as: String,
    file: intake_import::input::FileInfo,
    columns: Vec<Column>,
    notes: Vec<String>,
}

/// Reads the uploaded file as an import would, records the import, and says what was found.
fn read_upload(store: &mut SqliteStore, name: &str, path: &Path) -> Result<Found, AppError> {
    let read = ReadRequest { file: path.to_path_buf(), ..ReadRequest::default() };
    let FileView { read_as, file, columns, notes } = describe_file(store, &read, None)?;
    let results = sibling(path, "results.csv");
    let errors = sibling(path, "errors.csv");
    let settings = serde_json::to_string(&ImportSettings::default()).map_err(AppError::internal)?;
    let id = store.create_uploaded_import(name, &path.to_string_lossy(), &results, &errors, &settings)?;
    Ok(Found { id, read_as, file, columns, notes })
}

/// How a file is read and what each of its columns holds, as a person sees it before
/// choosing the fields.
pub(crate) struct FileView {
    pub read_as: String,
    pub file: intake_import::input::FileInfo,
    pub columns: Vec<Column>,
    pub notes: Vec<String>,
}

/// The file of `read` as an import would read it, with the suggested field of each column.
pub(crate) fn describe_file(
    store: &SqliteStore,
    read: &ReadRequest,
    default_region: Option<String>,
) -> Result<FileView, AppError> {
    let mut notes = Vec::new();
    let (input, sample, mapping) =
        suggest_mapping(store, read, default_region, &mut |note| notes.push(note)).map_err(import_error)?;
    let columns =
        describe_columns(&input, &sample, &mapping, store.schema()).into_iter().map(Column::from).collect();
    Ok(FileView { read_as: input.describe(), file: input.file_info(), columns, notes })
}

/// `upload-….csv` → `upload-….results.csv`.
fn sibling(path: &Path, suffix: &str) -> String {
    path.with_extension(suffix).to_string_lossy().into_owned()
}

/// Writes `body` to a new file in `folder`, named by the server (a random id, and the
/// client's extension when it is one intake reads), refusing past `limit` bytes.
async fn store_stream<S, B, E>(
    folder: &Path,
    client_name: &str,
    mut body: S,
    limit: u64,
) -> Result<PathBuf, AppError>
where
    S: Stream<Item = Result<B, E>> + Unpin,
    B: AsRef<[u8]>,
    E: std::fmt::Display,
{
    let path = folder.join(format!("upload-{}.{}", random_id(), extension_of(client_name)));
    let mut file = tokio::fs::File::create(&path).await.map_err(AppError::internal)?;
    let mut written: u64 = 0;
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| AppError::invalid(format!("the upload broke off: {e}")))?;
        written += chunk.as_ref().len() as u64;
        if written > limit {
            drop(file);
            let _ = tokio::fs::remove_file(&path).await;
            crate::layers::drain(&mut body).await;
            return Err(too_large(limit));
        }
        file.write_all(chunk.as_ref()).await.map_err(AppError::internal)?;
    }
    file.flush().await.map_err(AppError::internal)?;
    Ok(path)
}

fn too_large(limit: u64) -> AppError {
    let mb = limit / 1_000_000;
    let message = format!("the file is larger than the upload limit of {mb} MB (the setting max_upload_mb)");
    AppError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", message)
        .with_details(serde_json::json!({ "limit": mb, "setting": "max_upload_mb", "bytes": limit }))
}

/// The client's extension when intake reads files of that kind (the reader goes by it), else
/// `upload`: the kind is then found from the bytes.
fn extension_of(name: &str) -> &'static str {
    let extension = Path::new(name).extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    ["csv", "tsv", "txt", "xlsx", "xlsm", "xls", "ods", "vcf", "vcard"]
        .into_iter()
        .find(|known| *known == extension)
        .unwrap_or("upload")
}

fn random_id() -> String {
    let mut bytes = [0u8; 12];
    // Without randomness, the time: names only need to differ within one folder.
    if getrandom::fill(&mut bytes).is_err() {
        let nanos =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        bytes.copy_from_slice(&nanos.to_le_bytes()[..12]);
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// An import error as the client should see it: the user's mistakes are 422, a held lease 409.
pub(crate) fn import_error(error: ImportError) -> AppError {
    match error {
        ImportError::Busy(message) => AppError::new(StatusCode::CONFLICT, "busy", message),
        ImportError::Store(store) => AppError::from(store),
        ImportError::Stopped(message) => AppError::new(StatusCode::CONFLICT, "stopped", message),
        ImportError::File { .. } => AppError::internal(error),
        other => AppError::invalid(other.to_string()),
    }
}

/// Sets an uploaded import's settings; they are checked against its file at once.
#[utoipa::path(patch, path = "/imports/{id}", operation_id = "configure_import", tag = "imports",
    params(("id" = String, Path, description = "The import's id")), request_body = ImportSettings,
    responses((status = 200, body = ImportSettings), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 410, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn configure(
    State(state): State<AppState>,
    caller: Caller,
    axum::extract::Path(id): axum::extract::Path<String>,
    Json(mut change): Json<ImportSettings>,
) -> Result<Json<ImportSettings>, AppError> {
    let id = parse_id(&id)?;
    let settings = state
        .with_store(&caller, move |store| {
            let (path, stored) = configurable(store, id)?;
            if let Some(saved) = &change.saved_mapping {
                let mut columns = super::mappings::columns_of(store, saved)?;
                columns.extend(change.mapping.take().unwrap_or_default());
                change.mapping = Some(columns);
            }
            let settings = stored.merged(change);
            check(store, &settings.request(Path::new(&path)))?;
            let text = serde_json::to_string(&settings).map_err(AppError::internal)?;
            store.set_import_settings(id, &text)?;
            Ok(settings)
        })
        .await?;
    Ok(Json(settings))
}

/// The file and settings of import `id` when its settings may change (uploaded, reviewed,
/// expired); 404 when there is none, 409 in another state.
pub(crate) fn configurable(store: &SqliteStore, id: i64) -> Result<(String, ImportSettings), AppError> {
    let record = store.import(id).map_err(|_| AppError::not_found(format!("no import {id}")))?;
    if !matches!(record.state, ImportState::Uploaded | ImportState::Reviewed | ImportState::Expired) {
        return Err(AppError::new(
            StatusCode::CONFLICT,
            "started",
            format!("import {id} is {}; its settings can no longer change", record.state.as_str()),
        ));
    }
    if record.files_deleted_at.is_some() {
        return Err(AppError::new(
            StatusCode::GONE,
            "deleted",
            format!(
                "import {id} was left longer than the retention time and its file deleted; upload it again"
            ),
        ));
    }
    let text = store.import_settings(id)?.unwrap_or_else(|| "{}".to_string());
    let settings = serde_json::from_str(&text).map_err(AppError::internal)?;
    Ok((record.source_path, settings))
}

/// The CLI's checks of `request` against its file (the identifier mapped, no field twice …).
pub(crate) fn check(store: &SqliteStore, request: &ImportRequest) -> Result<(), AppError> {
    intake_import::run::prepare(store, request, &mut |_| {}).map_err(import_error)?;
    Ok(())
}

/// The results file of an import: every row of the file with its outcome.
#[utoipa::path(get, path = "/imports/{id}/results.csv", operation_id = "import_results", tag = "imports",
    params(("id" = String, Path, description = "The import's id")),
    responses((status = 200, content_type = "text/csv", body = String), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 410, body = ErrorBody)))]
pub(crate) async fn results(
    State(state): State<AppState>,
    caller: Caller,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Result<Response, AppError> {
    download(state, caller, id, Which::Results).await
}

/// The error file of an import: the rows in error with the reason, ready to fix and upload.
#[utoipa::path(get, path = "/imports/{id}/errors.csv", operation_id = "import_errors", tag = "imports",
    params(("id" = String, Path, description = "The import's id")),
    responses((status = 200, content_type = "text/csv", body = String), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 410, body = ErrorBody)))]
pub(crate) async fn errors(
    State(state): State<AppState>,
    caller: Caller,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Result<Response, AppError> {
    download(state, caller, id, Which::Errors).await
}

/// The review's results file: every row with what the import would do with it.
#[utoipa::path(get, path = "/imports/{id}/review/results.csv", operation_id = "review_results", tag = "imports",
    params(("id" = String, Path, description = "The import's id")),
    responses((status = 200, content_type = "text/csv", body = String), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 410, body = ErrorBody)))]
pub(crate) async fn review_results(
    State(state): State<AppState>,
    caller: Caller,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Result<Response, AppError> {
    download(state, caller, id, Which::ReviewResults).await
}

/// The review's error file: the rows the import would refuse, with the reason.
#[utoipa::path(get, path = "/imports/{id}/review/errors.csv", operation_id = "review_errors", tag = "imports",
    params(("id" = String, Path, description = "The import's id")),
    responses((status = 200, content_type = "text/csv", body = String), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 410, body = ErrorBody)))]
pub(crate) async fn review_errors(
    State(state): State<AppState>,
    caller: Caller,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Result<Response, AppError> {
    download(state, caller, id, Which::ReviewErrors).await
}

enum Which {
    Results,
    Errors,
    ReviewResults,
    ReviewErrors,
}

async fn download(state: AppState, caller: Caller, id: String, which: Which) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let (record, reviewed) = state
        .with_store(&caller, move |store| {
            let record = store.import(id).map_err(|_| AppError::not_found(format!("no import {id}")))?;
            Ok((record, store.import_review(id)?.is_some()))
        })
        .await?;
    if let Some(at) = record.files_deleted_at {
        return Err(AppError::new(
            StatusCode::GONE,
            "deleted",
            format!(
                "the files of import {id} were deleted at {} after the retention time",
                intake_store::local_time(at)
            ),
        ));
    }
    let review = |suffix| Some(crate::runner::review_file(&record.source_path, suffix)).filter(|_| reviewed);
    let (path, name) = match which {
        Which::Results => (record.results_path.clone(), "results"),
        Which::Errors => (record.errors_path.clone(), "errors"),
        Which::ReviewResults => (review("review-results.csv"), "review-results"),
        Which::ReviewErrors => (review("review-errors.csv"), "review-errors"),
    };
    let missing = || AppError::not_found(format!("import {id} has no {name} file (yet)"));
    let path = path.ok_or_else(missing)?;
    let file = tokio::fs::File::open(&path).await.map_err(|_| missing())?;
    let body = Body::from_stream(tokio_util::io::ReaderStream::new(file));
    let disposition = format!("attachment; filename=\"import-{id}-{name}.csv\"");
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response())
}
