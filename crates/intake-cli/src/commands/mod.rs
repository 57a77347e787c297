//! One module per command group; each returns the process exit code.

mod contacts;
mod fields;
pub(crate) mod import;
mod imports;
pub(crate) mod mapping;

use std::process::ExitCode;

use anyhow::Context;
use intake_store::SqliteStore;

use crate::args::{Cli, Command};

/// Runs the command the user asked for.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let mut store = SqliteStore::open(&cli.db, &cli.workspace)
        .with_context(|| format!("opening the store {}", cli.db.display()))?;
    match cli.command {
        Command::Import(args) => import::import(&mut store, *args),
        Command::Imports(command) => imports::run(&mut store, command),
        Command::Fields(command) => fields::run(&mut store, command),
        Command::Contacts(command) => contacts::run(&mut store, command),
        Command::Settings(command) => fields::settings(&mut store, command),
        Command::Mapping(command) => mapping::run(&mut store, command),
    }
}
