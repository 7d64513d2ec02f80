//! Where the day salts ([`Salt`]) are kept.
//!
//! It lives in `SALTS_TABLE` as item `{id: "YYYY-MM-DD", salt: <32 random
//! bytes>, expiresAt}`, with `expiresAt` at the end of the following UTC
//! day (as the seen-today markers), so DynamoDB TTL deletes it. That table
//! has no point-in-time recovery and goes with the stack
//! (`platform::dynamo::SALTS_TABLE`): no backup keeps a salt either.
//!
//! The first request of a day creates it with a conditional `PutItem`
//! (`attribute_not_exists(id)`); when another instance got there first the
//! condition fails, and the winner's salt is returned with the failure
//! (`ReturnValuesOnConditionCheckFailure: ALL_OLD`, falling back to a
//! strongly consistent `GetItem`), so every instance uses the same one.
//! Each instance then keeps it in memory for the rest of its day: one call
//! per instance per day.
//!
//! DynamoDB TTL deletes expired items only within a few days, so the
//! request that makes a day's salt also deletes the day before yesterday's,
//! which expired at midnight ([`DaySalts::delete_expired`], which the store
//! runs beside its next call): a salt outlives its next day by no more than
//! the day's first counted view, and TTL removes any a quiet day left.

use std::sync::Arc;

use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata};
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure};
use platform::dynamo::{Table, EXPIRES_AT, SALTS_TABLE};
use time::OffsetDateTime;

use crate::calendar::{day_of, end_of_next_day};
use crate::salt::Salt;

/// The key attribute of the salts table.
const KEY: &str = SALTS_TABLE.partition_key.name;

/// The attribute holding a day's salt (binary).
pub const SALT_ATTR: &str = "salt";

/// The id of the item holding `day`'s salt: the day, `YYYY-MM-DD`.
pub fn salt_id(day: &str) -> String {
    day.to_owned()
}

/// The salt of a day, and whether this request made it.
#[derive(Clone, Debug)]
pub struct DaySalt {
    pub salt: Salt,
    /// True for the one request that created the day's salt: it also
    /// deletes the expired one ([`DaySalts::delete_expired`]).
    pub made: bool,
}

/// The salts of the days, from `SALTS_TABLE`, cached per instance.
#[derive(Clone, Debug)]
pub struct DaySalts {
    table: Table,
    /// The day and its salt. Held across the fetch, so that concurrent
    /// requests of one instance wait for one fetch rather than race.
    cache: Arc<tokio::sync::Mutex<Option<(String, Salt)>>>,
}

impl DaySalts {
    /// The salts in `table` (`SALTS_TABLE`), none cached yet.
    pub fn new(table: Table) -> Self {
        Self {
            table,
            cache: Arc::default(),
        }
    }

    /// The salt of `now`'s UTC day: from memory (no call), else from, or
    /// created in, the table (one call, two if another instance made it
    /// and its answer lacked the salt). `None` (and a log line) if DynamoDB
    /// could not say.
    pub async fn get(&self, now: OffsetDateTime) -> Option<DaySalt> {
        let day = day_of(now);
        let mut cache = self.cache.lock().await;
        if let Some((cached_day, salt)) = cache.as_ref() {
            if *cached_day == day {
                return Some(DaySalt {
                    salt: salt.clone(),
                    made: false,
                });
            }
        }
        let found = self.fetch_or_create(&day, now).await?;
        *cache = Some((day, found.salt.clone()));
        Some(found)
    }

    /// Reads `now`'s salt into memory if it is made, for init
    /// ([`crate::Store::prewarm`]): one strongly consistent `GetItem`, no
    /// write. A salt not made yet is left to the day's first counted view;
    /// a failure is logged, and the first view tries again.
    pub async fn load(&self, now: OffsetDateTime) {
        let day = day_of(now);
        let got = self
            .table
            .get_item()
            .key(KEY, AttributeValue::S(salt_id(&day)))
            .consistent_read(true)
            .send()
            .await;
        match got {
            Ok(output) => {
                if let Some(salt) = output.item.as_ref().and_then(salt_of) {
                    *self.cache.lock().await = Some((day, salt));
                }
            }
            Err(e) => tracing::warn!(
                table = self.table.name(),
                error = %DisplayErrorContext(&e),
                "cannot read today's salt in init; the first view will"
            ),
        }
    }

