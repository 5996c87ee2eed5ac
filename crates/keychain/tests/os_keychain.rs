//! The real OS keychain (Secret Service on Linux). `cargo xtask test` runs these inside a private
//! D-Bus session with an unlocked gnome-keyring; elsewhere run them with `--include-ignored` on a
//! machine whose keychain is unlocked.

use countersign_keychain::{Keychain, KeychainError};
use countersign_kraken::{ApiSecret, Credentials};

fn creds(key: &str, secret_byte: u8) -> Credentials {
    Credentials {
        api_key: key.to_owned(),
        api_secret: ApiSecret::from_bytes(vec![secret_byte; 64]),
    }
}

#[test]
#[ignore = "needs a Secret Service; `cargo xtask test` provides one"]
fn credentials_are_created_read_replaced_and_deleted() {
    let keychain = Keychain::new("countersign-test-vault");
    let profile = format!("http://127.0.0.1:1/{}", std::process::id());
    let _ = keychain.delete(&profile);

    assert!(matches!(
        keychain.load(&profile),
        Err(KeychainError::NotFound(_))
    ));
    keychain
        .store(&profile, &creds("KEY-A", 1))
        .expect("create");
    assert_eq!(keychain.load(&profile).expect("read"), creds("KEY-A", 1));
    keychain
        .store(&profile, &creds("KEY-B", 2))
        .expect("replace");
    assert_eq!(
        keychain.load(&profile).expect("read again"),
        creds("KEY-B", 2)
    );
    // Another profile is another entry.
    assert!(matches!(
        keychain.load("http://other"),
        Err(KeychainError::NotFound(_))
    ));
    keychain.delete(&profile).expect("delete");
    assert!(matches!(
        keychain.load(&profile),
        Err(KeychainError::NotFound(_))
    ));
    assert!(matches!(
        keychain.delete(&profile),
        Err(KeychainError::NotFound(_))
    ));
}

#[test]
#[ignore = "needs a Secret Service; `cargo xtask test` provides one"]
fn a_device_key_is_created_once_kept_and_forgotten_on_request() {
    let keychain = Keychain::new("countersign-test-vault");
    let profile = format!("device-test-{}", std::process::id());
    let first = keychain.device_key(&profile).expect("created");
    let again = keychain.device_key(&profile).expect("read");
    assert_eq!(again.public(), first.public(), "the same key comes back");
    let digest = [3u8; 32];
    assert!(first.public().verify(&digest, &again.sign(&digest)));
    keychain.delete_device_key(&profile).expect("deleted");
    let replaced = keychain.device_key(&profile).expect("a new one");
    assert_ne!(
        replaced.public(),
        first.public(),
        "a forgotten key is replaced, not revived"
    );
    keychain.delete_device_key(&profile).expect("cleanup");
    assert!(matches!(
        keychain.delete_device_key(&profile),
        Err(countersign_keychain::KeychainError::NotFound(_))
    ));
}
