//! The embeddable wizard's tokens and sessions. `POST /v1/embed-tokens` (admin key) gives a
//! host platform a short-lived signed token; `GET /embed?token=…` checks it, starts an embed
//! session and sends the frame to the wizard's own pages in embed mode (`/embed/s/{session}/…`,
//! see `wizard::embed`), framed only by the token's origin.
//!
//! An embed session is limited to its workspace, to the imports it uploaded itself (another
//! import answers 404, as a missing one), to the fields offered and the options allowed, with
//! the fixed options always applied over the end user's. This module holds those rules; it
//! must not reach anything else of the API: no contacts, no history, no keys.

use std::collections::BTreeMap;

use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use intake_store::Role;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::ImportSettings;
use crate::auth::Caller;
use crate::embed_token::{self, Claims, Use};
use crate::error::{AppError, ErrorBody};
use crate::state::{AppState, blocking};

/// The longest a token may live; a session lives this long from the page's opening.
const MAX_LIFETIME_SECS: i64 = 3600;
/// A token's life when the host names none.
const DEFAULT_LIFETIME_SECS: i64 = 600;

/// The options an end user may be allowed to change, by `ImportSettings`' names. The mapping
/// is the wizard's own step (limited to the fields offered), and a saved mapping is the host's
/// business, so neither is among them.
const OPTIONS: &[&str] = &[
    "purpose",
    "identifier",
    "no_overwrite",
    "tags",
    "lists",
    "unsubscribe_all",
    "default_region",
    "date_format",
    "whatsapp_from_mobile",
    "delimiter",
    "encoding",
    "has_header",
    "sheet",
];

/// What the host lets its end user do.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEmbedToken {
    /// The host page's origin, `scheme://host[:port]` (`https://crm.example.com`): the only
    /// page that may frame the wizard and receive its messages.
    origin: String,
    /// Seconds until the token expires (1 to 3600; 600 when left out). It only opens the page:
    /// the end user then has an hour.
    #[schema(minimum = 1, maximum = 3600)]
    expires_in: Option<i64>,
    /// The fields the end user may map columns to (every field of the workspace when empty).
    #[serde(default)]
    fields: Vec<String>,
    /// The options the end user may change: `purpose`, `identifier`, `no_overwrite`, `tags`,
    /// `lists`, `unsubscribe_all`, `default_region`, `date_format`, `whatsapp_from_mobile`,
    /// `delimiter`, `encoding`, `has_header`, `sheet`.
    #[serde(default)]
    allowed_options: Vec<String>,
    /// Options the host sets, which the end user cannot change (no `mapping`).
    #[serde(default)]
    fixed_options: ImportSettings,
}

/// A token to open the wizard with: `GET /embed?token=…` in the host's iframe.
#[derive(Debug, Serialize, ToSchema)]
pub struct EmbedToken {
    token: String,
    /// Seconds since the epoch.
    expires_at: i64,
    /// The wizard's address on this service, relative: `/embed?token=…`.
    url: String,
}

