//! `intake import` and `intake imports resume`: set up an import, run the pipeline with a
//! progress bar, record the outcome.

use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::bail;
use intake_core::map::Mapping;
use intake_core::plan::SheetCaps;
use intake_core::report::{Checkpoint, Counts};
use intake_import::input::{Input, ReadRequest};
use intake_import::run::{Control, Prepared, prepare, prepare_resume, when_granted};
use intake_import::settings::ImportRequest;
use intake_store::{ImportRecord, ImportState, Lease, LeaseAction, NewImport, SqliteStore, WorkspaceLeases};

use crate::args::{ImportArgs, ReadArgs};
use crate::output::{self, errln};
use crate::paths::{Role, absolute_text, check_outputs};

/// `intake import FILE …`
pub fn import(store: &mut SqliteStore, args: ImportArgs) -> anyhow::Result<ExitCode> {
    let Prepared { mut options, input, mapping } = prepare(store, &request_of(&args), &mut say(args.json))?;
    let file = &args.read.file;
    let file_name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let source_path = std::fs::canonicalize(file).unwrap_or_else(|_| file.clone());
    let results = args.results.as_deref().map(absolute_text).transpose()?;
    let errors = args.errors.as_deref().map(absolute_text).transpose()?;
    let new = NewImport {
        file_name: &file_name,
        source_path: &source_path.to_string_lossy(),
        options: &options,
        dry_run: args.dry_run,
        results_path: results.as_deref(),
        errors_path: errors.as_deref(),
    };
    // A dry run changes no contact: it runs beside an import. Anything else waits for, or
    // is refused by, the one that runs.
    let (id, _lease) = match args.dry_run {
        true => (store.create_import(&new)?, None),
        false => {
            let (id, lease) = when_granted(args.wait, &mut say(false), || store.begin_import(&new))?;
            (id, Some(lease))
        }
    };
    if !args.no_import_tag && !args.dry_run {
        options.import_tag = Some(format!("import-{}-{id}", jiff::Timestamp::now().strftime("%Y-%m-%d")));
        store.set_import_options(id, &options)?;
    }
    output::mapping_notes(&mapping, store.schema(), args.json);
    let record = store.import(id)?;
    let counts = execute(store, &record, &input, &mapping, None, args.json)?;
    output::summary(&record, &counts, args.json)?;
    Ok(ExitCode::SUCCESS)
}

/// `intake imports resume ID`
pub fn resume(store: &mut SqliteStore, id: i64, json: bool, wait: bool) -> anyhow::Result<ExitCode> {
    let _lease: Lease = when_granted(wait, &mut say(false), || store.lease_import(id, LeaseAction::Resume))?;
    let record = store.import(id)?;
    match record.state {
        ImportState::Completed => bail!("import {id} is completed; there is nothing to resume"),
        ImportState::Undone => bail!("import {id} was undone"),
        ImportState::Cancelled => bail!("import {id} was cancelled; undo it, or start a new import"),
        state if state.before_start() => {
            bail!("import {id} was uploaded to the service and never started; start it there")
        }
        _ => {}
    }
    let outputs: Vec<Role<'_>> =
        [("its results file", &record.results_path), ("its error file", &record.errors_path)]
            .into_iter()
            .filter_map(|(name, path)| Some(Role { name, path: Path::new(path.as_deref()?) }))
            .collect();
    let input = [Role { name: "its input file", path: Path::new(&record.source_path) }];
    check_outputs(&outputs, &input, store.path())?;
    let (input, mapping) = prepare_resume(store, &record)?;
    store.reopen_import(id)?;
    let checkpoint = record.checkpoint.clone();
    let counts = execute(store, &record, &input, &mapping, Some(&checkpoint), json)?;
    output::summary(&record, &counts, json)?;
    Ok(ExitCode::SUCCESS)
}

