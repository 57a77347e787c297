//! `/v1/contacts`: the workspace's contacts, for every key. A page of them (newest first,
//! filtered by tag, list and subscription status, or found by name, e-mail address or phone
//! number written as an import would accept it), one with the imports that touched it, a
//! change with an import's normalizers and subscription rule, and a deletion that keeps the
//! person's unsubscribes (as `intake contacts delete`). Changes and deletions are audited with
//! the fields' names, never their values.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use intake_core::model::{Channel, SubscriptionStatus};
use intake_core::normalize::{
    PhoneError, Region, email_match_key, normalize_email, normalize_phone, parse_region,
};
use intake_store::{
    ContactEdit, ContactFilter, ContactImport, ContactView, EditRefusal, Search, SqliteStore,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Page, parse_id};
use crate::auth::Caller;
use crate::error::{AppError, ErrorBody};
use crate::state::AppState;

/// The workspace setting that names the region of phone numbers written without a country
/// code, where a request gives none.
const DEFAULT_REGION_SETTING: &str = "default-region";

/// A contact.
#[derive(Debug, Serialize, ToSchema)]
pub struct Contact {
    id: String,
    /// Every field with a value, by name (`GET /v1/fields` lists them): built-in and custom,
    /// as the import stored them (phones in E.164, dates as `YYYY-MM-DD`).
    fields: BTreeMap<String, String>,
    /// Status per channel: `subscribed`, `unsubscribed` or `none`.
    subscriptions: Subscriptions,
    tags: Vec<String>,
    lists: Vec<String>,
    /// Seconds since the epoch.
    created_at: i64,
    updated_at: i64,
}

/// A contact's status on each channel.
#[derive(Debug, Serialize, ToSchema)]
pub struct Subscriptions {
    email: String,
    sms: String,
    whatsapp: String,
}

/// A contact with the imports that created or updated it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactDetail {
    #[serde(flatten)]
    contact: Contact,
    /// Oldest first.
    imports: Vec<TouchingImport>,
}

/// An import that touched a contact.
#[derive(Debug, Serialize, ToSchema)]
pub struct TouchingImport {
    id: String,
    file_name: String,
    /// When it started, in seconds since the epoch.
    started_at: i64,
    /// `imported` (it created the contact) or `updated`.
    did: String,
    /// The import's state now (`completed`, `undone` …).
    state: String,
}

impl From<ContactView> for Contact {
    fn from(view: ContactView) -> Contact {
        let [email, sms, whatsapp] = view.subscriptions.map(|s| s.as_str().to_string());
        Contact {
            id: view.id.to_string(),
            fields: view.fields.into_iter().collect(),
            subscriptions: Subscriptions { email, sms, whatsapp },
            tags: view.tags,
            lists: view.lists,
            created_at: view.created_at,
            updated_at: view.updated_at,
        }
    }
}

impl From<ContactImport> for TouchingImport {
    fn from(import: ContactImport) -> TouchingImport {
        TouchingImport {
            id: import.id.to_string(),
            file_name: import.file_name,
            started_at: import.started_at,
            did: if import.created { "imported" } else { "updated" }.to_string(),
            state: import.state.as_str().to_string(),
        }
    }
}

/// Which contacts to list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ContactsQuery {
    /// Only contacts with this tag (any case).
    tag: Option<String>,
    /// Only contacts on this list (any case).
    list: Option<String>,
    /// Only contacts with this status on this channel: `email:unsubscribed`, `sms:subscribed` …
    subscription: Option<String>,
    /// Search: an e-mail address (any case), a phone number in any format an import accepts,
    /// or words that start the first or last name (any case).
    q: Option<String>,
    /// Two letters (`DE`): the country of a phone number in `q` written without a country
    /// code; the workspace's `default-region` setting when left out.
    region: Option<String>,
}

/// A change of a contact.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactChange {
    /// Field name → value as a file would hold it, normalized and checked as an import does
    /// (`"0151 2345 6789"` with region `DE` is stored `+4915123456789`); `null` or `""` clears
    /// a field. `email_subscription`, `sms_subscription` and `whatsapp_subscription` set a
    /// channel's status.
    #[schema(value_type = Object)]
    fields: serde_json::Map<String, serde_json::Value>,
    /// Two letters: the country of phone numbers without a country code (the workspace's
    /// `default-region` setting when left out).
    default_region: Option<String>,
    /// Subscribe a channel the contact unsubscribed from (as the import's
    /// `--force-resubscribe`); refused (409) otherwise.
    #[serde(default)]
    force_resubscribe: bool,
}

