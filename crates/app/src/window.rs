//! The decision window this app holds: opened by a code the member typed (to unlock, or to
//! decide), it steps up the member's next decisions until it closes, so a queue is cleared with
//! one code (see `countersign_org::OrgSettings`). Each decision in it is still signed by this
//! device over the request as shown, and journaled by the Organization with the window's id.
//!
//! [`HeldWindow`] keeps the window's id in the core, for one member; the webview only learns
//! when it closes ([`WindowView`]). Locking the app or changing the session forgets it.

use std::sync::Mutex;

use countersign_client::DecisionWindow;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// How long before its close a window is no longer used, in seconds: a decision sent in the
/// last second could arrive after it closed.
const CLOSE_MARGIN_SECONDS: i64 = 2;

/// The open decision window as the desk shows it (a countdown).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct WindowView {
    /// When it closes, unix seconds (by this device's clock).
    #[ts(type = "number")]
    pub closes_at: i64,
    /// Its whole length, seconds (for the countdown's bar).
    #[ts(type = "number")]
    pub seconds: i64,
}

/// The window the core holds, if any, with the member it belongs to.
#[derive(Debug, Default)]
pub(crate) struct HeldWindow {
    slot: Mutex<Option<(String, DecisionWindow)>>,
}

impl HeldWindow {
    /// Keeps `window` for `member` (replacing any other), or forgets the one held (`None`).
    pub(crate) fn hold(&self, member: &str, window: Option<DecisionWindow>) {
        if let Ok(mut slot) = self.slot.lock() {
            *slot = window.map(|w| (member.to_owned(), w));
        }
    }

    /// Forgets it (locking, leaving the session); whether one was held.
    pub(crate) fn forget(&self) -> bool {
        self.slot
            .lock()
            .map(|mut slot| slot.take().is_some())
            .unwrap_or(false)
    }

    /// The id of `member`'s window, if it is still open at `now` (unix seconds) with a margin.
    pub(crate) fn open_id(&self, member: &str, now: i64) -> Option<String> {
        self.open(member, now).map(|w| w.id)
    }

    /// `member`'s window as the desk shows it, if still open at `now`.
    pub(crate) fn view(&self, member: &str, now: i64) -> Option<WindowView> {
        self.open(member, now).map(|w| WindowView {
            closes_at: w.closes_at,
            seconds: w.closes_at - w.opened_at,
        })
    }

    fn open(&self, member: &str, now: i64) -> Option<DecisionWindow> {
        let slot = self.slot.lock().ok()?;
        let (holder, window) = slot.as_ref()?;
        (holder == member && now + CLOSE_MARGIN_SECONDS < window.closes_at).then(|| window.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(closes_at: i64) -> DecisionWindow {
        DecisionWindow {
            id: "W1".into(),
            opened_at: closes_at - 120,
            closes_at,
        }
    }

    #[test]
    fn a_window_serves_only_its_member_and_only_before_it_closes() {
        let held = HeldWindow::default();
        held.hold("ana", Some(window(1_000)));
        assert_eq!(held.open_id("ana", 900).as_deref(), Some("W1"));
        assert_eq!(held.open_id("ben", 900), None, "another member's");
        assert_eq!(
            held.open_id("ana", 1_000 - CLOSE_MARGIN_SECONDS),
            None,
            "too close to its end"
        );
        assert_eq!(
            held.view("ana", 900),
            Some(WindowView {
                closes_at: 1_000,
                seconds: 120
            })
        );
        held.forget();
        assert_eq!(held.open_id("ana", 900), None);
    }
}
