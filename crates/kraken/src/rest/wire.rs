//! Wire encodings shared by the REST types: money as decimal strings, JSON numbers read into
//! `Decimal` without float arithmetic, optional and string-typed [`Timestamp`]s, lenient request
//! scalars, and the `wire_enum!` macro for string enums that keep unknown values.
//!
//! Results are parsed leniently (a decimal may arrive as a string or a number, as the official
//! examples show both) and written strictly (money always as a decimal string). Request scalars
//! accept both form values (`"true"`, `"50"`) and JSON values (`true`, `50`), because the exchange
//! takes either body and third-party clients send both.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use crate::time::{Timestamp, TimestampVisitor};

/// `Decimal` read from a JSON string or number without float arithmetic.
pub(crate) struct DecimalVisitor;

impl Visitor<'_> for DecimalVisitor {
    type Value = Decimal;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a decimal as a string or number")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Decimal, E> {
        Ok(Decimal::from(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Decimal, E> {
        Ok(Decimal::from(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Decimal, E> {
        Decimal::from_str(&v.to_string()).map_err(E::custom)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Decimal, E> {
        Decimal::from_str(v.trim()).map_err(E::custom)
    }
}

/// `Option<T>` from any scalar: `null`, absent and `""` are `None`.
struct OptVisitor<V>(V);

impl<'de, V: Visitor<'de>> Visitor<'de> for OptVisitor<V> {
    type Value = Option<V::Value>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.expecting(f)?;
        f.write_str(" or null")
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        self.0.visit_bool(v).map(Some)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        self.0.visit_u64(v).map(Some)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        self.0.visit_i64(v).map(Some)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        self.0.visit_f64(v).map(Some)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        if v.is_empty() {
            return Ok(None);
        }
        self.0.visit_str(v).map(Some)
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        self.0.visit_seq(seq).map(Some)
    }
}

/// Money as a decimal string (`"1.2345000000"`); reads a string or a number.
pub mod money {
    use super::*;

    /// Writes the decimal string, keeping its scale.
    pub fn serialize<S: Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(d)
    }

    /// Reads a decimal string or number.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        d.deserialize_any(DecimalVisitor)
    }
}

/// Optional money as a decimal string; use with `default` and
/// `skip_serializing_if = "Option::is_none"`. Reads `null` and `""` as `None`.
pub mod money_opt {
    use super::*;

    /// Writes the decimal string (callers skip `None`).
    pub fn serialize<S: Serializer>(d: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.collect_str(d),
            None => s.serialize_none(),
        }
    }

    /// Reads a decimal string or number, or nothing.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
        d.deserialize_any(OptVisitor(DecimalVisitor))
    }
}

/// A map from name (asset) to money, values as decimal strings.
pub mod money_map {
    use std::collections::BTreeMap;

    use super::*;

    #[derive(Serialize, Deserialize)]
    struct Money(#[serde(with = "super::money")] Decimal);

    /// Writes each value as a decimal string.
    pub fn serialize<S: Serializer>(
        m: &BTreeMap<String, Decimal>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_map(m.iter().map(|(k, v)| (k, Money(*v))))
    }

    /// Reads each value as a decimal string or number.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<BTreeMap<String, Decimal>, D::Error> {
        let m = BTreeMap::<String, Money>::deserialize(d)?;
        Ok(m.into_iter().map(|(k, v)| (k, v.0)).collect())
    }
}

/// Writes a `Decimal` as a JSON number (an integer when its scale is 0).
fn serialize_number<S: Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
    if d.scale() == 0
        && let Ok(i) = i64::try_from(*d)
    {
        return s.serialize_i64(i);
    }
    let n: f64 = d.to_string().parse().map_err(serde::ser::Error::custom)?;
    s.serialize_f64(n)
}

/// A decimal the exchange writes as a JSON number (fee tiers, collateral value): written as a
/// number, read from a number or a string. Exact for the up-to-15 significant digits JSON numbers
/// carry; never used for balances or amounts.
pub mod number {
    use super::*;

    /// Writes a JSON number.
    pub fn serialize<S: Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        serialize_number(d, s)
    }

    /// Reads a number or a decimal string.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        d.deserialize_any(DecimalVisitor)
    }
}

/// Optional [`number`].
pub mod number_opt {
    use super::*;

    /// Writes a JSON number (callers skip `None`).
    pub fn serialize<S: Serializer>(d: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => serialize_number(d, s),
            None => s.serialize_none(),
        }
    }

    /// Reads a number or a decimal string, or nothing.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
        d.deserialize_any(OptVisitor(DecimalVisitor))
    }
}

