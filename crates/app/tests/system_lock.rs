//! The system-lock watcher against a real D-Bus daemon. A second connection plays logind and the
//! screensavers on the session bus (claiming their well-known names), and the watcher is given
//! the session bus as both its system and its session bus.
//!
//! These need a D-Bus session, so they are `#[ignore]`d for plain `cargo test`; `cargo xtask test`
//! runs them inside one. By hand:
//! `dbus-run-session -- cargo test -p countersign-app --test system_lock -- --include-ignored`.
#![cfg(target_os = "linux")]

use std::collections::HashMap;
use std::time::Duration;

use countersign_app::{LockReason, SystemLockWatcher};
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};
use zbus::Connection;
use zbus::fdo::RequestNameFlags;
use zbus::zvariant::{OwnedObjectPath, Value};

const LOGIND: &str = "org.freedesktop.login1";
const LOGIND_PATH: &str = "/org/freedesktop/login1";
const MANAGER: &str = "org.freedesktop.login1.Manager";
const SESSION: &str = "org.freedesktop.login1.Session";
const SESSION_PATH: &str = "/org/freedesktop/login1/session/_7";
const FDO_SAVER: &str = "org.freedesktop.ScreenSaver";
const GNOME_SAVER: &str = "org.gnome.ScreenSaver";

/// Every test claims the same well-known names on the one session bus: one test at a time.
static BUS_NAMES: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Long enough for a signal to have arrived had it been going to.
const QUIET: Duration = Duration::from_millis(400);

/// logind's manager, as far as the watcher asks it anything.
struct FakeLogind;

#[zbus::interface(name = "org.freedesktop.login1.Manager")]
impl FakeLogind {
    #[zbus(name = "GetSessionByPID")]
    fn get_session_by_pid(&self, _pid: u32) -> OwnedObjectPath {
        OwnedObjectPath::try_from(SESSION_PATH).unwrap_or_default()
    }
}

/// A connection owning `names` (taking them over from an earlier test's connection if needed),
/// serving logind's manager when it owns logind's name.
async fn service(names: &[&str]) -> Connection {
    let conn = Connection::session().await.expect("session bus");
    if names.contains(&LOGIND) {
        conn.object_server()
            .at(LOGIND_PATH, FakeLogind)
            .await
            .expect("serve logind");
    }
    for name in names {
        conn.request_name_with_flags(
            *name,
            RequestNameFlags::ReplaceExisting | RequestNameFlags::AllowReplacement,
        )
        .await
        .expect("claim name");
    }
    conn
}

/// The watcher on the session bus (as both buses), and what it called back with.
async fn watcher() -> (SystemLockWatcher, UnboundedReceiver<LockReason>) {
    let bus = Connection::session().await.expect("session bus");
    let (tx, rx) = unbounded_channel();
    let watcher = SystemLockWatcher::spawn(Some(bus.clone()), Some(bus), move |reason| {
        let _ = tx.send(reason);
    })
    .await;
    (watcher, rx)
}

async fn emit<B>(conn: &Connection, path: &str, interface: &str, member: &str, body: &B)
where
    B: serde::Serialize + zbus::zvariant::DynamicType,
{
    conn.emit_signal(None::<&str>, path, interface, member, body)
        .await
        .expect("emit");
}

async fn next(rx: &mut UnboundedReceiver<LockReason>) -> Option<LockReason> {
    tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .ok()
        .flatten()
}

async fn stays_quiet(rx: &mut UnboundedReceiver<LockReason>) -> bool {
    tokio::time::timeout(QUIET, rx.recv()).await.is_err()
}

fn locked_hint(
    value: bool,
) -> (
    &'static str,
    HashMap<&'static str, Value<'static>>,
    Vec<String>,
) {
    (
        SESSION,
        HashMap::from([("LockedHint", Value::from(value))]),
        Vec::new(),
    )
}

#[tokio::test]
#[ignore = "needs a D-Bus session; `cargo xtask test` provides one"]
async fn going_to_sleep_locks_and_waking_does_not() {
    let _names = BUS_NAMES.lock().await;
    let logind = service(&[LOGIND]).await;
    let (_watcher, mut rx) = watcher().await;

    // In order on one stream: had waking locked, it would come first.
    emit(&logind, LOGIND_PATH, MANAGER, "PrepareForSleep", &false).await;
    emit(&logind, LOGIND_PATH, MANAGER, "PrepareForSleep", &true).await;
    assert_eq!(next(&mut rx).await, Some(LockReason::Sleep));
    emit(&logind, LOGIND_PATH, MANAGER, "PrepareForSleep", &false).await;
    assert!(stays_quiet(&mut rx).await, "waking must not lock");
}