/// The workspace's contacts, newest first, filtered and searched.
#[utoipa::path(get, path = "/contacts", operation_id = "list_contacts", tag = "contacts", params(ContactsQuery, Page),
    responses((status = 200, body = [Contact]), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<ContactsQuery>,
    Query(page): Query<Page>,
) -> Result<Json<Vec<Contact>>, AppError> {
    let (before, limit) = (page.before()?, page.limit()? as usize);
    let subscription = query.subscription.as_deref().map(subscription_filter).transpose()?;
    let region = query.region.as_deref().map(|r| region_of(r, "region")).transpose()?;
    let contacts = state
        .with_store(&caller, move |store| {
            let search = match query.q.as_deref() {
                Some(q) => search_of(q, region_or_default(store, region)?)?,
                None => None,
            };
            let filter = ContactFilter { tag: query.tag, list: query.list, subscription, search };
            Ok(store.contacts_page(&filter, before, limit)?)
        })
        .await?;
    Ok(Json(contacts.into_iter().map(Contact::from).collect()))
}

/// One contact with its tags, lists, subscriptions and the imports that touched it.
#[utoipa::path(get, path = "/contacts/{id}", operation_id = "get_contact", tag = "contacts",
    params(("id" = String, Path, description = "The contact's id")),
    responses((status = 200, body = ContactDetail), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<ContactDetail>, AppError> {
    let id = parse_id(&id)?;
    let found = state.with_store(&caller, move |store| Ok(store.contact_detail(id)?)).await?;
    let (view, imports) = found.ok_or_else(|| AppError::not_found(format!("no contact {id}")))?;
    let imports = imports.into_iter().map(TouchingImport::from).collect();
    Ok(Json(ContactDetail { contact: Contact::from(view), imports }))
}

/// Changes a contact's fields and subscriptions with an import's rules.
#[utoipa::path(patch, path = "/contacts/{id}", operation_id = "update_contact", tag = "contacts",
    params(("id" = String, Path, description = "The contact's id")), request_body = ContactChange,
    responses((status = 200, body = Contact), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(change): Json<ContactChange>,
) -> Result<Json<Contact>, AppError> {
    let id = parse_id(&id)?;
    let values =
        change.fields.into_iter().map(|(name, value)| text_of(name, value)).collect::<Result<_, _>>()?;
    let region = change.default_region.as_deref().map(|r| region_of(r, "default_region")).transpose()?;
    let auditor = caller.auditor();
    let edited = state
        .with_store(&caller, move |store| {
            let default_region = region_or_default(store, region)?;
            let source = format!("api:{}", auditor.actor());
            let edit =
                ContactEdit { values, default_region, force_resubscribe: change.force_resubscribe, source };
            let edited = store.edit_contact(id, &edit)?.map_err(refused)?;
            if !edited.changed.is_empty() {
                let target = format!("contact:{id}");
                let detail =
                    serde_json::json!({ "fields": edited.changed, "forced": change.force_resubscribe });
                auditor.record(store, "contact.update", &target, detail)?;
            }
            Ok(edited.contact)
        })
        .await?;
    Ok(Json(Contact::from(edited)))
}

/// Deletes a contact; the channels it unsubscribed from stay on the suppression list, so an
/// import that brings the person back brings them back unsubscribed.
#[utoipa::path(delete, path = "/contacts/{id}", operation_id = "delete_contact", tag = "contacts",
    params(("id" = String, Path, description = "The contact's id")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub(crate) async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    let id = parse_id(&id)?;
    let auditor = caller.auditor();
    state
        .with_store(&caller, move |store| {
            store.delete_contact(id, &format!("api:{}", auditor.actor()))?.map_err(refused)?;
            let target = format!("contact:{id}");
            let detail = serde_json::json!({});
            auditor.record(store, "contact.delete", &target, detail)?;
            Ok(())
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A refused change as the client sees it.
fn refused(refusal: EditRefusal) -> AppError {
    let message = refusal.to_string();
    match refusal {
        EditRefusal::NotFound(_) => AppError::not_found(message),
        EditRefusal::Busy(import) => AppError::new(StatusCode::CONFLICT, "busy", message)
            .with_details(serde_json::json!({ "import": import.to_string() })),
        EditRefusal::Invalid { field, value, reason } => AppError::invalid(message)
            .with_details(serde_json::json!({ "field": field, "value": value, "reason": reason })),
        EditRefusal::Duplicate { field, value, other } => {
            AppError::new(StatusCode::CONFLICT, "duplicate", message).with_details(
                serde_json::json!({ "field": field, "value": value, "contact": other.to_string() }),
            )
        }
        EditRefusal::Resubscribe { field, value } => {
            AppError::new(StatusCode::CONFLICT, "unsubscribed", message)
                .with_details(serde_json::json!({ "field": field, "value": value }))
        }
    }
}

/// A field's value in a change as the text a file cell would hold; `None` clears.
fn text_of(name: String, value: serde_json::Value) -> Result<(String, Option<String>), AppError> {
    use serde_json::Value;
    let text = match value {
        Value::Null => None,
        Value::String(text) => Some(text),
        Value::Bool(yes) => Some(yes.to_string()),
        Value::Number(number) => Some(number.to_string()),
        other => {
            return Err(AppError::invalid(format!("{name}: give text, a number, true/false or null"))
                .with_details(serde_json::json!({ "field": name, "value": other })));
        }
    };
    Ok((name, text))
}

/// `email:unsubscribed` → the channel and status.
fn subscription_filter(text: &str) -> Result<(Channel, SubscriptionStatus), AppError> {
    let (channel, status) = text.split_once(':').unwrap_or((text, ""));
    match (Channel::from_name(channel.trim()), SubscriptionStatus::parse(status)) {
        (Some(channel), Some(status)) => Ok((channel, status)),
        _ => Err(AppError::invalid(format!(
            "subscription {text:?}: give channel:status, the channel email, sms or whatsapp, the status \
             subscribed, unsubscribed or none (email:unsubscribed)"
        ))
        .with_details(serde_json::json!({ "field": "subscription" }))),
    }
}

fn region_of(code: &str, field: &str) -> Result<Region, AppError> {
    parse_region(code).ok_or_else(|| {
        AppError::invalid(format!(
            "{field} {code:?}: not a region with phone numbers; give two letters (DE, US)"
        ))
        .with_details(serde_json::json!({ "field": field }))
    })
}

/// `region`, else the workspace's default region, if it has a valid one.
fn region_or_default(store: &SqliteStore, region: Option<Region>) -> Result<Option<Region>, AppError> {
    if region.is_some() {
        return Ok(region);
    }
    Ok(store.setting(DEFAULT_REGION_SETTING)?.as_deref().and_then(parse_region))
}

/// What `q` asks for: an e-mail address (it has an `@`), a phone number (digits and the
/// marks phone numbers are written with), else words of a name.
fn search_of(q: &str, region: Option<Region>) -> Result<Option<Search>, AppError> {
    let q = q.trim();
    let invalid =
        |reason: String| AppError::invalid(reason).with_details(serde_json::json!({ "field": "q" }));
    if q.is_empty() {
        return Ok(None);
    }
    if q.contains('@') {
        let email = normalize_email(q).map_err(|e| invalid(format!("q {q:?} is no e-mail address: {e}")))?;
        return Ok(Some(Search::EmailKey(email_match_key(&email))));
    }
    if looks_like_phone(q) {
        return match normalize_phone(q, region) {
            Ok(e164) => Ok(Some(Search::Phone(e164))),
            Err(PhoneError::NoRegion) => Err(invalid(format!(
                "q {q:?} has no country code: write it as +<country code> …, or give region=DE (the workspace has \
                 no default region)"
            ))),
            Err(e) => Err(invalid(format!("q {q:?}: {e}"))),
        };
    }
    Ok(Some(Search::Name(q.split_whitespace().map(str::to_string).collect())))
}

/// Digits (three or more) and only what phone numbers are written with.
fn looks_like_phone(q: &str) -> bool {
    q.bytes().filter(u8::is_ascii_digit).count() >= 3
        && q.bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b' ' | b'+' | b'-' | b'(' | b')' | b'.' | b'/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_search_is_an_email_a_phone_or_a_name() {
        let de = parse_region("DE");
        assert_eq!(
            search_of("Anna@Example.COM", None).ok().flatten(),
            Some(Search::EmailKey("anna@example.com".into()))
        );
        assert_eq!(
            search_of("0151 2345 6789", de).ok().flatten(),
            Some(Search::Phone("+4915123456789".into()))
        );
        assert!(search_of("0151 2345 6789", None).is_err(), "a national number needs a region");
        assert_eq!(
            search_of(" anna  sch ", None).ok().flatten(),
            Some(Search::Name(vec!["anna".into(), "sch".into()]))
        );
        assert_eq!(search_of("  ", None).ok().flatten(), None);
    }
}
