//! The real sandbox on a loopback port, driven through the real client: listing, approving to
//! completion, the refusals the rules and 2FA give, authentication failures with the exchange's
//! exact strings, and persistence across a restart.

mod support;

use support::Officer;

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use countersign_client::{ClientError, OrgClient, RequestFilter};
use countersign_kraken::{ApiError, ApiSecret, Credentials, OrgRefusal};
use countersign_org::RequestStatus;
use countersign_org::view::{ActorKind, RequestView};
use countersign_sandbox::{DemoCredentials, RunningSandbox, Sandbox};
use countersign_vault::TotpSecret;

struct Harness {
    running: RunningSandbox,
    creds: DemoCredentials,
    time: Arc<AtomicI64>,
    _dir: tempfile::TempDir,
}

const START: i64 = 1_800_000_000;

impl Harness {
    async fn start() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let time = Arc::new(AtomicI64::new(START));
        let running = open(dir.path(), &time).await;
        let creds = running
            .sandbox
            .demo_credentials(&running.base_url)
            .expect("demo credentials");
        Self {
            running,
            creds,
            time,
            _dir: dir,
        }
    }

    fn member(&self, name: &str) -> (Officer, TotpSecret) {
        let m = self
            .creds
            .members
            .iter()
            .find(|m| m.name.starts_with(name))
            .unwrap_or_else(|| panic!("demo member {name}"));
        let creds = Credentials {
            api_key: m.api_key.clone(),
            api_secret: ApiSecret::from_base64(&m.api_secret).expect("secret"),
        };
        let client = support::client_at(&self.running.base_url, creds, &self.time);
        (
            Officer::new(&self.running.sandbox, &m.id, client),
            TotpSecret::from_base32(&m.totp_secret).expect("totp"),
        )
    }

    fn now(&self) -> u64 {
        u64::try_from(self.time.load(Ordering::SeqCst)).expect("positive")
    }

    /// Moves the sandbox clock to the next TOTP step, so a member may decide again.
    fn next_step(&self) {
        self.time.fetch_add(30, Ordering::SeqCst);
    }
}

