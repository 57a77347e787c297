-- Notifications when an import ends: the workspace's webhooks, and every delivery (to a
-- webhook or an e-mail address) as a row that the service's notifier works through, so a
-- delivery survives a restart, with one row per attempt so every attempt can be read back.

-- An admin's webhook: `secret` signs every delivery (HMAC-SHA256), so it is kept as given
-- (it cannot be a hash); `events` is a JSON array of event names. A deleted webhook is
-- `disabled`, kept for the deliveries that name it.
CREATE TABLE webhooks (
    id INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id),
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    events TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX webhooks_by_workspace ON webhooks (workspace_id, id);

-- One delivery of one event: `kind` `webhook` (target: the webhook's id) or `email` (target:
-- the address). `body` is the event's summary (JSON), completed when sent. `next_attempt_at`
-- is in milliseconds since the epoch (backoff steps can be shorter than a second); the other
-- times are in seconds, as everywhere.
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id),
    kind TEXT NOT NULL CHECK (kind IN ('webhook', 'email')),
    target TEXT NOT NULL,
    event TEXT NOT NULL,
    body TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
    last_status INTEGER,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    delivered_at INTEGER
);
-- The notifier serves every workspace of the store, so the queue's index leads with what
-- it asks for (pending and due), not with the workspace.
CREATE INDEX notifications_due ON notifications (next_attempt_at) WHERE state = 'pending';
CREATE INDEX notifications_by_target ON notifications (workspace_id, kind, target, id);

-- Every attempt: when, how long, and the HTTP status or SMTP reply code, or why there was
-- none (refused, timed out).
CREATE TABLE notification_attempts (
    id INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id),
    notification_id INTEGER NOT NULL REFERENCES notifications(id),
    attempt INTEGER NOT NULL,
    at INTEGER NOT NULL,
    status INTEGER,
    error TEXT,
    duration_ms INTEGER NOT NULL
);
CREATE INDEX notification_attempts_by_notification ON notification_attempts (workspace_id, notification_id, attempt);

-- The address that gets an e-mail when an import started with the key ends.
ALTER TABLE api_keys ADD COLUMN email TEXT;
