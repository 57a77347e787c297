-- The embeddable wizard. `embed_secret`: the one key (per store) that signs embed tokens and
-- embed sessions, so every server on the store verifies what another issued; written once, on
-- first use, never logged. `embed_imports`: the imports an embed session uploaded; a session
-- sees only these (never the rest of the workspace's history).
CREATE TABLE embed_secret (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    secret BLOB NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE embed_imports (
    import_id INTEGER PRIMARY KEY REFERENCES imports(id),
    session TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
