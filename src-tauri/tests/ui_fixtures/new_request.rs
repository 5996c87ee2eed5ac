//! The New request form: each kind of request as the form submits it, and its refusals.

use super::*;

#[test]
fn new_request() {
    let mut rec = Recording::new(
        "new-request",
        "The New request form: a withdrawal by Ben Ruiz, a service user's creation and a policy \
         change by Eve Santos (Manage Access locked first), an address added at once by Ada \
         Okafor, and a submission the rules refuse, by Dev Malik.",
        org_snapshot(),
    );
    let withdrawal = json!({
        "kind": "withdrawal",
        "asset": "ETH",
        "amount": "12.345678901234567891",
        "fee": "2.50",
        "key": "eth-treasury",
        "address": "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    });
    /// Why Ben asks for the withdrawal.
    const REBALANCE: &str = "monthly rebalance to the treasury wallet";
    {
        let mut s = rec.session();
        s.query(
            "preview_request",
            json!({ "payload": withdrawal, "execute": false }),
        )
        .expect("preview");
        // With the initiator's reason, which every approver then reads with the request.
        let mut asked = submit(&withdrawal, None);
        asked["reason"] = json!(REBALANCE);
        s.act("submit_request", asked, "ben-asked").expect("queued");
    }
    {
        let mut s = rec.session();
        s.act("switch_member", json!({ "memberId": "m-eve" }), "eve")
            .expect("Eve");
        let hedge = json!({
            "kind": "create_service_user",
            "name": "hedge-bot-2",
            "key": {
                "scopes": ["funds_query", "trades_modify"],
                "settings": {
                    "valid_until": 0, "query_from": 0, "query_to": 0, "websocket": true,
                    "nonce_window": 5000, "ip_allowlist": ["10.0.0.0/8", "2001:db8::1"],
                },
            },
        });
        s.act("submit_request", submit(&hedge, None), "eve-asked-hedge")
            .expect("queued");
    }
    {
        // Manage Access locked (Eve asks, Ada approves), then Eve's policy changes.
        let mut s = rec.session();
        s.act("switch_member", json!({ "memberId": "m-eve" }), "eve")
            .expect("Eve");
        let lock = json!({ "kind": "lock_policy", "workflow": "manage_access" });
        let asked = s
            .act("submit_request", submit(&lock, None), "eve-asked-lock")
            .expect("queued");
        let id = asked["request"]["id"].as_str().expect("id").to_owned();
        s.act(
            "switch_member",
            json!({ "memberId": "m-ada" }),
            "ada-sees-lock",
        )
        .expect("Ada");
        let code = s.code_of("m-ada");
        s.act(
            "approve_request",
            json!({ "id": id, "otp": code }),
            "access-locked",
        )
        .expect("locked");
        s.act(
            "switch_member",
            json!({ "memberId": "m-eve" }),
            "eve-access-locked",
        )
        .expect("Eve");
        let tighten = json!({
            "kind": "change_policy",
            "workflow": "initiate_withdrawal",
            "policy": {
                "always_require_approval": true, "required_approvals": 3,
                "locked": false, "expires_after": 259200,
            },
        });
        // What the form asks as the policy is typed: the diff after each change.
        for (approvals, expires) in [(2, None), (3, None), (3, Some(25_200)), (3, Some(259_200))] {
            let policy = json!({
                "always_require_approval": true, "required_approvals": approvals,
                "locked": false, "expires_after": expires,
            });
            s.query(
                "policy_diff",
                json!({ "workflow": "initiate_withdrawal", "policy": policy }),
            )
            .expect("diff");
        }
        s.query(
            "preview_request",
            json!({ "payload": tighten, "execute": false }),
        )
        .expect("preview");
        for always in [true, false] {
            let policy = json!({
                "always_require_approval": always, "required_approvals": 1,
                "locked": true, "expires_after": null,
            });
            s.query(
                "policy_diff",
                json!({ "workflow": "manage_access", "policy": policy }),
            )
            .expect("diff");
        }
        let loosen_locked = json!({
            "kind": "change_policy",
            "workflow": "manage_access",
            "policy": {
                "always_require_approval": false, "required_approvals": 1,
                "locked": true, "expires_after": null,
            },
        });
        s.query(
            "preview_request",
            json!({ "payload": loosen_locked, "execute": false }),
        )
        .expect("preview");
    }
    {
        // Ada adds an address at once (no policy on Manage Addresses; executing needs her code).
        let mut s = rec.session();
        s.act("switch_member", json!({ "memberId": "m-ada" }), "ada")
            .expect("Ada");
        let code = s.code_of("m-ada");
        let address = json!({
            "kind": "add_address",
            "key": "cold-storage-3",
            "asset": "BTC",
            "method": "Bitcoin",
            "address": "bc1qexample",
        });
        s.act(
            "submit_request",
            json!({ "payload": address, "execute": true, "otp": code, "reason": null }),
            "ada-added-address",
        )
        .expect("added");
    }
    {
        // Eve adds an address without asking to execute: with no policy on Manage Addresses it
        // completes at once, which is Execute. Without a code the app sends nothing and asks
        // for one; the preview said so beforehand; with her code it completes.
        let mut s = rec.session();
        s.act("switch_member", json!({ "memberId": "m-eve" }), "eve")
            .expect("Eve");
        let address = json!({
            "kind": "add_address",
            "key": "eur-new",
            "asset": "EUR",
            "method": "SEPA",
            "address": "DE02120300000000202051",
        });
        s.query(
            "preview_request",
            json!({ "payload": address, "execute": false }),
        )
        .expect("preview");
        let asked = s.query("submit_request", submit(&address, None));
        assert_eq!(asked.expect_err("a code first")["code"], "invalid_otp");
        let code = s.code_of("m-eve");
        s.act(
            "submit_request",
            submit(&address, Some(&code)),
            "eve-added-address",
        )
        .expect("added");
    }
    {
        // The auditor may initiate nothing: refused, with the preview saying which rule.
        let mut s = rec.session();
        s.act("switch_member", json!({ "memberId": "m-dev" }), "dev")
            .expect("Dev");
        let one = json!({
            "kind": "withdrawal", "asset": "BTC", "amount": "1", "fee": "0",
            "key": "cold-storage-1", "address": "bc1q9h6yzs4r7vqmf8a3l5n0k2d6c4x8e7w2t5y9u3",
        });
        let refused = s.query("submit_request", submit(&one, None));
        assert_eq!(refused.expect_err("refused")["code"], "not_permitted");
        s.query(
            "preview_request",
            json!({ "payload": one, "execute": false }),
        )
        .expect("preview");
    }
    {
        // Ben may withdraw, but not more than the BTC there is: the preview refuses it.
        let mut s = rec.session();
        let too_much = json!({
            "kind": "withdrawal", "asset": "BTC", "amount": "1000000", "fee": "0",
            "key": "cold-storage-1", "address": "bc1q9h6yzs4r7vqmf8a3l5n0k2d6c4x8e7w2t5y9u3",
        });
        let p = s
            .query(
                "preview_request",
                json!({ "payload": too_much, "execute": false }),
            )
            .expect("preview");
        assert_eq!(p["decision"]["outcome"], "not_permitted", "{p}");
    }
    rec.write();
}
