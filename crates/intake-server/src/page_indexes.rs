//! The indexes the web pages and the contact listings read, built on a thread of their own
//! when the service starts and after each import it runs, so that the first person to open
//! a page does not wait for them (on a million contacts they take a few seconds, and a bulk
//! load into an empty store drops them).

use std::path::PathBuf;
use std::time::Instant;

/// Builds the missing page indexes of the store at `db` on a new thread; logs when they are
/// ready (`why`: what asked for them). A failure (the store busy past its timeout) is logged
/// and leaves each index to the first listing that needs it, as before.
pub(crate) fn build_in_background(db: PathBuf, why: &'static str) {
    let spawned = std::thread::Builder::new().name("page-indexes".into()).spawn(move || {
        let started = Instant::now();
        match intake_store::build_page_indexes(&db) {
            Ok(built) => tracing::info!(
                why,
                built = built.len(),
                seconds = started.elapsed().as_secs_f64(),
                "the page indexes are ready"
            ),
            Err(error) => tracing::warn!(why, %error, "building the page indexes; a listing builds its own"),
        }
    });
    if let Err(error) = spawned {
        tracing::warn!(%error, "no thread to build the page indexes on; a listing builds its own");
    }
}
