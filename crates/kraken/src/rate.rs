//! The exchange's per-key call counter, by verification tier (`shared/spec/kraken-rest.md`,
//! "Rate limits"): [`RateTier`] and its [`RateLimit`]. The sandbox enforces it; the client paces
//! itself by the same numbers.

/// A counter's maximum and decay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Maximum counter value, in calls.
    pub max: u32,
    /// Decay, in thousandths of a call per second (0.33/s is 330). Equal to the decay in
    /// millionths of a call per millisecond.
    pub decay_milli_per_sec: u32,
}

impl RateLimit {
    /// A counter with `max` calls decaying at `decay_milli_per_sec` thousandths per second.
    pub const fn new(max: u32, decay_milli_per_sec: u32) -> Self {
        Self {
            max,
            decay_milli_per_sec,
        }
    }

    /// Effectively no limit (for endpoints the exchange does not count this way).
    pub const fn unlimited() -> Self {
        Self::new(u32::MAX, u32::MAX)
    }
}

/// The account's verification tier, which sets its counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateTier {
    /// Max 15, decays 0.33 per second.
    Starter,
    /// Max 20, decays 0.5 per second.
    Intermediate,
    /// Max 20, decays 1 per second.
    Pro,
}

impl RateTier {
    /// Every tier.
    pub const ALL: [RateTier; 3] = [Self::Starter, Self::Intermediate, Self::Pro];

    /// The tier's counter.
    pub const fn limit(self) -> RateLimit {
        match self {
            Self::Starter => RateLimit::new(15, 330),
            Self::Intermediate => RateLimit::new(20, 500),
            Self::Pro => RateLimit::new(20, 1_000),
        }
    }

    /// `starter`, `intermediate` or `pro`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Starter => "starter",
            Self::Intermediate => "intermediate",
            Self::Pro => "pro",
        }
    }

    /// Parses [`RateTier::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

impl From<RateTier> for RateLimit {
    fn from(t: RateTier) -> Self {
        t.limit()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiers_match_the_spec_and_round_trip_their_names() {
        assert_eq!(RateTier::Starter.limit(), RateLimit::new(15, 330));
        assert_eq!(RateTier::Intermediate.limit(), RateLimit::new(20, 500));
        assert_eq!(RateTier::Pro.limit(), RateLimit::new(20, 1_000));
        for t in RateTier::ALL {
            assert_eq!(RateTier::parse(t.as_str()), Some(t));
        }
        assert_eq!(RateTier::parse("platinum"), None);
    }
}
