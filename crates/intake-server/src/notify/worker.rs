//! The notifier: a thread of its own that takes the due deliveries from the store's queue,
//! sends them (a few at once, each on a scoped thread, so one slow receiver does not hold up
//! the others for long), records every attempt, and schedules the next one with exponential
//! backoff until the last retry, after which the delivery is `failed`. Everything it knows
//! is in the store, so a restart picks up where it stopped.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use intake_store::{
    AfterAttempt, Attempt, Notification, NotificationKind, NotificationQueue, SqliteNotifications,
    StoreError, WebhookTarget, now, now_ms,
};

use super::email::Mailer;
use super::{payload, webhook};
use crate::config::ServerConfig;
use crate::error::ServerError;

/// How often the queue is looked at when it had nothing due.
const POLL: Duration = Duration::from_millis(250);
/// How many deliveries are sent at once.
const BATCH: u32 = 8;
/// The longest wait between two attempts.
const MAX_BACKOFF_MS: u64 = 6 * 60 * 60 * 1000;

/// What an attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Outcome {
    pub delivered: bool,
    /// The HTTP status or SMTP reply code, when there was one.
    pub status: Option<i64>,
    pub error: Option<String>,
    /// Trying again cannot help (the SMTP server refused the address for good …).
    pub permanent: bool,
}

impl Outcome {
    pub fn delivered(status: Option<i64>) -> Outcome {
        Outcome { delivered: true, status, error: None, permanent: false }
    }

    pub fn failed(status: Option<i64>, error: String) -> Outcome {
        Outcome { delivered: false, status, error: Some(error), permanent: false }
    }

    pub fn permanent(error: String) -> Outcome {
        Outcome { delivered: false, status: None, error: Some(error), permanent: true }
    }
}

/// Sends the store's due notifications.
pub struct Notifier {
    db: PathBuf,
    /// The service's address in links, without a trailing `/`.
    public_url: String,
    retries: u32,
    retry_base_ms: u64,
    agent: ureq::Agent,
    mailer: Option<Mailer>,
}

/// A due delivery and where it goes.
struct Job {
    notification: Notification,
    to: Destination,
}

enum Destination {
    Webhook(WebhookTarget),
    Email,
    /// Nowhere any more: why.
    Gone(&'static str),
}

impl Notifier {
    /// The notifier of the service `config` describes, listening on `address` (the links'
    /// address unless the settings give one). Refuses SMTP settings that cannot work.
    pub fn new(config: &ServerConfig, address: SocketAddr) -> Result<Notifier, ServerError> {
        let settings = &config.notify();
        let mailer = Mailer::from_settings(settings).map_err(ServerError::Settings)?;
        if mailer.is_none() {
            tracing::info!("e-mail notifications are off: no SMTP server is set (--smtp-host)");
        }
        let public_url = settings.public_url.clone().unwrap_or_else(|| format!("http://{address}"));
        webhook::check_url(&public_url).map_err(|e| ServerError::Settings(format!("--public-url: {e}")))?;
        Ok(Notifier {
            db: config.db.clone(),
            public_url: public_url.trim_end_matches('/').to_string(),
            retries: settings.webhook_retries,
            retry_base_ms: settings.webhook_retry_base_ms,
            agent: webhook::agent(config.webhook_allow_private),
            mailer,
        })
    }

    /// Runs the notifier on a thread of its own for as long as the process lives.
    pub fn spawn(self) -> Result<(), ServerError> {
        let spawned = std::thread::Builder::new().name("intake-notifier".into()).spawn(move || self.run());
        spawned.map(|_| ()).map_err(ServerError::Notifier)
    }

    fn run(self) {
        let mut queue = None;
        loop {
            let sent = match queue.as_mut() {
                Some(queue) => self.run_once(queue),
                None => SqliteNotifications::open(&self.db).map(|opened| {
                    queue = Some(opened);
                    0
                }),
            };
            match sent {
                Ok(0) => std::thread::sleep(POLL),
                Ok(_) => {}
                Err(error) => {
                    tracing::error!(%error, "the notifier cannot read its queue; trying again");
                    std::thread::sleep(POLL * 20);
                }
            }
        }
    }

    /// Sends the deliveries due now (a batch of them) and records their attempts; returns
    /// how many were tried.
    pub fn run_once(&self, queue: &mut impl NotificationQueue) -> Result<usize, StoreError> {
        let due = queue.due(now_ms(), BATCH)?;
        let mut jobs = Vec::with_capacity(due.len());
        for notification in due {
            let to = self.destination(queue, &notification)?;
            jobs.push(Job { notification, to });
        }
        let attempts: Vec<(Attempt, Outcome)> = std::thread::scope(|scope| {
            let running: Vec<_> = jobs
                .iter()
                .map(|job| {
                    std::thread::Builder::new().spawn_scoped(scope, || self.attempt(job)).map_err(|_| job)
                })
                .collect();
            // A delivery that got no thread of its own is sent on this one.
            running
                .into_iter()
                .map(|thread| match thread {
                    Ok(thread) => thread.join().unwrap_or_else(|_| failed_attempt("the attempt panicked")),
                    Err(job) => self.attempt(job),
                })
                .collect()
        });
        for (job, (attempt, outcome)) in jobs.iter().zip(attempts) {
            let then = self.after(&job.notification, &outcome);
            queue.record_attempt(job.notification.id, &attempt, then)?;
            log(&job.notification, &attempt, then);
        }
        Ok(jobs.len())
    }

