//! The contract's examples hold to the wire types: every example in `docs/org-api.yaml` (each
//! call's request and answer examples, and the schemas' own examples) is read into its type,
//! written back and compared as JSON values. Answers must come back equal (the server writes
//! every field); requests must lose nothing (a field the example leaves out may come back with
//! its default). Every `/0/org/<Call>` of the contract is a call of the table and vice versa.
//! A failure names the example.

use std::collections::BTreeSet;

use countersign_kraken::{ApiError, Envelope};
use countersign_orgapi::{Call, CallName, CallVisitor, JsonText, visit_calls};
use saphyr::{LoadableYamlNode, ScalarOwned, YamlOwned};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

const SPEC: &str = include_str!("../../../docs/org-api.yaml");

/// The contract as JSON.
fn spec() -> Value {
    let docs = YamlOwned::load_from_str(SPEC).expect("docs/org-api.yaml is YAML");
    assert_eq!(docs.len(), 1, "docs/org-api.yaml holds one document");
    to_json(&docs[0]).expect("docs/org-api.yaml converts to JSON")
}

fn to_json(node: &YamlOwned) -> Result<Value, String> {
    Ok(match node {
        YamlOwned::Value(scalar) => match scalar {
            ScalarOwned::Null => Value::Null,
            ScalarOwned::Boolean(b) => Value::Bool(*b),
            ScalarOwned::Integer(i) => Value::from(*i),
            ScalarOwned::FloatingPoint(f) => serde_json::Number::from_f64(f.into_inner())
                .map(Value::Number)
                .ok_or_else(|| format!("a non-finite number {f}"))?,
            ScalarOwned::String(s) => Value::String(s.clone()),
        },
        YamlOwned::Representation(text, _, _) => Value::String(text.clone()),
        YamlOwned::Sequence(items) => {
            Value::Array(items.iter().map(to_json).collect::<Result<_, _>>()?)
        }
        YamlOwned::Mapping(map) => {
            let mut out = serde_json::Map::new();
            for (k, v) in map {
                let key = match to_json(k)? {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                out.insert(key, to_json(v)?);
            }
            Value::Object(out)
        }
        YamlOwned::Tagged(_, inner) => to_json(inner)?,
        other => return Err(format!("an unsupported YAML node {other:?}")),
    })
}

/// `value`, or what its `$ref` (`#/a/b`) points at.
fn resolve<'a>(spec: &'a Value, value: &'a Value) -> &'a Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(r) => spec
            .pointer(r.trim_start_matches('#'))
            .unwrap_or_else(|| panic!("dangling $ref {r}")),
        None => value,
    }
}

/// The named examples of a media type (`example`, or each of `examples`), refs resolved.
fn examples<'a>(spec: &'a Value, media: Option<&'a Value>) -> Vec<(String, &'a Value)> {
    let Some(media) = media else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let Some(v) = media.get("example") {
        out.push(("example".to_owned(), v));
    }
    if let Some(map) = media.get("examples").and_then(Value::as_object) {
        for (name, ex) in map {
            let ex = resolve(spec, ex);
            let value = ex
                .get("value")
                .unwrap_or_else(|| panic!("example {name} has no value"));
            out.push((name.clone(), value));
        }
    }
    out
}

/// Where `back` differs from `expected` (a JSON pointer and why), if anywhere. With `lenient`,
/// object fields that only `back` has are allowed (defaults filled in), and strings that hold
/// JSON are compared as the JSON they hold.
fn difference(expected: &Value, back: &Value, lenient: bool, at: &str) -> Option<String> {
    match (expected, back) {
        (Value::Object(e), Value::Object(b)) => {
            for (k, ev) in e {
                let here = format!("{at}/{k}");
                match b.get(k) {
                    None => return Some(format!("{here} is lost")),
                    Some(bv) => {
                        if let Some(d) = difference(ev, bv, lenient, &here) {
                            return Some(d);
                        }
                    }
                }
            }
            if !lenient && let Some(k) = b.keys().find(|k| !e.contains_key(*k)) {
                return Some(format!(
                    "{at}/{k} is written by the type but missing from the example"
                ));
            }
            None
        }
        (Value::Array(e), Value::Array(b)) => {
            if e.len() != b.len() {
                return Some(format!("{at} has {} items, not {}", b.len(), e.len()));
            }
            e.iter()
                .zip(b)
                .enumerate()
                .find_map(|(i, (ev, bv))| difference(ev, bv, lenient, &format!("{at}/{i}")))
        }
        (Value::String(e), Value::String(b)) if lenient && e != b => {
            match (
                serde_json::from_str::<Value>(e),
                serde_json::from_str::<Value>(b),
            ) {
                (Ok(ej @ (Value::Object(_) | Value::Array(_))), Ok(bj)) => {
                    difference(&ej, &bj, lenient, &format!("{at}(json)"))
                }
                _ => Some(format!("{at} is {b:?}, not {e:?}")),
            }
        }
        _ if expected == back => None,
        _ => Some(format!("{at} is {back}, not {expected}")),
    }
}

