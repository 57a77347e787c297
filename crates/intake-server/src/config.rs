//! The service's settings: where it listens, its store and its data folder.

use std::net::SocketAddr;
use std::path::PathBuf;

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
}

/// The upload limit when none is set: 1 GB.
pub const DEFAULT_MAX_UPLOAD_BYTES: u64 = 1_000_000_000;
