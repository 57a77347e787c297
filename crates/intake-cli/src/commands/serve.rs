//! `intake serve`: the HTTP API on a tokio runtime of its own. On the store's first start as a
//! service (no key in any workspace) it makes an admin key for workspace `default` and prints
//! it, once.

use std::process::ExitCode;

use anyhow::anyhow;
use intake_server::{NotifySettings, ServerConfig, SmtpTls};
use intake_store::{AuditEntry, Role, SqliteStore};

use crate::args::{NotifyArgs, ServeArgs};
use crate::output::outln;

/// Runs the service until it is stopped.
pub fn run(store: &SqliteStore, args: ServeArgs) -> anyhow::Result<ExitCode> {
    // Refused before a first key is made and shown.
    let notify = notify_settings(args.notify)?;
    intake_server::notify::check_settings(&notify).map_err(|e| anyhow!(e))?;
    if !store.store_has_keys()? {
        let first = SqliteStore::open(store.path(), "default")?;
        let created = first.create_key(Role::Admin, "first start")?;
        let target = format!("key:{}", created.key.id);
        let detail = serde_json::json!({ "role": "admin", "label": "first start" });
        first.audit(&AuditEntry {
            actor: "serve",
            action: "key.create",
            target: &target,
            address: "",
            detail,
        })?;
        outln!("first start: an admin key for workspace default; it is shown only now:")?;
        outln!("{}", created.secret)?;
    }
    let config = ServerConfig {
        bind: args.bind,
        db: store.path().to_path_buf(),
        data: args.data,
        max_upload_bytes: args.max_upload_mb.saturating_mul(1_000_000),
        review_window: std::time::Duration::from_secs(args.review_window_secs),
        max_running_jobs: args.max_running_jobs,
        retention: std::time::Duration::from_secs(args.retention_secs),
        max_rows: args.max_rows,
        notify,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(intake_server::serve(config, |address| {
        let _ = outln!("listening on http://{address}");
    }))?;
    Ok(ExitCode::SUCCESS)
}

/// The notification settings the flags give.
fn notify_settings(args: NotifyArgs) -> anyhow::Result<NotifySettings> {
    let smtp_tls = SmtpTls::from_name(&args.smtp_tls)
        .ok_or_else(|| anyhow!("--smtp-tls {:?}: use none, starttls or tls", args.smtp_tls))?;
    Ok(NotifySettings {
        smtp_host: args.smtp_host,
        smtp_port: args.smtp_port,
        smtp_tls,
        smtp_from: args.smtp_from,
        smtp_user: args.smtp_user,
        smtp_password: args.smtp_password,
        public_url: args.public_url,
        webhook_retries: args.webhook_retries,
        webhook_retry_base_ms: args.webhook_retry_base_ms,
    })
}
