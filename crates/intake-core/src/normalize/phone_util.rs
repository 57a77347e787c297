//! libphonenumber utils, one per thread that parses phones in bulk.
//!
//! `rlibphonenumber`'s shared util compiles each regex once, and the `regex` crate keeps a
//! regex's match caches in a pool that only the first thread to use it ever reaches without a
//! lock. With two threads parsing on the shared util, the one that did not use it first pays
//! a lock round trip on every one of the dozen regex searches a number takes, and the two
//! together parse *slower* than one (800k numbers: 1.47 s of CPU against 0.68 s on a util
//! each; a util whose first user was another thread, used alone, took 0.45 s for 400k against
//! 0.30 s).
//!
//! So a thread that parses many numbers ([`hold`]) makes a util of its own the first time it
//! needs one, which is then the first user of all its regexes, and drops it when the hold ends.
//! A util costs about 26 MB and 75 ms to make (metadata and the regexes the numbers need),
//! which a few hundred thousand numbers repay. Any other call borrows a spare util for the
//! call's length; the spares are dropped when a holding thread makes its own, so that the
//! utils alive are about one per busy thread.

use std::cell::RefCell;
use std::sync::Mutex;

use rlibphonenumber::PhoneNumberUtil;

/// Utils for calls outside a hold.
static SPARE: Mutex<Vec<PhoneNumberUtil>> = Mutex::new(Vec::new());

/// A holding thread's own util, made at its first need.
type Own = Option<PhoneNumberUtil>;

thread_local! {
    /// `Some` while a [`Hold`] of this thread lives.
    static HELD: RefCell<Option<Own>> = const { RefCell::new(None) };
}

/// Keeps this thread's own util until dropped; then the util is dropped too. Drop it on the
/// thread that made it.
#[must_use = "the thread's own util is dropped with the hold"]
pub struct Hold {
    /// Whether this hold began it (an inner hold on the same thread does not).
    began: bool,
}

/// Marks this thread as one that parses many numbers, until the returned [`Hold`] is
/// dropped: from its next number on it parses with a util of its own.
pub fn hold() -> Hold {
    let began = HELD.with(|held| {
        let mut held = held.borrow_mut();
        if held.is_some() {
            return false;
        }
        *held = Some(None);
        true
    });
    Hold { began }
}

impl Drop for Hold {
    fn drop(&mut self) {
        if self.began {
            let _ = HELD.try_with(|held| held.borrow_mut().take());
        }
    }
}

/// Runs `f` with this thread's own util when it holds one, or else with a spare one.
pub fn with_util<T>(f: impl FnOnce(&PhoneNumberUtil) -> T) -> T {
    // `try_with` fails only while the thread's locals are being torn down; a spare serves then.
    let own = HELD.try_with(|held| {
        let mut held = held.borrow_mut();
        let own = held.as_mut()?;
        Some(own.take().unwrap_or_else(make_own))
    });
    match own.ok().flatten() {
        Some(util) => {
            let result = f(&util);
            let _ = HELD.try_with(|held| {
                if let Some(own) = held.borrow_mut().as_mut() {
                    *own = Some(util);
                }
            });
            result
        }
        None => {
            let util = take_spare();
            let result = f(&util);
            give_back(util);
            result
        }
    }
}

/// A new util for a holding thread; the spares go, as the holding threads do the parsing now.
fn make_own() -> PhoneNumberUtil {
    let spares = std::mem::take(&mut *SPARE.lock().unwrap_or_else(|poisoned| poisoned.into_inner()));
    drop(spares);
    new_util()
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

    fn own_util_address() -> Option<usize> {
        HELD.with(|held| held.borrow().as_ref().and_then(|own| own.as_ref()).map(|u| u as *const _ as usize))
    }

    #[test]
    fn a_holding_thread_parses_with_its_own_util_until_the_hold_ends() {
        std::thread::spawn(|| {
            let de = rlibphonenumber::Region::DE;
            let hold = hold();
            assert_eq!(own_util_address(), None, "made at the first need");
            assert!(with_util(|util| util.get_country_code_for_region(de)).is_some());
            let own = own_util_address();
            assert!(own.is_some());
            let inner = super::hold();
            with_util(|util| util.get_country_code_for_region(de));
            drop(inner);
            assert_eq!(own_util_address(), own, "an inner hold keeps the outer one's util");
            drop(hold);
            assert!(HELD.with(|held| held.borrow().is_none()));
            assert!(with_util(|util| util.get_country_code_for_region(de)).is_some(), "a spare serves");
        })
        .join()
        .unwrap();
    }
}
