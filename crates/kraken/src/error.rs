//! The exchange's error strings (`<E|W><Category>:<description>`) as typed values:
//! [`ApiError`] (with [`FundingError`], [`QueryError`], [`OrderError`], [`OrgRefusal`]),
//! its coarse [`ErrorCategory`], warnings ([`ApiWarning`]) and [`Messages`], an envelope's
//! `error` array split into the two.
//!
//! Every string keeps its exact text: `Display` renders what [`ApiError::parse`] read, and an
//! unknown string is kept verbatim in [`ApiError::Other`].

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
    /// Funding rules refused the operation (balance, fee, address book, Earn amounts).
    Funding,
    /// An order or query was refused (unknown pair or asset, order rules).
    OrderQuery,
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
    /// `EGeneral:Unknown method`
    UnknownMethod,
    /// `EGeneral:Too many requests`
    TooManyRequests,
    /// `EAPI:Feature disabled`
    FeatureDisabled,
    /// `EFunding:<description>`: a funding rule refused the call.
    Funding(FundingError),
    /// `EQuery:<description>`: a query named something unknown.
    Query(QueryError),
    /// `EOrder:<description>`: an order rule refused the call.
    Order(OrderError),
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
    /// `EOrg:Invalid decision signature` — the decision's device signature is missing, does not
    /// verify over the statement, is too old or too new, or the device key belongs to another
    /// member.
    InvalidSignature,
    /// `EOrg:Locked out` — too many wrong codes; decisions are refused for a while.
    LockedOut,
    /// `EOrg:2FA not enrolled` — the member has not set up their authenticator yet
    /// (`EnrollTotp`, then `ConfirmTotp`); nothing that needs a code is possible until then.
    NotEnrolled,
    /// `EOrg:2FA already enrolled` — enrollment is for a member without an authenticator.
    AlreadyEnrolled,
    /// `EOrg:Stopped` — an emergency stop in force (a stopped key, or the withdrawal freeze)
    /// keeps this request from being approved or completing until it is lifted.
    Stopped,
    /// `EOrg:Request changed` — the decision was signed over a content hash that is not the
    /// request's: what the member saw is not what would be decided.
    RequestChanged,
    /// `EOrg:Window closed` — the decision window sent (`window`) is closed, or is not the
    /// member's: a new code opens another.
    WindowClosed,
}

impl OrgRefusal {
    const ALL: [OrgRefusal; 14] = [
        Self::SelfApproval,
        Self::AlreadyDecided,
        Self::NotPending,
        Self::UnknownRequest,
        Self::InvalidOtp,
        Self::NotPermitted,
        Self::MembersOnly,
        Self::InvalidSignature,
        Self::LockedOut,
        Self::NotEnrolled,
        Self::AlreadyEnrolled,
        Self::Stopped,
        Self::RequestChanged,
        Self::WindowClosed,
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
            Self::InvalidSignature => "Invalid decision signature",
            Self::LockedOut => "Locked out",
            Self::NotEnrolled => "2FA not enrolled",
            Self::AlreadyEnrolled => "2FA already enrolled",
            Self::Stopped => "Stopped",
            Self::RequestChanged => "Request changed",
            Self::WindowClosed => "Window closed",
        }
    }
}

/// Declares a refusal family: fixed descriptions after one `E<Category>:` prefix.
macro_rules! refusals {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $desc:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every value.
            pub const ALL: &'static [$name] = &[$( $name::$variant, )+];

            /// The description after the prefix.
            pub fn description(self) -> &'static str {
                match self {
                    $( Self::$variant => $desc, )+
                }
            }

            fn from_description(d: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|r| r.description() == d)
            }
        }
    };
}

refusals! {
    /// `EFunding:<description>`.
    FundingError {
        /// `EFunding:Insufficient funds` — the balance does not cover amount + fee.
        InsufficientFunds = "Insufficient funds",
        /// `EFunding:Max fee exceeded` — the fee would exceed the request's `max_fee`.
        MaxFeeExceeded = "Max fee exceeded",
        /// `EFunding:Invalid withdrawal address` — `address` does not match the entry's.
        InvalidWithdrawalAddress = "Invalid withdrawal address",
        /// `EFunding:Unknown withdraw key` — no address-book entry by that name.
        UnknownWithdrawKey = "Unknown withdraw key",
        /// `EFunding:Unknown reference id` — no withdrawal with that `refid`.
        UnknownReferenceId = "Unknown reference id",
        /// `EFunding:Invalid amount`
        InvalidAmount = "Invalid amount",
        /// `EFunding:Unknown asset`
        UnknownAsset = "Unknown asset",
        /// `EFunding:Too many addresses`
        TooManyAddresses = "Too many addresses",
        /// `EFunding:Invalid method` — the asset has no such deposit or withdrawal method.
        InvalidMethod = "Invalid method",
    }
}

refusals! {
    /// `EQuery:<description>`.
    QueryError {
        /// `EQuery:Unknown asset pair`
        UnknownAssetPair = "Unknown asset pair",
        /// `EQuery:Unknown asset`
        UnknownAsset = "Unknown asset",
        /// `EQuery:Unknown export` — no export with that id (or it was removed).
        UnknownExport = "Unknown export",
    }
}

