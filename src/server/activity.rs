//! When an open connection has to go. hyper bounds a request's headers on HTTP/1.1 only, and
//! only once bytes arrive; nothing bounds a connection that sends nothing, a bare HTTP/2
//! preface, or a kept-alive connection that never asks again. So every connection is watched
//! here the same way, whatever its protocol:
//!
//! * from accept to its first request (headers complete), `first_request_timeout`;
//! * with no request in flight, `idle_timeout` after the last one ended;
//! * while a request is in flight, the request's own deadline bounds it (`server/http.rs`).

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::config::LimitsConfig;

/// What one connection has done, as its requests come and go.
#[derive(Debug)]
pub struct Activity {
    accepted: Instant,
    in_flight: AtomicUsize,
    started: AtomicU64,
    /// When the last request ended, in ms after `accepted`.
    last_end_ms: AtomicU64,
}

/// Held while a request is served; dropping it (answered, or abandoned) ends the request.
#[derive(Debug)]
pub struct InFlight(Arc<Activity>);

impl Drop for InFlight {
    fn drop(&mut self) {
        let at = self.0.accepted.elapsed().as_millis() as u64;
        self.0.last_end_ms.fetch_max(at, Ordering::Relaxed);
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The watchdog's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Look again then.
    CheckAt(Instant),
    /// Close the connection, for this reason (for the log).
    Close(&'static str),
}

impl Activity {
    /// A connection accepted at `accepted`.
    pub fn new(accepted: Instant) -> Arc<Activity> {
        Arc::new(Activity {
            accepted,
            in_flight: AtomicUsize::new(0),
            started: AtomicU64::new(0),
            last_end_ms: AtomicU64::new(0),
        })
    }

    /// A request's headers have arrived.
    pub fn begin(self: &Arc<Self>) -> InFlight {
        self.started.fetch_add(1, Ordering::Relaxed);
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight(Arc::clone(self))
    }

    /// Whether the connection may stay open at `now`, and until when.
    pub fn verdict(&self, now: Instant, limits: &LimitsConfig) -> Verdict {
        if self.in_flight.load(Ordering::Relaxed) > 0 {
            return Verdict::CheckAt(now + limits.idle_timeout());
        }
        let (deadline, reason) = if self.started.load(Ordering::Relaxed) == 0 {
            (
                self.accepted + limits.first_request_timeout(),
                "no request within limits.first_request_timeout_ms of accept",
            )
        } else {
            let last_end = Duration::from_millis(self.last_end_ms.load(Ordering::Relaxed));
            (
                self.accepted + last_end + limits.idle_timeout(),
                "idle for limits.idle_timeout_ms",
            )
        };
        if now >= deadline {
            Verdict::Close(reason)
        } else {
            Verdict::CheckAt(deadline)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> LimitsConfig {
        LimitsConfig {
            first_request_timeout_ms: 1_000,
            idle_timeout_ms: 5_000,
            ..LimitsConfig::default()
        }
    }

    #[test]
    fn a_connection_without_a_request_goes_at_the_first_request_deadline() {
        let t0 = Instant::now();
        let a = Activity::new(t0);
        let l = limits();
        assert_eq!(
            a.verdict(t0, &l),
            Verdict::CheckAt(t0 + Duration::from_secs(1))
        );
        assert!(matches!(
            a.verdict(t0 + Duration::from_secs(1), &l),
            Verdict::Close(r) if r.contains("first_request")
        ));
    }

    #[test]
    fn a_request_in_flight_keeps_it_and_idleness_counts_from_its_end() {
        let t0 = Instant::now();
        let a = Activity::new(t0);
        let l = limits();
        let request = a.begin();
        let late = t0 + Duration::from_secs(100);
        assert_eq!(
            a.verdict(late, &l),
            Verdict::CheckAt(late + Duration::from_secs(5))
        );
        drop(request);
        let ended = t0 + Duration::from_millis(a.last_end_ms.load(Ordering::Relaxed));
        assert_eq!(
            a.verdict(ended, &l),
            Verdict::CheckAt(ended + Duration::from_secs(5))
        );
        assert!(matches!(
            a.verdict(ended + Duration::from_secs(5), &l),
            Verdict::Close(r) if r.contains("idle")
        ));
    }
}
