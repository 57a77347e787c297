//! `intake contacts export | delete`.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, anyhow, bail};
use intake_core::normalize::{email_match_key, normalize_email, normalize_phone, parse_region};
use intake_formats::export::{VcardWriter, guard_formula};
use intake_store::{DeleteTarget, SqliteStore, StoreError};

use crate::args::ContactsCommand;
use crate::output::{self, StdoutData, errln, outln};
use crate::paths::WholeFile;

/// Runs a `contacts` subcommand.
pub fn run(store: &mut SqliteStore, command: ContactsCommand) -> anyhow::Result<ExitCode> {
    match command {
        ContactsCommand::Export { format, output, no_bom } => {
            export(store, &format, output.as_deref(), !no_bom)?
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
                errln!("no contact matches");
                return Ok(ExitCode::from(1));
            }
            let deleted = store.delete_contacts(&ids, "contacts delete")?;
            outln!("deleted {deleted} contact(s); their unsubscribes are kept as suppressions")?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// What `contacts export` writes.
enum ExportFormat {
    /// UTF-8 CSV, with a byte-order mark when `true` (Excel reads UTF-8 only with one).
    Csv(bool),
    Vcard,
}

/// `contacts export`: CSV with formula-guarded cells, or vCard 4.0, to a file or to
/// standard output (which may close early: `intake contacts export | head`).
fn export(store: &SqliteStore, format: &str, path: Option<&Path>, bom: bool) -> anyhow::Result<()> {
    let format = match format {
        "csv" => ExportFormat::Csv(bom),
        "vcard" | "vcf" => ExportFormat::Vcard,
        _ => bail!("unknown export format {format:?}; use csv or vcard"),
    };
    match path {
        // Written whole: a failed export leaves no half file, and an earlier one as it was.
        Some(path) => {
            let mut file = WholeFile::create(path, true)?;
            write_export(store, format, &mut file)
                .with_context(|| format!("exporting to {}", path.display()))?;
            file.finish()
        }
        None => output::unless_stdout_gone(write_export(store, format, StdoutData::lock())),
    }
}

fn write_export(store: &SqliteStore, format: ExportFormat, out: impl Write) -> anyhow::Result<()> {
    let mut out = std::io::BufWriter::new(out);
    let header = store.export_header();
    match format {
        ExportFormat::Csv(bom) => {
            if bom {
                out.write_all(b"\xEF\xBB\xBF")?;
            }
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
        ExportFormat::Vcard => {
            let cards = VcardWriter::new(&header);
            store.export_contacts(&mut |row| {
                out.write_all(cards.card(&row).as_bytes()).map_err(|e| StoreError::Invalid(e.to_string()))
            })?;
            out.flush()?;
        }
    }
    Ok(())
}
