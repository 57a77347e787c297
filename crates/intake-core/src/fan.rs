//! Spreading a stream of chunks over worker threads and taking the results back in the
//! order the chunks were made: one producer, `n` workers fed round-robin through their own
//! bounded channels, and a consumer that reads the workers' outputs round-robin too, so no
//! reordering buffer is needed and memory stays at a few chunks per worker. The consumer
//! can hand a result back to the worker that made it ([`Fan::give_back`]) to be freed there.

use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::Scope;

/// Chunks in flight per worker, on each side of it. Two rather than one: with six threads on
/// two cores a worker is often descheduled mid-chunk, and the consumer, which takes the
/// workers' outputs in turn, then waited for it with the other worker's output blocked
/// behind (1M-row import: the cores busy 1.75 of 2 on average with one, 1.79 with two).
const QUEUE: usize = 2;

/// Results given back that may wait for their worker: as many as can be in flight.
const RETURNS: usize = 2 * QUEUE + 1;

/// The results of [`fan_out_with`], in the order the producer made the chunks. Dropping it
/// stops the workers and then the producer.
pub(crate) struct Fan<O> {
    outputs: Vec<Receiver<O>>,
    /// Per worker, what the consumer gives back to it.
    returns: Vec<SyncSender<O>>,
    next: usize,
}

impl<O> Iterator for Fan<O> {
    type Item = O;

    fn next(&mut self) -> Option<O> {
        let output = self.outputs[self.next % self.outputs.len()].recv().ok()?;
        self.next += 1;
        Some(output)
    }
}

impl<O> Fan<O> {
    /// Hands `spent`, what is left of the last result, back to the worker that made it, which
    /// drops it before its next chunk. The memory allocator frees memory fastest on the
    /// thread that allocated it: on the consumer, freeing the workers' rows and loaded
    /// contacts was a fifth of its time in an import into a full store. When that worker's
    /// queue is full, `spent` is dropped here.
    pub(crate) fn give_back(&self, spent: O) {
        let workers = self.returns.len();
        let _ = self.returns[(self.next + workers - 1) % workers].try_send(spent);
    }
}

/// Runs `produce` on a thread of its own; every chunk it hands over goes to the next worker
/// thread, which applies `work`. There is one worker per element of `states`; each owns its
/// state (a store connection, say), hands it to every call of its copy of `work`, and drops
/// it on its own thread when the chunks end. `produce` should stop when its callback returns
/// false (the consumer has gone).
pub(crate) fn fan_out_with<'scope, 'env, W, I, O, F>(
    scope: &'scope Scope<'scope, 'env>,
    states: Vec<W>,
    produce: impl FnOnce(&mut dyn FnMut(I) -> bool) + Send + 'scope,
    work: F,
) -> Fan<O>
where
    F: Fn(&mut W, I) -> O + Clone + Send + 'scope,
    W: Send + 'scope,
    I: Send + 'scope,
    O: Send + 'scope,
{
    let mut inputs = Vec::with_capacity(states.len());
    let mut outputs = Vec::with_capacity(states.len());
    let mut returns = Vec::with_capacity(states.len());
    for mut state in states {
        let (to_worker, inbox) = sync_channel::<I>(QUEUE);
        let (to_consumer, output) = sync_channel::<O>(QUEUE);
        let (give_back, given_back) = sync_channel::<O>(RETURNS);
        let work = work.clone();
        scope.spawn(move || {
            for input in inbox {
                given_back.try_iter().for_each(drop);
                if to_consumer.send(work(&mut state, input)).is_err() {
                    return;
                }
            }
        });
        inputs.push(to_worker);
        outputs.push(output);
        returns.push(give_back);
    }
    scope.spawn(move || {
        let mut sent = 0usize;
        produce(&mut |input| {
            let delivered = inputs[sent % inputs.len()].send(input).is_ok();
            sent += 1;
            delivered
        });
    });
    Fan { outputs, returns, next: 0 }
}

/// Worker threads for CPU-bound stages: one per core, less the `reserved` cores that another
/// thread of the same run keeps busy; at least one.
pub(crate) fn workers(reserved: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    cores.saturating_sub(reserved).clamp(1, 8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_order_whatever_the_worker_count() {
        for workers in 1..=4 {
            let square = |n: u64| n * n;
            let got: Vec<u64> = std::thread::scope(|scope| {
                let produce = |deliver: &mut dyn FnMut(u64) -> bool| {
                    for n in 0..1000 {
                        if !deliver(n) {
                            return;
                        }
                    }
                };
                fan_out_with(scope, vec![(); workers], produce, |_, n| square(n)).collect()
            });
            assert_eq!(got, (0..1000).map(|n| n * n).collect::<Vec<_>>(), "{workers} workers");
        }
    }

    /// Records on which thread it was made and on which it was dropped.
    struct Tracked {
        made_on: std::thread::ThreadId,
        log: std::sync::Arc<std::sync::Mutex<Vec<bool>>>,
    }

    impl Drop for Tracked {
        fn drop(&mut self) {
            let same = self.made_on == std::thread::current().id();
            self.log.lock().expect("not poisoned").push(same);
        }
    }

    #[test]
    fn results_given_back_are_dropped_by_the_worker_that_made_them() {
        let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        std::thread::scope(|scope| {
            let produce = |deliver: &mut dyn FnMut(u64) -> bool| {
                for n in 0..1000 {
                    if !deliver(n) {
                        return;
                    }
                }
            };
            let make =
                |_: &mut (), _: u64| Tracked { made_on: std::thread::current().id(), log: log.clone() };
            let mut fan = fan_out_with(scope, vec![(); 2], produce, make);
            while let Some(output) = fan.next() {
                fan.give_back(output);
            }
        });
        let log = log.lock().expect("not poisoned");
        assert_eq!(log.len(), 1000);
        // The last few may come back after their worker has ended, and are dropped here.
        let on_their_worker = log.iter().filter(|same| **same).count();
        assert!(on_their_worker >= 980, "{on_their_worker} of 1000 dropped by their worker");
    }

    #[test]
    fn a_consumer_that_stops_early_stops_everyone() {
        let identity = |n: u64| n;
        let first: Vec<u64> = std::thread::scope(|scope| {
            let produce = |deliver: &mut dyn FnMut(u64) -> bool| {
                let mut n = 0;
                while deliver(n) {
                    n += 1;
                }
            };
            fan_out_with(scope, vec![(); 3], produce, |_, n| identity(n)).take(10).collect()
        });
        assert_eq!(first, (0..10).collect::<Vec<_>>());
    }
}
