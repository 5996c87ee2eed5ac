//! The one error of every job: [`CommandError`], a [`ErrorCode`] the UI branches on and a
//! message in plain words that says what happened and what to do. Each lower layer's error is
//! turned into it here, once: the org API's refusals ([`ClientError`]), the keychain's
//! ([`KeychainError`]), the ledger store's, a blocking task that died.

use countersign_client::ClientError;
use countersign_keychain::KeychainError;
use countersign_kraken::{ApiError, OrgRefusal};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What the UI branches on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ErrorCode {
    /// The member initiated the request.
    SelfApproval,
    /// The member already decided it.
    AlreadyDecided,
    /// The request is terminal.
    NotPending,
    /// A workflow permission is missing.
    NotPermitted,
    /// The 2FA code is wrong, expired or already used.
    InvalidOtp,
    /// No such request (or not visible).
    NotFound,
    /// An argument is malformed.
    InvalidInput,
    /// The key, signature or nonce was refused, or no credentials are available.
    Auth,
    /// The org API cannot be reached, or the action does not exist in this mode.
    Unavailable,
    /// The app is locked (idle, or locked by hand): unlock it with the member's code.
    Locked,
    /// The member has not set up their authenticator yet.
    NotEnrolled,
    /// The request is not what the member was shown: look at it again before deciding.
    RequestChanged,
    /// Anything else.
    Internal,
}

/// The one error of every job, and the one shape that crosses the IPC boundary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, thiserror::Error)]
#[error("{message}")]
#[ts(export)]
pub struct CommandError {
    /// What the UI branches on.
    pub code: ErrorCode,
    /// What happened and what to do, in plain words.
    pub message: String,
    /// The lower layer's own words (the org API's error string, say), for the command line and
    /// logs; the webview never gets it.
    #[serde(skip)]
    #[ts(skip)]
    pub detail: Option<String>,
}

impl CommandError {
    /// An error with a code and a message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            detail: None,
        }
    }

    /// The message, with the lower layer's words after it when they add something.
    pub fn explained(&self) -> String {
        match &self.detail {
            Some(detail) if !self.message.contains(detail.as_str()) => {
                format!("{} ({detail})", self.message)
            }
            _ => self.message.clone(),
        }
    }
}

impl From<ClientError> for CommandError {
    fn from(e: ClientError) -> Self {
        let (code, message) = match &e {
            ClientError::Api(ApiError::Org(r)) => match r {
                OrgRefusal::SelfApproval => (
                    ErrorCode::SelfApproval,
                    "You initiated this request; another member must approve it.".to_owned(),
                ),
                OrgRefusal::AlreadyDecided => (
                    ErrorCode::AlreadyDecided,
                    "You already decided this request; each member counts once.".to_owned(),
                ),
                OrgRefusal::NotPending => (
                    ErrorCode::NotPending,
                    "This request is no longer pending.".to_owned(),
                ),
                OrgRefusal::UnknownRequest => {
                    (ErrorCode::NotFound, "No such request is visible to you.".to_owned())
                }
                OrgRefusal::InvalidOtp => (
                    ErrorCode::InvalidOtp,
                    "That code is wrong, expired or already used. Enter the current code from your authenticator."
                        .to_owned(),
                ),
                OrgRefusal::NotPermitted => (
                    ErrorCode::NotPermitted,
                    "The Organization's rules do not permit this for you; preview it to see which rule refuses it."
                        .to_owned(),
                ),
                OrgRefusal::MembersOnly => (
                    ErrorCode::Auth,
                    "This key belongs to a service user; sign in with a member's key.".to_owned(),
                ),
                OrgRefusal::InvalidSignature => (
                    ErrorCode::Auth,
                    "The Organization did not accept this device's signature of the decision; check the device clock, or register this device again."
                        .to_owned(),
                ),
                OrgRefusal::LockedOut => (
                    ErrorCode::InvalidOtp,
                    "Too many wrong codes: decisions are locked for 15 minutes. Check your authenticator's clock."
                        .to_owned(),
                ),
                OrgRefusal::NotEnrolled => (
                    ErrorCode::NotEnrolled,
                    "Set up your authenticator first: every decision needs its code.".to_owned(),
                ),
                OrgRefusal::AlreadyEnrolled => (
                    ErrorCode::InvalidInput,
                    "Your authenticator is already set up.".to_owned(),
                ),
                OrgRefusal::RequestChanged => (
                    ErrorCode::RequestChanged,
                    "This request is not what you were shown: nothing was decided. Look at it again before deciding."
                        .to_owned(),
                ),
                OrgRefusal::WindowClosed => (
                    ErrorCode::InvalidOtp,
                    "Your decision window has closed: enter your current code to decide.".to_owned(),
                ),
                OrgRefusal::Stopped => (
                    ErrorCode::NotPermitted,
                    "An emergency stop keeps this request from being approved until it is lifted; it may still be rejected."
                        .to_owned(),
                ),
            },
            ClientError::Api(api) => match api.category() {
                countersign_kraken::ErrorCategory::Auth | countersign_kraken::ErrorCategory::Nonce => {
                    (ErrorCode::Auth, format!("The org API refused the credentials ({api})."))
                }
                countersign_kraken::ErrorCategory::Arguments => (ErrorCode::InvalidInput, api.to_string()),
                // `EOrg:Cannot complete: <reason>`: the Organization changed while it waited.
                countersign_kraken::ErrorCategory::Org => (
                    ErrorCode::NotPermitted,
                    api.to_string().trim_start_matches("EOrg:").to_owned(),
                ),
                countersign_kraken::ErrorCategory::Funding => (
                    ErrorCode::NotPermitted,
                    format!("The exchange refused the funds movement ({api})."),
                ),
                countersign_kraken::ErrorCategory::Unavailable
                | countersign_kraken::ErrorCategory::RateLimit => {
                    (ErrorCode::Unavailable, format!("The org API is unavailable ({api}); try again shortly."))
                }
                _ => (ErrorCode::Internal, api.to_string()),
            },
            ClientError::Unreachable { .. } => (ErrorCode::Unavailable, e.to_string()),
            ClientError::Protocol { .. } => (ErrorCode::Internal, e.to_string()),
            ClientError::BaseUrl(_) => (ErrorCode::InvalidInput, e.to_string()),
            ClientError::Redirected { .. } => (ErrorCode::Unavailable, e.to_string()),
            ClientError::Mirror(_) => (
                ErrorCode::Unavailable,
                format!("Nothing was signed: this device keeps a record of every decision it signs, and {e}"),
            ),
        };
        Self {
            code,
            message,
            detail: Some(e.to_string()),
        }
    }
}

