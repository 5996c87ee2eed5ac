//! The exchange's error strings (`<E|W><Category>:<description>`) as a typed enum.

use std::fmt;

/// Coarse class of an error, for callers that decide what to do next (retry, re-auth, stop).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCategory {
    /// The key, signature or OTP was not accepted.
    Auth,
    /// The nonce was refused; a retry needs a fresh nonce.
    Nonce,
    /// The key or member lacks a permission.
    Permission,
    /// The call was malformed.
    Arguments,
    /// Too many calls; slow down.
    RateLimit,
    /// The service is down or busy; safe calls may be retried later.
    Unavailable,
    /// Funding rules refused the operation.
    Funding,
    /// An Organization rule refused the operation (Countersign's org API).
    Org,
    /// Anything else.
    Other,
}

/// One error as the exchange (or the sandbox playing it) reports it.
///
/// `Display` renders the exact wire string; [`ApiError::parse`] maps a wire string back, keeping
/// unknown strings verbatim in [`ApiError::Other`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ApiError {
    /// `EAPI:Invalid key`
    InvalidKey,
    /// `EAPI:Invalid signature`
    InvalidSignature,
    /// `EAPI:Invalid nonce`
    InvalidNonce,
    /// `EAPI:Rate limit exceeded`
    RateLimitExceeded,
    /// `EGeneral:Permission denied`
    PermissionDenied,
    /// `EGeneral:Invalid arguments` or `EGeneral:Invalid arguments:<field>`
    InvalidArguments(Option<String>),
    /// `EGeneral:Temporary lockout`
    TemporaryLockout,
    /// `EGeneral:Internal error`
    InternalError,
    /// `EService:Unavailable`
    ServiceUnavailable,
    /// `EService:Busy`
    ServiceBusy,
    /// `EOrg:<description>`: an Organization rule refused the call (Countersign's org API).
    Org(OrgRefusal),
    /// Any other string, kept exactly as received.
    Other(String),
}

/// Why the org API refused a decision or a request. The descriptions are part of the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrgRefusal {
    /// `EOrg:Self approval` — a member can never approve or reject their own request.
    SelfApproval,
    /// `EOrg:Already decided` — this member already approved or rejected the request.
    AlreadyDecided,
    /// `EOrg:Not pending` — the request is in a terminal state.
    NotPending,
    /// `EOrg:Unknown request`
    UnknownRequest,
    /// `EOrg:Invalid otp` — the 2FA code is wrong, stale, or was already used.
    InvalidOtp,
    /// `EOrg:Not permitted` — the member lacks the workflow permission for this action.
    NotPermitted,
    /// `EOrg:Members only` — the key belongs to a service user; org decisions need a member.
    MembersOnly,
}

impl OrgRefusal {
    const ALL: [OrgRefusal; 7] = [
        Self::SelfApproval,
        Self::AlreadyDecided,
        Self::NotPending,
        Self::UnknownRequest,
        Self::InvalidOtp,
        Self::NotPermitted,
        Self::MembersOnly,
    ];

    /// The description after `EOrg:`.
    pub fn description(self) -> &'static str {
        match self {
            Self::SelfApproval => "Self approval",
            Self::AlreadyDecided => "Already decided",
            Self::NotPending => "Not pending",
            Self::UnknownRequest => "Unknown request",
            Self::InvalidOtp => "Invalid otp",
            Self::NotPermitted => "Not permitted",
            Self::MembersOnly => "Members only",
        }
    }
}

impl ApiError {
    /// Parses one wire error string. Never fails: unknown strings become [`ApiError::Other`].
    pub fn parse(s: &str) -> Self {
        match s {
            "EAPI:Invalid key" => Self::InvalidKey,
            "EAPI:Invalid signature" => Self::InvalidSignature,
            "EAPI:Invalid nonce" => Self::InvalidNonce,
            "EAPI:Rate limit exceeded" => Self::RateLimitExceeded,
            "EGeneral:Permission denied" => Self::PermissionDenied,
            "EGeneral:Invalid arguments" => Self::InvalidArguments(None),
            "EGeneral:Temporary lockout" => Self::TemporaryLockout,
            "EGeneral:Internal error" => Self::InternalError,
            "EService:Unavailable" => Self::ServiceUnavailable,
            "EService:Busy" => Self::ServiceBusy,
            other => {
                if let Some(field) = other.strip_prefix("EGeneral:Invalid arguments:") {
                    return Self::InvalidArguments(Some(field.to_owned()));
                }
                if let Some(desc) = other.strip_prefix("EOrg:")
                    && let Some(r) = OrgRefusal::ALL.iter().find(|r| r.description() == desc)
                {
                    return Self::Org(*r);
                }
                Self::Other(other.to_owned())
            }
        }
    }

