//! [`KeyContext`]: what every call signed with one API key shares within a process — the
//! credentials, the nonces ([`Nonces`]), the send turn and the rate counter. Clients of the same
//! key (an [`OrgClient`](crate::OrgClient) and an [`ExchangeClient`](crate::ExchangeClient))
//! must share one context, or their nonces would interleave out of order.

use std::path::Path;
use std::sync::Mutex;

use countersign_kraken::Credentials;

use crate::nonce::NonceSource;
use crate::nonce_store::{Clock, NonceStore, NonceStoreError, system_clock};
use crate::pacing::{RateLimit, RatePacer};

/// Where a key's nonces come from.
#[derive(Debug)]
pub enum Nonces {
    /// In memory: increasing while the process lives (a restart relies on the clock).
    Memory(NonceSource),
    /// Persisted per key: increasing across processes and restarts.
    Stored(NonceStore),
}

impl Nonces {
    /// The next nonce.
    pub fn next(&self) -> Result<u64, NonceStoreError> {
        match self {
            Self::Memory(s) => Ok(s.next()),
            Self::Stored(s) => s.next(),
        }
    }

    /// After `EAPI:Invalid nonce`: make the next nonce jump above anything seen on disk.
    pub fn resync(&self) {
        if let Self::Stored(s) = self {
            s.resync();
        }
    }
}

/// One API key's shared state in this process.
pub struct KeyContext {
    creds: Credentials,
    nonces: Nonces,
    /// One signed call in flight per key: the exchange accepts a key's nonces only in increasing
    /// order of arrival, so assigning a nonce and sending it must be one turn.
    pub(crate) turn: tokio::sync::Mutex<()>,
    pacer: Mutex<RatePacer>,
    clock: Clock,
}

impl std::fmt::Debug for KeyContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyContext")
            .field("api_key", &self.creds.api_key)
            .field("nonces", &self.nonces)
            .finish_non_exhaustive()
    }
}

impl KeyContext {
    /// In-memory nonces and the given rate limit, on the system clock.
    pub fn in_memory(creds: Credentials, limit: RateLimit) -> Self {
        Self::with_parts(
            creds,
            Nonces::Memory(NonceSource::new()),
            limit,
            system_clock(),
        )
    }

    /// Nonces persisted in `dir` (e.g. the app's data directory), keyed by the public key.
    pub fn persistent(
        creds: Credentials,
        dir: &Path,
        limit: RateLimit,
    ) -> Result<Self, NonceStoreError> {
        let store = NonceStore::open(dir, &creds.api_key)?;
        Ok(Self::with_parts(
            creds,
            Nonces::Stored(store),
            limit,
            system_clock(),
        ))
    }

    /// Every part given; `clock` (unix ms) drives the pacer.
    pub fn with_parts(creds: Credentials, nonces: Nonces, limit: RateLimit, clock: Clock) -> Self {
        Self {
            creds,
            nonces,
            turn: tokio::sync::Mutex::new(()),
            pacer: Mutex::new(RatePacer::new(limit)),
            clock,
        }
    }

    /// The public key.
    pub fn api_key(&self) -> &str {
        &self.creds.api_key
    }

    pub(crate) fn credentials(&self) -> &Credentials {
        &self.creds
    }

    pub(crate) fn nonces(&self) -> &Nonces {
        &self.nonces
    }

    pub(crate) fn now_ms(&self) -> u64 {
        (self.clock)()
    }

    /// Runs `f` on the pacer.
    pub(crate) fn pacer<T>(&self, f: impl FnOnce(&mut RatePacer) -> T) -> T {
        let mut p = self
            .pacer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut p)
    }
}
