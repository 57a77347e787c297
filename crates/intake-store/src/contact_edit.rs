//! Changing or deleting one contact outside an import (the service's `PATCH` and `DELETE
//! /v1/contacts/{id}`), with an import's rules: values go through the import's normalizers,
//! an unsubscribed channel is re-subscribed only when forced, every consent change is an
//! event of the consent log, and a deleted contact's unsubscribes stay as suppressions (as
//! `intake contacts delete` keeps them).
//!
//! Both refuse while an import runs in the workspace: its workers decided on what they loaded
//! before, and would write over the change (or, for a deleted contact, give tags to nobody).
//! The check and the change are one transaction that holds the write lock, so an import
//! either started before (and is seen) or reads the change.
//!
//! Every changed value is journaled in `contact_edits` (old and new, and who), so that an
//! undo of the import that created the contact keeps it, as it keeps one another import
//! changed. When an e-mail address or phone number of a contact that unsubscribed changes,
//! the old one becomes a suppression: the person said no under it.

use intake_core::identify::IdentifierKind;
use intake_core::model::{Channel, ContactId, FieldId, FieldType, SubscriptionStatus, Target};
use intake_core::normalize::{Cell, Normalizer, Region};
use intake_core::plan::{match_key, suppression_keys};
use rusqlite::{params, params_from_iter, types::Value};

use crate::admin::delete_one;
use crate::contact_queries::ContactView;
use crate::keys::{hash_column, stored_hash};
use crate::{SqliteStore, StoreError, now};

/// What to change of a contact.
#[derive(Debug, Clone, Default)]
pub struct ContactEdit {
    /// `(name, value)`: a field's name or `<channel>_subscription`, and the value as a file
    /// would hold it; `None` (or an empty value) clears a field.
    pub values: Vec<(String, Option<String>)>,
    /// The region phone numbers without a country code are read in.
    pub default_region: Option<Region>,
    /// Whether an unsubscribed channel may be subscribed again (`--force-resubscribe`).
    pub force_resubscribe: bool,
    /// Who changes it, as the consent log and the journal name it (`api:key:3`).
    pub source: String,
}

/// Why a contact was not changed (or deleted); nothing was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditRefusal {
    /// The workspace has no such contact.
    #[error("no contact {0}")]
    NotFound(ContactId),
    /// An import runs in the workspace.
    #[error("import {0} is running in this workspace; change contacts when it has finished")]
    Busy(i64),
    /// A value is not valid for its field, or the name is no field.
    #[error("{field} {value:?}: {reason}")]
    Invalid { field: String, value: String, reason: String },
    /// Another contact has this identifier: the change would make two of one person.
    #[error("{field} {value:?}: contact {other} has it already; one person is one contact")]
    Duplicate { field: String, value: String, other: ContactId },
    /// The contact unsubscribed from the channel and the change was not forced.
    #[error(
        "{field}: the contact unsubscribed and is not re-subscribed (to {value}) unless the change is forced \
         (force_resubscribe)"
    )]
    Resubscribe { field: String, value: String },
}

/// A change that was made: the names of the fields it changed, and the contact after it.
#[derive(Debug, Clone)]
pub struct Edited {
    /// The fields and subscriptions that changed (none when every value was already so).
    pub changed: Vec<String>,
    /// The contact now.
    pub contact: ContactView,
}

/// One value of an edit, normalized.
enum Wanted {
    Field { field: FieldId, value: Option<String> },
    Subscription { channel: Channel, status: SubscriptionStatus },
}

/// A field's change.
struct FieldChange {
    field: FieldId,
    name: String,
    old: Option<String>,
    new: Option<String>,
}

/// A channel's change.
struct StatusChange {
    channel: Channel,
    old: SubscriptionStatus,
    new: SubscriptionStatus,
}

type Refused<T> = Result<T, EditRefusal>;

impl SqliteStore {
    /// Changes contact `id` as `edit` says, in one transaction; or says why not.
    pub fn edit_contact(&mut self, id: ContactId, edit: &ContactEdit) -> Result<Refused<Edited>, StoreError> {
        let wanted = match self.wanted(edit) {
            Ok(wanted) => wanted,
            Err(refusal) => return Ok(Err(refusal)),
        };
        self.conn.execute_batch("BEGIN IMMEDIATE")?;
        let result = self.edit_in_transaction(id, &wanted, edit);
        match &result {
            Ok(Ok(_)) => {
                if let Err(error) = self.conn.execute_batch("COMMIT") {
                    let _ = self.conn.execute_batch("ROLLBACK");
                    return Err(error.into());
                }
                self.has_suppressions = None;
            }
            // The refusal or the failure is what to report.
            _ => {
                let _ = self.conn.execute_batch("ROLLBACK");
            }
        }
        let changed = match result? {
            Ok(changed) => changed,
            Err(refusal) => return Ok(Err(refusal)),
        };
        let contact =
            self.contact_view(id)?.ok_or_else(|| StoreError::Corrupt(format!("contact {id} vanished")))?;
        Ok(Ok(Edited { changed, contact }))
    }

