//! Undoing an import: the contacts it created are deleted (their unsubscribes kept as
//! suppressions) unless another import changed them since (those are kept and listed: later
//! work depends on them), the values it overwrote are restored unless they changed again
//! since (those are listed, not clobbered), and the tags and list memberships it added are
//! removed. An undo only ever lowers a subscription (subscribed → none → unsubscribed):
//! giving back a status with more permission to send than the one the import set would drop
//! a protection that later imports rely on, or subscribe someone nobody asked to.

use std::collections::{HashMap, HashSet};

use intake_core::model::{BUILTIN_FIELDS, Channel, ContactId, ImportId, SubscriptionStatus};
use rusqlite::{OptionalExtension, Transaction, params};

use crate::admin::delete_one;
use crate::{ImportRecord, ImportState, SqliteStore, StoreError, now};

/// What an undo did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UndoReport {
    /// Contacts the import created, now deleted.
    pub deleted: u64,
    /// Field values restored.
    pub restored: u64,
    /// Values not restored, and created contacts not deleted, because they changed since the
    /// import, one sentence each.
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

/// What becomes of an undo's transaction.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Finish {
    Commit,
    RollBack,
}

impl SqliteStore {
    /// Undoes import `id` in one transaction.
    pub fn undo_import(&mut self, id: ImportId) -> Result<UndoReport, StoreError> {
        self.undo(id, Finish::Commit)
    }

    /// What undoing import `id` would do, changing nothing: the same transaction as
    /// [`SqliteStore::undo_import`], rolled back, so the report cannot differ from the undo's.
    pub fn preview_undo(&mut self, id: ImportId) -> Result<UndoReport, StoreError> {
        self.undo(id, Finish::RollBack)
    }

    fn undo(&mut self, id: ImportId, finish: Finish) -> Result<UndoReport, StoreError> {
        let record = self.import(id)?;
        if record.dry_run {
            return Err(StoreError::Invalid(format!("import {id} was a dry run: it changed nothing")));
        }
        if record.state == ImportState::Undone {
            return Err(StoreError::Invalid(format!("import {id} is already undone")));
        }
        if record.state.before_start() {
            return Err(StoreError::Invalid(format!(
                "import {id} was uploaded and never started: it changed nothing"
            )));
        }
        let ws = self.workspace_id;
        let tx = self.conn.transaction()?;
        if let Some(owner) = &self.lease_owner {
            crate::lease::check_held(&tx, ws, owner)?;
        }
        let mut report = UndoReport::default();
        let created = created_contacts(&tx, ws, id)?;
        // Found before anything is restored: the undo's own consent-log events are not
        // later work.
        let changed = changed_since(&tx, ws, &record, &created)?;
        for change in &journaled_changes(&tx, ws, id)? {
            restore(&tx, ws, id, change, &mut report)?;
        }
        report.memberships_removed = remove_memberships(&tx, ws, id, created.len())?;
        let source = format!("undo of import {id}");
        for contact in created {
            match changed.get(&contact) {
                Some(by) => report.conflicts.push(format!(
                    "contact {contact}: created by import {id} and changed since by {by}; kept"
                )),
                None => report.deleted += delete_one(&tx, &self.schema, ws, contact, &source)? as u64,
            }
        }
        tx.execute(
            "UPDATE imports SET state = ?1, finished_at = ?2 WHERE workspace_id = ?3 AND id = ?4",
            params![ImportState::Undone.as_str(), now(), ws, id],
        )?;
        match finish {
            Finish::Commit => {
                tx.commit()?;
                self.has_suppressions = None;
            }
            Finish::RollBack => tx.rollback()?,
        }
        Ok(report)
    }
}

