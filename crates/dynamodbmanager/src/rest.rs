//! The REST routes over the managed table, in the style of the common Go
//! key/value API: `GET /items`, `GET|PUT|DELETE /items/{id}`. Items are
//! plain JSON objects whose `id` is the key (see `model::item` for sets and
//! binary).

use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use platform::dynamo::MANAGER_TABLE;
use platform::http::json_response;
use model::item::{self, Item};
use model::{ApiError, ApiResult};
use http::StatusCode;
use serde::Deserialize;
use serde_json::{Map, Number, Value};

use crate::request::{effective_limit, key, MAX_LIMIT};
use crate::AppState;

const ID: &str = MANAGER_TABLE.partition_key.name;

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::bad_request("invalid_request", message)
}

fn json(status: StatusCode, value: &Value) -> ApiResult<Response> {
    let body = serde_json::to_vec(value).map_err(|e| {
        tracing::error!(error = %e, "cannot serialise a response");
        ApiError::Internal
    })?;
    Ok(json_response(status, body))
}

fn id_key(id: &str) -> Item {
    Item::from([(ID.to_owned(), AttributeValue::S(id.to_owned()))])
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    limit: Option<String>,
    cursor: Option<String>,
}

/// A page cursor: the LastEvaluatedKey as plain JSON, base64url-encoded.
pub fn encode_cursor(last_key: &Item) -> String {
    let json = Value::Object(item::from_item(last_key)).to_string();
    URL_SAFE_NO_PAD.encode(json)
}

pub fn decode_cursor(cursor: &str) -> ApiResult<Item> {
    let refuse = || invalid("cursor: not a cursor this API returned (use nextCursor as it is)");
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| refuse())?;
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(map)) if !map.is_empty() => key(&map, "cursor").map_err(|_| refuse()),
        _ => Err(refuse()),
    }
}

/// `GET /items?limit=N&cursor=C`: `{"items": [...], "nextCursor": "..."}`,
/// where `nextCursor` is present while there may be more. Reads are
/// strongly consistent, like `GET /items/{id}`.
pub async fn list(
    State(state): State<AppState>,
    Query(query): Query<ListQuery>,
) -> ApiResult<Response> {
    let limit = match query.limit.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(raw) => Some(raw.parse::<Number>().map_err(|_| {
            invalid(format!(
                "limit: must be a whole number from 1 to {MAX_LIMIT}, not {raw:?}"
            ))
        })?),
    };
    let limit = effective_limit(limit.as_ref(), "limit")?;
    let start = match query.cursor.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(cursor) => Some(decode_cursor(cursor)?),
    };
    let out = state
        .client
        .scan()
        .table_name(state.config.table.as_str())
        .limit(limit)
        .set_exclusive_start_key(start)
        // Read-your-writes, as a key/value API's users expect.
        .consistent_read(true)
        .send()
        .await?;
    let mut body = Map::new();
    body.insert("items".into(), item::from_items(out.items));
    if let Some(last) = out.last_evaluated_key.filter(|k| !k.is_empty()) {
        body.insert("nextCursor".into(), Value::String(encode_cursor(&last)));
    }
    json(StatusCode::OK, &Value::Object(body))
}

fn not_found(id: &str) -> ApiError {
    ApiError::NotFound(format!("no item with id {id:?}"))
}

/// `GET /items/{id}`: the item, or 404.
pub async fn read(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    let out = state
        .client
        .get_item()
        .table_name(state.config.table.as_str())
        .set_key(Some(id_key(&id)))
        .consistent_read(true)
        .send()
        .await?;
    let found = out.item.ok_or_else(|| not_found(&id))?;
    json(StatusCode::OK, &Value::Object(item::from_item(&found)))
}

/// `PUT /items/{id}`: stores the body's attributes as the item `id`,
/// replacing any item there. 201 when it is new, 200 when it replaced one;
/// both answer with the item.
pub async fn put(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Response> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request(
            "invalid_json",
            "the body is empty; send the item's attributes as a JSON object",
        ));
    }
    let value: Value = serde_json::from_slice(&body).map_err(|e| {
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
            attrs.insert(ID.to_owned(), Value::String(id.clone()));
        }
        Some(Value::String(s)) if *s == id => {}
        Some(other) => {
            return Err(ApiError::bad_request(
                "id_mismatch",
                format!("body.{ID}: {other} differs from the id in the path, {id:?}"),
            ))
        }
    }
    let new_item = item::to_item(&attrs, "body").map_err(|e| invalid(e.to_string()))?;
    let out = state
        .client
        .put_item()
        .table_name(state.config.table.as_str())
        .set_item(Some(new_item))
        .return_values(ReturnValue::AllOld)
        .send()
        .await?;
    let replaced = out.attributes.is_some_and(|a| !a.is_empty());
    let status = if replaced {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    json(status, &Value::Object(attrs))
}

/// `DELETE /items/{id}`: 204, or 404 when there was no such item.
pub async fn delete(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    let out = state
        .client
        .delete_item()
        .table_name(state.config.table.as_str())
        .set_key(Some(id_key(&id)))
        .return_values(ReturnValue::AllOld)
        .send()
        .await?;
    if out.attributes.is_some_and(|a| !a.is_empty()) {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(not_found(&id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    }
}
