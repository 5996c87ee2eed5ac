//! Every workflow through the org API of a real sandbox: previews that match what submission
//! then does, immediate completion, queued access changes with the one-time secret reveal,
//! execution with step-up, cancellation, and expiry.

mod support;

use support::Officer;

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use countersign_client::{ClientError, OrgClient, RequestFilter};
use countersign_kraken::{ApiError, ApiSecret, Credentials, OrgRefusal};
use countersign_org::{
    ApiKeySpec, MemberId, Permissions, Policy, PreviewDecision, RequestPayload, RequestStatus,
    Scope, Workflow, WorkflowPermission,
};
use countersign_sandbox::{DemoCredentials, RunningSandbox, Sandbox};
use countersign_vault::TotpSecret;

const START: i64 = 1_800_000_000;

struct Org {
    running: RunningSandbox,
    creds: DemoCredentials,
    time: Arc<AtomicI64>,
    _dir: tempfile::TempDir,
}

impl Org {
    async fn start() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let time = Arc::new(AtomicI64::new(START));
        let t = Arc::clone(&time);
        let running = Sandbox::open_with_clock(
            dir.path(),
            Arc::new(move || t.load(Ordering::SeqCst) * 1000),
        )
        .expect("open")
        .serve("127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("serve");
        let creds = running
            .sandbox
            .demo_credentials(&running.base_url)
            .expect("creds");
        Self {
            running,
            creds,
            time,
            _dir: dir,
        }
    }

    fn as_member(&self, name: &str) -> (Officer, impl Fn() -> String + '_) {
        let m = self
            .creds
            .members
            .iter()
            .find(|m| m.name.starts_with(name))
            .expect("member");
        let client = support::client_at(
            &self.running.base_url,
            Credentials {
                api_key: m.api_key.clone(),
                api_secret: ApiSecret::from_base64(&m.api_secret).expect("secret"),
            },
            &self.time,
        );
        let totp = TotpSecret::from_base32(&m.totp_secret).expect("totp");
        let time = Arc::clone(&self.time);
        let client = Officer::new(&self.running.sandbox, &m.id, client);
        (client, move || {
            totp.code_at(u64::try_from(time.load(Ordering::SeqCst)).expect("time"))
        })
    }

    fn advance(&self, seconds: i64) {
        self.time.fetch_add(seconds, Ordering::SeqCst);
    }
}

fn refusal<T: std::fmt::Debug>(r: Result<T, ClientError>) -> ApiError {
    match r {
        Err(ClientError::Api(e)) => e,
        other => panic!("expected an API error, got {other:?}"),
    }
}

#[tokio::test]
async fn the_org_view_lists_members_service_users_and_policies() {
    let org = Org::start().await;
    let (dev, _) = org.as_member("Dev");
    let view = dev.org().await.expect("org");
    assert!(view.members[0].is_owner, "Owner first");
    // Account permissions (spec §2) travel with the member: the Owner trades and uses Earn.
    assert_eq!(view.members[0].account.len(), 3);
    let ben = view
        .members
        .iter()
        .find(|m| m.name == "Ben Ruiz")
        .expect("Ben");
    assert!(ben.account.is_empty());
    assert!(view.members.len() >= 5 && view.service_users.len() >= 3);
    let rebalancer = view
        .service_users
        .iter()
        .find(|s| s.name == "rebalancer-bot")
        .expect("bot");
    assert!(rebalancer.key.scopes.contains(&Scope::FundsWithdraw));
    let withdrawals = view
        .policies
        .iter()
        .find(|p| p.workflow == Workflow::InitiateWithdrawal)
        .expect("policy");
    assert_eq!(withdrawals.policy.map(|p| p.required_approvals), Some(2));
    // Ada, Ben and Chloe approve withdrawals; bots initiate, so all three count: 3 - 2 = 1.
    assert_eq!(withdrawals.bus_factor, Some(1));
    let addresses = view
        .policies
        .iter()
        .find(|p| p.workflow == Workflow::ManageAddresses)
        .expect("policy");
    assert_eq!(addresses.policy, None);
}

