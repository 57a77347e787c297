//! Running an import: claiming the workspace's lease (or waiting for it), running the
//! pipeline with the results files, and recording how it ended; and checking that an
//! interrupted import can be resumed.

use std::path::Path;
use std::sync::atomic::AtomicBool;

use intake_core::map::Mapping;
use intake_core::pipeline::{ImportSetup, PipelineError, run_import};
use intake_core::plan::RowOutcome;
use intake_core::read::Record;
use intake_core::report::{Checkpoint, Counts, ResultSink, SinkOffsets};
use intake_formats::csv::ResultsWriter;
use intake_store::{ImportRecord, ImportState, LeaseHolder, SqliteStore, StoreError};

use intake_core::plan::ImportOptions;

use crate::ImportError;
use crate::input::{self, Input};
use crate::mapping::checked_mapping_for;
use crate::settings::{ImportRequest, options_from};

/// What an import needs to run, checked: its options (with how the file was found to be
/// written, so that a resume reads it the same way), the opened file and its mapping.
pub struct Prepared {
    pub options: ImportOptions,
    pub input: Input,
    pub mapping: Mapping,
}

/// Checks `request` against its file with every rule an import has, and opens it. Says how
/// the file is read, and what was decided about its columns, to `notes`.
pub fn prepare(
    store: &SqliteStore,
    request: &ImportRequest,
    notes: &mut dyn FnMut(String),
) -> Result<Prepared, ImportError> {
    let mut options = options_from(store, request)?;
    let input = input::open(&request.read.file, &options.reader, store.schema())?;
    input.record_settings(&mut options.reader);
    notes(format!("reading {}: {}", request.read.file.display(), input.describe()));
    let mapping = checked_mapping_for(store, &input, &mut options, notes)?;
    Ok(Prepared { options, input, mapping })
}

/// Claims the workspace's lease with `claim`: when another import, resume or undo holds
/// it, fails naming it, or with `wait` says so once and tries again until it is free.
pub fn when_granted<T>(
    wait: bool,
    on_wait: &mut dyn FnMut(String),
    mut claim: impl FnMut() -> Result<Result<T, LeaseHolder>, StoreError>,
) -> Result<T, ImportError> {
    let mut pause = std::time::Duration::from_millis(50);
    let mut said = false;
    loop {
        match claim()? {
            Ok(granted) => return Ok(granted),
            Err(holder) if !wait => {
                return Err(ImportError::Busy(format!("{holder}; wait for it or use --wait")));
            }
            Err(holder) => {
                if !said {
                    on_wait(format!("waiting: {holder}"));
                    said = true;
                }
                // SQLite cannot tell when the lease is released: ask again, less and less
                // often, at most every second.
                std::thread::sleep(pause);
                pause = (pause * 2).min(std::time::Duration::from_secs(1));
            }
        }
    }
}

/// How a run can be followed and stopped: `progress` is told the counts so far and, once
/// pass 1 has counted them, the file's rows; once `stop` is set, the run ends at the end of
/// its batch.
pub struct Control<'a> {
    pub progress: &'a mut dyn FnMut(&Counts, Option<u64>),
    pub stop: Option<&'a AtomicBool>,
}

/// Runs the pipeline for `record` (from `resume`'s checkpoint, if given) into its results
/// files, without recording how it ended: for a review, whose record is not the import's.
pub fn run_pipeline(
    store: &mut SqliteStore,
    record: &ImportRecord,
    input: &Input,
    mapping: &Mapping,
    resume: Option<&Checkpoint>,
    control: Control<'_>,
) -> Result<Result<Checkpoint, PipelineError<StoreError>>, ImportError> {
    run_pipeline_also(store, record, input, mapping, resume, control, None)
}

