//! The store's error type.

/// Why a store operation failed. Nothing of a failed batch is applied.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// SQLite reported an error. It is said here, not also kept as the error's source, so
    /// that a chain of causes names it once ([`crate::explain`] has a sentence for the
    /// errors that come from the file itself).
    #[error("database: {0}")]
    Sqlite(rusqlite::Error),
    /// The schema could not be brought up to date.
    #[error("migrating the database: {0}")]
    Migration(String),
    /// The database holds something this version cannot read.
    #[error("unexpected data in the database: {0}")]
    Corrupt(String),
    /// The file is an SQLite database, but not an intake store.
    #[error("{0}")]
    Foreign(String),
    /// The store was written by a newer intake.
    #[error("{0}")]
    TooNew(String),
    /// The workspace's lease passed to another process (this one was silent for longer than
    /// the lease lasts): nothing more is written.
    #[error("{0}")]
    LeaseLost(String),
    /// The request cannot be carried out (unknown import, wrong state, bad field …).
    #[error("{0}")]
    Invalid(String),
    /// The system refused a thread or a file the store needed.
    #[error("{0}")]
    System(#[from] std::io::Error),
}

impl From<rusqlite::Error> for StoreError {
    fn from(error: rusqlite::Error) -> StoreError {
        StoreError::Sqlite(error)
    }
}
