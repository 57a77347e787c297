//! The history of imports and the contacts: pages of the API's listings (`GET /v1/imports`,
//! `GET /v1/contacts`, `GET /v1/contacts/{id}`), a page at a time by the API's cursor
//! (`before`), never counting the whole store.
//!
//! Must not: show a value unescaped, or read more than one page of a listing.

use std::collections::HashMap;

use askama::Template;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::session::WebUser;
use super::views::{ContactView, ImportView, read_as};
use super::{Layout, PageError, ok, page_id, render};
use crate::error::AppError;
use crate::routes::{Page, contacts, imports};
use crate::state::AppState;

/// Imports or contacts per page.
const PER_PAGE: u32 = 25;

#[derive(Debug, Deserialize)]
pub(crate) struct ListQuery {
    before: Option<String>,
    #[serde(default)]
    q: String,
    /// Only the contacts with this tag (the contacts page's; any case).
    #[serde(default)]
    tag: String,
}

/// One import of the history, with who started it in words.
struct HistoryLine {
    import: ImportView,
    who: String,
}

#[derive(Template)]
#[template(path = "history.html")]
struct HistoryPage {
    layout: Layout,
    lines: Vec<HistoryLine>,
    older: Option<String>,
}

/// Every import of the workspace, newest first: who, when, file, counts, state, files.
pub(crate) async fn history(
    State(state): State<AppState>,
    user: WebUser,
    Query(query): Query<ListQuery>,
) -> Result<Response, PageError> {
    let page = Page { before: query.before, limit: Some(PER_PAGE) };
    let Json(found) = imports::list(State(state.clone()), user.caller(), Query(page)).await?;
    let found: Vec<ImportView> = read_as(&found)?;
    let people: HashMap<String, String> = state
        .with_store(&user.caller(), |store| {
            Ok(store.users()?.into_iter().map(|u| (format!("user:{}", u.id), u.email)).collect())
        })
        .await?;
    let older = (found.len() == PER_PAGE as usize).then(|| found.last().map(|i| i.id.clone())).flatten();
    let lines = found
        .into_iter()
        .map(|import| {
            let who = match import.started_by.as_deref() {
                Some(actor) => {
                    people.get(actor).cloned().unwrap_or_else(|| actor.replace("key:", "API key "))
                }
                None => String::new(),
            };
            HistoryLine { import, who }
        })
        .collect();
    ok(&HistoryPage { layout: Layout::of(&user, "history", "History"), lines, older })
}

#[derive(Template)]
#[template(path = "contacts.html")]
struct ContactsPage {
    layout: Layout,
    q: String,
    tag: String,
    contacts: Vec<ContactView>,
    older: Option<String>,
    error: String,
}

/// The workspace's contacts, newest first, or those a search finds, or those with a tag.
pub(crate) async fn contacts(
    State(state): State<AppState>,
    user: WebUser,
    Query(query): Query<ListQuery>,
) -> Result<Response, PageError> {
    let q = query.q.trim().to_string();
    let tag = query.tag.trim().to_string();
    let filter = serde_json::json!({
        "q": Some(q.clone()).filter(|q| !q.is_empty()),
        "tag": Some(tag.clone()).filter(|t| !t.is_empty()),
    });
    let filter = serde_json::from_value(filter).map_err(AppError::internal)?;
    let page = Page { before: query.before, limit: Some(PER_PAGE) };
    let layout = Layout::of(&user, "contacts", "Contacts");
    match contacts::list(State(state), user.caller(), Query(filter), Query(page)).await {
        Ok(Json(found)) => {
            let contacts: Vec<ContactView> = read_as(&found)?;
            let older = (contacts.len() == PER_PAGE as usize)
                .then(|| contacts.last().map(|c| c.id.clone()))
                .flatten();
            ok(&ContactsPage { layout, q, tag, contacts, older, error: String::new() })
        }
        Err(error) if error.status() == StatusCode::UNPROCESSABLE_ENTITY => {
            let error = error.message().to_string();
            render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &ContactsPage { layout, q, tag, contacts: vec![], older: None, error },
            )
        }
        Err(error) => Err(error.into()),
    }
}

#[derive(Template)]
#[template(path = "contact.html")]
struct ContactPage {
    layout: Layout,
    contact: ContactView,
}

/// One contact: fields, tags, lists, subscriptions and the imports that touched it.
pub(crate) async fn contact(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = page_id(&id)?;
    let Json(found) = contacts::get(State(state), user.caller(), Path(id.to_string())).await?;
    let contact: ContactView = read_as(&found)?;
    ok(&ContactPage { layout: Layout::of(&user, "contact", contact.title()), contact })
}
