//! The service's settings: where it listens, its store and its data folder, and how it
//! notifies when an import ends.

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
    /// Webhooks and e-mails when an import ends.
    pub notify: NotifySettings,
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

/// How the end of an import is told: the SMTP server for e-mails (none: no e-mails), the
/// address the links in them point to, and how failed deliveries are retried. Plain fields
/// with defaults, so that flags, the environment and a settings file can each set them.
#[derive(Debug, Clone)]
pub struct NotifySettings {
    /// The SMTP server; without one, no e-mail is sent.
    pub smtp_host: Option<String>,
    /// Its port; by default 25 (`none`), 587 (`starttls`) or 465 (`tls`).
    pub smtp_port: Option<u16>,
    pub smtp_tls: SmtpTls,
    /// The sender's address; needed with `smtp_host`.
    pub smtp_from: Option<String>,
    pub smtp_user: Option<String>,
    pub smtp_password: Option<String>,
    /// The service's address as the links in e-mails and webhook payloads name it
    /// (`https://intake.example.com`); by default `http://` and the address it listens on.
    pub public_url: Option<String>,
    /// How many times a failed delivery is tried again before it is given up.
    pub webhook_retries: u32,
    /// The wait before the first retry, in milliseconds; each next one waits twice as long.
    pub webhook_retry_base_ms: u64,
}

impl Default for NotifySettings {
    fn default() -> NotifySettings {
        NotifySettings {
            smtp_host: None,
            smtp_port: None,
            smtp_tls: SmtpTls::Starttls,
            smtp_from: None,
            smtp_user: None,
            smtp_password: None,
            public_url: None,
            webhook_retries: DEFAULT_WEBHOOK_RETRIES,
            webhook_retry_base_ms: DEFAULT_WEBHOOK_RETRY_BASE_MS,
        }
    }
}

/// Retries of a failed delivery by default: 8, the last about two hours after the first
/// attempt (with the default base).
pub const DEFAULT_WEBHOOK_RETRIES: u32 = 8;
/// The first retry's wait by default: 30 s.
pub const DEFAULT_WEBHOOK_RETRY_BASE_MS: u64 = 30_000;

/// How the connection to the SMTP server is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// Plain text (a relay on the same machine or network).
    None,
    /// Plain text upgraded with STARTTLS, which must succeed.
    Starttls,
    /// TLS from the first byte (SMTPS).
    Tls,
}

impl SmtpTls {
    /// `none`, `starttls` or `tls`.
    pub fn from_name(name: &str) -> Option<SmtpTls> {
        match name {
            "none" => Some(SmtpTls::None),
            "starttls" => Some(SmtpTls::Starttls),
            "tls" => Some(SmtpTls::Tls),
            _ => None,
        }
    }

    /// The port its servers listen on by default.
    pub fn default_port(self) -> u16 {
        match self {
            SmtpTls::None => 25,
            SmtpTls::Starttls => 587,
            SmtpTls::Tls => 465,
        }
    }
}
