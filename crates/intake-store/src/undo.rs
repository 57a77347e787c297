//! Undoing an import: the contacts it created are deleted (their unsubscribes kept as
//! suppressions), the values it overwrote are restored unless they changed again since (those
//! are listed, not clobbered), and the tags and list memberships it added are removed. An
//! undo only ever lowers a subscription (subscribed → none → unsubscribed): giving back a
//! status with more permission to send than the one the import set would drop a protection
//! that later imports rely on, or subscribe someone nobody asked to.

use intake_core::model::{BUILTIN_FIELDS, Channel, ContactId, ImportId, SubscriptionStatus};
use rusqlite::params;

use crate::admin::delete_one;
use crate::{ImportState, SqliteStore, StoreError, now};

/// What an undo did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UndoReport {
    /// Contacts the import created, now deleted.
    pub deleted: u64,
    /// Field values restored.
    pub restored: u64,
    /// Values not restored because they changed since the import, one sentence each.
    pub conflicts: Vec<String>,
    /// Subscription statuses the import set and the undo keeps, because restoring the old
    /// one would give more permission to send (printed as `kept_unsubscribed` in JSON).
    pub kept_subscriptions: Vec<String>,
    /// Tags and list memberships removed.
    pub memberships_removed: u64,
}

struct Change {
    contact: ContactId,
    field: String,
    old: Option<String>,
    new: Option<String>,
}

impl SqliteStore {
    /// Undoes import `id` in one transaction.
    pub fn undo_import(&mut self, id: ImportId) -> Result<UndoReport, StoreError> {
        let record = self.import(id)?;
        if record.dry_run {
            return Err(StoreError::Invalid(format!("import {id} was a dry run: it changed nothing")));
        }
        if record.state == ImportState::Undone {
            return Err(StoreError::Invalid(format!("import {id} is already undone")));
        }
        let ws = self.workspace_id;
        let tx = self.conn.transaction()?;
        let mut report = UndoReport::default();
        let changes = {
            let mut stmt = tx.prepare(
                "SELECT contact_id, field, old_value, new_value FROM import_changes \
                 WHERE workspace_id = ?1 AND import_id = ?2 ORDER BY id DESC",
            )?;
            let rows = stmt.query_map(params![ws, id], |r| {
                Ok(Change { contact: r.get(0)?, field: r.get(1)?, old: r.get(2)?, new: r.get(3)? })
            })?;
            rows.collect::<rusqlite::Result<Vec<Change>>>()?
        };
        for change in &changes {
            restore(&tx, ws, id, change, &mut report)?;
        }
        report.memberships_removed += tx
            .execute("DELETE FROM contact_tags WHERE workspace_id = ?1 AND import_id = ?2", params![ws, id])?
            as u64;
        report.memberships_removed += tx
            .execute("DELETE FROM list_members WHERE workspace_id = ?1 AND import_id = ?2", params![ws, id])?
            as u64;
        let created: Vec<ContactId> = {
            let mut stmt =
                tx.prepare("SELECT id FROM contacts WHERE workspace_id = ?1 AND created_import_id = ?2")?;
            let ids = stmt.query_map(params![ws, id], |r| r.get(0))?;
            ids.collect::<rusqlite::Result<Vec<ContactId>>>()?
        };
        // The tags and lists the import gave every contact it created go with them.
        let per_created = tx
            .execute("DELETE FROM import_tags WHERE workspace_id = ?1 AND import_id = ?2", params![ws, id])?
            + tx.execute(
                "DELETE FROM import_lists WHERE workspace_id = ?1 AND import_id = ?2",
                params![ws, id],
            )?;
        report.memberships_removed += (created.len() * per_created) as u64;
        let source = format!("undo of import {id}");
        for contact in created {
            report.deleted += delete_one(&tx, &self.schema, ws, contact, &source)? as u64;
        }
        tx.execute(
            "UPDATE imports SET state = ?1, finished_at = ?2 WHERE workspace_id = ?3 AND id = ?4",
            params![ImportState::Undone.as_str(), now(), ws, id],
        )?;
        tx.commit()?;
        self.has_suppressions = None;
        Ok(report)
    }
}

