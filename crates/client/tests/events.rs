//! Push: the org API's event stream from the real sandbox, read by the real client. Each member
//! is told of every change to the requests they may view, in journal order, and of nothing else.

mod support;

use std::sync::Arc;
use std::sync::atomic::AtomicI64;

use countersign_client::{OrgStream, StreamItem};
use countersign_kraken::{ApiSecret, Credentials};
use countersign_org::{RequestPayload, RequestStatus, Workflow};
use countersign_orgapi::events::{OrgEvent, OrgEventKind};
use countersign_sandbox::{DemoCredentials, Sandbox};
use countersign_vault::TotpSecret;
use rust_decimal_macros::dec;
use support::Officer;

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0))
}

fn member(
    sandbox: &Sandbox,
    creds: &DemoCredentials,
    time: &Arc<AtomicI64>,
    name: &str,
) -> (Officer, TotpSecret) {
    let m = creds
        .members
        .iter()
        .find(|m| m.name.starts_with(name))
        .unwrap_or_else(|| panic!("{name}"));
    let key = Credentials {
        api_key: m.api_key.clone(),
        api_secret: ApiSecret::from_base64(&m.api_secret).expect("secret"),
    };
    let client = support::client_at(&creds.base_url, key, time);
    (
        Officer::new(sandbox, &m.id, client),
        TotpSecret::from_base32(&m.totp_secret).expect("totp"),
    )
}