/// [`run_pipeline`], every row's outcome also written to `also` (a review's list of error
/// rows).
pub fn run_pipeline_also(
    store: &mut SqliteStore,
    record: &ImportRecord,
    input: &Input,
    mapping: &Mapping,
    resume: Option<&Checkpoint>,
    control: Control<'_>,
    also: Option<&mut dyn ResultSink>,
) -> Result<Result<Checkpoint, PipelineError<StoreError>>, ImportError> {
    let schema = store.schema().clone();
    let results = record.results_path.as_deref().map(Path::new);
    let errors = record.errors_path.as_deref().map(Path::new);
    let source = input.source();
    let mut sink = ResultsWriter::open(
        source.headers(),
        input.results_format(),
        results,
        errors,
        resume.map(|c| c.sink),
    )?;
    let setup = ImportSetup {
        schema: &schema,
        options: &record.options,
        mapping,
        import_id: record.id,
        dry_run: record.dry_run,
        stop: control.stop,
    };
    let sink: &mut dyn ResultSink = match also {
        Some(also) => &mut Tee { first: &mut sink, second: also },
        None => &mut sink,
    };
    Ok(run_import(source, store, sink, &setup, resume, control.progress))
}

/// Runs the pipeline for `record` and records how it ended.
pub fn execute(
    store: &mut SqliteStore,
    record: &ImportRecord,
    input: &Input,
    mapping: &Mapping,
    resume: Option<&Checkpoint>,
    control: Control<'_>,
) -> Result<Counts, ImportError> {
    let id = record.id;
    let ran = match run_pipeline(store, record, input, mapping, resume, control) {
        Ok(ran) => ran,
        Err(error) => {
            // It could not start (its results file could not be opened): it failed, and says
            // why, rather than look like a run that a kill interrupted.
            store.finish_import(id, ImportState::Failed, None, Some(&error.to_string()))?;
            return Err(error);
        }
    };
    let error = match ran {
        Ok(checkpoint) => {
            store.finish_import(id, ImportState::Completed, Some(&checkpoint), None)?;
            return Ok(checkpoint.counts);
        }
        Err(PipelineError::Cancelled(checkpoint)) => {
            let rows = checkpoint.rows_done;
            let message = format!("cancelled after {rows} rows; what it wrote can be undone");
            store.finish_import(id, ImportState::Cancelled, Some(&checkpoint), Some(&message))?;
            return Err(ImportError::Cancelled { id, rows });
        }
        Err(error) => error,
    };
    let message = match &error {
        PipelineError::Store(cause) => intake_store::explain(store.path(), cause),
        _ => None,
    };
    let message = message.unwrap_or_else(|| error.to_string());
    if let PipelineError::Store(StoreError::LeaseLost(_)) = error {
        // Another process resumes it: its record is no longer this one's to write.
        return Err(ImportError::Stopped(format!("import {id} stopped: {message}")));
    }
    store.finish_import(id, ImportState::Failed, None, Some(&message))?;
    Err(ImportError::Stopped(format!(
        "import {id} stopped; fix the cause, then `intake imports resume {id}`: {message}"
    )))
}

/// Opens the file of an interrupted or failed import `record` as its first run read it, and
/// its mapping, checking that the file did not change since; the caller holds the lease.
pub fn prepare_resume(store: &SqliteStore, record: &ImportRecord) -> Result<(Input, Mapping), ImportError> {
    let id = record.id;
    if record.dry_run {
        return Err(ImportError::Invalid(format!("import {id} was a dry run; run it again instead")));
    }
    let path = Path::new(&record.source_path);
    let size = std::fs::metadata(path).map_err(|e| ImportError::file(path, e))?.len();
    if record.options.reader.file_size.is_some_and(|s| s != size) {
        return Err(ImportError::Invalid(format!(
            "{} changed since import {id} started (its size differs); start a new import",
            path.display()
        )));
    }
    // The options hold what the first run found (delimiter, date format), so the file is
    // read and mapped the same way.
    let input = input::open(path, &record.options.reader, store.schema())?;
    // Rows corrected in the review (an import of the service) read as they did in its first run.
    let input = crate::fix::with_stored_corrections(store, id, input)?;
    let mut options = record.options.clone();
    let mapping = checked_mapping_for(store, &input, &mut options, &mut |_| {})?;
    Ok((input, mapping))
}

/// Two sinks written alike; the first one's offsets are the checkpoint's.
struct Tee<'a> {
    first: &'a mut dyn ResultSink,
    second: &'a mut dyn ResultSink,
}

impl ResultSink for Tee<'_> {
    fn write(&mut self, record: &Record, outcome: &RowOutcome) -> std::io::Result<()> {
        self.first.write(record, outcome)?;
        self.second.write(record, outcome)
    }

    fn checkpoint(&mut self) -> std::io::Result<SinkOffsets> {
        self.second.checkpoint()?;
        self.first.checkpoint()
    }
}
