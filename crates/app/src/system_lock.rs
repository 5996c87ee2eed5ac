//! Locking when the operating system says the person has stepped away: [`SystemLockWatcher`]
//! watches the OS's reports of sleep and screen lock and calls back with a [`LockReason`].
//!
//! Tauri reports neither, so on Linux the watcher listens on D-Bus itself:
//! - system bus, logind (`org.freedesktop.login1`): the manager's `PrepareForSleep(true)`
//!   ([`LockReason::Sleep`]); on this process's session object, the `Lock` signal and the
//!   `LockedHint` property turning true ([`LockReason::ScreenLocked`]);
//! - session bus, the screensaver: `ActiveChanged(true)` from `org.freedesktop.ScreenSaver`
//!   (on `/org/freedesktop/ScreenSaver` and `/ScreenSaver`, as KDE and others publish it) and
//!   from `org.gnome.ScreenSaver` ([`LockReason::ScreenLocked`]).
//!
//! Invariants:
//! - **Only locking is reported.** Waking (`PrepareForSleep(false)`), the screensaver going away
//!   and `LockedHint` turning false never call back: unlocking always takes the member's code.
//! - **A signal counts only from the owner of the service's well-known name** (the watcher
//!   follows the owner as it changes). Anyone on a bus may emit a signal with logind's path and
//!   interface; the worst a forged one could do is lock, so this is about not reacting to
//!   strangers rather than about security.
//! - **Nothing here is an error.** A bus that cannot be reached, or a logind without a session
//!   for this process, is logged once and not watched; a service that is not running yet is
//!   still watched, and counts from when it starts. Elsewhere than Linux the watcher watches
//!   nothing: idle lock and **Lock** still work.
//! - **The callback may run more than once for one event** (a GNOME screen lock raises both
//!   `ActiveChanged` and `LockedHint`), so it must be idempotent, as [`crate::AppCore::lock`] is.
//! - Watching lasts as long as the [`SystemLockWatcher`] value: dropping it stops every listener.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Why the OS asked for the app to lock. Sent to the webview with the `app-locked` event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum LockReason {
    /// The machine is about to sleep (suspend or hibernate).
    Sleep,
    /// The session's screen was locked, or the screensaver came on.
    ScreenLocked,
    /// Nobody touched the keyboard or the pointer for the idle time the member chose (the
    /// core's own timer, [`crate::AppLock::idle_due`]).
    Idle,
}

/// Watches the OS's sleep and screen-lock reports, calling back on each one that should lock the
/// app. Stops watching when dropped.
#[derive(Debug, Default)]
pub struct SystemLockWatcher {
    /// One listener per signal watched.
    tasks: Vec<tokio::task::JoinHandle<()>>,
    /// What each listener watches, for logs and tests.
    watching: Vec<String>,
}

impl SystemLockWatcher {
    /// What is being watched, one line per signal (`bus name, path, interface.member`); empty
    /// when the OS reports nothing the watcher can hear.
    pub fn watching(&self) -> &[String] {
        &self.watching
    }
}

impl Drop for SystemLockWatcher {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

#[cfg(not(target_os = "linux"))]
impl SystemLockWatcher {
    /// Elsewhere than Linux the OS's sleep and lock reports are not listened to: returns a
    /// watcher that watches nothing (logged once).
    pub async fn start(on_lock: impl Fn(LockReason) + Send + Sync + 'static) -> Self {
        let _ = on_lock;
        tracing::info!("system lock: sleep and screen lock are not watched on this OS");
        Self::default()
    }
}

#[cfg(target_os = "linux")]
mod linux {
    use std::collections::HashMap;
    use std::sync::Arc;
    use std::time::Duration;

    use futures_util::StreamExt as _;
    use tracing::{debug, info};
    use zbus::zvariant::{ObjectPath, OwnedObjectPath, OwnedValue, Value};
    use zbus::{Connection, Message, Proxy};

    use super::{LockReason, SystemLockWatcher};

    const LOGIND: &str = "org.freedesktop.login1";
    const LOGIND_PATH: &str = "/org/freedesktop/login1";
    const LOGIND_MANAGER: &str = "org.freedesktop.login1.Manager";
    const LOGIND_SESSION: &str = "org.freedesktop.login1.Session";
    const PROPERTIES: &str = "org.freedesktop.DBus.Properties";

