//! Diagnostic logs on standard error, through `tracing` (the `log` records of libraries
//! included). What is logged is chosen by `INTAKE_LOG`, else `RUST_LOG` (`warn`,
//! `intake_core=info,debug` …), else the command's default: warnings only, and for `intake
//! serve` `info` (one line per request, its start and stop).
//!
//! Whatever they say, no contact data reaches the log: libraries that log the values they
//! are handed are held to levels at which they log none ([`VALUE_FREE_LEVELS`]), by a second
//! filter that the user's cannot override; intake's own events log counts and timings only.

use tracing_subscriber::filter::{EnvFilter, FilterExt, LevelFilter, Targets};
use tracing_subscriber::fmt;
use tracing_subscriber::prelude::*;

/// The variables that choose what is logged, the first one set winning.
const FILTER_VARIABLES: [&str; 2] = ["INTAKE_LOG", "RUST_LOG"];

/// Libraries that log values from the file, and the most they may log. `rlibphonenumber`
/// logs every number it parses at trace level, and country calling codes in its warnings (its
/// errors are about its own metadata); `calamine` logs a workbook's names and formats at
/// debug level, and its warnings are about the file's inner parts, printed once per pass
/// over the sheet: what matters to the user comes as intake's own message. `axum` logs every
/// request it rejects at trace level with the reason, which quotes the body's values (the
/// client gets the reason; the service's own log line has the status).
const VALUE_FREE_LEVELS: [(&str, LevelFilter); 3] = [
    ("rlibphonenumber", LevelFilter::ERROR),
    ("calamine", LevelFilter::ERROR),
    ("axum::rejection", LevelFilter::ERROR),
];

/// Sends logs to standard error, filtered as the module says; `default` is the filter when
/// no variable chooses one.
pub fn init(default: &str) {
    let value_free = Targets::new().with_default(LevelFilter::TRACE).with_targets(VALUE_FREE_LEVELS);
    let layer = fmt::layer()
        .with_writer(std::io::stderr)
        // Its default would `eprintln!` that standard error cannot be written to, which panics
        // when standard error is a closed pipe.
        .log_internal_errors(false)
        // Colour codes only for a terminal, not in a redirected log file.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_filter(user_filter(default).and(value_free));
    tracing_subscriber::registry().with(layer).init();
}

/// The filter `INTAKE_LOG` or `RUST_LOG` gives, or `default`.
fn user_filter(default: &str) -> EnvFilter {
    let chosen = FILTER_VARIABLES.iter().find_map(|name| {
        let value = std::env::var(name).ok().filter(|value| !value.trim().is_empty())?;
        Some((name, value))
    });
    let Some((name, value)) = chosen else {
        return EnvFilter::new(default);
    };
    EnvFilter::try_new(&value).unwrap_or_else(|error| {
        crate::output::errln!("{name} ignored ({error}); logging as by default ({default})");
        EnvFilter::new(default)
    })
}
