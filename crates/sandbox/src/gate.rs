//! What stands between a signed call and its handler, per key and per client address: the
//! per-key rate counter, and the temporary lockout after repeated bad keys, signatures or nonces.
//!
//! - [`Gate`]: the in-memory state, shared by every clone of the sandbox. It is soft state, as on
//!   the exchange: a restart forgets counters and lockouts. Nonces are not soft: the highest and
//!   every one used inside the window are spent in SQLite (`db::spend_nonce`), so a restart, or a
//!   second process on the same database, never accepts one twice.
//! - [`RateTier`] (from `countersign-kraken`): the counter's maximum and decay.
//!
//! Counter arithmetic is integer: the counter is kept in millionths of a call and decays by the
//! millisecond (every tier's decay is a whole number of millionths per millisecond), so no float
//! is involved and no rounding accumulates: the result is exact under a test clock.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

/// Consecutive failed authentications (bad key, signature or nonce) that lock a key or an
/// address out. The exchange does not publish its number; this is the sandbox's documented choice.
pub const LOCKOUT_AFTER: u32 = 5;
/// How long a lockout lasts: about 15 minutes, as the exchange documents.
pub const LOCKOUT_MS: i64 = 15 * 60 * 1000;

pub use countersign_kraken::RateTier;

/// The tier's maximum, in millionths of a call.
fn max_micro(tier: RateTier) -> i64 {
    i64::from(tier.limit().max) * 1_000_000
}

/// The tier's decay in millionths of a call per millisecond (= thousandths per second).
fn decay_micro_per_ms(tier: RateTier) -> i64 {
    i64::from(tier.limit().decay_milli_per_sec)
}

/// Why the gate refused a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The key or the address is locked out.
    LockedOut,
    /// The nonce is out of order or was already used.
    Nonce,
    /// The rate counter would exceed the tier's maximum.
    RateLimited,
}

#[derive(Debug, Default)]
struct KeyState {
    /// Rate counter in millionths of a call, as of `counter_at_ms`.
    counter_micro: i64,
    counter_at_ms: i64,
    failures: u32,
    locked_until_ms: i64,
}

#[derive(Debug, Default)]
struct AddressState {
    failures: u32,
    locked_until_ms: i64,
}

/// The gate's shared state.
#[derive(Debug, Default)]
pub struct Gate {
    keys: Mutex<HashMap<String, KeyState>>,
    addresses: Mutex<HashMap<IpAddr, AddressState>>,
    /// Wrong 2FA codes per member.
    members: Mutex<HashMap<String, AddressState>>,
    /// The account's tier, as an index into [`RateTier::ALL`]; a copy of the stored setting, so
    /// the hot path reads no SQLite for it.
    tier: std::sync::atomic::AtomicUsize,
    /// Operator switch for load tests: the counter still runs but never refuses.
    unmetered: std::sync::atomic::AtomicBool,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // The state is plain counters; a panic mid-update leaves it usable.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Gate {
    /// The account's tier (Starter until set).
    pub fn tier(&self) -> RateTier {
        RateTier::ALL[self.tier.load(std::sync::atomic::Ordering::Relaxed) % RateTier::ALL.len()]
    }

    /// Sets the account's tier (the store keeps the durable copy).
    pub fn set_tier(&self, tier: RateTier) {
        let index = RateTier::ALL.iter().position(|t| *t == tier).unwrap_or(0);
        self.tier.store(index, std::sync::atomic::Ordering::Relaxed);
    }

    /// Turns refusals by the rate counter off (`false`) or on again, for load tests.
    pub fn set_metered(&self, metered: bool) {
        self.unmetered
            .store(!metered, std::sync::atomic::Ordering::Relaxed);
    }

    /// Refuses a decision by a member locked out by wrong codes.
    pub fn check_codes(&self, member: &str, now_ms: i64) -> Result<(), Refusal> {
        if lock(&self.members)
            .get(member)
            .is_some_and(|s| s.locked_until_ms > now_ms)
        {
            return Err(Refusal::LockedOut);
        }
        Ok(())
    }

    /// Counts a wrong code; the [`LOCKOUT_AFTER`]th in a row locks the member's decisions for
    /// [`LOCKOUT_MS`].
    pub fn code_failed(&self, member: &str, now_ms: i64) {
        let mut members = lock(&self.members);
        let s = members.entry(member.to_owned()).or_default();
        s.failures += 1;
        if s.failures >= LOCKOUT_AFTER {
            s.failures = 0;
            s.locked_until_ms = now_ms + LOCKOUT_MS;
        }
    }

    /// A good code clears the member's count.
    pub fn code_passed(&self, member: &str) {
        lock(&self.members).remove(member);
    }

    /// Refuses a call from a locked-out key or address.
    pub fn check_lockout(
        &self,
        api_key: &str,
        peer: Option<IpAddr>,
        now_ms: i64,
    ) -> Result<(), Refusal> {
        if lock(&self.keys)
            .get(api_key)
            .is_some_and(|s| s.locked_until_ms > now_ms)
        {
            return Err(Refusal::LockedOut);
        }
        if let Some(ip) = peer
            && lock(&self.addresses)
                .get(&ip)
                .is_some_and(|s| s.locked_until_ms > now_ms)
        {
            return Err(Refusal::LockedOut);
        }
        Ok(())
    }

