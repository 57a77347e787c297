-- When the end of an import was recorded for notification (its deliveries queued), in seconds
-- since the epoch. The deliveries and this mark are written in one transaction, so the end of
-- an import is told exactly once: a process killed after the import ended but before it
-- queued the deliveries leaves the mark NULL, and the service's sweep queues them then.
ALTER TABLE imports ADD COLUMN notified_at INTEGER;
-- Imports that ended before the mark existed were told of then, or never will be: not again.
UPDATE imports SET notified_at = coalesce(finished_at, started_at)
    WHERE state NOT IN ('uploaded', 'reviewing', 'reviewed', 'queued', 'running', 'interrupted');