#[tokio::test]
#[ignore = "needs a D-Bus session; `cargo xtask test` provides one"]
async fn the_screensaver_coming_on_locks_and_going_off_does_not() {
    let _names = BUS_NAMES.lock().await;
    let savers = service(&[FDO_SAVER, GNOME_SAVER]).await;
    let (_watcher, mut rx) = watcher().await;

    for (path, interface) in [
        ("/org/freedesktop/ScreenSaver", FDO_SAVER),
        ("/ScreenSaver", FDO_SAVER),
        ("/org/gnome/ScreenSaver", GNOME_SAVER),
    ] {
        emit(&savers, path, interface, "ActiveChanged", &false).await;
        emit(&savers, path, interface, "ActiveChanged", &true).await;
        assert_eq!(
            next(&mut rx).await,
            Some(LockReason::ScreenLocked),
            "{interface} at {path}"
        );
        emit(&savers, path, interface, "ActiveChanged", &false).await;
        assert!(
            stays_quiet(&mut rx).await,
            "{interface} at {path} going off must not lock"
        );
    }
}

#[tokio::test]
#[ignore = "needs a D-Bus session; `cargo xtask test` provides one"]
async fn the_session_being_locked_locks() {
    let _names = BUS_NAMES.lock().await;
    let logind = service(&[LOGIND]).await;
    let (watcher, mut rx) = watcher().await;
    assert!(
        watcher
            .watching()
            .iter()
            .any(|w| w.contains(SESSION_PATH) && w.ends_with("Session.Lock")),
        "the session found through GetSessionByPID is watched: {:?}",
        watcher.watching()
    );

    emit(&logind, SESSION_PATH, SESSION, "Lock", &()).await;
    assert_eq!(next(&mut rx).await, Some(LockReason::ScreenLocked));

    let properties = "org.freedesktop.DBus.Properties";
    emit(
        &logind,
        SESSION_PATH,
        properties,
        "PropertiesChanged",
        &locked_hint(false),
    )
    .await;
    emit(
        &logind,
        SESSION_PATH,
        properties,
        "PropertiesChanged",
        &locked_hint(true),
    )
    .await;
    assert_eq!(next(&mut rx).await, Some(LockReason::ScreenLocked));

    // Another session's lock is not ours.
    let other = "/org/freedesktop/login1/session/_8";
    emit(&logind, other, SESSION, "Lock", &()).await;
    emit(
        &logind,
        other,
        properties,
        "PropertiesChanged",
        &locked_hint(true),
    )
    .await;
    assert!(stays_quiet(&mut rx).await, "another session's lock");
}

#[tokio::test]
#[ignore = "needs a D-Bus session; `cargo xtask test` provides one"]
async fn signals_from_a_connection_that_does_not_own_the_name_are_ignored() {
    let _names = BUS_NAMES.lock().await;
    let owner = service(&[LOGIND, FDO_SAVER]).await;
    let (_watcher, mut rx) = watcher().await;
    let stranger = Connection::session().await.expect("session bus");

    emit(&stranger, LOGIND_PATH, MANAGER, "PrepareForSleep", &true).await;
    emit(&stranger, SESSION_PATH, SESSION, "Lock", &()).await;
    emit(
        &stranger,
        "/org/freedesktop/ScreenSaver",
        FDO_SAVER,
        "ActiveChanged",
        &true,
    )
    .await;
    assert!(stays_quiet(&mut rx).await, "a stranger's signals");

    emit(&owner, LOGIND_PATH, MANAGER, "PrepareForSleep", &true).await;
    assert_eq!(next(&mut rx).await, Some(LockReason::Sleep));
}

#[tokio::test]
#[ignore = "needs a D-Bus session; `cargo xtask test` provides one"]
async fn a_screensaver_that_starts_after_the_watcher_is_heard() {
    let _names = BUS_NAMES.lock().await;
    let (_watcher, mut rx) = watcher().await;
    let saver = service(&[GNOME_SAVER]).await;

    emit(
        &saver,
        "/org/gnome/ScreenSaver",
        GNOME_SAVER,
        "ActiveChanged",
        &true,
    )
    .await;
    assert_eq!(next(&mut rx).await, Some(LockReason::ScreenLocked));
}

#[tokio::test]
#[ignore = "needs a D-Bus session; `cargo xtask test` provides one"]
async fn without_logind_the_session_lock_is_not_watched_and_nothing_fails() {
    let _names = BUS_NAMES.lock().await;
    let (watcher, mut rx) = watcher().await;
    let watching = watcher.watching();
    assert!(
        watching.iter().any(|w| w.ends_with("PrepareForSleep")),
        "{watching:?}"
    );
    assert!(
        !watching.iter().any(|w| w.ends_with("Session.Lock")),
        "{watching:?}"
    );
    assert!(stays_quiet(&mut rx).await);
}