/// Runs the pipeline for `record` with a progress bar (unless `quiet`).
fn execute(
    store: &mut SqliteStore,
    record: &ImportRecord,
    input: &Input,
    mapping: &Mapping,
    resume: Option<&Checkpoint>,
    quiet: bool,
) -> anyhow::Result<Counts> {
    if !record.dry_run {
        say_how_to_resume_on_ctrl_c(store, record.id);
    }
    let progress = output::Progress::new(quiet, resume.map_or(0, |c| c.counts.rows));
    let mut update = |counts: &Counts, total| progress.update(counts, total);
    let control = Control { progress: &mut update, stop: None };
    let result = intake_import::run::execute(store, record, input, mapping, resume, control);
    IMPORT_RUNS.store(false, Ordering::SeqCst);
    progress.finish();
    if !record.dry_run {
        // The workspace's webhooks hear of an import's end whichever way it ran: the
        // deliveries wait in the store for the service's notifier (`serve` or `worker`).
        intake_server::notify::import_ended(store, record.id);
    }
    Ok(result?)
}

/// Whether the import the Ctrl-C handler names is still running (not yet recorded as ended).
static IMPORT_RUNS: AtomicBool = AtomicBool::new(false);

/// On Ctrl-C (or SIGTERM) during import `id`, says how to finish it and ends the process at
/// once, as a kill would: nothing is lost, the import shows `interrupted` and resumes from its
/// last checkpoint (the store is crash-safe at any moment; the lifecycle tests kill imports).
/// Without it the process died without a word of what became of the import.
fn say_how_to_resume_on_ctrl_c(store: &SqliteStore, id: i64) {
    let resume = super::imports::resume_command_of(store, id);
    IMPORT_RUNS.store(true, Ordering::SeqCst);
    let handler = move || {
        if IMPORT_RUNS.load(Ordering::SeqCst) {
            eprintln!("\nimport {id} interrupted; finish it with: {resume}");
        }
        // SAFETY: `_exit` ends the process without running exit handlers, which could wait
        // on a lock (the allocator's, SQLite's) that a stopped thread holds.
        unsafe { libc::_exit(130) };
    };
    // One handler per process: a second import in one process (none today) keeps the first's.
    if let Err(error) = ctrlc::set_handler(handler) {
        tracing::debug!(%error, "Ctrl-C handler not set");
    }
}

/// Says a note on stderr, unless `quiet`.
pub fn say(quiet: bool) -> impl FnMut(String) {
    move |note| {
        if !quiet {
            errln!("{note}");
        }
    }
}

/// The import's settings as the flags give them.
fn request_of(args: &ImportArgs) -> ImportRequest {
    ImportRequest {
        read: read_request(&args.read),
        purpose: args.purpose.clone(),
        identifier: args.identifier.clone(),
        mapping_file: args.mapping_file.clone(),
        maps: args.maps.clone(),
        skips: args.skips.clone(),
        no_overwrite: args.no_overwrite,
        tags: args.tags.clone(),
        lists: args.lists.clone(),
        unsubscribe_all: args.unsubscribe_all,
        force_resubscribe: args.force_resubscribe,
        default_region: args.default_region.clone(),
        date_format: args.date_format.clone(),
        batch_size: args.batch_size,
        whatsapp_from_mobile: args.whatsapp_from_mobile,
    }
}

/// How to read the file, as the flags say.
pub fn read_request(read: &ReadArgs) -> ReadRequest {
    ReadRequest {
        file: read.file.clone(),
        delimiter: read.delimiter.clone(),
        encoding: read.encoding.clone(),
        has_header: match (read.header, read.no_header) {
            (true, _) => Some(true),
            (_, true) => Some(false),
            _ => None,
        },
        sheet: read.sheet.clone(),
        sheet_caps: SheetCaps {
            max_rows: read.max_rows,
            max_columns: read.max_columns,
            max_cells: read.max_sheet_cells,
            max_unzipped_bytes: read.max_unzipped_mb.map(|mb| mb.saturating_mul(1_000_000)),
            max_zip_entries: read.max_zip_entries,
        },
    }
}
