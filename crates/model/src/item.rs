//! Lossless conversion between plain JSON and DynamoDB attribute values.
//!
//! serde_dynamo is right for typed items, but it routes numbers through
//! `f64`/`i64`, which would round a 38-digit number or `0.1`. Here numbers
//! travel as their decimal text (serde_json's `arbitrary_precision`), so what
//! is written comes back digit for digit (DynamoDB itself drops trailing
//! zeros: `1.50` reads back as `1.5`; DynamoDB Local keeps the text).
//! [`as_stored`] is the form in which two documents compare as DynamoDB
//! stores them.
//!
//! | JSON                         | DynamoDB |
//! |------------------------------|----------|
//! | `null`                       | `NULL`   |
//! | `true` / `false`             | `BOOL`   |
//! | number                       | `N`      |
//! | string                       | `S`      |
//! | array                        | `L`      |
//! | object                       | `M`      |
//! | `{"$B": "<base64>"}`         | `B`      |
//! | `{"$SS": ["a", "b"]}`        | `SS`     |
//! | `{"$NS": [1, 2.5]}`          | `NS`     |
//! | `{"$BS": ["<base64>", ...]}` | `BS`     |
//!
//! An object with exactly one of those `$` keys is read as the tagged type.

use std::collections::HashMap;
use std::str::FromStr;

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use serde_json::{Map, Number, Value};

pub type Item = HashMap<String, AttributeValue>;

/// A value that cannot become an attribute, with the JSON path to it.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{path}: {message}")]
pub struct ItemError {
    pub path: String,
    pub message: String,
}

fn err(path: &str, message: impl Into<String>) -> ItemError {
    ItemError {
        path: path.to_owned(),
        message: message.into(),
    }
}