/// Reads `example` as a `T`, writes it back, and says what went wrong.
fn round_trip<T: Serialize + DeserializeOwned>(
    example: &Value,
    lenient: bool,
) -> Result<(), String> {
    let typed: T =
        serde_json::from_value(example.clone()).map_err(|e| format!("does not parse: {e}"))?;
    let back = serde_json::to_value(&typed).map_err(|e| format!("does not serialize: {e}"))?;
    match difference(example, &back, lenient, "") {
        None => Ok(()),
        Some(d) => Err(format!("does not round-trip: {d}")),
    }
}

/// An error string of the contract reads as the same error.
fn error_string(s: &Value) -> Result<(), String> {
    let text = s
        .as_str()
        .ok_or_else(|| format!("error {s} is not a string"))?;
    let parsed = ApiError::parse(text).to_string();
    if parsed == text {
        Ok(())
    } else {
        Err(format!("error {text:?} reads back as {parsed:?}"))
    }
}

/// Checks one answer envelope: errors are known strings and come without a result; a success
/// carries the call's answer.
fn envelope<A: Serialize + DeserializeOwned>(example: &Value) -> Result<bool, String> {
    let env: Envelope<Value> =
        serde_json::from_value(example.clone()).map_err(|e| format!("not an envelope: {e}"))?;
    if !env.error.is_empty() {
        env.error
            .iter()
            .try_for_each(|e| error_string(&Value::from(e.as_str())))?;
        return match env.result {
            None => Ok(false),
            Some(_) => Err("a failed envelope carries a result".into()),
        };
    }
    let result = env.result.ok_or("a success envelope has no result")?;
    round_trip::<A>(&result, false).map(|()| true)
}

struct ExampleCheck<'a> {
    spec: &'a Value,
    failures: Vec<String>,
    checked: usize,
}

impl CallVisitor for ExampleCheck<'_> {
    fn visit<C: Call>(&mut self) {
        let name = C::NAME.as_str();
        let path = format!("/0/org/{name}");
        let Some(op) = self.spec.pointer(&format!(
            "/paths/{}/post",
            path.replace('~', "~0").replace('/', "~1")
        )) else {
            self.failures
                .push(format!("{name}: no POST {path} in the contract"));
            return;
        };
        let requests = examples(
            self.spec,
            op.pointer("/requestBody/content/application~1x-www-form-urlencoded"),
        );
        if requests.is_empty() {
            self.failures.push(format!("{name}: no request example"));
        }
        for (example, value) in requests {
            let mut fields = value.clone();
            let nonce = fields
                .as_object_mut()
                .and_then(|m| m.remove("nonce"))
                .and_then(|n| n.as_str().and_then(|n| n.parse::<u64>().ok()));
            self.checked += 1;
            let outcome = match nonce {
                None => Err("has no nonce (a decimal string)".to_owned()),
                Some(_) => round_trip::<C::Params>(&fields, true),
            };
            if let Err(e) = outcome {
                self.failures
                    .push(format!("{name} request example `{example}`: {e}"));
            }
        }
        let answers = examples(
            self.spec,
            op.pointer("/responses/200/content/application~1json"),
        );
        let mut successes = 0;
        for (example, value) in answers {
            self.checked += 1;
            match envelope::<C::Answer>(value) {
                Ok(success) => successes += usize::from(success),
                Err(e) => self
                    .failures
                    .push(format!("{name} answer example `{example}`: {e}")),
            }
        }
        if successes == 0 {
            self.failures
                .push(format!("{name}: no example of a successful answer"));
        }
    }
}

#[test]
fn every_call_example_round_trips_through_its_types() {
    let spec = spec();
    let mut check = ExampleCheck {
        spec: &spec,
        failures: Vec::new(),
        checked: 0,
    };
    visit_calls(&mut check);
    assert!(
        check.failures.is_empty(),
        "{} of {} examples disagree with the wire types:\n{}",
        check.failures.len(),
        check.checked,
        check.failures.join("\n")
    );
    assert!(check.checked >= 2 * CallName::ALL.len());
}