async fn open(dir: &std::path::Path, time: &Arc<AtomicI64>) -> RunningSandbox {
    let t = Arc::clone(time);
    Sandbox::open_with_clock(dir, Arc::new(move || t.load(Ordering::SeqCst) * 1000))
        .expect("open sandbox")
        .serve("127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("serve")
}

fn org_refusal(r: Result<RequestView, ClientError>) -> OrgRefusal {
    match r {
        Err(ClientError::Api(ApiError::Org(o))) => o,
        other => panic!("expected an org refusal, got {other:?}"),
    }
}

async fn pending(c: &OrgClient) -> Vec<RequestView> {
    c.list_requests(RequestFilter {
        status: Some(RequestStatus::Pending),
        workflow: None,
    })
    .await
    .expect("list")
}

#[tokio::test]
async fn the_demo_org_is_seeded_and_listed() {
    let h = Harness::start().await;
    let (ben, _) = h.member("Ben");
    let me = ben.me().await.expect("me");
    assert_eq!(me.member.name, "Ben Ruiz");
    assert!(me.org_name.contains("demo"));
    assert!(h.creds.members.len() >= 4 && h.creds.service_users.len() >= 2);

    let list = pending(&ben).await;
    assert!(list.len() >= 5, "at least five pending withdrawals");
    assert!(
        list.iter()
            .any(|r| r.initiator.kind == ActorKind::ServiceUser)
    );
    assert!(list.iter().any(|r| r.initiator.kind == ActorKind::Member));
    assert!(list.iter().all(|r| r.required_approvals == 2));
    assert!(
        list.windows(2).all(|w| w[0].created_at >= w[1].created_at),
        "newest first"
    );
    let own = list
        .iter()
        .find(|r| r.initiator.name == "Ben Ruiz")
        .expect("Ben's own");
    assert!(!own.viewer.can_decide);
    assert!(
        own.viewer
            .why_not
            .as_deref()
            .is_some_and(|w| w.contains("initiated"))
    );
}

#[tokio::test]
async fn two_independent_approvals_complete_a_withdrawal() {
    let h = Harness::start().await;
    let (ben, ben_otp) = h.member("Ben");
    let (chloe, chloe_otp) = h.member("Chloe");
    let target = pending(&ben)
        .await
        .into_iter()
        .find(|r| r.approvals == 0 && r.initiator.kind == ActorKind::ServiceUser)
        .expect("an unapproved bot withdrawal");

    // The detail's funds: the balance after the amount and fee leave, and the worth in USD
    // where the sandbox's market prices the asset.
    let funds = target.funds.as_ref().expect("a pending withdrawal's funds");
    let countersign_org::RequestPayload::Withdrawal {
        asset, amount, fee, ..
    } = &target.payload
    else {
        panic!("a withdrawal");
    };
    assert_eq!(funds.balance_after, funds.balance_now - *amount - *fee);
    if asset == "BTC" {
        let value = funds.value.as_ref().expect("BTC has a USD price");
        assert_eq!(value.currency, "USD");
        assert_eq!(
            value.amount,
            (*amount * value.price).round_dp(2).normalize()
        );
    }
    let after_one = ben
        .approve(&target.id, &ben_otp.code_at(h.now()))
        .await
        .expect("approve");
    assert_eq!(
        (after_one.approvals, after_one.status),
        (1, RequestStatus::Pending)
    );
    assert_eq!(after_one.decisions[0].member.name, "Ben Ruiz");

    // Ben counts once.
    h.next_step();
    assert_eq!(
        org_refusal(ben.approve(&target.id, &ben_otp.code_at(h.now())).await),
        OrgRefusal::AlreadyDecided
    );

    let done = chloe
        .approve(&target.id, &chloe_otp.code_at(h.now()))
        .await
        .expect("approve");
    assert_eq!((done.approvals, done.status), (2, RequestStatus::Completed));
    // Followed to settlement: its ledger entry is what was approved.
    let settlement = done
        .settlement
        .as_ref()
        .expect("a completed withdrawal is followed");
    assert_eq!(settlement.state, countersign_org::SettlementState::Settled);
    assert_eq!(settlement.refid, done.id);
    assert_eq!((settlement.entries, settlement.matches), (1, Some(true)));
    let countersign_org::RequestPayload::Withdrawal { amount, fee, .. } = &done.payload else {
        panic!("a withdrawal");
    };
    let entry = settlement.entry.as_ref().expect("posted");
    assert_eq!((entry.amount, entry.fee), (-*amount, *fee));
    assert!(
        settlement.txid.is_some(),
        "sent, with the id WithdrawStatus reports"
    );
    assert!(!pending(&ben).await.iter().any(|r| r.id == target.id));

    // Terminal: nobody can change it again.
    h.next_step();
    let (ada, ada_otp) = h.member("Ada");
    assert_eq!(
        org_refusal(
            ada.reject(&target.id, &ada_otp.code_at(h.now()), Some("too late"))
                .await
        ),
        OrgRefusal::NotPending
    );
}

#[tokio::test]
async fn the_rules_and_2fa_refuse_with_clear_errors() {
    let h = Harness::start().await;
    let (ben, otp) = h.member("Ben");
    let list = pending(&ben).await;
    let own = list
        .iter()
        .find(|r| r.initiator.name == "Ben Ruiz")
        .expect("own");
    let other = list.iter().find(|r| r.viewer.can_decide).expect("other");

    assert_eq!(
        org_refusal(ben.approve(&own.id, &otp.code_at(h.now())).await),
        OrgRefusal::SelfApproval
    );
    // The refused self-approval did not spend the code; a wrong code is refused.
    let wrong = if otp.code_at(h.now()) == "000000" {
        "111111"
    } else {
        "000000"
    };
    assert_eq!(
        org_refusal(ben.approve(&other.id, wrong).await),
        OrgRefusal::InvalidOtp
    );
    let code = otp.code_at(h.now());
    ben.approve(&other.id, &code).await.expect("valid code");
    // A code is accepted once, even on another request.
    let third = list
        .iter()
        .find(|r| {
            r.viewer.can_decide
                && r.id != other.id
                && r.initiator.name != "Chloe Park"
                && r.decisions.iter().all(|d| d.member.name != "Chloe Park")
        })
        .expect("third");
    assert_eq!(
        org_refusal(ben.approve(&third.id, &code).await),
        OrgRefusal::InvalidOtp
    );

    // The auditor may view but not approve.
    let (dev, dev_otp) = h.member("Dev");
    assert_eq!(
        org_refusal(dev.approve(&third.id, &dev_otp.code_at(h.now())).await),
        OrgRefusal::NotPermitted
    );
    assert_eq!(
        org_refusal(ben.get_request("NOPE-NOPE-NOPE").await),
        OrgRefusal::UnknownRequest
    );

    // One rejection by an eligible approver ends it, with the reason kept.
    let (chloe, chloe_otp) = h.member("Chloe");
    let rejected = chloe
        .reject(
            &third.id,
            &chloe_otp.code_at(h.now()),
            Some("unexpected destination"),
        )
        .await
        .expect("reject");
    assert_eq!(rejected.status, RequestStatus::Rejected);
    assert_eq!(
        rejected.decisions.last().and_then(|d| d.reason.as_deref()),
        Some("unexpected destination")
    );
}

#[tokio::test]
async fn authentication_fails_with_the_exchange_strings() {
    let h = Harness::start().await;
    let m = &h.creds.members[0];
    let good = Credentials {
        api_key: m.api_key.clone(),
        api_secret: ApiSecret::from_base64(&m.api_secret).expect("secret"),
    };
    let unknown = Credentials {
        api_key: "A".repeat(56),
        ..good.clone()
    };
    let wrong_secret = Credentials {
        api_secret: ApiSecret::from_base64(&h.creds.members[1].api_secret).expect("secret"),
        ..good.clone()
    };
    let expect = |r: Result<countersign_client::MeResult, ClientError>, e: ApiError| match r {
        Err(ClientError::Api(got)) => assert_eq!(got, e),
        other => panic!("expected {e}, got {other:?}"),
    };
    let url = &h.running.base_url;
    expect(
        OrgClient::new(url, unknown).expect("client").me().await,
        ApiError::InvalidKey,
    );
    expect(
        OrgClient::new(url, wrong_secret)
            .expect("client")
            .me()
            .await,
        ApiError::InvalidSignature,
    );

    // A second client on the same key starts its nonces at the clock; a replayed (lower) nonce
    // from a raw request is refused.
    OrgClient::new(url, good.clone())
        .expect("client")
        .me()
        .await
        .expect("fresh nonce works");
    let body = "nonce=1";
    let sign = countersign_kraken::sign(&good.api_secret, "/0/org/Me", "1", body);
    let raw: serde_json::Value = reqwest::Client::new()
        .post(format!("{url}/0/org/Me"))
        .header("API-Key", &good.api_key)
        .header("API-Sign", sign)
        .body(body)
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(raw, serde_json::json!({"error": ["EAPI:Invalid nonce"]}));

    // Service users cannot use the org API's member calls.
    let bot = &h.creds.service_users[0];
    let bot = Credentials {
        api_key: bot.api_key.clone(),
        api_secret: ApiSecret::from_base64(&bot.api_secret).expect("secret"),
    };
    expect(
        OrgClient::new(url, bot).expect("client").me().await,
        ApiError::Org(OrgRefusal::MembersOnly),
    );
}

#[tokio::test]
async fn decisions_persist_across_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let time = Arc::new(AtomicI64::new(START));
    let running = open(dir.path(), &time).await;
    let creds = running
        .sandbox
        .demo_credentials(&running.base_url)
        .expect("creds");
    let ben = creds
        .members
        .iter()
        .find(|m| m.name == "Ben Ruiz")
        .expect("Ben");
    let client_for = |base: &str| {
        support::client_at(
            base,
            Credentials {
                api_key: ben.api_key.clone(),
                api_secret: ApiSecret::from_base64(&ben.api_secret).expect("secret"),
            },
            &time,
        )
    };
    let otp = TotpSecret::from_base32(&ben.totp_secret).expect("totp");
    let client = Officer::new(&running.sandbox, &ben.id, client_for(&running.base_url));
    let target = pending(&client)
        .await
        .into_iter()
        .find(|r| r.viewer.can_decide)
        .expect("decidable");
    client
        .approve(&target.id, &otp.code_at(1_800_000_000))
        .await
        .expect("approve");
    running.shutdown().await;

    let again = open(dir.path(), &time).await;
    let creds_again = again
        .sandbox
        .demo_credentials(&again.base_url)
        .expect("creds");
    assert_eq!(
        creds_again.members.len(),
        creds.members.len(),
        "not reseeded"
    );
    let reloaded = client_for(&again.base_url)
        .get_request(&target.id)
        .await
        .expect("get");
    assert_eq!(reloaded.approvals, target.approvals + 1);
    assert!(!reloaded.viewer.can_decide, "Ben already decided");
}