fn child(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// A JSON object as an item. `path` names it in errors (e.g. `payload.Item`).
pub fn to_item(object: &Map<String, Value>, path: &str) -> Result<Item, ItemError> {
    object
        .iter()
        .map(|(k, v)| Ok((k.clone(), to_attribute(v, &child(path, k))?)))
        .collect()
}

/// Like [`to_item`], for a value that must be a JSON object.
pub fn value_to_item(value: &Value, path: &str) -> Result<Item, ItemError> {
    match value {
        Value::Object(map) => to_item(map, path),
        other => Err(err(
            path,
            format!("expected an object, got {}", kind(other)),
        )),
    }
}

pub fn to_attribute(value: &Value, path: &str) -> Result<AttributeValue, ItemError> {
    Ok(match value {
        Value::Null => AttributeValue::Null(true),
        Value::Bool(b) => AttributeValue::Bool(*b),
        Value::Number(n) => AttributeValue::N(n.to_string()),
        Value::String(s) => AttributeValue::S(s.clone()),
        Value::Array(items) => AttributeValue::L(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| to_attribute(v, &format!("{path}[{i}]")))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(map) => match tagged(map, path)? {
            Some(av) => av,
            None => AttributeValue::M(to_item(map, path)?),
        },
    })
}

fn tagged(map: &Map<String, Value>, path: &str) -> Result<Option<AttributeValue>, ItemError> {
    let Some((tag, inner)) = map.iter().next().filter(|_| map.len() == 1) else {
        return Ok(None);
    };
    let path = &child(path, tag);
    Ok(Some(match tag.as_str() {
        "$B" => AttributeValue::B(blob(inner, path)?),
        "$SS" => AttributeValue::Ss(set_of(inner, path, string_member)?),
        "$NS" => AttributeValue::Ns(set_of(inner, path, number_member)?),
        "$BS" => AttributeValue::Bs(set_of(inner, path, blob)?),
        _ => return Ok(None),
    }))
}

/// The members of the set at `path` (a non-empty array), each converted by
/// `member` with its own path (`path[i]`).
fn set_of<T>(
    inner: &Value,
    path: &str,
    member: impl Fn(&Value, &str) -> Result<T, ItemError>,
) -> Result<Vec<T>, ItemError> {
    let items = match inner {
        Value::Array(items) if !items.is_empty() => items,
        Value::Array(_) => return Err(err(path, "a set cannot be empty")),
        other => return Err(err(path, format!("expected an array, got {}", kind(other)))),
    };
    items
        .iter()
        .enumerate()
        .map(|(i, v)| member(v, &format!("{path}[{i}]")))
        .collect()
}

/// A binary value: base64 text.
fn blob(v: &Value, path: &str) -> Result<Blob, ItemError> {
    match v {
        Value::String(s) => BASE64
            .decode(s)
            .map(Blob::new)
            .map_err(|_| err(path, "expected base64 text")),
        other => Err(err(
            path,
            format!("expected base64 text, got {}", kind(other)),
        )),
    }
}

/// A member of a string set.
fn string_member(v: &Value, path: &str) -> Result<String, ItemError> {
    match v {
        Value::String(s) => Ok(s.clone()),
        other => Err(err(path, format!("expected a string, got {}", kind(other)))),
    }
}

/// A member of a number set, digit for digit.
fn number_member(v: &Value, path: &str) -> Result<String, ItemError> {
    match v {
        Value::Number(n) => Ok(n.to_string()),
        other => Err(err(path, format!("expected a number, got {}", kind(other)))),
    }
}

/// An item as a plain JSON object.
pub fn from_item(item: &Item) -> Map<String, Value> {
    item.iter()
        .map(|(k, v)| (k.clone(), from_attribute(v)))
        .collect()
}

/// A page of items (a scan's or query's `Items`) as a JSON array of objects.
pub fn from_items(items: Option<Vec<Item>>) -> Value {
    Value::Array(
        items
            .unwrap_or_default()
            .iter()
            .map(|i| Value::Object(from_item(i)))
            .collect(),
    )
}

pub fn from_attribute(av: &AttributeValue) -> Value {
    let tag = |tag: &str, v: Value| Value::Object(Map::from_iter([(tag.to_owned(), v)]));
    match av {
        AttributeValue::Null(_) => Value::Null,
        AttributeValue::Bool(b) => Value::Bool(*b),
        AttributeValue::N(n) => number(n),
        AttributeValue::S(s) => Value::String(s.clone()),
        AttributeValue::L(items) => Value::Array(items.iter().map(from_attribute).collect()),
        AttributeValue::M(map) => Value::Object(from_item(map)),
        AttributeValue::B(b) => tag("$B", Value::String(BASE64.encode(b.as_ref()))),
        AttributeValue::Ss(items) => tag(
            "$SS",
            Value::Array(items.iter().cloned().map(Value::String).collect()),
        ),
        AttributeValue::Ns(items) => tag(
            "$NS",
            Value::Array(items.iter().map(|n| number(n)).collect()),
        ),
        AttributeValue::Bs(items) => tag(
            "$BS",
            Value::Array(
                items
                    .iter()
                    .map(|b| Value::String(BASE64.encode(b.as_ref())))
                    .collect(),
            ),
        ),
        _ => {
            tracing::warn!("unknown DynamoDB attribute type read as null");
            Value::Null
        }
    }
}

fn number(text: &str) -> Value {
    // DynamoDB only returns valid numbers; keep the text if one ever is not.
    Number::from_str(text)
        .map(Value::Number)
        .unwrap_or_else(|_| Value::String(text.to_owned()))
}

/// `value` as DynamoDB gives it back once stored: the item conversion
/// round trip with every number in [`stored_number`]'s form and every set
/// sorted (a set has no order). Two documents DynamoDB stores alike are
/// equal here, and only those. Errors as [`to_attribute`].
pub fn as_stored(value: &Value) -> Result<Value, ItemError> {
    Ok(from_attribute(&normalised(to_attribute(value, "")?)))
}

fn normalised(av: AttributeValue) -> AttributeValue {
    match av {
        AttributeValue::N(n) => AttributeValue::N(stored_number(&n)),
        AttributeValue::Ns(ns) => {
            let mut ns: Vec<String> = ns.iter().map(|n| stored_number(n)).collect();
            ns.sort();
            AttributeValue::Ns(ns)
        }
        AttributeValue::Ss(mut ss) => {
            ss.sort();
            AttributeValue::Ss(ss)
        }
        AttributeValue::Bs(mut bs) => {
            bs.sort_by(|a, b| a.as_ref().cmp(b.as_ref()));
            AttributeValue::Bs(bs)
        }
        AttributeValue::L(items) => AttributeValue::L(items.into_iter().map(normalised).collect()),
        AttributeValue::M(map) => {
            AttributeValue::M(map.into_iter().map(|(k, v)| (k, normalised(v))).collect())
        }
        other => other,
    }
}

/// A JSON number's text as DynamoDB returns it after storing it: the same
/// value in plain decimal notation, leading and trailing zeros trimmed
/// (Developer Guide, "Data types": numbers are variable length, "leading and
/// trailing zeroes are trimmed"): `1.50` is `1.5`, `1e2` is `100`, `-0.0`
/// is `0`. Values beyond DynamoDB's range (which it refuses) keep an
/// exponent, as `1.5e200`; text that is not a JSON number is returned as is.
/// Equal values give equal text, so comparing this form compares by exact
/// decimal value, whatever spelling the service returns (DynamoDB Local
/// returns the text as written).
pub fn stored_number(text: &str) -> String {
    let Some((negative, digits, exponent)) = decimal(text) else {
        return text.to_owned();
    };
    if digits.is_empty() {
        return "0".to_owned();
    }
    let sign = if negative { "-" } else { "" };
    let len = i64::try_from(digits.len()).unwrap_or(i64::MAX);
    // DynamoDB's range is 1e-130 to 9.99e125; the margin keeps text short.
    if !(-200..=200).contains(&exponent) || len + exponent > 200 {
        let (first, rest) = digits.split_at(1);
        let point = if rest.is_empty() { "" } else { "." };
        return format!("{sign}{first}{point}{rest}e{}", exponent + len - 1);
    }
    let point = len + exponent; // digits before the decimal point
    let zeros = |n: i64| "0".repeat(usize::try_from(n).unwrap_or(0));
    if exponent >= 0 {
        format!("{sign}{digits}{}", zeros(exponent))
    } else if point > 0 {
        let (int, frac) = digits.split_at(usize::try_from(point).unwrap_or(0));
        format!("{sign}{int}.{frac}")
    } else {
        format!("{sign}0.{}{digits}", zeros(-point))
    }
}

/// A JSON number as (negative, significant digits, exponent): the value is
/// digits x 10^exponent, the digits without leading or trailing zeros
/// (empty for zero). `None` if `text` is not a JSON number.
fn decimal(text: &str) -> Option<(bool, String, i64)> {
    let (negative, rest) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (mantissa, exponent) = match rest.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.parse::<i64>().ok()?),
        None => (rest, 0),
    };
    let (int, frac) = match mantissa.split_once('.') {
        Some((_, "")) => return None,
        Some(parts) => parts,
        None => (mantissa, ""),
    };
    let digits_only = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || !digits_only(int) || !digits_only(frac) {
        return None;
    }
    let all = format!("{int}{frac}");
    let significant = all.trim_end_matches('0');
    let trailing = all.len() - significant.len();
    let exponent = exponent
        .checked_sub(i64::try_from(frac.len()).ok()?)?
        .checked_add(i64::try_from(trailing).ok()?)?;
    let significant = significant.trim_start_matches('0');
    if significant.is_empty() {
        return Some((false, String::new(), 0));
    }
    Some((negative, significant.to_owned(), exponent))
}

