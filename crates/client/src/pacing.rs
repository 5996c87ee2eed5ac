//! [`RatePacer`]: the client's copy of the exchange's per-key call counter, so calls wait before
//! they are sent instead of being refused with `EAPI:Rate limit exceeded`.
//!
//! The exchange's counter starts at 0, adds each call's cost ([`Endpoint::rate_cost`]) and decays
//! continuously at the tier's rate ([`RateTier`]); over the tier's maximum a call is refused.
//! The pacer keeps the same counter in integer millionths of a call (no floats) and admits a call
//! only if the counter plus its cost stays within the maximum.
//!
//! It errs on the slow side: a call is counted from when its answer came back (the exchange
//! counted it on arrival, earlier, and has decayed it more), and a refusal saturates the counter.
//!
//! [`Endpoint::rate_cost`]: countersign_kraken::rest::Endpoint::rate_cost

use std::time::Duration;

/// Millionths of a call: the counter's unit.
const UNIT: u64 = 1_000_000;

/// Milliseconds of decay kept in hand below the maximum: the clock reads whole milliseconds, so
/// an elapsed time can be over-read by up to one at each end.
const HEADROOM_MS: u64 = 2;

pub use countersign_kraken::{RateLimit, RateTier};

fn max_units(limit: RateLimit) -> u64 {
    u64::from(limit.max).saturating_mul(UNIT)
}

/// Decay per millisecond in millionths of a call (at least 1, so a wait always ends).
fn decay_per_ms(limit: RateLimit) -> u64 {
    u64::from(limit.decay_milli_per_sec).max(1)
}

/// One key's call counter as the client models it. Times are milliseconds on any clock that
/// does not go backwards much (a backwards step only makes the pacer slower).
#[derive(Debug, Clone)]
pub struct RatePacer {
    limit: RateLimit,
    /// Counter, millionths of a call, as of `at_ms`.
    level: u64,
    at_ms: u64,
}

impl RatePacer {
    /// A pacer with an empty counter.
    pub fn new(limit: RateLimit) -> Self {
        Self {
            limit,
            level: 0,
            at_ms: 0,
        }
    }

    /// The counter's limit.
    pub fn limit(&self) -> RateLimit {
        self.limit
    }

    fn decay_to(&mut self, now_ms: u64) {
        let elapsed = now_ms.saturating_sub(self.at_ms);
        self.level = self
            .level
            .saturating_sub(elapsed.saturating_mul(decay_per_ms(self.limit)));
        self.at_ms = self.at_ms.max(now_ms);
    }

    /// Counts a call of `cost` at `now_ms` if the counter allows it now; otherwise counts
    /// nothing and says how long to wait before asking again.
    pub fn reserve(&mut self, cost: u32, now_ms: u64) -> Result<(), Duration> {
        self.decay_to(now_ms);
        let need = u64::from(cost).saturating_mul(UNIT);
        let after = self.level.saturating_add(need);
        let max = max_units(self.limit)
            .saturating_sub(HEADROOM_MS.saturating_mul(decay_per_ms(self.limit)));
        if after <= max {
            self.level = after;
            return Ok(());
        }
        let excess = after - max;
        Err(Duration::from_millis(
            excess.div_ceil(decay_per_ms(self.limit)),
        ))
    }

    /// After the answer to a call counted at `sent_ms` came back at `answered_ms`: count the
    /// call from the answer instead, since the exchange counted it somewhere in between.
    pub fn answered(&mut self, cost: u32, sent_ms: u64, answered_ms: u64) {
        let took = answered_ms.saturating_sub(sent_ms);
        let decayed = took.saturating_mul(decay_per_ms(self.limit));
        let cost = u64::from(cost).saturating_mul(UNIT);
        self.level = self.level.saturating_add(decayed.min(cost));
    }

    /// The exchange refused a call for its rate: its counter is at the maximum (another process
    /// may share the key), so ours is too.
    pub fn saturate(&mut self, now_ms: u64) {
        self.decay_to(now_ms);
        self.level = self.level.max(max_units(self.limit));
    }

    /// The counter at `now_ms`, in millionths of a call.
    pub fn level_at(&self, now_ms: u64) -> u64 {
        let mut copy = self.clone();
        copy.decay_to(now_ms);
        copy.level
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiers_match_the_spec() {
        assert_eq!(RateTier::Starter.limit(), RateLimit::new(15, 330));
        assert_eq!(RateTier::Intermediate.limit(), RateLimit::new(20, 500));
        assert_eq!(RateTier::Pro.limit(), RateLimit::new(20, 1_000));
    }

    #[test]
    fn a_full_counter_waits_exactly_for_the_decay() {
        let mut p = RatePacer::new(RateTier::Starter.limit());
        let t = 1_000_000;
        for _ in 0..14 {
            assert_eq!(p.reserve(1, t), Ok(()));
        }
        // The 15th call fits once the 2 ms of headroom have decayed.
        assert_eq!(p.reserve(1, t), Err(Duration::from_millis(2)));
        assert_eq!(p.reserve(1, t + 2), Ok(()));
        // The 16th needs a whole call's decay: 1 / 0.33 s = 3030.3 ms, rounded up.
        assert_eq!(p.reserve(1, t + 2), Err(Duration::from_millis(3_031)));
        assert_eq!(p.reserve(1, t + 3_032), Err(Duration::from_millis(1)));
        assert_eq!(p.reserve(1, t + 3_033), Ok(()));
    }

    #[test]
    fn ledger_calls_cost_two() {
        let mut p = RatePacer::new(RateTier::Pro.limit());
        for _ in 0..9 {
            assert_eq!(p.reserve(2, 0), Ok(()));
        }
        assert_eq!(p.reserve(2, 0), Err(Duration::from_millis(2)));
        assert_eq!(p.reserve(2, 2), Ok(()));
        assert_eq!(p.reserve(2, 2), Err(Duration::from_millis(2_000)));
        assert_eq!(p.reserve(1, 1_002), Ok(()));
    }

    #[test]
    fn counting_from_the_answer_and_refusals_slow_the_pacer() {
        let mut p = RatePacer::new(RateTier::Pro.limit());
        assert_eq!(p.reserve(1, 0), Ok(()));
        p.answered(1, 0, 400);
        // Counted as if made at 400 ms: at 1000 ms 0.6 calls have decayed, not 1.
        assert_eq!(p.level_at(1_000), 400_000);
        p.saturate(1_000);
        assert_eq!(p.reserve(1, 1_000), Err(Duration::from_millis(1_002)));
    }

    #[test]
    fn a_clock_step_backwards_does_not_free_capacity() {
        let mut p = RatePacer::new(RateLimit::new(3, 1_000));
        assert_eq!(p.reserve(2, 10_000), Ok(()));
        assert!(p.reserve(1, 5_000).is_err());
        assert_eq!(p.level_at(5_000), 2 * UNIT);
    }
}
