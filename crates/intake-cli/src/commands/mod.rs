//! One module per command group; each returns the process exit code.

mod contacts;
mod fields;
pub(crate) mod import;
mod imports;
mod keys;
pub(crate) mod mapping;
mod serve;
mod users;

use std::path::Path;
use std::process::ExitCode;

use intake_import::ImportError;
use intake_store::{SqliteStore, StoreError};

use crate::args::{Cli, Command, ContactsCommand, DEFAULT_DB, KeysCommand, MappingCommand, UsersCommand};
use crate::paths::{Role, check_outputs};

/// Runs the command the user asked for.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    // The service's store may come from its settings file: it opens the store itself.
    match cli.command {
        Command::Serve(args) => return serve::run(cli.db, args),
        Command::Worker(args) => return serve::work(cli.db, args),
        _ => {}
    }
    let db = intake_store::store_path(cli.db.as_deref().unwrap_or(Path::new(DEFAULT_DB)))?;
    // Before the store is opened (or created): nothing may be read or written yet.
    refuse_clobbering(&cli.command, &db)?;
    // Only `keys create` and `users add` make a workspace (and `default` is made on first
    // use): a mistyped --workspace must not open an empty one.
    let creates = cli.workspace == "default"
        || matches!(
            cli.command,
            Command::Keys(KeysCommand::Create { .. }) | Command::Users(UsersCommand::Add { .. })
        );
    let opened = match creates {
        true => SqliteStore::open(&db, &cli.workspace),
        false => SqliteStore::open_existing(&db, &cli.workspace),
    };
    let mut store = opened.map_err(|e| {
        let error = anyhow::Error::from(e).context(format!("opening the store {}", db.display()));
        explained(error, &db)
    })?;
    let ran = match cli.command {
        Command::Import(args) => import::import(&mut store, *args),
        Command::Imports(command) => imports::run(&mut store, command),
        Command::Fields(command) => fields::run(&mut store, command),
        Command::Contacts(command) => contacts::run(&mut store, command),
        Command::Settings(command) => fields::settings(&mut store, command),
        Command::Mapping(command) => mapping::run(&mut store, command),
        Command::Keys(command) => keys::run(&store, command),
        Command::Users(command) => users::run(&mut store, command),
        Command::Serve(args) => serve::run(Some(db.clone()), args),
        Command::Worker(args) => serve::work(Some(db.clone()), args),
    };
    ran.map_err(|e| explained(e, &db))
}

/// The outputs of `command` that would overwrite what it reads, the store, or each other.
fn refuse_clobbering(command: &Command, db: &Path) -> anyhow::Result<()> {
    match command {
        Command::Import(args) => {
            let mut outputs = Vec::new();
            if let Some(path) = &args.results {
                outputs.push(Role { name: "--results", path });
            }
            if let Some(path) = &args.errors {
                outputs.push(Role { name: "--errors", path });
            }
            let mut reads = vec![Role { name: "the input file", path: &args.read.file }];
            if let Some(path) = &args.mapping_file {
                reads.push(Role { name: "the --mapping file", path });
            }
            check_outputs(&outputs, &reads, db)
        }
        Command::Contacts(ContactsCommand::Export { output: Some(path), .. }) => {
            check_outputs(&[Role { name: "--output", path }], &[], db)
        }
        Command::Mapping(MappingCommand::Save { read, output, .. }) => check_outputs(
            &[Role { name: "--output", path: output }],
            &[Role { name: "the input file", path: &read.file }],
            db,
        ),
        _ => Ok(()),
    }
}

/// The store's error that `cause` is, or carries as an import's.
fn store_error_in<'a>(cause: &'a (dyn std::error::Error + 'static)) -> Option<&'a StoreError> {
    match cause.downcast_ref::<ImportError>() {
        Some(ImportError::Store(error)) => Some(error),
        _ => cause.downcast_ref::<StoreError>(),
    }
}

/// `error`, or, when the store's file is its cause (locked, read-only, damaged, not a
/// store), one sentence that names the file and says what to do.
pub(crate) fn explained(error: anyhow::Error, db: &Path) -> anyhow::Error {
    let sentence = error.chain().find_map(|cause| intake_store::explain(db, store_error_in(cause)?));
    match sentence {
        Some(sentence) => anyhow::anyhow!(sentence),
        None => error,
    }
}