    /// The screensavers listened to on the session bus: (bus name, path, interface).
    const SCREENSAVERS: [(&str, &str, &str); 3] = [
        (
            "org.freedesktop.ScreenSaver",
            "/org/freedesktop/ScreenSaver",
            "org.freedesktop.ScreenSaver",
        ),
        (
            "org.freedesktop.ScreenSaver",
            "/ScreenSaver",
            "org.freedesktop.ScreenSaver",
        ),
        (
            "org.gnome.ScreenSaver",
            "/org/gnome/ScreenSaver",
            "org.gnome.ScreenSaver",
        ),
    ];

    /// How long logind may take to say which session this process is in.
    const LOGIND_TIMEOUT: Duration = Duration::from_secs(5);

    type OnLock = Arc<dyn Fn(LockReason) + Send + Sync>;

    /// One signal to watch: its sender's well-known bus name, object path, interface and member,
    /// and which of its messages lock.
    #[derive(Debug)]
    struct Signal {
        name: &'static str,
        path: ObjectPath<'static>,
        interface: &'static str,
        member: &'static str,
        rule: Rule,
    }

    /// Which messages of a signal lock, and why.
    #[derive(Debug, Clone, Copy)]
    enum Rule {
        /// A signal whose only argument is a boolean; true locks.
        WhenTrue(LockReason),
        /// Any emission locks.
        Always(LockReason),
        /// `PropertiesChanged` on a logind session; `LockedHint` changing to true locks.
        LockedHint,
    }

    impl Rule {
        fn reason(self, message: &Message) -> Option<LockReason> {
            match self {
                Rule::WhenTrue(reason) => {
                    matches!(message.body().deserialize::<bool>(), Ok(true)).then_some(reason)
                }
                Rule::Always(reason) => Some(reason),
                Rule::LockedHint => {
                    type Changed = (String, HashMap<String, OwnedValue>, Vec<String>);
                    let (interface, changed, _) = message.body().deserialize::<Changed>().ok()?;
                    let locked = interface == LOGIND_SESSION
                        && matches!(
                            changed.get("LockedHint").map(|v| &**v),
                            Some(Value::Bool(true))
                        );
                    locked.then_some(LockReason::ScreenLocked)
                }
            }
        }
    }

    impl SystemLockWatcher {
        /// Connects to the system and session buses (each that can be reached) and watches
        /// them, as [`SystemLockWatcher::spawn`]. Must run inside a Tokio runtime.
        pub async fn start(on_lock: impl Fn(LockReason) + Send + Sync + 'static) -> Self {
            let system = match Connection::system().await {
                Ok(conn) => Some(conn),
                Err(e) => {
                    info!("system lock: no system bus ({e}); sleep and session lock not watched");
                    None
                }
            };
            let session = match Connection::session().await {
                Ok(conn) => Some(conn),
                Err(e) => {
                    info!("system lock: no session bus ({e}); the screensaver is not watched");
                    None
                }
            };
            Self::spawn(system, session, on_lock).await
        }

        /// Watches logind on `system` and the screensavers on `session` (either may be absent:
        /// it is logged once and not watched), calling `on_lock` for each report that should
        /// lock. Returns once every listener is subscribed, so a signal sent after this returns
        /// is heard. Must run inside a Tokio runtime.
        pub async fn spawn(
            system: Option<Connection>,
            session: Option<Connection>,
            on_lock: impl Fn(LockReason) + Send + Sync + 'static,
        ) -> Self {
            let on_lock: OnLock = Arc::new(on_lock);
            let mut watcher = Self::default();
            match &system {
                Some(conn) => {
                    let sleep = Signal {
                        name: LOGIND,
                        path: ObjectPath::from_static_str_unchecked(LOGIND_PATH),
                        interface: LOGIND_MANAGER,
                        member: "PrepareForSleep",
                        rule: Rule::WhenTrue(LockReason::Sleep),
                    };
                    watcher.watch(conn, sleep, &on_lock).await;
                    match own_session(conn).await {
                        Ok(path) => {
                            let path = path.into_inner();
                            let lock = Signal {
                                name: LOGIND,
                                path: path.clone(),
                                interface: LOGIND_SESSION,
                                member: "Lock",
                                rule: Rule::Always(LockReason::ScreenLocked),
                            };
                            let locked_hint = Signal {
                                name: LOGIND,
                                path,
                                interface: PROPERTIES,
                                member: "PropertiesChanged",
                                rule: Rule::LockedHint,
                            };
                            watcher.watch(conn, lock, &on_lock).await;
                            watcher.watch(conn, locked_hint, &on_lock).await;
                        }
                        Err(e) => info!(
                            "system lock: logind has no session for this process ({e}); \
                             the session's lock is not watched"
                        ),
                    }
                }
                None => debug!("system lock: no system bus; sleep and session lock not watched"),
            }
            match &session {
                Some(conn) => {
                    for (name, path, interface) in SCREENSAVERS {
                        let active = Signal {
                            name,
                            path: ObjectPath::from_static_str_unchecked(path),
                            interface,
                            member: "ActiveChanged",
                            rule: Rule::WhenTrue(LockReason::ScreenLocked),
                        };
                        watcher.watch(conn, active, &on_lock).await;
                    }
                }
                None => debug!("system lock: no session bus; the screensaver is not watched"),
            }
            watcher
        }

