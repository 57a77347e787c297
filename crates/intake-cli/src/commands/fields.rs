//! `intake fields add | list` and `intake settings get | set`.

use std::process::ExitCode;

use anyhow::{anyhow, bail};
use intake_core::model::{FieldDef, FieldKind, FieldType};
use intake_core::normalize::{boolean_word, parse_region};
use intake_store::SqliteStore;

use crate::args::{FieldsCommand, SettingsCommand};
use crate::output::{self, outln};

/// Runs a `fields` subcommand.
pub fn run(store: &mut SqliteStore, command: FieldsCommand) -> anyhow::Result<ExitCode> {
    match command {
        FieldsCommand::Add { name, field_type, choices, label } => {
            let field_type = FieldType::from_name(&field_type).ok_or_else(|| {
                let names: Vec<&str> = FieldType::ALL.iter().map(|t| t.name()).collect();
                anyhow!("unknown type {field_type:?}: use one of {}", names.join(", "))
            })?;
            let choices: Vec<String> =
                choices.into_iter().map(|c| c.trim().to_string()).filter(|c| !c.is_empty()).collect();
            let label = label.unwrap_or_else(|| name.clone());
            store.add_field(FieldDef {
                name: name.clone(),
                label,
                field_type,
                choices,
                kind: FieldKind::Custom,
                aliases: Vec::new(),
            })?;
            outln!("field {name} ({field_type}) added")?;
        }
        FieldsCommand::List => {
            for field in store.schema().fields() {
                if output::stdout_gone() {
                    break;
                }
                let kind = if field.kind == FieldKind::Builtin { "built-in" } else { "custom" };
                let choices = if field.choices.is_empty() {
                    String::new()
                } else {
                    format!("  [{}]", field.choices.join(", "))
                };
                outln!(
                    "{:<20} {:<13} {:<9} {}{}",
                    field.name,
                    field.field_type.name(),
                    kind,
                    field.label,
                    choices
                )?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The workspace settings: `require-first-name` (yes or no; yes when unset) and
/// `default-region` (the country of phone numbers written without one, for imports that give
/// no `--default-region` and for the API's contact search and changes; none when unset).
const SETTINGS: [&str; 2] = ["require-first-name", "default-region"];

/// Runs a `settings` subcommand.
pub fn settings(store: &mut SqliteStore, command: SettingsCommand) -> anyhow::Result<ExitCode> {
    match command {
        SettingsCommand::Get { key } => {
            check_key(&key)?;
            let unset = if key == "default-region" { "none" } else { "true" };
            outln!("{}", store.setting(&key)?.unwrap_or_else(|| unset.into()))?;
        }
        SettingsCommand::Set { key, value } if key == "default-region" => set_region(store, &value)?,
        SettingsCommand::Set { key, value } => {
            check_key(&key)?;
            // The same yes/no words a boolean cell accepts (`no`, `nein`, `0` …), stored
            // as `true` or `false`.
            let Some(yes) = boolean_word(&value) else {
                bail!("{key} is yes or no (true or false), not {value:?}");
            };
            store.set_setting(&key, if yes { "true" } else { "false" })?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Sets `default-region` to a two-letter region phone numbers can be read in (stored upper
/// case), or removes it (`none`).
fn set_region(store: &mut SqliteStore, value: &str) -> anyhow::Result<()> {
    if value.trim().eq_ignore_ascii_case("none") {
        return Ok(store.remove_setting("default-region")?);
    }
    if parse_region(value).is_none() {
        bail!("default-region is a two-letter country code such as DE or US (or none), not {value:?}");
    }
    Ok(store.set_setting("default-region", &value.trim().to_ascii_uppercase())?)
}

fn check_key(key: &str) -> anyhow::Result<()> {
    if SETTINGS.contains(&key) {
        Ok(())
    } else {
        bail!("unknown setting {key:?}; settings: {}", SETTINGS.join(", "))
    }
}
