//! The HTTP handlers, each parsing its input ([`crate::request`]) into a
//! command, running it on the [`Store`] and shaping the answer:
//!
//! - `POST /dynamodbmanager` answers the way boto3's `Table` methods do,
//!   without `ResponseMetadata`, in plain JSON;
//! - the REST routes over the managed table, in the style of the common Go
//!   key/value API: `GET /items`, `GET|PUT|DELETE /items/{id}`. Items are
//!   plain JSON objects whose `id` is the key (see `model::item` for sets
//!   and binary).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::Json;
use http::StatusCode;
use model::item::{self, Item};
use platform::{ApiError, ApiResult};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::config::ManagerConfig;
use crate::request::{self, items, Command, Operation};
use crate::store::{Page, Store};

/// An item as plain JSON.
type Object = Map<String, Value>;

/// What a command answers.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum Answer {
    /// `ping`: `"pong"`.
    Pong(&'static str),
    /// `echo`: the payload as it came (numbers digit for digit).
    Echo(Value),
    /// `create`, `update`, `delete`: `{"Attributes": ...}` or `{}`.
    Written(Written),
    /// `read`: `{"Item": ...}`, or `{}` when there is no such item.
    Found(Found),
    /// `list`: one scan page.
    Scanned(Scanned),
}

#[derive(Debug, Serialize)]
pub struct Written {
    #[serde(rename = "Attributes", skip_serializing_if = "Option::is_none")]
    pub attributes: Option<Object>,
}

#[derive(Debug, Serialize)]
pub struct Found {
    #[serde(rename = "Item", skip_serializing_if = "Option::is_none")]
    pub item: Option<Object>,
}

/// Fields in the order the JSON object always had (alphabetical).
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Scanned {
    pub count: i32,
    pub items: Vec<Object>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_evaluated_key: Option<Object>,
    pub scanned_count: i32,
}

fn object(item: Option<Item>) -> Option<Object> {
    item.as_ref().map(item::from_item)
}

fn written(attributes: Option<Item>) -> Answer {
    Answer::Written(Written {
        attributes: object(attributes),
    })
}

fn scanned(page: Page) -> Answer {
    Answer::Scanned(Scanned {
        count: page.count,
        items: page.items.iter().map(item::from_item).collect(),
        last_evaluated_key: object(page.last_key),
        scanned_count: page.scanned_count,
    })
}

/// `POST /dynamodbmanager`: parses the envelope and payload
/// ([`crate::request`]), runs the command on the [`Store`], and answers the
/// way boto3's `Table` methods do, without `ResponseMetadata`, in plain JSON.
pub async fn manage(
    State(store): State<Store>,
    State(config): State<Arc<ManagerConfig>>,
    body: Bytes,
) -> ApiResult<Json<Answer>> {
    let envelope = request::parse(&body)?;
    let op = Operation::parse(&envelope.operation)?;
    let table = if op.uses_table() {
        config.resolve_table(envelope.table_name.as_deref())?
    } else {
        ""
    };
    let command = request::command(op, envelope.payload)?;
    tracing::debug!(operation = %envelope.operation, table, "dynamodbmanager");
    let answer = execute(&store.on_table(table), command).await?;
    Ok(Json(answer))
}

/// Runs `command` on the store's table. `echo` and `ping` never reach
/// DynamoDB.
pub async fn execute(store: &Store, command: Command) -> ApiResult<Answer> {
    Ok(match command {
        Command::Ping => Answer::Pong("pong"),
        Command::Echo(payload) => Answer::Echo(payload),
        Command::Create(c) => written(store.create(c).await?),
        Command::Read(r) => Answer::Found(Found {
            item: object(store.read(r).await?),
        }),
        Command::Update(u) => written(store.update(u).await?),
        Command::Delete(d) => written(store.delete(d).await?),
        Command::List(l) => scanned(store.scan(l).await?),
    })
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    limit: Option<String>,
    cursor: Option<String>,
}

/// The answer of `GET /items`.
#[derive(Debug, Serialize)]
pub struct ItemsPage {
    pub items: Vec<Map<String, Value>>,
    /// Present while there may be more.
    #[serde(rename = "nextCursor", skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

fn not_found(id: &str) -> ApiError {
    ApiError::NotFound(format!("no item with id {id:?}"))
}

/// `GET /items?limit=N&cursor=C`: `{"items": [...], "nextCursor": "..."}`,
/// where `nextCursor` is present while there may be more. Reads are
/// strongly consistent, like `GET /items/{id}`.
pub async fn list_items(
    State(store): State<Store>,
    Query(query): Query<ListQuery>,
) -> ApiResult<Json<ItemsPage>> {
    let limit = items::limit(query.limit.as_deref())?;
    let start = items::cursor(query.cursor.as_deref())?;
    let page = store.scan(items::list(limit, start)).await?;
    Ok(Json(ItemsPage {
        items: page.items.iter().map(item::from_item).collect(),
        next_cursor: page.last_key.as_ref().map(items::encode_cursor),
    }))
}

/// `GET /items/{id}`: the item, or 404.
pub async fn get_item(
    State(store): State<Store>,
    Path(id): Path<String>,
) -> ApiResult<Json<Map<String, Value>>> {
    let found = store
        .read(items::get(&id))
        .await?
        .ok_or_else(|| not_found(&id))?;
    Ok(Json(item::from_item(&found)))
}

/// `PUT /items/{id}`: stores the body's attributes as the item `id`,
/// replacing any item there. 201 when it is new, 200 when it replaced one;
/// both answer with the item.
pub async fn put_item(
    State(store): State<Store>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Map<String, Value>>)> {
    let (attrs, new_item) = items::put_body(&id, &body)?;
    let status = if store.create(items::put(new_item)).await?.is_some() {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(attrs)))
}

/// `DELETE /items/{id}`: 204, or 404 when there was no such item.
pub async fn delete_item(
    State(store): State<Store>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    if store.delete(items::delete(&id)).await?.is_some() {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(not_found(&id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_dynamodb::types::AttributeValue;

    fn text(answer: &Answer) -> String {
        serde_json::to_string(answer).unwrap()
    }

    #[test]
    fn answers_have_boto3_shapes_and_every_digit() {
        let big = "12345678901234567890123456789012345678";
        let item = Item::from([
            ("id".to_owned(), AttributeValue::S("a".into())),
            ("n".to_owned(), AttributeValue::N(big.into())),
        ]);
        assert_eq!(text(&Answer::Pong("pong")), r#""pong""#);
        let echo: Value = serde_json::from_str(&format!("[{big},0.10]")).unwrap();
        assert_eq!(text(&Answer::Echo(echo)), format!("[{big},0.10]"));
        assert_eq!(text(&written(None)), "{}");
        assert_eq!(
            text(&written(Some(item.clone()))),
            format!(r#"{{"Attributes":{{"id":"a","n":{big}}}}}"#)
        );
        assert_eq!(text(&Answer::Found(Found { item: None })), "{}");
        let page = Page {
            items: vec![item.clone()],
            count: 1,
            scanned_count: 2,
            last_key: Some(items::id_key("a")),
        };
        assert_eq!(
            text(&scanned(page)),
            format!(
                r#"{{"Count":1,"Items":[{{"id":"a","n":{big}}}],"LastEvaluatedKey":{{"id":"a"}},"ScannedCount":2}}"#
            )
        );
        assert_eq!(
            text(&scanned(Page::default())),
            r#"{"Count":0,"Items":[],"ScannedCount":0}"#
        );
    }
}
