//! `intake serve`: the HTTP API on a tokio runtime of its own, with the settings of its flags,
//! their `INTAKE_…` variables and its settings file (`intake_server::config` layers them). On
//! the store's first start as a service (no key in any workspace) it makes an admin key for
//! workspace `default` and prints it, once.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use intake_server::ServerConfig;
use intake_store::{AuditEntry, Role, SqliteStore};

use crate::args::ServeArgs;
use crate::output::outln;

/// Runs the service until it is stopped; `db` is the global `--db` (or `INTAKE_DB`), which
/// wins over the settings file's.
pub fn run(db: Option<PathBuf>, args: ServeArgs) -> anyhow::Result<ExitCode> {
    let config = config_of(db, args)?;
    let db = intake_store::store_path(&config.db)?;
    let opened = SqliteStore::open(&db, "default")
        .map_err(anyhow::Error::from)
        .with_context(|| format!("opening the store {}", db.display()))
        .and_then(|store| first_key(&store).map(|()| store));
    opened.map_err(|e| super::explained(e, &db))?;
    tracing::info!(
        upload_mb = config.max_upload_mb,
        json_body_kb = config.max_json_body_kb,
        rate_limit_per_minute = config.rate_limit_per_minute,
        "settings read"
    );
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(intake_server::serve(config, |address| {
        let _ = outln!("listening on http://{address}");
    }))?;
    Ok(ExitCode::SUCCESS)
}

/// `intake worker`: the job runner and the notifier of the store, without the API, until it
/// is stopped.
pub fn work(db: Option<PathBuf>, args: ServeArgs) -> anyhow::Result<ExitCode> {
    let config = config_of(db, args)?;
    let store = intake_store::store_path(&config.db)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(intake_server::work(config, || {
        let _ = outln!("working on {}", store.display());
    }))?;
    Ok(ExitCode::SUCCESS)
}

/// The settings of `args` (flags, variables, the settings file) with the global `--db`,
/// checked: notification settings that cannot work are refused before anything starts.
fn config_of(db: Option<PathBuf>, args: ServeArgs) -> anyhow::Result<ServerConfig> {
    let flags = intake_server::config::Settings { db, ..args.settings };
    let config = ServerConfig::load(flags, args.config.as_deref())?;
    intake_server::notify::check_settings(&config.notify()).map_err(|e| anyhow::anyhow!(e))?;
    Ok(config)
}

/// On the store's first start as a service, an admin key for workspace `default`, printed.
fn first_key(store: &SqliteStore) -> anyhow::Result<()> {
    if store.store_has_keys()? {
        return Ok(());
    }
    let created = store.create_key(Role::Admin, "first start")?;
    let target = format!("key:{}", created.key.id);
    let detail = serde_json::json!({ "role": "admin", "label": "first start" });
    store.audit(&AuditEntry {
        actor: "serve",
        action: "key.create",
        target: &target,
        address: "",
        detail,
    })?;
    outln!("first start: an admin key for workspace default; it is shown only now:")?;
    outln!("{}", created.secret)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// docs/configuration.md, whose table must list every setting.
    const DOC: &str = include_str!("../../../../docs/configuration.md");

    #[test]
    fn the_configuration_page_lists_every_setting_with_its_flag_variable_and_default() {
        let cli = crate::args::Cli::command();
        let serve = cli.find_subcommand("serve").expect("serve");
        for setting in intake_server::config::SETTINGS {
            // `db` is the global flag, every other setting a flag of `serve`.
            let arg = serve
                .get_arguments()
                .chain(cli.get_arguments())
                .find(|arg| arg.get_id() == setting.name)
                .unwrap_or_else(|| panic!("no flag for the setting {}", setting.name));
            let flag = arg.get_long().unwrap_or_else(|| panic!("{} has no long flag", setting.name));
            let env = arg
                .get_env()
                .and_then(|e| e.to_str())
                .unwrap_or_else(|| panic!("{} has no variable", setting.name));
            let default = match setting.default {
                "" => "none".to_string(),
                text => format!("`{text}`"),
            };
            let row = format!("| `{}` | `--{flag}` | `{env}` | {default} |", setting.name);
            assert!(DOC.contains(&row), "docs/configuration.md has no row starting {row}");
        }
    }
}
