//! `intake mapping suggest | save`, and reading a saved mapping for `import --mapping`.
//!
//! A saved mapping is TOML: a `[map]` table of `"Column Header" = "field"` and a `skip`
//! list of headers, so that a recurring import from the same source is one command.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use intake_core::identify::IdentifierKind;
use intake_import::mapping::{ColumnView, describe_columns, map_file, suggest_mapping};
use intake_import::mapping_file::to_file;
use intake_import::settings::mapping_request;
use intake_store::SqliteStore;

use crate::args::MappingCommand;
use crate::commands::import::{read_request, say};
use crate::output::{self, outln};
use crate::paths::WholeFile;

/// Runs a `mapping` subcommand.
pub fn run(store: &mut SqliteStore, command: MappingCommand) -> anyhow::Result<ExitCode> {
    match command {
        MappingCommand::Suggest { read, default_region, json } => {
            let (input, sample, mapping) =
                suggest_mapping(store, &read_request(&read), default_region, &mut say(false))?;
            let columns = describe_columns(&input, &sample, &mapping, store.schema());
            if json {
                output::json_line(&serde_json::to_string_pretty(&columns)?)?;
            } else {
                print_columns(&columns, mapping.export)?;
            }
        }
        MappingCommand::Save { read, default_region, maps, skips, output, force } => {
            let request = mapping_request(None, &maps, &skips, IdentifierKind::Email)?;
            let (input, _, mapping) = map_file(store, &read_request(&read), default_region, request)?;
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
