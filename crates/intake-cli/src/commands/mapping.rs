//! `intake mapping suggest | save`, and reading a saved mapping for `import --mapping`.
//!
//! A saved mapping is TOML: a `[map]` table of `"Column Header" = "field"` and a `skip`
//! list of headers, so that a recurring import from the same source is one command.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, anyhow};
use intake_core::identify::IdentifierKind;
use intake_core::map::{Mapping, MappingError, MappingRequest, column_name};
use intake_core::model::Schema;
use intake_core::plan::ImportOptions;
use intake_core::suggest::{DateLayout, DecimalMark, ValueKind};
use intake_store::SqliteStore;
use serde::{Deserialize, Serialize};

use crate::args::{MappingCommand, ReadArgs};
use crate::commands::import::{mapping_for, mapping_request};
use crate::input::{self, Input};
use crate::output::{self, errln, outln};
use crate::paths::WholeFile;

/// Sample values shown per column.
const SHOWN_SAMPLES: usize = 3;

/// A saved mapping file.
#[derive(Debug, Default, Serialize, Deserialize)]
struct MappingFile {
    /// Header → field name.
    #[serde(default)]
    map: BTreeMap<String, String>,
    /// Headers left out.
    #[serde(default)]
    skip: Vec<String>,
    /// Headers nothing was decided for: an import with this mapping suggests for them again
    /// and reports them if nothing fits (read for information only; not a skip, so that
    /// their data is never dropped unseen).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    undecided: Vec<String>,
}