/// The sandbox served on loopback (pinging every `keep_alive`, when given), its demo
/// credentials, and a clock at now for the members' statements.
async fn start(
    keep_alive: Option<std::time::Duration>,
) -> (
    tempfile::TempDir,
    countersign_sandbox::RunningSandbox,
    DemoCredentials,
    Arc<AtomicI64>,
) {
    let dir = tempfile::tempdir().expect("tempdir");
    let sandbox = Sandbox::open(dir.path()).expect("open");
    if let Some(every) = keep_alive {
        sandbox.set_event_keep_alive(every);
    }
    let running = sandbox
        .serve("127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("serve");
    let creds = running
        .sandbox
        .demo_credentials(&running.base_url)
        .expect("creds");
    (dir, running, creds, Arc::new(AtomicI64::new(now())))
}

/// The next event on `stream` (a `Ready` first is checked and skipped by [`ready`]).
async fn next_event(stream: &mut OrgStream) -> OrgEvent {
    match tokio::time::timeout(std::time::Duration::from_secs(10), stream.next()).await {
        Ok(Some(Ok(StreamItem::Event(e)))) => e,
        other => panic!("expected an event, got {other:?}"),
    }
}

async fn ready(stream: &mut OrgStream) -> u64 {
    match stream.next().await {
        Some(Ok(StreamItem::Ready(r))) => r.seq,
        other => panic!("expected ready first, got {other:?}"),
    }
}

#[tokio::test]
async fn each_member_is_told_of_what_they_may_view_in_journal_order() {
    let (_dir, running, creds, time) = start(None).await;
    let (ben, ben_otp) = member(&running.sandbox, &creds, &time, "Ben");
    let (chloe, _) = member(&running.sandbox, &creds, &time, "Chloe");
    let (dev, _) = member(&running.sandbox, &creds, &time, "Dev");
    let (eve, eve_otp) = member(&running.sandbox, &creds, &time, "Eve");

    let mut bens = ben.events().await.expect("Ben's stream");
    let mut devs = dev.events().await.expect("Dev's stream");
    let start = ready(&mut bens).await;
    assert_eq!(
        ready(&mut devs).await,
        start,
        "both start at the same record"
    );

    // Chloe asks for a withdrawal: both may view withdrawals.
    let withdrawal = RequestPayload::Withdrawal {
        asset: "BTC".into(),
        amount: dec!(0.01),
        fee: dec!(0),
        key: "cold-storage-1".into(),
        address: "bc1q9h6yzs4r7vqmf8a3l5n0k2d6c4x8e7w2t5y9u3".into(),
    };
    let asked = chloe
        .submit(&withdrawal, false, None)
        .await
        .expect("submitted")
        .request;
    // Eve asks for an address: Ben may not view Manage Addresses, Dev may.
    let address = RequestPayload::AddAddress {
        key: "events-test".into(),
        asset: "BTC".into(),
        method: "Bitcoin".into(),
        address: "bc1qeventstest".into(),
    };
    // Manage Addresses has no policy: it completes at once, which is Execute (a code).
    let added = eve
        .submit(
            &address,
            false,
            Some(&eve_otp.code_at(u64::try_from(now()).unwrap_or(0))),
        )
        .await
        .expect("submitted")
        .request;
    // Ben approves Chloe's withdrawal.
    ben.approve(
        &asked.id,
        &ben_otp.code_at(u64::try_from(now()).unwrap_or(0)),
    )
    .await
    .expect("approved");

    let first = next_event(&mut bens).await;
    assert_eq!(
        (
            first.kind,
            first.request_id.as_deref(),
            first.workflow,
            first.status
        ),
        (
            OrgEventKind::Submitted,
            Some(asked.id.as_str()),
            Some(Workflow::InitiateWithdrawal),
            Some(RequestStatus::Pending)
        )
    );
    let second = next_event(&mut bens).await;
    assert_eq!(
        (second.kind, second.request_id.as_deref()),
        (OrgEventKind::Decided, Some(asked.id.as_str())),
        "Eve's address request is not Ben's to see"
    );
    assert!(first.seq > start && second.seq > first.seq, "journal order");

    let seen: Vec<(OrgEventKind, String)> = [
        next_event(&mut devs).await,
        next_event(&mut devs).await,
        next_event(&mut devs).await,
    ]
    .into_iter()
    .map(|e| (e.kind, e.request_id.unwrap_or_default()))
    .collect();
    assert_eq!(
        seen,
        [
            (OrgEventKind::Submitted, asked.id.clone()),
            (OrgEventKind::Submitted, added.id.clone()),
            (OrgEventKind::Decided, asked.id.clone()),
        ]
    );
    // A stopped server ends the streams (a graceful shutdown does not wait on them).
    tokio::time::timeout(std::time::Duration::from_secs(10), running.shutdown())
        .await
        .expect("shut down with streams open");
}

#[tokio::test]
async fn a_service_users_key_opens_no_stream() {
    let (_dir, _running, creds, time) = start(None).await;
    let bot = &creds.service_users[0];
    let key = Credentials {
        api_key: bot.api_key.clone(),
        api_secret: ApiSecret::from_base64(&bot.api_secret).expect("secret"),
    };
    let client = support::client_at(&creds.base_url, key, &time);
    let refused = client.events().await.expect_err("members only");
    assert!(
        refused.to_string().contains("EOrg:Members only"),
        "{refused}"
    );
}

/// A quiet stream stays open: the server's keep-alive reaches the client, so silence between
/// changes is not taken for a drop.
#[tokio::test]
async fn a_quiet_stream_stays_open_on_its_keep_alive() {
    let (_dir, running, creds, time) = start(Some(std::time::Duration::from_millis(100))).await;
    let (ben, _) = member(&running.sandbox, &creds, &time, "Ben");
    let mut stream = ben
        .events()
        .await
        .expect("stream")
        .with_idle_limit(std::time::Duration::from_millis(400));
    ready(&mut stream).await;
    // Three idle limits of silence: still open, nothing to report.
    let quiet = tokio::time::timeout(std::time::Duration::from_millis(1200), stream.next()).await;
    assert!(
        quiet.is_err(),
        "the stream reported {quiet:?} while only pinged"
    );
}

/// A member removed from the Organization hears nothing more: their stream ends.
#[tokio::test]
async fn a_removed_members_stream_ends() {
    let (_dir, running, creds, time) = start(None).await;
    let (dev, _) = member(&running.sandbox, &creds, &time, "Dev");
    let (ada, _) = member(&running.sandbox, &creds, &time, "Ada");
    let (eve, eve_otp) = member(&running.sandbox, &creds, &time, "Eve");
    let mut devs = dev.events().await.expect("Dev's stream");
    ready(&mut devs).await;

    let removal = ada
        .submit(
            &RequestPayload::RemoveMember {
                member: countersign_org::MemberId("m-dev".into()),
            },
            false,
            None,
        )
        .await
        .expect("submitted")
        .request;
    // Dev may view Manage Access: he hears the request to remove him.
    assert_eq!(next_event(&mut devs).await.kind, OrgEventKind::Submitted);
    eve.approve(
        &removal.id,
        &eve_otp.code_at(u64::try_from(now()).unwrap_or(0)),
    )
    .await
    .expect("approved");
    let end = tokio::time::timeout(std::time::Duration::from_secs(10), devs.next())
        .await
        .expect("the stream ends in time");
    assert!(end.is_none(), "nothing more for a removed member: {end:?}");
}
