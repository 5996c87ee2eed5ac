//! Every response is HTTP 200 with `{"error": [...], "result": ...}`.

use serde::{Deserialize, Serialize};

use crate::ApiError;

/// The response envelope. A non-empty `error` means failure, whatever `result` holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope<T> {
    /// Error strings; empty on success.
    #[serde(default)]
    pub error: Vec<String>,
    /// The payload; absent on failure.
    #[serde(default = "Option::default", skip_serializing_if = "Option::is_none")]
    pub result: Option<T>,
}

impl<T> Envelope<T> {
    /// A successful response.
    pub fn ok(result: T) -> Self {
        Self {
            error: Vec::new(),
            result: Some(result),
        }
    }

    /// A failed response carrying one error.
    pub fn err(error: &ApiError) -> Self {
        Self {
            error: vec![error.to_string()],
            result: None,
        }
    }

    /// The result, or the first error typed. A success envelope without a result is an error too.
    pub fn into_result(self) -> Result<T, ApiError> {
        if let Some(first) = self.error.first() {
            return Err(ApiError::parse(first));
        }
        self.result
            .ok_or_else(|| ApiError::Other("response carried neither error nor result".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_serialises_without_result_and_parses_back() {
        let env: Envelope<u32> = Envelope::err(&ApiError::InvalidNonce);
        let json = serde_json::to_string(&env).expect("serialise");
        assert_eq!(json, r#"{"error":["EAPI:Invalid nonce"]}"#);
        let back: Envelope<u32> = serde_json::from_str(&json).expect("parse");
        assert_eq!(back.into_result(), Err(ApiError::InvalidNonce));
    }

    #[test]
    fn success_yields_the_result() {
        let env: Envelope<u32> = serde_json::from_str(r#"{"error":[],"result":7}"#).expect("parse");
        assert_eq!(env.into_result(), Ok(7));
    }
}