refusals! {
    /// `EOrder:<description>`.
    OrderError {
        /// `EOrder:Insufficient funds`
        InsufficientFunds = "Insufficient funds",
        /// `EOrder:Unknown order`
        UnknownOrder = "Unknown order",
        /// `EOrder:Order minimum not met`
        OrderMinimumNotMet = "Order minimum not met",
        /// `EOrder:Cost minimum not met`
        CostMinimumNotMet = "Cost minimum not met",
        /// `EOrder:Tick size check failed`
        TickSizeCheckFailed = "Tick size check failed",
        /// `EOrder:Invalid price`
        InvalidPrice = "Invalid price",
        /// `EOrder:Orders limit exceeded`
        OrdersLimitExceeded = "Orders limit exceeded",
        /// `EOrder:Rate limit exceeded` — the per-pair order rate counter, not the API counter.
        RateLimitExceeded = "Rate limit exceeded",
        /// `EOrder:Post only order`
        PostOnly = "Post only order",
        /// `EOrder:Cannot open position`
        CannotOpenPosition = "Cannot open position",
        /// `EOrder:Margin allowance exceeded`
        MarginAllowanceExceeded = "Margin allowance exceeded",
        /// `EOrder:Positions limit exceeded`
        PositionsLimitExceeded = "Positions limit exceeded",
        /// `EOrder:Unknown position`
        UnknownPosition = "Unknown position",
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
            "EGeneral:Unknown method" => Self::UnknownMethod,
            "EGeneral:Too many requests" => Self::TooManyRequests,
            "EAPI:Feature disabled" => Self::FeatureDisabled,
            other => {
                if let Some(r) = other
                    .strip_prefix("EFunding:")
                    .and_then(FundingError::from_description)
                {
                    return Self::Funding(r);
                }
                if let Some(r) = other
                    .strip_prefix("EQuery:")
                    .and_then(QueryError::from_description)
                {
                    return Self::Query(r);
                }
                if let Some(r) = other
                    .strip_prefix("EOrder:")
                    .and_then(OrderError::from_description)
                {
                    return Self::Order(r);
                }
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
            Self::RateLimitExceeded | Self::TooManyRequests => ErrorCategory::RateLimit,
            Self::PermissionDenied | Self::FeatureDisabled => ErrorCategory::Permission,
            Self::InvalidArguments(_) | Self::UnknownMethod => ErrorCategory::Arguments,
            Self::ServiceUnavailable | Self::ServiceBusy | Self::InternalError => {
                ErrorCategory::Unavailable
            }
            Self::Funding(_) => ErrorCategory::Funding,
            Self::Query(_) | Self::Order(_) => ErrorCategory::OrderQuery,
            Self::Org(_) => ErrorCategory::Org,
            Self::Other(s) => Self::category_of_unknown(s),
        }
    }
}

impl ApiError {
    /// The category of a string with no variant of its own, by its prefix.
    fn category_of_unknown(s: &str) -> ErrorCategory {
        // `EOrg:Cannot complete: <reason>` carries its reason, so it is not a fixed refusal.
        if s.starts_with("EOrg:") {
            return ErrorCategory::Org;
        }
        if s.starts_with("EFunding:") {
            return ErrorCategory::Funding;
        }
        if s.starts_with("EOrder:") || s.starts_with("EQuery:") {
            return ErrorCategory::OrderQuery;
        }
        // `EService:Market in cancel_only mode`, `EService:Deadline elapsed`, `EDatabase:...`.
        if s.starts_with("EService:") || s.starts_with("EDatabase:") {
            return ErrorCategory::Unavailable;
        }
        // Earn's own class: `EEarnings:Busy[:...]`, `EEarnings:Insufficient funds:...`,
        // `EEarnings:Above max:...`, `EEarnings:Below min:...`, `EEarnings:Permission denied:...`.
        if let Some(rest) = s.strip_prefix("EEarnings:") {
            if rest.starts_with("Busy") {
                return ErrorCategory::Unavailable;
            }
            if rest.starts_with("Permission denied") {
                return ErrorCategory::Permission;
            }
            return ErrorCategory::Funding;
        }
        ErrorCategory::Other
    }

    /// Whether the exchange says the call did not happen and may be sent again later
    /// (`EService:Unavailable`, `EService:Busy`). Only calls safe to repeat should be.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::ServiceUnavailable | Self::ServiceBusy)
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
            Self::UnknownMethod => f.write_str("EGeneral:Unknown method"),
            Self::TooManyRequests => f.write_str("EGeneral:Too many requests"),
            Self::FeatureDisabled => f.write_str("EAPI:Feature disabled"),
            Self::Funding(r) => write!(f, "EFunding:{}", r.description()),
            Self::Query(r) => write!(f, "EQuery:{}", r.description()),
            Self::Order(r) => write!(f, "EOrder:{}", r.description()),
            Self::Org(r) => write!(f, "EOrg:{}", r.description()),
            Self::Other(s) => f.write_str(s),
        }
    }
}