#[tokio::test]
async fn a_bots_withdrawal_is_previewed_as_the_bot_would_send_it() {
    let org = Org::start().await;
    let (ben, _) = org.as_member("Ben");
    let withdrawal = RequestPayload::Withdrawal {
        asset: "BTC".into(),
        amount: "2".parse().expect("amount"),
        fee: "0".parse().expect("fee"),
        key: "cold-storage-1".into(),
        address: "bc1q9h6yzs4r7vqmf8a3l5n0k2d6c4x8e7w2t5y9u3".into(),
    };
    // payout-bot holds Withdraw: queued under Initiate Withdrawal's policy, never executed.
    let p = ben
        .preview(&withdrawal, false, Some("su-payouts"))
        .await
        .expect("preview");
    assert!(
        matches!(
            p.decision,
            PreviewDecision::Queued {
                required_approvals: 2,
                ..
            }
        ),
        "{p:?}"
    );
    let rules: Vec<&str> = p.trace.iter().map(|s| s.rule.as_str()).collect();
    assert!(rules.contains(&"service_user.scope"), "{rules:?}");
    assert!(rules.contains(&"service_user.never_executes"), "{rules:?}");
    assert!(
        !rules.contains(&"invariant.no_self_approval"),
        "a bot is no approver"
    );
    // reporting-bot lacks it: refused, naming the scope.
    let p = ben
        .preview(&withdrawal, false, Some("su-reporting"))
        .await
        .expect("preview");
    let PreviewDecision::NotPermitted { reason } = p.decision else {
        panic!("refused: {p:?}");
    };
    assert_eq!(
        reason,
        "reporting-bot's API key lacks the Withdraw permission (funds_withdraw)"
    );
    // Neither a member nor a service user: the field is named.
    assert_eq!(
        refusal(ben.preview(&withdrawal, false, Some("su-nobody")).await),
        ApiError::InvalidArguments(Some("as".into()))
    );
}

#[tokio::test]
async fn without_a_policy_an_address_is_added_at_once_and_the_preview_said_so() {
    let org = Org::start().await;
    let (eve, eve_code) = org.as_member("Eve");
    let payload = RequestPayload::AddAddress {
        key: "cold-storage-3".into(),
        asset: "BTC".into(),
        method: "Bitcoin".into(),
        address: "bc1qnewcoldstorage".into(),
    };
    let preview = eve.preview(&payload, false, None).await.expect("preview");
    assert_eq!(preview.decision, PreviewDecision::CompletesImmediately);
    assert!(preview.trace.iter().any(|s| s.rule == "policy.none"));
    // Completing at once is Execute: without the step-up nothing happens, naming the field.
    assert_eq!(
        refusal(eve.submit(&payload, false, None).await),
        ApiError::InvalidArguments(Some("otp".into()))
    );
    assert!(
        !eve.org()
            .await
            .expect("org")
            .addresses
            .iter()
            .any(|a| a.key == "cold-storage-3")
    );
    let done = eve
        .submit(&payload, false, Some(&eve_code()))
        .await
        .expect("submit");
    assert_eq!(done.request.status, RequestStatus::Completed);
    assert_eq!(done.preview.decision, preview.decision);
    let view = eve.org().await.expect("org");
    assert!(
        view.addresses
            .iter()
            .any(|a| a.key == "cold-storage-3" && !a.verified)
    );
}

