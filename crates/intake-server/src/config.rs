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
}
