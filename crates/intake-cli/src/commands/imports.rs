//! `intake imports list | resume | undo`.

use std::process::ExitCode;

use intake_store::{ImportRecord, ImportState, LeaseAction, SqliteStore, WorkspaceLeases, local_time};
use serde_json::json;

use crate::args::ImportsCommand;
use crate::commands::import;
use crate::output::{self, outln};

/// Runs an `imports` subcommand.
pub fn run(store: &mut SqliteStore, command: ImportsCommand) -> anyhow::Result<ExitCode> {
    match command {
        ImportsCommand::List { json } => list(store, json),
        ImportsCommand::Resume { id, json, wait } => import::resume(store, id, json, wait),
        ImportsCommand::Undo { id, dry_run, json, wait } => undo(store, id, dry_run, json, wait),
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
                    "started_at": r.started_at, "finished_at": r.finished_at, "stopped_at": r.stopped_at,
                    "message": r.message, "resume_command": resume_command(store, r),
                })
            })
            .collect();
        output::json_line(&serde_json::Value::Array(rows))?;
        return Ok(ExitCode::SUCCESS);
    }
    outln!(
        "{:>5}  {:<11} {:<8} {:>9} {:>9} {:>9} {:>9} {:>9}  {:<19}  {:<19}  file",
        "id",
        "state",
        "dry-run",
        "rows",
        "imported",
        "updated",
        "skipped",
        "errors",
        "started",
        "ended"
    )?;
    for r in &imports {
        if output::stdout_gone() {
            break;
        }
        let c = &r.checkpoint.counts;
        outln!(
            "{:>5}  {:<11} {:<8} {:>9} {:>9} {:>9} {:>9} {:>9}  {:<19}  {:<19}  {}",
            r.id,
            r.state.as_str(),
            if r.dry_run { "yes" } else { "" },
            c.rows,
            c.imported,
            c.updated,
            c.skipped,
            c.errors,
            local_time(r.started_at),
            r.finished_at.or(r.stopped_at).map(local_time).unwrap_or_default(),
            r.file_name
        )?;
    }
    for r in imports.iter().filter(|r| r.state == ImportState::Interrupted) {
        let stopped = r.stopped_at.map(local_time).unwrap_or_default();
        let resume = resume_command(store, r).unwrap_or_default();
        outln!("import {} was interrupted at {stopped}; finish it with: {resume}", r.id)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The command that finishes an interrupted or failed import, for this store and workspace.
fn resume_command(store: &SqliteStore, record: &ImportRecord) -> Option<String> {
    if record.dry_run || !matches!(record.state, ImportState::Interrupted | ImportState::Failed) {
        return None;
    }
    Some(resume_command_of(store, record.id))
}

/// `intake --db … [--workspace …] imports resume ID`, to paste into a shell.
pub(crate) fn resume_command_of(store: &SqliteStore, id: i64) -> String {
    let mut command = format!("intake --db {}", shell_word(&store.path().to_string_lossy()));
    if store.workspace() != "default" {
        command.push_str(&format!(" --workspace {}", shell_word(store.workspace())));
    }
    command.push_str(&format!(" imports resume {id}"));
    command
}

/// `text` quoted for a POSIX shell when it needs it.
fn shell_word(text: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "/._-+:@%".contains(c);
    if !text.is_empty() && text.chars().all(plain) {
        return text.to_string();
    }
    format!("'{}'", text.replace('\'', "'\\''"))
}

/// `imports undo ID [--dry-run]`, under the workspace's lease: it never undoes an import
/// that is still running, and its preview is what the undo would do.
fn undo(
    store: &mut SqliteStore,
    id: i64,
    dry_run: bool,
    as_json: bool,
    wait: bool,
) -> anyhow::Result<ExitCode> {
    let _lease = intake_import::run::when_granted(wait, &mut import::say(false), || {
        store.lease_import(id, LeaseAction::Undo)
    })?;
    let report = if dry_run { store.preview_undo(id)? } else { store.undo_import(id)? };
    if as_json {
        output::json_line(&json!({
            "import_id": id.to_string(), "dry_run": dry_run,
            "deleted": report.deleted, "restored": report.restored,
            "memberships_removed": report.memberships_removed,
            "conflicts": report.conflicts, "kept_unsubscribed": report.kept_subscriptions,
        }))?;
        return Ok(ExitCode::SUCCESS);
    }
    if dry_run {
        outln!(
            "dry run, nothing changed: undoing import {id} would delete {} contacts, restore {} values and remove {} tags and list memberships",
            report.deleted,
            report.restored,
            report.memberships_removed
        )?;
    } else {
        outln!(
            "import {id} undone: {} contacts deleted, {} values restored, {} tags and list memberships removed",
            report.deleted,
            report.restored,
            report.memberships_removed
        )?;
    }
    for line in report.conflicts.iter().chain(&report.kept_subscriptions) {
        if output::stdout_gone() {
            break;
        }
        outln!("  {line}")?;
    }
    Ok(ExitCode::SUCCESS)
}
