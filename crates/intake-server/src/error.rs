//! The service's errors: [`AppError`] is what a request gets (a status and the JSON body
//! `{"error": {"code", "message", "details"}}`, whose `code` is stable for programs), and
//! [`ServerError`] why the service could not start.

use std::path::PathBuf;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use intake_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

/// Why `intake serve` could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("the store: {0}")]
    Store(#[source] StoreError),
    #[error("the data folder {}: {source}", path.display())]
    Data { path: PathBuf, source: std::io::Error },
    #[error("cannot listen on {address}: {source}; give another address with --bind (or INTAKE_BIND)")]
    Bind { address: std::net::SocketAddr, source: std::io::Error },
    #[error("{0}")]
    Config(#[source] crate::config::ConfigError),
    #[error("serving: {0}")]
    Serve(#[source] std::io::Error),
    #[error("no thread for the notifier: {0}")]
    Notifier(#[source] std::io::Error),
    /// Settings that cannot work together (an SMTP server without a sender …).
    #[error("{0}")]
    Settings(String),
}

/// A request's failure.
#[derive(Debug)]
pub struct AppError {
    status: StatusCode,
    code: &'static str,
    message: String,
    details: Option<serde_json::Value>,
    /// Seconds to wait before trying again (`Retry-After`), for a refusal that passes.
    retry_after: Option<u64>,
}

/// The body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    error: ErrorDetail,
}

/// What went wrong.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable, for programs: `unauthorized`, `forbidden`, `not_found`, `invalid`, `conflict`,
    /// `too_large`, `internal` …
    code: String,
    /// For people.
    message: String,
    /// More, where the code has some (the field, the limit).
    #[serde(skip_serializing_if = "Option::is_none")]
    details: Option<serde_json::Value>,
}

impl AppError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> AppError {
        AppError { status, code, message: message.into(), details: None, retry_after: None }
    }

    /// The status the request gets (the web pages answer it with a page).
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The sentence for people.
    pub fn message(&self) -> &str {
        &self.message
    }

    pub fn with_details(mut self, details: serde_json::Value) -> AppError {
        self.details = Some(details);
        self
    }

    pub fn unauthorized(message: impl Into<String>) -> AppError {
        AppError::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    pub fn forbidden(message: impl Into<String>) -> AppError {
        AppError::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    pub fn not_found(what: impl Into<String>) -> AppError {
        AppError::new(StatusCode::NOT_FOUND, "not_found", what)
    }

    pub fn invalid(message: impl Into<String>) -> AppError {
        AppError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message)
    }

    /// A request over one of the service's limits, named by its setting.
    pub fn over_limit(
        status: StatusCode,
        code: &'static str,
        message: impl Into<String>,
        setting: &'static str,
        limit: u64,
    ) -> AppError {
        AppError::new(status, code, message)
            .with_details(serde_json::json!({ "limit": limit, "setting": setting }))
    }

    /// A key that sent more than `per_minute` requests within a minute; `wait` until the next.
    pub fn rate_limited(per_minute: u32, wait: std::time::Duration) -> AppError {
        let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        let message = format!(
            "this API key sent more than {per_minute} requests a minute (the setting \
             rate_limit_per_minute); retry in {seconds} s"
        );
        let mut error = AppError::over_limit(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            message,
            "rate_limit_per_minute",
            u64::from(per_minute),
        );
        error.retry_after = Some(seconds.max(1));
        error
    }

    /// A failure of the service itself: logged in full, answered without its internals.
    pub fn internal(cause: impl std::fmt::Display) -> AppError {
        tracing::error!(%cause, "internal error");
        AppError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "the service failed; see its log")
    }
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> AppError {
        match error {
            StoreError::Invalid(message) => AppError::invalid(message),
            StoreError::LeaseLost(message) => AppError::new(StatusCode::CONFLICT, "conflict", message),
            other => AppError::internal(other),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail { code: self.code.to_string(), message: self.message, details: self.details },
        };
        let mut response = (self.status, axum::Json(body)).into_response();
        let headers = response.headers_mut();
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(seconds) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}
