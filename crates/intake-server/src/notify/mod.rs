//! Notifications when an import ends: the workspace's webhooks receive its summary, signed,
//! and the key that started it is sent an e-mail with the counts and links.
//!
//! [`import_ended`] is the hook the runner calls when an import ends: it only records the
//! deliveries in the store. The [`Notifier`] (a thread of its own, started by `serve`) takes
//! the due ones, sends them (HTTP for webhooks, SMTP for e-mails), records every attempt and
//! schedules the next with exponential backoff, so a delivery outlives a restart.
//!
//! - `payload`: the summary of an ended import, and the body as sent.
//! - `sign`: the `Intake-Signature` header.
//! - `webhook`: one HTTP delivery; `email`: one message through SMTP.
//! - `address`: the addresses a webhook may go to (public ones, unless allowed otherwise).
//! - `worker`: the loop that works through the queue.

mod address;
pub(crate) mod email;
mod payload;
mod sign;
mod webhook;
mod worker;

use intake_store::{NotificationKind, SqliteStore, StoreError};

use crate::config::NotifySettings;

pub use sign::signature;
pub(crate) use webhook::{check_destination, check_url};
pub use worker::Notifier;

/// Refuses notification settings that cannot work (an SMTP server without a sender, a
/// login without a password, a public URL that is not http or https), in the words of the
/// flags, before anything starts.
pub fn check_settings(settings: &NotifySettings) -> Result<(), String> {
    email::Mailer::from_settings(settings)?;
    if let Some(url) = &settings.public_url {
        check_url(url).map_err(|e| format!("--public-url: {e}"))?;
    }
    Ok(())
}

/// Records the notifications of import `import_id`'s end: one delivery per webhook of the
/// workspace that asks for the event, and one e-mail to the notify address of the key that
/// started it, once per import however often it is called (see
/// `SqliteStore::record_import_end`). Nothing is recorded for an import that has not ended
/// (it stopped because another process took it over). A failure is logged, never the
/// import's; [`tell_untold_ends`] tries again.
pub fn import_ended(store: &SqliteStore, import_id: i64) {
    match enqueue(store, import_id) {
        Ok(None | Some(0)) => {}
        Ok(Some(count)) => {
            tracing::info!(import = import_id, deliveries = count, "import end to be notified")
        }
        Err(error) => tracing::error!(import = import_id, %error, "the import's end is not notified"),
    }
}

/// Records the deliveries of an ended import; how many (`None`: they were recorded before).
fn enqueue(store: &SqliteStore, import_id: i64) -> Result<Option<usize>, StoreError> {
    let record = store.import(import_id)?;
    let Some(event) = payload::event_of(record.state.as_str()) else {
        return Ok(Some(0));
    };
    let body = payload::summary(&record, store.workspace(), event);
    let mut deliveries: Vec<(NotificationKind, String)> = store
        .webhooks()?
        .into_iter()
        .filter(|w| w.events.iter().any(|e| e == event))
        .map(|w| (NotificationKind::Webhook, w.id.to_string()))
        .collect();
    if let Some(address) = store.import_starter_email(import_id)? {
        deliveries.push((NotificationKind::Email, address));
    }
    store.record_import_end(import_id, event, &body, &deliveries)
}

/// Records the notifications of the imports of the store at `db` that ended without them:
/// the process that ended them (an `intake import`, a runner) was killed before it recorded
/// them. The runner calls it when it starts and at each sweep.
pub fn tell_untold_ends(db: &std::path::Path) {
    let untold = match intake_store::untold_ends(db) {
        Ok(untold) => untold,
        Err(error) => return tracing::warn!(%error, "looking for import ends not yet notified"),
    };
    for end in untold {
        match SqliteStore::open_existing(db, &end.workspace) {
            Ok(store) => import_ended(&store, end.import_id),
            Err(error) => tracing::warn!(import = end.import_id, %error, "notifying an import's end"),
        }
    }
}
