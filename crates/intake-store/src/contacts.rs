//! [`ImportStore`] for SQLite: matching by identifier, loading contacts, and applying a batch
//! with its checkpoint in one transaction.

use std::fmt::Write as _;

use intake_core::identify::IdentifierKind;
use intake_core::model::{BUILTIN_FIELDS, Channel, ContactId, StoredContact, SubscriptionStatus};
use intake_core::normalize::email_match_key;
use intake_core::plan::{ContactUpdate, NewContact, Write};
use intake_core::store::{Batch, ImportStore};
use rusqlite::{Transaction, params, params_from_iter, types::Value};

use crate::{SqliteStore, StoreError, now};

/// The indexed column an identifier is matched on.
fn key_column(kind: IdentifierKind) -> &'static str {
    match kind {
        IdentifierKind::Email => "email_key",
        IdentifierKind::Phone => "phone",
        IdentifierKind::ExternalId => "external_id",
        IdentifierKind::Id => "id",
    }
}

/// `first_name, last_name, …` in schema order.
fn builtin_columns() -> String {
    BUILTIN_FIELDS.iter().map(|f| f.0).collect::<Vec<_>>().join(", ")
}

impl SqliteStore {
    /// Reads one contact row (columns as in [`Self::contact_select`]) into a `StoredContact`.
    pub(crate) fn contact_from_row(&self, row: &rusqlite::Row<'_>) -> rusqlite::Result<StoredContact> {
        let builtins = BUILTIN_FIELDS.len();
        let mut values: Vec<Option<String>> = Vec::with_capacity(self.schema.len());
        for i in 0..builtins {
            values.push(row.get(1 + i)?);
        }
        let custom: Option<String> = row.get(1 + builtins)?;
        let custom: serde_json::Map<String, serde_json::Value> =
            custom.and_then(|c| serde_json::from_str(&c).ok()).unwrap_or_default();
        for field in &self.schema.fields()[builtins..] {
            values.push(custom.get(&field.name).and_then(|v| v.as_str()).map(str::to_string));
        }
        let mut subscriptions = [SubscriptionStatus::None; 3];
        for (i, slot) in subscriptions.iter_mut().enumerate() {
            let text: String = row.get(2 + builtins + i)?;
            *slot = SubscriptionStatus::parse(&text).unwrap_or_default();
        }
        Ok(StoredContact { id: row.get(0)?, values, subscriptions, tags: Vec::new(), lists: Vec::new() })
    }

    /// `SELECT` of every column `contact_from_row` reads.
    pub(crate) fn contact_select() -> String {
        format!(
            "SELECT id, {}, custom, email_subscription, sms_subscription, whatsapp_subscription FROM contacts",
            builtin_columns()
        )
    }

