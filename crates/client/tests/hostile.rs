//! A hostile server against the client: a redirect is never followed, so the key, the signature
//! and a code never reach the address it names; and a base URL in plain http to another machine
//! is refused before anything is sent.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::any;
use countersign_client::{
    ClientError, ExchangeClient, ExchangeError, KeyContext, OrgClient, RateLimit,
};
use countersign_kraken::{ApiSecret, Credentials, HEADER_API_KEY};

const SECRET: &str =
    "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg==";

fn creds() -> Credentials {
    Credentials {
        api_key: "hostile-test-key".into(),
        api_secret: ApiSecret::from_base64(SECRET).expect("secret"),
    }
}

/// Serves `app` on a loopback port; its base URL.
async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

/// A server that counts every request reaching it that carries an `API-Key`, and one that
/// redirects everything to it (307 keeps the method and the body, as a hostile server would
/// want). Returns (redirecting base URL, count).
async fn redirect_pair() -> (String, Arc<AtomicUsize>) {
    let reached = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&reached);
    let target = serve(Router::new().fallback(any(move |headers: HeaderMap| {
        let counter = Arc::clone(&counter);
        async move {
            if headers.contains_key(HEADER_API_KEY) {
                counter.fetch_add(1, Ordering::SeqCst);
            }
            (StatusCode::OK, r#"{"error":[],"result":{}}"#)
        }
    })))
    .await;
    let redirector = serve(Router::new().fallback(any(move || {
        let to = format!("{target}/stolen");
        async move { (StatusCode::TEMPORARY_REDIRECT, [(header::LOCATION, to)]).into_response() }
    })))
    .await;
    (redirector, reached)
}

#[tokio::test]
async fn the_org_client_never_follows_a_redirect() {
    let (base, reached) = redirect_pair().await;
    let client = OrgClient::new(&base, creds()).expect("client");
    let err = client.me().await.expect_err("redirected");
    let ClientError::Redirected { location, .. } = &err else {
        panic!("expected a redirect refusal, got {err:?}");
    };
    assert!(location.ends_with("/stolen"), "{location}");
    assert!(err.to_string().contains("never follows"), "{err}");
    // The event stream's request too.
    assert!(matches!(
        client.events().await.map(|_| ()),
        Err(ClientError::Redirected { .. })
    ));
    assert_eq!(
        reached.load(Ordering::SeqCst),
        0,
        "nothing reached the target"
    );
}

#[tokio::test]
async fn the_exchange_client_never_follows_a_redirect() {
    let (base, reached) = redirect_pair().await;
    let key = Arc::new(KeyContext::in_memory(creds(), RateLimit::unlimited()));
    let client = ExchangeClient::new(&base, key).expect("client");
    let err = client.balance().await.expect_err("redirected");
    assert!(
        matches!(&err, ExchangeError::Redirected { location, .. } if location.ends_with("/stolen")),
        "{err:?}"
    );
    assert_eq!(
        reached.load(Ordering::SeqCst),
        0,
        "nothing reached the target"
    );
}

#[test]
fn plain_http_to_another_machine_is_refused_before_anything_is_sent() {
    for url in ["http://org.example", "http://192.0.2.10:8080"] {
        let err = OrgClient::new(url, creds()).expect_err("plain http");
        assert!(matches!(err, ClientError::BaseUrl(_)), "{err:?}");
        assert!(err.to_string().contains("https"), "{err}");
        let key = Arc::new(KeyContext::in_memory(creds(), RateLimit::unlimited()));
        let err = ExchangeClient::new(url, key).expect_err("plain http");
        assert!(matches!(err, ExchangeError::BaseUrl(_)), "{err:?}");
    }
    assert!(OrgClient::new("https://org.example", creds()).is_ok());
    assert!(OrgClient::new("http://127.0.0.1:9", creds()).is_ok());
}
