//! The app's lock, as a type: [`AppLock`] is locked at start (the desktop's
//! [`crate::AppCore::open_locked`]), by hand, after idle time or by the OS (sleep, screen lock),
//! and only the member's code opens it again. [`AppLock::unlocked`] is the one way to an
//! [`Unlocked`] proof, and every org call needs one ([`crate::AppCore::org`]): a job cannot
//! forget the check, because without the proof it cannot reach the client. The offline ledger
//! review needs no Organization and stays open while locked.
//!
//! The idle timer lives here, in the core, not in the page: the page only reports that the
//! person at the keyboard did something ([`AppLock::note_input`]), and the desktop asks
//! [`AppLock::idle_due`] on a timer of its own, which a hidden or busy webview cannot stall.

use std::marker::PhantomData;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::error::{CommandError, ErrorCode};

/// The idle times a member may choose, in minutes.
pub const IDLE_CHOICES: [u32; 6] = [1, 2, 5, 10, 15, 30];

/// The idle time until the member chooses another.
pub const DEFAULT_IDLE_MINUTES: u32 = 5;

/// Whether the app is locked, and how long it waits without input before locking itself.
/// [`AppLock::default`] starts unlocked (the CLI and tests; the CLI is never locked).
#[derive(Debug)]
pub struct AppLock {
    locked: AtomicBool,
    idle: Mutex<Idle>,
}

/// The idle timer's state.
#[derive(Debug, Clone, Copy)]
struct Idle {
    minutes: u32,
    /// When the person at the keyboard last did something (or the app was unlocked), unix ms;
    /// `None` until the first report: the timer then runs from the first question.
    last_input_ms: Option<i64>,
}

impl Default for AppLock {
    fn default() -> Self {
        Self {
            locked: AtomicBool::new(false),
            idle: Mutex::new(Idle {
                minutes: DEFAULT_IDLE_MINUTES,
                last_input_ms: None,
            }),
        }
    }
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

    /// Opens it at `now_ms`: only after the member's code was verified
    /// ([`crate::AppCore::unlock`]). The idle time runs afresh from here.
    pub(crate) fn open(&self, now_ms: i64) {
        self.note_input(now_ms);
        self.locked.store(false, Ordering::SeqCst);
    }

    /// The person at the keyboard did something at `now_ms`. Polling and other background work
    /// must not call this: only input postpones the idle lock.
    pub fn note_input(&self, now_ms: i64) {
        if let Ok(mut idle) = self.idle.lock() {
            idle.last_input_ms = Some(idle.last_input_ms.map_or(now_ms, |t| t.max(now_ms)));
        }
    }

    /// Sets the idle time, one of [`IDLE_CHOICES`]; anything else is refused, naming them.
    pub fn set_idle_minutes(&self, minutes: u32) -> Result<(), CommandError> {
        if !IDLE_CHOICES.contains(&minutes) {
            return Err(CommandError::new(
                ErrorCode::InvalidInput,
                format!(
                    "idle time: {minutes} minutes is not offered; choose one of {}",
                    IDLE_CHOICES.map(|m| m.to_string()).join(", ")
                ),
            ));
        }
        if let Ok(mut idle) = self.idle.lock() {
            idle.minutes = minutes;
        }
        Ok(())
    }

    /// The idle time, in minutes.
    pub fn idle_minutes(&self) -> u32 {
        self.idle
            .lock()
            .map_or(DEFAULT_IDLE_MINUTES, |idle| idle.minutes)
    }

    /// Whether the app is unlocked and has had no input for its idle time at `now_ms`: the
    /// desktop then locks it. The first question starts the timer if nothing was reported yet.
    pub fn idle_due(&self, now_ms: i64) -> bool {
        if self.is_locked() {
            return false;
        }
        let Ok(mut idle) = self.idle.lock() else {
            return false;
        };
        let since = *idle.last_input_ms.get_or_insert(now_ms);
        now_ms.saturating_sub(since) >= i64::from(idle.minutes) * 60_000
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: i64 = 60_000;

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
        lock.open(0);
        assert!(lock.unlocked().is_ok());
    }

    #[test]
    fn only_input_postpones_the_idle_lock() {
        let lock = AppLock::default();
        let t0 = 1_000_000;
        assert!(!lock.idle_due(t0), "the timer starts at the first question");
        assert!(!lock.idle_due(t0 + 5 * MINUTE - 1));
        assert!(lock.idle_due(t0 + 5 * MINUTE), "five minutes by default");
        lock.note_input(t0 + 4 * MINUTE);
        assert!(!lock.idle_due(t0 + 8 * MINUTE), "input restarts the wait");
        assert!(lock.idle_due(t0 + 9 * MINUTE));
        // A report that arrives late never moves the last input back.
        lock.note_input(t0);
        assert!(lock.idle_due(t0 + 9 * MINUTE));
    }

    #[test]
    fn a_locked_app_is_never_idle_due_and_unlocking_restarts_the_wait() {
        let lock = AppLock::default();
        lock.note_input(0);
        lock.lock();
        assert!(!lock.idle_due(60 * MINUTE), "already locked");
        lock.open(60 * MINUTE);
        assert!(!lock.idle_due(64 * MINUTE));
        assert!(lock.idle_due(65 * MINUTE));
    }

    #[test]
    fn the_idle_time_is_one_of_the_offered_choices() {
        let lock = AppLock::default();
        for minutes in IDLE_CHOICES {
            lock.set_idle_minutes(minutes).expect("offered");
            assert_eq!(lock.idle_minutes(), minutes);
        }
        for refused in [0, 3, 31, 60 * 24] {
            let e = lock.set_idle_minutes(refused).expect_err("not offered");
            assert_eq!(e.code, ErrorCode::InvalidInput);
            assert!(e.message.contains("1, 2, 5, 10, 15, 30"), "{}", e.message);
        }
        assert_eq!(lock.idle_minutes(), 30, "a refused choice changes nothing");
        lock.set_idle_minutes(1).expect("offered");
        lock.note_input(0);
        assert!(lock.idle_due(MINUTE));
    }
}
