//! `intake import` and `intake imports resume`: set up an import, run the pipeline with a
//! progress bar, record the outcome.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, anyhow, bail};
use intake_core::identify::IdentifierKind;
use intake_core::map::{Mapping, MappingRequest, build_mapping_with_samples};
use intake_core::model::{FieldType, Schema, Target};
use intake_core::normalize::{Normalizer, is_empty_date, list_items, normalize_date, same_name};
use intake_core::pipeline::PipelineError;
use intake_core::pipeline::{ImportSetup, check_setup, normalizer_for, run_import};
use intake_core::plan::{ColumnFormat, ImportOptions, Purpose};
use intake_core::report::{Checkpoint, Counts};
use intake_core::suggest::{
    DateLayout, DecimalMark, ValueKind, date_layout_of, decimal_mark_of, header_date_format, profile,
};
use intake_formats::csv::ResultsWriter;
use intake_store::{
    ImportRecord, ImportState, Lease, LeaseAction, LeaseHolder, NewImport, SqliteStore, StoreError,
    WorkspaceLeases,
};

use crate::args::ImportArgs;
use crate::input::{self, Input};
use crate::output::{self, errln};
use crate::paths::{Role, absolute_text, check_outputs};

/// `intake import FILE …`
pub fn import(store: &mut SqliteStore, args: ImportArgs) -> anyhow::Result<ExitCode> {
    let mut options = options_from(store, &args)?;
    let input = input::open(&args.read.file, &options.reader, store.schema())?;
    // What was found is recorded, so that a resumed import reads the file the same way.
    input.record_settings(&mut options.reader);
    if !args.json {
        errln!("reading {}: {}", args.read.file.display(), input.describe());
    }
    let mapping = checked_mapping_for(store, &input, &mut options, args.json)?;
    let file = &args.read.file;
    let file_name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let source_path = std::fs::canonicalize(file).unwrap_or_else(|_| file.clone());
    let results = args.results.as_deref().map(absolute_text).transpose()?;
    let errors = args.errors.as_deref().map(absolute_text).transpose()?;
    let new = NewImport {
        file_name: &file_name,
        source_path: &path_text(&source_path),
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
            let (id, lease) = when_granted(args.wait, || store.begin_import(&new))?;
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

/// Claims the workspace's lease with `claim`: when another import, resume or undo holds
/// it, fails naming it, or with `wait` says so once and tries again until it is free.
pub fn when_granted<T>(
    wait: bool,
    mut claim: impl FnMut() -> Result<Result<T, LeaseHolder>, StoreError>,
) -> anyhow::Result<T> {
    let mut pause = std::time::Duration::from_millis(50);
    let mut said = false;
    loop {
        match claim()? {
            Ok(granted) => return Ok(granted),
            Err(holder) if !wait => bail!("{holder}; wait for it or use --wait"),
            Err(holder) => {
                if !said {
                    errln!("waiting: {holder}");
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

/// `intake imports resume ID`
pub fn resume(store: &mut SqliteStore, id: i64, json: bool, wait: bool) -> anyhow::Result<ExitCode> {
    let _lease: Lease = when_granted(wait, || store.lease_import(id, LeaseAction::Resume))?;
    let record = store.import(id)?;
    match record.state {
        ImportState::Completed => bail!("import {id} is completed; there is nothing to resume"),
        ImportState::Undone => bail!("import {id} was undone"),
        ImportState::Running | ImportState::Interrupted | ImportState::Failed => {}
    }
    let outputs: Vec<Role<'_>> =
        [("its results file", &record.results_path), ("its error file", &record.errors_path)]
            .into_iter()
            .filter_map(|(name, path)| Some(Role { name, path: Path::new(path.as_deref()?) }))
            .collect();
    let input = [Role { name: "its input file", path: Path::new(&record.source_path) }];
    check_outputs(&outputs, &input, store.path())?;
    if record.dry_run {
        bail!("import {id} was a dry run; run it again instead");
    }
    let path = Path::new(&record.source_path);
    let size = std::fs::metadata(path).with_context(|| format!("reading {}", path.display()))?.len();
    if record.options.reader.file_size.is_some_and(|s| s != size) {
        bail!("{} changed since import {id} started (its size differs); start a new import", path.display());
    }
    // The options hold what the first run found (delimiter, date format), so the file is
    // read and mapped the same way.
    let input = input::open(path, &record.options.reader, store.schema())?;
    let mut options = record.options.clone();
    let mapping = checked_mapping_for(store, &input, &mut options, true)?;
    store.reopen_import(id)?;
    let checkpoint = record.checkpoint.clone();
    let counts = execute(store, &record, &input, &mapping, Some(&checkpoint), json)?;
    output::summary(&record, &counts, json)?;
    Ok(ExitCode::SUCCESS)
}

/// Runs the pipeline for `record` and records how it ended.
fn execute(
    store: &mut SqliteStore,
    record: &ImportRecord,
    input: &Input,
    mapping: &Mapping,
    resume: Option<&Checkpoint>,
    quiet: bool,
) -> anyhow::Result<Counts> {
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
    };
    let progress = output::Progress::new(quiet, resume.map_or(0, |c| c.counts.rows));
    let result = run_import(source, store, &mut sink, &setup, resume, &mut |counts, total| {
        progress.update(counts, total)
    });
    progress.finish();
    match result {
        Ok(checkpoint) => {
            store.finish_import(record.id, ImportState::Completed, Some(&checkpoint), None)?;
            Ok(checkpoint.counts)
        }
        Err(error) => {
            let message = match &error {
                PipelineError::Store(cause) => intake_store::explain(store.path(), cause),
                _ => None,
            };
            let message = message.unwrap_or_else(|| error.to_string());
            if let PipelineError::Store(StoreError::LeaseLost(_)) = error {
                // Another process resumes it: its record is no longer this one's to write.
                return Err(anyhow!(message).context(format!("import {} stopped", record.id)));
            }
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
    let mapping = mapping_request(args.mapping_file.as_deref(), &args.maps, &args.skips, identifier)?;
    if let Some(pattern) = &args.date_format {
        check_date_format(pattern)?;
    }
    let require_first_name = store.setting("require-first-name")?.is_none_or(|v| v != "false");
    let reader = input::settings(&args.read)?;
    Ok(ImportOptions {
        purpose,
        identifier,
        overwrite: !args.no_overwrite,
        tags: names_of_flags(&args.tags),
        import_tag: None,
        lists: names_of_flags(&args.lists),
        unsubscribe_all: args.unsubscribe_all,
        force_resubscribe: args.force_resubscribe,
        require_first_name,
        default_region: args.default_region.clone(),
        date_format: args.date_format.clone(),
        column_formats: BTreeMap::new(),
        batch_size: args.batch_size,
        mapping,
        reader,
        whatsapp_from_mobile: args.whatsapp_from_mobile,
    })
}

/// A sample date, written with the pattern and read back: a pattern that cannot write it
/// (`%Q`), or cannot read back what it wrote (`%d/%m` has no year, `dd.mm.yyyy` no field),
/// would make every date of the file an error, so the import stops before reading a row.
fn check_date_format(pattern: &str) -> anyhow::Result<()> {
    let sample = jiff::civil::date(1985, 4, 15);
    let bad = |why: String| {
        anyhow!(
            "--date-format {pattern:?} {why}; give a strftime pattern with day, month and year such as \
             '%d.%m.%Y' or '%m/%d/%Y'"
        )
    };
    let written = jiff::fmt::strtime::format(pattern, sample)
        .map_err(|e| bad(format!("is not a date pattern ({e})")))?;
    match jiff::civil::Date::strptime(pattern, &written) {
        Ok(read) if read == sample => Ok(()),
        _ => Err(bad("does not give a whole date (day, month and year)".to_string())),
    }
}

/// The tags of `--tag` flags (or the lists of `--list` flags), split as a tags or lists cell
/// is (`--tag "Fair 2026,Leads"` is two tags, `--tag "Fair 2026"` one) and each once
/// whatever its case, first spelling kept.
fn names_of_flags(flags: &[String]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for name in flags.iter().flat_map(|flag| list_items(flag)) {
        if !names.iter().any(|n| same_name(n, name)) {
            names.push(name.to_string());
        }
    }
    names
}

/// The user's maps and skips: a saved mapping file's, then the flags' (which win).
pub fn mapping_request(
    file: Option<&Path>,
    maps: &[String],
    skips: &[String],
    identifier: IdentifierKind,
) -> anyhow::Result<MappingRequest> {
    let mut request = match file {
        Some(path) => crate::commands::mapping::load(path)?,
        None => MappingRequest::default(),
    };
    for map in maps {
        let (header, field) = map
            .rsplit_once('=')
            .map(|(h, f)| (h.trim().to_string(), f.trim().to_string()))
            .ok_or_else(|| anyhow!("--map {map:?} must look like \"Column Header=field\""))?;
        request.overrides.retain(|(h, _)| *h != header);
        request.skips.retain(|h| *h != header);
        request.overrides.push((header, field));
    }
    for skip in skips {
        request.overrides.retain(|(h, _)| h != skip);
        request.skips.push(skip.clone());
    }
    request.match_by_id = identifier == IdentifierKind::Id;
    Ok(request)
}

/// The mapping for `input`: the user's maps and skips (from the flags and `--mapping`
/// file), a recognized export's, and confident suggestions from headers and sample values.
/// Date and decimal columns whose values show how they are written get their own formats
/// (see [`column_formats_from_values`]).
pub fn mapping_for(
    store: &SqliteStore,
    input: &Input,
    sample: &[Vec<String>],
    options: &mut ImportOptions,
    quiet: bool,
) -> anyhow::Result<Mapping> {
    let normalizer = normalizer_for(options).map_err(|e| anyhow!(e))?;
    let headers = input.source().headers();
    let mapping = build_mapping_with_samples(headers, sample, store.schema(), &options.mapping, &normalizer)?;
    if options.column_formats.is_empty() {
        options.column_formats =
            column_formats_from_values(input, &mapping, sample, store.schema(), options, &normalizer, quiet)?;
    }
    Ok(mapping)
}

/// [`mapping_for`], checked against the import's options (the identifier must be mapped …).
fn checked_mapping_for(
    store: &SqliteStore,
    input: &Input,
    options: &mut ImportOptions,
    quiet: bool,
) -> anyhow::Result<Mapping> {
    let mapping = mapping_for(store, input, &input.sample()?, options, quiet)?;
    check_setup(store.schema(), options, &mapping).map_err(|e| anyhow!(e))?;
    Ok(mapping)
}

/// How each mapped date and decimal column writes its values, from the sample: a date
/// column whose values fit one day/month order only gets that order (unless the user gave
/// `--date-format` for all), a decimal column its decimal mark. Certain findings are said
/// on stderr; ambiguous columns are reported and left as they are, never guessed.
fn column_formats_from_values(
    input: &Input,
    mapping: &Mapping,
    sample: &[Vec<String>],
    schema: &Schema,
    options: &ImportOptions,
    normalizer: &Normalizer,
    quiet: bool,
) -> anyhow::Result<BTreeMap<String, ColumnFormat>> {
    let headers = input.source().headers();
    let say = |message: String| {
        if !quiet {
            errln!("{message}");
        }
    };
    let mut formats = BTreeMap::new();
    for (column, target) in mapping.columns.iter().enumerate() {
        let Some(Target::Field(field)) = target else { continue };
        let field_type = schema.field(*field).field_type;
        let header = &headers[column];
        let values: Vec<&str> = sample.iter().filter_map(|row| row.get(column).map(String::as_str)).collect();
        // A column mapped to a date field is read as dates even when some of its values are
        // bad: those are their rows' errors, and the others still decide the order.
        let kind = match field_type {
            FieldType::Date => {
                date_layout_of(&values).map_or(ValueKind::Text, |(layout, _)| ValueKind::Date(layout))
            }
            _ => profile(&values, normalizer),
        };
        // A header that spells its format out (`Birthday (MM/DD/YYYY)`) says how to read it.
        let spelled = (field_type == FieldType::Date && options.date_format.is_none())
            .then(|| header_date_format(header))
            .flatten();
        if let Some(date_format) = spelled {
            say(format!("column {header:?}: dates read as {date_format} (its header says so)"));
            formats
                .insert(header.clone(), ColumnFormat { date_format: Some(date_format), decimal_mark: None });
            continue;
        }
        let format = match (field_type, kind) {
            (FieldType::Date, ValueKind::Date(layout)) if options.date_format.is_none() => match layout {
                DateLayout::Ambiguous { day_first, month_first } => {
                    match whole_column_date_order(input, column, &day_first, &month_first)? {
                        Some(date_format) => {
                            say(format!(
                                "column {header:?}: dates read as {date_format} (the first rows fit both \
                                 orders; the whole column fits only this one)"
                            ));
                            ColumnFormat { date_format: Some(date_format), decimal_mark: None }
                        }
                        None => {
                            say(format!(
                                "column {header:?}: its dates read both as {day_first} and as {month_first}; \
                                 say which with --date-format"
                            ));
                            continue;
                        }
                    }
                }
                layout => {
                    let Some(date_format) = layout.format() else { continue };
                    say(format!(
                        "column {header:?}: dates read as {date_format} (its dates fit only that order)"
                    ));
                    ColumnFormat { date_format: Some(date_format.to_string()), decimal_mark: None }
                }
            },
            (FieldType::Decimal, ValueKind::Number(mark)) => match mark {
                DecimalMark::Comma => {
                    say(format!("column {header:?}: numbers read with a decimal comma (1.234,50)"));
                    ColumnFormat { date_format: None, decimal_mark: Some(',') }
                }
                DecimalMark::Point => ColumnFormat { date_format: None, decimal_mark: Some('.') },
                DecimalMark::Ambiguous => match whole_column_decimal_mark(input, column)? {
                    Some(mark) => {
                        say(format!(
                            "column {header:?}: numbers read with a decimal {} (the whole column shows it)",
                            if mark == ',' { "comma" } else { "point" }
                        ));
                        ColumnFormat { date_format: None, decimal_mark: Some(mark) }
                    }
                    None => {
                        say(format!(
                            "column {header:?}: a value such as 1,234 reads as a thousand or as a decimal; \
                             the column's values are read with a decimal point"
                        ));
                        continue;
                    }
                },
                DecimalMark::None => continue,
            },
            _ => continue,
        };
        formats.insert(header.clone(), format);
    }
    Ok(formats)
}

/// Calls `settled` with every non-empty value of `column`, in file order, until it returns
/// true: a whole-column decision that the sample left open reads the column to the end.
fn scan_column(input: &Input, column: usize, mut settled: impl FnMut(&str) -> bool) -> anyhow::Result<()> {
    let mut records = input.source().records()?;
    let mut record = intake_core::read::Record::default();
    while records.next_record(&mut record)? {
        let value = record.get(column).unwrap_or("").trim();
        if !value.is_empty() && !is_empty_date(value) && settled(value) {
            break;
        }
    }
    Ok(())
}

/// The one of two day/month orders that every date of `column` fits (values that fit
/// neither are bad cells, not evidence), or `None` when both still do, or neither.
fn whole_column_date_order(
    input: &Input,
    column: usize,
    day_first: &str,
    month_first: &str,
) -> anyhow::Result<Option<String>> {
    let (mut day, mut month) = (true, true);
    scan_column(input, column, |value| {
        let fits = |format: &str| normalize_date(value, Some(format)).is_ok();
        let (fits_day, fits_month) = (fits(day_first), fits(month_first));
        if fits_day || fits_month {
            day &= fits_day;
            month &= fits_month;
        }
        !day && !month
    })?;
    Ok(match (day, month) {
        (true, false) => Some(day_first.to_string()),
        (false, true) => Some(month_first.to_string()),
        _ => None,
    })
}

/// The decimal mark the numbers of `column` show, when they show one and only one.
fn whole_column_decimal_mark(input: &Input, column: usize) -> anyhow::Result<Option<char>> {
    let (mut point, mut comma) = (false, false);
    scan_column(input, column, |value| {
        match decimal_mark_of(value) {
            DecimalMark::Point => point = true,
            DecimalMark::Comma => comma = true,
            DecimalMark::Ambiguous | DecimalMark::None => {}
        }
        point && comma
    })?;
    Ok(match (point, comma) {
        (true, false) => Some('.'),
        (false, true) => Some(','),
        _ => None,
    })
}

fn path_text(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}
