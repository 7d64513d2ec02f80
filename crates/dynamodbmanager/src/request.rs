//! Parsing `POST /dynamodbmanager` bodies: the envelope
//! `{"operation", "tableName", "payload"}` and each operation's payload, which
//! uses the keys of boto3's `Table` methods with values in plain JSON.
//!
//! Everything a client can get wrong is found here, before any DynamoDB
//! call, and answered with a 400 that names the field path
//! (`payload.Key.id: ...`). Values become attributes through
//! [`model::item`], so numbers keep every digit.

pub mod items;

use std::collections::HashMap;

use aws_sdk_dynamodb::types::ReturnValue;
use model::item::{self, Item, ItemError};
use platform::ApiError;
use serde::de::value::StrDeserializer;
use serde::de::{DeserializeOwned, IntoDeserializer};
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Number, Value};

/// Every operation, in the order error messages list them.
pub const OPERATIONS: [&str; 7] = ["create", "read", "update", "delete", "list", "echo", "ping"];

/// `list` returns this many items when the payload names no `Limit`.
pub const DEFAULT_LIMIT: i32 = 100;
/// A larger `Limit` is lowered to this.
pub const MAX_LIMIT: i32 = 1000;

/// The outer object of every request.
#[derive(Debug, Deserialize)]
#[serde(expecting = "a JSON object such as {\"operation\": \"read\", \"payload\": {...}}")]
pub struct Envelope {
    pub operation: String,
    #[serde(rename = "tableName", default)]
    pub table_name: Option<String>,
    #[serde(default)]
    pub payload: Option<Value>,
}

/// The `operation` of the envelope, by its lowercase name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Operation {
    Create,
    Read,
    Update,
    Delete,
    List,
    Echo,
    Ping,
}

impl Operation {
    /// The operation named `name`. The envelope reads `operation` as a
    /// string, so that any other shape error is found first and an unknown
    /// name gets its own code.
    pub fn parse(name: &str) -> Result<Self, ApiError> {
        let de: StrDeserializer<'_, serde::de::value::Error> = name.into_deserializer();
        Self::deserialize(de).map_err(|_| {
            ApiError::bad_request(
                "unknown_operation",
                format!(
                    "unknown operation {name:?}; valid operations are: {}",
                    OPERATIONS.join(", ")
                ),
            )
        })
    }

    /// Whether the operation reads or writes a table (`echo` and `ping` do not).
    pub fn uses_table(self) -> bool {
        !matches!(self, Self::Echo | Self::Ping)
    }
}

/// A checked request, ready to send.
#[derive(Debug)]
pub enum Command {
    Create(Create),
    Read(Read),
    Update(Update),
    Delete(Delete),
    List(List),
    Echo(Value),
    Ping,
}

/// Expression attribute names and values; empty maps are left out, since
/// DynamoDB refuses them.
#[derive(Debug, Default)]
pub struct Expressions {
    pub names: Option<HashMap<String, String>>,
    pub values: Option<Item>,
}

#[derive(Debug)]
pub struct Create {
    pub item: Item,
    pub condition_expression: Option<String>,
    pub expressions: Expressions,
    pub return_values: Option<ReturnValue>,
}

#[derive(Debug)]
pub struct Read {
    pub key: Item,
    pub projection_expression: Option<String>,
    pub names: Option<HashMap<String, String>>,
    pub consistent_read: Option<bool>,
}

#[derive(Debug)]
pub struct Update {
    pub key: Item,
    pub update_expression: Option<String>,
    pub condition_expression: Option<String>,
    pub expressions: Expressions,
    pub return_values: Option<ReturnValue>,
}

#[derive(Debug)]
pub struct Delete {
    pub key: Item,
    pub condition_expression: Option<String>,
    pub expressions: Expressions,
    pub return_values: Option<ReturnValue>,
}

