//! Millisecond nonces, strictly increasing across every task that shares the source.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Hands out `max(now_ms, last + 1)`, so nonces follow the clock yet never repeat or go back,
/// even when many tasks call at once within one millisecond.
#[derive(Debug, Default)]
pub struct NonceSource {
    last: AtomicU64,
}

impl NonceSource {
    /// A source starting from the clock.
    pub fn new() -> Self {
        Self::default()
    }

    /// The next nonce.
    pub fn next(&self) -> u64 {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        let mut last = self.last.load(Ordering::Relaxed);
        loop {
            let candidate = now.max(last.saturating_add(1));
            match self.last.compare_exchange_weak(
                last,
                candidate,
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => return candidate,
                Err(seen) => last = seen,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn strictly_increasing_across_threads() {
        let source = Arc::new(NonceSource::new());
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let s = Arc::clone(&source);
                std::thread::spawn(move || (0..1000).map(|_| s.next()).collect::<Vec<_>>())
            })
            .collect();
        let mut all = Vec::new();
        for h in handles {
            let v = h.join().expect("thread");
            assert!(v.windows(2).all(|w| w[0] < w[1]), "per task increasing");
            all.extend(v);
        }
        let n = all.len();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), n, "no nonce handed out twice");
    }
}
