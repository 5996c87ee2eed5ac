//! The app's lock, as a type: [`AppLock`] is locked by hand, after idle time or by the OS
//! (sleep, screen lock), and only the member's code opens it again. [`AppLock::unlocked`] is the
//! one way to an [`Unlocked`] proof, and every org call and ledger call needs one
//! ([`crate::AppCore::org`], [`crate::AppCore::ledgers`]): a job cannot forget the check,
//! because without the proof it cannot reach the client or the store.

use std::marker::PhantomData;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::error::{CommandError, ErrorCode};

/// Whether the app is locked. Starts unlocked (the CLI is never locked).
#[derive(Debug, Default)]
pub struct AppLock {
    locked: AtomicBool,
}

/// Proof that the app was unlocked when a call began. Only [`AppLock::unlocked`] makes one; it
/// lives no longer than the lock it was checked against.
#[derive(Debug, Clone, Copy)]
pub struct Unlocked<'a> {
    _lock: PhantomData<&'a AppLock>,
}

impl AppLock {
    /// Locks. Idempotent: the OS may report one event twice.
    pub fn lock(&self) {
        self.locked.store(true, Ordering::SeqCst);
    }

    /// Whether it is locked.
    pub fn is_locked(&self) -> bool {
        self.locked.load(Ordering::SeqCst)
    }

    /// The proof that it is unlocked, or `locked` with what to do.
    pub fn unlocked(&self) -> Result<Unlocked<'_>, CommandError> {
        if self.is_locked() {
            return Err(CommandError::new(
                ErrorCode::Locked,
                "Countersign is locked: enter your code to unlock it.",
            ));
        }
        Ok(Unlocked { _lock: PhantomData })
    }

    /// Opens it: only after the member's code was verified ([`crate::AppCore::unlock`]).
    pub(crate) fn open(&self) {
        self.locked.store(false, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_locked_app_gives_no_proof_until_opened() {
        let lock = AppLock::default();
        assert!(lock.unlocked().is_ok(), "starts unlocked");
        lock.lock();
        lock.lock();
        assert_eq!(
            lock.unlocked().map(|_| ()).map_err(|e| e.code),
            Err(ErrorCode::Locked)
        );
        lock.open();
        assert!(lock.unlocked().is_ok());
    }
}
