//! Joining an Organization from the app: an invited member enrolls their authenticator (the
//! `otpauth://` URI and its QR code), with an in-memory keychain; and a remote org is added with
//! the member's key kept in the real OS keychain, then left again (`cargo xtask test` runs that
//! one in a D-Bus session with gnome-keyring).

#![allow(clippy::unwrap_used)]

use countersign_app::ipc::{DemoMember, SessionMode};
use countersign_app::{
    AppCore, DataPaths, Environment, ErrorCode, Target, approvals, orgs, requests, sandbox, trust,
};
use countersign_keychain::Keychain;
use countersign_org::{Decision, Permissions, RequestPayload, RequestStatus};
use countersign_vault::TotpSecret;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn code_of(name: &str, members: &[DemoMember]) -> String {
    members
        .iter()
        .find(|m| m.name == name)
        .and_then(|m| m.code.clone())
        .unwrap()
}

/// The `secret` parameter of an `otpauth://` URI, read as an authenticator app reads it.
fn secret_of(uri: &str) -> TotpSecret {
    let query = uri.split_once('?').unwrap().1;
    let secret = query
        .split('&')
        .find_map(|p| p.strip_prefix("secret="))
        .unwrap();
    TotpSecret::from_base32(secret).unwrap()
}

/// Eve invites `name` and Ada approves; returns the new member's id.
async fn invite(app: &AppCore, name: &str) -> String {
    sandbox::switch_member(&app.org().await.unwrap(), "m-eve")
        .await
        .unwrap();
    let invite = RequestPayload::InviteMember {
        name: name.into(),
        permissions: Permissions::none(),
        account: Default::default(),
    };
    let queued = requests::submit(&app.org().await.unwrap(), &invite, false, None, None)
        .await
        .unwrap();
    sandbox::switch_member(&app.org().await.unwrap(), "m-ada")
        .await
        .unwrap();
    let org = app.org().await.unwrap();
    let members = sandbox::members(&org).await.unwrap();
    let done = approvals::decide_one(
        &org,
        &queued.request.id,
        Decision::Approve,
        Some(code_of("Ada Okafor", &members).as_str()),
        None,
        None,
    )
    .await
    .unwrap();
    assert_eq!(done.status, RequestStatus::Completed);
    // Ada's device kept its own record of the approval, and the Organization's journal holds it.
    let mirror = org.decision_mirror().unwrap();
    let text = std::fs::read_to_string(&mirror).unwrap();
    assert!(text.contains(&queued.request.id));
    assert_eq!(
        countersign_vault::journal::verify(&text).unwrap().decisions,
        1
    );
    let compared = trust::compare_mirror(&org, None).await.unwrap();
    assert_eq!(
        (compared.decisions, compared.missing, compared.fault),
        (1, Vec::<String>::new(), None)
    );
    sandbox::members(&org)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.name == name)
        .expect("the invited member is listed at once")
        .id
}

