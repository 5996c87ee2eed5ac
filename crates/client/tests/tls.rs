//! Both clients against a sandbox served over HTTPS with a certificate it made itself: reached
//! through the certificate's pin, refused without it or with another, and never over plain HTTP
//! to the same port.

use std::sync::Arc;

use countersign_client::{CertPin, ClientError, ExchangeClient, KeyContext, OrgClient, RateLimit};
use countersign_kraken::{ApiSecret, Credentials};
use countersign_sandbox::Sandbox;
use countersign_sandbox::tls::TlsIdentity;

#[tokio::test]
async fn a_self_signed_sandbox_is_reached_only_through_its_pinned_certificate() {
    let dir = tempfile::tempdir().expect("dir");
    let identity =
        TlsIdentity::self_signed(&["localhost".into(), "127.0.0.1".into()]).expect("a certificate");
    assert!(identity.is_self_signed());
    let running = Sandbox::open(dir.path())
        .expect("open")
        .serve_tls("127.0.0.1:0".parse().expect("addr"), &identity)
        .await
        .expect("serve");
    assert!(running.base_url.starts_with("https://127.0.0.1:"));
    let creds = running
        .sandbox
        .demo_credentials(&running.base_url)
        .expect("creds");
    let ada = creds.members.iter().find(|m| m.id == "m-ada").expect("Ada");
    let member = || Credentials {
        api_key: ada.api_key.clone(),
        api_secret: ApiSecret::from_base64(&ada.api_secret).expect("secret"),
    };
    let pin = CertPin::parse(identity.fingerprint()).expect("pin");

    // Pinned: the org API answers.
    let pinned = OrgClient::new(&running.base_url, member())
        .expect("client")
        .pinned(&pin)
        .expect("pinned");
    assert_eq!(pinned.me().await.expect("Me").member.id, "m-ada");

    // Unpinned: no authority signed it.
    let unpinned = OrgClient::new(&running.base_url, member()).expect("client");
    let refused = unpinned.me().await.expect_err("an unknown certificate");
    assert!(
        matches!(refused, ClientError::Unreachable { .. }),
        "{refused}"
    );
    assert!(
        refused.to_string().to_lowercase().contains("certificate"),
        "says why: {refused}"
    );

    // Another pin: refused, naming both fingerprints.
    let other = CertPin::of(b"another certificate");
    let wrong = OrgClient::new(&running.base_url, member())
        .expect("client")
        .pinned(&other)
        .expect("pinned")
        .me()
        .await
        .expect_err("not the pinned certificate")
        .to_string();
    assert!(
        wrong.contains(&pin.to_string()) && wrong.contains(&other.to_string()),
        "{wrong}"
    );

    // Plain HTTP to the HTTPS port gets nothing.
    let plain = running.base_url.replacen("https://", "http://", 1);
    OrgClient::new(&plain, member())
        .expect("loopback http is allowed")
        .me()
        .await
        .expect_err("no plain HTTP on an HTTPS port");

    // The exchange client pins the same way.
    let bot = creds
        .service_users
        .iter()
        .find(|s| s.id == "su-payouts")
        .expect("bot");
    let key = Arc::new(KeyContext::in_memory(
        Credentials {
            api_key: bot.api_key.clone(),
            api_secret: ApiSecret::from_base64(&bot.api_secret).expect("secret"),
        },
        RateLimit::unlimited(),
    ));
    let exchange = ExchangeClient::new(&running.base_url, Arc::clone(&key))
        .expect("client")
        .pinned(&pin)
        .expect("pinned");
    assert!(
        exchange
            .balance()
            .await
            .expect("Balance")
            .0
            .contains_key("USDT"),
        "the sandbox's balances"
    );
    ExchangeClient::new(&running.base_url, key)
        .expect("client")
        .balance()
        .await
        .expect_err("unpinned");
}