    pub(crate) fn tag_names(&self, id: ContactId) -> rusqlite::Result<Vec<String>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT t.name FROM contact_tags ct JOIN tags t ON t.id = ct.tag_id \
             WHERE ct.workspace_id = ?1 AND ct.contact_id = ?2 ORDER BY t.name",
        )?;
        let names = stmt.query_map(params![self.workspace_id, id], |r| r.get(0))?;
        names.collect()
    }

    pub(crate) fn list_names(&self, id: ContactId) -> rusqlite::Result<Vec<String>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT l.name FROM list_members m JOIN lists l ON l.id = m.list_id \
             WHERE m.workspace_id = ?1 AND m.contact_id = ?2 ORDER BY l.name",
        )?;
        let names = stmt.query_map(params![self.workspace_id, id], |r| r.get(0))?;
        names.collect()
    }

    /// The contacts with `ids` (sorted), read with one range scan per table over
    /// `first..=last`.
    fn load_contact_range(
        &self,
        ids: &[ContactId],
        first: ContactId,
        last: ContactId,
    ) -> Result<Vec<StoredContact>, StoreError> {
        let wanted = |id: ContactId| ids.binary_search(&id).is_ok();
        let sql = format!(
            "{} WHERE workspace_id = ?1 AND id BETWEEN ?2 AND ?3 ORDER BY id",
            Self::contact_select()
        );
        let mut contacts = Vec::with_capacity(ids.len());
        {
            let mut stmt = self.conn.prepare_cached(&sql)?;
            let mut rows = stmt.query(params![self.workspace_id, first, last])?;
            while let Some(row) = rows.next()? {
                let id: ContactId = row.get(0)?;
                if wanted(id) {
                    contacts.push(self.contact_from_row(row)?);
                }
            }
        }
        let position =
            |contacts: &[StoredContact], id: ContactId| contacts.binary_search_by_key(&id, |c| c.id).ok();
        type Names = fn(&mut StoredContact) -> &mut Vec<String>;
        let memberships: [(&str, Names); 2] = [
            (
                "SELECT ct.contact_id, t.name FROM contact_tags ct JOIN tags t ON t.id = ct.tag_id \
                 WHERE ct.workspace_id = ?1 AND ct.contact_id BETWEEN ?2 AND ?3",
                |c| &mut c.tags,
            ),
            (
                "SELECT m.contact_id, l.name FROM list_members m JOIN lists l ON l.id = m.list_id \
                 WHERE m.workspace_id = ?1 AND m.contact_id BETWEEN ?2 AND ?3",
                |c| &mut c.lists,
            ),
        ];
        for (sql, names_of) in memberships {
            let mut stmt = self.conn.prepare_cached(sql)?;
            let mut rows = stmt.query(params![self.workspace_id, first, last])?;
            while let Some(row) = rows.next()? {
                let Some(at) = position(&contacts, row.get(0)?) else { continue };
                names_of(&mut contacts[at]).push(row.get(1)?);
            }
        }
        Ok(contacts)
    }

    /// A contact with its tags and lists.
    pub(crate) fn load_contact(&self, id: ContactId) -> Result<Option<StoredContact>, StoreError> {
        let sql = format!("{} WHERE workspace_id = ?1 AND id = ?2", Self::contact_select());
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut rows = stmt.query(params![self.workspace_id, id])?;
        let Some(row) = rows.next()? else { return Ok(None) };
        let mut contact = self.contact_from_row(row)?;
        contact.tags = self.tag_names(id)?;
        contact.lists = self.list_names(id)?;
        Ok(Some(contact))
    }

    pub(crate) fn tag_id(
        tx: &Transaction<'_>,
        cache: &mut std::collections::HashMap<String, i64>,
        workspace_id: i64,
        name: &str,
    ) -> rusqlite::Result<i64> {
        if let Some(id) = cache.get(name) {
            return Ok(*id);
        }
        tx.execute(
            "INSERT OR IGNORE INTO tags (workspace_id, name) VALUES (?1, ?2)",
            params![workspace_id, name],
        )?;
        let id = tx.query_row(
            "SELECT id FROM tags WHERE workspace_id = ?1 AND name = ?2",
            params![workspace_id, name],
            |r| r.get(0),
        )?;
        cache.insert(name.to_string(), id);
        Ok(id)
    }

    pub(crate) fn list_id(
        tx: &Transaction<'_>,
        cache: &mut std::collections::HashMap<String, i64>,
        workspace_id: i64,
        name: &str,
    ) -> rusqlite::Result<i64> {
        if let Some(id) = cache.get(name) {
            return Ok(*id);
        }
        tx.execute(
            "INSERT OR IGNORE INTO lists (workspace_id, name, created_at) VALUES (?1, ?2, ?3)",
            params![workspace_id, name, now()],
        )?;
        let id = tx.query_row(
            "SELECT id FROM lists WHERE workspace_id = ?1 AND name = ?2",
            params![workspace_id, name],
            |r| r.get(0),
        )?;
        cache.insert(name.to_string(), id);
        Ok(id)
    }
}

