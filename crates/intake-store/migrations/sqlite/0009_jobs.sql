-- The service's background work as rows: a review, an import or an undo is a job, queued by a
-- request and claimed by a runner of any `intake serve` process on the store. A workspace runs
-- one import or undo at a time (a review runs beside them: it changes nothing). A runner that
-- was killed leaves its job `running` under its own `owner`; the next claim gives the job back
-- to the queue once that owner's process is gone (see `jobs.rs`), and the job carries on from
-- its import's checkpoint.
CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id),
    kind TEXT NOT NULL CHECK (kind IN ('review', 'import', 'undo')),
    import_id INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled')),
    -- JSON the kind needs (an undo's conflicts policy …).
    payload TEXT NOT NULL DEFAULT '{}',
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    run_after INTEGER NOT NULL,
    owner TEXT,
    host TEXT,
    pid INTEGER,
    process_started INTEGER,
    heartbeat_at INTEGER,
    created_at INTEGER NOT NULL,
    started_at INTEGER,
    finished_at INTEGER,
    message TEXT
);
CREATE INDEX jobs_by_state ON jobs (state, id);
CREATE INDEX jobs_by_import ON jobs (workspace_id, import_id, id);

-- What an import's review (a dry run) found, as JSON, and until when it holds; who started
-- an import (`key:<id>`, `cli:<user>`) for its history and its notifications; when the
-- service deleted its files (upload, results, errors) after the retention time.
ALTER TABLE imports ADD COLUMN review TEXT;
ALTER TABLE imports ADD COLUMN review_expires_at INTEGER;
ALTER TABLE imports ADD COLUMN started_by TEXT;
ALTER TABLE imports ADD COLUMN files_deleted_at INTEGER;

-- The rows of an uploaded file, counted in the background after the upload (so far, and
-- whether the count is done).
ALTER TABLE imports ADD COLUMN row_count INTEGER;
ALTER TABLE imports ADD COLUMN row_count_done INTEGER NOT NULL DEFAULT 0;
