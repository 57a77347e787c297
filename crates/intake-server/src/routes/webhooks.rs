//! `/v1/webhooks` (admin keys): the workspace's webhooks, which receive the summary of every
//! import that ends, signed with their secret (shown once, when created), and the deliveries
//! to each with every attempt.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use intake_store::{Delivery, IMPORT_EVENTS};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Page, parse_id};
use crate::auth::Caller;
use crate::error::{AppError, ErrorBody};
use crate::state::AppState;

/// A webhook as listed: never its secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct Webhook {
    id: String,
    url: String,
    /// The events it receives: `import.completed`, `import.failed`, `import.cancelled`.
    events: Vec<String>,
    /// Seconds since the epoch.
    created_at: i64,
}

impl From<intake_store::Webhook> for Webhook {
    fn from(w: intake_store::Webhook) -> Webhook {
        Webhook { id: w.id.to_string(), url: w.url, events: w.events, created_at: w.created_at }
    }
}

/// A webhook to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhook {
    /// Where deliveries are `POST`ed: an http or https URL. Redirects are not followed.
    url: String,
    /// The events to receive; every import event when left out.
    events: Option<Vec<String>>,
}

/// A webhook just created, with its signing secret: shown only in this response.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedWebhook {
    #[serde(flatten)]
    webhook: Webhook,
    /// Signs every delivery (`Intake-Signature`); keep it to check them.
    secret: String,
}

/// One delivery of an event to a webhook, with its attempts.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookDelivery {
    /// The delivery's id, sent as `Intake-Delivery` and `delivery`.
    id: String,
    event: String,
    /// `pending`, `delivered` or `failed`.
    state: String,
    /// The next attempt, while `pending` (seconds since the epoch).
    next_attempt_at: Option<i64>,
    /// The last attempt's HTTP status.
    last_status: Option<i64>,
    last_error: Option<String>,
    /// Seconds since the epoch.
    created_at: i64,
    delivered_at: Option<i64>,
    /// Every attempt, oldest first.
    attempts: Vec<DeliveryAttempt>,
}

/// One attempt at a delivery.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryAttempt {
    /// Seconds since the epoch.
    at: i64,
    /// The receiver's HTTP status, when it answered.
    status: Option<i64>,
    /// Why the attempt failed (the status, a refused connection, a timeout …).
    error: Option<String>,
    duration_ms: i64,
}

impl From<Delivery> for WebhookDelivery {
    fn from(d: Delivery) -> WebhookDelivery {
        let n = d.notification;
        let pending = n.state == intake_store::DeliveryState::Pending;
        WebhookDelivery {
            id: n.id.to_string(),
            event: n.event,
            state: n.state.as_str().to_string(),
            next_attempt_at: pending.then_some(n.next_attempt_at / 1000),
            last_status: n.last_status,
            last_error: n.last_error,
            created_at: n.created_at,
            delivered_at: n.delivered_at,
            attempts: d
                .attempts
                .into_iter()
                .map(|a| DeliveryAttempt {
                    at: a.at,
                    status: a.status,
                    error: a.error,
                    duration_ms: a.duration_ms,
                })
                .collect(),
        }
    }
}

/// The longest URL a webhook may have.
const MAX_URL_LEN: usize = 2048;

/// The workspace's webhooks.
#[utoipa::path(get, path = "/webhooks", operation_id = "list_webhooks", tag = "webhooks",
    responses((status = 200, body = [Webhook]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<Webhook>>, AppError> {
    caller.require_admin()?;
    let webhooks = state.with_store(&caller, |store| Ok(store.webhooks()?)).await?;
    Ok(Json(webhooks.into_iter().map(Webhook::from).collect()))
}

/// Creates a webhook; the answer holds its signing secret, the only time it is shown.
#[utoipa::path(post, path = "/webhooks", operation_id = "create_webhook", tag = "webhooks", request_body = NewWebhook,
    responses((status = 201, body = CreatedWebhook), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub(crate) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(new): Json<NewWebhook>,
) -> Result<(StatusCode, Json<CreatedWebhook>), AppError> {
    caller.require_admin()?;
    let url = new.url.trim().to_string();
    if url.len() > MAX_URL_LEN {
        return Err(invalid_url(format!("the URL is longer than {MAX_URL_LEN} characters")));
    }
    crate::notify::check_destination(&url, state.config().webhook_allow_private).map_err(invalid_url)?;
    let events = checked_events(new.events)?;
    let auditor = caller.auditor();
    let created = state
        .with_store(&caller, move |store| {
            let created = store.create_webhook(&url, &events)?;
            let target = format!("webhook:{}", created.webhook.id);
            let detail = serde_json::json!({ "url": url, "events": events });
            auditor.record(store, "webhook.create", &target, detail)?;
            Ok(created)
        })
        .await?;
    let webhook = Webhook::from(created.webhook);
    Ok((StatusCode::CREATED, Json(CreatedWebhook { webhook, secret: created.secret })))
}

fn invalid_url(message: String) -> AppError {
    AppError::invalid(message).with_details(serde_json::json!({ "field": "url" }))
}

/// The events asked for, each known and named once; all of them when none are given.
fn checked_events(events: Option<Vec<String>>) -> Result<Vec<String>, AppError> {
    let Some(events) = events else {
        return Ok(IMPORT_EVENTS.iter().map(|e| e.to_string()).collect());
    };
    let refuse =
        |message: String| AppError::invalid(message).with_details(serde_json::json!({ "field": "events" }));
    if events.is_empty() {
        return Err(refuse("no events: name at least one, or leave events out for all".into()));
    }
    if let Some(unknown) = events.iter().find(|e| !IMPORT_EVENTS.contains(&e.as_str())) {
        return Err(refuse(format!("unknown event {unknown:?}: use {}", IMPORT_EVENTS.join(", "))));
    }
    // In the order of IMPORT_EVENTS, each once.
    Ok(IMPORT_EVENTS.iter().filter(|e| events.iter().any(|g| g == *e)).map(|e| e.to_string()).collect())
}

/// Deletes a webhook: nothing more is sent to it.
#[utoipa::path(delete, path = "/webhooks/{id}", operation_id = "delete_webhook", tag = "webhooks",
    params(("id" = String, Path, description = "The webhook's id")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub(crate) async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    caller.require_admin()?;
    let id = parse_id(&id)?;
    let auditor = caller.auditor();
    state
        .with_store(&caller, move |store| {
            if !store.delete_webhook(id)? {
                return Err(AppError::not_found(format!("no webhook {id}")));
            }
            let target = format!("webhook:{id}");
            let detail = serde_json::json!({});
            auditor.record(store, "webhook.delete", &target, detail)?;
            Ok(())
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The deliveries to a webhook, newest first, each with every attempt and its status.
#[utoipa::path(get, path = "/webhooks/{id}/deliveries", operation_id = "list_webhook_deliveries", tag = "webhooks",
    params(("id" = String, Path, description = "The webhook's id"), Page),
    responses((status = 200, body = [WebhookDelivery]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn deliveries(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(page): Query<Page>,
) -> Result<Json<Vec<WebhookDelivery>>, AppError> {
    caller.require_admin()?;
    let id = parse_id(&id)?;
    let (before, limit) = (page.before()?, page.limit()?);
    let deliveries = state
        .with_store(&caller, move |store| {
            store.webhook(id)?.ok_or_else(|| AppError::not_found(format!("no webhook {id}")))?;
            Ok(store.webhook_deliveries(id, before, limit)?)
        })
        .await?;
    Ok(Json(deliveries.into_iter().map(WebhookDelivery::from).collect()))
}
