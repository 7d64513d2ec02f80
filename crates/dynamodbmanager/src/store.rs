//! Every DynamoDB call the crate makes, one method per command: the
//! manager's five operations and the REST routes are the same commands
//! ([`crate::request`]), run on whichever table the request resolved to.
//! Callers hand in checked commands and get back items; shaping the answer
//! is theirs.

use model::item::Item;
use platform::dynamo::Table;
use platform::ApiResult;

use crate::request::{Create, Delete, List, Read, Update};

/// One page of a scan.
#[derive(Debug, Default)]
pub struct Page {
    pub items: Vec<Item>,
    pub count: i32,
    pub scanned_count: i32,
    /// Where the next page starts; `None` when this was the last one.
    pub last_key: Option<Item>,
}

/// A map DynamoDB returned, unless it is absent or empty.
fn non_empty(attrs: Option<Item>) -> Option<Item> {
    attrs.filter(|a| !a.is_empty())
}

/// Reads and writes one table.
#[derive(Clone, Debug)]
pub struct Store(pub Table);

impl Store {
    /// The same client on another table (the manager's `tableName`).
    pub fn on_table(&self, table: &str) -> Self {
        Self(self.0.sibling(table))
    }

    /// `create` (and `PUT /items/{id}`): put_item. The returned attributes, if any.
    pub async fn create(&self, c: Create) -> ApiResult<Option<Item>> {
        let out = self
            .0
            .put_item()
            .set_item(Some(c.item))
            .set_condition_expression(c.condition_expression)
            .set_expression_attribute_names(c.expressions.names)
            .set_expression_attribute_values(c.expressions.values)
            .set_return_values(c.return_values)
            .send()
            .await?;
        Ok(non_empty(out.attributes))
    }

    /// `read` (and `GET /items/{id}`): get_item. A projection that matches nothing
    /// still finds the item, as `{}`.
    pub async fn read(&self, r: Read) -> ApiResult<Option<Item>> {
        let out = self
            .0
            .get_item()
            .set_key(Some(r.key))
            .set_projection_expression(r.projection_expression)
            .set_expression_attribute_names(r.names)
            .set_consistent_read(r.consistent_read)
            .send()
            .await?;
        Ok(out.item)
    }

    /// `update`: update_item. The returned attributes, if any.
    pub async fn update(&self, u: Update) -> ApiResult<Option<Item>> {
        let out = self
            .0
            .update_item()
            .set_key(Some(u.key))
            .set_update_expression(u.update_expression)
            .set_condition_expression(u.condition_expression)
            .set_expression_attribute_names(u.expressions.names)
            .set_expression_attribute_values(u.expressions.values)
            .set_return_values(u.return_values)
            .send()
            .await?;
        Ok(non_empty(out.attributes))
    }

    /// `delete` (and `DELETE /items/{id}`): delete_item. The returned attributes, if any.
    pub async fn delete(&self, d: Delete) -> ApiResult<Option<Item>> {
        let out = self
            .0
            .delete_item()
            .set_key(Some(d.key))
            .set_condition_expression(d.condition_expression)
            .set_expression_attribute_names(d.expressions.names)
            .set_expression_attribute_values(d.expressions.values)
            .set_return_values(d.return_values)
            .send()
            .await?;
        Ok(non_empty(out.attributes))
    }

    /// `list` (and `GET /items`): one scan page.
    pub async fn scan(&self, l: List) -> ApiResult<Page> {
        let out = self
            .0
            .scan()
            .limit(l.limit)
            .set_exclusive_start_key(l.exclusive_start_key)
            .set_filter_expression(l.filter_expression)
            .set_projection_expression(l.projection_expression)
            .set_expression_attribute_names(l.expressions.names)
            .set_expression_attribute_values(l.expressions.values)
            .set_consistent_read(l.consistent_read)
            .send()
            .await?;
        Ok(Page {
            items: out.items.unwrap_or_default(),
            count: out.count,
            scanned_count: out.scanned_count,
            last_key: non_empty(out.last_evaluated_key),
        })
    }
}
