-- What a job found, for its requester to read once it ended (an undo's report: what it
-- deleted, restored, and left as it was), as JSON.
ALTER TABLE jobs ADD COLUMN result TEXT;
