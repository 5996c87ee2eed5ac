//! Concurrent decisions on one request: each member counts exactly once, the request completes
//! exactly once, and its withdrawal is debited exactly once.

mod support;

use support::Officer;

use std::sync::Arc;

use countersign_client::{ClientError, OrgClient, RequestFilter};
use countersign_kraken::{ApiError, ApiSecret, Credentials, OrgRefusal};
use countersign_org::RequestStatus;
use countersign_org::view::ActorKind;
use countersign_sandbox::Sandbox;
use countersign_vault::TotpSecret;

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_concurrent_approvals_count_each_member_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let running = Sandbox::open(dir.path())
        .expect("open")
        .serve("127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("serve");
    let creds = running
        .sandbox
        .demo_credentials(&running.base_url)
        .expect("creds");
    let approvers: Vec<(Officer, TotpSecret, String)> = creds
        .members
        .iter()
        .filter(|m| ["Ada Okafor", "Ben Ruiz", "Chloe Park"].contains(&m.name.as_str()))
        .map(|m| {
            let client = OrgClient::new(
                &running.base_url,
                Credentials {
                    api_key: m.api_key.clone(),
                    api_secret: ApiSecret::from_base64(&m.api_secret).expect("secret"),
                },
            )
            .expect("client");
            (
                Officer::new(&running.sandbox, &m.id, client),
                TotpSecret::from_base32(&m.totp_secret).expect("totp"),
                m.name.clone(),
            )
        })
        .collect();
    let target = approvers[0]
        .0
        .list_requests(RequestFilter {
            status: Some(RequestStatus::Pending),
            workflow: None,
        })
        .await
        .expect("list")
        .into_iter()
        .find(|r| r.initiator.kind == ActorKind::ServiceUser && r.approvals == 0)
        .expect("an unapproved bot withdrawal");
    let id = Arc::new(target.id.clone());

    // Every approver fires the same approval eight times at once, with their current code.
    let mut tasks = Vec::new();
    for (client, totp, name) in &approvers {
        let code = totp.code_at(now());
        for _ in 0..8 {
            let (client, code, id, name) =
                (client.clone(), code.clone(), Arc::clone(&id), name.clone());
            tasks.push(tokio::spawn(async move {
                (name, client.approve(&id, &code).await)
            }));
        }
    }
    let mut accepted = Vec::new();
    for t in tasks {
        let (name, result) = t.await.expect("join");
        match result {
            Ok(_) => accepted.push(name),
            Err(ClientError::Api(ApiError::Org(
                OrgRefusal::AlreadyDecided | OrgRefusal::InvalidOtp | OrgRefusal::NotPending,
            ))) => {}
            Err(other) => panic!("unexpected refusal: {other:?}"),
        }
    }
    accepted.sort();
    let distinct = {
        let mut d = accepted.clone();
        d.dedup();
        d
    };
    assert_eq!(
        accepted, distinct,
        "a member was counted twice: {accepted:?}"
    );
    assert_eq!(
        accepted.len(),
        2,
        "exactly the required two approvals landed: {accepted:?}"
    );

    let done = approvers[0].0.get_request(&id).await.expect("get");
    assert_eq!(done.status, RequestStatus::Completed);
    assert_eq!(done.approvals, 2);
    assert_eq!(done.decisions.len(), 2);

    // Debited exactly once: one withdrawal ledger entry for the request.
    let db = rusqlite::Connection::open(running.sandbox.db_path()).expect("open db");
    let entries: i64 = db
        .query_row(
            "SELECT COUNT(*) FROM ledger WHERE refid = ?1",
            [id.as_str()],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(entries, 1);
}