#[derive(Debug, Default)]
pub struct List {
    pub limit: i32,
    pub exclusive_start_key: Option<Item>,
    pub filter_expression: Option<String>,
    pub projection_expression: Option<String>,
    pub expressions: Expressions,
    pub consistent_read: Option<bool>,
}

/// The `ReturnValues` put_item and delete_item accept.
const WRITE_RETURNS: &[ReturnValue] = &[ReturnValue::None, ReturnValue::AllOld];

/// The `ReturnValues` update_item accepts.
const UPDATE_RETURNS: &[ReturnValue] = &[
    ReturnValue::None,
    ReturnValue::AllOld,
    ReturnValue::UpdatedOld,
    ReturnValue::AllNew,
    ReturnValue::UpdatedNew,
];

/// `ReturnValues` as the SDK's enum; a name it does not know becomes
/// `ReturnValue::Unknown`, which [`allowed_return`] refuses.
fn return_value<'de, D: Deserializer<'de>>(de: D) -> Result<Option<ReturnValue>, D::Error> {
    Ok(Option::<String>::deserialize(de)?.map(|name| ReturnValue::from(name.as_str())))
}

/// `ReturnValues` if the operation accepts it, else a 400 worded as serde
/// words an unknown variant.
fn allowed_return(
    value: Option<ReturnValue>,
    allowed: &[ReturnValue],
) -> Result<Option<ReturnValue>, ApiError> {
    match value {
        Some(v) if !allowed.contains(&v) => {
            let names: Vec<String> = allowed
                .iter()
                .map(|a| format!("`{}`", a.as_str()))
                .collect();
            let expected = match names.as_slice() {
                [one] => one.clone(),
                [a, b] => format!("{a} or {b}"),
                _ => format!("one of {}", names.join(", ")),
            };
            Err(invalid(format!(
                "payload.ReturnValues: unknown variant `{}`, expected {expected}",
                v.as_str()
            )))
        }
        value => Ok(value),
    }
}

type Names = Option<HashMap<String, String>>;
type Values = Option<Map<String, Value>>;

/// The payload of a write (create, update, delete): its own fields, then
/// the condition, expression attributes and `ReturnValues` all three take.
/// Unknown fields are refused, with the list serde derives from the fields.
macro_rules! write_payload {
    ($name:ident, $expecting:literal, { $($field:ident: $ty:ty),* $(,)? }) => {
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase", deny_unknown_fields, expecting = $expecting)]
        struct $name {
            $($field: $ty,)*
            #[serde(default)]
            condition_expression: Option<String>,
            #[serde(default)]
            expression_attribute_names: Names,
            #[serde(default)]
            expression_attribute_values: Values,
            #[serde(default, deserialize_with = "return_value")]
            return_values: Option<ReturnValue>,
        }
    };
}

write_payload!(
    CreatePayload,
    "an object with Item and optional ConditionExpression, ExpressionAttributeNames, ExpressionAttributeValues, ReturnValues",
    { item: Map<String, Value> }
);

write_payload!(
    UpdatePayload,
    "an object with Key, UpdateExpression and optional ConditionExpression, ExpressionAttributeNames, ExpressionAttributeValues, ReturnValues",
    { key: Map<String, Value>, update_expression: Option<String> }
);

write_payload!(
    DeletePayload,
    "an object with Key and optional ConditionExpression, ExpressionAttributeNames, ExpressionAttributeValues, ReturnValues",
    { key: Map<String, Value> }
);

#[derive(Deserialize)]
#[serde(
    rename_all = "PascalCase",
    deny_unknown_fields,
    expecting = "an object with Key and optional ProjectionExpression, ExpressionAttributeNames, ConsistentRead"
)]
struct ReadPayload {
    key: Map<String, Value>,
    #[serde(default)]
    projection_expression: Option<String>,
    #[serde(default)]
    expression_attribute_names: Names,
    #[serde(default)]
    consistent_read: Option<bool>,
}

