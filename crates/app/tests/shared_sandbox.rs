//! A sandbox shared across machines: `sandbox serve` over HTTPS with a certificate it made, and
//! a member adding it as their remote with the certificate's fingerprint pinned. Without the pin
//! (or with another), nothing is signed in and nothing is kept.

use countersign_app::ipc::SessionMode;
use countersign_app::sandbox::{self, ServeTls};
use countersign_app::{AppCore, Environment, ErrorCode, RemoteConfig, Target, orgs};

#[tokio::test]
async fn a_member_reaches_a_shared_sandbox_only_through_its_pinned_certificate() {
    let dir = tempfile::tempdir().expect("dir");
    let served = sandbox::serve(
        &Environment::in_memory(&dir.path().join("server")),
        &dir.path().join("shared"),
        "127.0.0.1:0".parse().expect("addr"),
        false,
        Some(ServeTls::SelfSigned),
    )
    .await
    .expect("served over https");
    let creds = served.demo_credentials().expect("creds");
    assert!(creds.base_url.starts_with("https://"), "{}", creds.base_url);
    let pin = creds.tls_sha256.clone().expect("the fingerprint to pin");
    assert_eq!(Some(&pin), served.tls_sha256.as_ref());
    let chloe = creds
        .members
        .iter()
        .find(|m| m.name == "Chloe Park")
        .expect("Chloe");
    let secret = || countersign_kraken::ApiSecret::from_base64(&chloe.api_secret).expect("secret");

    let env = Environment::in_memory(&dir.path().join("member"));
    let config = env.paths.remote_config.clone().expect("a config path");

    // Unpinned: no authority signed the certificate, so the sign-in fails and nothing is kept.
    let refused = orgs::add(&env, &creds.base_url, &chloe.api_key, secret(), None)
        .await
        .expect_err("an unknown certificate");
    assert_eq!(refused.code, ErrorCode::Unavailable, "{}", refused.message);
    assert_eq!(RemoteConfig::load(&config).expect("read"), None);

    // Another certificate's pin: refused too.
    let other = "ab".repeat(32);
    let wrong = orgs::add(
        &env,
        &creds.base_url,
        &chloe.api_key,
        secret(),
        Some(&other),
    )
    .await
    .expect_err("not the pinned certificate");
    assert!(
        wrong.message.contains("is not the pinned one") && wrong.message.contains(&pin),
        "the refusal names both certificates: {}",
        wrong.message
    );
    assert_eq!(RemoteConfig::load(&config).expect("read"), None);
    // Not a pin at all: named before anything is sent.
    let bad = orgs::add(&env, &creds.base_url, &chloe.api_key, secret(), Some("abc"))
        .await
        .expect_err("not a pin");
    assert_eq!(bad.code, ErrorCode::InvalidInput);
    assert!(
        bad.message.contains("64 hexadecimal digits"),
        "{}",
        bad.message
    );

    // Pinned, as `sandbox serve` printed it (colons and capitals are fine).
    let printed: Vec<String> = (0..32)
        .map(|i| pin[2 * i..2 * i + 2].to_uppercase())
        .collect();
    let session = orgs::add(
        &env,
        &creds.base_url,
        &chloe.api_key,
        secret(),
        Some(&printed.join(":")),
    )
    .await
    .expect("signed in through the pin");
    assert_eq!(session.member.name, "Chloe Park");
    let kept = RemoteConfig::load(&config).expect("read").expect("kept");
    assert_eq!(kept.pin_sha256.as_deref(), Some(pin.as_str()));

    // The next start finds the remote and its pin in the config.
    let app = AppCore::connect(env, Target::Configured)
        .await
        .expect("opened from the config");
    let session = app.session().await.expect("session");
    assert_eq!(session.mode, SessionMode::Remote);
    assert_eq!(session.base_url, creds.base_url);
}
