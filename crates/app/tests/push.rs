//! The desk told at once: the app follows the member's event stream on its embedded sandbox,
//! says it is live, hands on each change, and follows a change of member. (It reads the session,
//! not the lock's door, so it keeps following while the app is locked.) The notices read the queue
//! on each change, for the member signed in.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use countersign_app::notices::{Notice, NoticeSink, NoticeTopic, Nudging, keep_watch};
use countersign_app::push::{DeskEvent, DeskSink, SyncState, follow};
use countersign_app::{AppCore, Environment, Target, requests, sandbox};
use countersign_org::{RequestPayload, RequestStatus};
use rust_decimal_macros::dec;
use tokio::sync::mpsc;

enum Heard {
    Event(DeskEvent),
    Sync(SyncState, bool),
}

struct Channel(Mutex<mpsc::UnboundedSender<Heard>>);

impl DeskSink for Channel {
    fn event(&self, event: &DeskEvent) {
        let _ = self.0.lock().map(|tx| tx.send(Heard::Event(event.clone())));
    }
    fn sync(&self, state: &SyncState, resync: bool) {
        let _ = self
            .0
            .lock()
            .map(|tx| tx.send(Heard::Sync(state.clone(), resync)));
    }
}

async fn next(rx: &mut mpsc::UnboundedReceiver<Heard>) -> Heard {
    tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("heard in time")
        .expect("still following")
}

async fn live(rx: &mut mpsc::UnboundedReceiver<Heard>) {
    match next(rx).await {
        Heard::Sync(state, resync) => {
            assert!(state.live && resync, "live, and the list is read again");
            assert!(state.since_ms.is_some());
        }
        Heard::Event(e) => panic!("expected live first, got {e:?}"),
    }
}

/// Submits a withdrawal as the signed-in member and returns the event the desk heard of it.
async fn submit_and_hear(
    app: &AppCore,
    rx: &mut mpsc::UnboundedReceiver<Heard>,
) -> (String, DeskEvent) {
    let asked = requests::submit(
        &app.org().await.expect("org"),
        &withdrawal(),
        false,
        None,
        None,
    )
    .await
    .expect("submitted");
    match next(rx).await {
        Heard::Event(e) => (asked.request.id, e),
        Heard::Sync(..) => panic!("expected the submission"),
    }
}

fn withdrawal() -> RequestPayload {
    RequestPayload::Withdrawal {
        asset: "BTC".into(),
        amount: dec!(0.02),
        fee: dec!(0),
        key: "cold-storage-1".into(),
        address: "bc1q9h6yzs4r7vqmf8a3l5n0k2d6c4x8e7w2t5y9u3".into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_desk_hears_each_change_and_follows_the_session() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = std::sync::Arc::new(
        AppCore::connect(Environment::in_memory(dir.path()), Target::Sandbox)
            .await
            .expect("sandbox"),
    );
    let (tx, mut rx) = mpsc::unbounded_channel();
    let following = {
        let app = std::sync::Arc::clone(&app);
        tokio::spawn(async move { follow(&app, &Channel(Mutex::new(tx))).await })
    };
    live(&mut rx).await;
    assert!(
        app.sync_state().is_some_and(|s| s.live),
        "kept for a page opened later"
    );

    // Ben asks for a withdrawal: the desk hears it.
    let (asked, e) = submit_and_hear(&app, &mut rx).await;
    assert_eq!(e.kind, "submitted");
    assert_eq!(e.request_id.as_deref(), Some(asked.as_str()));
    assert_eq!(e.status, Some(RequestStatus::Pending));

    // Another member: the stream follows the new session.
    sandbox::switch_member(&app.org().await.expect("org"), "m-chloe")
        .await
        .expect("Chloe");
    live(&mut rx).await;

    // Chloe cancels nothing of Ben's, but submits her own: the new stream carries it.
    let (hers, e) = submit_and_hear(&app, &mut rx).await;
    assert_eq!(e.request_id.as_deref(), Some(hers.as_str()));
    following.abort();
}

/// What the notices heard: the latest count, and each notice's title.
#[derive(Default)]
struct Told(Mutex<(usize, Vec<String>)>);

impl NoticeSink for Told {
    fn needs_me(&self, count: usize) {
        self.0.lock().expect("told").0 = count;
    }
    fn notify(&self, notice: &Notice) {
        self.0.lock().expect("told").1.push(notice.title.clone());
    }
    fn withdraw(&self, _: &NoticeTopic) {}
}

impl Told {
    async fn until(&self, what: &str, done: impl Fn(&(usize, Vec<String>)) -> bool) {
        for _ in 0..200 {
            if done(&self.0.lock().expect("told")) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("never {what}: {:?}", self.0.lock().expect("told"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_notices_follow_the_stream_and_the_session() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = Arc::new(
        AppCore::connect(Environment::in_memory(dir.path()), Target::Sandbox)
            .await
            .expect("sandbox"),
    );
    let told = Arc::new(Told::default());
    let nudges = Arc::new(tokio::sync::Notify::new());
    let tasks = [
        {
            let (app, nudges) = (Arc::clone(&app), Arc::clone(&nudges));
            let (tx, _rx) = mpsc::unbounded_channel();
            tokio::spawn(async move {
                let sink = Nudging {
                    sink: Channel(Mutex::new(tx)),
                    nudges,
                };
                follow(&app, &sink).await;
            })
        },
        {
            let (app, told) = (Arc::clone(&app), Arc::clone(&told));
            tokio::spawn(async move { keep_watch(&app, nudges, told.as_ref()).await })
        },
    ];
    // Signed in, Ben is told once how many already wait for him (the demo's queue).
    told.until("told Ben what waits", |(count, titles)| {
        *count > 0 && titles.len() == 1
    })
    .await;
    let (waiting, first) = told.0.lock().expect("told").clone();
    assert_eq!(first, [format!("{waiting} requests need you")]);

    // His own withdrawal needs others, not him: nothing more to tell.
    requests::submit(
        &app.org().await.expect("org"),
        &withdrawal(),
        false,
        None,
        None,
    )
    .await
    .expect("submitted");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(*told.0.lock().expect("told"), (waiting, first));

    // Chloe may approve it: signed in, and locked at once, she is told how many need her (Ben's
    // new one among them), and nothing more.
    sandbox::switch_member(&app.org().await.expect("org"), "m-chloe")
        .await
        .expect("Chloe");
    app.lock();
    told.until("told Chloe", |(_, titles)| titles.len() == 2)
        .await;
    let (count, titles) = told.0.lock().expect("told").clone();
    assert!(count >= 1);
    assert_eq!(
        titles[1],
        format!(
            "{count} request{} need{} you",
            if count == 1 { "" } else { "s" },
            if count == 1 { "s" } else { "" }
        )
    );
    for t in tasks {
        t.abort();
    }
}
