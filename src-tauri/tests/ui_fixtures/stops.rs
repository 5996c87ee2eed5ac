//! Emergency stops: Eve Santos switches rebalancer-bot's key off at once; Ben Ruiz, a treasury
//! officer, freezes every withdrawal; Ada Okafor sees both, and the pending requests they touch.

use super::*;

#[test]
fn stops() {
    let mut rec = Recording::new(
        "stops",
        "Eve Santos stops rebalancer-bot's key at once; Ben Ruiz freezes every withdrawal; Ada \
         Okafor sees both stops on every screen and cannot approve what they touch.",
        org_snapshot(),
    );
    let mut s = rec.session();
    s.act("switch_member", json!({ "memberId": "m-eve" }), "eve")
        .expect("Eve");
    s.query("key_review", json!({ "serviceUser": "su-rebalancer" }))
        .expect("usage");
    let code = s.code_of("m-eve");
    let stopped = s
        .act(
            "stop_key",
            json!({ "serviceUser": "su-rebalancer", "reason": "secret seen in a CI log", "otp": code }),
            "eve-stopped",
        )
        .expect("stopped");
    assert_eq!(stopped["by"]["name"], "Eve Santos");
    s.query("key_review", json!({ "serviceUser": "su-rebalancer" }))
        .expect("usage");
    s.act("switch_member", json!({ "memberId": "m-ben" }), "ben")
        .expect("Ben");
    let code = s.code_of("m-ben");
    s.act(
        "freeze_withdrawals",
        json!({ "reason": "address book tampering suspected", "otp": code }),
        "ben-frozen",
    )
    .expect("frozen");
    s.act("switch_member", json!({ "memberId": "m-ada" }), "ada")
        .expect("Ada");
    // Lifting the freeze is a Manage Policies request: previewed first.
    let lift = s
        .query(
            "preview_request",
            json!({ "payload": { "kind": "resume_withdrawals" }, "execute": false }),
        )
        .expect("preview");
    assert_eq!(lift["decision"]["outcome"], "queued");
    let pending = s.pending();
    assert!(
        pending
            .iter()
            .filter(|r| r["payload"]["kind"] == "withdrawal")
            .all(|r| r["viewer"]["approve_blocked"].is_string()),
        "every pending withdrawal says approving is refused"
    );
    drop(s);
    rec.write();
}
