//! The Organization's own settings ([`OrgSettings`]), changed through Manage Policies like a
//! policy is (`RequestPayload::SetDecisionWindow`).
//!
//! **(extension)** The decision window: one step-up code opens a short window in which the member
//! may decide several requests without typing another code. Each decision in it is still
//! device-signed over the request it decides and journaled with the window it used; a code is
//! still accepted once. `0` turns windows off: every decision then needs its own fresh code.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The decision window when the Organization never set one, in seconds.
pub const DEFAULT_DECISION_WINDOW_SECONDS: u32 = 120;

/// The longest decision window an Organization may set, in seconds (10 minutes). A window is a
/// step-up that outlives the moment the code was typed; longer than this, it stops being one.
pub const MAX_DECISION_WINDOW_SECONDS: u32 = 600;

/// The Organization's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct OrgSettings {
    /// How long one step-up code lets its member decide without another, in seconds
    /// (`0`: every decision needs its own code). At most [`MAX_DECISION_WINDOW_SECONDS`].
    pub decision_window_seconds: u32,
}

impl Default for OrgSettings {
    fn default() -> Self {
        Self {
            decision_window_seconds: DEFAULT_DECISION_WINDOW_SECONDS,
        }
    }
}

/// A window length in words: "120 s", "2 min", or "no window (a code per decision)".
pub fn window_words(seconds: u32) -> String {
    match seconds {
        0 => "no window (a code per decision)".into(),
        s if s % 60 == 0 => format!("{} min", s / 60),
        s => format!("{s} s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_words_read_as_an_officer_would_say_them() {
        assert_eq!(window_words(0), "no window (a code per decision)");
        assert_eq!(window_words(120), "2 min");
        assert_eq!(window_words(90), "90 s");
    }
}