    /// Deletes the salt of the day before yesterday (past its `expiresAt`)
    /// now rather than whenever TTL gets to it: for the request whose
    /// [`Self::get`] made `now`'s salt. A failure is logged: TTL still
    /// deletes it.
    pub async fn delete_expired(&self, now: OffsetDateTime) {
        let id = salt_id(&day_of(now - time::Duration::days(2)));
        let deleted = self
            .table
            .delete_item()
            .key(KEY, AttributeValue::S(id.clone()))
            .send()
            .await;
        if let Err(e) = deleted {
            tracing::warn!(
                table = self.table.name(),
                %id,
                error = %DisplayErrorContext(&e),
                "cannot delete an expired salt; TTL will"
            );
        }
    }

    async fn fetch_or_create(&self, day: &str, now: OffsetDateTime) -> Option<DaySalt> {
        let id = salt_id(day);
        let fresh = Salt::random();
        let put = self
            .table
            .put_item()
            .item(KEY, AttributeValue::S(id.clone()))
            .item(SALT_ATTR, AttributeValue::B(Blob::new(fresh.expose())))
            .item(
                EXPIRES_AT,
                AttributeValue::N(end_of_next_day(now).to_string()),
            )
            .condition_expression("attribute_not_exists(#id)")
            .expression_attribute_names("#id", KEY)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match put {
            Ok(_) => Some(DaySalt {
                salt: fresh,
                made: true,
            }),
            Err(e) if e.code() == Some("ConditionalCheckFailedException") => {
                // Another request made today's salt first: use that one.
                let old = match e.as_service_error() {
                    Some(PutItemError::ConditionalCheckFailedException(c)) => {
                        c.item.as_ref().and_then(salt_of)
                    }
                    _ => None,
                };
                let salt = match old {
                    Some(salt) => salt,
                    None => self.read(&id).await?,
                };
                Some(DaySalt { salt, made: false })
            }
            Err(e) => {
                tracing::error!(
                    table = self.table.name(),
                    error = %DisplayErrorContext(&e),
                    "cannot create today's salt"
                );
                None
            }
        }
    }

    async fn read(&self, id: &str) -> Option<Salt> {
        match self
            .table
            .get_item()
            .key(KEY, AttributeValue::S(id.to_owned()))
            .consistent_read(true)
            .send()
            .await
        {
            Ok(output) => {
                let salt = output.item.as_ref().and_then(salt_of);
                if salt.is_none() {
                    tracing::error!(table = self.table.name(), %id, "today's salt is missing or unusable");
                }
                salt
            }
            Err(e) => {
                tracing::error!(
                    table = self.table.name(),
                    error = %DisplayErrorContext(&e),
                    "cannot read today's salt"
                );
                None
            }
        }
    }
}

fn salt_of(item: &std::collections::HashMap<String, AttributeValue>) -> Option<Salt> {
    match item.get(SALT_ATTR) {
        Some(AttributeValue::B(blob)) => Salt::from_bytes(blob.as_ref()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_days_salt_is_keyed_by_the_day() {
        assert_eq!(salt_id("2025-03-10"), "2025-03-10");
    }

    #[test]
    fn stored_salts_are_read_back_and_short_ones_refused() {
        let a = Salt::random();
        let mut item = std::collections::HashMap::new();
        assert_eq!(salt_of(&item), None);
        item.insert(
            SALT_ATTR.to_owned(),
            AttributeValue::B(Blob::new(a.expose())),
        );
        assert_eq!(salt_of(&item), Some(a));
        item.insert(
            SALT_ATTR.to_owned(),
            AttributeValue::B(Blob::new(vec![1u8; 8])),
        );
        assert_eq!(salt_of(&item), None);
        item.insert(SALT_ATTR.to_owned(), AttributeValue::S("x".repeat(32)));
        assert_eq!(salt_of(&item), None);
    }
}