#[tokio::test]
async fn an_invited_member_enrolls_with_the_qr_code_and_can_then_unlock() {
    let dir = tempfile::tempdir().unwrap();
    // The system's time plus an offset the test moves (and moves back, so codes stay current).
    let clock = Arc::new(AtomicI64::new(0));
    let env = Environment::in_memory(dir.path()).with_clock({
        let offset = Arc::clone(&clock);
        let system = countersign_app::system_clock();
        Arc::new(move || system() + offset.load(Ordering::SeqCst))
    });
    let app = AppCore::connect(env, Target::Sandbox).await.unwrap();
    let frank = invite(&app, "Frank Li").await;

    let members = sandbox::members(&app.org().await.unwrap()).await.unwrap();
    let listed = members.iter().find(|m| m.id == frank).unwrap();
    assert_eq!(listed.code, None, "no code to show before enrollment");

    let session = sandbox::switch_member(&app.org().await.unwrap(), &frank)
        .await
        .unwrap();
    assert!(!session.totp_enrolled);
    // With no authenticator, Frank could not unlock: the idle lock never comes for him, and
    // his idle time counts from his enrollment.
    app.set_idle_minutes(1).unwrap();
    assert!(!app.idle_due());
    clock.store(10 * 60_000, Ordering::SeqCst);
    assert!(!app.idle_due(), "not idle-locked before enrollment");
    clock.store(0, Ordering::SeqCst);
    assert_eq!(
        app.unlock("123456").await.unwrap_err().code,
        ErrorCode::NotEnrolled
    );

    let org = app.org().await.unwrap();
    let enrollment = trust::begin_enrollment(&org).await.unwrap();
    assert!(enrollment.otpauth_uri.starts_with("otpauth://totp/"));
    assert!(enrollment.otpauth_uri.contains("Frank%20Li"));
    assert!(enrollment.qr_svg.contains("<svg"), "an SVG QR code");
    assert!(
        !format!("{enrollment:?}").contains("secret="),
        "Debug never prints the secret"
    );
    let secret = secret_of(&enrollment.otpauth_uri);

    assert_eq!(
        trust::confirm_enrollment(&org, "12345")
            .await
            .unwrap_err()
            .code,
        ErrorCode::InvalidInput
    );
    let code = secret.code_at(unix_now());
    let wrong = if code == "000000" { "111111" } else { "000000" };
    assert_eq!(
        trust::confirm_enrollment(&org, wrong)
            .await
            .unwrap_err()
            .code,
        ErrorCode::InvalidOtp
    );
    let session = trust::confirm_enrollment(&org, &code).await.unwrap();
    assert!(session.totp_enrolled);
    let now_open = app.session().await.unwrap();
    assert_eq!(now_open.member.id, frank);
    assert!(now_open.totp_enrolled, "the core's session says so too");
    // Enrolled, the idle lock applies to him: a minute after the last time it was asked about
    // (ten minutes ahead, above) with no input, it is due.
    clock.store(10 * 60_000 + 60_000, Ordering::SeqCst);
    assert!(app.idle_due(), "a minute without input, enrolled");
    clock.store(0, Ordering::SeqCst);

    // The sandbox now shows Frank's code, from the secret his authenticator holds.
    let org = app.org().await.unwrap();
    let members = sandbox::members(&org).await.unwrap();
    let now = unix_now();
    let shown = members
        .iter()
        .find(|m| m.id == frank)
        .and_then(|m| m.code.clone())
        .unwrap();
    assert!(shown == secret.code_at(now) || shown == secret.code_at(now - 1));

    // Once enrolled, there is nothing to enroll; the authenticator's next code unlocks the app.
    assert_eq!(
        trust::begin_enrollment(&org).await.unwrap_err().code,
        ErrorCode::InvalidInput
    );
    app.lock();
    let step = unix_now() / 30;
    while unix_now() / 30 == step {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    app.unlock(&secret.code_at(unix_now())).await.unwrap();
    assert!(!app.is_locked());
}

#[tokio::test]
#[ignore = "adding an org keeps the member's key in the OS keychain; `cargo xtask test` provides a Secret Service"]
async fn adding_a_remote_org_keeps_the_key_in_the_keychain_and_leaving_removes_it() {
    // The remote: another sandbox, served on its own port as `countersign sandbox serve` does.
    let remote_dir = tempfile::tempdir().unwrap();
    let remote = countersign_sandbox::Sandbox::open(remote_dir.path())
        .unwrap()
        .serve("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let creds = remote.sandbox.demo_credentials(&remote.base_url).unwrap();
    let chloe = creds.members.iter().find(|m| m.id == "m-chloe").unwrap();
    let secret = countersign_kraken::ApiSecret::from_base64(&chloe.api_secret).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("remote.json");
    // The real OS keychain, and the app's layout in a temporary folder.
    let env = || Environment::in_memory(dir.path()).with_keychain(Keychain::default());
    assert_eq!(
        env().paths,
        DataPaths {
            remote_config: Some(config.clone()),
            ..DataPaths::app(dir.path())
        }
    );
    let app = AppCore::connect(env(), Target::Configured).await.unwrap();
    assert_eq!(app.session().await.unwrap().mode, SessionMode::Sandbox);

    // A wrong secret: refused, and nothing is kept.
    let wrong = countersign_kraken::ApiSecret::from_base64(&creds.members[0].api_secret).unwrap();
    let refused = orgs::add_and_switch(&app, &remote.base_url, &chloe.api_key, wrong)
        .await
        .unwrap_err();
    assert_eq!(refused.code, ErrorCode::Auth);
    assert!(!config.exists());
    assert_eq!(app.session().await.unwrap().mode, SessionMode::Sandbox);

    let url = format!("{}/", remote.base_url);
    let session = orgs::add_and_switch(&app, &url, &chloe.api_key, secret.clone())
        .await
        .unwrap();
    assert_eq!(session.mode, SessionMode::Remote);
    assert_eq!(session.member.id, "m-chloe");
    assert_eq!(session.base_url, remote.base_url);
    let saved = countersign_app::RemoteConfig::load(&config)
        .unwrap()
        .unwrap();
    assert_eq!(saved.base_url, remote.base_url);
    let profile = remote.base_url.clone();
    let kept = tokio::task::spawn_blocking(move || Keychain::default().load(&profile))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(kept.api_key, chloe.api_key);
    assert_eq!(kept.api_secret.to_base64(), secret.to_base64());
    assert!(
        !std::fs::read_to_string(&config)
            .unwrap()
            .contains(&secret.to_base64()),
        "the config file holds the URL only"
    );
    // A device new to Chloe: not registered until she registers it with her code.
    let org = app.org().await.unwrap();
    let status = trust::device_status(&org).await.unwrap();
    assert!(!status.registered);
    assert_eq!(
        trust::register_device(&org, "000000x")
            .await
            .unwrap_err()
            .code,
        ErrorCode::InvalidInput
    );
    let chloe_totp = TotpSecret::from_base32(&chloe.totp_secret).unwrap();
    let registered = trust::register_device(&org, &chloe_totp.code_at(unix_now()))
        .await
        .unwrap();
    assert_eq!(registered.status.public_key, status.public_key);
    assert!(registered.new);
    assert!(trust::device_status(&org).await.unwrap().registered);

    // The sandbox's demo members are gone with the sandbox.
    assert_eq!(
        sandbox::members(&org).await.unwrap_err().code,
        ErrorCode::Unavailable
    );

    // Reopening the app lands on the remote, from the keychain.
    let reopened = AppCore::connect(env(), Target::Configured).await.unwrap();
    assert_eq!(reopened.session().await.unwrap().member.id, "m-chloe");
    drop(reopened);

    let session = orgs::leave(&app).await.unwrap();
    assert_eq!(session.mode, SessionMode::Sandbox);
    assert!(!config.exists());
    let profile = remote.base_url.clone();
    let gone = tokio::task::spawn_blocking(move || Keychain::default().load(&profile))
        .await
        .unwrap();
    assert!(matches!(
        gone,
        Err(countersign_keychain::KeychainError::NotFound(_))
    ));
    assert_eq!(
        orgs::leave(&app).await.unwrap_err().code,
        ErrorCode::Unavailable
    );
}