/// Applies one batch; a method-free struct so the transaction and caches can be borrowed apart.
struct BatchWriter<'t, 'c> {
    tx: &'t Transaction<'c>,
    store_schema: &'t intake_core::model::Schema,
    workspace_id: i64,
    import_id: i64,
    source: String,
    at: i64,
    tag_ids: &'t mut std::collections::HashMap<String, i64>,
    list_ids: &'t mut std::collections::HashMap<String, i64>,
}

impl BatchWriter<'_, '_> {
    fn create(&mut self, contact: &NewContact) -> rusqlite::Result<()> {
        let builtins = BUILTIN_FIELDS.len();
        let mut columns: Vec<Value> = vec![Value::Null; builtins];
        let mut custom = serde_json::Map::new();
        for (field, value) in &contact.values {
            if *field < builtins {
                columns[*field] = Value::Text(value.clone());
            } else {
                let name = self.store_schema.field(*field).name.clone();
                custom.insert(name, serde_json::Value::String(value.clone()));
            }
        }
        let email_key = match &columns[2] {
            Value::Text(email) => Value::Text(email_match_key(email)),
            _ => Value::Null,
        };
        let custom = if custom.is_empty() {
            Value::Null
        } else {
            Value::Text(serde_json::Value::Object(custom).to_string())
        };
        let subs = contact.subscriptions.map(|s| Value::Text(s.as_str().to_string()));
        let mut stmt = self.tx.prepare_cached(&format!(
            "INSERT INTO contacts (workspace_id, {}, email_key, custom, email_subscription, sms_subscription, \
             whatsapp_subscription, created_import_id, created_at, updated_at) VALUES ({})",
            builtin_columns(),
            (1..=builtins + 9).map(|i| format!("?{i}")).collect::<Vec<_>>().join(", ")
        ))?;
        let [s0, s1, s2] = subs;
        let values = std::iter::once(Value::Integer(self.workspace_id)).chain(columns).chain([
            email_key,
            custom,
            s0,
            s1,
            s2,
            Value::Integer(self.import_id),
            Value::Integer(self.at),
            Value::Integer(self.at),
        ]);
        stmt.execute(params_from_iter(values))?;
        let id = self.tx.last_insert_rowid();
        for channel in Channel::ALL {
            let status = contact.subscriptions[channel.index()];
            if status != SubscriptionStatus::None {
                self.subscription_event(id, channel, SubscriptionStatus::None, status, false)?;
            }
        }
        self.add_tags_and_lists(id, &contact.tags, &contact.lists)
    }

    fn update(&mut self, update: &ContactUpdate) -> rusqlite::Result<()> {
        let builtins = BUILTIN_FIELDS.len();
        let mut sets = String::new();
        let mut values: Vec<Value> = Vec::new();
        let mut custom_paths: Vec<(String, String)> = Vec::new();
        for change in &update.fields {
            let def = self.store_schema.field(change.field);
            if change.field < builtins {
                values.push(Value::Text(change.new.clone()));
                let _ = write!(sets, "{} = ?{}, ", def.name, values.len());
                if def.name == "email" {
                    values.push(Value::Text(email_match_key(&change.new)));
                    let _ = write!(sets, "email_key = ?{}, ", values.len());
                }
            } else {
                custom_paths.push((def.name.clone(), change.new.clone()));
            }
            self.journal(update.id, &def.name, change.old.as_deref(), Some(&change.new))?;
        }
        if !custom_paths.is_empty() {
            let mut expr = String::from("json_set(coalesce(custom, '{}')");
            for (name, value) in custom_paths {
                values.push(Value::Text(format!("$.\"{name}\"")));
                values.push(Value::Text(value));
                let _ = write!(expr, ", ?{}, ?{}", values.len() - 1, values.len());
            }
            let _ = write!(sets, "custom = {expr}), ");
        }
        for change in &update.subscriptions {
            values.push(Value::Text(change.new.as_str().to_string()));
            let _ = write!(sets, "{} = ?{}, ", change.channel.field_name(), values.len());
            self.journal(
                update.id,
                change.channel.field_name(),
                Some(change.old.as_str()),
                Some(change.new.as_str()),
            )?;
            self.subscription_event(update.id, change.channel, change.old, change.new, change.forced)?;
        }
        if !sets.is_empty() {
            values.push(Value::Integer(self.at));
            let at = values.len();
            values.push(Value::Integer(self.workspace_id));
            values.push(Value::Integer(update.id));
            let sql = format!(
                "UPDATE contacts SET {sets}updated_at = ?{at} WHERE workspace_id = ?{} AND id = ?{}",
                at + 1,
                at + 2
            );
            self.tx.prepare_cached(&sql)?.execute(params_from_iter(values))?;
        }
        self.add_tags_and_lists(update.id, &update.add_tags, &update.add_lists)
    }