        /// Subscribes to `signal` from the owner of its bus name and spawns its listener; a
        /// failure is logged and leaves that signal unwatched.
        async fn watch(&mut self, conn: &Connection, signal: Signal, on_lock: &OnLock) {
            let Signal {
                name,
                path,
                interface,
                member,
                rule,
            } = signal;
            let label = format!("{name} {path} {interface}.{member}");
            let subscribe = async {
                if !name_has_owner(conn, name).await {
                    debug!(
                        "system lock: {name} is not running now; {label} is watched in case it starts"
                    );
                }
                let proxy = Proxy::new(conn, name, path, interface).await?;
                let stream = proxy.receive_signal(member).await?;
                zbus::Result::Ok((proxy, stream))
            };
            let (proxy, mut stream) = match subscribe.await {
                Ok(subscribed) => subscribed,
                Err(e) => {
                    info!("system lock: cannot watch {label} ({e})");
                    return;
                }
            };
            let on_lock = Arc::clone(on_lock);
            let task_label = label.clone();
            self.tasks.push(tokio::spawn(async move {
                // The stream follows the name's owner through the proxy: keep it alive.
                let _proxy = proxy;
                while let Some(message) = stream.next().await {
                    if let Some(reason) = rule.reason(&message) {
                        info!("system lock: {task_label} → locking ({reason:?})");
                        on_lock(reason);
                    }
                }
                debug!("system lock: {task_label}: the bus connection closed; no longer watched");
            }));
            self.watching.push(label);
        }
    }

    async fn name_has_owner(conn: &Connection, name: &'static str) -> bool {
        let Ok(bus) = zbus::fdo::DBusProxy::new(conn).await else {
            return false;
        };
        let Ok(name) = zbus::names::BusName::try_from(name) else {
            return false;
        };
        bus.name_has_owner(name).await.unwrap_or(false)
    }

    /// This process's logind session: the one it belongs to, or else (an app started outside
    /// the session's process tree, as desktops' app scopes are) the user's display session,
    /// which logind's `auto` names.
    async fn own_session(conn: &Connection) -> zbus::Result<OwnedObjectPath> {
        let lookup = async {
            let manager = Proxy::new(conn, LOGIND, LOGIND_PATH, LOGIND_MANAGER).await?;
            match manager
                .call::<_, _, OwnedObjectPath>("GetSessionByPID", &std::process::id())
                .await
            {
                Ok(path) => Ok(path),
                Err(by_pid) => {
                    debug!("system lock: GetSessionByPID: {by_pid}; asking for the `auto` session");
                    manager.call("GetSession", &"auto").await
                }
            }
        };
        tokio::time::timeout(LOGIND_TIMEOUT, lookup)
            .await
            .unwrap_or_else(|_| Err(zbus::Error::Failure("logind did not answer".into())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_cross_ipc_in_snake_case() {
        let json = serde_json::to_string(&[
            LockReason::Sleep,
            LockReason::ScreenLocked,
            LockReason::Idle,
        ]);
        assert_eq!(
            json.ok().as_deref(),
            Some(r#"["sleep","screen_locked","idle"]"#)
        );
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn without_buses_it_watches_nothing_and_never_calls_back() {
        let called = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = std::sync::Arc::clone(&called);
        let watcher = SystemLockWatcher::spawn(None, None, move |_| {
            flag.store(true, std::sync::atomic::Ordering::SeqCst);
        })
        .await;
        assert!(watcher.watching().is_empty());
        tokio::task::yield_now().await;
        drop(watcher);
        assert!(!called.load(std::sync::atomic::Ordering::SeqCst));
    }
}