#[tokio::test]
async fn creating_a_service_user_queues_then_reveals_its_secret_once_to_the_initiator() {
    let org = Org::start().await;
    let (eve, eve_code) = org.as_member("Eve");
    let (ada, ada_code) = org.as_member("Ada");
    let payload = RequestPayload::CreateServiceUser {
        name: "hedge-bot".into(),
        key: ApiKeySpec {
            scopes: [Scope::FundsQuery, Scope::TradesModify]
                .into_iter()
                .collect(),
            ..ApiKeySpec::default()
        },
    };
    let preview = eve.preview(&payload, false, None).await.expect("preview");
    let PreviewDecision::Queued {
        required_approvals,
        eligible_count,
        eligible_approvers,
        reachable,
    } = &preview.decision
    else {
        panic!("queued under Manage Access's policy: {preview:?}");
    };
    assert_eq!((*required_approvals, *eligible_count), (1, 1));
    assert!(*reachable);
    assert!(eligible_approvers.iter().any(|a| a.name == "Ada Okafor"));
    assert!(
        eligible_approvers.iter().all(|a| a.name != "Eve Santos"),
        "initiator excluded"
    );

    let submitted = eve.submit(&payload, false, None).await.expect("submit");
    assert_eq!(submitted.request.status, RequestStatus::Pending);
    assert!(submitted.revealed.is_none());
    let id = submitted.request.id;
    // Nothing to reveal before it completes; only the initiator may reveal, with a fresh code.
    assert_eq!(
        refusal(eve.reveal(&id, &eve_code()).await),
        ApiError::Org(OrgRefusal::UnknownRequest)
    );

    assert!(
        !submitted.request.key_to_reveal,
        "nothing waits while pending"
    );
    let done = ada.approve(&id, &ada_code()).await.expect("approve");
    assert_eq!(done.status, RequestStatus::Completed);
    // The key waits for its initiator: her view says so, the approver's does not.
    assert!(!done.key_to_reveal, "not to the approver");
    assert!(eve.get_request(&id).await.expect("get").key_to_reveal);
    org.advance(30);
    assert_eq!(
        refusal(ada.reveal(&id, &ada_code()).await),
        ApiError::Org(OrgRefusal::NotPermitted)
    );
    assert_eq!(
        refusal(eve.reveal(&id, &wrong(&eve_code())).await),
        ApiError::Org(OrgRefusal::InvalidOtp)
    );
    let key = eve.reveal(&id, &eve_code()).await.expect("reveal");
    assert_eq!(key.api_key.len(), 56);
    assert!(
        !eve.get_request(&id).await.expect("get").key_to_reveal,
        "revealed: no longer offered"
    );
    org.advance(30);
    assert_eq!(
        refusal(eve.reveal(&id, &eve_code()).await),
        ApiError::Org(OrgRefusal::UnknownRequest),
        "once only"
    );

    // The revealed key works against the sandbox (as a service user it may not use org calls).
    let bot = OrgClient::new(
        &org.running.base_url,
        Credentials {
            api_key: key.api_key,
            api_secret: ApiSecret::from_base64(&key.api_secret).expect("secret"),
        },
    )
    .expect("client");
    assert_eq!(
        refusal(bot.me().await),
        ApiError::Org(OrgRefusal::MembersOnly)
    );
    assert!(
        eve.org()
            .await
            .expect("org")
            .service_users
            .iter()
            .any(|s| s.name == "hedge-bot")
    );
}

#[tokio::test]
async fn refused_submissions_change_nothing() {
    let org = Org::start().await;
    let (dev, _) = org.as_member("Dev");
    let payload = RequestPayload::ChangeMemberPermissions {
        member: MemberId("m-dev".into()),
        permissions: Permissions::none()
            .with(Workflow::InitiateWithdrawal, &[WorkflowPermission::Approve]),
        account: Default::default(),
    };
    let preview = dev.preview(&payload, false, None).await.expect("preview");
    assert!(
        matches!(&preview.decision, PreviewDecision::NotPermitted { reason } if reason.contains("neither Initiate nor Execute"))
    );
    let before = dev
        .list_requests(RequestFilter::default())
        .await
        .expect("list")
        .len();
    assert_eq!(
        refusal(dev.submit(&payload, false, None).await),
        ApiError::Org(OrgRefusal::NotPermitted)
    );
    assert_eq!(
        dev.list_requests(RequestFilter::default())
            .await
            .expect("list")
            .len(),
        before
    );

    // Funds are checked in the preview when the sandbox knows the balance.
    let (ben, _) = org.as_member("Ben");
    let too_much = RequestPayload::Withdrawal {
        asset: "BTC".into(),
        amount: "1000".parse().expect("decimal"),
        fee: "0.0001".parse().expect("decimal"),
        key: "cold-storage-1".into(),
        address: "bc1q9h6yzs4r7vqmf8a3l5n0k2d6c4x8e7w2t5y9u3".into(),
    };
    let p = ben.preview(&too_much, false, None).await.expect("preview");
    assert!(p.trace.iter().any(|s| s.rule == "funds.available"), "{p:?}");
    assert!(matches!(p.decision, PreviewDecision::NotPermitted { .. }));
}

