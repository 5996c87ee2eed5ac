//! Form fields as the org API carries them: every value is text, an empty one counts as absent.
//!
//! - [`Fields`]: where a call's fields are read from (the server's parsed body).
//! - [`required`], [`optional`]: one field decoded through its serde form (the same
//!   representation the client encodes with), or [`InvalidArgument`] naming the field.
//! - Value forms: [`JsonText`] (a structure as JSON text, `payload` and `policy`), [`flag`]
//!   (`execute`), [`Otp`] (a step-up code, redacted in `Debug`) and [`StatementTime`] (a signed
//!   statement's time, decimal text).

use std::collections::HashMap;
use std::fmt;

use serde::de::{DeserializeOwned, IntoDeserializer};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A call's form fields, read by name. An empty value counts as absent (the contract's rule).
pub trait Fields {
    /// The field's value, if present and non-empty.
    fn field(&self, name: &str) -> Option<&str>;
}

impl<S: std::hash::BuildHasher> Fields for HashMap<String, String, S> {
    fn field(&self, name: &str) -> Option<&str> {
        self.get(name).map(String::as_str).filter(|v| !v.is_empty())
    }
}

/// A field that is missing or not of its type: the server answers
/// `EGeneral:Invalid arguments:<field>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidArgument(pub &'static str);

impl fmt::Display for InvalidArgument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid argument {}", self.0)
    }
}

impl std::error::Error for InvalidArgument {}

/// Decodes `text` as a `T` in its form representation.
fn decode<T: DeserializeOwned>(text: &str) -> Option<T> {
    let de: serde::de::value::StrDeserializer<'_, serde::de::value::Error> =
        text.into_deserializer();
    T::deserialize(de).ok()
}

/// The field `name`, decoded; missing, empty or not a `T` is an [`InvalidArgument`].
pub fn required<T: DeserializeOwned>(
    fields: &impl Fields,
    name: &'static str,
) -> Result<T, InvalidArgument> {
    fields
        .field(name)
        .and_then(decode)
        .ok_or(InvalidArgument(name))
}

/// The field `name`, decoded if present; present but not a `T` is an [`InvalidArgument`].
pub fn optional<T: DeserializeOwned>(
    fields: &impl Fields,
    name: &'static str,
) -> Result<Option<T>, InvalidArgument> {
    fields
        .field(name)
        .map(|text| decode(text).ok_or(InvalidArgument(name)))
        .transpose()
}

/// A structure carried as JSON text in one form field (`payload`, `policy`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonText<T>(pub T);

impl<T: Serialize> Serialize for JsonText<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let text = serde_json::to_string(&self.0).map_err(serde::ser::Error::custom)?;
        s.serialize_str(&text)
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for JsonText<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(d)?;
        serde_json::from_str(&text)
            .map(JsonText)
            .map_err(serde::de::Error::custom)
    }
}

/// A flag field (`execute`): `true` or `1`, `false` or `0`; absent means `false` (use with
/// `#[serde(with = "flag", default)]`). Sent as `true` or `false`.
pub mod flag {
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes `true` or `false`.
    #[allow(clippy::trivially_copy_pass_by_ref)] // serde's `with` passes a reference
    pub fn serialize<S: Serializer>(value: &bool, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(if *value { "true" } else { "false" })
    }

    /// Reads `true`, `1`, `false` or `0`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(d)?;
        parse(&text).ok_or_else(|| serde::de::Error::custom("a flag is true, false, 1 or 0"))
    }

    /// The flag field `name`: absent is `false`; anything but a flag is an
    /// [`InvalidArgument`](super::InvalidArgument).
    pub fn read(
        fields: &impl super::Fields,
        name: &'static str,
    ) -> Result<bool, super::InvalidArgument> {
        match fields.field(name) {
            None => Ok(false),
            Some(text) => parse(text).ok_or(super::InvalidArgument(name)),
        }
    }

    /// The flag's value, if `text` is one.
    pub fn parse(text: &str) -> Option<bool> {
        match text {
            "true" | "1" => Some(true),
            "false" | "0" => Some(false),
            _ => None,
        }
    }
}

/// A member's step-up code (`otp`): their authenticator's current TOTP code. Accepted once, but
/// still kept out of logs: `Debug` hides it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Otp(pub String);

impl Otp {
    /// The code as typed.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Otp {
    fn from(code: &str) -> Self {
        Self(code.to_owned())
    }
}

impl fmt::Debug for Otp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Otp(<redacted>)")
    }
}

/// A signed decision statement's time (`at`), unix seconds written in decimal. Kept as the text
/// sent: the server parses it where the contract checks it ([`StatementTime::seconds`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct StatementTime(pub String);

impl StatementTime {
    /// The time `at` (unix seconds).
    pub fn from_seconds(at: i64) -> Self {
        Self(at.to_string())
    }

    /// The unix seconds, if the text is a decimal integer.
    pub fn seconds(&self) -> Option<i64> {
        self.0.parse().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use countersign_org::{RequestStatus, Workflow};

    fn form(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn an_empty_value_counts_as_absent() {
        let f = form(&[("id", ""), ("status", "pending")]);
        assert_eq!(required::<String>(&f, "id"), Err(InvalidArgument("id")));
        assert_eq!(optional::<String>(&f, "id"), Ok(None));
        assert_eq!(
            optional::<RequestStatus>(&f, "status"),
            Ok(Some(RequestStatus::Pending))
        );
    }

    #[test]
    fn enums_decode_by_their_wire_names_only() {
        let f = form(&[("workflow", "initiate_withdrawal"), ("status", "Pending")]);
        assert_eq!(
            required::<Workflow>(&f, "workflow"),
            Ok(Workflow::InitiateWithdrawal)
        );
        assert_eq!(
            optional::<RequestStatus>(&f, "status"),
            Err(InvalidArgument("status"))
        );
    }

    #[test]
    fn flags_and_json_text_decode_from_form_text() {
        let f = form(&[("a", "1"), ("b", "false"), ("c", "yes"), ("p", "null")]);
        assert_eq!(flag::read(&f, "a"), Ok(true));
        assert_eq!(flag::read(&f, "b"), Ok(false));
        assert_eq!(flag::read(&f, "absent"), Ok(false));
        assert_eq!(flag::read(&f, "c"), Err(InvalidArgument("c")));
        let p: JsonText<Option<countersign_org::Policy>> =
            required(&f, "p").expect("null is no policy");
        assert_eq!(p, JsonText(None));
    }

    #[test]
    fn a_code_does_not_show_in_debug() {
        assert_eq!(format!("{:?}", Otp::from("492039")), "Otp(<redacted>)");
    }
}
