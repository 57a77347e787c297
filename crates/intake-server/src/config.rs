//! The service's settings and where they come from: a flag, else its `INTAKE_…` variable,
//! else the key of the same name in `intake.toml`, else the default.
//!
//! Every setting is declared once, in the [`settings!`] list below: its doc, its flag and
//! variable, its type and its default. From that one line come the flags of `intake serve`
//! (with their variables, read by clap), the keys `intake.toml` accepts (read by serde, any
//! other key refused), the resolved [`ServerConfig`] handlers read, and [`SETTINGS`], which the
//! documentation is checked against (`docs/configuration.md`).
//!
//! To add a setting, add one entry to the list: `/// doc`, `#[arg(long, env =
//! "INTAKE_NAME")]`, `name: Type = "default";` (or `name: Type;` for an optional setting,
//! an `Option<Type>` in [`ServerConfig`]). The type needs `FromStr` (flags and variables) and
//! `Deserialize` (the file); [`Period`] is one for durations.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// Declares the settings: the partial [`Settings`] (flags, variables, the file), the resolved
/// [`ServerConfig`], and [`SETTINGS`] for the documentation. A setting without `= "default"`
/// is optional: its field in [`ServerConfig`] is an `Option`.
macro_rules! settings {
    (@type $ty:ty, $default:literal) => { $ty };
    (@type $ty:ty) => { Option<$ty> };
    (@value $given:expr, $name:ident, $default:literal) => {
        match $given {
            Some(value) => value,
            None => default_of(stringify!($name), $default)?,
        }
    };
    (@value $given:expr, $name:ident) => { $given };
    (@text $default:literal) => { $default };
    (@text) => { "" };
    ($(
        $(#[doc = $doc:literal])+
        #[arg($($arg:tt)*)]
        $name:ident: $ty:ty $(= $default:literal)?;
    )+) => {
        /// Settings as one source gives them (the flags and their variables, or the file):
        /// each may be missing. [`Settings::over`] layers two sources, [`Settings::resolve`]
        /// fills the rest with defaults.
        #[derive(Debug, Clone, Default, clap::Args, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct Settings {
            $(
                $(#[doc = $doc])+
                #[arg($($arg)*)]
                pub $name: Option<$ty>,
            )+
        }

        /// How `intake serve` runs: every setting, resolved.
        #[derive(Debug, Clone)]
        pub struct ServerConfig {
            $(
                $(#[doc = $doc])+
                pub $name: settings!(@type $ty $(, $default)?),
            )+
        }

        impl Settings {
            /// These settings, and `lower`'s where these have none.
            pub fn over(self, lower: Settings) -> Settings {
                Settings { $($name: self.$name.or(lower.$name),)+ }
            }

            /// Every setting: the given value, else its default.
            pub fn resolve(self) -> Result<ServerConfig, ConfigError> {
                self.check()?;
                Ok(ServerConfig {
                    $($name: settings!(@value self.$name, $name $(, $default)?),)+
                })
            }
        }

        /// Every setting's name, default and doc, in the order of the list.
        pub const SETTINGS: &[Setting] = &[
            $(Setting {
                name: stringify!($name),
                default: settings!(@text $($default)?),
                doc: concat!($($doc, "\n"),+),
            },)+
        ];
    };
}

settings! {
    /// Address and port to listen on; port 0 picks a free one.
    #[arg(long, env = "INTAKE_BIND")]
    bind: SocketAddr = "127.0.0.1:8080";
    /// The store's file (the global `--db` flag sets it).
    #[arg(skip)]
    db: PathBuf = "intake.db";
    /// Folder for uploads and results files, one subfolder per workspace.
    #[arg(long, env = "INTAKE_DATA")]
    data: PathBuf = "intake-data";
    /// The largest file an upload may be, in MB (1 MB = 1,000,000 bytes).
    #[arg(long, env = "INTAKE_MAX_UPLOAD_MB")]
    max_upload_mb: u64 = "1000";
    /// The largest JSON request body, in KB (1 KB = 1,024 bytes).
    #[arg(long, env = "INTAKE_MAX_JSON_BODY_KB")]
    max_json_body_kb: u64 = "64";
    /// Requests one API key may send per minute (as a burst, then spread evenly); 0 for no limit.
    #[arg(long, env = "INTAKE_RATE_LIMIT_PER_MINUTE")]
    rate_limit_per_minute: u32 = "600";
    /// How long a reviewed import may wait to be started before it expires (seconds, or 30m, 1h, 7d).
    #[arg(long, env = "INTAKE_REVIEW_WINDOW")]
    review_window: Period = "1h";
    /// How long results and error files are kept after an import ends (seconds, or 30m, 1h, 7d).
    #[arg(long, env = "INTAKE_RETENTION")]
    retention: Period = "7d";
    /// The most rows one file may have.
    #[arg(long, env = "INTAKE_MAX_ROWS")]
    max_rows: u64 = "5000000";
    /// Jobs (reviews, imports) this process runs at once, across workspaces.
    #[arg(long, env = "INTAKE_MAX_RUNNING_JOBS")]
    max_running_jobs: u32 = "2";
    /// The SMTP server that sends the e-mails when an import ends; none: no e-mails.
    #[arg(long, env = "INTAKE_SMTP_HOST")]
    smtp_host: String;
    /// Its port; none: 25, 587 or 465 by smtp_tls.
    #[arg(long, env = "INTAKE_SMTP_PORT")]
    smtp_port: u16;
    /// none, starttls (required) or tls (from the first byte).
    #[arg(long, env = "INTAKE_SMTP_TLS")]
    smtp_tls: SmtpTls = "starttls";
    /// The sender of the e-mails (`intake@example.com` or `Intake <intake@example.com>`).
    #[arg(long, env = "INTAKE_SMTP_FROM")]
    smtp_from: String;
    /// The SMTP login, with smtp_password.
    #[arg(long, env = "INTAKE_SMTP_USER")]
    smtp_user: String;
    /// The SMTP password, with smtp_user (better in the environment or the file than on a
    /// command line that other users can see).
    #[arg(long, env = "INTAKE_SMTP_PASSWORD", hide_env_values = true)]
    smtp_password: String;
    /// The service's address in the links of e-mails and webhooks; none: http:// and the
    /// address it listens on (a sign-in link: the host the request was sent to).
    #[arg(long, env = "INTAKE_PUBLIC_URL")]
    public_url: String;
    /// How many times a failed webhook or e-mail delivery is tried again.
    #[arg(long, env = "INTAKE_WEBHOOK_RETRIES")]
    webhook_retries: u32 = "8";
    /// The wait before the first retry, in milliseconds; it doubles for each next one.
    #[arg(long, env = "INTAKE_WEBHOOK_RETRY_BASE_MS")]
    webhook_retry_base_ms: u64 = "30000";
    /// Webhooks may go to loopback, private-network, link-local and other non-public addresses
    /// (receivers on the service's own network). Off: an admin's webhook URL can never make the
    /// service call its own machine or network, such as a cloud's metadata address.
    #[arg(long, env = "INTAKE_WEBHOOK_ALLOW_PRIVATE")]
    webhook_allow_private: bool = "false";
    /// The web pages' session cookie without `Secure`, for development over plain http on an
    /// address other than loopback (browsers keep a Secure cookie from http://127.0.0.1 and
    /// http://localhost anyway); never in production.
    #[arg(long, env = "INTAKE_WEB_PLAIN_HTTP")]
    web_plain_http: bool = "false";
}

/// One setting as the documentation lists it.
#[derive(Debug, Clone, Copy)]
pub struct Setting {
    /// The key in `intake.toml` (the flag is the same with `-`).
    pub name: &'static str,
    /// The default, as it would be written; empty for an optional setting, which has none.
    pub default: &'static str,
    /// What it does.
    pub doc: &'static str,
}

/// The file read when `--config` is not given, if it exists.
pub const DEFAULT_CONFIG_FILE: &str = "intake.toml";

/// Why the settings could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("the settings file {} cannot be read", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("the settings file {}, {place}: {message}", path.display())]
    File { path: PathBuf, place: String, message: String },
    #[error("setting {name} = {value:?}: {reason}")]
    Value { name: &'static str, value: String, reason: String },
}

impl ServerConfig {
    /// The settings of `intake serve`: `flags` (with their variables, as clap read them) over
    /// the settings file over the defaults. The file is `config` (which must exist) or, when
    /// none is named, `intake.toml` in the working folder if there is one.
    pub fn load(flags: Settings, config: Option<&Path>) -> Result<ServerConfig, ConfigError> {
        let file = match config {
            Some(path) => Settings::from_file(path)?,
            None if Path::new(DEFAULT_CONFIG_FILE).is_file() => {
                Settings::from_file(Path::new(DEFAULT_CONFIG_FILE))?
            }
            None => Settings::default(),
        };
        flags.over(file).resolve()
    }

    /// The upload limit in bytes.
    pub fn max_upload_bytes(&self) -> u64 {
        self.max_upload_mb.saturating_mul(1_000_000)
    }

    /// The JSON body limit in bytes.
    pub fn max_json_body_bytes(&self) -> usize {
        usize::try_from(self.max_json_body_kb.saturating_mul(1024)).unwrap_or(usize::MAX)
    }

    /// How the end of an import is told.
    pub fn notify(&self) -> NotifySettings {
        NotifySettings {
            smtp_host: self.smtp_host.clone(),
            smtp_port: self.smtp_port,
            smtp_tls: self.smtp_tls,
            smtp_from: self.smtp_from.clone(),
            smtp_user: self.smtp_user.clone(),
            smtp_password: self.smtp_password.clone(),
            public_url: self.public_url.clone(),
            webhook_retries: self.webhook_retries,
            webhook_retry_base_ms: self.webhook_retry_base_ms,
        }
    }
}

impl Settings {
    /// The settings `path` holds (TOML, the keys of [`SETTINGS`]).
    pub fn from_file(path: &Path) -> Result<Settings, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| ConfigError::Read { path: path.to_path_buf(), source })?;
        let settings: Settings = toml::from_str(&text).map_err(|error| {
            let place = error.span().map_or_else(String::new, |span| line_at(&text, span.start));
            ConfigError::File { path: path.to_path_buf(), place, message: error.message().to_string() }
        })?;
        settings.check().map_err(|error| match error {
            ConfigError::Value { name, value, reason } => ConfigError::File {
                path: path.to_path_buf(),
                place: format!("key {name}"),
                message: format!("{value}: {reason}"),
            },
            other => other,
        })?;
        Ok(settings)
    }

    /// Refuses values that parse but no service can run with.
    fn check(&self) -> Result<(), ConfigError> {
        let at_least_one = |name: &'static str, value: Option<u64>| match value {
            Some(0) => Err(ConfigError::Value { name, value: "0".into(), reason: "give 1 or more".into() }),
            _ => Ok(()),
        };
        at_least_one("max_json_body_kb", self.max_json_body_kb)?;
        at_least_one("max_rows", self.max_rows)?;
        at_least_one("max_running_jobs", self.max_running_jobs.map(u64::from))
    }
}

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