/// Optional [`Timestamp`] as a JSON number; reads `null` and `""` as `None`.
pub mod timestamp_opt {
    use super::*;

    /// Writes a JSON number (callers skip `None`).
    pub fn serialize<S: Serializer>(t: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => t.serialize(s),
            None => s.serialize_none(),
        }
    }

    /// Reads a number or string, or nothing.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
        d.deserialize_any(OptVisitor(TimestampVisitor))
    }
}

/// A [`Timestamp`] the exchange writes as a string (`"1688669085"`, export status, address
/// expiry).
pub mod timestamp_str {
    use super::*;

    /// Writes the decimal text as a string.
    pub fn serialize<S: Serializer>(t: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(t)
    }

    /// Reads a string or number.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
        d.deserialize_any(TimestampVisitor)
    }
}

/// Optional [`timestamp_str`].
pub mod timestamp_str_opt {
    use super::*;

    /// Writes the decimal text as a string (callers skip `None`).
    pub fn serialize<S: Serializer>(t: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.collect_str(t),
            None => s.serialize_none(),
        }
    }

    /// Reads a string or number, or nothing.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
        d.deserialize_any(OptVisitor(TimestampVisitor))
    }
}

struct BoolVisitor;

impl Visitor<'_> for BoolVisitor {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a boolean (true/false, 1/0)")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<bool, E> {
        Ok(v)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<bool, E> {
        match v {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(E::invalid_value(de::Unexpected::Unsigned(v), &self)),
        }
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<bool, E> {
        match v {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(E::invalid_value(de::Unexpected::Signed(v), &self)),
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<bool, E> {
        // Python clients form-encode `True`/`False`.
        match v {
            "true" | "True" | "TRUE" | "1" => Ok(true),
            "false" | "False" | "FALSE" | "0" => Ok(false),
            _ => Err(E::invalid_value(de::Unexpected::Str(v), &self)),
        }
    }
}

/// Optional request boolean: reads `true`/`false`, `"true"`/`"True"`/`"1"`, ...
pub mod bool_opt {
    use super::*;

    /// Writes `true`/`false` (callers skip `None`).
    pub fn serialize<S: Serializer>(b: &Option<bool>, s: S) -> Result<S::Ok, S::Error> {
        match b {
            Some(b) => s.serialize_bool(*b),
            None => s.serialize_none(),
        }
    }

    /// Reads a JSON or form boolean, or nothing.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
        d.deserialize_any(OptVisitor(BoolVisitor))
    }
}

struct IntVisitor;

impl Visitor<'_> for IntVisitor {
    type Value = i64;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an integer")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<i64, E> {
        i64::try_from(v).map_err(|_| E::invalid_value(de::Unexpected::Unsigned(v), &self))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<i64, E> {
        Ok(v)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<i64, E> {
        v.trim()
            .parse()
            .map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))
    }
}

/// Optional request or result integer: reads `50`, `"50"`; `null` and `""` are `None`.
pub mod int_opt {
    use super::*;

    /// Writes the integer (callers skip `None`).
    pub fn serialize<S: Serializer>(n: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
        match n {
            Some(n) => s.serialize_i64(*n),
            None => s.serialize_none(),
        }
    }

    /// Reads a number or numeric string, or nothing.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        d.deserialize_any(OptVisitor(IntVisitor))
    }
}

struct StringVisitor;

impl Visitor<'_> for StringVisitor {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string or integer")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_owned())
    }
}

/// Optional request text that JSON clients may send as a number (`txid` given as a `userref`,
/// `start` given as a unix time): always written as a string.
pub mod text_opt {
    use super::*;

    /// Writes the string (callers skip `None`).
    pub fn serialize<S: Serializer>(t: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.serialize_str(t),
            None => s.serialize_none(),
        }
    }

    /// Reads a string or integer, or nothing.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        d.deserialize_any(OptVisitor(StringVisitor))
    }
}

/// A comma-delimited list (`id=L1,L2`), written joined; read from a string (items trimmed) or a
/// JSON array.
pub mod comma_list {
    use super::*;

    /// Writes `a,b,c`.
    pub fn serialize<S: Serializer>(v: &[String], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&v.join(","))
    }

    /// Reads `"a, b,c"` or `["a","b","c"]`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
        d.deserialize_any(ListVisitor)
    }
}

/// Optional [`comma_list`].
pub mod comma_list_opt {
    use super::*;