/// Runs a `mapping` subcommand.
pub fn run(store: &mut SqliteStore, command: MappingCommand) -> anyhow::Result<ExitCode> {
    match command {
        MappingCommand::Suggest { read, default_region, json } => {
            let (input, sample, mapping) = suggest_mapping(store, &read, default_region)?;
            let columns = describe_columns(&input, &sample, &mapping, store.schema());
            if json {
                output::json_line(&serde_json::to_string_pretty(&columns)?)?;
            } else {
                print_columns(&columns, mapping.export)?;
            }
        }
        MappingCommand::Save { read, default_region, maps, skips, output, force } => {
            let request = mapping_request(None, &maps, &skips, IdentifierKind::Email)?;
            let (input, _, mapping) = map_file(store, &read, default_region, request)?;
            let saved = to_file(input.source().headers(), &mapping, store.schema());
            let text = format!(
                "# intake mapping for files like {}\n# use: intake import FILE --mapping {}\n{}",
                read.file.display(),
                output.display(),
                toml::to_string(&saved)?
            );
            let mut file = WholeFile::create(&output, force)?;
            file.write_all(text.as_bytes()).with_context(|| format!("writing {}", output.display()))?;
            file.finish()?;
            outln!(
                "saved the mapping of {} columns to {}",
                saved.map.len() + saved.skip.len(),
                output.display()
            )?;
            if !saved.undecided.is_empty() {
                let undecided: Vec<String> = saved.undecided.iter().map(|h| format!("{h:?}")).collect();
                outln!("undecided (give --map or --skip to decide): {}", undecided.join(", "))?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Reads a saved mapping into maps and skips.
pub fn load(path: &Path) -> anyhow::Result<MappingRequest> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let file: MappingFile = toml::from_str(&text).map_err(|e| anyhow!("{}: {e}", path.display()))?;
    Ok(MappingRequest { overrides: file.map.into_iter().collect(), skips: file.skip, match_by_id: false })
}

/// The mapping `suggest` shows. Two columns that would both take a field (two `Email`
/// columns) stop an import, but suggestions are what the user needs to choose: the later
/// column is left out, with a note saying how to name it.
fn suggest_mapping(
    store: &SqliteStore,
    read: &ReadArgs,
    default_region: Option<String>,
) -> anyhow::Result<(Input, Vec<Vec<String>>, Mapping)> {
    let mut request = MappingRequest::default();
    loop {
        let error = match map_file(store, read, default_region.clone(), request.clone()) {
            Ok(found) => return Ok(found),
            Err(error) => error,
        };
        let Some(MappingError::MappedTwice { field, second, .. }) = error.downcast_ref::<MappingError>()
        else {
            return Err(error);
        };
        if request.skips.contains(second) {
            return Err(error);
        }
        errln!(
            "note: column {second:?} is left out of these suggestions: field {field:?} would be mapped \
             twice; name it with --map \"{second}=FIELD\" or --skip \"{second}\""
        );
        request.skips.push(second.clone());
    }
}

fn map_file(
    store: &SqliteStore,
    read: &ReadArgs,
    default_region: Option<String>,
    request: MappingRequest,
) -> anyhow::Result<(Input, Vec<Vec<String>>, Mapping)> {
    let mut options = ImportOptions {
        default_region,
        mapping: request,
        reader: input::settings(read)?,
        ..Default::default()
    };
    let input = input::open(&read.file, &options.reader, store.schema())?;
    let sample = input.sample()?;
    let mapping = mapping_for(store, &input, &sample, &mut options, true)?;
    Ok((input, sample, mapping))
}

/// What `mapping suggest` shows of one column.
#[derive(Debug, Serialize)]
struct ColumnView {
    header: String,
    samples: Vec<String>,
    field: Option<String>,
    confidence: Option<f32>,
    basis: Option<String>,
    kind: String,
    note: Option<String>,
}

fn describe_columns(
    input: &Input,
    sample: &[Vec<String>],
    mapping: &Mapping,
    schema: &Schema,
) -> Vec<ColumnView> {
    input
        .source()
        .headers()
        .iter()
        .enumerate()
        .map(|(column, header)| {
            let decision = mapping.decided.iter().find(|d| d.column == column);
            let suggestion = decision.and_then(|d| d.applied.as_ref().or(d.uncertain.first()));
            let samples = sample
                .iter()
                .filter_map(|row| row.get(column))
                .filter(|v| !v.trim().is_empty())
                .take(SHOWN_SAMPLES)
                .cloned()
                .collect();
            let applied = decision.is_some_and(|d| d.applied.is_some());
            let headers = input.source().headers();
            let taken_by = suggestion.and_then(|s| {
                let at = mapping.columns.iter().position(|t| *t == Some(s.target))?;
                (at != column).then(|| column_name(headers, at))
            });
            ColumnView {
                header: header.clone(),
                samples,
                field: suggestion.map(|s| schema.target_name(s.target).to_string()),
                confidence: suggestion.map(|s| s.confidence),
                basis: suggestion.map(|s| s.basis.to_string()),
                kind: decision.map_or_else(|| "-".to_string(), |d| kind_name(&d.kind)),
                note: match (suggestion, applied, taken_by) {
                    (Some(_), false, Some(other)) => Some(format!(
                        "that field is mapped from {other:?}; map this column with --map \"{}=FIELD\"",
                        column_name(headers, column)
                    )),
                    (Some(_), false, None) => Some("not sure enough to apply: confirm with --map".into()),
                    _ => None,
                },
            }
        })
        .collect()
}

fn kind_name(kind: &ValueKind) -> String {
    match kind {
        ValueKind::Empty => "empty".into(),
        ValueKind::Email => "e-mail".into(),
        ValueKind::Phone { mobile: true } => "phone (mobile)".into(),
        ValueKind::Phone { mobile: false } => "phone".into(),
        ValueKind::Date(DateLayout::Iso) => "date (yyyy-mm-dd)".into(),
        ValueKind::Date(DateLayout::DayFirst(f) | DateLayout::MonthFirst(f)) => format!("date ({f})"),
        ValueKind::Date(DateLayout::Ambiguous { day_first, month_first }) => {
            format!("date ({day_first} or {month_first}: ambiguous)")
        }
        ValueKind::Number(DecimalMark::Comma) => "number (decimal comma)".into(),
        ValueKind::Number(DecimalMark::Point) => "number (decimal point)".into(),
        ValueKind::Number(DecimalMark::Ambiguous) => "number (decimal mark ambiguous)".into(),
        ValueKind::Number(DecimalMark::None) => "whole number".into(),
        ValueKind::Repeated(values) => format!("one of {}", values.join(", ")),
        ValueKind::Text => "text".into(),
    }
}

fn print_columns(columns: &[ColumnView], export: Option<&str>) -> std::io::Result<()> {
    if let Some(export) = export {
        outln!("recognized as {export}")?;
    }
    for column in columns {
        if output::stdout_gone() {
            break;
        }
        let field = match (&column.field, column.confidence) {
            (Some(field), Some(confidence)) => format!("{field} ({:.0}%)", confidence * 100.0),
            _ => "-".to_string(),
        };
        outln!("{}", column.header)?;
        outln!("  samples: {}", column.samples.join(" | "))?;
        outln!("  field:   {field}{}", column.basis.as_ref().map(|b| format!(" — {b}")).unwrap_or_default())?;
        outln!("  values:  {}", column.kind)?;
        if let Some(note) = &column.note {
            outln!("  note:    {note}")?;
        }
    }
    Ok(())
}

/// The mapping as a file: every mapped column, the columns skipped (by `--skip` or as a
/// known export leaves them out), and the undecided ones as undecided.
fn to_file(headers: &[String], mapping: &Mapping, schema: &Schema) -> MappingFile {
    let mut file = MappingFile::default();
    // A known export's address columns are sorted out per row, whenever it is recognized.
    let grouped: Vec<usize> = mapping.addresses.iter().flat_map(|g| g.columns()).collect();
    for (column, (header, target)) in headers.iter().zip(&mapping.columns).enumerate() {
        match target {
            None if grouped.contains(&column) => {}
            Some(target) => {
                file.map.insert(header.clone(), schema.target_name(*target).to_string());
            }
            None if mapping.skipped.contains(header) => file.skip.push(header.clone()),
            None => file.undecided.push(header.clone()),
        }
    }
    file
}
