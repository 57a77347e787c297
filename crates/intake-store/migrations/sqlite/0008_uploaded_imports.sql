-- An import made through the service is recorded at upload, in state `uploaded`, before it
-- runs: `settings` holds what the client chose for it (JSON, the CLI's flag names), read when
-- it starts.
ALTER TABLE imports ADD COLUMN settings TEXT;
