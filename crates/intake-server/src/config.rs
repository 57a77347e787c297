//! The service's settings: where it listens, its store and its data folder.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// How `intake serve` runs.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Address and port to listen on (`127.0.0.1:8080`).
    pub bind: SocketAddr,
    /// The store's file.
    pub db: PathBuf,
    /// Uploads and results files live under it, per workspace.
    pub data: PathBuf,
    /// The largest file an upload may be, in bytes.
    pub max_upload_bytes: u64,
    /// How long a review holds: a reviewed import not started within it expires.
    pub review_window: Duration,
    /// Jobs (reviews, imports) this process runs at once.
    pub max_running_jobs: usize,
    /// How long an import's files (upload, results, errors) are kept after it ended.
    pub retention: Duration,
    /// The most rows a file to import may have.
    pub max_rows: u64,
}

/// Rows a file may have when not set.
pub const DEFAULT_MAX_ROWS: u64 = 5_000_000;

/// The retention time when none is set: seven days.
pub const DEFAULT_RETENTION: Duration = Duration::from_secs(7 * 24 * 3600);

/// The review window when none is set: one hour.
pub const DEFAULT_REVIEW_WINDOW: Duration = Duration::from_secs(3600);

/// Jobs run at once when not set.
pub const DEFAULT_MAX_RUNNING_JOBS: usize = 2;

/// The upload limit when none is set: 1 GB.
pub const DEFAULT_MAX_UPLOAD_BYTES: u64 = 1_000_000_000;