    /// Deletes contact `id` as `contacts delete` does (its unsubscribes stay as
    /// suppressions), with its edit journal; or says why not.
    pub fn delete_contact(&mut self, id: ContactId, source: &str) -> Result<Refused<()>, StoreError> {
        let ws = self.workspace_id;
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        if let Some(import) = crate::lease::lease_state(&tx, ws)?.live {
            return Ok(Err(EditRefusal::Busy(import)));
        }
        if delete_one(&tx, &self.schema, ws, id, source)? == 0 {
            return Ok(Err(EditRefusal::NotFound(id)));
        }
        tx.execute("DELETE FROM contact_edits WHERE workspace_id = ?1 AND contact_id = ?2", params![ws, id])?;
        tx.commit()?;
        self.has_suppressions = None;
        Ok(Ok(()))
    }

    /// The edit's values, normalized as an import normalizes a file's cells.
    fn wanted(&self, edit: &ContactEdit) -> Refused<Vec<Wanted>> {
        let normalizer = Normalizer { default_region: edit.default_region, ..Normalizer::default() };
        let mut wanted = Vec::new();
        for (name, raw) in &edit.values {
            let invalid = |reason: &str| EditRefusal::Invalid {
                field: name.clone(),
                value: raw.clone().unwrap_or_default(),
                reason: reason.to_string(),
            };
            match self.schema.target_by_name(name) {
                Some(Target::Field(field)) => {
                    let def = self.schema.field(field);
                    let value = match normalizer.cell(def, raw.as_deref().unwrap_or("")) {
                        Cell::Empty | Cell::Placeholder(_) => None,
                        Cell::Value(value) => Some(value.into_owned()),
                        Cell::Invalid(reason) => return Err(invalid(&reason)),
                    };
                    wanted.push(Wanted::Field { field, value });
                }
                Some(Target::Subscription(channel)) => {
                    let status = raw.as_deref().and_then(SubscriptionStatus::parse_answer);
                    let status = status.ok_or_else(|| invalid("give subscribed, unsubscribed or none"))?;
                    wanted.push(Wanted::Subscription { channel, status });
                }
                Some(_) => return Err(invalid("this is not a field; it cannot be set here")),
                None => return Err(invalid("the workspace has no field of this name")),
            }
        }
        Ok(wanted)
    }

    /// Checks and writes an edit inside the open transaction; returns what changed.
    fn edit_in_transaction(
        &self,
        id: ContactId,
        wanted: &[Wanted],
        edit: &ContactEdit,
    ) -> Result<Refused<Vec<String>>, StoreError> {
        if let Some(import) = crate::lease::lease_state(&self.conn, self.workspace_id)?.live {
            return Ok(Err(EditRefusal::Busy(import)));
        }
        let Some(current) = self.contact_view(id)? else { return Ok(Err(EditRefusal::NotFound(id))) };
        let value_of = |name: &str| current.fields.iter().find(|(f, _)| f == name).map(|(_, v)| v.clone());
        let mut fields = Vec::new();
        let mut statuses = Vec::new();
        for want in wanted {
            match want {
                Wanted::Field { field, value } => {
                    let name = self.schema.field(*field).name.clone();
                    let old = value_of(&name);
                    if old != *value {
                        fields.push(FieldChange { field: *field, name, old, new: value.clone() });
                    }
                }
                Wanted::Subscription { channel, status } => {
                    let old = current.subscriptions[channel.index()];
                    if old == *status {
                        continue;
                    }
                    if old == SubscriptionStatus::Unsubscribed && !edit.force_resubscribe {
                        let field = channel.field_name().to_string();
                        return Ok(Err(EditRefusal::Resubscribe {
                            field,
                            value: status.as_str().to_string(),
                        }));
                    }
                    statuses.push(StatusChange { channel: *channel, old, new: *status });
                }
            }
        }
        if let Err(refusal) = self.no_duplicate(id, &fields)? {
            return Ok(Err(refusal));
        }
        self.write_fields(id, &fields, &statuses)?;
        self.journal(id, &fields, &statuses, &edit.source)?;
        self.suppress_old_identifiers(&current, &fields, &edit.source)?;
        let mut changed: Vec<String> = fields.into_iter().map(|c| c.name).collect();
        changed.extend(statuses.iter().map(|c| c.channel.field_name().to_string()));
        Ok(Ok(changed))
    }

    /// Refuses an identifier (e-mail, phone, external id) another contact has.
    fn no_duplicate(&self, id: ContactId, fields: &[FieldChange]) -> Result<Refused<()>, StoreError> {
        for change in fields {
            let kind = match change.name.as_str() {
                "email" => IdentifierKind::Email,
                "phone" => IdentifierKind::Phone,
                "external_id" => IdentifierKind::ExternalId,
                _ => continue,
            };
            let Some(value) = &change.new else { continue };
            crate::indexes::ensure(&self.conn, kind)?;
            let others =
                crate::keys::find_exact(&self.conn, self.workspace_id, kind, &match_key(kind, value))?;
            if let Some(other) = others.into_iter().find(|&other| other != id) {
                return Ok(Err(EditRefusal::Duplicate {
                    field: change.name.clone(),
                    value: value.clone(),
                    other,
                }));
            }
        }
        Ok(Ok(()))
    }

