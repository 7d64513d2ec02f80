//! `POST /dynamodbmanager`: parses the envelope and payload
//! ([`crate::request`]), runs the command on the [`Store`], and answers the
//! way boto3's `Table` methods do, without `ResponseMetadata`, in plain JSON.

use axum::body::Bytes;
use axum::extract::State;
use axum::Json;
use model::item::{self, Item};
use platform::ApiResult;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::request::{self, Command, Operation};
use crate::store::{Page, Store};
use crate::{resolve_table, AppState};

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

/// `POST /dynamodbmanager`.
pub async fn manage(State(state): State<AppState>, body: Bytes) -> ApiResult<Json<Answer>> {
    let envelope = request::parse(&body)?;
    let op = Operation::parse(&envelope.operation)?;
    let table = if op.uses_table() {
        resolve_table(&state.config, envelope.table_name.as_deref())?
    } else {
        ""
    };
    let command = request::command(op, envelope.payload)?;
    tracing::debug!(operation = %envelope.operation, table, "dynamodbmanager");
    let answer = execute(&state.store.on_table(table), command).await?;
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
        Command::Delete(d) => written(store.remove(d).await?),
        Command::List(l) => scanned(store.scan(l).await?),
    })
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
            last_key: Some(crate::store::id_key("a")),
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