/// One code opens a decision window: several decisions go through it without another code,
/// each signed and journaled with the window's id; the code is still accepted once; the window
/// is its member's alone and closes on time.
#[tokio::test]
async fn one_code_opens_a_window_for_several_signed_decisions() {
    use countersign_client::StepUp;
    use countersign_vault::{JournalEvent, JournalRecord};

    let h = Harness::start().await;
    let (ben, ben_otp) = h.member("Ben");
    let (chloe, _) = h.member("Chloe");
    let targets: Vec<RequestView> = pending(&ben)
        .await
        .into_iter()
        .filter(|r| r.viewer.can_decide)
        .take(3)
        .collect();
    assert_eq!(targets.len(), 3, "three requests Ben may decide");

    let code = ben_otp.code_at(h.now());
    let window = ben
        .verify_code(&code)
        .await
        .expect("verify")
        .expect("a window");
    assert_eq!(
        window.closes_at - window.opened_at,
        120,
        "the default length"
    );
    // The code is accepted once, even though the window is open.
    assert!(matches!(
        ben.verify_code(&code).await,
        Err(ClientError::Api(ApiError::Org(OrgRefusal::InvalidOtp)))
    ));

    for t in &targets[..2] {
        let after = ben
            .client
            .approve(&t.id, StepUp::window(&window.id, &ben.device), None, None)
            .await
            .expect("approve in the window");
        assert_eq!(after.approvals, t.approvals + 1);
    }
    // Another member cannot ride on Ben's window.
    let chloes = pending(&chloe)
        .await
        .into_iter()
        .find(|r| r.viewer.can_decide)
        .expect("one Chloe may decide");
    assert_eq!(
        org_refusal(
            chloe
                .client
                .approve(
                    &chloes.id,
                    StepUp::window(&window.id, &chloe.device),
                    None,
                    None
                )
                .await
        ),
        OrgRefusal::WindowClosed
    );
    // Locking closes the member's windows at the Organization at once.
    h.next_step();
    let second = ben
        .verify_code(&ben_otp.code_at(h.now()))
        .await
        .expect("verify")
        .expect("a window");
    assert_eq!(
        ben.close_windows().await.expect("closed"),
        2,
        "both open windows"
    );
    assert_eq!(
        org_refusal(
            ben.client
                .approve(
                    &targets[2].id,
                    StepUp::window(&second.id, &ben.device),
                    None,
                    None
                )
                .await
        ),
        OrgRefusal::WindowClosed
    );
    assert_eq!(ben.close_windows().await.expect("closed"), 0, "none left");
    // And a window closes on time.
    h.time.fetch_add(120, Ordering::SeqCst);
    assert_eq!(
        org_refusal(
            ben.client
                .approve(
                    &targets[2].id,
                    StepUp::window(&window.id, &ben.device),
                    None,
                    None
                )
                .await
        ),
        OrgRefusal::WindowClosed
    );

    // The journal: a window opened by each of Ben's codes, and each decision naming its own.
    let journal: Vec<JournalRecord> = ben
        .export_journal()
        .await
        .expect("journal")
        .lines()
        .map(|l| serde_json::from_str(l).expect("record"))
        .collect();
    let ben_id = ben.me().await.expect("me").member.id;
    let opened: Vec<_> = journal
        .iter()
        .filter_map(|r| match &r.event {
            JournalEvent::WindowOpened { member, window, .. } if *member == ben_id => {
                Some(window.clone())
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        opened,
        [window.id.clone(), second.id.clone()],
        "one per code spent"
    );
    let stepped: Vec<_> = journal
        .iter()
        .filter_map(|r| match &r.event {
            JournalEvent::Decision {
                statement, window, ..
            } if targets[..2].iter().any(|t| t.id == statement.request_id) => window.clone(),
            _ => None,
        })
        .collect();
    assert_eq!(stepped, [window.id.clone(), window.id.clone()]);
}