    fn destination(
        &self,
        queue: &mut impl NotificationQueue,
        notification: &Notification,
    ) -> Result<Destination, StoreError> {
        Ok(match notification.kind {
            NotificationKind::Email if self.mailer.is_none() => {
                Destination::Gone("not sent: no SMTP server is set (--smtp-host)")
            }
            NotificationKind::Email => Destination::Email,
            NotificationKind::Webhook => {
                let id = notification.target.parse::<i64>().unwrap_or(0);
                match queue.webhook_target(notification.workspace_id, id)? {
                    Some(target) => Destination::Webhook(target),
                    None => Destination::Gone("not sent: the webhook was deleted"),
                }
            }
        })
    }

    /// One attempt at `job`, timed.
    fn attempt(&self, job: &Job) -> (Attempt, Outcome) {
        let n = &job.notification;
        let (at, started) = (now(), Instant::now());
        let body = payload::complete(&n.body, n.id, &self.public_url, at);
        let outcome = match (&job.to, &self.mailer) {
            (Destination::Webhook(target), _) => {
                webhook::deliver(&self.agent, target, n.id, &n.event, body.to_string().as_bytes(), at)
            }
            (Destination::Email, Some(mailer)) => mailer.send(n.id, &n.target, &body),
            (Destination::Email, None) => Outcome::permanent("not sent: no SMTP server is set".into()),
            (Destination::Gone(why), _) => Outcome::permanent(why.to_string()),
        };
        let duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        let attempt = Attempt { at, status: outcome.status, error: outcome.error.clone(), duration_ms };
        (attempt, outcome)
    }

    /// What follows an attempt that came to `outcome`.
    fn after(&self, notification: &Notification, outcome: &Outcome) -> AfterAttempt {
        let made = notification.attempts + 1;
        if outcome.delivered {
            AfterAttempt::Delivered
        } else if outcome.permanent || made > self.retries {
            AfterAttempt::Failed
        } else {
            let wait = backoff_ms(self.retry_base_ms, made);
            AfterAttempt::RetryAt(now_ms().saturating_add(i64::try_from(wait).unwrap_or(i64::MAX)))
        }
    }
}

/// The wait after failed attempt `made` (1 for the first): the base, doubled for each
/// attempt before, at most [`MAX_BACKOFF_MS`].
fn backoff_ms(base_ms: u64, made: u32) -> u64 {
    let factor = 1u64.checked_shl(made.saturating_sub(1)).unwrap_or(u64::MAX);
    base_ms.saturating_mul(factor).min(MAX_BACKOFF_MS)
}

fn failed_attempt(why: &str) -> (Attempt, Outcome) {
    let outcome = Outcome::failed(None, why.to_string());
    (Attempt { at: now(), status: None, error: outcome.error.clone(), duration_ms: 0 }, outcome)
}

/// One line per attempt. A webhook is named by its id; an e-mail by nothing of its address,
/// nor by the SMTP server's message, which may quote it.
fn log(n: &Notification, attempt: &Attempt, then: AfterAttempt) {
    let kind = n.kind.as_str();
    let webhook = (n.kind == NotificationKind::Webhook).then_some(n.target.as_str());
    let error = if n.kind == NotificationKind::Webhook { attempt.error.as_deref() } else { None };
    let number = n.attempts + 1;
    let (status, ms) = (attempt.status, attempt.duration_ms);
    match then {
        AfterAttempt::Delivered => {
            tracing::info!(
                delivery = n.id,
                kind,
                webhook,
                attempt = number,
                status,
                ms,
                "notification delivered"
            )
        }
        AfterAttempt::RetryAt(at) => tracing::warn!(
            delivery = n.id,
            kind,
            webhook,
            attempt = number,
            status,
            error,
            ms,
            retry_in_ms = at - now_ms(),
            "notification attempt failed; it is tried again"
        ),
        AfterAttempt::Failed => tracing::warn!(
            delivery = n.id,
            kind,
            webhook,
            attempt = number,
            status,
            error,
            ms,
            "notification attempt failed; it is given up"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_wait_doubles_from_the_base_up_to_six_hours() {
        assert_eq!((1..=4).map(|n| backoff_ms(100, n)).collect::<Vec<_>>(), [100, 200, 400, 800]);
        assert_eq!(backoff_ms(30_000, 40), MAX_BACKOFF_MS);
        assert_eq!(backoff_ms(u64::MAX, 2), MAX_BACKOFF_MS);
    }
}