    /// One `UPDATE` of the contact's row: built-in fields (with the hash a lookup uses),
    /// custom fields in the JSON object, statuses, and `updated_at`.
    fn write_fields(
        &self,
        id: ContactId,
        fields: &[FieldChange],
        statuses: &[StatusChange],
    ) -> Result<(), StoreError> {
        let builtins = intake_core::model::BUILTIN_FIELDS.len();
        let mut sets: Vec<String> = Vec::new();
        let mut values: Vec<Value> = Vec::new();
        fn assign(sets: &mut Vec<String>, values: &mut Vec<Value>, column: &str, value: Value) {
            values.push(value);
            sets.push(format!("{column} = ?{}", values.len()));
        }
        let mut custom = String::from("coalesce(custom, '{}')");
        let mut has_custom = false;
        for change in fields {
            let text = change.new.clone().map_or(Value::Null, Value::Text);
            if change.field < builtins {
                assign(&mut sets, &mut values, &change.name, text);
                if let Some(column) = hash_column(&change.name) {
                    let hash = change
                        .new
                        .as_deref()
                        .map_or(Value::Null, |v| Value::Integer(stored_hash(&change.name, v)));
                    assign(&mut sets, &mut values, column, hash);
                }
                continue;
            }
            has_custom = true;
            values.push(Value::Text(format!("$.\"{}\"", change.name)));
            let path = values.len();
            custom = match change.new.clone() {
                Some(new) => {
                    values.push(Value::Text(new));
                    format!("json_set({custom}, ?{path}, ?{})", values.len())
                }
                None => format!("json_remove({custom}, ?{path})"),
            };
        }
        if has_custom {
            sets.push(format!("custom = {custom}"));
        }
        for change in statuses {
            let status = Value::Text(change.new.as_str().to_string());
            assign(&mut sets, &mut values, change.channel.field_name(), status);
        }
        if sets.is_empty() {
            return Ok(());
        }
        values.extend([Value::Integer(now()), Value::Integer(self.workspace_id), Value::Integer(id)]);
        let n = values.len();
        let sql = format!(
            "UPDATE contacts SET {}, updated_at = ?{} WHERE workspace_id = ?{} AND id = ?{}",
            sets.join(", "),
            n - 2,
            n - 1,
            n
        );
        self.conn.execute(&sql, params_from_iter(values))?;
        Ok(())
    }

    /// Journals every change in `contact_edits`, and each status change in the consent log.
    fn journal(
        &self,
        id: ContactId,
        fields: &[FieldChange],
        statuses: &[StatusChange],
        source: &str,
    ) -> Result<(), StoreError> {
        let (ws, at) = (self.workspace_id, now());
        let mut edit = self.conn.prepare_cached(
            "INSERT INTO contact_edits (workspace_id, contact_id, field, old_value, new_value, source, at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?;
        for change in fields {
            edit.execute(params![ws, id, change.name, change.old, change.new, source, at])?;
        }
        let mut event = self.conn.prepare_cached(
            "INSERT INTO subscription_events (workspace_id, contact_id, channel, old_status, new_status, source, forced, at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?;
        for change in statuses {
            let (old, new) = (change.old.as_str(), change.new.as_str());
            edit.execute(params![ws, id, change.channel.field_name(), old, new, source, at])?;
            let forced = change.old == SubscriptionStatus::Unsubscribed;
            event.execute(params![ws, id, change.channel.name(), old, new, source, forced, at])?;
        }
        Ok(())
    }

    /// Keeps the unsubscribes of a contact whose e-mail address or phone number changes as
    /// suppressions of the old ones, as deleting it would.
    fn suppress_old_identifiers(
        &self,
        before: &ContactView,
        fields: &[FieldChange],
        source: &str,
    ) -> Result<(), StoreError> {
        let identifying = |field: FieldId| {
            matches!(self.schema.field(field).field_type, FieldType::Email | FieldType::Phone)
        };
        let old =
            fields.iter().filter(|c| identifying(c.field)).filter_map(|c| Some((c.field, c.old.as_deref()?)));
        let keys = suppression_keys(&self.schema, old);
        let unsubscribed = Channel::ALL
            .into_iter()
            .filter(|c| before.subscriptions[c.index()] == SubscriptionStatus::Unsubscribed);
        let mut insert = self.conn.prepare_cached(
            "INSERT OR IGNORE INTO suppressions (workspace_id, key, channel, source, at) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for channel in unsubscribed {
            for key in &keys {
                insert.execute(params![self.workspace_id, key, channel.name(), source, now()])?;
            }
        }
        Ok(())
    }
}
