//! The nonce rule: strictly increasing per key, with an optional window below the highest seen.

/// The largest nonce window a key may have, in nonce units: 60 s with millisecond nonces. A wider
/// window lets an old signed request in after a newer one, so it stays bounded. **(extension)**:
/// the exchange publishes no cap; the sandbox and the Organization's rules enforce this one.
pub const MAX_NONCE_WINDOW: u64 = 60_000;

/// The per-key nonce state the server keeps: the highest nonce accepted so far and the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NonceWindow {
    /// Highest nonce accepted so far (0 = none yet).
    pub highest: u64,
    /// How far below `highest` a nonce is still accepted (the key's `nonce_window`, default 0).
    pub window: u64,
}

/// The outcome of checking one nonce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NonceCheck {
    /// Accepted; the new highest nonce to store.
    Accept {
        /// The highest nonce after this call.
        highest: u64,
    },
    /// Refused: `EAPI:Invalid nonce`.
    Reject,
}

impl NonceWindow {
    /// Checks `nonce` against the rule.
    ///
    /// With a window of 0 a nonce must exceed the highest seen. With a window `w`, a nonce down to
    /// `highest - w` is also accepted. Tracking which nonces inside the window were already used
    /// is the caller's job (the sandbox records them); this type decides only the ordering rule.
    pub fn check(self, nonce: u64) -> NonceCheck {
        if nonce == 0 {
            return NonceCheck::Reject;
        }
        if nonce > self.highest {
            return NonceCheck::Accept { highest: nonce };
        }
        if self.window > 0 && nonce >= self.highest.saturating_sub(self.window) {
            return NonceCheck::Accept {
                highest: self.highest,
            };
        }
        NonceCheck::Reject
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strictly_increasing_without_a_window() {
        let w = NonceWindow {
            highest: 100,
            window: 0,
        };
        assert_eq!(w.check(101), NonceCheck::Accept { highest: 101 });
        assert_eq!(w.check(100), NonceCheck::Reject);
        assert_eq!(w.check(99), NonceCheck::Reject);
        assert_eq!(w.check(0), NonceCheck::Reject);
    }

    #[test]
    fn a_window_admits_slightly_older_nonces() {
        let w = NonceWindow {
            highest: 10_000,
            window: 5_000,
        };
        assert_eq!(w.check(5_000), NonceCheck::Accept { highest: 10_000 });
        assert_eq!(w.check(4_999), NonceCheck::Reject);
        assert_eq!(w.check(10_001), NonceCheck::Accept { highest: 10_001 });
    }
}