pub fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn round_trip(v: &Value) -> Value {
        from_attribute(&to_attribute(v, "v").unwrap())
    }

    #[test]
    fn numbers_keep_every_digit() {
        let big = "12345678901234567890123456789012345678";
        let v: Value =
            serde_json::from_str(&format!("[{big}, 0.1, 0.125, -7, 9007199254740993]")).unwrap();
        let av = to_attribute(&v, "v").unwrap();
        let AttributeValue::L(items) = &av else {
            panic!("{av:?}")
        };
        assert_eq!(items[0], AttributeValue::N(big.into()));
        assert_eq!(items[1], AttributeValue::N("0.1".into()));
        assert_eq!(
            serde_json::to_string(&from_attribute(&av)).unwrap(),
            format!("[{big},0.1,0.125,-7,9007199254740993]")
        );
    }

    #[test]
    fn stored_numbers_are_dynamodbs_form() {
        for (written, stored) in [
            ("1.50", "1.5"),
            ("1.5", "1.5"),
            ("100", "100"),
            ("1e2", "100"),
            ("1E+2", "100"),
            ("1000e-1", "100"),
            ("-0", "0"),
            ("-0.000", "0"),
            ("0.0", "0"),
            ("007", "7"),
            ("-1.5e-3", "-0.0015"),
            ("0.10", "0.1"),
            ("12.3400e1", "123.4"),
            (
                "12345678901234567890123456789012345678",
                "12345678901234567890123456789012345678",
            ),
            ("1.2e300", "1.2e300"),
            ("1e-300", "1e-300"),
        ] {
            assert_eq!(stored_number(written), stored, "{written}");
        }
        for not_a_number in ["", "-", "1.", "abc", ".5", "1e", "1e99999999999999999999"] {
            assert_eq!(stored_number(not_a_number), not_a_number);
        }
    }

    #[test]
    fn documents_stored_alike_are_equal_as_stored() {
        let parse = |t: &str| serde_json::from_str::<Value>(t).unwrap();
        let a = parse(r#"{"e": [{"gpa": 3.80, "x": [1e2, "a"], "s": {"$SS": ["b", "a"]}}]}"#);
        let b = parse(r#"{"e": [{"gpa": 3.8, "x": [100, "a"], "s": {"$SS": ["a", "b"]}}]}"#);
        assert_ne!(a, b);
        assert_eq!(as_stored(&a).unwrap(), as_stored(&b).unwrap());
        for different in [
            r#"{"e": [{"gpa": 3.9, "x": [100, "a"], "s": {"$SS": ["a", "b"]}}]}"#,
            r#"{"e": [{"gpa": 3.8, "x": [100], "s": {"$SS": ["a", "b"]}}]}"#,
            r#"{"e": [{"gpa": 3.8, "x": ["100", "a"], "s": {"$SS": ["a", "b"]}}]}"#,
        ] {
            assert_ne!(
                as_stored(&a).unwrap(),
                as_stored(&parse(different)).unwrap()
            );
        }
        // 38 digits are kept exactly: no rounding into equality.
        let big = parse("[12345678901234567890123456789012345678]");
        let next = parse("[12345678901234567890123456789012345679]");
        assert_ne!(as_stored(&big).unwrap(), as_stored(&next).unwrap());
    }

    #[test]
    fn plain_json_round_trips() {
        let v = json!({
            "s": "Zoë 👩🏽‍💻", "empty": "", "list": [[], [1, [2, "x"]], {}], "n": null,
            "t": true, "f": false, "m": {"deep": {"er": [null]}}
        });
        assert_eq!(round_trip(&v), v);
    }

    #[test]
    fn tagged_types_round_trip() {
        let v = json!({
            "b": {"$B": "aGVsbG8="},
            "ss": {"$SS": ["a", "b"]},
            "ns": {"$NS": [1, 2.5]},
            "bs": {"$BS": ["aGk=", "eW8="]}
        });
        let item = value_to_item(&v, "Item").unwrap();
        assert_eq!(item["b"], AttributeValue::B(Blob::new(b"hello".to_vec())));
        assert_eq!(
            item["ns"],
            AttributeValue::Ns(vec!["1".into(), "2.5".into()])
        );
        assert_eq!(Value::Object(from_item(&item)), v);
    }

    #[test]
    fn an_object_with_other_keys_is_a_plain_map() {
        let v = json!({"$SS": ["a"], "other": 1});
        assert!(matches!(
            to_attribute(&v, "v").unwrap(),
            AttributeValue::M(_)
        ));
    }

    #[test]
    fn errors_name_the_path() {
        let v = json!({"Key": {"tags": {"$SS": ["a", 3]}}});
        let e = value_to_item(&v, "payload").unwrap_err();
        assert_eq!(e.path, "payload.Key.tags.$SS[1]");
        let e = value_to_item(&json!({"x": {"$NS": []}}), "payload.Item").unwrap_err();
        assert_eq!(e.to_string(), "payload.Item.x.$NS: a set cannot be empty");
        let e = value_to_item(&json!({"x": {"$B": "***"}}), "p").unwrap_err();
        assert_eq!(e.path, "p.x.$B");
        let e = value_to_item(&json!([1]), "payload.Item").unwrap_err();
        assert_eq!(
            e.to_string(),
            "payload.Item: expected an object, got an array"
        );
    }
}