impl CommandError {
    /// Something that should not happen: a task that died, a lock poisoned, a store's own
    /// failure; the message is the underlying error's.
    pub fn internal(e: impl std::fmt::Display) -> Self {
        Self::new(ErrorCode::Internal, e.to_string())
    }

    /// A service the job needs cannot be reached or used (the keychain, the clipboard, the
    /// sandbox); the message is the underlying error's.
    pub fn unavailable(e: impl std::fmt::Display) -> Self {
        Self::new(ErrorCode::Unavailable, e.to_string())
    }

    /// An argument the job cannot use, with what is wrong with it.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidInput, message)
    }
}

impl From<KeychainError> for CommandError {
    /// Missing credentials are an authentication problem (add the org again); anything else
    /// means the keychain itself cannot be used right now.
    fn from(e: KeychainError) -> Self {
        let code = match e {
            KeychainError::NotFound(_) => ErrorCode::Auth,
            KeychainError::Locked | KeychainError::Unavailable(_) | KeychainError::Corrupt(_) => {
                ErrorCode::Unavailable
            }
        };
        Self::new(code, e.to_string())
    }
}

impl From<tokio::task::JoinError> for CommandError {
    fn from(e: tokio::task::JoinError) -> Self {
        Self::internal(e)
    }
}

/// A decision's 2FA code, checked for its shape (six digits) before anything is sent or signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Otp<'a>(&'a str);

impl<'a> Otp<'a> {
    /// `code` if it is six ASCII digits; `invalid_input` otherwise.
    pub fn parse(code: &'a str) -> Result<Self, CommandError> {
        if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(code))
        } else {
            Err(CommandError::invalid("the 2FA code is 6 digits"))
        }
    }

    /// The code as typed.
    pub fn as_str(self) -> &'a str {
        self.0
    }
}

/// Runs blocking work (the keychain, SQLite, files) off the async workers.
pub(crate) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, CommandError> {
    Ok(tokio::task::spawn_blocking(work).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_six_digits() {
        assert_eq!(Otp::parse("012345").map(Otp::as_str), Ok("012345"));
        for bad in ["12345", "1234567", "12345a", "", "١٢٣٤٥٦"] {
            assert_eq!(
                Otp::parse(bad).map_err(|e| e.code),
                Err(ErrorCode::InvalidInput),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn missing_credentials_ask_to_sign_in_again_and_a_locked_keychain_is_unavailable() {
        let e = CommandError::from(KeychainError::NotFound("http://org".into()));
        assert_eq!(e.code, ErrorCode::Auth);
        assert!(
            e.message.contains("countersign remote add"),
            "{}",
            e.message
        );
        assert_eq!(
            CommandError::from(KeychainError::Locked).code,
            ErrorCode::Unavailable
        );
    }
}
