//! `API-Sign = base64(HMAC-SHA512(base64decode(secret), path ‖ SHA256(nonce ‖ body)))`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256, Sha512};

type HmacSha512 = Hmac<Sha512>;

/// A decoded API private key. Its bytes are never printed, `Debug` shows a placeholder, and they
/// are wiped from memory when it is dropped.
#[derive(Clone, PartialEq, Eq, zeroize::Zeroize, zeroize::ZeroizeOnDrop)]
pub struct ApiSecret(Vec<u8>);

/// Why a private key string could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    /// The key is not valid base64.
    #[error("the API secret is not valid base64")]
    NotBase64,
    /// The key decoded to nothing.
    #[error("the API secret is empty")]
    Empty,
}

impl ApiSecret {
    /// Decodes a base64 private key as the exchange issues it.
    pub fn from_base64(encoded: &str) -> Result<Self, SecretError> {
        let bytes = STANDARD
            .decode(encoded.trim())
            .map_err(|_| SecretError::NotBase64)?;
        if bytes.is_empty() {
            return Err(SecretError::Empty);
        }
        Ok(Self(bytes))
    }

    /// Wraps raw key bytes (64 bytes for keys the exchange or the sandbox issues).
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    /// The base64 form, for the one-time reveal and the keychain. Never log it.
    pub fn to_base64(&self) -> String {
        STANDARD.encode(&self.0)
    }

    fn mac(&self) -> HmacSha512 {
        // HMAC accepts keys of any length; this cannot fail.
        HmacSha512::new_from_slice(&self.0).unwrap_or_else(|_| unreachable!("HMAC takes any key"))
    }
}

/// An API key pair: the public key sent in `API-Key` and the private key that signs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// Public key (not secret).
    pub api_key: String,
    /// Private key; redacted in `Debug`.
    pub api_secret: ApiSecret,
}

impl std::fmt::Debug for ApiSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiSecret(<redacted>)")
    }
}

fn signed_mac(secret: &ApiSecret, uri_path: &str, nonce: &str, post_data: &str) -> HmacSha512 {
    let mut inner = Sha256::new();
    inner.update(nonce.as_bytes());
    inner.update(post_data.as_bytes());
    let mut mac = secret.mac();
    mac.update(uri_path.as_bytes());
    mac.update(&inner.finalize());
    mac
}

/// Computes `API-Sign` for a private call.
///
/// `uri_path` starts at `/0/...`; `nonce` is the nonce as sent; `post_data` is the exact body
/// string sent (it contains `nonce=` itself).
pub fn sign(secret: &ApiSecret, uri_path: &str, nonce: &str, post_data: &str) -> String {
    STANDARD.encode(
        signed_mac(secret, uri_path, nonce, post_data)
            .finalize()
            .into_bytes(),
    )
}

/// Checks an `API-Sign` header in constant time. A header that is not base64 is simply invalid.
pub fn verify_signature(
    secret: &ApiSecret,
    uri_path: &str,
    nonce: &str,
    post_data: &str,
    api_sign: &str,
) -> bool {
    let Ok(given) = STANDARD.decode(api_sign.trim()) else {
        return false;
    };
    signed_mac(secret, uri_path, nonce, post_data)
        .verify_slice(&given)
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn an_api_secret_is_wiped_from_memory() {
        fn wiped_on_drop<T: zeroize::ZeroizeOnDrop>() {}
        wiped_on_drop::<ApiSecret>();
        let mut secret = ApiSecret::from_bytes(vec![0x5a; 64]);
        zeroize::Zeroize::zeroize(&mut secret);
        assert!(secret.0.is_empty(), "nothing of it is left to read");
    }

    const SECRET: &str =
        "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg==";
    const NONCE: &str = "1616492376594";
    const BODY: &str =
        "nonce=1616492376594&ordertype=limit&pair=XBTUSD&price=37500&type=buy&volume=1.25";
    const PATH: &str = "/0/private/AddOrder";
    const EXPECTED: &str =
        "4/dpxb3iT4tp/ZCVEwSnEsLxx0bqyhLpdfOpc6fn7OR8+UClSV5n9E6aSS8MPtnRfp32bAb0nmbRn6H8ndwLUQ==";

    fn secret() -> ApiSecret {
        ApiSecret::from_base64(SECRET).expect("official example secret is base64")
    }

    #[test]
    fn official_worked_example_signs_exactly() {
        assert_eq!(sign(&secret(), PATH, NONCE, BODY), EXPECTED);
    }

    #[test]
    fn official_worked_example_verifies() {
        assert!(verify_signature(&secret(), PATH, NONCE, BODY, EXPECTED));
    }

    #[test]
    fn a_changed_path_body_or_nonce_fails_verification() {
        let s = secret();
        assert!(!verify_signature(
            &s,
            "/0/private/Balance",
            NONCE,
            BODY,
            EXPECTED
        ));
        assert!(!verify_signature(&s, PATH, "1616492376595", BODY, EXPECTED));
        let body = BODY.replace("volume=1.25", "volume=12.5");
        assert!(!verify_signature(&s, PATH, NONCE, &body, EXPECTED));
        assert!(!verify_signature(&s, PATH, NONCE, BODY, "not base64!"));
    }

    #[test]
    fn secret_errors_are_named_and_debug_is_redacted() {
        assert_eq!(ApiSecret::from_base64("%%%"), Err(SecretError::NotBase64));
        assert_eq!(ApiSecret::from_base64(""), Err(SecretError::Empty));
        let debug = format!("{:?}", secret());
        assert!(!debug.contains("kQH5"), "{debug}");
    }

    proptest! {
        #[test]
        fn sign_then_verify_roundtrips(key in proptest::collection::vec(any::<u8>(), 1..96),
                                       nonce in any::<u64>(), body in "[a-z=&0-9.]{0,64}") {
            let s = ApiSecret::from_bytes(key);
            let nonce = nonce.to_string();
            let sig = sign(&s, "/0/private/Balance", &nonce, &body);
            prop_assert!(verify_signature(&s, "/0/private/Balance", &nonce, &body, &sig));
            prop_assert_eq!(ApiSecret::from_base64(&s.to_base64()).ok(), Some(s));
        }
    }
}