/// A code that is surely wrong: the right one with its first digit changed.
fn wrong(code: &str) -> String {
    let first = if code.starts_with('0') { '1' } else { '0' };
    std::iter::once(first).chain(code.chars().skip(1)).collect()
}

#[tokio::test]
async fn execute_needs_a_fresh_code_and_completes_at_once_when_the_policy_allows() {
    let org = Org::start().await;
    let (ada, ada_code) = org.as_member("Ada");
    let (eve, _) = org.as_member("Eve");
    // Give Manage Addresses a policy that allows Execute (Manage Policies: 1 approval).
    let policy = Policy {
        always_require_approval: false,
        ..Policy::requiring(2)
    };
    let change = RequestPayload::ChangePolicy {
        workflow: Workflow::ManageAddresses,
        policy: Some(policy),
    };
    let id = eve
        .submit(&change, false, None)
        .await
        .expect("submit")
        .request
        .id;
    assert_eq!(
        ada.approve(&id, &ada_code()).await.expect("approve").status,
        RequestStatus::Completed
    );
    org.advance(30);

    let add = RequestPayload::AddAddress {
        key: "x".into(),
        asset: "ETH".into(),
        method: "Ether".into(),
        address: "0xabc".into(),
    };
    let preview = ada.preview(&add, true, None).await.expect("preview");
    assert_eq!(preview.decision, PreviewDecision::CompletesImmediately);
    assert!(
        preview.trace.iter().any(|s| s.rule == "execute"),
        "{preview:?}"
    );
    // Executing is a decision: it needs a fresh code, and a wrong one changes nothing.
    assert_eq!(
        refusal(ada.submit(&add, true, None).await),
        ApiError::InvalidArguments(Some("otp".into()))
    );
    assert_eq!(
        refusal(ada.submit(&add, true, Some(&wrong(&ada_code()))).await),
        ApiError::Org(OrgRefusal::InvalidOtp)
    );
    assert!(
        !ada.org()
            .await
            .expect("org")
            .addresses
            .iter()
            .any(|a| a.key == "x")
    );
    let done = ada
        .submit(&add, true, Some(&ada_code()))
        .await
        .expect("execute");
    assert_eq!(done.request.status, RequestStatus::Completed);
    assert!(
        ada.org()
            .await
            .expect("org")
            .addresses
            .iter()
            .any(|a| a.key == "x")
    );

    // Without asking to execute, the same member's request is queued under that policy.
    let add_y = RequestPayload::AddAddress {
        key: "y".into(),
        asset: "ETH".into(),
        method: "Ether".into(),
        address: "0xdef".into(),
    };
    let queued = ada.submit(&add_y, false, None).await.expect("submit");
    assert_eq!(queued.request.status, RequestStatus::Pending);
    assert!(
        queued
            .preview
            .trace
            .iter()
            .any(|s| s.rule == "execute.available")
    );
}

#[tokio::test]
async fn only_the_initiator_cancels_and_a_cancelled_request_is_final() {
    let org = Org::start().await;
    let (eve, eve_code) = org.as_member("Eve");
    let (ada, ada_code) = org.as_member("Ada");
    let invite = RequestPayload::InviteMember {
        name: "Frank Li".into(),
        permissions: Permissions::none(),
        account: Default::default(),
    };
    let id = eve
        .submit(&invite, false, None)
        .await
        .expect("submit")
        .request
        .id;
    assert_eq!(
        refusal(ada.cancel(&id, &ada_code()).await),
        ApiError::Org(OrgRefusal::NotPermitted)
    );
    assert_eq!(
        refusal(eve.cancel(&id, &wrong(&eve_code())).await),
        ApiError::Org(OrgRefusal::InvalidOtp)
    );
    assert_eq!(
        eve.cancel(&id, &eve_code()).await.expect("cancel").status,
        RequestStatus::Cancelled
    );
    org.advance(30);
    assert_eq!(
        refusal(ada.approve(&id, &ada_code()).await),
        ApiError::Org(OrgRefusal::NotPending)
    );
    assert!(
        !ada.org()
            .await
            .expect("org")
            .members
            .iter()
            .any(|m| m.name == "Frank Li")
    );
}

