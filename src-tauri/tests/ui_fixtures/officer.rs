//! The officer's desk: Ben Ruiz's approval queue, his decisions and their refusals, the Requests
//! area's history, switching member, locking.

use super::*;

/// The officer's queue at the start: the requests by who asked.
struct Queue {
    /// rebalancer-bot, 2.5 BTC, no approval yet.
    bot: String,
    /// payout-bot, 48,000 USDT, one approval of two.
    payout: String,
    /// Ada Okafor, 250,000 USD.
    usd: String,
    /// Ben Ruiz's own, 86,500 EUR.
    own: String,
}

impl Queue {
    fn of(s: &Session<'_>) -> Self {
        let pending = s.pending();
        let find = |initiator: &str, amount: &str| -> String {
            pending
                .iter()
                .find(|r| r["initiator"]["name"] == initiator && r["payload"]["amount"] == amount)
                .and_then(|r| r["id"].as_str())
                .unwrap_or_else(|| panic!("a request by {initiator} for {amount}"))
                .to_owned()
        };
        Self {
            bot: find("rebalancer-bot", "2.5"),
            payout: find("payout-bot", "48000"),
            usd: find("Ada Okafor", "250000"),
            own: find("Ben Ruiz", "86500"),
        }
    }
}

/// The reason the officer gives for rejecting Ada's withdrawal.
const REASON: &str = "Address not in the plan";

#[test]
fn officer() {
    let mut rec = Recording::new(
        "officer",
        "Ben Ruiz, a treasury officer, on the demo sandbox: the approval queue, his decisions \
         and their refusals, the Requests area's history, switching member, locking.",
        org_snapshot(),
    );
    {
        // Refusals leave everything as it was; the right code approves.
        let mut s = rec.session();
        let q = Queue::of(&s);
        let code = s.code_of("m-ben");
        let wrong = if code == "000000" { "111111" } else { "000000" };
        let refused = s.query("approve_request", json!({ "id": q.own, "otp": code }));
        assert_eq!(refused.expect_err("self approval")["code"], "self_approval");
        let refused = s.query("approve_request", json!({ "id": q.bot, "otp": wrong }));
        assert_eq!(refused.expect_err("wrong code")["code"], "invalid_otp");
        let approved = s.act(
            "approve_request",
            json!({ "id": q.bot, "otp": code }),
            "ben-approved-bot",
        );
        assert_eq!(approved.expect("approved")["approvals"], 1);
    }
    {
        // The second approval completes the payout.
        let mut s = rec.session();
        let q = Queue::of(&s);
        let code = s.code_of("m-ben");
        let done = s.act(
            "approve_request",
            json!({ "id": q.payout, "otp": code }),
            "ben-approved-payout",
        );
        assert_eq!(done.expect("completed")["status"], "completed");
    }
    {
        let mut s = rec.session();
        let q = Queue::of(&s);
        let code = s.code_of("m-ben");
        s.act(
            "reject_request",
            json!({ "id": q.usd, "otp": code, "reason": REASON }),
            "ben-rejected-usd",
        )
        .expect("rejected");
    }
    {
        // Ben cancels his own request: a wrong code is refused, the right one cancels it.
        let mut s = rec.session();
        let q = Queue::of(&s);
        let code = s.code_of("m-ben");
        let wrong = if code == "000000" { "111111" } else { "000000" };
        let refused = s.query("cancel_request", json!({ "id": q.own, "otp": wrong }));
        assert_eq!(refused.expect_err("wrong code")["code"], "invalid_otp");
        s.act(
            "cancel_request",
            json!({ "id": q.own, "otp": code }),
            "ben-cancelled-own",
        )
        .expect("cancelled");
    }
    {
        // The auditor sees the queue and may decide nothing.
        let mut s = rec.session();
        s.act("switch_member", json!({ "memberId": "m-dev" }), "dev")
            .expect("Dev");
    }
    {
        // A history: one request completed, one rejected, one cancelled.
        let mut s = rec.session();
        let q = Queue::of(&s);
        let code = s.code_of("m-ben");
        s.act(
            "approve_request",
            json!({ "id": q.payout, "otp": code }),
            "ben-approved-payout",
        )
        .expect("completed");
        s.tick(30);
        let code = s.code_of("m-ben");
        s.act(
            "reject_request",
            json!({ "id": q.usd, "otp": code, "reason": REASON }),
            "history-rejected",
        )
        .expect("rejected");
        s.tick(30);
        let code = s.code_of("m-ben");
        s.act(
            "cancel_request",
            json!({ "id": q.own, "otp": code }),
            "history",
        )
        .expect("cancelled");
        for status in ["pending", "completed", "rejected", "cancelled", "expired"] {
            s.query("list_requests", filter(Some(status), None))
                .expect("listed");
        }
        s.query(
            "list_requests",
            filter(Some("rejected"), Some("manage_access")),
        )
        .expect("listed");
    }
    {
        // The living sandbox on and off (it moves by itself while on: only its switch is
        // recorded there).
        let mut s = rec.session();
        let living = [("living_sandbox", json!({}))];
        s.act_quiet(
            "set_living_sandbox",
            json!({ "on": true }),
            "living",
            &living,
        )
        .expect("on");
        s.act_quiet(
            "set_living_sandbox",
            json!({ "on": false }),
            "living-off",
            &living,
        )
        .expect("off");
    }
    {
        // Locked: only the session, locking and unlocking answer; the member's code opens it.
        let mut s = rec.session();
        s.act("lock_app", json!({}), "locked").expect("locked");
        let code = s.code_shown_in("start", "m-ben");
        let wrong = if code == "000000" { "111111" } else { "000000" };
        let refused = s.query("unlock_app", json!({ "otp": wrong }));
        assert_eq!(refused.expect_err("wrong code")["code"], "invalid_otp");
        s.act("unlock_app", json!({ "otp": code }), "unlocked")
            .expect("unlocked");
    }
    rec.write();
}
