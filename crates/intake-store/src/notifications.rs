//! Notifications when an import ends: a workspace's webhooks (managed by its admins) and the
//! deliveries to send, each a row with one more row per attempt, so that a delivery survives
//! a restart and every attempt can be read back.
//!
//! The webhooks are the workspace's ([`SqliteStore`] methods); the queue of deliveries is the
//! whole store's, behind the [`NotificationQueue`] trait, because one notifier serves every
//! workspace (and, later, a PostgreSQL store implements the same trait with `FOR UPDATE SKIP
//! LOCKED`). [`SqliteNotifications`] is the SQLite queue.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, params};

use crate::{SqliteStore, StoreError, now};

/// The events a webhook can ask for: the ways an import ends.
pub const IMPORT_EVENTS: [&str; 3] = ["import.completed", "import.failed", "import.cancelled"];

/// How long a claimed delivery is left to its notifier before another may take it again
/// (the notifier died while sending). Longer than any attempt may take.
pub const CLAIM_MS: i64 = 120_000;

/// A webhook as listed (never its secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    pub id: i64,
    pub url: String,
    /// The events it receives.
    pub events: Vec<String>,
    /// Seconds since the epoch.
    pub created_at: i64,
}

/// A webhook just created, with its signing secret: the only time the secret is shown.
#[derive(Debug)]
pub struct NewWebhook {
    pub webhook: Webhook,
    pub secret: String,
}

/// Where and how a delivery to a webhook goes.
#[derive(Debug, Clone)]
pub struct WebhookTarget {
    pub url: String,
    pub secret: String,
}

/// What a notification goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotificationKind {
    /// A webhook of the workspace (the target is its id).
    Webhook,
    /// An e-mail (the target is the address).
    Email,
}

impl NotificationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NotificationKind::Webhook => "webhook",
            NotificationKind::Email => "email",
        }
    }

    fn parse(text: &str) -> Option<NotificationKind> {
        match text {
            "webhook" => Some(NotificationKind::Webhook),
            "email" => Some(NotificationKind::Email),
            _ => None,
        }
    }
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryState {
    /// To be tried (again) at `next_attempt_at`.
    Pending,
    Delivered,
    /// Given up: the last attempt failed, or there was nothing to send it to.
    Failed,
}

impl DeliveryState {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Failed => "failed",
        }
    }

    fn parse(text: &str) -> Option<DeliveryState> {
        [Self::Pending, Self::Delivered, Self::Failed].into_iter().find(|s| s.as_str() == text)
    }
}

/// A notification to send.
#[derive(Debug, Clone)]
pub struct NewNotification<'a> {
    pub workspace_id: i64,
    pub kind: NotificationKind,
    /// The webhook's id, or the address.
    pub target: &'a str,
    /// `import.completed` …
    pub event: &'a str,
    /// The event's summary.
    pub body: &'a serde_json::Value,
}

/// A notification as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    pub id: i64,
    pub workspace_id: i64,
    pub kind: NotificationKind,
    pub target: String,
    pub event: String,
    pub body: serde_json::Value,
    /// Attempts made so far.
    pub attempts: u32,
    /// Milliseconds since the epoch.
    pub next_attempt_at: i64,
    pub state: DeliveryState,
    /// The last attempt's HTTP status or SMTP reply code.
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    /// Seconds since the epoch.
    pub created_at: i64,
    pub delivered_at: Option<i64>,
}

/// One attempt at a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// Seconds since the epoch.
    pub at: i64,
    /// The HTTP status or SMTP reply code, when there was an answer.
    pub status: Option<i64>,
    /// Why it failed, when it did.
    pub error: Option<String>,
    pub duration_ms: i64,
}

/// What follows an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterAttempt {
    Delivered,
    /// Try again at this time (milliseconds since the epoch).
    RetryAt(i64),
    /// Give up.
    Failed,
}

/// A delivery with its attempts, oldest attempt first.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    pub notification: Notification,
    pub attempts: Vec<Attempt>,
}

