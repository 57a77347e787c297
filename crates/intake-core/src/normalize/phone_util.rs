//! libphonenumber utils, one per thread that parses phones at a time.
//!
//! `rlibphonenumber`'s shared util compiles each regex once, and the `regex` crate keeps a
//! regex's match caches in a pool that only the first thread to use it reaches without a lock.
//! With two threads parsing on the shared util, the second one pays a lock round trip on every
//! one of the dozen regex searches a number takes: two threads together then parse *slower*
//! than one (800k numbers: 1.47 s of CPU on the shared util against 0.68 s on a util each).
//! A util costs about 26 MB (its metadata and the regexes it has compiled), so utils are not
//! made per thread but lent from a pool: a thread that parses many numbers holds one for a
//! while ([`hold`]); any other call borrows a spare one for the call's length. As many utils
//! exist as threads ever parsed at the same time.

use std::cell::RefCell;
use std::sync::Mutex;

use rlibphonenumber::PhoneNumberUtil;

/// Utils no thread holds.
static SPARE: Mutex<Vec<PhoneNumberUtil>> = Mutex::new(Vec::new());

thread_local! {
    /// The util this thread holds while a [`Hold`] of it lives.
    static HELD: RefCell<Option<PhoneNumberUtil>> = const { RefCell::new(None) };
}

/// Keeps a util with this thread until dropped; then it goes back to the spares.
#[must_use = "the util goes back to the pool when the hold is dropped"]
pub struct Hold {
    /// Whether this hold took the util (an inner hold on the same thread does not).
    took: bool,
}

/// Lends this thread a util until the returned [`Hold`] is dropped: for a thread about to
/// parse many numbers, such as a worker preparing a chunk of rows.
pub fn hold() -> Hold {
    let took = HELD.with(|held| {
        let mut held = held.borrow_mut();
        if held.is_some() {
            return false;
        }
        *held = Some(take_spare());
        true
    });
    Hold { took }
}

impl Drop for Hold {
    fn drop(&mut self) {
        if self.took
            && let Some(util) = HELD.with(|held| held.borrow_mut().take())
        {
            give_back(util);
        }
    }
}

/// Runs `f` with this thread's held util, or else with a spare one lent for the call.
pub fn with_util<T>(f: impl FnOnce(&PhoneNumberUtil) -> T) -> T {
    // `try_with` fails only while the thread's locals are being torn down; a spare serves then.
    let held = HELD.try_with(|held| held.borrow_mut().take()).ok().flatten();
    let (util, was_held) = match held {
        Some(util) => (util, true),
        None => (take_spare(), false),
    };
    let result = f(&util);
    match was_held {
        true => {
            let _ = HELD.try_with(|held| *held.borrow_mut() = Some(util));
        }
        false => give_back(util),
    }
    result
}

fn take_spare() -> PhoneNumberUtil {
    let spare = SPARE.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).pop();
    spare.unwrap_or_else(new_util)
}

fn give_back(util: PhoneNumberUtil) {
    SPARE.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push(util);
}

fn new_util() -> PhoneNumberUtil {
    // The metadata is compiled into the crate; it fails to load only if the crate is broken,
    // which its own tests and ours would show.
    PhoneNumberUtil::new().expect("rlibphonenumber's built-in metadata loads")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hold_keeps_one_util_and_gives_it_back() {
        std::thread::spawn(|| {
            let hold = hold();
            let inner = super::hold();
            with_util(|util| {
                assert!(util.get_country_code_for_region(rlibphonenumber::Region::DE).is_some())
            });
            drop(inner);
            assert!(HELD.with(|h| h.borrow().is_some()), "an inner hold leaves the outer one's util");
            drop(hold);
            assert!(HELD.with(|h| h.borrow().is_none()), "the util went back to the spares");
        })
        .join()
        .unwrap();
    }
}