    /// The coarse class, for deciding what to do next.
    pub fn category(&self) -> ErrorCategory {
        match self {
            Self::InvalidKey | Self::InvalidSignature | Self::TemporaryLockout => {
                ErrorCategory::Auth
            }
            Self::InvalidNonce => ErrorCategory::Nonce,
            Self::RateLimitExceeded => ErrorCategory::RateLimit,
            Self::PermissionDenied => ErrorCategory::Permission,
            Self::InvalidArguments(_) => ErrorCategory::Arguments,
            Self::ServiceUnavailable | Self::ServiceBusy | Self::InternalError => {
                ErrorCategory::Unavailable
            }
            Self::Org(_) => ErrorCategory::Org,
            // `EOrg:Cannot complete: <reason>` carries its reason, so it is not a fixed refusal.
            Self::Other(s) if s.starts_with("EOrg:") => ErrorCategory::Org,
            Self::Other(s) if s.starts_with("EFunding:") => ErrorCategory::Funding,
            Self::Other(_) => ErrorCategory::Other,
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidKey => f.write_str("EAPI:Invalid key"),
            Self::InvalidSignature => f.write_str("EAPI:Invalid signature"),
            Self::InvalidNonce => f.write_str("EAPI:Invalid nonce"),
            Self::RateLimitExceeded => f.write_str("EAPI:Rate limit exceeded"),
            Self::PermissionDenied => f.write_str("EGeneral:Permission denied"),
            Self::InvalidArguments(None) => f.write_str("EGeneral:Invalid arguments"),
            Self::InvalidArguments(Some(field)) => {
                write!(f, "EGeneral:Invalid arguments:{field}")
            }
            Self::TemporaryLockout => f.write_str("EGeneral:Temporary lockout"),
            Self::InternalError => f.write_str("EGeneral:Internal error"),
            Self::ServiceUnavailable => f.write_str("EService:Unavailable"),
            Self::ServiceBusy => f.write_str("EService:Busy"),
            Self::Org(r) => write!(f, "EOrg:{}", r.description()),
            Self::Other(s) => f.write_str(s),
        }
    }
}

impl std::error::Error for ApiError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_string_roundtrips_exactly() {
        let known = [
            "EAPI:Invalid key",
            "EAPI:Invalid signature",
            "EAPI:Invalid nonce",
            "EAPI:Rate limit exceeded",
            "EGeneral:Permission denied",
            "EGeneral:Invalid arguments",
            "EGeneral:Invalid arguments:otp",
            "EGeneral:Temporary lockout",
            "EGeneral:Internal error",
            "EService:Unavailable",
            "EService:Busy",
            "EOrg:Self approval",
            "EOrg:Already decided",
            "EOrg:Not pending",
            "EOrg:Unknown request",
            "EOrg:Invalid otp",
            "EOrg:Not permitted",
            "EOrg:Members only",
            "EFunding:Max fee exceeded",
        ];
        for s in known {
            let e = ApiError::parse(s);
            assert_eq!(e.to_string(), s);
            assert!(
                !matches!(e, ApiError::Other(_)) || s.starts_with("EFunding"),
                "{s} should be typed"
            );
        }
    }

    #[test]
    fn categories_guide_the_caller() {
        assert_eq!(
            ApiError::parse("EAPI:Invalid nonce").category(),
            ErrorCategory::Nonce
        );
        assert_eq!(
            ApiError::parse("EFunding:Max fee exceeded").category(),
            ErrorCategory::Funding
        );
        assert_eq!(
            ApiError::parse("EOrg:Self approval").category(),
            ErrorCategory::Org
        );
        assert_eq!(
            ApiError::parse("EService:Busy").category(),
            ErrorCategory::Unavailable
        );
        assert_eq!(
            ApiError::parse("EWhatever:New").category(),
            ErrorCategory::Other
        );
    }
}