#[test]
fn the_contracts_calls_are_the_tables() {
    let spec = spec();
    let paths = spec["paths"].as_object().expect("paths");
    // The event stream is a path of the contract but not a call: it answers events, not an
    // envelope (`countersign_orgapi::events`).
    assert!(
        paths.contains_key(countersign_orgapi::events::EVENTS_PATH),
        "the event stream is in the contract"
    );
    let in_spec: BTreeSet<&str> = paths
        .keys()
        .filter(|p| *p != countersign_orgapi::events::EVENTS_PATH)
        .filter_map(|p| p.strip_prefix("/0/org/"))
        .collect();
    let in_table: BTreeSet<&str> = CallName::ALL.iter().map(|c| c.as_str()).collect();
    let only_spec: Vec<_> = in_spec.difference(&in_table).collect();
    let only_table: Vec<_> = in_table.difference(&in_spec).collect();
    assert!(
        only_spec.is_empty() && only_table.is_empty(),
        "calls in docs/org-api.yaml but not in the table: {only_spec:?}; in the table but not in \
         docs/org-api.yaml: {only_table:?}"
    );
    let others: Vec<_> = paths.keys().filter(|p| !p.starts_with("/0/org/")).collect();
    assert_eq!(others, ["/0/public/Time"], "the contract's other paths");
}

/// The schemas whose own `examples` are whole values of a wire type, and how each is checked.
/// Schemas of plain strings and numbers (`Nonce`, `Decimal`, `UnixTime`, `DeviceKey`,
/// `StatementTime`, `Otp`, `WindowId`, `RequestReason`, `ContentHash`) carry examples of a single
/// field and are checked as such.
fn schema_example(schema: &str, example: &Value) -> Option<Result<(), String>> {
    use countersign_org::{Permissions, Policy, RequestPayload};
    Some(match schema {
        "RequestPayload" => round_trip::<RequestPayload>(example, true),
        "Policy" => round_trip::<Policy>(example, false),
        "Permissions" => round_trip::<Permissions>(example, false),
        "PayloadField" => round_trip::<JsonText<RequestPayload>>(example, true),
        "Envelope" | "ErrorEnvelope" => envelope::<Value>(example).map(drop),
        "ErrorString" | "OrgError" => error_string(example),
        "Nonce" => example
            .as_str()
            .and_then(|n| n.parse::<u64>().ok())
            .map(drop)
            .ok_or_else(|| "not a decimal u64".into()),
        "UnixTime" => example
            .as_i64()
            .map(drop)
            .ok_or_else(|| "not an integer".into()),
        "StatementTime" => example
            .as_str()
            .and_then(|n| n.parse::<i64>().ok())
            .map(drop)
            .ok_or_else(|| "not decimal seconds".into()),
        "ContentHash" => example
            .as_str()
            .filter(|h| h.len() == 64 && h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
            .map(drop)
            .ok_or_else(|| "not 64 lowercase hex digits".into()),
        "Decimal" | "DeviceKey" | "Otp" | "WindowId" => example
            .as_str()
            .map(drop)
            .ok_or_else(|| "not a string".into()),
        "RequestReason" => example
            .as_str()
            .filter(|r| {
                let r = r.trim();
                !r.is_empty() && r.chars().count() <= countersign_orgapi::params::MAX_REASON
            })
            .map(drop)
            .ok_or_else(|| "not a reason the server keeps (1 to 500 characters)".into()),
        _ => return None,
    })
}

#[test]
fn every_schema_example_is_a_value_of_its_type() {
    let spec = spec();
    let schemas = spec["components"]["schemas"].as_object().expect("schemas");
    let mut failures = Vec::new();
    for (schema, body) in schemas {
        let Some(list) = body.get("examples").and_then(Value::as_array) else {
            continue;
        };
        for (i, example) in list.iter().enumerate() {
            match schema_example(schema, example) {
                None => failures.push(format!(
                    "schema {schema} has examples but no wire type checks them"
                )),
                Some(Err(e)) => failures.push(format!("schema {schema} example {i}: {e}")),
                Some(Ok(())) => {}
            }
        }
    }
    // The candidate policies `PolicyDiff` takes, as form text.
    let policies = spec
        .pointer("/components/schemas/PolicyDiffForm/properties/policy/examples")
        .and_then(Value::as_array)
        .expect("PolicyDiffForm.policy examples");
    for (i, example) in policies.iter().enumerate() {
        if let Err(e) = round_trip::<JsonText<Option<countersign_org::Policy>>>(example, false) {
            failures.push(format!("PolicyDiffForm.policy example {i}: {e}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