#[derive(Default, Deserialize)]
#[serde(
    rename_all = "PascalCase",
    deny_unknown_fields,
    expecting = "an object with optional Limit, ExclusiveStartKey, FilterExpression, ProjectionExpression, ExpressionAttributeNames, ExpressionAttributeValues, ConsistentRead"
)]
struct ListPayload {
    #[serde(default)]
    limit: Option<Number>,
    #[serde(default)]
    exclusive_start_key: Option<Map<String, Value>>,
    #[serde(default)]
    filter_expression: Option<String>,
    #[serde(default)]
    projection_expression: Option<String>,
    #[serde(default)]
    expression_attribute_names: Names,
    #[serde(default)]
    expression_attribute_values: Values,
    #[serde(default)]
    consistent_read: Option<bool>,
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::bad_request("invalid_request", message)
}

fn item_error(e: ItemError) -> ApiError {
    invalid(e.to_string())
}

/// `prefix` joined with serde_path_to_error's path (`.` is the root; the
/// envelope's root is the body).
fn join_path(prefix: &str, path: &str) -> String {
    match (prefix, path) {
        ("", ".") => "body".to_owned(),
        (p, ".") => p.to_owned(),
        ("", p) => p.to_owned(),
        (prefix, p) if p.starts_with('[') => format!("{prefix}{p}"),
        (prefix, p) => format!("{prefix}.{p}"),
    }
}

/// A deserialisation error as a 400. Only the envelope is read from text,
/// so only there can it be a JSON syntax error.
fn shape_error(prefix: &str, e: serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    let path = join_path(prefix, &e.path().to_string());
    let inner = e.into_inner();
    if prefix.is_empty()
        && matches!(
            inner.classify(),
            serde_json::error::Category::Syntax | serde_json::error::Category::Eof
        )
    {
        ApiError::bad_request(
            "invalid_json",
            format!("the body is not valid JSON: {inner}"),
        )
    } else {
        invalid(format!("{path}: {inner}"))
    }
}

/// Reads the envelope from the raw body bytes, whatever the Content-Type.
pub fn parse(body: &[u8]) -> Result<Envelope, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request(
            "invalid_json",
            "the body is empty; send a JSON object such as {\"operation\": \"ping\"}",
        ));
    }
    // serde would read a struct from an array too; only an object will do.
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    if first != Some(&b'{') {
        return Err(match serde_json::from_slice::<serde::de::IgnoredAny>(body) {
            Err(e) => {
                ApiError::bad_request("invalid_json", format!("the body is not valid JSON: {e}"))
            }
            Ok(_) => invalid(
                "body: expected a JSON object such as {\"operation\": \"read\", \"payload\": {...}}",
            ),
        });
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    let envelope: Envelope =
        serde_path_to_error::deserialize(&mut de).map_err(|e| shape_error("", e))?;
    de.end().map_err(|e| {
        ApiError::bad_request("invalid_json", format!("the body is not valid JSON: {e}"))
    })?;
    Ok(envelope)
}

fn payload<T: DeserializeOwned>(op: &str, payload: Option<Value>) -> Result<T, ApiError> {
    let value = match payload {
        Some(value @ Value::Object(_)) => value,
        Some(other) => {
            return Err(invalid(format!(
                "payload: expected an object, got {}",
                item::kind(&other)
            )))
        }
        None => {
            return Err(invalid(format!(
                "payload: the {op} operation needs a payload object"
            )))
        }
    };
    serde_path_to_error::deserialize(value).map_err(|e| shape_error("payload", e))
}

/// A `Key` (or `ExclusiveStartKey`): key attributes are strings, numbers or
/// binary, so anything else is refused here with its path.
pub fn key(map: &Map<String, Value>, path: &str) -> Result<Item, ApiError> {
    for (name, value) in map {
        let ok = match value {
            Value::String(_) | Value::Number(_) => true,
            Value::Object(o) => o.len() == 1 && o.contains_key("$B"),
            _ => false,
        };
        if !ok {
            return Err(invalid(format!(
                "{path}.{name}: a key attribute must be a string, a number or {{\"$B\": base64}}, not {}",
                item::kind(value)
            )));
        }
    }
    item::to_item(map, path).map_err(item_error)
}

