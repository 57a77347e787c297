//! `intake import` and `intake imports resume`: set up an import, run the pipeline with a
//! progress bar, record the outcome.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, anyhow, bail};
use intake_core::identify::IdentifierKind;
use intake_core::map::{Mapping, MappingRequest, build_mapping};
use intake_core::pipeline::{ImportSetup, check_setup, run_import};
use intake_core::plan::{ImportOptions, Purpose, ReaderSettings};
use intake_core::read::Source;
use intake_core::report::{Checkpoint, Counts};
use intake_formats::csv::{CsvOptions, CsvSource, ResultsWriter, TextEncoding};
use intake_store::{ImportRecord, ImportState, NewImport, SqliteStore};

use crate::args::ImportArgs;
use crate::output;

/// `intake import FILE …`
pub fn import(store: &mut SqliteStore, args: ImportArgs) -> anyhow::Result<ExitCode> {
    let mut options = options_from(store, &args)?;
    let encoding = args
        .encoding
        .as_deref()
        .map(TextEncoding::from_label)
        .transpose()
        .map_err(|e| anyhow!("--encoding: {e}"))?;
    let has_header = match (args.header, args.no_header) {
        (true, _) => Some(true),
        (_, true) => Some(false),
        _ => None,
    };
    let delimiter = options.reader.delimiter.map(|c| c as u8);
    let source = open_source(&args.file, CsvOptions { delimiter, encoding, has_header })?;
    // The delimiter found is recorded, so that a resumed import reads the file the same way.
    options.reader.delimiter = Some(char::from(source.delimiter()));
    if !args.json {
        eprintln!("reading {}: {}", args.file.display(), source.describe());
    }
    let mapping = mapping_for(store, &source, &options)?;
    let file_name = args.file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let source_path = std::fs::canonicalize(&args.file).unwrap_or_else(|_| args.file.clone());
    let results = args.results.as_deref().map(path_text);
    let errors = args.errors.as_deref().map(path_text);
    let id = store.create_import(&NewImport {
        file_name: &file_name,
        source_path: &path_text(&source_path),
        options: &options,
        dry_run: args.dry_run,
        results_path: results.as_deref(),
        errors_path: errors.as_deref(),
    })?;
    if !args.no_import_tag && !args.dry_run {
        options.import_tag = Some(format!("import-{}-{id}", jiff::Timestamp::now().strftime("%Y-%m-%d")));
        store.set_import_options(id, &options)?;
    }
    output::mapping_notes(&mapping, args.json);
    let record = store.import(id)?;
    let counts = execute(store, &record, &source, &mapping, None, args.json)?;
    output::summary(&record, &counts, args.json);
    Ok(ExitCode::SUCCESS)
}

/// `intake imports resume ID`
pub fn resume(store: &mut SqliteStore, id: i64, json: bool) -> anyhow::Result<ExitCode> {
    let record = store.import(id)?;
    match record.state {
        ImportState::Completed => bail!("import {id} is completed; there is nothing to resume"),
        ImportState::Undone => bail!("import {id} was undone"),
        ImportState::Running | ImportState::Failed => {}
    }
    if record.dry_run {
        bail!("import {id} was a dry run; run it again instead");
    }
    let path = Path::new(&record.source_path);
    let size = std::fs::metadata(path).with_context(|| format!("reading {}", path.display()))?.len();
    if record.options.reader.file_size.is_some_and(|s| s != size) {
        bail!("{} changed since import {id} started (its size differs); start a new import", path.display());
    }
    // Imports recorded before detection existed have no delimiter, and were read with ','.
    // TODO: record --encoding and --no-header in ReaderSettings (intake-core plan/options.rs);
    // until then a resume finds them from the file again, as the first run did without them.
    let delimiter = Some(record.options.reader.delimiter.map_or(b',', |c| c as u8));
    let source = open_source(path, CsvOptions { delimiter, ..CsvOptions::default() })?;
    let mapping = mapping_for(store, &source, &record.options)?;
    store.reopen_import(id)?;
    let checkpoint = record.checkpoint.clone();
    let counts = execute(store, &record, &source, &mapping, Some(&checkpoint), json)?;
    output::summary(&record, &counts, json);
    Ok(ExitCode::SUCCESS)
}

