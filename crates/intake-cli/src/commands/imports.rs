//! `intake imports list | resume | undo`.

use std::process::ExitCode;

use intake_store::SqliteStore;
use serde_json::json;

use crate::args::ImportsCommand;
use crate::commands::import;

/// Runs an `imports` subcommand.
pub fn run(store: &mut SqliteStore, command: ImportsCommand) -> anyhow::Result<ExitCode> {
    match command {
        ImportsCommand::List { json } => list(store, json),
        ImportsCommand::Resume { id, json } => import::resume(store, id, json),
        ImportsCommand::Undo { id, dry_run, json } => undo(store, id, dry_run, json),
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
        println!("{}", serde_json::Value::Array(rows));
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{:>5}  {:<10} {:<8} {:>9} {:>9} {:>9} {:>9} {:>9}  file",
        "id", "state", "dry-run", "rows", "imported", "updated", "skipped", "errors"
    );
    for r in &imports {
        let c = &r.checkpoint.counts;
        println!(
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
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn undo(store: &mut SqliteStore, id: i64, dry_run: bool, as_json: bool) -> anyhow::Result<ExitCode> {
    let report = if dry_run { store.preview_undo(id)? } else { store.undo_import(id)? };
    if as_json {
        println!(
            "{}",
            json!({
                "import_id": id.to_string(), "dry_run": dry_run,
                "deleted": report.deleted, "restored": report.restored,
                "memberships_removed": report.memberships_removed,
                "conflicts": report.conflicts, "kept_unsubscribed": report.kept_subscriptions,
            })
        );
        return Ok(ExitCode::SUCCESS);
    }
    if dry_run {
        println!(
            "dry run, nothing changed: undoing import {id} would delete {} contacts, restore {} values and remove {} tags and list memberships",
            report.deleted, report.restored, report.memberships_removed
        );
    } else {
        println!(
            "import {id} undone: {} contacts deleted, {} values restored, {} tags and list memberships removed",
            report.deleted, report.restored, report.memberships_removed
        );
    }
    for line in report.conflicts.iter().chain(&report.kept_subscriptions) {
        println!("  {line}");
    }
    Ok(ExitCode::SUCCESS)
}
