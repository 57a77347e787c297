//! `intake imports list | resume | undo`.

use std::process::ExitCode;

use intake_store::SqliteStore;
use serde_json::json;

use crate::args::ImportsCommand;
use crate::commands::import;
use crate::output::{self, outln};

/// Runs an `imports` subcommand.
pub fn run(store: &mut SqliteStore, command: ImportsCommand) -> anyhow::Result<ExitCode> {
    match command {
        ImportsCommand::List { json } => list(store, json),
        ImportsCommand::Resume { id, json } => import::resume(store, id, json),
        ImportsCommand::Undo { id, json } => undo(store, id, json),
    }
}

fn list(store: &SqliteStore, json: bool) -> anyhow::Result<ExitCode> {
    let imports = store.imports()?;
    if json {
        let rows: Vec<_> = imports
            .iter()
            .map(|r| {
                let c = &r.checkpoint.counts;
                json!({
                    "id": r.id.to_string(), "state": r.state.as_str(), "file_name": r.file_name,
                    "dry_run": r.dry_run, "purpose": r.options.purpose.name(),
                    "rows": c.rows, "imported": c.imported, "updated": c.updated,
                    "skipped": c.skipped, "errors": c.errors,
                    "started_at": r.started_at, "finished_at": r.finished_at, "message": r.message,
                })
            })
            .collect();
        output::json_line(&serde_json::Value::Array(rows))?;
        return Ok(ExitCode::SUCCESS);
    }
    outln!(
        "{:>5}  {:<10} {:<8} {:>9} {:>9} {:>9} {:>9} {:>9}  file",
        "id",
        "state",
        "dry-run",
        "rows",
        "imported",
        "updated",
        "skipped",
        "errors"
    )?;
    for r in &imports {
        if output::stdout_gone() {
            break;
        }
        let c = &r.checkpoint.counts;
        outln!(
            "{:>5}  {:<10} {:<8} {:>9} {:>9} {:>9} {:>9} {:>9}  {}",
            r.id,
            r.state.as_str(),
            if r.dry_run { "yes" } else { "" },
            c.rows,
            c.imported,
            c.updated,
            c.skipped,
            c.errors,
            r.file_name
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

fn undo(store: &mut SqliteStore, id: i64, as_json: bool) -> anyhow::Result<ExitCode> {
    let report = store.undo_import(id)?;
    if as_json {
        output::json_line(&json!({
            "import_id": id.to_string(), "deleted": report.deleted, "restored": report.restored,
            "memberships_removed": report.memberships_removed,
            "conflicts": report.conflicts, "kept_unsubscribed": report.kept_unsubscribed,
        }))?;
        return Ok(ExitCode::SUCCESS);
    }
    outln!(
        "import {id} undone: {} contacts deleted, {} values restored, {} tags and list memberships removed",
        report.deleted,
        report.restored,
        report.memberships_removed
    )?;
    for line in report.conflicts.iter().chain(&report.kept_unsubscribed) {
        if output::stdout_gone() {
            break;
        }
        outln!("  {line}")?;
    }
    Ok(ExitCode::SUCCESS)
}