/// Runs the pipeline for `record` and records how it ended.
fn execute(
    store: &mut SqliteStore,
    record: &ImportRecord,
    source: &CsvSource,
    mapping: &Mapping,
    resume: Option<&Checkpoint>,
    quiet: bool,
) -> anyhow::Result<Counts> {
    let schema = store.schema().clone();
    let results = record.results_path.as_deref().map(Path::new);
    let errors = record.errors_path.as_deref().map(Path::new);
    let mut sink = ResultsWriter::open(
        source.headers(),
        source.results_format(),
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
    };
    let progress = output::Progress::new(quiet);
    let result = run_import(source, store, &mut sink, &setup, resume, &mut |counts| progress.update(counts));
    progress.finish();
    match result {
        Ok(checkpoint) => {
            store.finish_import(record.id, ImportState::Completed, Some(&checkpoint), None)?;
            Ok(checkpoint.counts)
        }
        Err(error) => {
            let message = error.to_string();
            store.finish_import(record.id, ImportState::Failed, None, Some(&message))?;
            Err(anyhow!(message).context(format!(
                "import {} stopped; fix the cause, then `intake imports resume {}`",
                record.id, record.id
            )))
        }
    }
}

fn options_from(store: &SqliteStore, args: &ImportArgs) -> anyhow::Result<ImportOptions> {
    let purpose = Purpose::from_name(&args.purpose).ok_or_else(|| {
        anyhow!("unknown purpose {:?}: use add, update, add-update or add-all", args.purpose)
    })?;
    let identifier = IdentifierKind::from_name(&args.identifier).ok_or_else(|| {
        anyhow!("unknown identifier {:?}: use email, phone, id or external_id", args.identifier)
    })?;
    let overrides = args
        .maps
        .iter()
        .map(|m| {
            m.rsplit_once('=')
                .map(|(h, f)| (h.trim().to_string(), f.trim().to_string()))
                .ok_or_else(|| anyhow!("--map {m:?} must look like \"Column Header=field\""))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let require_first_name = store.setting("require-first-name")?.is_none_or(|v| v != "false");
    let delimiter = args.delimiter.as_deref().map(parse_delimiter).transpose()?;
    let file_size =
        std::fs::metadata(&args.file).with_context(|| format!("reading {}", args.file.display()))?.len();
    Ok(ImportOptions {
        purpose,
        identifier,
        overwrite: !args.no_overwrite,
        tags: args.tags.clone(),
        import_tag: None,
        lists: args.lists.clone(),
        unsubscribe_all: args.unsubscribe_all,
        force_resubscribe: args.force_resubscribe,
        require_first_name,
        default_region: args.default_region.clone(),
        date_format: args.date_format.clone(),
        batch_size: args.batch_size,
        mapping: MappingRequest {
            overrides,
            skips: args.skips.clone(),
            match_by_id: identifier == IdentifierKind::Id,
        },
        reader: ReaderSettings { delimiter, file_size: Some(file_size) },
    })
}

fn parse_delimiter(text: &str) -> anyhow::Result<char> {
    match text {
        "\\t" | "tab" => Ok('\t'),
        _ => {
            let mut chars = text.chars();
            match (chars.next(), chars.next()) {
                (Some('"' | '\r' | '\n'), None) => bail!("--delimiter cannot be a quote or a line break"),
                (Some(c), None) if c.is_ascii() => Ok(c),
                _ => bail!("--delimiter must be one ASCII character (or \\t), not {text:?}"),
            }
        }
    }
}

fn open_source(path: &Path, options: CsvOptions) -> anyhow::Result<CsvSource> {
    Ok(CsvSource::open(path, options)?)
}

fn mapping_for(store: &SqliteStore, source: &CsvSource, options: &ImportOptions) -> anyhow::Result<Mapping> {
    let mapping = build_mapping(source.headers(), store.schema(), &options.mapping)?;
    check_setup(store.schema(), options, &mapping).map_err(|e| anyhow!(e))?;
    Ok(mapping)
}

fn path_text(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}