/// The values import `import` overwrote, newest first.
fn journaled_changes(tx: &Transaction<'_>, ws: i64, import: ImportId) -> Result<Vec<Change>, StoreError> {
    let mut stmt = tx.prepare(
        "SELECT contact_id, field, old_value, new_value FROM import_changes \
         WHERE workspace_id = ?1 AND import_id = ?2 ORDER BY id DESC",
    )?;
    let rows = stmt.query_map(params![ws, import], |r| {
        Ok(Change { contact: r.get(0)?, field: r.get(1)?, old: r.get(2)?, new: r.get(3)? })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<Change>>>()?)
}

/// The contacts import `import` created. A scan of `contacts`: an index on
/// `created_import_id` would cost every created contact of every load.
fn created_contacts(tx: &Transaction<'_>, ws: i64, import: ImportId) -> Result<Vec<ContactId>, StoreError> {
    let mut stmt =
        tx.prepare("SELECT id FROM contacts WHERE workspace_id = ?1 AND created_import_id = ?2")?;
    let ids = stmt.query_map(params![ws, import], |r| r.get(0))?;
    Ok(ids.collect::<rusqlite::Result<Vec<ContactId>>>()?)
}

/// Removes the tags and list memberships import `import` added, also those it gave all of
/// its `created` contacts at once, and returns how many contact memberships that was.
fn remove_memberships(
    tx: &Transaction<'_>,
    ws: i64,
    import: ImportId,
    created: usize,
) -> Result<u64, StoreError> {
    let own = tx.execute(
        "DELETE FROM contact_tags WHERE workspace_id = ?1 AND import_id = ?2",
        params![ws, import],
    )? + tx.execute(
        "DELETE FROM list_members WHERE workspace_id = ?1 AND import_id = ?2",
        params![ws, import],
    )?;
    let per_created = tx
        .execute("DELETE FROM import_tags WHERE workspace_id = ?1 AND import_id = ?2", params![ws, import])?
        + tx.execute(
            "DELETE FROM import_lists WHERE workspace_id = ?1 AND import_id = ?2",
            params![ws, import],
        )?;
    Ok((own + created * per_created) as u64)
}

/// The contacts among `created` (by `import`) that later work depends on, each with who did
/// it ("import 9"): a value another import changed, a tag or list membership another import
/// gave, a subscription change from anywhere else, a value changed through the service. Imports undone since do not count: their
/// values and memberships are gone, and what their undo kept is a lower subscription, which
/// deleting the contact does not raise (an unsubscribe stays as a suppression).
fn changed_since(
    tx: &Transaction<'_>,
    ws: i64,
    import: &ImportRecord,
    created: &[ContactId],
) -> Result<HashMap<ContactId, String>, StoreError> {
    let mut changed = values_changed_since(tx, ws, import)?;
    let undone = undone_imports(tx, ws)?;
    for &contact in created {
        if changed.contains_key(&contact) {
            continue;
        }
        if let Some(by) = membership_from_elsewhere(tx, ws, import.id, contact)? {
            changed.insert(contact, by);
        } else if let Some(by) = subscription_change_from_elsewhere(tx, ws, import.id, contact, &undone)? {
            changed.insert(contact, by);
        } else if let Some(by) = edited_outside_imports(tx, ws, contact)? {
            changed.insert(contact, by);
        }
    }
    Ok(changed)
}

/// The imports other than `?2` (started at `?3`) that can have changed what `?2` created:
/// the later ones, and the earlier ones still running (or resumed) after it started. Undone
/// ones are left out.
const OTHER_IMPORTS: &str = "SELECT id FROM imports \
     WHERE workspace_id = ?1 AND id != ?2 AND state != ?4 AND dry_run = 0 \
       AND (id > ?2 OR finished_at IS NULL OR finished_at >= ?3) ORDER BY id";

/// The contacts import `?3` created that import `?2` changed a value of: `?2`'s range of the
/// journal's index by import, each row checked against its contact.
const CHANGED_BY: &str = "SELECT DISTINCT ic.contact_id FROM import_changes ic \
     JOIN contacts c ON c.id = ic.contact_id \
     WHERE ic.workspace_id = ?1 AND ic.import_id = ?2 AND c.workspace_id = ?1 AND c.created_import_id = ?3";

/// A tag or list membership of contact `?2` that import `?3` did not give. The list query
/// names the index by contact: the planner would take the primary key (by list) instead,
/// a scan of the workspace's memberships per contact.
const OTHER_TAG: &str = "SELECT import_id FROM contact_tags \
     WHERE workspace_id = ?1 AND contact_id = ?2 AND import_id IS NOT ?3 LIMIT 1";
const OTHER_LIST: &str = "SELECT import_id FROM list_members INDEXED BY list_members_by_contact \
     WHERE workspace_id = ?1 AND contact_id = ?2 AND import_id IS NOT ?3 LIMIT 1";

/// The sources of contact `?2`'s subscription changes other than `?3`.
const OTHER_EVENTS: &str = "SELECT source FROM subscription_events \
     WHERE workspace_id = ?1 AND contact_id = ?2 AND source != ?3 ORDER BY id";

/// The contacts `import` created whose values another import changed since, from the
/// journal, each with the first such import.
fn values_changed_since(
    tx: &Transaction<'_>,
    ws: i64,
    import: &ImportRecord,
) -> Result<HashMap<ContactId, String>, StoreError> {
    let others: Vec<ImportId> = {
        let mut stmt = tx.prepare(OTHER_IMPORTS)?;
        let ids = stmt
            .query_map(params![ws, import.id, import.started_at, ImportState::Undone.as_str()], |r| {
                r.get(0)
            })?;
        ids.collect::<rusqlite::Result<_>>()?
    };
    let mut changed = HashMap::new();
    let mut stmt = tx.prepare(CHANGED_BY)?;
    for other in others {
        let contacts = stmt.query_map(params![ws, other, import.id], |r| r.get::<_, ContactId>(0))?;
        for contact in contacts {
            changed.entry(contact?).or_insert_with(|| format!("import {other}"));
        }
    }
    Ok(changed)
}

fn undone_imports(tx: &Transaction<'_>, ws: i64) -> Result<HashSet<ImportId>, StoreError> {
    let mut stmt = tx.prepare("SELECT id FROM imports WHERE workspace_id = ?1 AND state = ?2")?;
    let ids = stmt.query_map(params![ws, ImportState::Undone.as_str()], |r| r.get(0))?;
    Ok(ids.collect::<rusqlite::Result<HashSet<ImportId>>>()?)
}

/// Who gave `contact` a tag or list membership, if not `import` (those of imports undone
/// since are gone already).
fn membership_from_elsewhere(
    tx: &Transaction<'_>,
    ws: i64,
    import: ImportId,
    contact: ContactId,
) -> Result<Option<String>, StoreError> {
    let by = |what: &str, import: Option<ImportId>| match import {
        Some(import) => format!("import {import}"),
        None => format!("a {what} given outside an import"),
    };
    let tag = tx
        .prepare_cached(OTHER_TAG)?
        .query_row(params![ws, contact, import], |r| r.get::<_, Option<ImportId>>(0))
        .optional()?;
    if let Some(tag) = tag {
        return Ok(Some(by("tag", tag)));
    }
    let list = tx
        .prepare_cached(OTHER_LIST)?
        .query_row(params![ws, contact, import], |r| r.get::<_, Option<ImportId>>(0))
        .optional()?;
    Ok(list.map(|list| by("list membership", list)))
}

/// Who changed a value of `contact` outside an import (a person, through the service), if
/// anyone did: `contact_edits`, by its index by contact.
fn edited_outside_imports(
    tx: &Transaction<'_>,
    ws: i64,
    contact: ContactId,
) -> Result<Option<String>, StoreError> {
    let sql =
        "SELECT source FROM contact_edits WHERE workspace_id = ?1 AND contact_id = ?2 ORDER BY id LIMIT 1";
    Ok(tx.prepare_cached(sql)?.query_row(params![ws, contact], |r| r.get(0)).optional()?)
}

/// The source of a subscription change of `contact` that came from neither `import` nor an
/// import undone since (nor that one's undo).
fn subscription_change_from_elsewhere(
    tx: &Transaction<'_>,
    ws: i64,
    import: ImportId,
    contact: ContactId,
    undone: &HashSet<ImportId>,
) -> Result<Option<String>, StoreError> {
    let mut stmt = tx.prepare_cached(OTHER_EVENTS)?;
    let sources =
        stmt.query_map(params![ws, contact, format!("import:{import}")], |r| r.get::<_, String>(0))?;
    for source in sources {
        let source = source?;
        let id_after = |prefix: &str| source.strip_prefix(prefix).and_then(|id| id.parse::<ImportId>().ok());
        let by_import = id_after("import:");
        if by_import.or_else(|| id_after("undo of import ")).is_some_and(|id| undone.contains(&id)) {
            continue;
        }
        return Ok(Some(by_import.map_or(source, |id| format!("import {id}"))));
    }
    Ok(None)
}

fn restore(
    tx: &Transaction<'_>,
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

fn restore_builtin(tx: &Transaction<'_>, ws: i64, change: &Change) -> Result<(), StoreError> {
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

fn restore_custom(tx: &Transaction<'_>, ws: i64, change: &Change) -> Result<(), StoreError> {
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
    tx: &Transaction<'_>,
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

#[cfg(test)]
mod tests {
    use super::*;

    /// What SQLite's planner does with `sql`, one step a line.
    fn plan(store: &SqliteStore, sql: &str) -> String {
        let mut stmt = store.conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let mut rows = stmt.raw_query();
        let mut steps = Vec::new();
        while let Some(row) = rows.next().unwrap() {
            steps.push(row.get::<_, String>(3).unwrap());
        }
        steps.join("\n")
    }

    /// Looking for later work must not cost a scan of a table an import fills, per undo or
    /// per created contact.
    #[test]
    fn later_work_is_found_through_indexes() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("intake.db"), "default").unwrap();
        for (sql, index) in [
            (OTHER_IMPORTS, "imports_by_workspace"),
            (CHANGED_BY, "import_changes_by_import (workspace_id=? AND import_id=?)"),
            (OTHER_TAG, "PRIMARY KEY (workspace_id=? AND contact_id=?)"),
            (OTHER_LIST, "list_members_by_contact (workspace_id=? AND contact_id=?)"),
            (OTHER_EVENTS, "subscription_events_by_contact (workspace_id=? AND contact_id=?)"),
        ] {
            let plan = plan(&store, sql);
            assert!(plan.contains(index), "{sql}:\n{plan}");
            assert!(!plan.contains("SCAN"), "{sql}:\n{plan}");
        }
    }
}