    fn journal(
        &self,
        contact: ContactId,
        field: &str,
        old: Option<&str>,
        new: Option<&str>,
    ) -> rusqlite::Result<()> {
        self.tx
            .prepare_cached(
                "INSERT INTO import_changes (workspace_id, import_id, contact_id, field, old_value, new_value) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![self.workspace_id, self.import_id, contact, field, old, new])?;
        Ok(())
    }

    fn subscription_event(
        &self,
        contact: ContactId,
        channel: Channel,
        old: SubscriptionStatus,
        new: SubscriptionStatus,
        forced: bool,
    ) -> rusqlite::Result<()> {
        self.tx
            .prepare_cached(
                "INSERT INTO subscription_events (workspace_id, contact_id, channel, old_status, new_status, source, forced, at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![self.workspace_id, contact, channel.name(), old.as_str(), new.as_str(), self.source, forced, self.at])?;
        Ok(())
    }

    fn add_tags_and_lists(
        &mut self,
        contact: ContactId,
        tags: &[String],
        lists: &[String],
    ) -> rusqlite::Result<()> {
        for tag in tags {
            let tag_id = SqliteStore::tag_id(self.tx, self.tag_ids, self.workspace_id, tag)?;
            self.tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO contact_tags (workspace_id, contact_id, tag_id, import_id) VALUES (?1, ?2, ?3, ?4)",
                )?
                .execute(params![self.workspace_id, contact, tag_id, self.import_id])?;
        }
        for list in lists {
            let list_id = SqliteStore::list_id(self.tx, self.list_ids, self.workspace_id, list)?;
            self.tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO list_members (workspace_id, list_id, contact_id, import_id) VALUES (?1, ?2, ?3, ?4)",
                )?
                .execute(params![self.workspace_id, list_id, contact, self.import_id])?;
        }
        Ok(())
    }
}

impl ImportStore for SqliteStore {
    type Error = StoreError;

    fn contact_count(&mut self) -> Result<u64, StoreError> {
        let count: i64 = self.conn.query_row(
            "SELECT count(*) FROM contacts WHERE workspace_id = ?1",
            params![self.workspace_id],
            |r| r.get(0),
        )?;
        Ok(count as u64)
    }

    fn scan_identifiers(
        &mut self,
        kind: IdentifierKind,
        found: &mut dyn FnMut(&str, ContactId),
    ) -> Result<(), StoreError> {
        let column = key_column(kind);
        let sql =
            format!("SELECT {column}, id FROM contacts WHERE workspace_id = ?1 AND {column} IS NOT NULL");
        let mut stmt = self.conn.prepare(&sql)?;
        let mut rows = stmt.query(params![self.workspace_id])?;
        while let Some(row) = rows.next()? {
            let key = row.get_ref(0)?.as_str().map_err(rusqlite::Error::from)?;
            found(key, row.get(1)?);
        }
        Ok(())
    }

    fn find_identifiers(
        &mut self,
        kind: IdentifierKind,
        keys: &[&str],
        found: &mut dyn FnMut(&str, ContactId),
    ) -> Result<(), StoreError> {
        let column = key_column(kind);
        let sql = format!("SELECT id FROM contacts WHERE workspace_id = ?1 AND {column} = ?2");
        let mut stmt = self.conn.prepare_cached(&sql)?;
        for key in keys {
            let mut rows = stmt.query(params![self.workspace_id, key])?;
            while let Some(row) = rows.next()? {
                found(key, row.get(0)?);
            }
        }
        Ok(())
    }