    /// Counts a failed authentication against a known key; the [`LOCKOUT_AFTER`]th in a row
    /// locks it for [`LOCKOUT_MS`].
    pub fn key_failed(&self, api_key: &str, now_ms: i64) {
        let mut keys = lock(&self.keys);
        let s = keys.entry(api_key.to_owned()).or_default();
        s.failures += 1;
        if s.failures >= LOCKOUT_AFTER {
            s.failures = 0;
            s.locked_until_ms = now_ms + LOCKOUT_MS;
        }
    }

    /// Counts an unknown key against the calling address (key guessing).
    pub fn address_failed(&self, peer: Option<IpAddr>, now_ms: i64) {
        let Some(ip) = peer else { return };
        let mut addresses = lock(&self.addresses);
        let s = addresses.entry(ip).or_default();
        s.failures += 1;
        if s.failures >= LOCKOUT_AFTER {
            s.failures = 0;
            s.locked_until_ms = now_ms + LOCKOUT_MS;
        }
    }

    /// A call by `api_key` passed key, signature and nonce: its failure count starts again.
    pub fn key_succeeded(&self, api_key: &str) {
        if let Some(s) = lock(&self.keys).get_mut(api_key) {
            s.failures = 0;
        }
    }

    /// Adds `cost` calls to the key's counter after decaying it to `now_ms`, unless that would
    /// exceed the tier's maximum (then the counter is left as it was).
    pub fn charge(
        &self,
        api_key: &str,
        tier: RateTier,
        cost: u32,
        now_ms: i64,
    ) -> Result<(), Refusal> {
        let mut keys = lock(&self.keys);
        let s = keys.entry(api_key.to_owned()).or_default();
        let elapsed = (now_ms - s.counter_at_ms).max(0);
        let decayed = elapsed.saturating_mul(decay_micro_per_ms(tier));
        s.counter_micro = (s.counter_micro - decayed).max(0);
        s.counter_at_ms = now_ms.max(s.counter_at_ms);
        let next = s.counter_micro + i64::from(cost) * 1_000_000;
        if next > max_micro(tier) && !self.unmetered.load(std::sync::atomic::Ordering::Relaxed) {
            return Err(Refusal::RateLimited);
        }
        s.counter_micro = next;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counter_fills_to_the_tier_maximum_then_refuses_and_decays() {
        let g = Gate::default();
        for _ in 0..20 {
            assert_eq!(g.charge("k", RateTier::Intermediate, 1, 0), Ok(()));
        }
        assert_eq!(
            g.charge("k", RateTier::Intermediate, 1, 0),
            Err(Refusal::RateLimited)
        );
        // 0.5/s: after 1999 ms less than one call has decayed; at 2000 ms exactly one.
        assert_eq!(
            g.charge("k", RateTier::Intermediate, 1, 1_999),
            Err(Refusal::RateLimited)
        );
        assert_eq!(g.charge("k", RateTier::Intermediate, 1, 2_000), Ok(()));
        // A ledger query costs 2: after 2 s only one call has decayed.
        assert_eq!(
            g.charge("k", RateTier::Intermediate, 2, 4_000),
            Err(Refusal::RateLimited)
        );
        assert_eq!(g.charge("k", RateTier::Intermediate, 2, 6_000), Ok(()));
    }

    #[test]
    fn tiers_have_the_documented_maximum_and_decay() {
        for (tier, max, ms_per_call) in [
            (RateTier::Starter, 15, 3031), // 1 / 0.33 s, rounded up to the millisecond
            (RateTier::Intermediate, 20, 2000),
            (RateTier::Pro, 20, 1000),
        ] {
            let g = Gate::default();
            for _ in 0..max {
                assert_eq!(g.charge("k", tier, 1, 0), Ok(()), "{tier:?}");
            }
            assert_eq!(
                g.charge("k", tier, 1, 0),
                Err(Refusal::RateLimited),
                "{tier:?}"
            );
            assert_eq!(
                g.charge("k", tier, 1, ms_per_call - 1),
                Err(Refusal::RateLimited),
                "{tier:?}"
            );
            assert_eq!(g.charge("k", tier, 1, ms_per_call), Ok(()), "{tier:?}");
        }
    }

    #[test]
    fn repeated_failures_lock_out_for_fifteen_minutes_and_success_resets_the_count() {
        let g = Gate::default();
        for _ in 0..LOCKOUT_AFTER - 1 {
            g.key_failed("k", 0);
        }
        assert_eq!(g.check_lockout("k", None, 0), Ok(()));
        // A good call in between starts the count again.
        g.key_succeeded("k");
        for _ in 0..LOCKOUT_AFTER - 1 {
            g.key_failed("k", 0);
        }
        assert_eq!(g.check_lockout("k", None, 0), Ok(()));
        g.key_failed("k", 10);
        assert_eq!(g.check_lockout("k", None, 10), Err(Refusal::LockedOut));
        assert_eq!(
            g.check_lockout("k", None, 10 + LOCKOUT_MS - 1),
            Err(Refusal::LockedOut)
        );
        assert_eq!(g.check_lockout("k", None, 10 + LOCKOUT_MS), Ok(()));
        assert_eq!(g.check_lockout("other", None, 10), Ok(()));

        let ip: IpAddr = "192.0.2.7".parse().expect("ip");
        for _ in 0..LOCKOUT_AFTER {
            g.address_failed(Some(ip), 0);
        }
        assert_eq!(g.check_lockout("any", Some(ip), 1), Err(Refusal::LockedOut));
    }
}
