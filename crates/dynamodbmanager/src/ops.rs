//! Runs a checked [`Command`] against DynamoDB and shapes the answer the way
//! boto3's `Table` methods return it, without `ResponseMetadata`, in plain
//! JSON.

use aws_sdk_dynamodb::Client;
use model::item::{self, Item};
use model::ApiResult;
use serde_json::{Map, Number, Value};

use crate::request::Command;

/// `{"<name>": item}` when DynamoDB returned a non-empty map, else `{}`.
fn with_item(name: &str, attrs: Option<Item>) -> Value {
    let mut out = Map::new();
    if let Some(attrs) = attrs.filter(|a| !a.is_empty()) {
        out.insert(name.to_owned(), Value::Object(item::from_item(&attrs)));
    }
    Value::Object(out)
}

/// Runs `command` on `table`. `echo` and `ping` never reach DynamoDB.
pub async fn execute(client: &Client, table: &str, command: Command) -> ApiResult<Value> {
    Ok(match command {
        Command::Ping => Value::String("pong".into()),
        Command::Echo(payload) => payload,
        Command::Create(c) => {
            let out = client
                .put_item()
                .table_name(table)
                .set_item(Some(c.item))
                .set_condition_expression(c.condition_expression)
                .set_expression_attribute_names(c.expressions.names)
                .set_expression_attribute_values(c.expressions.values)
                .set_return_values(c.return_values)
                .send()
                .await?;
            with_item("Attributes", out.attributes)
        }
        Command::Read(r) => {
            let out = client
                .get_item()
                .table_name(table)
                .set_key(Some(r.key))
                .set_projection_expression(r.projection_expression)
                .set_expression_attribute_names(r.names)
                .set_consistent_read(r.consistent_read)
                .send()
                .await?;
            // A projection that matches nothing still returns `{}` as Item.
            let mut body = Map::new();
            if let Some(found) = out.item {
                body.insert("Item".into(), Value::Object(item::from_item(&found)));
            }
            Value::Object(body)
        }
        Command::Update(u) => {
            let out = client
                .update_item()
                .table_name(table)
                .set_key(Some(u.key))
                .set_update_expression(u.update_expression)
                .set_condition_expression(u.condition_expression)
                .set_expression_attribute_names(u.expressions.names)
                .set_expression_attribute_values(u.expressions.values)
                .set_return_values(u.return_values)
                .send()
                .await?;
            with_item("Attributes", out.attributes)
        }
        Command::Delete(d) => {
            let out = client
                .delete_item()
                .table_name(table)
                .set_key(Some(d.key))
                .set_condition_expression(d.condition_expression)
                .set_expression_attribute_names(d.expressions.names)
                .set_expression_attribute_values(d.expressions.values)
                .set_return_values(d.return_values)
                .send()
                .await?;
            with_item("Attributes", out.attributes)
        }
        Command::List(l) => {
            let out = client
                .scan()
                .table_name(table)
                .limit(l.limit)
                .set_exclusive_start_key(l.exclusive_start_key)
                .set_filter_expression(l.filter_expression)
                .set_projection_expression(l.projection_expression)
                .set_expression_attribute_names(l.expressions.names)
                .set_expression_attribute_values(l.expressions.values)
                .set_consistent_read(l.consistent_read)
                .send()
                .await?;
            let mut body = Map::new();
            body.insert("Items".into(), item::from_items(out.items));
            body.insert("Count".into(), Value::Number(Number::from(out.count)));
            body.insert(
                "ScannedCount".into(),
                Value::Number(Number::from(out.scanned_count)),
            );
            if let Some(last) = out.last_evaluated_key.filter(|k| !k.is_empty()) {
                body.insert(
                    "LastEvaluatedKey".into(),
                    Value::Object(item::from_item(&last)),
                );
            }
            Value::Object(body)
        }
    })
}