    fn load_contacts(&mut self, ids: &[ContactId]) -> Result<Vec<StoredContact>, StoreError> {
        let (Some(first), Some(last)) = (ids.first(), ids.last()) else { return Ok(Vec::new()) };
        // Ids of a batch come sorted; when they are dense (re-importing a file), three range
        // scans beat three point queries per contact by far. Sparse ids get point queries.
        let dense = (last - first) < 4 * ids.len() as i64;
        if !dense {
            let mut contacts = Vec::with_capacity(ids.len());
            for id in ids {
                contacts.extend(self.load_contact(*id)?);
            }
            return Ok(contacts);
        }
        self.load_contact_range(ids, *first, *last)
    }

    fn begin_bulk_load(&mut self) -> Result<(), StoreError> {
        // Only when the whole table is empty: other workspaces' lookups need the indexes.
        let empty: bool =
            self.conn.query_row("SELECT NOT EXISTS (SELECT 1 FROM contacts)", [], |r| r.get(0))?;
        if empty {
            self.conn.execute_batch(
                "DROP INDEX IF EXISTS contacts_email; DROP INDEX IF EXISTS contacts_phone; \
                 DROP INDEX IF EXISTS contacts_external_id;",
            )?;
        }
        Ok(())
    }

    fn end_bulk_load(&mut self) -> Result<(), StoreError> {
        self.conn.execute_batch(&crate::CONTACT_INDEXES.join(";\n"))?;
        Ok(())
    }

    fn has_suppressions(&mut self) -> Result<bool, StoreError> {
        if let Some(known) = self.has_suppressions {
            return Ok(known);
        }
        let any: bool = self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM suppressions WHERE workspace_id = ?1)",
            params![self.workspace_id],
            |r| r.get(0),
        )?;
        self.has_suppressions = Some(any);
        Ok(any)
    }

    fn suppressed(&mut self, keys: &[String]) -> Result<Vec<(String, Channel)>, StoreError> {
        if !self.has_suppressions()? {
            return Ok(Vec::new());
        }
        let mut stmt = self
            .conn
            .prepare_cached("SELECT channel FROM suppressions WHERE workspace_id = ?1 AND key = ?2")?;
        let mut out = Vec::new();
        for key in keys {
            let channels = stmt.query_map(params![self.workspace_id, key], |r| r.get::<_, String>(0))?;
            for channel in channels {
                if let Some(channel) = Channel::from_name(&channel?) {
                    out.push((key.clone(), channel));
                }
            }
        }
        Ok(out)
    }

    fn commit(&mut self, batch: &Batch<'_>) -> Result<(), StoreError> {
        let result = self.commit_batch(batch);
        if result.is_err() {
            // Tags or lists created inside the rolled-back transaction do not exist.
            self.tag_ids.clear();
            self.list_ids.clear();
        }
        result
    }
}

impl SqliteStore {
    fn commit_batch(&mut self, batch: &Batch<'_>) -> Result<(), StoreError> {
        let checkpoint =
            serde_json::to_string(batch.checkpoint).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let tx = self.conn.transaction()?;
        {
            let mut writer = BatchWriter {
                tx: &tx,
                store_schema: &self.schema,
                workspace_id: self.workspace_id,
                import_id: batch.import_id,
                source: format!("import:{}", batch.import_id),
                at: now(),
                tag_ids: &mut self.tag_ids,
                list_ids: &mut self.list_ids,
            };
            for write in batch.writes {
                match write {
                    Write::Create(contact) => writer.create(contact)?,
                    Write::Update(update) => writer.update(update)?,
                }
            }
            tx.execute(
                "UPDATE imports SET checkpoint = ?1 WHERE workspace_id = ?2 AND id = ?3",
                params![checkpoint, self.workspace_id, batch.import_id],
            )?;
        }
        tx.commit()?;
        Ok(())
    }
}
