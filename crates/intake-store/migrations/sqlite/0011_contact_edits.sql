-- Changes made to a contact outside an import (through the service's PATCH
-- /v1/contacts/{id}): one row per field changed, with the value before and after and who made
-- it (`source`: `api:key:<id>`). An undo of the import that created the contact finds them
-- here and keeps the contact (a person's work depends on it), as it keeps one another import
-- changed. Subscription changes are in `subscription_events` as well, as every consent change.
CREATE TABLE contact_edits (
    id INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL,
    contact_id INTEGER NOT NULL,
    field TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT,
    source TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX contact_edits_by_contact ON contact_edits (workspace_id, contact_id);
