//! The `intake` command: import contact files into a contact store and manage what they
//! brought in. Parsing flags and printing are here; the work is in the library crates.

mod args;
mod commands;
mod input;
mod output;

use std::process::ExitCode;

use clap::Parser;

// Rows are allocated on the preparing thread and freed on the committing one; glibc's
// allocator spent about a fifth of an import in malloc/free under that pattern (profiled, see
// docs/benchmarks.md), mimalloc handles it with thread-local free lists.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("INTAKE_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    let cli = args::Cli::parse();
    match commands::run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}
