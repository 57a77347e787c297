//! The request limit per API key (`rate_limit_per_minute`): counted in memory by the key's id
//! once the key is known, so unauthenticated requests count against no key and no request
//! costs a store access beyond its authentication.
//!
//! The limit is a GCRA (`governor`): a key may send the whole minute's requests at once, then
//! as many again spread evenly over the next minute, never more than the limit within the
//! time the bucket takes to refill. A key over it gets 429 with `Retry-After`.

use std::num::NonZeroU32;

use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::error::AppError;

/// Above this many keys tracked, keys whose bucket is full again are forgotten, so memory
/// follows the keys in use, not every key ever seen.
const TRACKED_KEYS: usize = 4096;

/// Requests per key per minute.
pub(crate) struct KeyLimiter {
    per_minute: u32,
    /// None when there is no limit (0).
    limiter: Option<DefaultKeyedRateLimiter<i64>>,
}

impl KeyLimiter {
    /// At most `per_minute` requests per key per minute; 0 for no limit.
    pub fn new(per_minute: u32) -> KeyLimiter {
        let limiter = NonZeroU32::new(per_minute).map(|n| RateLimiter::keyed(Quota::per_minute(n)));
        KeyLimiter { per_minute, limiter }
    }

    /// Counts one request of key `key_id`; refuses it once the key is over the limit.
    pub fn check(&self, key_id: i64) -> Result<(), AppError> {
        let Some(limiter) = &self.limiter else {
            return Ok(());
        };
        if limiter.len() > TRACKED_KEYS {
            limiter.retain_recent();
        }
        limiter.check_key(&key_id).map_err(|not_until| {
            let wait = not_until.wait_time_from(limiter.clock().now());
            AppError::rate_limited(self.per_minute, wait)
        })
    }
}