    /// Writes `a,b,c` (callers skip `None`).
    pub fn serialize<S: Serializer>(v: &Option<Vec<String>>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => s.serialize_str(&v.join(",")),
            None => s.serialize_none(),
        }
    }

    /// Reads `"a, b,c"` or `["a","b","c"]`, or nothing.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
        d.deserialize_any(OptVisitor(ListVisitor))
    }
}

struct ListVisitor;

impl<'de> Visitor<'de> for ListVisitor {
    type Value = Vec<String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a comma-delimited string or an array of strings")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Vec<String>, E> {
        Ok(v.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect())
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<String>, A::Error> {
        let mut out = Vec::new();
        while let Some(s) = seq.next_element::<String>()? {
            out.push(s);
        }
        Ok(out)
    }
}

/// Declares a string enum of wire values that keeps values it does not know in `Other`, so a
/// new value from the exchange never fails a whole response (and the sandbox can still refuse
/// it in a request by name).
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $wire:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value not known to this crate, kept verbatim.
            Other(String),
        }

        impl $name {
            /// Every known value.
            pub const KNOWN: &'static [$name] = &[$( $name::$variant, )+];

            /// The wire text.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $wire, )+
                    Self::Other(s) => s,
                }
            }

            /// Maps wire text; unknown text becomes `Other`.
            pub fn parse(s: &str) -> Self {
                match s {
                    $( $wire => Self::$variant, )+
                    other => Self::Other(other.to_owned()),
                }
            }

            /// Whether this is a value the crate knows.
            pub fn is_known(&self) -> bool {
                !matches!(self, Self::Other(_))
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <::std::borrow::Cow<'de, str>>::deserialize(d)?;
                Ok(Self::parse(&s))
            }
        }
    };
}

pub(crate) use wire_enum;

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Form {
        #[serde(with = "money")]
        amount: Decimal,
        #[serde(default, with = "money_opt", skip_serializing_if = "Option::is_none")]
        max_fee: Option<Decimal>,
        #[serde(default, with = "bool_opt", skip_serializing_if = "Option::is_none")]
        validate: Option<bool>,
        #[serde(default, with = "int_opt", skip_serializing_if = "Option::is_none")]
        ofs: Option<i64>,
        #[serde(
            default,
            with = "comma_list_opt",
            skip_serializing_if = "Option::is_none"
        )]
        id: Option<Vec<String>>,
    }

    #[test]
    fn request_scalars_read_form_and_json_alike() {
        let from_form: Form =
            serde_urlencoded::from_str("amount=0.725&validate=True&ofs=50&id=L1%2C+L2")
                .expect("form");
        let from_json: Form =
            serde_json::from_str(r#"{"amount":0.725,"validate":true,"ofs":"50","id":["L1","L2"]}"#)
                .expect("json");
        let want = Form {
            amount: dec!(0.725),
            max_fee: None,
            validate: Some(true),
            ofs: Some(50),
            id: Some(vec!["L1".into(), "L2".into()]),
        };
        assert_eq!(from_form, want);
        assert_eq!(from_json, want);
        assert_eq!(
            serde_urlencoded::to_string(&want).expect("write"),
            "amount=0.725&validate=true&ofs=50&id=L1%2CL2"
        );
    }

    #[test]
    fn money_keeps_its_scale_and_numbers_stay_numbers() {
        #[derive(Serialize, Deserialize)]
        struct N(#[serde(with = "number")] Decimal);
        let m: Form = serde_json::from_str(r#"{"amount":"0.0000000000"}"#).expect("parse");
        assert_eq!(
            serde_json::to_string(&m).expect("write"),
            r#"{"amount":"0.0000000000"}"#
        );
        for text in ["0.26", "50000", "0", "0.9", "1e-7"] {
            let n: N = serde_json::from_str(text).expect("parse");
            let back: serde_json::Value =
                serde_json::from_str(&serde_json::to_string(&n).expect("write")).expect("json");
            assert_eq!(
                back,
                serde_json::from_str::<serde_json::Value>(text).expect("json")
            );
        }
    }

    wire_enum! {
        /// Test enum.
        Side {
            /// Buy.
            Buy = "buy",
        }
    }

    #[test]
    fn wire_enums_keep_unknown_values() {
        let s: Vec<Side> = serde_json::from_str(r#"["buy","short"]"#).expect("parse");
        assert_eq!(s, vec![Side::Buy, Side::Other("short".into())]);
        assert_eq!(
            serde_json::to_string(&s).expect("write"),
            r#"["buy","short"]"#
        );
        assert!(!s[1].is_known());
        assert_eq!(Side::KNOWN, [Side::Buy]);
    }
}
