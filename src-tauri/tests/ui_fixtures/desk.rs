//! The officer's desk: Ben Ruiz picks the requests he may decide and approves them in one batch
//! with one code; each is signed on its own.

use super::*;

#[test]
fn desk() {
    let mut rec = Recording::new(
        "desk",
        "Ben Ruiz, a treasury officer, picks every request he may decide, reviews them in one \
         sheet and approves them all with one code.",
        org_snapshot(),
    );
    let mut s = rec.session();
    let decidable: Vec<Value> = s
        .pending()
        .into_iter()
        .filter(|r| r["viewer"]["can_decide"] == true && r["viewer"]["approve_blocked"].is_null())
        .collect();
    assert!(decidable.len() >= 3, "Ben may decide at least three");
    let shown: Vec<Value> = decidable
        .iter()
        .map(|r| json!({ "id": r["id"], "seen": r["payload"] }))
        .collect();
    let code = s.code_of("m-ben");
    let outcomes = s
        .act(
            "decide_batch",
            json!({ "shown": shown, "decision": "approve", "otp": code, "reason": null }),
            "ben-batch-approved",
        )
        .expect("decided");
    let outcomes = outcomes.as_array().expect("outcomes");
    assert_eq!(outcomes.len(), decidable.len());
    assert!(
        outcomes.iter().all(|o| o["request"].is_object()),
        "every one decided: {outcomes:?}"
    );
    drop(s);

    // Pushed: while Ben watches the queue, Chloe asks for a withdrawal from her own desk (outside
    // this app, so unrecorded here); the app is told at once and reads the queue again.
    let mut s = rec.session();
    s.desktop
        .call("switch_member", json!({ "memberId": "m-chloe" }))
        .expect("Chloe");
    let asked = s
        .desktop
        .call(
            "submit_request",
            json!({
                "payload": {
                    "kind": "withdrawal", "asset": "ETH", "amount": "3.5", "fee": "0.002",
                    "key": "eth-treasury", "address": "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
                },
                "execute": false, "otp": null, "reason": "market maker top-up",
            }),
        )
        .expect("asked");
    assert_eq!(asked["request"]["status"], "pending");
    s.desktop
        .call("switch_member", json!({ "memberId": "m-ben" }))
        .expect("Ben");
    s.enter("chloe-asked");
    drop(s);
    rec.write();
}
