-- Rows a person corrected in the review of an uploaded import ("fix in place"): per import
-- and row number (the header is row 1), the corrected cells as JSON {"Header": "value"},
-- who corrected them (`key:<id>`) and when. The import reads them over the file's rows; the
-- file itself is never rewritten. A second correction of a row replaces the first.
CREATE TABLE import_corrections (
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id),
    import_id INTEGER NOT NULL REFERENCES imports(id),
    row INTEGER NOT NULL,
    cells TEXT NOT NULL,
    corrected_by TEXT NOT NULL DEFAULT '',
    corrected_at INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, import_id, row)
);
