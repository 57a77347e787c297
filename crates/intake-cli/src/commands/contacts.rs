//! `intake contacts export | delete`.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{anyhow, bail};
use intake_core::normalize::{email_match_key, normalize_email, normalize_phone, parse_region};
use intake_formats::export::{VcardWriter, guard_formula};
use intake_store::{DeleteTarget, SqliteStore, StoreError};

use crate::args::ContactsCommand;
use crate::paths::WholeFile;

/// Runs a `contacts` subcommand.
pub fn run(store: &mut SqliteStore, command: ContactsCommand) -> anyhow::Result<ExitCode> {
    match command {
        ContactsCommand::Export { format, output } => export(store, &format, output.as_deref())?,
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

/// `contacts export`: CSV with formula-guarded cells, or vCard 4.0; to a file, written
/// whole (a failed export leaves no half file, and an earlier export as it was), or to
/// standard output.
fn export(store: &SqliteStore, format: &str, output: Option<&Path>) -> anyhow::Result<()> {
    match output {
        Some(path) => {
            let mut file = std::io::BufWriter::new(WholeFile::create(path, true)?);
            write_export(store, format, &mut file)?;
            let file = file.into_inner().map_err(|e| anyhow!("writing {}: {}", path.display(), e.error()))?;
            file.finish()
        }
        None => write_export(store, format, &mut std::io::BufWriter::new(std::io::stdout().lock())),
    }
}

fn write_export(store: &SqliteStore, format: &str, out: &mut dyn Write) -> anyhow::Result<()> {
    let header = store.export_header();
    match format {
        "csv" => {
            let mut writer = csv::Writer::from_writer(out);
            writer.write_record(&header)?;
            store.export_contacts(&mut |row| {
                let guarded: Vec<_> = row.iter().map(|cell| guard_formula(cell)).collect();
                writer
                    .write_record(guarded.iter().map(|cell| cell.as_bytes()))
                    .map_err(|e| StoreError::Invalid(e.to_string()))
            })?;
            writer.flush()?;
        }
        "vcard" | "vcf" => {
            let cards = VcardWriter::new(&header);
            store.export_contacts(&mut |row| {
                out.write_all(cards.card(&row).as_bytes()).map_err(|e| StoreError::Invalid(e.to_string()))
            })?;
            out.flush()?;
        }
        _ => bail!("unknown export format {format:?}; use csv or vcard"),
    }
    Ok(())
}