/// The store's queue of deliveries, for the notifier that serves every workspace.
pub trait NotificationQueue {
    /// Records a delivery to make at once; returns its id.
    fn enqueue(&mut self, new: &NewNotification<'_>) -> Result<i64, StoreError>;

    /// Claims up to `limit` pending deliveries due at `now_ms` (milliseconds since the
    /// epoch), oldest first: none of them is handed out again for [`CLAIM_MS`], unless an
    /// attempt is recorded.
    fn due(&mut self, now_ms: i64, limit: u32) -> Result<Vec<Notification>, StoreError>;

    /// Records an attempt at delivery `id` and what follows it.
    fn record_attempt(&mut self, id: i64, attempt: &Attempt, then: AfterAttempt) -> Result<(), StoreError>;

    /// The address and secret of webhook `id` of the workspace, unless it was deleted.
    fn webhook_target(&mut self, workspace_id: i64, id: i64) -> Result<Option<WebhookTarget>, StoreError>;
}

/// The delivery queue of an SQLite store.
pub struct SqliteNotifications {
    conn: Connection,
}

impl SqliteNotifications {
    /// The queue of the store at `path` (migrated as needed).
    pub fn open(path: &Path) -> Result<SqliteNotifications, StoreError> {
        let path = crate::store_path(path)?;
        let mut conn = crate::connect(&path)?;
        crate::migrate::to_latest(&mut conn, &path)?;
        Ok(SqliteNotifications { conn })
    }
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

const NOTIFICATION_COLUMNS: &str = "id, workspace_id, kind, target, event, body, attempts, next_attempt_at, \
                                    state, last_status, last_error, created_at, delivered_at";

fn read_notification(r: &rusqlite::Row<'_>) -> rusqlite::Result<Result<Notification, StoreError>> {
    let (kind, body, state): (String, String, String) = (r.get(2)?, r.get(5)?, r.get(8)?);
    let corrupt = |what: &str| StoreError::Corrupt(format!("notification {what}"));
    let build = || -> Result<Notification, StoreError> {
        Ok(Notification {
            id: r.get(0)?,
            workspace_id: r.get(1)?,
            kind: NotificationKind::parse(&kind).ok_or_else(|| corrupt(&format!("kind {kind}")))?,
            target: r.get(3)?,
            event: r.get(4)?,
            body: serde_json::from_str(&body).map_err(|e| corrupt(&format!("body: {e}")))?,
            attempts: r.get(6)?,
            next_attempt_at: r.get(7)?,
            state: DeliveryState::parse(&state).ok_or_else(|| corrupt(&format!("state {state}")))?,
            last_status: r.get(9)?,
            last_error: r.get(10)?,
            created_at: r.get(11)?,
            delivered_at: r.get(12)?,
        })
    };
    Ok(build())
}

/// An import whose end no one has told of yet (see [`untold_ends`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UntoldEnd {
    /// The workspace's name.
    pub workspace: String,
    pub import_id: i64,
}

/// The imports of every workspace of the store at `path` that ended (completed, failed or
/// cancelled, not as a dry run) without their end recorded for notification: the process
/// that ended them was killed before it could record it. Oldest first, at most 100.
pub fn untold_ends(path: &Path) -> Result<Vec<UntoldEnd>, StoreError> {
    let conn = crate::file::connect(path)?;
    let mut stmt = conn.prepare(
        "SELECT w.name, i.id FROM imports i JOIN workspaces w ON w.id = i.workspace_id \
         WHERE i.notified_at IS NULL AND i.dry_run = 0 AND i.state IN ('completed', 'failed', 'cancelled') \
         ORDER BY i.id LIMIT 100",
    )?;
    let rows = stmt.query_map([], |r| Ok(UntoldEnd { workspace: r.get(0)?, import_id: r.get(1)? }))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

impl NotificationQueue for SqliteNotifications {
    fn enqueue(&mut self, new: &NewNotification<'_>) -> Result<i64, StoreError> {
        insert_notification(&self.conn, new)
    }

    fn due(&mut self, now_ms: i64, limit: u32) -> Result<Vec<Notification>, StoreError> {
        // Asked several times a second: the write lock only when something is due, so a
        // running import's commits do not queue behind an empty look.
        let any: bool = self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM notifications WHERE state = 'pending' AND next_attempt_at <= ?1)",
            params![now_ms],
            |r| r.get(0),
        )?;
        if !any {
            return Ok(Vec::new());
        }
        // The write lock before reading (as every transaction of `connect`'s connections):
        // two notifiers never claim the same delivery.
        let tx = self.conn.transaction()?;
        let found = {
            let mut statement = tx.prepare(&format!(
                "SELECT {NOTIFICATION_COLUMNS} FROM notifications \
                 WHERE state = 'pending' AND next_attempt_at <= ?1 ORDER BY next_attempt_at, id LIMIT ?2"
            ))?;
            let rows = statement.query_map(params![now_ms, limit], read_notification)?;
            rows.map(|r| r.map_err(StoreError::from).and_then(|r| r)).collect::<Result<Vec<_>, _>>()?
        };
        for notification in &found {
            tx.execute(
                "UPDATE notifications SET next_attempt_at = ?1 WHERE id = ?2",
                params![now_ms + CLAIM_MS, notification.id],
            )?;
        }
        tx.commit()?;
        Ok(found)
    }

