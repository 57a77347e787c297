-- Mappings saved through the service for recurring imports from the same source (the CLI
-- saves them as files): per workspace, by name, `mapping` as JSON `{"Header": "field" | null}`
-- (null: the column is left out). Saving under a name that exists replaces that mapping.
CREATE TABLE saved_mappings (
    id INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id),
    name TEXT NOT NULL,
    mapping TEXT NOT NULL,
    created_by TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (workspace_id, name)
);