fn expressions(names: Names, values: Values) -> Result<Expressions, ApiError> {
    let values = match values {
        Some(v) if !v.is_empty() => {
            Some(item::to_item(&v, "payload.ExpressionAttributeValues").map_err(item_error)?)
        }
        _ => None,
    };
    Ok(Expressions {
        names: names.filter(|n| !n.is_empty()),
        values,
    })
}

/// `Limit` as sent to DynamoDB: 100 when absent, at most 1000 (a larger
/// one is lowered to 1000), and a whole number of at least 1.
pub fn effective_limit(limit: Option<&Number>, path: &str) -> Result<i32, ApiError> {
    let Some(n) = limit else {
        return Ok(DEFAULT_LIMIT);
    };
    // Digits only: no sign, fraction or exponent.
    let text = n.to_string();
    if text.is_empty()
        || !text.bytes().all(|b| b.is_ascii_digit())
        || text.bytes().all(|b| b == b'0')
    {
        return Err(invalid(format!(
            "{path}: must be a whole number from 1 to {MAX_LIMIT} (larger ones are lowered to {MAX_LIMIT}), not {text}"
        )));
    }
    Ok(text.parse::<i32>().map_or(MAX_LIMIT, |n| n.min(MAX_LIMIT)))
}

/// Checks an operation's payload and converts its values to attributes.
pub fn command(op: Operation, raw: Option<Value>) -> Result<Command, ApiError> {
    match op {
        Operation::Ping => Ok(Command::Ping),
        Operation::Echo => Ok(Command::Echo(raw.unwrap_or(Value::Null))),
        Operation::Create => create(raw).map(Command::Create),
        Operation::Read => read(raw).map(Command::Read),
        Operation::Update => update(raw).map(Command::Update),
        Operation::Delete => delete(raw).map(Command::Delete),
        Operation::List => list(raw).map(Command::List),
    }
}

fn create(raw: Option<Value>) -> Result<Create, ApiError> {
    let p: CreatePayload = payload("create", raw)?;
    let return_values = allowed_return(p.return_values, WRITE_RETURNS)?;
    Ok(Create {
        item: item::to_item(&p.item, "payload.Item").map_err(item_error)?,
        condition_expression: p.condition_expression,
        expressions: expressions(p.expression_attribute_names, p.expression_attribute_values)?,
        return_values,
    })
}

fn read(raw: Option<Value>) -> Result<Read, ApiError> {
    let p: ReadPayload = payload("read", raw)?;
    Ok(Read {
        key: key(&p.key, "payload.Key")?,
        projection_expression: p.projection_expression,
        names: p.expression_attribute_names.filter(|n| !n.is_empty()),
        consistent_read: p.consistent_read,
    })
}

fn update(raw: Option<Value>) -> Result<Update, ApiError> {
    let p: UpdatePayload = payload("update", raw)?;
    let return_values = allowed_return(p.return_values, UPDATE_RETURNS)?;
    Ok(Update {
        key: key(&p.key, "payload.Key")?,
        update_expression: p.update_expression,
        condition_expression: p.condition_expression,
        expressions: expressions(p.expression_attribute_names, p.expression_attribute_values)?,
        return_values,
    })
}

fn delete(raw: Option<Value>) -> Result<Delete, ApiError> {
    let p: DeletePayload = payload("delete", raw)?;
    let return_values = allowed_return(p.return_values, WRITE_RETURNS)?;
    Ok(Delete {
        key: key(&p.key, "payload.Key")?,
        condition_expression: p.condition_expression,
        expressions: expressions(p.expression_attribute_names, p.expression_attribute_values)?,
        return_values,
    })
}