    fn record_attempt(&mut self, id: i64, attempt: &Attempt, then: AfterAttempt) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        let (workspace_id, attempts): (i64, i64) = tx
            .query_row("SELECT workspace_id, attempts FROM notifications WHERE id = ?1", params![id], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?
            .ok_or_else(|| StoreError::Invalid(format!("no notification {id}")))?;
        tx.execute(
            "INSERT INTO notification_attempts (workspace_id, notification_id, attempt, at, status, error, duration_ms) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![workspace_id, id, attempts + 1, attempt.at, attempt.status, attempt.error, attempt.duration_ms],
        )?;
        let (state, next, delivered_at) = match then {
            AfterAttempt::Delivered => (DeliveryState::Delivered, None, Some(attempt.at)),
            AfterAttempt::RetryAt(at) => (DeliveryState::Pending, Some(at), None),
            AfterAttempt::Failed => (DeliveryState::Failed, None, None),
        };
        tx.execute(
            "UPDATE notifications SET attempts = attempts + 1, state = ?1, \
             next_attempt_at = coalesce(?2, next_attempt_at), last_status = ?3, last_error = ?4, delivered_at = ?5 \
             WHERE id = ?6",
            params![state.as_str(), next, attempt.status, attempt.error, delivered_at, id],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn webhook_target(&mut self, workspace_id: i64, id: i64) -> Result<Option<WebhookTarget>, StoreError> {
        let sql = "SELECT url, secret FROM webhooks WHERE workspace_id = ?1 AND id = ?2 AND NOT disabled";
        let found = self
            .conn
            .query_row(sql, params![workspace_id, id], |r| {
                Ok(WebhookTarget { url: r.get(0)?, secret: r.get(1)? })
            })
            .optional()?;
        Ok(found)
    }
}

fn insert_notification(conn: &Connection, new: &NewNotification<'_>) -> Result<i64, StoreError> {
    conn.execute(
        "INSERT INTO notifications (workspace_id, kind, target, event, body, next_attempt_at, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            new.workspace_id,
            new.kind.as_str(),
            new.target,
            new.event,
            new.body.to_string(),
            now_ms(),
            now()
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// The bytes of randomness in a signing secret: 256 bits.
const SECRET_BYTES: usize = 32;
/// Every signing secret starts so, to be recognized in a leaked file.
const SECRET_PREFIX: &str = "whsec_";

fn new_secret() -> Result<String, StoreError> {
    let mut bytes = [0u8; SECRET_BYTES];
    getrandom::fill(&mut bytes).map_err(|e| StoreError::System(std::io::Error::other(e.to_string())))?;
    Ok(format!("{SECRET_PREFIX}{}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()))
}

fn read_webhook(r: &rusqlite::Row<'_>) -> rusqlite::Result<Webhook> {
    let events: String = r.get(2)?;
    Ok(Webhook {
        id: r.get(0)?,
        url: r.get(1)?,
        // Written by this module as a JSON array; anything else reads as no event.
        events: serde_json::from_str(&events).unwrap_or_default(),
        created_at: r.get(3)?,
    })
}

impl SqliteStore {
    /// Creates a webhook of this workspace for `events` and returns it with its signing
    /// secret. The caller checks the URL and the events.
    pub fn create_webhook(&self, url: &str, events: &[String]) -> Result<NewWebhook, StoreError> {
        let secret = new_secret()?;
        let created_at = now();
        let events_json = serde_json::to_string(events).map_err(|e| StoreError::Invalid(e.to_string()))?;
        self.conn.execute(
            "INSERT INTO webhooks (workspace_id, url, secret, events, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![self.workspace_id, url, secret, events_json, created_at],
        )?;
        let webhook = Webhook {
            id: self.conn.last_insert_rowid(),
            url: url.to_string(),
            events: events.to_vec(),
            created_at,
        };
        Ok(NewWebhook { webhook, secret })
    }

    /// The workspace's webhooks (not the deleted ones), oldest first.
    pub fn webhooks(&self) -> Result<Vec<Webhook>, StoreError> {
        let mut statement = self.conn.prepare(
            "SELECT id, url, events, created_at FROM webhooks WHERE workspace_id = ?1 AND NOT disabled ORDER BY id",
        )?;
        let rows = statement.query_map(params![self.workspace_id], read_webhook)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Webhook `id` of this workspace, unless it was deleted.
    pub fn webhook(&self, id: i64) -> Result<Option<Webhook>, StoreError> {
        let sql = "SELECT id, url, events, created_at FROM webhooks WHERE workspace_id = ?1 AND id = ?2 AND NOT disabled";
        Ok(self.conn.query_row(sql, params![self.workspace_id, id], read_webhook).optional()?)
    }

    /// Deletes webhook `id` of this workspace: nothing more is sent to it (its pending
    /// deliveries fail when their turn comes). False when the workspace has no such webhook.
    pub fn delete_webhook(&self, id: i64) -> Result<bool, StoreError> {
        let changed = self.conn.execute(
            "UPDATE webhooks SET disabled = 1 WHERE workspace_id = ?1 AND id = ?2 AND NOT disabled",
            params![self.workspace_id, id],
        )?;
        Ok(changed == 1)
    }

    /// The deliveries to webhook `id`, newest first, `limit` of them before delivery
    /// `before` (from the newest when `None`), each with its attempts.
    pub fn webhook_deliveries(
        &self,
        id: i64,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<Delivery>, StoreError> {
        let mut statement = self.conn.prepare(&format!(
            "SELECT {NOTIFICATION_COLUMNS} FROM notifications \
             WHERE workspace_id = ?1 AND kind = 'webhook' AND target = ?2 AND id < ?3 ORDER BY id DESC LIMIT ?4"
        ))?;
        let rows = statement.query_map(
            params![self.workspace_id, id.to_string(), before.unwrap_or(i64::MAX), limit],
            read_notification,
        )?;
        let notifications =
            rows.map(|r| r.map_err(StoreError::from).and_then(|r| r)).collect::<Result<Vec<_>, _>>()?;
        notifications
            .into_iter()
            .map(|notification| {
                let attempts = self.attempts_of(notification.id)?;
                Ok(Delivery { notification, attempts })
            })
            .collect()
    }

    fn attempts_of(&self, notification_id: i64) -> Result<Vec<Attempt>, StoreError> {
        let mut statement = self.conn.prepare(
            "SELECT at, status, error, duration_ms FROM notification_attempts \
             WHERE workspace_id = ?1 AND notification_id = ?2 ORDER BY attempt",
        )?;
        let rows = statement.query_map(params![self.workspace_id, notification_id], |r| {
            Ok(Attempt { at: r.get(0)?, status: r.get(1)?, error: r.get(2)?, duration_ms: r.get(3)? })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Records the deliveries that tell of import `id`'s end (`event`, with `body`), to make at
    /// once, in one transaction with the import's mark that its end was told
    /// (`imports.notified_at`). Only the first call for an import records them; a later one
    /// (the sweep of [`untold_ends`], a second runner) records nothing and returns `None`.
    /// Returns how many were recorded.
    pub fn record_import_end(
        &self,
        id: i64,
        event: &str,
        body: &serde_json::Value,
        deliveries: &[(NotificationKind, String)],
    ) -> Result<Option<usize>, StoreError> {
        // A write first: the transaction takes the write lock at once, no read to upgrade.
        let tx = self.conn.unchecked_transaction()?;
        let marked = tx.execute(
            "UPDATE imports SET notified_at = ?1 WHERE workspace_id = ?2 AND id = ?3 AND notified_at IS NULL",
            params![now(), self.workspace_id, id],
        )?;
        if marked == 0 {
            return Ok(None);
        }
        for (kind, target) in deliveries {
            let new = NewNotification { workspace_id: self.workspace_id, kind: *kind, target, event, body };
            insert_notification(&tx, &new)?;
        }
        tx.commit()?;
        Ok(Some(deliveries.len()))
    }

    /// The notify address of the key that started import `id` through the service (its
    /// `started_by`), when that key has one.
    pub fn import_starter_email(&self, id: i64) -> Result<Option<String>, StoreError> {
        let actor: Option<String> = self
            .conn
            .query_row(
                "SELECT started_by FROM imports WHERE workspace_id = ?1 AND id = ?2",
                params![self.workspace_id, id],
                |r| r.get(0),
            )
            .optional()?
            .flatten();
        let Some(key) =
            actor.as_deref().and_then(|a| a.strip_prefix("key:")).and_then(|k| k.parse::<i64>().ok())
        else {
            return Ok(None);
        };
        let email: Option<Option<String>> = self
            .conn
            .query_row(
                "SELECT email FROM api_keys WHERE workspace_id = ?1 AND id = ?2",
                params![self.workspace_id, key],
                |r| r.get(0),
            )
            .optional()?;
        Ok(email.flatten())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body() -> serde_json::Value {
        serde_json::json!({ "event": "import.completed" })
    }

    /// A new import of `store` that ended in `state`.
    fn ended_import(store: &mut SqliteStore, state: crate::ImportState, dry_run: bool) -> i64 {
        let id = new_import(store, dry_run);
        store.finish_import(id, state, None, None).unwrap();
        id
    }

    /// A new import of `store`, running.
    fn new_import(store: &mut SqliteStore, dry_run: bool) -> i64 {
        let options = intake_core::plan::ImportOptions::default();
        let new = crate::NewImport {
            file_name: "people.csv",
            source_path: "/data/people.csv",
            options: &options,
            dry_run,
            results_path: None,
            errors_path: None,
        };
        store.create_import(&new).unwrap()
    }

    fn ends(path: &Path) -> Vec<(String, i64)> {
        untold_ends(path).unwrap().into_iter().map(|e| (e.workspace, e.import_id)).collect()
    }

    #[test]
    fn an_import_end_is_recorded_once_and_until_then_it_is_untold() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("intake.db");
        let mut one = SqliteStore::open(&path, "one").unwrap();
        let mut two = SqliteStore::open(&path, "two").unwrap();
        let completed = ended_import(&mut one, crate::ImportState::Completed, false);
        let dry_run = ended_import(&mut one, crate::ImportState::Completed, true);
        new_import(&mut one, false);
        let failed = ended_import(&mut two, crate::ImportState::Failed, false);
        assert_eq!(ends(&path), [("one".to_string(), completed), ("two".to_string(), failed)]);
        assert!(!ends(&path).iter().any(|(_, id)| *id == dry_run), "a dry run is told of");

        let to = |target: &str| vec![(NotificationKind::Email, target.to_string())];
        let first = one.record_import_end(completed, "import.completed", &body(), &to("a@example.com"));
        assert_eq!(first.unwrap(), Some(1));
        let again = one.record_import_end(completed, "import.completed", &body(), &to("b@example.com"));
        assert_eq!(again.unwrap(), None, "told twice");
        let count: i64 = one.conn.query_row("SELECT count(*) FROM notifications", [], |r| r.get(0)).unwrap();
        assert_eq!(count, 1);
        assert_eq!(ends(&path), [("two".to_string(), failed)]);

        // Told with no one to tell is told too; a resumed import's next end is told anew.
        assert_eq!(two.record_import_end(failed, "import.failed", &body(), &[]).unwrap(), Some(0));
        assert!(ends(&path).is_empty());
        two.reopen_import(failed).unwrap();
        two.finish_import(failed, crate::ImportState::Completed, None, None).unwrap();
        assert_eq!(ends(&path), [("two".to_string(), failed)]);
    }

    #[test]
    fn a_claimed_delivery_is_not_handed_out_again_until_its_attempt_is_recorded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("intake.db");
        let mut store = SqliteStore::open(&path, "one").unwrap();
        let hook = store.create_webhook("http://127.0.0.1:9/", &["import.completed".into()]).unwrap();
        let import = ended_import(&mut store, crate::ImportState::Completed, false);
        let target = (NotificationKind::Webhook, hook.webhook.id.to_string());
        store.record_import_end(import, "import.completed", &body(), &[target]).unwrap();
        let id: i64 = store.conn.query_row("SELECT max(id) FROM notifications", [], |r| r.get(0)).unwrap();
        let mut queue = SqliteNotifications::open(&path).unwrap();
        let now = now_ms();
        assert_eq!(queue.due(now, 10).unwrap().iter().map(|n| n.id).collect::<Vec<_>>(), [id]);
        assert!(queue.due(now, 10).unwrap().is_empty(), "claimed twice");
        let failed = Attempt { at: now / 1000, status: Some(500), error: None, duration_ms: 3 };
        queue.record_attempt(id, &failed, AfterAttempt::RetryAt(now + 50)).unwrap();
        assert!(queue.due(now, 10).unwrap().is_empty(), "due before its time");
        assert_eq!(queue.due(now + 50, 10).unwrap()[0].attempts, 1);
        let ok = Attempt { at: now / 1000, status: Some(200), error: None, duration_ms: 2 };
        queue.record_attempt(id, &ok, AfterAttempt::Delivered).unwrap();
        assert!(queue.due(now + CLAIM_MS * 2, 10).unwrap().is_empty(), "a delivered one is due");

        let deliveries = store.webhook_deliveries(hook.webhook.id, None, 10).unwrap();
        assert_eq!(deliveries[0].notification.state, DeliveryState::Delivered);
        assert_eq!(
            deliveries[0].attempts.iter().map(|a| a.status).collect::<Vec<_>>(),
            [Some(500), Some(200)]
        );
        let other = SqliteStore::open(&path, "two").unwrap();
        assert!(other.webhook_deliveries(hook.webhook.id, None, 10).unwrap().is_empty());
        assert!(queue.webhook_target(other.workspace_id(), hook.webhook.id).unwrap().is_none());
        assert!(!other.delete_webhook(hook.webhook.id).unwrap());
        assert!(store.delete_webhook(hook.webhook.id).unwrap());
        assert!(queue.webhook_target(store.workspace_id(), hook.webhook.id).unwrap().is_none());
        assert!(store.webhooks().unwrap().is_empty());
    }
}