fn restore(
    tx: &rusqlite::Transaction<'_>,
    ws: i64,
    import: ImportId,
    change: &Change,
    report: &mut UndoReport,
) -> Result<(), StoreError> {
    let channel = Channel::ALL.into_iter().find(|c| c.field_name() == change.field);
    let builtin = BUILTIN_FIELDS.iter().any(|(name, ..)| *name == change.field);
    let current_sql = if channel.is_some() || builtin {
        format!("SELECT {} FROM contacts WHERE workspace_id = ?1 AND id = ?2", change.field)
    } else {
        format!(
            "SELECT json_extract(custom, '$.\"{}\"') FROM contacts WHERE workspace_id = ?1 AND id = ?2",
            change.field
        )
    };
    let current: Option<String> = match tx.query_row(&current_sql, params![ws, change.contact], |r| r.get(0))
    {
        Ok(value) => value,
        Err(rusqlite::Error::QueryReturnedNoRows) => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    let who = format!("contact {} field {}", change.contact, change.field);
    if current != change.new {
        report.conflicts.push(format!(
            "{who}: changed since import {import} (now {:?}, the import set {:?}); left as it is",
            current.unwrap_or_default(),
            change.new.clone().unwrap_or_default()
        ));
        return Ok(());
    }
    match channel {
        Some(channel) => restore_subscription(tx, ws, import, change, channel, current.as_deref(), report),
        None if builtin => {
            restore_builtin(tx, ws, change)?;
            report.restored += 1;
            Ok(())
        }
        None => {
            restore_custom(tx, ws, change)?;
            report.restored += 1;
            Ok(())
        }
    }
}

fn restore_builtin(tx: &rusqlite::Transaction<'_>, ws: i64, change: &Change) -> Result<(), StoreError> {
    let mut sql = format!("UPDATE contacts SET {} = ?1", change.field);
    let hash = crate::keys::hash_column(&change.field).map(|column| {
        sql.push_str(&format!(", {column} = ?5"));
        change.old.as_deref().map(|old| crate::keys::stored_hash(&change.field, old))
    });
    sql.push_str(", updated_at = ?2 WHERE workspace_id = ?3 AND id = ?4");
    match hash {
        Some(hash) => tx.execute(&sql, params![change.old, now(), ws, change.contact, hash])?,
        None => tx.execute(&sql, params![change.old, now(), ws, change.contact])?,
    };
    Ok(())
}

fn restore_custom(tx: &rusqlite::Transaction<'_>, ws: i64, change: &Change) -> Result<(), StoreError> {
    let path = format!("$.\"{}\"", change.field);
    let sql = match &change.old {
        Some(_) => {
            "UPDATE contacts SET custom = json_set(coalesce(custom, '{}'), ?5, ?1), updated_at = ?2 WHERE workspace_id = ?3 AND id = ?4"
        }
        None => {
            "UPDATE contacts SET custom = json_remove(custom, ?5), updated_at = ?2 WHERE workspace_id = ?3 AND id = ?4 AND ?1 IS NULL"
        }
    };
    tx.execute(sql, params![change.old, now(), ws, change.contact, path])?;
    Ok(())
}

/// How much a status lets anyone send: an undo may only move a channel down this order.
fn permission(status: SubscriptionStatus) -> u8 {
    match status {
        SubscriptionStatus::Unsubscribed => 0,
        SubscriptionStatus::None => 1,
        SubscriptionStatus::Subscribed => 2,
    }
}

/// Restores the status a subscription had before the import if that gives less permission
/// to send than the one it has now; otherwise keeps the one it has and says so.
fn restore_subscription(
    tx: &rusqlite::Transaction<'_>,
    ws: i64,
    import: ImportId,
    change: &Change,
    channel: Channel,
    current: Option<&str>,
    report: &mut UndoReport,
) -> Result<(), StoreError> {
    let old = change.old.as_deref().and_then(SubscriptionStatus::parse);
    let now_status = current.and_then(SubscriptionStatus::parse);
    // A value that is not a status (a damaged journal) is kept too: that side cannot
    // subscribe anyone.
    let lower = match (old, now_status) {
        (Some(old), Some(now_status)) if permission(old) < permission(now_status) => Some((old, now_status)),
        _ => None,
    };
    let Some((old, now_status)) = lower else {
        report.kept_subscriptions.push(format!(
            "contact {} field {}: kept {} (it was {} before import {import}; an undo never gives back permission to send)",
            change.contact,
            channel.field_name(),
            current.unwrap_or_default(),
            change.old.as_deref().unwrap_or_default()
        ));
        return Ok(());
    };
    tx.execute(
        &format!(
            "UPDATE contacts SET {} = ?1, updated_at = ?2 WHERE workspace_id = ?3 AND id = ?4",
            channel.field_name()
        ),
        params![old.as_str(), now(), ws, change.contact],
    )?;
    tx.execute(
        "INSERT INTO subscription_events (workspace_id, contact_id, channel, old_status, new_status, source, forced, at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, ?7)",
        params![ws, change.contact, channel.name(), now_status.as_str(), old.as_str(), format!("undo of import {import}"), now()],
    )?;
    report.restored += 1;
    Ok(())
}