/// How the connection to the SMTP server is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
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

impl FromStr for SmtpTls {
    type Err = String;

    fn from_str(text: &str) -> Result<SmtpTls, String> {
        SmtpTls::from_name(text).ok_or_else(|| format!("{text:?}: use none, starttls or tls"))
    }
}

/// `line N (the line's text)` of the byte `offset` in `text`: the key and its value.
fn line_at(text: &str, offset: usize) -> String {
    let offset = offset.min(text.len());
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    let number = text[..start].matches('\n').count() + 1;
    format!("line {number} ({})", text[start..end].trim())
}

fn default_of<T: FromStr>(name: &'static str, text: &str) -> Result<T, ConfigError>
where
    T::Err: std::fmt::Display,
{
    text.parse().map_err(|e: T::Err| ConfigError::Value {
        name,
        value: text.to_string(),
        reason: e.to_string(),
    })
}

/// A length of time, written as seconds (`3600`) or a number and a unit: `90s`, `30m`, `1h`,
/// `7d`. In `intake.toml` a bare integer is seconds too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period(std::time::Duration);

impl Period {
    /// The length.
    pub fn get(self) -> std::time::Duration {
        self.0
    }

    /// In whole seconds.
    pub fn as_secs(self) -> u64 {
        self.0.as_secs()
    }
}

impl From<std::time::Duration> for Period {
    fn from(duration: std::time::Duration) -> Period {
        Period(duration)
    }
}

/// Why a text is not a [`Period`].
#[derive(Debug, thiserror::Error)]
#[error("{0:?} is not a length of time: give seconds, or a number with s, m, h or d (30m, 1h, 7d)")]
pub struct PeriodError(String);

impl FromStr for Period {
    type Err = PeriodError;

    fn from_str(text: &str) -> Result<Period, PeriodError> {
        let trimmed = text.trim();
        let split = trimmed.find(|c: char| !c.is_ascii_digit()).unwrap_or(trimmed.len());
        let (number, unit) = trimmed.split_at(split);
        let seconds_per = match unit.trim() {
            "" | "s" => 1,
            "m" => 60,
            "h" => 3600,
            "d" => 86_400,
            _ => return Err(PeriodError(text.to_string())),
        };
        let number: u64 = number.parse().map_err(|_| PeriodError(text.to_string()))?;
        let seconds = number.checked_mul(seconds_per).ok_or_else(|| PeriodError(text.to_string()))?;
        Ok(Period(std::time::Duration::from_secs(seconds)))
    }
}

impl<'de> serde::Deserialize<'de> for Period {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Period, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Period;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("seconds, or a number with s, m, h or d (30m, 1h, 7d)")
            }

            fn visit_u64<E: serde::de::Error>(self, seconds: u64) -> Result<Period, E> {
                Ok(Period(std::time::Duration::from_secs(seconds)))
            }

            fn visit_i64<E: serde::de::Error>(self, seconds: i64) -> Result<Period, E> {
                let seconds = u64::try_from(seconds)
                    .map_err(|_| E::custom(format!("{seconds} is not a length of time: give 0 or more")))?;
                self.visit_u64(seconds)
            }

            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Period, E> {
                text.parse().map_err(E::custom)
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_is_a_valid_value() {
        let config = Settings::default().resolve().expect("the defaults resolve");
        assert_eq!(config.bind.port(), 8080);
        assert_eq!(config.review_window.as_secs(), 3600);
        assert_eq!(config.retention.as_secs(), 7 * 86_400);
        assert_eq!(config.max_upload_bytes(), 1_000_000_000);
        assert_eq!(config.rate_limit_per_minute, 600);
    }

    #[test]
    fn periods_are_seconds_or_a_number_with_a_unit() {
        let seconds = |text: &str| text.parse::<Period>().map(Period::as_secs).ok();
        assert_eq!(seconds("90"), Some(90));
        assert_eq!(seconds("90s"), Some(90));
        assert_eq!(seconds("30m"), Some(1800));
        assert_eq!(seconds("1h"), Some(3600));
        assert_eq!(seconds("7d"), Some(604_800));
        for bad in ["", "h", "1w", "-1h", "1.5h", "99999999999999999999d"] {
            assert_eq!(seconds(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_file_setting_yields_to_a_flag_and_fills_what_flags_leave_out() {
        let file: Settings =
            toml::from_str("max_rows = 10\nretention = 120\nreview_window = \"30m\"\n").expect("toml");
        let flags = Settings { max_rows: Some(20), ..Settings::default() };
        let config = flags.over(file).resolve().expect("resolves");
        assert_eq!((config.max_rows, config.retention.as_secs()), (20, 120));
        assert_eq!(config.review_window.as_secs(), 1800);
    }

    #[test]
    fn zero_jobs_is_refused_by_name() {
        let settings = Settings { max_running_jobs: Some(0), ..Settings::default() };
        let error = settings.resolve().expect_err("zero jobs").to_string();
        assert!(error.contains("max_running_jobs"), "{error}");
    }
}
