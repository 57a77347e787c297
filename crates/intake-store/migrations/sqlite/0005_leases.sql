-- One lease per workspace: the one process allowed to change its contacts through an
-- import, a resume or an undo right now. It is taken before an import reads the store and
-- released when it ends; a holder that was killed leaves its row behind, and the next one
-- takes the lease over once the holder's process is gone from its host or its heartbeat is
-- older than the lease's time to live (see `lease.rs`). `owner` is the holder's own random
-- token: every batch an import commits checks that the lease is still its own.
CREATE TABLE leases (
    workspace_id INTEGER PRIMARY KEY,
    import_id INTEGER NOT NULL,
    action TEXT NOT NULL,
    owner TEXT NOT NULL,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    process_started INTEGER,
    acquired_at INTEGER NOT NULL,
    heartbeat_at INTEGER NOT NULL
);

-- The last sign of life of an import that was killed (its holder's last heartbeat), written
-- when its lease is taken over: `imports list` says when it stopped.
ALTER TABLE imports ADD COLUMN stopped_at INTEGER;
