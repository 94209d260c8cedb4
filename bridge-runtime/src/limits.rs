//! Limits on calls in one bridge process: per destination cluster and per method, calls
//! started per second and calls in flight ([`Limits`]). A call over a limit waits for its turn,
//! heartbeating, and counts in `temporal_bridge_throttled` meanwhile; it is not failed.
//!
//! Starts are paced, not bucketed: each start is given the next free moment, one interval of
//! `1 / starts_per_second` after the previous one, so a flood reaches the destination at the
//! rate and no faster. (A dozen lines on tokio's clock, where a rate-limiter crate would add a
//! clock abstraction and a dependency tree for the same arithmetic.)

use crate::spec::{Limits, MethodSpec};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// One limit's state.
struct Limiter {
    /// The interval between starts, and the next free moment.
    pace: Option<(Duration, Mutex<Instant>)>,
    /// The in-flight slots.
    slots: Option<Arc<Semaphore>>,
}

impl Limiter {
    fn new(limits: &Limits) -> Option<Limiter> {
        let pace = limits.starts_per_second.map(|n| {
            (
                Duration::from_secs(1) / n.max(1),
                Mutex::new(Instant::now()),
            )
        });
        let slots = limits
            .max_in_flight
            .map(|n| Arc::new(Semaphore::new(n.max(1) as usize)));
        (pace.is_some() || slots.is_some()).then_some(Limiter { pace, slots })
    }

    /// Waits for a slot, held while the permit lives.
    async fn slot(&self) -> Option<OwnedSemaphorePermit> {
        match &self.slots {
            Some(slots) => slots.clone().acquire_owned().await.ok(),
            None => None,
        }
    }

    /// Waits for the next start moment; a call that is due goes at once.
    async fn pace(&self) {
        let Some((every, next)) = &self.pace else {
            return;
        };
        let at = {
            let mut next = next.lock().await;
            let at = (*next).max(Instant::now());
            *next = at + *every;
            at
        };
        if at > Instant::now() {
            tokio::time::sleep_until(at).await;
        }
    }

    /// A slot, then the next start moment.
    #[cfg(test)]
    async fn admit(&self) -> Option<OwnedSemaphorePermit> {
        let permit = self.slot().await;
        self.pace().await;
        permit
    }
}

/// Every limit of one bridge process.
#[derive(Default)]
pub(crate) struct LimitSet {
    destinations: HashMap<String, Limiter>,
    methods: HashMap<&'static str, Limiter>,
}

impl std::fmt::Debug for LimitSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LimitSet")
            .field(
                "destinations",
                &self.destinations.keys().collect::<Vec<_>>(),
            )
            .field("methods", &self.methods.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// The slots a call holds until it ends.
pub(crate) struct Admitted(#[allow(dead_code)] Vec<OwnedSemaphorePermit>);

impl LimitSet {
    /// The limits of `destinations` (by cluster) and of `methods`' specs.
    pub(crate) fn new<'a>(
        destinations: &HashMap<String, Limits>,
        methods: impl IntoIterator<Item = &'a MethodSpec>,
    ) -> LimitSet {
        LimitSet {
            destinations: destinations
                .iter()
                .filter_map(|(cluster, l)| Some((cluster.clone(), Limiter::new(l)?)))
                .collect(),
            methods: methods
                .into_iter()
                .filter_map(|spec| Some((spec.label, Limiter::new(&spec.limits)?)))
                .collect(),
        }
    }

    /// The limits a call of `spec` is under, narrowest first: its method's, the workflow
    /// method's that a with-start call starts, its destination's.
    fn of(&self, spec: &MethodSpec) -> Vec<&Limiter> {
        let started = spec.with_start().map(|w| w.label);
        [
            self.methods.get(spec.label),
            started.and_then(|label| self.methods.get(label)),
            self.destinations.get(spec.cluster),
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    /// Whether a call of `spec` is limited at all.
    pub(crate) fn limits(&self, spec: &MethodSpec) -> bool {
        !self.of(spec).is_empty()
    }

    /// Waits until a call of `spec` is within its limits. Slots are taken narrowest first, so
    /// that a method's own queue does not hold its destination's slots while it waits, and the
    /// pacing comes last, just before the request, so that no wait for a slot after it lets a
    /// call start later than its pace allowed and crowd the next.
    pub(crate) async fn admit(&self, spec: &MethodSpec) -> Admitted {
        let limiters = self.of(spec);
        let mut held = Vec::new();
        for limiter in &limiters {
            held.extend(limiter.slot().await);
        }
        for limiter in &limiters {
            limiter.pace().await;
        }
        Admitted(held)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(starts: Option<u32>, in_flight: Option<u32>) -> Limiter {
        Limiter::new(&Limits {
            starts_per_second: starts,
            max_in_flight: in_flight,
        })
        .expect("a limit")
    }

    #[tokio::test(start_paused = true)]
    async fn starts_are_paced_at_the_rate_from_the_first() {
        let limiter = limiter(Some(20), None);
        let begun = Instant::now();
        let mut at = Vec::new();
        for _ in 0..10 {
            limiter.admit().await;
            at.push(begun.elapsed());
        }
        // The first at once, then one every 50 ms: ten starts take 450 ms, not less.
        assert_eq!(at[0], Duration::ZERO);
        assert_eq!(at[9], Duration::from_millis(450));
    }

    #[tokio::test(start_paused = true)]
    async fn a_call_over_the_in_flight_limit_waits_for_one_to_end() {
        let limiter = Arc::new(limiter(None, Some(2)));
        let first = limiter.admit().await;
        let _second = limiter.admit().await;
        let third = tokio::spawn({
            let limiter = limiter.clone();
            async move { limiter.admit().await }
        });
        tokio::time::sleep(Duration::from_secs(60)).await;
        assert!(
            !third.is_finished(),
            "the third call waits while two are in flight"
        );
        drop(first);
        let admitted = tokio::time::timeout(Duration::from_secs(1), third).await;
        assert!(admitted.is_ok(), "it goes once one ends");
    }

    #[test]
    fn no_key_is_no_limit() {
        assert!(Limiter::new(&Limits::NONE).is_none());
    }
}
