//! RFC 6238 time-based one-time codes, through totp-rs.

use totp_rs::{Builder, Secret, Totp};

/// Seconds a code lives.
pub const STEP_SECONDS: u64 = 30;

/// An authenticator secret (base32 as authenticator apps take it). `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct TotpSecret(Totp);

/// Why a code was refused. The caller shows one message for all of them on purpose (no oracle),
/// but logs and tests can tell them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum OtpRejection {
    /// Not the code of the current step, nor of one step either side.
    #[error("the code is wrong or has expired")]
    Wrong,
    /// The code's step was already used (or an older one): a code is accepted once.
    #[error("the code was already used")]
    Replayed,
}

impl TotpSecret {
    /// A new random 160-bit secret.
    pub fn generate() -> Self {
        Self::from_secret(Secret::generate())
            .unwrap_or_else(|| unreachable!("a generated secret has a valid length"))
    }

    /// Parses a base32 secret (as stored by the server or typed into an authenticator app).
    pub fn from_base32(encoded: &str) -> Option<Self> {
        Self::from_secret(Secret::try_from_base32(encoded.trim()).ok()?)
    }

    /// Builds from raw secret bytes (at least 128 bits).
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        Self::from_secret(Secret::from(bytes))
    }

    fn from_secret(secret: Secret) -> Option<Self> {
        Builder::new()
            .with_secret(secret)
            .with_digits(6)
            .with_skew(1)
            .with_step_duration(STEP_SECONDS)
            .build()
            .ok()
            .map(Self)
    }

    /// The base32 form, for the server's own store and the one-time enrollment reveal.
    pub fn to_base32(&self) -> String {
        self.0.secret().to_base32()
    }

    /// The `otpauth://totp/…` URI an authenticator app reads (usually from a QR code), labelled
    /// `issuer:account`. It carries the secret: it is shown once, at enrollment, and never kept.
    /// A `:` in either part (the label's separator) is replaced by a space.
    pub fn otpauth_uri(&self, issuer: &str, account: &str) -> String {
        let clean = |s: &str| s.replace(':', " ");
        let secret = Secret::try_from_base32(self.to_base32())
            .unwrap_or_else(|_| unreachable!("our own base32 round-trips"));
        Builder::new()
            .with_secret(secret)
            .with_digits(6)
            .with_step_duration(STEP_SECONDS)
            .with_issuer(Some(clean(issuer)))
            .with_account_name(clean(account))
            .build()
            .and_then(|totp| totp.to_url())
            .unwrap_or_else(|_| unreachable!("labels without ':' and a valid secret"))
    }

    /// The code at `unix` seconds.
    pub fn code_at(&self, unix: u64) -> String {
        self.0.generate(unix).to_string()
    }

    /// Seconds until the code at `unix` changes.
    pub fn seconds_remaining(unix: u64) -> u64 {
        STEP_SECONDS - unix % STEP_SECONDS
    }

    /// Checks `code` at `unix`, allowing one step of skew, and refusing any step at or before
    /// `last_used_step` (the newest step this member already spent). Returns the step to record.
    pub fn verify(
        &self,
        code: &str,
        unix: u64,
        last_used_step: Option<u64>,
    ) -> Result<u64, OtpRejection> {
        let step = self.0.check(code.trim(), unix).ok_or(OtpRejection::Wrong)?;
        match last_used_step {
            Some(last) if step <= last => Err(OtpRejection::Replayed),
            _ => Ok(step),
        }
    }
}

impl std::fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpSecret(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B, SHA-1 seed, truncated to the 6 digits authenticator apps use.
    #[test]
    fn rfc_6238_sha1_vectors() {
        let secret = TotpSecret::from_bytes(b"12345678901234567890").expect("20-byte seed");
        for (t, code8) in [
            (59u64, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            assert_eq!(secret.code_at(t), code8[2..], "at {t}");
        }
    }

    #[test]
    fn one_step_of_skew_each_way_and_no_more() {
        let s = TotpSecret::generate();
        let now = 1_700_000_015;
        assert!(s.verify(&s.code_at(now - 30), now, None).is_ok());
        assert!(s.verify(&s.code_at(now + 30), now, None).is_ok());
        assert_eq!(
            s.verify(&s.code_at(now - 60), now, None),
            Err(OtpRejection::Wrong)
        );
        assert_eq!(
            s.verify(&s.code_at(now + 60), now, None),
            Err(OtpRejection::Wrong)
        );
        assert_eq!(s.verify("abcdef", now, None), Err(OtpRejection::Wrong));
    }

    #[test]
    fn a_code_is_accepted_once() {
        let s = TotpSecret::generate();
        let now = 1_700_000_015;
        let code = s.code_at(now);
        let step = s.verify(&code, now, None).expect("fresh");
        assert_eq!(
            s.verify(&code, now + 1, Some(step)),
            Err(OtpRejection::Replayed)
        );
        // An older (still in-skew) code is refused after a newer one was spent.
        assert_eq!(
            s.verify(&s.code_at(now - 30), now, Some(step)),
            Err(OtpRejection::Replayed)
        );
        assert!(s.verify(&s.code_at(now + 30), now + 30, Some(step)).is_ok());
    }

    #[test]
    fn otpauth_uri_carries_issuer_account_and_secret() {
        let secret = TotpSecret::from_base32("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ").expect("base32");
        let uri = secret.otpauth_uri("Countersign: Acme", "Dana Ruiz");
        assert!(uri.starts_with("otpauth://totp/"), "{uri}");
        assert!(
            uri.contains("secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"),
            "{uri}"
        );
        assert!(uri.contains("Dana%20Ruiz"), "{uri}");
        assert!(uri.contains("issuer=Countersign%20%20Acme"), "{uri}");
        // What an authenticator app would do with it: the same codes.
        let back = totp_rs::Totp::from_url(&uri).expect("an authenticator reads it");
        assert_eq!(back.generate(59).to_string(), secret.code_at(59));
    }

    #[test]
    fn base32_roundtrips_and_debug_is_redacted() {
        let s = TotpSecret::generate();
        let b32 = s.to_base32();
        assert_eq!(TotpSecret::from_base32(&b32), Some(s.clone()));
        assert!(!format!("{s:?}").contains(&b32));
        assert_eq!(TotpSecret::seconds_remaining(1_700_000_020), 20);
    }
}
