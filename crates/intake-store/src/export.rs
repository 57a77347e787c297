//! Exporting contacts as rows of text: what a user sees of the store.

use intake_core::model::{Channel, ContactId};
use intake_core::normalize::join_names;
use rusqlite::params;

use crate::contacts::ContactColumns;
use crate::{SqliteStore, StoreError};

/// One exported contact: its header-aligned cells.
pub type ExportRow = Vec<String>;

impl SqliteStore {
    /// The export header: `id`, every field, the subscriptions, `tags`, `lists`.
    pub fn export_header(&self) -> Vec<String> {
        let mut header = vec!["id".to_string()];
        header.extend(self.schema.fields().iter().map(|f| f.name.clone()));
        header.extend(Channel::ALL.iter().map(|c| c.field_name().to_string()));
        header.extend(["tags".to_string(), "lists".to_string()]);
        header
    }

    /// Calls `row` for every contact in id order, with its cells in `export_header` order:
    /// tags and lists as one cell each that an import reads back as the same names.
    pub fn export_contacts(
        &self,
        row: &mut dyn FnMut(ExportRow) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let columns = ContactColumns::all(&self.schema);
        let sql = format!("{} WHERE workspace_id = ?1 ORDER BY id", columns.select());
        let mut stmt = self.conn.prepare(&sql)?;
        let mut rows = stmt.query(params![self.workspace_id])?;
        while let Some(r) = rows.next()? {
            let contact = columns.read(r)?;
            let id: ContactId = contact.id;
            let mut cells = vec![id.to_string()];
            let fields = 0..self.schema.len();
            cells.extend(fields.map(|field| contact.values.get(field).unwrap_or_default().to_string()));
            cells.extend(contact.subscriptions.iter().map(|s| s.as_str().to_string()));
            cells.push(join_names(&self.tag_names(id)?));
            cells.push(join_names(&self.list_names(id)?));
            row(cells)?;
        }
        Ok(())
    }
}