#[tokio::test]
async fn a_pending_request_expires_under_its_snapshotted_policy() {
    let org = Org::start().await;
    let (eve, _) = org.as_member("Eve");
    let (ada, ada_code) = org.as_member("Ada");
    let (ben, _) = org.as_member("Ben");
    let (chloe, chloe_code) = org.as_member("Chloe");
    let expiring = Policy {
        expires_after: Some(3600),
        ..Policy::requiring(2)
    };
    let change = RequestPayload::ChangePolicy {
        workflow: Workflow::InitiateWithdrawal,
        policy: Some(expiring),
    };
    let id = eve
        .submit(&change, false, None)
        .await
        .expect("submit")
        .request
        .id;
    ada.approve(&id, &ada_code()).await.expect("approve");

    let withdrawal = RequestPayload::Withdrawal {
        asset: "ETH".into(),
        amount: "1.5".parse().expect("decimal"),
        fee: "0.0035".parse().expect("decimal"),
        key: "eth-treasury".into(),
        address: "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed".into(),
    };
    let submitted = ben.submit(&withdrawal, false, None).await.expect("submit");
    assert!(
        submitted
            .preview
            .trace
            .iter()
            .any(|s| s.rule == "policy.expires_after")
    );
    let wid = submitted.request.id;
    org.advance(3600);
    let pending = chloe
        .list_requests(RequestFilter {
            status: Some(RequestStatus::Pending),
            workflow: None,
        })
        .await
        .expect("list");
    assert!(
        !pending.iter().any(|r| r.id == wid),
        "expired requests are not pending"
    );
    assert_eq!(
        chloe.get_request(&wid).await.expect("get").status,
        RequestStatus::Expired
    );
    assert_eq!(
        refusal(chloe.approve(&wid, &chloe_code()).await),
        ApiError::Org(OrgRefusal::NotPending)
    );
    // The seeded withdrawals keep their own snapshot (no expiry): still pending.
    assert!(pending.len() >= 5);
}

#[tokio::test]
async fn a_removed_members_name_can_be_used_again_and_history_keeps_it() {
    let org = Org::start().await;
    let (eve, _) = org.as_member("Eve");
    let (ada, ada_code) = org.as_member("Ada");
    let remove = RequestPayload::RemoveMember {
        member: MemberId("m-dev".into()),
    };
    let id = eve
        .submit(&remove, false, None)
        .await
        .expect("submit")
        .request
        .id;
    assert_eq!(
        ada.approve(&id, &ada_code()).await.expect("approve").status,
        RequestStatus::Completed
    );
    org.advance(30);
    let invite = RequestPayload::InviteMember {
        name: "Dev Malik".into(),
        permissions: Permissions::none(),
        account: Default::default(),
    };
    let id2 = eve
        .submit(&invite, false, None)
        .await
        .expect("submit")
        .request
        .id;
    let done = ada.approve(&id2, &ada_code()).await.expect("approve");
    assert_eq!(done.status, RequestStatus::Completed);
    let members = ada.org().await.expect("org").members;
    assert_eq!(members.iter().filter(|m| m.name == "Dev Malik").count(), 1);
    // The removal request still names the member it removed.
    assert!(
        ada.get_request(&id)
            .await
            .expect("get")
            .summary
            .contains("remove member Dev Malik")
    );
}

#[tokio::test]
async fn policy_diff_and_lock_check_are_for_members_who_see_policies() {
    let org = Org::start().await;
    let (ben, _) = org.as_member("Ben");
    assert_eq!(
        refusal(
            ben.policy_diff(Workflow::InitiateWithdrawal, Some(Policy::requiring(1)))
                .await
        ),
        ApiError::Org(OrgRefusal::NotPermitted)
    );
    let (ada, _) = org.as_member("Ada");
    let bad = Policy {
        required_approvals: 0,
        ..Policy::requiring(1)
    };
    assert_eq!(
        refusal(
            ada.policy_diff(Workflow::InitiateWithdrawal, Some(bad))
                .await
        ),
        ApiError::InvalidArguments(Some("policy".into()))
    );
    let diff = ada
        .policy_diff(Workflow::InitiateWithdrawal, Some(Policy::requiring(3)))
        .await
        .expect("diff");
    assert_eq!(diff.changes.len(), 1);
    assert_eq!(
        diff.affected_pending.len(),
        6,
        "every seeded pending withdrawal keeps its snapshot"
    );
    let check = ada
        .lock_check(Workflow::InitiateWithdrawal, None)
        .await
        .expect("lock check");
    assert!(check.precondition_holds && check.reachable);
}

