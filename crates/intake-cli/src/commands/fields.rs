//! `intake fields add | list` and `intake settings get | set`.

use std::process::ExitCode;

use anyhow::{anyhow, bail};
use intake_core::model::{FieldDef, FieldKind, FieldType};
use intake_core::normalize::boolean_word;
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

const SETTINGS: [&str; 1] = ["require-first-name"];

/// Runs a `settings` subcommand.
pub fn settings(store: &mut SqliteStore, command: SettingsCommand) -> anyhow::Result<ExitCode> {
    match command {
        SettingsCommand::Get { key } => {
            check_key(&key)?;
            outln!("{}", store.setting(&key)?.unwrap_or_else(|| "true".into()))?;
        }
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

fn check_key(key: &str) -> anyhow::Result<()> {
    if SETTINGS.contains(&key) {
        Ok(())
    } else {
        bail!("unknown setting {key:?}; settings: {}", SETTINGS.join(", "))
    }
}
