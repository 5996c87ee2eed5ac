//! Emergency stops over the wire: one member switches a bot's key off, or freezes every
//! withdrawal, at once; the key is refused at the exchange API, the stopped requests cannot be
//! approved, everyone sees the stop, the journal records it, and lifting it is a request under
//! the normal policy.

// Tests panic on any surprise; `unwrap` is the point.
#![allow(clippy::unwrap_used)]

mod common;

use common::{Harness, err, ok};
use serde_json::Value;

/// The id of the seeded pending withdrawal `initiator` submitted for `amount`.
async fn pending_of(h: &Harness, initiator: &str, amount: &str) -> String {
    let list = h
        .org("m-ada", "ListRequests", &[("status", "pending")], false)
        .await;
    ok(&list)["requests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["initiator"]["id"] == initiator && r["payload"]["amount"] == amount)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn org_view(h: &Harness, member: &str) -> Value {
    ok(&h.org(member, "Org", &[], false).await).clone()
}

/// Submits `payload` as `member` and has `approver` approve it; the completed request.
async fn request_approved(h: &Harness, member: &str, payload: &str, approver: &str) -> Value {
    let submitted = h
        .org(member, "Submit", &[("payload", payload)], false)
        .await;
    let id = ok(&submitted)["request"]["id"].as_str().unwrap().to_owned();
    assert_eq!(ok(&submitted)["request"]["status"], "pending");
    let done = h.approve(approver, &id).await;
    assert_eq!(ok(&done)["status"], "completed", "{done}");
    done
}

#[tokio::test]
async fn a_stopped_key_is_refused_at_once_and_works_again_only_through_the_policy() {
    let h = Harness::start().await;
    let bot = h.bot("su-rebalancer");
    ok(&h.private(&bot, "Balance", &[]).await);
    let pending = pending_of(&h, "su-rebalancer", "2.5").await;
    let stop = |member: &'static str, reason: &'static str| {
        let h = &h;
        async move {
            h.org(
                member,
                "StopKey",
                &[("service_user", "su-rebalancer"), ("reason", reason)],
                true,
            )
            .await
        }
    };

    // Ben approves withdrawals but not Manage Access: refused, before his code is looked at.
    assert_eq!(err(&stop("m-ben", "looks odd").await), "EOrg:Not permitted");
    // A stop says why.
    assert_eq!(
        err(&stop("m-eve", "  ").await),
        "EGeneral:Invalid arguments:reason"
    );
    let stopped = stop("m-eve", "secret seen in a CI log").await;
    let stopped = ok(&stopped);
    assert_eq!(stopped["by"]["name"], "Eve Santos");
    assert_eq!(stopped["reason"], "secret seen in a CI log");

    // The key no longer authenticates, and its refusals say why.
    assert_eq!(
        err(&h.private(&bot, "Balance", &[]).await),
        "EAPI:Invalid key"
    );
    let usage = h
        .org(
            "m-eve",
            "KeyUsage",
            &[("service_user", "su-rebalancer")],
            false,
        )
        .await;
    assert!(
        ok(&usage)["refusals"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["cause"] == "stopped" && r["refusals"] == 1),
        "{usage}"
    );
    // Ada presses stop a moment later: the stop in force is Eve's, unchanged.
    h.advance_ms(30_000);
    let again = stop("m-ada", "me too").await;
    assert_eq!(ok(&again)["by"]["name"], "Eve Santos");
    assert_eq!(ok(&again)["reason"], "secret seen in a CI log");

    // Every member sees it, the auditor included.
    let view = org_view(&h, "m-dev").await;
    let su = view["service_users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "su-rebalancer")
        .unwrap();
    assert_eq!(su["stopped"]["by"]["id"], "m-eve");
    // Its pending withdrawal cannot be approved (the view says so first); it may be rejected.
    let request = h
        .org("m-ada", "GetRequest", &[("id", &pending)], false)
        .await;
    assert_eq!(
        ok(&request)["viewer"]["approve_blocked"],
        "Approving is refused while rebalancer-bot's key is stopped (by Eve Santos: secret seen in a CI log)"
    );
    assert_eq!(err(&h.approve("m-ada", &pending).await), "EOrg:Stopped");

    // The journal records who stopped what, and why.
    let journal = h.org("m-dev", "ExportJournal", &[], false).await;
    let stops: Vec<Value> = ok(&journal)["lines"]
        .as_str()
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["event"].clone())
        .filter(|e| e["kind"] == "stopped")
        .collect();
    assert_eq!(stops.len(), 1, "one stop pulled, one record: {stops:?}");
    assert_eq!(stops[0]["by"], "member:m-eve");
    assert_eq!(stops[0]["target"], "service_user:su-rebalancer");
    assert_eq!(stops[0]["reason"], "secret seen in a CI log");

    // Switching it back on is a Manage Access request: Eve asks, Ada approves.
    let payload = r#"{"kind":"resume_service_user","service_user":"su-rebalancer"}"#;
    request_approved(&h, "m-eve", payload, "m-ada").await;
    ok(&h.private(&bot, "Balance", &[]).await);
    assert!(
        org_view(&h, "m-dev").await["service_users"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s.get("stopped").is_none())
    );
    ok(&h.approve("m-ada", &pending).await);
}

#[tokio::test]
async fn a_freeze_stops_every_withdrawal_until_a_policy_request_lifts_it() {
    let h = Harness::start().await;
    let pending = pending_of(&h, "m-chloe", "120").await;
    // Dev views everything and approves nothing: he may not freeze.
    assert_eq!(
        err(&h
            .org("m-dev", "FreezeWithdrawals", &[("reason", "x")], true)
            .await),
        "EOrg:Not permitted"
    );
    // Ben approves withdrawals: he may.
    let frozen = h
        .org(
            "m-ben",
            "FreezeWithdrawals",
            &[("reason", "address book tampering suspected")],
            true,
        )
        .await;
    assert_eq!(ok(&frozen)["by"]["name"], "Ben Ruiz");
    assert_eq!(
        org_view(&h, "m-eve").await["withdrawals_frozen"]["reason"],
        "address book tampering suspected"
    );

    // Nobody withdraws: not a member, not a bot; nothing pending is approved.
    let payload = r#"{"kind":"withdrawal","asset":"BTC","amount":"0.1","fee":"0.00015","key":"cold-storage-1","address":"bc1q9h6yzs4r7vqmf8a3l5n0k2d6c4x8e7w2t5y9u3"}"#;
    let preview = h
        .org("m-chloe", "Preview", &[("payload", payload)], false)
        .await;
    assert_eq!(
        ok(&preview)["decision"]["reason"],
        "withdrawals are frozen (by Ben Ruiz: address book tampering suspected)"
    );
    assert_eq!(
        err(&h
            .private(
                &h.bot("su-payouts"),
                "Withdraw",
                &[
                    ("asset", "XBT"),
                    ("key", "cold-storage-1"),
                    ("amount", "0.1")
                ],
            )
            .await),
        "EGeneral:Permission denied"
    );
    assert_eq!(err(&h.approve("m-ada", &pending).await), "EOrg:Stopped");
    // Other workflows go on.
    let address = r#"{"kind":"add_address","key":"sol-hot","asset":"SOL","method":"Solana","address":"So1aNa"}"#;
    let added = h.submit_at_once("m-eve", address, false).await;
    assert_eq!(ok(&added)["request"]["status"], "completed");

    // Lifting it is a Manage Policies request.
    request_approved(&h, "m-eve", r#"{"kind":"resume_withdrawals"}"#, "m-ada").await;
    assert!(
        org_view(&h, "m-eve")
            .await
            .get("withdrawals_frozen")
            .is_none()
    );
    ok(&h.approve("m-ada", &pending).await);
}
