//! What the command prints: a progress bar with rows/s on a terminal, the mapping it chose,
//! and the summary (or one JSON object with `--json`).

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use intake_core::map::Mapping;
use intake_core::model::Schema;
use intake_core::report::Counts;
use intake_core::suggest::{Basis, Suggestion};
use intake_store::ImportRecord;
use serde_json::json;

/// A progress bar on standard error, shown only on a terminal and without `--json`.
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// A bar, hidden when `quiet` or standard error is not a terminal.
    pub fn new(quiet: bool) -> Progress {
        let visible = !quiet && std::io::stderr().is_terminal();
        let target = if visible { ProgressDrawTarget::stderr() } else { ProgressDrawTarget::hidden() };
        let bar = ProgressBar::with_draw_target(None, target);
        let style = ProgressStyle::with_template("{spinner} {human_pos} rows  {per_sec}  {elapsed}  {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner());
        bar.set_style(style);
        Progress { bar }
    }

    /// Shows the counts after a batch.
    pub fn update(&self, counts: &Counts) {
        self.bar.set_position(counts.rows);
        self.bar.set_message(format!(
            "imported {} · updated {} · skipped {} · errors {}",
            counts.imported, counts.updated, counts.skipped, counts.errors
        ));
    }

    /// Removes the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// Says which columns are not imported (to standard error, so JSON output stays clean).
pub fn mapping_notes(mapping: &Mapping, schema: &Schema, json: bool) {
    if json {
        return;
    }
    if let Some(export) = mapping.export {
        eprintln!("recognized as {export}: its columns are mapped as that export names them");
    }
    for decision in &mapping.decided {
        let name = |s: &Suggestion| schema.target_name(s.target).to_string();
        match &decision.applied {
            Some(s) if s.basis != Basis::Name && !matches!(s.basis, Basis::Export(_)) => eprintln!(
                "mapped {:?} to {} ({:.0}% sure: {})",
                decision.header,
                name(s),
                s.confidence * 100.0,
                s.basis
            ),
            Some(_) => {}
            None => {
                for s in &decision.uncertain {
                    eprintln!(
                        "not mapped {:?}: perhaps {} ({:.0}% sure: {}); confirm with --map \"{}={}\"",
                        decision.header,
                        name(s),
                        s.confidence * 100.0,
                        s.basis,
                        decision.header,
                        name(s)
                    );
                }
            }
        }
    }
    if !mapping.unmapped.is_empty() {
        eprintln!(
            "not imported (no matching field; use --map \"Header=field\" or --skip): {}",
            mapping.unmapped.join(", ")
        );
    }
    if !mapping.skipped.is_empty() {
        eprintln!("skipped columns: {}", mapping.skipped.join(", "));
    }
}

/// Prints the summary of an import.
pub fn summary(record: &ImportRecord, counts: &Counts, json: bool) {
    if json {
        let value = json!({
            "import_id": record.id.to_string(),
            "dry_run": record.dry_run,
            "rows": counts.rows,
            "imported": counts.imported,
            "updated": counts.updated,
            "skipped": counts.skipped,
            "errors": counts.errors,
            "skipped_reasons": counts.skipped_reasons,
            "import_tag": record.options.import_tag,
        });
        println!("{value}");
        return;
    }
    let verb = if record.dry_run { "would be" } else { "" };
    println!(
        "import {}{}: {} rows",
        record.id,
        if record.dry_run { " (dry run, nothing written)" } else { "" },
        counts.rows
    );
    println!("  imported {verb} {:>10}", counts.imported);
    println!("  updated  {verb} {:>10}", counts.updated);
    println!("  skipped  {verb} {:>10}{}", counts.skipped, reasons(counts));
    println!("  errors   {verb} {:>10}", counts.errors);
    if let Some(tag) = &record.options.import_tag {
        println!("  tagged {tag}");
    }
    if let Some(path) = &record.results_path {
        println!("  results file: {path}");
    }
    if let Some(path) = &record.errors_path {
        println!("  error file: {path}");
    }
}

fn reasons(counts: &Counts) -> String {
    if counts.skipped_reasons.is_empty() {
        return String::new();
    }
    let parts: Vec<String> = counts.skipped_reasons.iter().map(|(k, v)| format!("{k}: {v}")).collect();
    format!("  ({})", parts.join(", "))
}
