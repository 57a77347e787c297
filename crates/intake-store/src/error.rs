//! The store's error type.

/// Why a store operation failed. Nothing of a failed batch is applied.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// SQLite reported an error.
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The schema could not be brought up to date.
    #[error("migrating the database: {0}")]
    Migration(String),
    /// The database holds something this version cannot read.
    #[error("unexpected data in the database: {0}")]
    Corrupt(String),
    /// The request cannot be carried out (unknown import, wrong state, bad field …).
    #[error("{0}")]
    Invalid(String),
    /// The system refused a thread or a file the store needed.
    #[error("{0}")]
    System(#[from] std::io::Error),
}