/// Creates an embed token for the caller's workspace.
#[utoipa::path(post, path = "/embed-tokens", operation_id = "create_embed_token", tag = "embed",
    request_body = NewEmbedToken,
    responses((status = 201, body = EmbedToken), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub(crate) async fn create_token(
    State(state): State<AppState>,
    caller: Caller,
    Json(new): Json<NewEmbedToken>,
) -> Result<(StatusCode, Json<EmbedToken>), AppError> {
    caller.require_admin()?;
    let origin = canonical_origin(&new.origin)?;
    let lifetime = new.expires_in.unwrap_or(DEFAULT_LIFETIME_SECS);
    if !(1..=MAX_LIFETIME_SECS).contains(&lifetime) {
        return Err(AppError::invalid(format!(
            "expires_in {lifetime}: give 1 to {MAX_LIFETIME_SECS} seconds"
        ))
        .with_details(serde_json::json!({ "field": "expires_in" })));
    }
    check_options(&new.allowed_options, &new.fixed_options)?;
    check_fixed(&new.fixed_options)?;
    let (fields, auditor) = (new.fields.clone(), caller.auditor());
    let detail = serde_json::json!({ "origin": origin, "expires_in": lifetime });
    state
        .with_store(&caller, move |store| {
            let unknown: Vec<&String> =
                fields.iter().filter(|f| store.schema().target_by_name(f).is_none()).collect();
            if !unknown.is_empty() {
                return Err(AppError::invalid(format!("no such field: {unknown:?} (see GET /v1/fields)")));
            }
            auditor.record(store, "embed_token.create", "embed", detail)
        })
        .await?;
    let claims = Claims {
        usage: Use::Open,
        workspace: caller.workspace.clone(),
        key_id: caller.key_id,
        origin,
        expires_at: intake_store::now() + lifetime,
        fields: new.fields,
        allowed_options: new.allowed_options,
        fixed_options: new.fixed_options,
        session: String::new(),
    };
    let token = embed_token::sign(&claims, &secret(&state).await?);
    let url = format!("/embed?token={token}");
    Ok((StatusCode::CREATED, Json(EmbedToken { token, expires_at: claims.expires_at, url })))
}

/// `origin` as a browser writes it (`https://crm.example.com`, a port only when not the
/// scheme's own), refused when it is anything more (a path) or less.
fn canonical_origin(origin: &str) -> Result<String, AppError> {
    let refused = || {
        AppError::invalid(format!(
            "origin {origin:?}: give scheme://host[:port], as the host page's location.origin"
        ))
        .with_details(serde_json::json!({ "field": "origin" }))
    };
    let url = url::Url::parse(origin).map_err(|_| refused())?;
    let canonical = url.origin().ascii_serialization();
    let bare = origin.trim_end_matches('/');
    if !matches!(url.scheme(), "http" | "https") || !canonical.eq_ignore_ascii_case(bare) {
        return Err(refused());
    }
    Ok(canonical)
}

/// Allowed options must be ones the wizard offers, and none both allowed and fixed.
fn check_options(allowed: &[String], fixed: &ImportSettings) -> Result<(), AppError> {
    if let Some(unknown) = allowed.iter().find(|o| !OPTIONS.contains(&o.as_str())) {
        return Err(AppError::invalid(format!("allowed option {unknown:?}: give some of {OPTIONS:?}")));
    }
    if fixed.mapping.is_some() || fixed.saved_mapping.is_some() {
        return Err(AppError::invalid("fixed_options cannot hold a mapping: offer fields instead"));
    }
    let fixed_names = set_options(fixed)?;
    if let Some(both) = allowed.iter().find(|o| fixed_names.contains(o)) {
        return Err(AppError::invalid(format!("option {both:?} is both allowed and fixed: choose one")));
    }
    Ok(())
}

/// The fixed options' values that can be checked without a file: the host's mistakes are
/// found now, not at its end user's import (the rest are checked against the file).
fn check_fixed(fixed: &ImportSettings) -> Result<(), AppError> {
    let bad =
        |what: &str, value: &str| AppError::invalid(format!("fixed_options: {what} {value:?} is unknown"));
    if let Some(purpose) = &fixed.purpose
        && intake_core::plan::Purpose::from_name(purpose).is_none()
    {
        return Err(bad("purpose", purpose));
    }
    if let Some(identifier) = &fixed.identifier
        && intake_core::identify::IdentifierKind::from_name(identifier).is_none()
    {
        return Err(bad("identifier", identifier));
    }
    if let Some(pattern) = &fixed.date_format {
        intake_import::settings::check_date_format(pattern).map_err(super::uploads::import_error)?;
    }
    Ok(())
}

/// The names of the options `settings` sets.
fn set_options(settings: &ImportSettings) -> Result<Vec<String>, AppError> {
    let json = serde_json::to_value(settings).map_err(AppError::internal)?;
    Ok(json.as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default())
}

/// The store's embed secret (made on first use).
async fn secret(state: &AppState) -> Result<Vec<u8>, AppError> {
    let db = state.db().to_path_buf();
    blocking(move || {
        let mut candidate = [0u8; 32];
        getrandom::fill(&mut candidate).map_err(AppError::internal)?;
        Ok(intake_store::embed_secret(&db, &candidate)?)
    })
    .await
}

/// Whether the admin key behind `claims` is still live: revoking it ends its tokens and
/// sessions.
async fn issuer_is_live(state: &AppState, claims: &Claims) -> Result<bool, AppError> {
    let caller = caller_of(claims, String::new());
    let key_id = claims.key_id;
    state
        .with_store(&caller, move |store| {
            Ok(store
                .keys()?
                .iter()
                .any(|k| k.id == key_id && k.revoked_at.is_none() && k.role == Role::Admin))
        })
        .await
}

/// The caller the embed session acts as: its workspace, with the issuing key's id (the audit
/// log and `started_by` name that key), never more than a member's rights.
fn caller_of(claims: &Claims, address: String) -> Caller {
    Caller {
        key_id: claims.key_id,
        role: Role::Member,
        workspace: claims.workspace.clone(),
        address,
        person: None,
    }
}

fn refused(refusal: embed_token::Refusal) -> AppError {
    AppError::unauthorized(refusal.to_string())
}

/// The page that opens the wizard.
pub(crate) fn pages() -> Router<AppState> {
    Router::new().route("/embed", get(page))
}

#[derive(Debug, Deserialize)]
struct PageQuery {
    token: Option<String>,
}

/// Checks the token, starts a session, and sends the frame to the wizard's first page in
/// embed mode.
async fn page(State(state): State<AppState>, Query(query): Query<PageQuery>) -> Response {
    match open(&state, query.token.as_deref()).await {
        Ok(page) => page,
        Err(Refused { status, message, origin }) => refusal_page(status, &message, origin.as_deref()),
    }
}

/// Why the page did not open, and the host's origin when the token is intake's (signed) own.
struct Refused {
    status: StatusCode,
    message: String,
    origin: Option<String>,
}

impl From<AppError> for Refused {
    fn from(error: AppError) -> Refused {
        Refused { status: error.status(), message: error.message().to_string(), origin: None }
    }
}

/// The redirect into the wizard for `token` with a new session, or why not.
async fn open(state: &AppState, token: Option<&str>) -> Result<Response, Refused> {
    let token = token.ok_or_else(|| AppError::unauthorized("no embed token: open /embed?token=…"))?;
    let secret = secret(state).await?;
    let now = intake_store::now();
    let claims = embed_token::verify(token, &secret, Use::Open, now).map_err(|refusal| Refused {
        status: StatusCode::UNAUTHORIZED,
        message: refusal.to_string(),
        origin: embed_token::signed_claims(token, &secret).ok().map(|c| c.origin),
    })?;
    if !issuer_is_live(state, &claims).await? {
        let message = "the key that issued this embed token was revoked".to_string();
        return Err(Refused { status: StatusCode::UNAUTHORIZED, message, origin: Some(claims.origin) });
    }
    let mut session_id = [0u8; 16];
    getrandom::fill(&mut session_id).map_err(AppError::internal)?;
    let session = Claims {
        usage: Use::Session,
        expires_at: now + MAX_LIFETIME_SECS,
        session: session_id.iter().map(|b| format!("{b:02x}")).collect(),
        ..claims
    };
    let signed = embed_token::sign(&session, &secret);
    let mut response =
        axum::response::Redirect::to(&format!("/embed/s/{signed}/imports/new")).into_response();
    embed_headers(response.headers_mut(), Some(&session.origin));
    Ok(response)
}

/// The headers of a page in the frame: framed by `origin` only (by no one when unknown), its
/// own scripts and styles only, forms to itself only, no referrer (the path holds the session).
pub(crate) fn embed_headers(headers: &mut axum::http::HeaderMap, origin: Option<&str>) {
    let policy = format!(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; base-uri 'none'; \
         form-action 'self'; frame-ancestors {}",
        origin.unwrap_or("'none'")
    );
    // An origin is scheme://host[:port], checked when the token was made: a valid header value.
    if let Ok(policy) = HeaderValue::from_str(&policy) {
        headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
}

/// The refusal as a page: in the host's frame when the token is intake's own, whose script
/// then tells the host (`error`), so that it can ask for a new token.
pub(crate) fn refusal_page(status: StatusCode, message: &str, origin: Option<&str>) -> Response {
    let html = include_str!("../../assets/embed-refused.html")
        .replace("{{origin}}", &escape_html(origin.unwrap_or("")))
        .replace("{{message}}", &escape_html(message));
    let mut response = (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response();
    embed_headers(response.headers_mut(), origin);
    response
}

/// The claims of an embed session: signed, unexpired, for a session, its key live.
pub(crate) async fn session_claims(state: &AppState, text: &str) -> Result<Claims, AppError> {
    let secret = secret(state).await?;
    let claims = embed_token::verify(text, &secret, Use::Session, intake_store::now()).map_err(refused)?;
    if !issuer_is_live(state, &claims).await? {
        return Err(AppError::unauthorized("the key that issued this embed session was revoked"));
    }
    Ok(claims)
}

/// The host's origin of a session intake signed, expired or not: a refused session's page is
/// framed by its host, which is told why.
pub(crate) async fn signed_origin(state: &AppState, text: &str) -> Option<String> {
    let secret = secret(state).await.ok()?;
    embed_token::signed_claims(text, &secret).ok().map(|claims| claims.origin)
}

/// The caller an embed session acts as: its workspace, with the issuing key's id (the audit
/// log and `started_by` name that key), never more than a member's rights.
pub(crate) fn session_caller(claims: &Claims, address: String) -> Caller {
    caller_of(claims, address)
}

/// Whether import `id` is one the session `claims` uploaded (else it is not there for it).
pub(crate) fn owns(store: &intake_store::SqliteStore, claims: &Claims, id: i64) -> Result<bool, AppError> {
    Ok(store.embed_session_of(id)?.is_some_and(|owner| owner == claims.session))
}

/// Makes the just uploaded import `id` the session's: its columns mapped to offered fields
/// only (a suggestion of another is left out) and the fixed options set.
pub(crate) fn adopt(
    store: &mut intake_store::SqliteStore,
    claims: &Claims,
    id: i64,
    columns: &[super::uploads::Column],
) -> Result<(), AppError> {
    let offered = offered_names(claims);
    let mapping: BTreeMap<String, Option<String>> =
        columns.iter().map(|c| (c.header.clone(), c.field.clone().filter(|f| offered.contains(f)))).collect();
    let settings = ImportSettings { mapping: Some(mapping), ..claims.fixed_options.clone() };
    store.mark_embed_import(id, &claims.session)?;
    let text = serde_json::to_string(&settings).map_err(AppError::internal)?;
    store.set_import_settings(id, &text)?;
    Ok(())
}

/// The fields offered, with their labels (the built-in ones'; a custom field is shown by name).
pub(crate) fn offered_fields(session: &Claims) -> Vec<(String, String)> {
    let schema = intake_core::model::Schema::builtin();
    let label = |name: &str| {
        schema.fields().iter().find(|f| f.name == name).map_or_else(|| name.to_string(), |f| f.label.clone())
    };
    let names: Vec<String> = match session.fields.is_empty() {
        true => schema.fields().iter().map(|f| f.name.clone()).collect(),
        false => session.fields.clone(),
    };
    names.into_iter().map(|name| (label(&name), name)).collect()
}

/// The names of the fields offered.
pub(crate) fn offered_names(claims: &Claims) -> Vec<String> {
    offered_fields(claims).into_iter().map(|(_, name)| name).collect()
}

/// Text for an HTML attribute or element.
fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Of the options a form sets, those the token allows, with the fixed ones over them. A form
/// of the embedded wizard shows only the allowed options, so the others it sends are the
/// defaults of fields it does not show: they are left as they are.
pub(crate) fn allowed_only(chosen: ImportSettings, claims: &Claims) -> Result<ImportSettings, AppError> {
    let mut json = serde_json::to_value(chosen).map_err(AppError::internal)?;
    if let Some(object) = json.as_object_mut() {
        object.retain(|name, _| claims.allowed_options.contains(name));
    }
    let allowed = serde_json::from_value(json).map_err(AppError::internal)?;
    merge_fixed(allowed, claims)
}

/// The fixed options as `name: value`, for people.
pub(crate) fn fixed_list(claims: &Claims) -> Vec<String> {
    let json = serde_json::to_value(&claims.fixed_options).unwrap_or_default();
    let shown = |value: &serde_json::Value| match value {
        serde_json::Value::String(text) => text.clone(),
        serde_json::Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_string))
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    };
    json.as_object()
        .map(|o| {
            o.iter().map(|(name, value)| format!("{}: {}", name.replace('_', " "), shown(value))).collect()
        })
        .unwrap_or_default()
}

/// `settings` with the token's fixed options over them.
pub(crate) fn merge_fixed(settings: ImportSettings, claims: &Claims) -> Result<ImportSettings, AppError> {
    let mut json = serde_json::to_value(settings).map_err(AppError::internal)?;
    let fixed = serde_json::to_value(&claims.fixed_options).map_err(AppError::internal)?;
    if let (Some(target), Some(fixed)) = (json.as_object_mut(), fixed.as_object()) {
        target.extend(fixed.clone());
    }
    serde_json::from_value(json).map_err(AppError::internal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_origin_is_scheme_host_and_port_only() {
        assert_eq!(
            canonical_origin("https://CRM.example.com").ok().as_deref(),
            Some("https://crm.example.com")
        );
        assert_eq!(canonical_origin("http://127.0.0.1:8081/").ok().as_deref(), Some("http://127.0.0.1:8081"));
        assert!(canonical_origin("https://crm.example.com/app").is_err());
        assert!(canonical_origin("javascript:alert(1)").is_err());
        assert!(canonical_origin("crm.example.com").is_err());
    }

    #[test]
    fn text_for_html_has_no_markup_left() {
        assert_eq!(escape_html(r#"<script>"a"&'b'"#), "&lt;script&gt;&quot;a&quot;&amp;&#39;b&#39;");
    }
}
