//! The app's commands without a window, on the embedded sandbox: what the treasury officer's
//! screen does, end to end through the real server.

use countersign_app::ipc::{RequestFilter, SessionMode};
use countersign_app::{
    AppCore, Environment, ErrorCode, Target, approvals, keys, requests, sandbox,
};
use countersign_org::{Decision, RequestStatus};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// The app on its embedded sandbox, with an in-memory keychain and clipboard.
async fn sandbox_app(dir: &std::path::Path) -> AppCore {
    AppCore::connect(Environment::in_memory(dir), Target::Sandbox)
        .await
        .expect("sandbox")
}

fn pending() -> RequestFilter {
    RequestFilter {
        status: Some(RequestStatus::Pending),
        workflow: None,
    }
}

#[tokio::test]
async fn approve_switch_member_and_complete() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = sandbox_app(dir.path()).await;
    let session = app.session().await.expect("session");
    assert_eq!(session.mode, SessionMode::Sandbox);
    assert_eq!(session.member.name, "Ben Ruiz");
    assert!(session.base_url.starts_with("http://127.0.0.1:"));

    let members = sandbox::members(&app.org().await.expect("org"))
        .await
        .expect("demo members");
    assert!(members.len() >= 4);
    assert_eq!(members.iter().filter(|m| m.current).count(), 1);
    assert!(
        members
            .iter()
            .all(|m| m.code.as_ref().is_some_and(|c| c.len() == 6) && m.seconds_remaining <= 30)
    );
    let code_of = |name: &str, ms: &[countersign_app::ipc::DemoMember]| {
        ms.iter()
            .find(|m| m.name == name)
            .and_then(|m| m.code.clone())
            .expect("enrolled member")
    };

    let list = approvals::list(&app.org().await.expect("org"), pending())
        .await
        .expect("list");
    let own = list
        .iter()
        .find(|r| r.initiator.name == "Ben Ruiz")
        .expect("own request");
    let err = approvals::decide_one(
        &app.org().await.expect("org"),
        &own.id,
        Decision::Approve,
        Some(code_of("Ben Ruiz", &members).as_str()),
        None,
        Some(&own.payload),
    )
    .await
    .expect_err("self approval");
    assert_eq!(err.code, ErrorCode::SelfApproval);

    let target = list
        .iter()
        .find(|r| r.viewer.can_decide && r.approvals == 0 && r.initiator.name != "Chloe Park")
        .expect("decidable");
    let after = approvals::decide_one(
        &app.org().await.expect("org"),
        &target.id,
        Decision::Approve,
        Some(code_of("Ben Ruiz", &members).as_str()),
        None,
        Some(&target.payload),
    )
    .await
    .expect("approve");
    assert_eq!(after.approvals, 1);

    let chloe = members
        .iter()
        .find(|m| m.name == "Chloe Park")
        .expect("Chloe");
    let session = sandbox::switch_member(&app.org().await.expect("org"), &chloe.id)
        .await
        .expect("switch");
    assert_eq!(session.member.name, "Chloe Park");
    let org = app.org().await.expect("org");
    let members = sandbox::members(&org).await.expect("demo members");
    assert!(members.iter().any(|m| m.current && m.name == "Chloe Park"));
    let done = approvals::decide_one(
        &org,
        &target.id,
        Decision::Approve,
        Some(code_of("Chloe Park", &members).as_str()),
        None,
        Some(&target.payload),
    )
    .await
    .expect("approve");
    assert_eq!(done.status, RequestStatus::Completed);

    let err = approvals::decide_one(
        &org,
        &target.id,
        Decision::Approve,
        Some("12345"),
        None,
        None,
    )
    .await
    .expect_err("shape");
    assert_eq!(err.code, ErrorCode::InvalidInput);
}

#[tokio::test]
async fn a_remote_without_keychain_credentials_says_what_to_do() {
    let dir = tempfile::tempdir().expect("tempdir");
    let err = AppCore::connect(
        Environment::in_memory(dir.path()),
        Target::Remote {
            base_url: "http://127.0.0.1:9".into(),
        },
    )
    .await
    .expect_err("no credentials");
    assert_eq!(err.code, ErrorCode::Auth);
    assert!(
        err.message.contains("countersign remote add"),
        "{}",
        err.message
    );
}

