//! `intake contacts export | delete`.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context, anyhow, bail};
use intake_core::normalize::{email_match_key, normalize_email, normalize_phone, parse_region};
use intake_store::{DeleteTarget, SqliteStore, StoreError};

use crate::args::ContactsCommand;

/// Runs a `contacts` subcommand.
pub fn run(store: &mut SqliteStore, command: ContactsCommand) -> anyhow::Result<ExitCode> {
    match command {
        ContactsCommand::Export { format, output } => {
            if format != "csv" {
                bail!("unknown export format {format:?}; use csv");
            }
            let out: Box<dyn Write> = match &output {
                Some(path) => Box::new(
                    std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
                ),
                None => Box::new(std::io::stdout().lock()),
            };
            let mut writer = csv::Writer::from_writer(std::io::BufWriter::new(out));
            writer.write_record(store.export_header())?;
            store.export_contacts(&mut |row| {
                writer.write_record(&row).map_err(|e| StoreError::Invalid(e.to_string()))
            })?;
            writer.flush()?;
        }
        ContactsCommand::Delete { id, email, phone, default_region } => {
            let target = match (id, email, phone) {
                (Some(id), _, _) => DeleteTarget::Id(id),
                (_, Some(email), _) => {
                    let email = normalize_email(&email).map_err(|e| anyhow!("--email {email:?}: {e}"))?;
                    DeleteTarget::EmailKey(email_match_key(&email))
                }
                (_, _, Some(phone)) => {
                    let region = default_region
                        .as_deref()
                        .map(|r| parse_region(r).ok_or_else(|| anyhow!("unknown region {r:?}")))
                        .transpose()?;
                    DeleteTarget::Phone(
                        normalize_phone(&phone, region).map_err(|e| anyhow!("--phone {phone:?}: {e}"))?,
                    )
                }
                _ => bail!("say which contact: --id, --email or --phone"),
            };
            let ids = store.find_contacts(&target)?;
            if ids.is_empty() {
                eprintln!("no contact matches");
                return Ok(ExitCode::from(1));
            }
            let deleted = store.delete_contacts(&ids, "contacts delete")?;
            println!("deleted {deleted} contact(s); their unsubscribes are kept as suppressions");
        }
    }
    Ok(ExitCode::SUCCESS)
}