/// The `secret` parameter of an `otpauth://` URI, as an authenticator app reads it.
fn secret_of(uri: &str) -> TotpSecret {
    let query = uri.split_once('?').expect("query").1;
    let secret = query
        .split('&')
        .find_map(|p| p.strip_prefix("secret="))
        .expect("secret parameter");
    TotpSecret::from_base32(secret).expect("base32 secret")
}

#[tokio::test]
async fn an_invited_member_enrolls_an_authenticator_before_any_code_counts() {
    let org = Org::start().await;
    let (eve, _) = org.as_member("Eve");
    let (ada, ada_code) = org.as_member("Ada");
    let invite = RequestPayload::InviteMember {
        name: "Frank Li".into(),
        permissions: Permissions::none(),
        account: Default::default(),
    };
    let id = eve
        .submit(&invite, false, None)
        .await
        .expect("submit")
        .request
        .id;
    let done = ada.approve(&id, &ada_code()).await.expect("approve");
    assert_eq!(done.status, RequestStatus::Completed);

    let creds = org
        .running
        .sandbox
        .demo_credentials(&org.running.base_url)
        .expect("creds");
    let frank = creds
        .members
        .iter()
        .find(|m| m.name == "Frank Li")
        .expect("Frank joined");
    assert!(!frank.totp_enrolled);
    let client = support::client_at(
        &org.running.base_url,
        Credentials {
            api_key: frank.api_key.clone(),
            api_secret: ApiSecret::from_base64(&frank.api_secret).expect("secret"),
        },
        &org.time,
    );
    let now = || u64::try_from(org.time.load(Ordering::SeqCst)).expect("time");
    assert!(!client.me().await.expect("me").totp_enrolled);
    // No code counts before enrollment, not even the placeholder secret's.
    let placeholder = TotpSecret::from_base32(&frank.totp_secret).expect("totp");
    assert_eq!(
        refusal(client.verify_code(&placeholder.code_at(now())).await),
        ApiError::Org(OrgRefusal::NotEnrolled)
    );

    let first = client.enroll_totp().await.expect("enroll");
    assert!(first.otpauth_uri.starts_with("otpauth://totp/"));
    assert!(first.otpauth_uri.contains("Frank%20Li"));
    let second = client.enroll_totp().await.expect("enroll again");
    assert_ne!(first.otpauth_uri, second.otpauth_uri);
    let (stale, secret) = (
        secret_of(&first.otpauth_uri),
        secret_of(&second.otpauth_uri),
    );

    let device = countersign_vault::DeviceKey::generate();
    // Only the newest secret can be confirmed, and only with its current code.
    assert_eq!(
        refusal(
            client
                .confirm_totp(&stale.code_at(now()), &device.public())
                .await
        ),
        ApiError::Org(OrgRefusal::InvalidOtp)
    );
    assert_eq!(
        refusal(
            client
                .confirm_totp(&wrong(&secret.code_at(now())), &device.public())
                .await
        ),
        ApiError::Org(OrgRefusal::InvalidOtp)
    );
    let code = secret.code_at(now());
    let registered = client
        .confirm_totp(&code, &device.public())
        .await
        .expect("confirm");
    assert!(registered.new);

    let me = client.me().await.expect("me");
    assert!(me.totp_enrolled);
    assert_eq!(me.devices, vec![device.public().to_base64()]);
    assert_eq!(
        refusal(client.enroll_totp().await),
        ApiError::Org(OrgRefusal::AlreadyEnrolled)
    );
    // The confirming code is spent; the next step's code is the member's from now on.
    assert_eq!(
        refusal(client.verify_code(&code).await),
        ApiError::Org(OrgRefusal::InvalidOtp)
    );
    org.advance(30);
    client
        .verify_code(&secret.code_at(now()))
        .await
        .expect("the enrolled authenticator's next code");
}