/// Remote mode: a sandbox served apart plays the remote org; the app finds it through the remote
/// config and signs in with the member's key from the real OS keychain.
#[tokio::test]
#[ignore = "needs a Secret Service; `cargo xtask test` provides one"]
async fn a_configured_remote_is_used_with_the_key_from_the_keychain() {
    let dir = tempfile::tempdir().expect("tempdir");
    let remote = countersign_sandbox::Sandbox::open(&dir.path().join("remote"))
        .expect("open")
        .serve("127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("serve");
    let chloe = remote
        .sandbox
        .demo_members()
        .expect("members")
        .into_iter()
        .find(|m| m.name == "Chloe Park")
        .expect("Chloe");
    let keychain = countersign_keychain::Keychain::default();
    let creds = countersign_kraken::Credentials {
        api_key: chloe.api_key.clone(),
        api_secret: chloe.api_secret.clone(),
    };
    let profile = remote.base_url.clone();
    {
        let (k, p) = (keychain.clone(), profile.clone());
        tokio::task::spawn_blocking(move || k.store(&p, &creds))
            .await
            .expect("join")
            .expect("store");
    }
    let config_path = dir.path().join("remote.json");
    countersign_app::RemoteConfig {
        base_url: remote.base_url.clone(),
        pin_sha256: None,
    }
    .save(&config_path)
    .expect("save");

    let env = countersign_app::Environment {
        paths: countersign_app::DataPaths {
            sandbox: Some(dir.path().join("unused-sandbox")),
            remote_config: Some(config_path),
            ..countersign_app::DataPaths::default()
        },
        ..Environment::in_memory(dir.path()).with_keychain(keychain.clone())
    };
    let app = AppCore::connect(env, Target::Configured)
        .await
        .expect("open remote");
    let session = app.session().await.expect("session");
    assert_eq!(session.mode, SessionMode::Remote);
    assert_eq!(session.member.name, "Chloe Park");
    assert_eq!(session.base_url, remote.base_url);
    assert!(
        !dir.path().join("unused-sandbox").exists(),
        "no embedded sandbox in remote mode"
    );
    let org = app.org().await.expect("org");
    assert!(approvals::list(&org, pending()).await.expect("list").len() >= 5);
    assert_eq!(
        sandbox::members(&org).await.expect_err("remote").code,
        ErrorCode::Unavailable
    );

    tokio::task::spawn_blocking(move || keychain.delete(&profile))
        .await
        .expect("join")
        .expect("delete");
}

/// A request that would complete at once because its workflow has no policy is Execute: with
/// no code and no decision window, the app sends nothing and asks for the code; with the code it
/// completes.
#[tokio::test]
async fn a_completion_at_once_without_a_policy_asks_for_the_code_first() {
    use countersign_org::RequestPayload;
    let dir = tempfile::tempdir().expect("tempdir");
    let app = sandbox_app(dir.path()).await;
    sandbox::switch_member(&app.org().await.expect("org"), "m-eve")
        .await
        .expect("Eve");
    let org = app.org().await.expect("org");
    // Manage Addresses has no policy in the demo Organization.
    let add = RequestPayload::AddAddress {
        key: "eur-new".into(),
        asset: "EUR".into(),
        method: "SEPA".into(),
        address: "DE02120300000000202051".into(),
    };
    let asked = requests::submit(&org, &add, false, None, None)
        .await
        .expect_err("a code first");
    assert_eq!(asked.code, ErrorCode::InvalidOtp);
    assert!(
        asked.message.contains("completes at once"),
        "{}",
        asked.message
    );
    let listed = approvals::list(&org, RequestFilter::default())
        .await
        .expect("list");
    assert!(
        !listed.iter().any(|r| r.payload == add),
        "nothing was submitted"
    );
    let members = sandbox::members(&org).await.expect("members");
    let code = members
        .iter()
        .find(|m| m.name == "Eve Santos")
        .and_then(|m| m.code.clone())
        .expect("Eve's code");
    let done = requests::submit(&org, &add, false, Some(&code), None)
        .await
        .expect("added");
    assert_eq!(done.request.status, RequestStatus::Completed);
}

/// A service user created at once from the app comes back with its key pair, revealed once, and
/// the key works against the server.
#[tokio::test]
async fn a_service_user_created_at_once_reveals_a_working_key() {
    use countersign_org::{ApiKeySpec, RequestPayload, Scope, Workflow};
    let dir = tempfile::tempdir().expect("tempdir");
    let app = sandbox_app(dir.path()).await;
    let code_of = |name: &str, ms: &[countersign_app::ipc::DemoMember]| {
        ms.iter()
            .find(|m| m.name == name)
            .and_then(|m| m.code.clone())
            .expect("enrolled member")
    };
    // Remove Manage Access's policy (Eve asks, Ada approves), so creation completes at once.
    sandbox::switch_member(&app.org().await.expect("org"), "m-eve")
        .await
        .expect("Eve");
    let remove = RequestPayload::ChangePolicy {
        workflow: Workflow::ManageAccess,
        policy: None,
    };
    let queued = requests::submit(&app.org().await.expect("org"), &remove, false, None, None)
        .await
        .expect("submit");
    sandbox::switch_member(&app.org().await.expect("org"), "m-ada")
        .await
        .expect("Ada");
    let org = app.org().await.expect("org");
    let members = sandbox::members(&org).await.expect("members");
    let done = approvals::decide_one(
        &org,
        &queued.request.id,
        Decision::Approve,
        Some(code_of("Ada Okafor", &members).as_str()),
        None,
        None,
    )
    .await
    .expect("approve");
    assert_eq!(done.status, RequestStatus::Completed);

    let create = RequestPayload::CreateServiceUser {
        name: "hedge-bot".into(),
        key: ApiKeySpec {
            scopes: [Scope::FundsQuery].into_iter().collect(),
            ..ApiKeySpec::default()
        },
    };
    let outcome = requests::submit(&org, &create, false, None, None)
        .await
        .expect("create");
    assert_eq!(outcome.request.status, RequestStatus::Completed);
    let key = outcome.revealed.expect("the key is revealed once");
    assert!(
        !format!("{key:?}").contains(&key.api_secret),
        "Debug never prints the secret"
    );
    let creds = countersign_kraken::Credentials {
        api_key: key.api_key.clone(),
        api_secret: countersign_kraken::ApiSecret::from_base64(&key.api_secret)
            .expect("base64 secret"),
    };
    let base_url = app.session().await.expect("session").base_url;
    let bot = countersign_client::OrgClient::new(&base_url, creds.clone()).expect("client");
    match bot.me().await {
        Err(countersign_client::ClientError::Api(countersign_kraken::ApiError::Org(
            countersign_kraken::OrgRefusal::MembersOnly,
        ))) => {}
        other => panic!("the revealed key should authenticate (as a service user): {other:?}"),
    }

    // Copied to the clipboard marked secret; stored in the keychain on request, then forgotten
    // by the app: nothing can copy it again.
    let id = outcome.request.id.clone();
    assert_eq!(
        keys::copy_revealed_secret(&org, &id).await.expect("copied"),
        30
    );
    let entry = keys::store_revealed_key(&org, &id).await.expect("stored");
    assert_eq!(entry, format!("service-user:{base_url}:hedge-bot"));
    let kept = app.env().keychain.load(&entry).expect("in the keychain");
    assert_eq!(kept.api_key, creds.api_key);
    assert_eq!(kept.api_secret.to_base64(), creds.api_secret.to_base64());
    let again = keys::copy_revealed_secret(&org, &id)
        .await
        .expect_err("forgotten");
    assert_eq!(again.code, ErrorCode::NotFound);
}

#[tokio::test]
async fn the_living_sandbox_switches_on_and_off() {
    let dir = tempfile::tempdir().expect("dir");
    let app = sandbox_app(dir.path()).await;
    let org = app.org().await.expect("org");
    assert!(!sandbox::living(&org).await.expect("state"));
    assert!(sandbox::set_living(&org, true).await.expect("on"));
    assert!(
        sandbox::set_living(&org, true).await.expect("still on"),
        "switching on twice is harmless"
    );
    assert!(sandbox::living(&org).await.expect("state"));
    assert!(!sandbox::set_living(&org, false).await.expect("off"));
    assert!(!sandbox::living(&org).await.expect("state"));
}

#[tokio::test]
async fn the_app_starts_locked_and_only_the_members_code_opens_the_organization() {
    let dir = tempfile::tempdir().expect("dir");
    let app = AppCore::open_locked(Environment::in_memory(dir.path()), Target::Sandbox).await;
    assert!(app.is_locked(), "a start opens nothing of the Organization");
    // No org door opens while locked; the offline ledger review does.
    assert_eq!(
        app.org().await.map(|_| ()).expect_err("locked").code,
        ErrorCode::Locked
    );
    app.ledgers().expect("the ledgers need no Organization");
    // The session itself stays readable (the lock screen names who is signed in), and in the
    // sandbox the lock screen shows the signed-in member's code.
    let ben = sandbox::own_code(&app)
        .await
        .expect("read while locked")
        .expect("the sandbox shows it");
    assert!(ben.current);
    assert_eq!(app.session().await.expect("session").member.id, ben.id);
    let ben_code = ben.code.clone().expect("Ben is enrolled");
    let wrong = if ben_code == "000000" {
        "111111"
    } else {
        "000000"
    };
    assert_eq!(
        app.unlock(wrong).await.expect_err("wrong code").code,
        ErrorCode::InvalidOtp
    );
    assert!(app.is_locked());
    app.unlock(&ben_code).await.expect("unlocked");
    assert!(!app.is_locked());
    app.lock();
    assert_eq!(
        app.org().await.map(|_| ()).expect_err("locked again").code,
        ErrorCode::Locked
    );
    drop(app);

    // A restart on the same data reopens it locked, not as it was left.
    let again = AppCore::open_locked(Environment::in_memory(dir.path()), Target::Sandbox).await;
    assert!(again.is_locked(), "a restart reopens it locked");
    drop(again);
    // The CLI's core (and the tests') is never locked.
    let cli = AppCore::connect(Environment::in_memory(dir.path()), Target::Sandbox)
        .await
        .expect("sandbox");
    assert!(!cli.is_locked());
}

#[tokio::test]
async fn the_cores_idle_timer_locks_after_the_chosen_time_without_input() {
    let dir = tempfile::tempdir().expect("dir");
    let now = Arc::new(AtomicI64::new(1_790_000_000_000));
    let clock = {
        let now = Arc::clone(&now);
        Arc::new(move || now.load(Ordering::SeqCst))
    };
    let env = Environment::in_memory(dir.path()).with_clock(clock);
    let app = AppCore::connect(env, Target::Sandbox)
        .await
        .expect("sandbox");
    app.set_idle_minutes(2).expect("offered");
    assert_eq!(
        app.set_idle_minutes(7).expect_err("not offered").code,
        ErrorCode::InvalidInput
    );
    assert_eq!(app.idle_minutes(), 2);
    app.note_input();
    let minute = 60_000;
    now.fetch_add(2 * minute - 1, Ordering::SeqCst);
    assert!(!app.idle_due());
    app.note_input();
    now.fetch_add(2 * minute - 1, Ordering::SeqCst);
    assert!(!app.idle_due(), "input restarted the wait");
    now.fetch_add(1, Ordering::SeqCst);
    assert!(app.idle_due(), "two minutes without input");
    app.lock();
    assert!(!app.idle_due(), "locked: nothing more to do");
}

#[tokio::test]
async fn a_locked_app_refuses_everything_until_the_members_code_unlocks_it() {
    let dir = tempfile::tempdir().expect("dir");
    let app = sandbox_app(dir.path()).await;
    let ben = sandbox::own_code(&app)
        .await
        .expect("own code")
        .expect("sandbox");
    app.lock();
    assert!(app.is_locked());
    assert_eq!(
        app.org().await.map(|_| ()).expect_err("locked").code,
        ErrorCode::Locked
    );
    app.unlock(&ben.code.expect("Ben is enrolled"))
        .await
        .expect("unlocked");
    assert!(!app.is_locked());
    approvals::list(
        &app.org().await.expect("open again"),
        RequestFilter::default(),
    )
    .await
    .expect("listed");
}
