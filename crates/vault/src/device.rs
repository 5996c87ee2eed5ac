//! The device's signing key: Ed25519, its private half only ever in the OS keychain (or in memory
//! while signing), its public half registered to the member with the Organization.
//!
//! - [`DeviceKey`]: signs a decision digest; never prints itself.
//! - [`DevicePublicKey`]: what the server stores and verifiers check signatures against.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};

/// Why a stored or received key or signature is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeviceKeyError {
    /// Not base64 of the right length.
    #[error("not a base64 Ed25519 {0}")]
    Malformed(&'static str),
}

/// A device's private signing key.
pub struct DeviceKey(SigningKey);

impl std::fmt::Debug for DeviceKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("DeviceKey")
            .field(&self.public().to_base64())
            .finish()
    }
}

impl DeviceKey {
    /// A fresh random key.
    pub fn generate() -> Self {
        Self(SigningKey::from_bytes(&rand::random::<[u8; 32]>()))
    }

    /// The key from its 32-byte seed in base64 (the keychain form).
    pub fn from_base64(encoded: &str) -> Result<Self, DeviceKeyError> {
        let bytes: [u8; 32] = STANDARD
            .decode(encoded.trim())
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or(DeviceKeyError::Malformed("private key"))?;
        Ok(Self(SigningKey::from_bytes(&bytes)))
    }

    /// The 32-byte seed in base64, for the keychain only.
    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.0.to_bytes())
    }

    /// Its public half.
    pub fn public(&self) -> DevicePublicKey {
        DevicePublicKey(self.0.verifying_key())
    }

    /// Signs a 32-byte digest; the signature in base64.
    pub fn sign(&self, digest: &[u8; 32]) -> String {
        STANDARD.encode(self.0.sign(digest).to_bytes())
    }
}

/// A device's public key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DevicePublicKey(VerifyingKey);

impl DevicePublicKey {
    /// Parses base64 of the 32-byte key.
    pub fn from_base64(encoded: &str) -> Result<Self, DeviceKeyError> {
        let bytes: [u8; 32] = STANDARD
            .decode(encoded.trim())
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or(DeviceKeyError::Malformed("public key"))?;
        VerifyingKey::from_bytes(&bytes)
            .map(Self)
            .map_err(|_| DeviceKeyError::Malformed("public key"))
    }

    /// Base64 of the 32-byte key.
    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.0.to_bytes())
    }

    /// Whether `signature` (base64) is this key's signature of `digest` (strict verification:
    /// no malleable or small-order forms).
    pub fn verify(&self, digest: &[u8; 32], signature: &str) -> bool {
        let Some(bytes) = STANDARD
            .decode(signature.trim())
            .ok()
            .and_then(|b| <[u8; 64]>::try_from(b).ok())
        else {
            return false;
        };
        self.0
            .verify_strict(digest, &Signature::from_bytes(&bytes))
            .is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_and_authenticator_secrets_are_wiped_when_dropped() {
        fn wiped_on_drop<T: zeroize::ZeroizeOnDrop>() {}
        wiped_on_drop::<SigningKey>();
        wiped_on_drop::<totp_rs::Totp>();
    }

    #[test]
    fn a_signature_verifies_only_for_its_key_and_digest() {
        let key = DeviceKey::generate();
        let other = DeviceKey::generate();
        let digest = [7u8; 32];
        let sig = key.sign(&digest);
        assert!(key.public().verify(&digest, &sig));
        assert!(
            !other.public().verify(&digest, &sig),
            "another device's key"
        );
        assert!(!key.public().verify(&[8u8; 32], &sig), "another digest");
        let mut flipped = STANDARD.decode(&sig).expect("b64");
        flipped[10] ^= 1;
        assert!(!key.public().verify(&digest, &STANDARD.encode(flipped)));
        assert!(!key.public().verify(&digest, "not base64"));
    }

    #[test]
    fn keys_round_trip_their_base64_and_never_print_the_secret() {
        let key = DeviceKey::generate();
        let again = DeviceKey::from_base64(&key.to_base64()).expect("parse");
        assert_eq!(again.public(), key.public());
        let public = DevicePublicKey::from_base64(&key.public().to_base64()).expect("parse");
        assert_eq!(public, key.public());
        assert!(!format!("{key:?}").contains(&key.to_base64()));
        assert!(matches!(
            DeviceKey::from_base64("c2hvcnQ="),
            Err(DeviceKeyError::Malformed("private key"))
        ));
    }
}
