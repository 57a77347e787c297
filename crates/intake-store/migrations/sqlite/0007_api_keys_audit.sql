-- API keys of the service (`intake serve`): each belongs to one workspace and has a role. The
-- key itself is shown once when created and never stored: `secret_hash` is the SHA-256 of it
-- (a key is 160 random bits, so a fast hash cannot be searched backwards), `prefix` its first
-- characters, to tell keys apart in a listing.
CREATE TABLE api_keys (
    id INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id),
    role TEXT NOT NULL CHECK (role IN ('admin', 'member')),
    label TEXT NOT NULL DEFAULT '',
    prefix TEXT NOT NULL,
    secret_hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at INTEGER
);
CREATE INDEX api_keys_by_workspace ON api_keys (workspace_id);

-- Who did what, when, from where: every import, undo, deletion, key and settings change made
-- through the service or the CLI. `actor` is `key:<id>` or `cli:<user>`; `detail` is JSON.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id),
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_by_workspace ON audit_log (workspace_id, id);
