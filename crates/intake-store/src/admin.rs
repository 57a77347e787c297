//! Custom fields, workspace settings, and deleting contacts (their unsubscribes outlive them
//! as suppression records keyed by their identifiers).

use intake_core::identify::IdentifierKind;
use intake_core::model::{Channel, ContactId, FieldDef, SubscriptionStatus};
use intake_core::plan::suppression_keys;
use rusqlite::{Transaction, params};

use crate::{SqliteStore, StoreError, now};

/// Which contacts to delete.
#[derive(Debug, Clone)]
pub enum DeleteTarget {
    /// By id.
    Id(ContactId),
    /// By e-mail match key.
    EmailKey(String),
    /// By phone in E.164.
    Phone(String),
}

impl SqliteStore {
    /// Declares a custom field.
    pub fn add_field(&mut self, field: FieldDef) -> Result<(), StoreError> {
        let mut schema = self.schema.clone();
        schema.add_custom(field.clone()).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let choices =
            serde_json::to_string(&field.choices).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.conn.execute(
            "INSERT INTO fields (workspace_id, name, label, type, choices, position, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                self.workspace_id,
                field.name,
                field.label,
                field.field_type.name(),
                choices,
                schema.len() as i64,
                now()
            ],
        )?;
        self.schema = schema;
        Ok(())
    }

    /// A workspace setting.
    pub fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        let mut stmt =
            self.conn.prepare_cached("SELECT value FROM settings WHERE workspace_id = ?1 AND key = ?2")?;
        let mut rows = stmt.query(params![self.workspace_id, key])?;
        Ok(match rows.next()? {
            Some(row) => Some(row.get(0)?),
            None => None,
        })
    }

    /// Sets a workspace setting.
    pub fn set_setting(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO settings (workspace_id, key, value) VALUES (?1, ?2, ?3) \
             ON CONFLICT (workspace_id, key) DO UPDATE SET value = excluded.value",
            params![self.workspace_id, key, value],
        )?;
        Ok(())
    }

    /// Removes a workspace setting (it is then unset, as in a new workspace).
    pub fn remove_setting(&mut self, key: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "DELETE FROM settings WHERE workspace_id = ?1 AND key = ?2",
            params![self.workspace_id, key],
        )?;
        Ok(())
    }

    /// Ids of the contacts `target` names.
    pub fn find_contacts(&self, target: &DeleteTarget) -> Result<Vec<ContactId>, StoreError> {
        let (kind, key) = match target {
            DeleteTarget::Id(id) => (IdentifierKind::Id, id.to_string()),
            DeleteTarget::EmailKey(key) => (IdentifierKind::Email, key.clone()),
            DeleteTarget::Phone(phone) => (IdentifierKind::Phone, phone.clone()),
        };
        crate::indexes::ensure(&self.conn, kind)?;
        Ok(crate::keys::find_exact(&self.conn, self.workspace_id, kind, &key)?)
    }

    /// Deletes contacts in one transaction, keeping their unsubscribes as suppressions.
    pub fn delete_contacts(&mut self, ids: &[ContactId], source: &str) -> Result<usize, StoreError> {
        let tx = self.conn.transaction()?;
        let mut deleted = 0;
        for id in ids {
            deleted += delete_one(&tx, &self.schema, self.workspace_id, *id, source)?;
        }
        tx.commit()?;
        self.has_suppressions = None;
        Ok(deleted)
    }
}

/// Deletes one contact inside `tx`; returns 1 if it existed.
pub(crate) fn delete_one(
    tx: &Transaction<'_>,
    schema: &intake_core::model::Schema,
    workspace_id: i64,
    id: ContactId,
    source: &str,
) -> Result<usize, StoreError> {
    let sql = "SELECT email, phone, whatsapp, email_subscription, sms_subscription, whatsapp_subscription \
               FROM contacts WHERE workspace_id = ?1 AND id = ?2";
    let found = tx.query_row(sql, params![workspace_id, id], |r| {
        let mut ids: Vec<Option<String>> = Vec::new();
        for i in 0..3 {
            ids.push(r.get(i)?);
        }
        let mut subs: Vec<String> = Vec::new();
        for i in 3..6 {
            subs.push(r.get(i)?);
        }
        Ok((ids, subs))
    });
    let (identifiers, subscriptions) = match found {
        Ok(found) => found,
        Err(rusqlite::Error::QueryReturnedNoRows) => return Ok(0),
        Err(e) => return Err(e.into()),
    };
    let values = ["email", "phone", "whatsapp"]
        .iter()
        .zip(&identifiers)
        .filter_map(|(name, value)| Some((schema.field_id(name)?, value.as_deref()?)));
    let keys = suppression_keys(schema, values);
    for (channel, status) in Channel::ALL.iter().zip(&subscriptions) {
        if SubscriptionStatus::parse(status) != Some(SubscriptionStatus::Unsubscribed) {
            continue;
        }
        for key in &keys {
            tx.execute(
                "INSERT OR IGNORE INTO suppressions (workspace_id, key, channel, source, at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![workspace_id, key, channel.name(), source, now()],
            )?;
        }
    }
    tx.execute(
        "DELETE FROM contact_tags WHERE workspace_id = ?1 AND contact_id = ?2",
        params![workspace_id, id],
    )?;
    tx.execute(
        "DELETE FROM list_members WHERE workspace_id = ?1 AND contact_id = ?2",
        params![workspace_id, id],
    )?;
    // The statuses it was created with live on its row (see `subscription_creations`); the
    // consent log keeps them as events.
    tx.execute(
        "INSERT INTO subscription_events (workspace_id, contact_id, channel, old_status, new_status, source, forced, at) \
         SELECT workspace_id, contact_id, channel, old_status, new_status, source, forced, at \
         FROM subscription_creations WHERE workspace_id = ?1 AND contact_id = ?2",
        params![workspace_id, id],
    )?;
    tx.execute("DELETE FROM contacts WHERE workspace_id = ?1 AND id = ?2", params![workspace_id, id])?;
    Ok(1)
}
