//! The `intake` command: import contact files into a contact store and manage what they
//! brought in. Parsing flags and printing are here; the work is in the library crates.

mod args;
mod commands;
mod logging;
mod output;
mod paths;

use std::process::ExitCode;

use clap::Parser;

// Rows are allocated on the preparing thread and freed on the committing one; glibc's
// allocator spent about a fifth of an import in malloc/free under that pattern (profiled, see
// docs/benchmarks.md), mimalloc handles it with thread-local free lists.
//
// Two of its defaults cost memory an import does not get back: transparent huge pages (off
// at build time, feature `no_thp`) fault in 2 MiB where a few KiB were touched, and freed
// pages went back to the system only after a second. Both halved the peak of a
// million-row import (151 → 75 MB) at the same speed.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay`: its place in mimalloc v3's `mi_option_e`, which
/// `libmimalloc-sys` does not name (a test below checks it against the v3 default).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Milliseconds before freed memory goes back to the system (mimalloc v3: 1000).
const PURGE_DELAY_MS: std::os::raw::c_long = 10;

fn main() -> ExitCode {
    // SAFETY: sets a plain integer option; mimalloc reads options atomically.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, PURGE_DELAY_MS) };
    let cli = match args::Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return usage_error(&error),
    };
    // A service's log has a line per request; a command's, warnings only.
    let serving = matches!(cli.command, args::Command::Serve(_) | args::Command::Worker(_));
    logging::init(if serving { "info" } else { "warn" });
    match commands::run(cli) {
        Ok(code) => code,
        Err(error) => {
            output::errln!("error: {}", one_line(&error));
            ExitCode::from(2)
        }
    }
}

/// `error` and its causes in one line, as `{:#}` writes them, less a cause that the message
/// before it says already: many errors put their source's words in their own message, and
/// the system's reason was printed twice ("Address already in use (os error 98): Address
/// already in use (os error 98)").
fn one_line(error: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in error.chain() {
        let text = cause.to_string();
        if line.contains(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line
}

/// Ends on what clap found. Help and version are printed as clap prints them; a usage error
/// quotes the arguments it could not place (file names a shell glob expanded, say), so it is
/// printed line by line as plain text, escaped like every other message.
fn usage_error(error: &clap::Error) -> ExitCode {
    if !error.use_stderr() {
        error.exit();
    }
    let variable = variable_of(error);
    for (n, line) in error.render().to_string().trim_end().lines().enumerate() {
        output::errln!("{line}");
        if let (0, Some(variable)) = (n, &variable) {
            output::errln!("  (the value of the environment variable {variable})");
        }
    }
    ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(2))
}

/// The environment variable a refused value came from: clap names only the flag, and a
/// service's settings are often variables.
fn variable_of(error: &clap::Error) -> Option<String> {
    use clap::CommandFactory;
    use clap::error::{ContextKind, ContextValue};
    let (Some(ContextValue::String(arg)), Some(ContextValue::String(value))) =
        (error.get(ContextKind::InvalidArg), error.get(ContextKind::InvalidValue))
    else {
        return None;
    };
    let long = arg.split_whitespace().next()?.strip_prefix("--")?;
    let command = args::Cli::command();
    let mut all = command.get_arguments().chain(command.get_subcommands().flat_map(|c| c.get_arguments()));
    let variable = all.find(|a| a.get_long() == Some(long)).and_then(|a| a.get_env())?;
    let set = std::env::var_os(variable)?;
    (set.to_str() == Some(value.as_str())).then(|| variable.to_string_lossy().into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_purge_delay_option_is_where_main_sets_it() {
        // mimalloc v3's default purge delay is 1000 ms; had the enum been renumbered, this
        // would read some other option.
        let delay = unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) };
        assert_eq!(delay, 1000);
    }

    #[test]
    fn an_error_line_says_each_cause_once() {
        let system = std::io::Error::new(std::io::ErrorKind::AddrInUse, "Address already in use");
        let error = anyhow::Error::new(system).context("listening: Address already in use").context("serve");
        assert_eq!(one_line(&error), "serve: listening: Address already in use");
        let error = anyhow::anyhow!("disk full").context("writing results.csv");
        assert_eq!(one_line(&error), "writing results.csv: disk full");
    }
}