fn list(raw: Option<Value>) -> Result<List, ApiError> {
    // `list` alone (no payload, or null) scans with the defaults.
    let p: ListPayload = match raw {
        None => ListPayload::default(),
        raw => payload("list", raw)?,
    };
    Ok(List {
        limit: effective_limit(p.limit.as_ref(), "payload.Limit")?,
        exclusive_start_key: p
            .exclusive_start_key
            .map(|k| key(&k, "payload.ExclusiveStartKey"))
            .transpose()?,
        filter_expression: p.filter_expression,
        projection_expression: p.projection_expression,
        expressions: expressions(p.expression_attribute_names, p.expression_attribute_values)?,
        consistent_read: p.consistent_read,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_dynamodb::types::AttributeValue;

    fn parse_command(body: &str) -> Result<Command, ApiError> {
        let envelope = parse(body.as_bytes())?;
        let op = Operation::parse(&envelope.operation)?;
        command(op, envelope.payload)
    }

    fn message(e: ApiError) -> (&'static str, String) {
        (e.code(), e.to_string())
    }

    #[test]
    fn numbers_reach_the_attribute_with_every_digit() {
        let big = "12345678901234567890123456789012345678";
        let body = format!(
            r#"{{"operation":"create","payload":{{"Item":{{"id":"n","big":{big},"tenth":0.1,"list":[{big}],"set":{{"$NS":[{big},0.1]}}}}}}}}"#
        );
        let Command::Create(c) = parse_command(&body).unwrap() else {
            panic!()
        };
        assert_eq!(c.item["big"], AttributeValue::N(big.into()));
        assert_eq!(c.item["tenth"], AttributeValue::N("0.1".into()));
        assert_eq!(
            c.item["list"],
            AttributeValue::L(vec![AttributeValue::N(big.into())])
        );
        assert_eq!(
            c.item["set"],
            AttributeValue::Ns(vec![big.into(), "0.1".into()])
        );
        // Values of expressions and the echo payload too.
        let body = format!(
            r#"{{"operation":"update","payload":{{"Key":{{"id":"n"}},"UpdateExpression":"SET v = :v","ExpressionAttributeValues":{{":v":{big}}}}}}}"#
        );
        let Command::Update(u) = parse_command(&body).unwrap() else {
            panic!()
        };
        assert_eq!(
            u.expressions.values.unwrap()[":v"],
            AttributeValue::N(big.into())
        );
        let body = format!(r#"{{"operation":"echo","payload":{{"x":[{big},0.1]}}}}"#);
        let Command::Echo(v) = parse_command(&body).unwrap() else {
            panic!()
        };
        assert_eq!(
            serde_json::to_string(&v).unwrap(),
            format!(r#"{{"x":[{big},0.1]}}"#)
        );
    }

    #[test]
    fn unknown_operations_list_the_valid_ones() {
        let (code, msg) = message(parse_command(r#"{"operation":"drop"}"#).unwrap_err());
        assert_eq!(code, "unknown_operation");
        assert!(msg.contains("\"drop\""), "{msg}");
        for op in OPERATIONS {
            assert!(msg.contains(op), "{msg}");
        }
        // Case matters, as in the original.
        assert!(parse_command(r#"{"operation":"PING"}"#).is_err());
        // The listed names are exactly the ones that parse.
        for op in OPERATIONS {
            assert!(Operation::parse(op).is_ok(), "{op}");
        }
        assert_eq!(Operation::parse("list").unwrap(), Operation::List);
    }

    #[test]
    fn wrong_shapes_name_the_field_path() {
        let cases = [
            (r#"{"payload":{}}"#, "body: missing field `operation`"),
            (r#"{"operation":5}"#, "operation: invalid type: integer `5`"),
            (r#"[1]"#, "body: expected a JSON object"),
            (r#"  "read""#, "body: expected a JSON object"),
            (r#"{"operation":"read","tableName":[]}"#, "tableName: invalid type"),
            (r#"{"operation":"read"}"#, "payload: the read operation needs a payload"),
            (r#"{"operation":"read","payload":[]}"#, "payload: expected an object, got an array"),
            (r#"{"operation":"list","payload":"x"}"#, "payload: expected an object, got a string"),
            (r#"{"operation":"read","payload":{}}"#, "payload: missing field `Key`"),
            (r#"{"operation":"read","payload":{"Key":"x"}}"#, "payload.Key: invalid type: string"),
            (
                r#"{"operation":"read","payload":{"Key":{"id":[1]}}}"#,
                "payload.Key.id: a key attribute must be a string, a number or {\"$B\": base64}, not an array",
            ),
            (
                r#"{"operation":"read","payload":{"Key":{"id":{"$B":"***"}}}}"#,
                "payload.Key.id.$B: expected base64 text",
            ),
            (
                r#"{"operation":"read","payload":{"Key":{"id":"x"},"ConsistentRead":"yes"}}"#,
                "payload.ConsistentRead: invalid type: string",
            ),
            (
                r#"{"operation":"create","payload":{"Item":{"id":"x","s":{"$SS":[]}}}}"#,
                "payload.Item.s.$SS: a set cannot be empty",
            ),
            (
                r#"{"operation":"create","payload":{"Item":{"id":"x"},"ReturnValues":"ALL_NEW"}}"#,
                "payload.ReturnValues: unknown variant `ALL_NEW`, expected `NONE` or `ALL_OLD`",
            ),
            (
                r#"{"operation":"delete","payload":{"Key":{"id":"x"},"ReturnValues":"all_old"}}"#,
                "payload.ReturnValues: unknown variant `all_old`, expected `NONE` or `ALL_OLD`",
            ),
            (
                r#"{"operation":"update","payload":{"Key":{"id":"x"},"ReturnValues":"NEW"}}"#,
                "payload.ReturnValues: unknown variant `NEW`, expected one of `NONE`, `ALL_OLD`, `UPDATED_OLD`, `ALL_NEW`, `UPDATED_NEW`",
            ),
            (
                r#"{"operation":"create","payload":{"Item":{"id":"x"},"ReturnValues":1}}"#,
                "payload.ReturnValues: invalid type: number, expected a string",
            ),
            (
                r#"{"operation":"create","payload":{"Item":{"id":"x"},"Expected":{}}}"#,
                "unknown field `Expected`",
            ),
            (
                r#"{"operation":"update","payload":{"Key":{"id":"x"},"ExpressionAttributeValues":{":v":{"$NS":["1"]}}}}"#,
                "payload.ExpressionAttributeValues.:v.$NS[0]: expected a number, got a string",
            ),
            (
                r##"{"operation":"update","payload":{"Key":{"id":"x"},"ExpressionAttributeNames":{"#a":1}}}"##,
                "payload.ExpressionAttributeNames.#a: invalid type: number, expected a string",
            ),
            (r#"{"operation":"list","payload":{"Limit":0}}"#, "payload.Limit: must be a whole number from 1 to 1000"),
            (r#"{"operation":"list","payload":{"Limit":-1}}"#, "payload.Limit: must be a whole number from 1 to 1000"),
            (r#"{"operation":"list","payload":{"Limit":2.5}}"#, "payload.Limit: must be a whole number from 1 to 1000"),
            (r#"{"operation":"list","payload":{"Limit":1e3}}"#, "payload.Limit: must be a whole number"),
            (r#"{"operation":"list","payload":{"Limit":"5"}}"#, "payload.Limit: invalid type: string \"5\""),
            (
                r#"{"operation":"list","payload":{"ExclusiveStartKey":{"id":null}}}"#,
                "payload.ExclusiveStartKey.id: a key attribute must be",
            ),
        ];
        for (body, expected) in cases {
            let (code, msg) = message(parse_command(body).unwrap_err());
            assert_eq!(code, "invalid_request", "{body}: {msg}");
            assert!(
                msg.starts_with(expected) || msg.contains(expected),
                "{body}: {msg}"
            );
        }
    }

    #[test]
    fn bodies_that_are_not_json_are_invalid_json() {
        for body in [
            "",
            "  \n",
            "{",
            "{\"operation\":\"ping\"} trailing",
            "operation=ping",
            "\u{1}",
        ] {
            let (code, _) = message(parse(body.as_bytes()).unwrap_err());
            assert_eq!(code, "invalid_json", "{body:?}");
        }
        let (code, m) = message(parse(b"{\"operation\":\"\xff\"}").unwrap_err());
        assert_eq!(code, "invalid_json", "{m}");
        // Nesting past serde_json's limit is refused, not overflowed.
        let deep = format!(
            r#"{{"operation":"echo","payload":{}{}}}"#,
            "[".repeat(5000),
            "]".repeat(5000)
        );
        let (code, _) = message(parse(deep.as_bytes()).unwrap_err());
        assert_eq!(code, "invalid_json");
        let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
        let (code, _) = message(parse(deep.as_bytes()).unwrap_err());
        assert_eq!(code, "invalid_request");
    }

    #[test]
    fn optional_parts_and_defaults() {
        let e = parse(br#"{"operation":"list","extra":"ignored","tableName":null}"#).unwrap();
        assert_eq!(e.table_name, None);
        for body in [
            r#"{"operation":"list"}"#,
            r#"{"operation":"list","payload":null}"#,
            r#"{"operation":"list","payload":{}}"#,
        ] {
            let Command::List(l) = parse_command(body).unwrap() else {
                panic!()
            };
            assert_eq!(l.limit, DEFAULT_LIMIT);
            assert!(l.exclusive_start_key.is_none());
        }
        let Command::Echo(v) = parse_command(r#"{"operation":"echo"}"#).unwrap() else {
            panic!()
        };
        assert_eq!(v, Value::Null);
        assert!(matches!(
            parse_command(r#"{"operation":"ping","payload":[1]}"#).unwrap(),
            Command::Ping
        ));
        // Empty expression maps are dropped rather than sent.
        let Command::Delete(d) = parse_command(
            r#"{"operation":"delete","payload":{"Key":{"id":"x"},"ExpressionAttributeNames":{},"ExpressionAttributeValues":{},"ReturnValues":"ALL_OLD"}}"#,
        )
        .unwrap() else {
            panic!()
        };
        assert!(d.expressions.names.is_none() && d.expressions.values.is_none());
        assert_eq!(d.return_values, Some(ReturnValue::AllOld));
    }

    #[test]
    fn limit_is_capped() {
        let n = |text: &str| -> Number { serde_json::from_str(text).unwrap() };
        assert_eq!(effective_limit(None, "l").unwrap(), 100);
        assert_eq!(effective_limit(Some(&n("1")), "l").unwrap(), 1);
        assert_eq!(effective_limit(Some(&n("1000")), "l").unwrap(), 1000);
        assert_eq!(effective_limit(Some(&n("1001")), "l").unwrap(), 1000);
        assert_eq!(
            effective_limit(Some(&n("123456789012345678901234567890")), "l").unwrap(),
            1000
        );
        for bad in ["0", "-1", "1.0", "2e2", "-0"] {
            assert!(effective_limit(Some(&n(bad)), "l").is_err(), "{bad}");
        }
    }

    #[test]
    fn paths_join() {
        assert_eq!(join_path("payload", "."), "payload");
        assert_eq!(join_path("payload", "Key.id"), "payload.Key.id");
        assert_eq!(join_path("payload", "[0]"), "payload[0]");
        assert_eq!(join_path("", "operation"), "operation");
        assert_eq!(join_path("", "."), "body");
    }
}
