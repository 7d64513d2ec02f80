//! Parsing the REST routes' input: `GET /items`'s `limit` and `cursor`, and
//! `PUT /items/{id}`'s body. Errors are 400s that name the parameter.

use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use model::item::{self, Item};
use platform::ApiError;
use serde_json::{Map, Number, Value};

use super::{effective_limit, invalid, key, Create, Delete, Expressions, List, Read, MAX_LIMIT};

/// The key attribute of the managed table.
pub const ID: &str = platform::dynamo::MANAGER_TABLE.partition_key.name;

/// The key of the item `id` on the managed table.
pub fn id_key(id: &str) -> Item {
    Item::from([(ID.to_owned(), AttributeValue::S(id.to_owned()))])
}

/// `GET /items/{id}`: the item, strongly consistent.
pub fn get(id: &str) -> Read {
    Read {
        key: id_key(id),
        projection_expression: None,
        names: None,
        consistent_read: Some(true),
    }
}

/// `PUT /items/{id}`: store `item`, returning what it replaced.
pub fn put(item: Item) -> Create {
    Create {
        item,
        condition_expression: None,
        expressions: Expressions::default(),
        return_values: Some(ReturnValue::AllOld),
    }
}

/// `DELETE /items/{id}`: delete the item, returning what was there.
pub fn delete(id: &str) -> Delete {
    Delete {
        key: id_key(id),
        condition_expression: None,
        expressions: Expressions::default(),
        return_values: Some(ReturnValue::AllOld),
    }
}

/// `GET /items`: up to `limit` items from `start` on, strongly consistent
/// (read-your-writes, as a key/value API's users expect).
pub fn list(limit: i32, start: Option<Item>) -> List {
    List {
        limit,
        exclusive_start_key: start,
        consistent_read: Some(true),
        ..List::default()
    }
}

/// `?limit=`: 100 when absent or blank, else as [`effective_limit`].
pub fn limit(raw: Option<&str>) -> Result<i32, ApiError> {
    let limit = match raw.map(str::trim) {
        None | Some("") => None,
        Some(raw) => Some(raw.parse::<Number>().map_err(|_| {
            invalid(format!(
                "limit: must be a whole number from 1 to {MAX_LIMIT}, not {raw:?}"
            ))
        })?),
    };
    effective_limit(limit.as_ref(), "limit")
}

/// `?cursor=`: where the page starts; none when absent or blank.
pub fn cursor(raw: Option<&str>) -> Result<Option<Item>, ApiError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(cursor) => decode_cursor(cursor).map(Some),
    }
}

/// A page cursor: the LastEvaluatedKey as plain JSON, base64url-encoded.
pub fn encode_cursor(last_key: &Item) -> String {
    let json = Value::Object(item::from_item(last_key)).to_string();
    URL_SAFE_NO_PAD.encode(json)
}

pub fn decode_cursor(cursor: &str) -> Result<Item, ApiError> {
    let refuse = || invalid("cursor: not a cursor this API returned (use nextCursor as it is)");
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| refuse())?;
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(map)) if !map.is_empty() => key(&map, "cursor").map_err(|_| refuse()),
        _ => Err(refuse()),
    }
}

/// The body of `PUT /items/{id}`: a JSON object of the item's attributes,
/// whose `id`, if it has one, is the path's. Returns the attributes with
/// `id` set, as JSON (the answer) and as the item to store.
pub fn put_body(id: &str, body: &[u8]) -> Result<(Map<String, Value>, Item), ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request(
            "invalid_json",
            "the body is empty; send the item's attributes as a JSON object",
        ));
    }
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        ApiError::bad_request("invalid_json", format!("the body is not valid JSON: {e}"))
    })?;
    let Value::Object(mut attrs) = value else {
        return Err(invalid(format!(
            "body: expected a JSON object of the item's attributes, got {}",
            item::kind(&value)
        )));
    };
    match attrs.get(ID) {
        None => {
            attrs.insert(ID.to_owned(), Value::String(id.to_owned()));
        }
        Some(Value::String(s)) if s == id => {}
        Some(other) => {
            return Err(ApiError::bad_request(
                "id_mismatch",
                format!("body.{ID}: {other} differs from the id in the path, {id:?}"),
            ))
        }
    }
    let new_item = item::to_item(&attrs, "body").map_err(|e| invalid(e.to_string()))?;
    Ok((attrs, new_item))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::StatusCode;

    #[test]
    fn cursors_round_trip_and_junk_is_refused() {
        let key = id_key("a/b é");
        let cursor = encode_cursor(&key);
        assert!(cursor
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        assert_eq!(decode_cursor(&cursor).unwrap(), key);
        for junk in [
            "***",
            "e30",
            "WzFd",
            "bnVsbA",
            &URL_SAFE_NO_PAD.encode(r#"{"id":[1]}"#),
        ] {
            let e = decode_cursor(junk).unwrap_err();
            assert_eq!(e.status(), StatusCode::BAD_REQUEST, "{junk}");
        }
        assert_eq!(super::cursor(Some("  ")).unwrap(), None);
    }

    #[test]
    fn limits_and_put_bodies() {
        assert_eq!(limit(None).unwrap(), 100);
        assert_eq!(limit(Some(" 7 ")).unwrap(), 7);
        assert_eq!(limit(Some("5000")).unwrap(), 1000);
        for bad in ["x", "0", "1.5", "-2"] {
            assert_eq!(
                limit(Some(bad)).unwrap_err().code(),
                "invalid_request",
                "{bad}"
            );
        }
        let big = "12345678901234567890123456789012345678";
        let (attrs, item) = put_body("a", format!(r#"{{"n":{big}}}"#).as_bytes()).unwrap();
        assert_eq!(
            Value::Object(attrs).to_string(),
            format!(r#"{{"id":"a","n":{big}}}"#)
        );
        assert_eq!(item["id"], AttributeValue::S("a".into()));
        assert!(put_body("a", br#"{"id":"a"}"#).is_ok());
        let code = |body: &str| put_body("a", body.as_bytes()).unwrap_err().code();
        assert_eq!(code(" "), "invalid_json");
        assert_eq!(code("{"), "invalid_json");
        assert_eq!(code("[1]"), "invalid_request");
        assert_eq!(code(r#"{"id":"b"}"#), "id_mismatch");
        assert_eq!(code(r#"{"id":1}"#), "id_mismatch");
    }
}
