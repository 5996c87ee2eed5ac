//! The admin workbench: Eve Santos, the administrator, asks for a request of every workflow; Ada
//! Okafor, the Owner, reviews them.

use super::*;

#[test]
fn admin() {
    let mut rec = Recording::new(
        "admin",
        "Eve Santos, the administrator, asks for a request of every workflow; Ada Okafor, the \
         Owner, reviews them: a service user's creation, a key change, an address, policy \
         changes (one of which changes the policy a pending request was submitted under).",
        org_snapshot(),
    );
    {
        let mut s = rec.session();
        s.act("switch_member", json!({ "memberId": "m-eve" }), "eve")
            .expect("Eve");
        let hedge = json!({
            "kind": "create_service_user",
            "name": "hedge-bot",
            "key": key(
                &["funds_query", "trades_query_open", "trades_modify", "trades_close"],
                true,
                &["198.51.100.7"],
            ),
        });
        s.query(
            "preview_request",
            json!({ "payload": hedge, "execute": false }),
        )
        .expect("preview");

        s.act("submit_request", submit(&hedge, None), "eve-1")
            .expect("queued");
        let payout_key = json!({
            "kind": "change_service_user_key",
            "service_user": "su-payouts",
            "key": key(&["funds_query", "funds_withdraw", "trades_modify"], false, &["2001:db8::/48"]),
        });
        s.act("submit_request", submit(&payout_key, None), "eve-2")
            .expect("queued");
        // Manage Addresses has no policy: the entry is added at once, stepped up with her code.
        let code = s.code_of("m-eve");
        let address = json!({
            "kind": "add_address",
            "key": "eur-savings",
            "asset": "EUR",
            "method": "SEPA",
            "address": "DE02120300000000202051",
        });
        s.act("submit_request", submit(&address, Some(&code)), "eve-3")
            .expect("added");
        s.tick(30);
        let tighten = json!({
            "kind": "change_policy",
            "workflow": "initiate_withdrawal",
            "policy": policy(3, true),
        });
        s.act("submit_request", submit(&tighten, None), "eve-4")
            .expect("queued");
        let loosen = json!({
            "kind": "change_policy",
            "workflow": "manage_access",
            "policy": policy(1, false),
        });
        s.act("submit_request", submit(&loosen, None), "eve-5")
            .expect("queued");
        s.act(
            "switch_member",
            json!({ "memberId": "m-ada" }),
            "ada-review",
        )
        .expect("Ada");
        // Ada approves the Manage Access policy change: the pending creation was submitted under
        // the policy before, and says so.
        let pending = s.pending();
        let id = pending
            .iter()
            .find(|r| {
                r["payload"]["kind"] == "change_policy"
                    && r["payload"]["workflow"] == "manage_access"
            })
            .and_then(|r| r["id"].as_str())
            .expect("the Manage Access change")
            .to_owned();
        let code = s.code_of("m-ada");
        s.act(
            "approve_request",
            json!({ "id": id, "otp": code }),
            "access-policy-changed",
        )
        .expect("approved");
        for workflow in [
            "manage_access",
            "manage_policies",
            "manage_addresses",
            "initiate_withdrawal",
        ] {
            s.query("list_requests", filter(None, Some(workflow)))
                .expect("listed");
        }
        // Eve, who asked, may cancel what she asked for.
        s.act(
            "switch_member",
            json!({ "memberId": "m-eve" }),
            "eve-review",
        )
        .expect("Eve");
    }
    {
        // A service user created at once (Manage Access left without a policy): its key is
        // revealed once, copied, stored in the keychain and then no longer kept.
        let mut s = rec.session();
        s.act("switch_member", json!({ "memberId": "m-eve" }), "eve")
            .expect("Eve");
        let unguard =
            json!({ "kind": "change_policy", "workflow": "manage_access", "policy": null });
        let asked = s
            .act(
                "submit_request",
                submit(&unguard, None),
                "eve-asked-no-access-policy",
            )
            .expect("queued");
        let id = asked["request"]["id"].as_str().expect("id").to_owned();
        s.act(
            "switch_member",
            json!({ "memberId": "m-ada" }),
            "ada-sees-no-access-policy",
        )
        .expect("Ada");
        let code = s.code_of("m-ada");
        s.act(
            "approve_request",
            json!({ "id": id, "otp": code }),
            "no-access-policy",
        )
        .expect("approved");
        let bot = json!({
            "kind": "create_service_user",
            "name": "hedge-bot",
            "key": key(&["funds_query"], false, &[]),
        });
        let created = s
            .act("submit_request", submit(&bot, None), "ada-created-bot")
            .expect("created");
        assert!(created["revealed"].is_object(), "{created}");
        let id = created["request"]["id"].as_str().expect("id").to_owned();
        s.query("copy_revealed_secret", json!({ "requestId": id }))
            .expect("copied");
        s.act(
            "store_revealed_key",
            json!({ "requestId": id }),
            "bot-key-stored",
        )
        .expect("stored");
        let refused = s.query("copy_revealed_secret", json!({ "requestId": id }));
        assert_eq!(refused.expect_err("forgotten")["code"], "not_found");
        s.query("forget_revealed_key", json!({ "requestId": id }))
            .expect("forgotten");
    }
    {
        // The reporting bot's key, previewed and submitted from its page: Withdraw in, Export
        // data out.
        let mut s = rec.session();
        s.act("switch_member", json!({ "memberId": "m-eve" }), "eve")
            .expect("Eve");
        let reporting = json!({
            "kind": "change_service_user_key",
            "service_user": "su-reporting",
            "key": key(&["funds_query", "funds_withdraw", "trades_query_closed", "ledger_query"], false, &[]),
        });
        s.query(
            "preview_request",
            json!({ "payload": reporting, "execute": false }),
        )
        .expect("preview");
        s.act(
            "submit_request",
            submit(&reporting, None),
            "eve-asked-reporting-key",
        )
        .expect("queued");
    }
    {
        // A queued creation, approved: its initiator reveals the key once, from the request,
        // stepped up with her code; copies it, stores it; a second reveal is refused.
        let mut s = rec.session();
        s.act("switch_member", json!({ "memberId": "m-eve" }), "eve")
            .expect("Eve");
        let vault = json!({
            "kind": "create_service_user",
            "name": "vault-bot",
            "key": key(&["funds_query"], false, &[]),
        });
        let asked = s
            .act(
                "submit_request",
                submit(&vault, None),
                "eve-asked-vault-bot",
            )
            .expect("queued");
        let id = asked["request"]["id"].as_str().expect("id").to_owned();
        s.act(
            "switch_member",
            json!({ "memberId": "m-ada" }),
            "ada-sees-vault-bot",
        )
        .expect("Ada");
        let code = s.code_of("m-ada");
        s.act(
            "approve_request",
            json!({ "id": id, "otp": code }),
            "vault-bot-created",
        )
        .expect("approved");
        s.act(
            "switch_member",
            json!({ "memberId": "m-eve" }),
            "eve-may-reveal",
        )
        .expect("Eve");
        let code = s.code_of("m-eve");
        let revealed = s
            .act(
                "reveal_created_key",
                json!({ "requestId": id, "otp": code }),
                "eve-revealed",
            )
            .expect("revealed");
        assert!(revealed["api_secret"].is_string(), "{revealed}");
        s.query("copy_revealed_secret", json!({ "requestId": id }))
            .expect("copied");
        s.act(
            "store_revealed_key",
            json!({ "requestId": id }),
            "vault-key-stored",
        )
        .expect("stored");
        s.query("forget_revealed_key", json!({ "requestId": id }))
            .expect("forgotten");
        s.tick(30);
        let code = s.code_of("m-eve");
        let again = s.query(
            "reveal_created_key",
            json!({ "requestId": id, "otp": code }),
        );
        assert!(again.is_err(), "a key is revealed once");
    }
    {
        // The Service users area's editors: a new service user with every setting set, a
        // change opening a key to every IPv4 address (warned), and a removal.
        let mut s = rec.session();
        s.act("switch_member", json!({ "memberId": "m-eve" }), "eve")
            .expect("Eve");
        let audit = json!({
            "kind": "create_service_user",
            "name": "audit-bot",
            "key": {
                "scopes": ["ledger_query", "export_data"],
                "settings": {
                    // 2027-01-31 00:00 UTC; entries from 2026-01-01 through 2026-06-30 (UTC).
                    "valid_until": 1_801_353_600, "query_from": 1_767_225_600,
                    "query_to": 1_782_864_000, "websocket": false, "nonce_window": 5000,
                    "ip_allowlist": ["203.0.113.0/24"],
                },
            },
        });
        s.query(
            "preview_request",
            json!({ "payload": audit, "execute": false }),
        )
        .expect("preview");
        s.act(
            "submit_request",
            submit(&audit, None),
            "eve-asked-audit-bot",
        )
        .expect("queued");
    }
    {
        // Each editor starts from the Organization as seeded.
        let mut s = rec.session();
        s.act("switch_member", json!({ "memberId": "m-eve" }), "eve")
            .expect("Eve");
        let open_payouts = json!({
            "kind": "change_service_user_key",
            "service_user": "su-payouts",
            "key": key(&["funds_query", "funds_withdraw"], false, &["0.0.0.0/0"]),
        });
        s.query(
            "preview_request",
            json!({ "payload": open_payouts, "execute": false }),
        )
        .expect("preview");
        // payout-bot's key's record: not used since the sandbox started.
        s.query("key_review", json!({ "serviceUser": "su-payouts" }))
            .expect("usage");
        // What payout-bot's withdrawal of 2 BTC to cold-storage-1 would go through.
        let bot_withdrawal = json!({
            "kind": "withdrawal", "asset": "BTC", "amount": "2", "fee": "0",
            "key": "cold-storage-1", "address": "bc1q9h6yzs4r7vqmf8a3l5n0k2d6c4x8e7w2t5y9u3",
        });
        s.query(
            "preview_as",
            json!({ "payload": bot_withdrawal, "initiator": "su-payouts" }),
        )
        .expect("preview");
        let remove = json!({ "kind": "remove_service_user", "service_user": "su-reporting" });
        s.query(
            "preview_request",
            json!({ "payload": remove, "execute": false }),
        )
        .expect("preview");
        s.act(
            "submit_request",
            submit(&remove, None),
            "eve-asked-remove-reporting",
        )
        .expect("queued");
    }
    {
        // The Members area's editors: an invitation, a change that leaves Initiate Withdrawal
        // one approver short for its approvers' own requests (warned), a removal.
        let mut s = rec.session();
        s.act("switch_member", json!({ "memberId": "m-eve" }), "eve")
            .expect("Eve");
        let frank = json!({
            "kind": "invite_member",
            "name": "Frank Li",
            "permissions": { "initiate_withdrawal": ["view", "approve"] },
            "account": [],
        });
        s.query(
            "preview_request",
            json!({ "payload": frank, "execute": false }),
        )
        .expect("preview");
        let remove_dev = json!({ "kind": "remove_member", "member": "m-dev" });
        s.query(
            "preview_request",
            json!({ "payload": remove_dev, "execute": false }),
        )
        .expect("preview");
        let chloe = json!({
            "kind": "change_member_permissions",
            "member": "m-chloe",
            "permissions": { "initiate_withdrawal": ["view", "initiate", "execute"] },
            "account": ["trade"],
        });
        s.query(
            "preview_request",
            json!({ "payload": chloe, "execute": false }),
        )
        .expect("preview");
        s.act(
            "submit_request",
            submit(&chloe, None),
            "eve-asked-chloe-change",
        )
        .expect("queued");
    }
    {
        // The Addresses area's editors: an entry added, one renamed (a pending withdrawal names
        // it), one removed; Manage Addresses has no policy, so each completes at once.
        let mut s = rec.session();
        s.act("switch_member", json!({ "memberId": "m-eve" }), "eve")
            .expect("Eve");
        let add = json!({
            "kind": "add_address", "key": "sol-treasury", "asset": "SOL", "method": "Solana",
            "address": "9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM",
        });
        let rename = json!({
            "kind": "relabel_address", "key": "cold-storage-2", "new_key": "cold-storage-archive",
        });
        let remove = json!({ "kind": "remove_address", "key": "eth-treasury" });
        for payload in [&add, &rename, &remove] {
            s.query(
                "preview_request",
                json!({ "payload": payload, "execute": false }),
            )
            .expect("preview");
        }
        // No bot has sent a withdrawal call since the sandbox started.
        for entry in ["cold-storage-2", "eth-treasury"] {
            let callers = s
                .query("address_callers", json!({ "key": entry }))
                .expect("callers");
            assert_eq!(callers, json!([]));
        }
    }
    {
        // The Policies area's editor on Initiate Withdrawal: as in force, then N 1, then
        // Execute allowed; each draft's diff and the history replayed under it, live.
        let mut s = rec.session();
        s.act("switch_member", json!({ "memberId": "m-eve" }), "eve")
            .expect("Eve");
        for draft in [policy(2, true), policy(1, true), policy(1, false)] {
            let args = json!({ "workflow": "initiate_withdrawal", "policy": draft });
            s.query("policy_diff", args.clone()).expect("diff");
            s.query("simulate_policy", args.clone()).expect("simulate");
            s.query("replay_policy", args).expect("replay");
        }
        s.query(
            "preview_request",
            json!({ "payload": { "kind": "lock_policy", "workflow": "initiate_withdrawal" }, "execute": false }),
        )
        .expect("preview");
        let loosen = json!({
            "kind": "change_policy", "workflow": "initiate_withdrawal", "policy": policy(1, false),
        });
        s.query(
            "preview_request",
            json!({ "payload": loosen, "execute": false }),
        )
        .expect("preview");
    }
    {
        // Without a policy on Initiate Withdrawal, a bot's withdrawal completes at once: Eve asks
        // to remove it, Ada approves.
        let mut s = rec.session();
        s.act("switch_member", json!({ "memberId": "m-eve" }), "eve")
            .expect("Eve");
        let remove =
            json!({ "kind": "change_policy", "workflow": "initiate_withdrawal", "policy": null });
        let asked = s
            .act(
                "submit_request",
                submit(&remove, None),
                "eve-asked-no-withdrawal-policy",
            )
            .expect("queued");
        let id = asked["request"]["id"].as_str().expect("id").to_owned();
        s.act(
            "switch_member",
            json!({ "memberId": "m-ada" }),
            "ada-sees-no-withdrawal-policy",
        )
        .expect("Ada");
        let code = s.code_of("m-ada");
        s.act(
            "approve_request",
            json!({ "id": id, "otp": code }),
            "no-withdrawal-policy",
        )
        .expect("approved");
    }
    rec.write();
}
