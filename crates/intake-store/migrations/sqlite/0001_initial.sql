-- The first schema of the embedded store. Every table carries workspace_id, and every key
-- and index leads with it, so the PostgreSQL schema can be distributed by workspace.
CREATE TABLE workspaces (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);

CREATE TABLE settings (
    workspace_id INTEGER NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (workspace_id, key)
) WITHOUT ROWID;

CREATE TABLE fields (
    workspace_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    label TEXT NOT NULL,
    type TEXT NOT NULL,
    choices TEXT NOT NULL DEFAULT '[]',
    position INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, name)
) WITHOUT ROWID;

-- One row per contact; built-in fields are columns, custom fields a JSON object.
-- The rowid is the contact id (ids are unique across workspaces; queries filter by both).
-- email_hash and phone_hash are the 64-bit hashes of the e-mail's and phone's match keys
-- (intake_core::identify::key_hash): the lookup indexes are on these integers, which are
-- about three times cheaper to build and half the size of indexes on the text. A lookup
-- by hash is always checked against the value itself. These two indexes lead with the hash,
-- not the workspace: lookups give both, and SQLite's sorter has a fast path for a leading
-- integer that differs between rows, which makes building them after a bulk load a third
-- cheaper.
CREATE TABLE contacts (
    id INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL,
    first_name TEXT,
    last_name TEXT,
    email TEXT,
    email_hash INTEGER,
    phone TEXT,
    phone_hash INTEGER,
    whatsapp TEXT,
    company TEXT,
    job_title TEXT,
    birthday TEXT,
    city TEXT,
    country TEXT,
    language TEXT,
    notes TEXT,
    external_id TEXT,
    custom TEXT,
    email_subscription TEXT NOT NULL DEFAULT 'none',
    sms_subscription TEXT NOT NULL DEFAULT 'none',
    whatsapp_subscription TEXT NOT NULL DEFAULT 'none',
    created_import_id INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX contacts_email ON contacts (email_hash, workspace_id) WHERE email_hash IS NOT NULL;
CREATE INDEX contacts_phone ON contacts (phone_hash, workspace_id) WHERE phone_hash IS NOT NULL;
CREATE INDEX contacts_external_id ON contacts (workspace_id, external_id) WHERE external_id IS NOT NULL;

CREATE TABLE tags (
    id INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    UNIQUE (workspace_id, name)
);

-- import_id: the import that added the tag, so undo removes only what it added.
CREATE TABLE contact_tags (
    workspace_id INTEGER NOT NULL,
    contact_id INTEGER NOT NULL,
    tag_id INTEGER NOT NULL,
    import_id INTEGER,
    PRIMARY KEY (workspace_id, contact_id, tag_id)
) WITHOUT ROWID;
CREATE INDEX contact_tags_by_tag ON contact_tags (workspace_id, tag_id, contact_id);

CREATE TABLE lists (
    id INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (workspace_id, name)
);

CREATE TABLE list_members (
    workspace_id INTEGER NOT NULL,
    list_id INTEGER NOT NULL,
    contact_id INTEGER NOT NULL,
    import_id INTEGER,
    PRIMARY KEY (workspace_id, list_id, contact_id)
) WITHOUT ROWID;
CREATE INDEX list_members_by_contact ON list_members (workspace_id, contact_id);

-- Every subscription change, with where it came from.
CREATE TABLE subscription_events (
    id INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL,
    contact_id INTEGER NOT NULL,
    channel TEXT NOT NULL,
    old_status TEXT NOT NULL,
    new_status TEXT NOT NULL,
    source TEXT NOT NULL,
    forced INTEGER NOT NULL DEFAULT 0,
    at INTEGER NOT NULL
);
CREATE INDEX subscription_events_by_contact ON subscription_events (workspace_id, contact_id);

-- Unsubscribes that outlive the contact: key is `email:<address>` or `phone:<E.164>`.
CREATE TABLE suppressions (
    workspace_id INTEGER NOT NULL,
    key TEXT NOT NULL,
    channel TEXT NOT NULL,
    source TEXT NOT NULL,
    at INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, key, channel)
) WITHOUT ROWID;

CREATE TABLE imports (
    id INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL,
    file_name TEXT NOT NULL,
    source_path TEXT NOT NULL,
    options TEXT NOT NULL,
    dry_run INTEGER NOT NULL,
    state TEXT NOT NULL,
    checkpoint TEXT NOT NULL,
    results_path TEXT,
    errors_path TEXT,
    message TEXT,
    started_at INTEGER NOT NULL,
    finished_at INTEGER
);
CREATE INDEX imports_by_workspace ON imports (workspace_id, id);

-- Values an import overwrote, so undo can restore them.
CREATE TABLE import_changes (
    id INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL,
    import_id INTEGER NOT NULL,
    contact_id INTEGER NOT NULL,
    field TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT
);
CREATE INDEX import_changes_by_import ON import_changes (workspace_id, import_id);
