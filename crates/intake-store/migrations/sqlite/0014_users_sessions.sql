-- People of a workspace who use the web pages (`intake users add`): an e-mail address unique
-- within the workspace, a role as API keys have, and an argon2id hash of a password, or none
-- for a person who signs in with one-time links only.
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id),
    email TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'member')),
    password_hash TEXT,
    created_at INTEGER NOT NULL,
    UNIQUE (workspace_id, email)
);
CREATE INDEX users_by_email ON users (email);

-- Signed-in browsers: the cookie holds a random token, only its SHA-256 is stored (a stolen
-- copy of the store signs no one in). `csrf_token` is what every form of the session carries.
CREATE TABLE web_sessions (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id INTEGER NOT NULL REFERENCES users(id),
    csrf_token TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX web_sessions_by_user ON web_sessions (user_id);

-- One-time sign-in links sent by e-mail: the SHA-256 of the link's token, valid until
-- `expires_at` and only until first used.
CREATE TABLE sign_in_links (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id INTEGER NOT NULL REFERENCES users(id),
    expires_at INTEGER NOT NULL,
    used_at INTEGER
);
CREATE INDEX sign_in_links_by_user ON sign_in_links (user_id);
