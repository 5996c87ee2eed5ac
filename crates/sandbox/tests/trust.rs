//! The trust layer on the org API: every decision stepped up with a code (replays and repeated
//! wrong codes refused) and signed by a device registered to the member; everything journaled in a
//! hash chain that verifies offline.

// Tests panic on any surprise; `unwrap` is the point.
#![allow(clippy::unwrap_used)]

mod common;

use common::{Harness, Key, err, ok};
use countersign_org::{DecisionKind, DecisionStatement, MemberId, RequestPayload};
use countersign_sandbox::gate::{LOCKOUT_AFTER, LOCKOUT_MS};
use countersign_vault::DeviceKey;

/// A pending bot withdrawal Ben may approve.
async fn target(h: &Harness) -> (String, RequestPayload) {
    let list = ok(&h
        .org("m-ben", "ListRequests", &[("status", "pending")], false)
        .await)
    .clone();
    let r = list["requests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["viewer"]["can_decide"] == true && r["initiator"]["kind"] == "service_user")
        .unwrap()
        .clone();
    (
        r["id"].as_str().unwrap().to_owned(),
        serde_json::from_value(r["payload"].clone()).unwrap(),
    )
}

/// The `device_key`, `signature` and `at` fields of `device` signing `statement`.
fn signed(device: &DeviceKey, statement: &DecisionStatement) -> (String, String, String) {
    (
        device.public().to_base64(),
        device.sign(&statement.digest()),
        statement.at.to_string(),
    )
}

/// Ben's `Approve` of request `id` (seen with content hash `hash`) with his current code and the
/// given device key, signature and statement time.
async fn ben_approves(
    h: &Harness,
    id: &str,
    hash: &str,
    (key, sig, at): (String, String, String),
) -> serde_json::Value {
    let fields = [
        ("id", id),
        ("device_key", key.as_str()),
        ("signature", sig.as_str()),
        ("at", at.as_str()),
        ("content_hash", hash),
    ];
    h.org("m-ben", "Approve", &fields, true).await
}

fn now(h: &Harness) -> i64 {
    h.clock.load(std::sync::atomic::Ordering::SeqCst) / 1000
}

#[tokio::test]
async fn a_decision_must_be_signed_by_a_device_registered_to_the_member() {
    let h = Harness::start().await;
    let (id, payload) = target(&h).await;
    let hash = countersign_org::content_hash(&payload);
    let ben = MemberId("m-ben".into());
    h.advance_ms(30_000);

    assert_eq!(
        err(&h.org("m-ben", "Approve", &[("id", &id)], true).await),
        "EGeneral:Invalid arguments:device_key"
    );

    let statement = DecisionStatement::new(&id, &payload, DecisionKind::Approve, &ben, now(&h));
    let approve = |device_key_signature_at: (String, String, String)| {
        let (h, id, hash) = (&h, &id, &hash);
        async move { ben_approves(h, id, hash, device_key_signature_at).await }
    };
    let stranger = DeviceKey::generate();
    assert_eq!(
        err(&approve(signed(&stranger, &statement)).await),
        "EOrg:Invalid decision signature",
        "an unregistered device"
    );
    // Another member's registered device does not sign for Ben either.
    assert_eq!(
        err(&approve(signed(&h.devices["m-chloe"], &statement)).await),
        "EOrg:Invalid decision signature"
    );
    // A signature over another statement (a rejection) does not carry an approval.
    let reject = DecisionStatement {
        decision: DecisionKind::Reject,
        ..statement.clone()
    };
    let (key, _, at) = signed(&h.devices["m-ben"], &statement);
    let sig = h.devices["m-ben"].sign(&reject.digest());
    assert_eq!(
        err(&approve((key, sig, at)).await),
        "EOrg:Invalid decision signature"
    );
    // A statement made more than five minutes ago is stale.
    let old = DecisionStatement::new(&id, &payload, DecisionKind::Approve, &ben, now(&h) - 301);
    assert_eq!(
        err(&approve(signed(&h.devices["m-ben"], &old)).await),
        "EOrg:Invalid decision signature"
    );

    // A statement dated at either end of time is refused like a stale one, not a crash.
    for at in [i64::MIN, i64::MAX] {
        let far = DecisionStatement::new(&id, &payload, DecisionKind::Approve, &ben, at);
        assert_eq!(
            err(&approve(signed(&h.devices["m-ben"], &far)).await),
            "EOrg:Invalid decision signature",
            "dated {at}"
        );
    }

    // None of that spent the code or changed the request: the signed approval goes through now,
    // with the same code, and shows its digest.
    let view = ok(&approve(signed(&h.devices["m-ben"], &statement)).await).clone();
    let mine = view["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["member"]["id"] == "m-ben")
        .unwrap();
    assert_eq!(mine["digest"], statement.short_digest().as_str());
}

#[tokio::test]
async fn a_registered_device_is_listed_and_accepted() {
    let h = Harness::start().await;
    let laptop = DeviceKey::generate();
    h.advance_ms(30_000);
    let registered = ok(&h
        .org(
            "m-ben",
            "RegisterDevice",
            &[("device_key", &laptop.public().to_base64())],
            true,
        )
        .await)
    .clone();
    assert_eq!(registered["new"], true);
    let me = ok(&h.org("m-ben", "Me", &[], false).await).clone();
    let devices: Vec<&str> = me["devices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap())
        .collect();
    assert!(devices.contains(&laptop.public().to_base64().as_str()));
    // Registering is stepped up: a wrong code registers nothing.
    let other = DeviceKey::generate();
    assert_eq!(
        err(&h
            .org(
                "m-ben",
                "RegisterDevice",
                &[
                    ("device_key", &other.public().to_base64()),
                    ("otp", "000000")
                ],
                false
            )
            .await),
        "EOrg:Invalid otp"
    );
}

#[tokio::test]
async fn repeated_wrong_codes_lock_decisions_out() {
    let h = Harness::start().await;
    let (id, _) = target(&h).await;
    for _ in 0..LOCKOUT_AFTER {
        let answer = h
            .decide("m-ben", "Approve", &id, &[("otp", "000000")])
            .await;
        // `decide` appends the right code after the wrong one; the form keeps the first.
        assert_eq!(err(&answer), "EOrg:Invalid otp");
    }
    assert_eq!(
        err(&h.approve("m-ben", &id).await),
        "EOrg:Locked out",
        "even with the right code"
    );
    h.advance_ms(LOCKOUT_MS);
    ok(&h.approve("m-ben", &id).await);
}

#[tokio::test]
async fn the_journal_records_everything_and_verifies_offline() {
    let h = Harness::start().await;
    let (id, _) = target(&h).await;
    ok(&h.approve("m-ben", &id).await);
    ok(&h.approve("m-chloe", &id).await);
    // A bot's withdrawal through the exchange API is journaled too.
    let bot = h.bot("su-payouts");
    usdt_withdrawal(&h, &bot, "100").await;

    let lines = ok(&h.org("m-dev", "ExportJournal", &[], false).await)["lines"]
        .as_str()
        .unwrap()
        .to_owned();
    let verified = countersign_vault::journal::verify(&lines).unwrap();
    assert_eq!(verified.decisions, 2);
    let kinds: Vec<String> = lines
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["event"]["kind"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    for kind in [
        "request_submitted",
        "device_registered",
        "decision",
        "applied",
    ] {
        assert!(kinds.iter().any(|k| k == kind), "{kind} in {kinds:?}");
    }
    // Altering any record is found at that record.
    let victim = kinds.iter().position(|k| k == "decision").unwrap();
    let tampered: String = lines
        .lines()
        .enumerate()
        .map(|(i, l)| {
            let l = if i == victim {
                l.replacen("\"approve\"", "\"reject\"", 1)
            } else {
                l.to_owned()
            };
            l + "\n"
        })
        .collect();
    let fault = countersign_vault::journal::verify(&tampered).unwrap_err();
    assert_eq!(fault.line, victim + 1, "{fault}");
}

#[tokio::test]
async fn verify_code_checks_and_spends_a_code() {
    let h = Harness::start().await;
    h.advance_ms(30_000);
    assert_eq!(
        ok(&h.org("m-ben", "VerifyCode", &[], true).await)["verified"],
        true
    );
    // The same code again is a replay.
    assert_eq!(
        err(&h.org("m-ben", "VerifyCode", &[], true).await),
        "EOrg:Invalid otp"
    );
    assert_eq!(
        err(&h.org("m-ben", "VerifyCode", &[("otp", "")], false).await),
        "EGeneral:Invalid arguments:otp"
    );
}

#[tokio::test]
async fn a_decision_signed_over_other_content_than_the_request_is_refused_and_spends_no_code() {
    let h = Harness::start().await;
    let (id, payload) = target(&h).await;
    // Ben was shown a different request under this id: 10 BTC more, say. His device signs what
    // he saw, and the Organization refuses it before his code is looked at.
    let shown = match payload.clone() {
        RequestPayload::Withdrawal {
            asset,
            amount,
            fee,
            key,
            address,
        } => RequestPayload::Withdrawal {
            asset,
            amount: amount + rust_decimal::Decimal::TEN,
            fee,
            key,
            address,
        },
        other => panic!("a bot's request is a withdrawal, not {other:?}"),
    };
    let ben = MemberId("m-ben".into());
    h.advance_ms(30_000);
    let statement = DecisionStatement::new(&id, &shown, DecisionKind::Approve, &ben, now(&h));
    let (key, signature, at) = signed(&h.devices["m-ben"], &statement);
    let fields = [
        ("id", id.as_str()),
        ("device_key", key.as_str()),
        ("signature", signature.as_str()),
        ("at", at.as_str()),
        ("content_hash", statement.content_hash.as_str()),
    ];
    assert_eq!(
        err(&h.org("m-ben", "Approve", &fields, true).await),
        "EOrg:Request changed"
    );
    // The same code then approves the request as it is, signed over what it is.
    let statement = DecisionStatement::new(&id, &payload, DecisionKind::Approve, &ben, now(&h));
    let (key, signature, at) = signed(&h.devices["m-ben"], &statement);
    let fields = [
        ("id", id.as_str()),
        ("device_key", key.as_str()),
        ("signature", signature.as_str()),
        ("at", at.as_str()),
        ("content_hash", statement.content_hash.as_str()),
    ];
    assert_eq!(
        ok(&h.org("m-ben", "Approve", &fields, true).await)["approvals"],
        1
    );
}

/// Revocation reaches what is pending, over the wire: a bot's withdrawal whose key loses the
/// Withdraw scope after an approval can no longer be approved (the detail says why beforehand),
/// and can still be rejected.
#[tokio::test]
async fn a_descoped_bots_pending_withdrawal_cannot_be_approved_but_can_be_rejected() {
    let h = Harness::start().await;
    let bot = h.bot("su-payouts");
    let id = usdt_withdrawal(&h, &bot, "250").await;
    let first = h.approve("m-ben", &id).await;
    assert_eq!(ok(&first)["approvals"], 1);

    // The bot's key loses Withdraw.
    let spec = countersign_org::ApiKeySpec {
        scopes: [countersign_org::Scope::FundsQuery].into_iter().collect(),
        settings: countersign_org::KeySettings::default(),
    };
    h.sandbox()
        .operator_set_key_spec(&bot.api_key, &spec)
        .unwrap();
    let seen = h.org("m-chloe", "GetRequest", &[("id", &id)], false).await;
    let blocked = ok(&seen)["viewer"]["approve_blocked"]
        .as_str()
        .unwrap_or_default();
    assert!(blocked.contains("no longer holds Withdraw"), "{seen}");
    assert_eq!(err(&h.approve("m-chloe", &id).await), "EOrg:Not permitted");
    let rejected = h
        .decide("m-chloe", "Reject", &id, &[("reason", "bot revoked")])
        .await;
    assert_eq!(ok(&rejected)["status"], "rejected");
}

/// Self-approval through a bot, over the wire: the member who created a service user receives
/// its secret, and so counts as the initiator of its withdrawals. The detail names them and says
/// why before anything is spent; their approval is refused as self-approval, and two others
/// complete it.
#[tokio::test]
async fn the_member_holding_a_bots_secret_cannot_approve_its_withdrawal() {
    let h = Harness::start().await;
    // Ada (the Owner, who approves withdrawals) asks for a bot; Eve approves; Ada collects it.
    let payload = r#"{"kind":"create_service_user","name":"ada-bot","key":{"scopes":["funds_query","funds_withdraw"],"settings":{}}}"#;
    let asked = h
        .org("m-ada", "Submit", &[("payload", payload)], false)
        .await;
    let create = ok(&asked)["request"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        ok(&h.approve("m-eve", &create).await)["status"],
        "completed"
    );
    h.advance_ms(30_000);
    let revealed = h.org("m-ada", "Reveal", &[("id", &create)], true).await;
    let bot = Key {
        api_key: ok(&revealed)["api_key"].as_str().unwrap().to_owned(),
        secret: countersign_kraken::ApiSecret::from_base64(
            ok(&revealed)["api_secret"].as_str().unwrap(),
        )
        .unwrap(),
    };
    let org = h.org("m-ben", "Org", &[], false).await;
    let listed = ok(&org)["service_users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "ada-bot")
        .cloned()
        .unwrap();
    assert_eq!(listed["key_holder"]["name"], "Ada Okafor", "{listed}");

    let id = usdt_withdrawal(&h, &bot, "250").await;
    let seen = h.org("m-ada", "GetRequest", &[("id", &id)], false).await;
    assert_eq!(ok(&seen)["initiator_key_holder"]["name"], "Ada Okafor");
    let blocked = ok(&seen)["viewer"]["approve_blocked"]
        .as_str()
        .unwrap_or_default();
    assert!(blocked.contains("ada-bot's API secret"), "{seen}");
    assert!(
        !ok(&seen)["still_eligible"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["name"] == "Ada Okafor"),
        "{seen}"
    );
    assert_eq!(err(&h.approve("m-ada", &id).await), "EOrg:Self approval");
    let after = h.org("m-ben", "GetRequest", &[("id", &id)], false).await;
    assert_eq!(ok(&after)["approvals"], 0, "nothing recorded");
    ok(&h.approve("m-ben", &id).await);
    assert_eq!(ok(&h.approve("m-chloe", &id).await)["status"], "completed");
}

/// No step-up without a policy: a member's request that completes at once because its workflow
/// has no policy is Execute. Without a code it is refused, naming the field, and nothing is
/// recorded or changed; with the code and the device's signature it completes.
#[tokio::test]
async fn a_members_completion_at_once_needs_the_step_up_even_without_a_policy() {
    let h = Harness::start().await;
    // Manage Addresses has no policy in the demo Organization.
    let payload = r#"{"kind":"add_address","key":"eur-new","asset":"EUR","method":"SEPA","address":"DE02120300000000202051"}"#;
    let before = ok(&h.org("m-eve", "ListRequests", &[], false).await)["requests"]
        .as_array()
        .map(Vec::len);
    let bare = h
        .org("m-eve", "Submit", &[("payload", payload)], false)
        .await;
    assert_eq!(err(&bare), "EGeneral:Invalid arguments:otp");
    let org = h.org("m-eve", "Org", &[], false).await;
    assert!(
        !ok(&org)["addresses"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["key"] == "eur-new"),
        "nothing added"
    );
    let after = ok(&h.org("m-eve", "ListRequests", &[], false).await)["requests"]
        .as_array()
        .map(Vec::len);
    assert!(before.is_some_and(|n| n > 0), "the requests were listed");
    assert_eq!(before, after, "nothing recorded");
    // A code alone, without the device's signature, is refused too.
    let unsigned = h
        .org("m-eve", "Submit", &[("payload", payload)], true)
        .await;
    assert_eq!(err(&unsigned), "EGeneral:Invalid arguments:device_key");

    let done = h.submit_at_once("m-eve", payload, false).await;
    assert_eq!(ok(&done)["request"]["status"], "completed", "{done}");
}

/// The journal respects View: a member who may not view Manage Addresses gets its requests'
/// payloads and applied changes withheld (their hashes stay), while withdrawals they may view
/// and policy changes stay readable; both exports verify to the same head.
#[tokio::test]
async fn the_journal_withholds_what_a_member_may_not_view_and_still_verifies() {
    let h = Harness::start().await;
    let iban = "DE02120300000000202051";
    let address = format!(
        r#"{{"kind":"add_address","key":"eur-new","asset":"EUR","method":"SEPA","address":"{iban}"}}"#
    );
    ok(&h.submit_at_once("m-eve", &address, false).await);
    let policy = r#"{"kind":"change_policy","workflow":"initiate_withdrawal","policy":{"always_require_approval":true,"required_approvals":3,"locked":false,"expires_after":null}}"#;
    ok(&h
        .org("m-eve", "Submit", &[("payload", policy)], false)
        .await);
    let bot = h.bot("su-payouts");
    let withdrawal = usdt_withdrawal(&h, &bot, "100").await;

    let (devs, bens) = (journal_of(&h, "m-dev").await, journal_of(&h, "m-ben").await);
    let (dev_seen, ben_seen) = (
        countersign_vault::journal::verify(&devs).unwrap(),
        countersign_vault::journal::verify(&bens).unwrap(),
    );
    assert_eq!(ben_seen.head, dev_seen.head, "one chain, seen two ways");
    assert_eq!(ben_seen.records, dev_seen.records);
    assert!(devs.contains(iban) && devs.contains("eur-new"));
    assert!(!bens.contains(iban), "the address is withheld from Ben");
    assert!(!bens.contains("eur-new"), "its name too");
    let records: Vec<countersign_vault::JournalRecord> = bens
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let redacted = records.iter().filter(|r| r.is_redacted()).count();
    assert_eq!(redacted, 2, "the address request and its applied change");
    assert!(
        bens.contains("\"required_approvals\":3"),
        "policy changes stay readable"
    );
    assert!(
        bens.contains(&withdrawal),
        "withdrawals Ben may view stay readable"
    );
}

/// `member`'s export of the journal, as JSON Lines.
async fn journal_of(h: &Harness, member: &str) -> String {
    ok(&h.org(member, "ExportJournal", &[], false).await)["lines"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// `bot` withdraws `amount` USDT to the OTC desk through the exchange API; its refid.
async fn usdt_withdrawal(h: &Harness, bot: &Key, amount: &str) -> String {
    let asked = h
        .private(
            bot,
            "Withdraw",
            &[
                ("asset", "USDT"),
                ("key", "usdt-otc-desk"),
                ("amount", amount),
            ],
        )
        .await;
    ok(&asked)["refid"].as_str().unwrap().to_owned()
}

/// An Execute-at-submit statement is spent once. Eve adds an address at once (no policy on
/// the address book), then removes it; a replay of the first submission's signed statement,
/// through the decision window her codes opened, must not add it back.
#[tokio::test]
async fn a_signed_execute_statement_completes_once_and_a_replay_is_refused() {
    let h = Harness::start().await;
    let add = r#"{"kind":"add_address","key":"eur-new","asset":"EUR","method":"SEPA","address":"DE02120300000000202051"}"#;
    h.advance_ms(30_000);
    let [key, signature, at, content_hash] = h.execute_signed("m-eve", add);
    let signed = [
        ("payload", add),
        ("device_key", key.as_str()),
        ("signature", signature.as_str()),
        ("at", at.as_str()),
        ("content_hash", content_hash.as_str()),
    ];
    let added = h.org("m-eve", "Submit", &signed, true).await;
    assert_eq!(ok(&added)["request"]["status"], "completed", "{added}");
    let remove = r#"{"kind":"remove_address","key":"eur-new"}"#;
    let removed = h.submit_at_once("m-eve", remove, false).await;
    assert_eq!(ok(&removed)["request"]["status"], "completed", "{removed}");

    // A window open, as after any decision: the replay needs no code, only the statement.
    h.advance_ms(30_000);
    let window = ok(&h.org("m-eve", "VerifyCode", &[], true).await)["window"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut replay = signed.to_vec();
    replay.push(("window", window.as_str()));
    let again = h.org("m-eve", "Submit", &replay, false).await;
    assert_eq!(err(&again), "EOrg:Invalid decision signature", "{again}");
    let book = h.org("m-eve", "Org", &[], false).await;
    assert!(
        !ok(&book)["addresses"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["key"] == "eur-new"),
        "the removed address stays removed"
    );
}

/// A created key's secret is held for its one-time reveal for a day, not for ever: after that
/// the sandbox forgets it, the request no longer offers the reveal, and Reveal is refused. A
/// key nobody collected is rotated, not dug up later.
#[tokio::test]
async fn a_created_keys_secret_is_forgotten_a_day_after_completion() {
    let h = Harness::start().await;
    let payload = r#"{"kind":"create_service_user","name":"late-bot","key":{"scopes":["funds_query"],"settings":{}}}"#;
    let asked = h
        .org("m-ada", "Submit", &[("payload", payload)], false)
        .await;
    let create = ok(&asked)["request"]["id"].as_str().unwrap().to_owned();
    ok(&h.approve("m-eve", &create).await);
    let held = |h: &Harness| {
        let conn = rusqlite::Connection::open(h.sandbox().db_path()).unwrap();
        conn.query_row("SELECT count(*) FROM reveals", [], |r| r.get::<_, i64>(0))
            .unwrap()
    };
    let seen = h
        .org("m-ada", "GetRequest", &[("id", &create)], false)
        .await;
    assert_eq!(ok(&seen)["key_to_reveal"], true);
    assert_eq!(held(&h), 1);

    h.advance_ms(countersign_sandbox::REVEAL_HOLD_SECONDS * 1000 + 1_000);
    let seen = h
        .org("m-ada", "GetRequest", &[("id", &create)], false)
        .await;
    assert_eq!(ok(&seen)["key_to_reveal"], false, "{seen}");
    assert_eq!(held(&h), 0, "the secret is gone from the store");
    let late = h.org("m-ada", "Reveal", &[("id", &create)], true).await;
    assert_eq!(err(&late), "EOrg:Unknown request");
}

/// §2/§4: members with Approve on a workflow review others' requests in its queue. A member who
/// holds Approve on withdrawals but not View must still see the queue and decide in it: the
/// engine counts them among the eligible approvers (and a lock's reachability with them), so an
/// API that hid the queue from them would strand a policy that needs them.
#[tokio::test]
async fn an_approver_without_view_sees_the_queue_and_decides_in_it() {
    let h = Harness::start().await;
    {
        let conn = rusqlite::Connection::open(h.sandbox().db_path()).unwrap();
        conn.execute(
            "UPDATE members SET permissions = '{\"initiate_withdrawal\":[\"approve\"]}' WHERE id = 'm-dev'",
            [],
        )
        .unwrap();
    }
    let listed = ok(&h
        .org("m-dev", "ListRequests", &[("status", "pending")], false)
        .await)
    .clone();
    let queue = listed["requests"].as_array().unwrap().clone();
    assert!(
        queue.iter().any(|r| r["workflow"] == "initiate_withdrawal"),
        "the approver sees the withdrawal queue: {listed}"
    );
    assert!(
        queue.iter().all(|r| r["workflow"] == "initiate_withdrawal"),
        "and nothing of the workflows they hold nothing on"
    );
    let target = queue
        .iter()
        .find(|r| r["viewer"]["can_decide"] == true)
        .expect("one they may decide")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let before = ok(&h
        .org("m-dev", "GetRequest", &[("id", &target)], false)
        .await)["approvals"]
        .as_u64()
        .unwrap();
    let decided = h.approve("m-dev", &target).await;
    let after = ok(&decided)["approvals"].as_u64().unwrap();
    assert!(
        after == before + 1 || ok(&decided)["status"] == "completed",
        "{decided}"
    );
}
