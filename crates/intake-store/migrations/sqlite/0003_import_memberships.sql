-- The tags and lists an import gives every contact it creates, stored once per import
-- instead of once per contact (a million-row load into an empty store spent a tenth of its
-- time writing a million tag rows). A contact created by import I (`created_import_id`)
-- carries the tags in `import_tags` for I besides its rows in `contact_tags`, and is a member
-- of the lists in `import_lists` for I besides its rows in `list_members`. Contacts an import
-- updates get rows in `contact_tags` and `list_members`, as before.
CREATE TABLE import_tags (
    workspace_id INTEGER NOT NULL,
    import_id INTEGER NOT NULL,
    tag_id INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, import_id, tag_id)
) WITHOUT ROWID;

CREATE TABLE import_lists (
    workspace_id INTEGER NOT NULL,
    import_id INTEGER NOT NULL,
    list_id INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, import_id, list_id)
) WITHOUT ROWID;