impl std::error::Error for ApiError {}

/// A warning (`W<Category>:<description>`) that came with a result; kept verbatim. Warnings do
/// not make a call fail.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ApiWarning(String);

impl ApiWarning {
    /// The warning in `s`, if `s` is one (starts with `W` and names a category).
    pub fn parse(s: &str) -> Option<Self> {
        let rest = s.strip_prefix('W')?;
        let (category, _) = rest.split_once(':')?;
        (!category.is_empty()).then(|| Self(s.to_owned()))
    }

    /// The exact text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ApiWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An envelope's `error` array, split: errors (anything not a warning) make the call fail;
/// warnings ride along with a result.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Messages {
    /// Errors, in order.
    pub errors: Vec<ApiError>,
    /// Warnings, in order.
    pub warnings: Vec<ApiWarning>,
}

impl Messages {
    /// Splits the `error` array.
    pub fn parse(messages: &[String]) -> Self {
        let mut out = Self::default();
        for m in messages {
            match ApiWarning::parse(m) {
                Some(w) => out.warnings.push(w),
                None => out.errors.push(ApiError::parse(m)),
            }
        }
        out
    }
}

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
            "EGeneral:Unknown method",
            "EGeneral:Too many requests",
            "EAPI:Feature disabled",
        ];
        let families = FundingError::ALL
            .iter()
            .map(|r| format!("EFunding:{}", r.description()))
            .chain(
                QueryError::ALL
                    .iter()
                    .map(|r| format!("EQuery:{}", r.description())),
            )
            .chain(
                OrderError::ALL
                    .iter()
                    .map(|r| format!("EOrder:{}", r.description())),
            );
        let all: Vec<String> = known
            .iter()
            .map(|s| (*s).to_owned())
            .chain(families)
            .collect();
        let mut typed = std::collections::HashSet::new();
        for s in &all {
            let e = ApiError::parse(s);
            assert_eq!(&e.to_string(), s);
            assert!(!matches!(e, ApiError::Other(_)), "{s} should be typed");
            assert!(typed.insert(e), "{s} parses to a value another string has");
        }
    }

    /// Every string in `shared/spec/kraken-rest.md`, with the category a caller acts on.
    #[test]
    fn the_spec_strings_map_to_their_categories() {
        use ErrorCategory as C;
        let table = [
            ("EAPI:Invalid key", C::Auth),
            ("EAPI:Invalid signature", C::Auth),
            ("EAPI:Invalid nonce", C::Nonce),
            ("EGeneral:Permission denied", C::Permission),
            ("EGeneral:Invalid arguments", C::Arguments),
            ("EGeneral:Invalid arguments:amount", C::Arguments),
            ("EAPI:Rate limit exceeded", C::RateLimit),
            ("EService:Unavailable", C::Unavailable),
            ("EService:Busy", C::Unavailable),
            ("EGeneral:Internal error", C::Unavailable),
            ("EGeneral:Temporary lockout", C::Auth),
            ("EFunding:Max fee exceeded", C::Funding),
            ("EFunding:Invalid withdrawal address", C::Funding),
            ("EFunding:Insufficient funds", C::Funding),
            ("EFunding:Unknown withdraw key", C::Funding),
            ("EQuery:Unknown asset pair", C::OrderQuery),
            ("EQuery:Unknown asset", C::OrderQuery),
            ("EOrder:Insufficient funds", C::OrderQuery),
            ("EGeneral:Unknown method", C::Arguments),
            ("EOrg:Self approval", C::Org),
            ("EOrg:Cannot complete: address removed", C::Org),
            ("EService:Market in cancel_only mode", C::Unavailable),
            ("EEarnings:Busy", C::Unavailable),
            (
                "EEarnings:Below min:(De)allocation operation amount less than minimum",
                C::Funding,
            ),
            (
                "EEarnings:Permission denied:The user's tier is not high enough",
                C::Permission,
            ),
            ("EFunding:Something new", C::Funding),
            ("ENew:Thing", C::Other),
        ];
        for (s, c) in table {
            let e = ApiError::parse(s);
            assert_eq!(e.category(), c, "{s}");
            assert_eq!(e.to_string(), s, "Display keeps the exact text");
        }
        assert!(ApiError::parse("EService:Busy").is_transient());
        assert!(!ApiError::parse("EGeneral:Internal error").is_transient());
    }

    #[test]
    fn warnings_ride_along_and_do_not_fail() {
        let m = Messages::parse(&[
            "WGeneral:Deprecated endpoint".to_owned(),
            "EFunding:Insufficient funds".to_owned(),
            "W".to_owned(),
        ]);
        assert_eq!(
            m.warnings
                .iter()
                .map(ApiWarning::as_str)
                .collect::<Vec<_>>(),
            ["WGeneral:Deprecated endpoint"]
        );
        assert_eq!(
            m.errors,
            [
                ApiError::Funding(FundingError::InsufficientFunds),
                ApiError::Other("W".into())
            ]
        );
        assert!(
            Messages::parse(&["WAPI:Slow down".to_owned()])
                .errors
                .is_empty()
        );
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
