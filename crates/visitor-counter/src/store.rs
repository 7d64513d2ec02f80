//! Every DynamoDB call of the counter. See the crate docs for the design.

mod retry;
mod salts;

use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeValue, KeysAndAttributes, Put, ReturnValue, TransactWriteItem, Update,
};
use aws_sdk_dynamodb::Client;
use platform::dynamo::{Table, COUNTER_TABLE, EXPIRES_AT};
use platform::{ApiError, ApiResult};
use serde::Serialize;
use time::{Date, OffsetDateTime};

use crate::calendar::{day_of, days_ending, end_of_next_day};
use crate::config::CounterConfig;
use crate::visitor::{Sender, Visit, Visitor};
use retry::OnlyThrottlingRetries;
use salts::DaySalts;

pub use salts::{salt_id, SALT_ATTR};

/// The key attribute of the counter table.
const KEY: &str = COUNTER_TABLE.partition_key.name;
/// The counter attribute of the total, and of each day's item (where it is
/// the day's unique visitors).
pub const COUNT_ATTR: &str = "count";
/// The views attribute of each day's item.
pub const VIEWS_ATTR: &str = "views";
/// The id of the total's item.
pub const TOTAL_ID: &str = "total";

/// The id of the item counting the views (`views`) and distinct visitors
/// (`count`) of `day`.
pub fn day_id(day: &str) -> String {
    format!("day#{day}")
}

/// The id of the marker saying `ip_hash` was seen on `day`.
pub fn seen_id(day: &str, ip_hash: &str) -> String {
    format!("seen#{day}#{ip_hash}")
}

/// What one request learns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Counts {
    /// The total after this request's increment (or now, if not counted).
    pub count: u64,
    /// Distinct visitors today, if that could be established.
    pub unique_today: Option<u64>,
}

/// One day of history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DayStats {
    /// `YYYY-MM-DD`, UTC.
    pub date: String,
    pub views: u64,
    pub uniques: u64,
}

/// The most DynamoDB calls one counted view has in flight at once
/// ([`Store::record`]: the total beside the read of the visitor's marker
/// and the day, then the day's item beside the visit log): the connections
/// [`Store::prewarm`] opens during init. (The one view a day that makes the
/// day's salt may add a third, its delete of the expired salt, beside the
/// read.)
pub const CALLS_AT_ONCE: usize = 2;

/// `BatchGetItem` reads at most this many keys per call.
const BATCH_GET_MAX: usize = 100;

#[derive(Clone, Debug)]
pub struct Store {
    counter: Table,
    visits: Table,
    visit_ttl_days: u32,
    salts: DaySalts,
}

/// Who a counted view is, as far as the day's unique visitors go.
enum Person {
    /// `Sec-GPC`/`DNT`: counted in the views, not among the visitors.
    Private,
    /// The salt or the marker could not be read: not known to be counted.
    Unknown,
    /// Known: whether their seen-today marker already exists, and the
    /// day's unique visitors read with it (`None` if that part of the read
    /// did not come back).
    Known {
        visitor: Visitor,
        seen: bool,
        uniques: Option<u64>,
    },
}

/// What the read of a visitor's marker and the day's item found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Found {
    /// The visitor's seen-today marker exists.
    seen: bool,
    /// The day's unique visitors (`count`; 0 without an item), or `None`
    /// if DynamoDB left the day's key unprocessed.
    uniques: Option<u64>,
}

/// How the transaction that counts a new visitor ended.
enum NewVisitor {
    /// Marker written, the day's views and visitors raised, together.
    Counted,
    /// Another request counted this visitor first.
    AlreadySeen,
    /// Nothing was written.
    Failed,
}

impl Store {
    pub fn new(client: Client, config: &CounterConfig) -> Self {
        Self {
            salts: DaySalts::new(Table::new(client.clone(), config.salts_table.as_str())),
            counter: Table::new(client.clone(), config.counter_table.as_str()),
            visits: Table::new(client, config.visits_table.as_str()),
            visit_ttl_days: config.visit_ttl_days,
        }
    }

    /// Init's DynamoDB work, so that an instance's first view waits only for
    /// its own two rounds, on open connections: the day's salt read into
    /// memory if it is made (a `GetItem`; the day's first counted view
    /// makes it), beside `platform::dynamo::prewarm` for the rest of
    /// [`CALLS_AT_ONCE`]. With a region's latency, a connection the first
    /// view opened itself would add two round trips (TCP, TLS) to it; opened
    /// here, it runs beside the salt's read (docs/PERFORMANCE.md, "pre-warm").
    /// Failures are logged or ignored: the first view tries again.
    pub async fn prewarm(&self, now: OffsetDateTime) {
        let others = platform::dynamo::prewarm(
            self.counter.client(),
            &platform::dynamo::COUNTER_TABLE,
            self.counter.name(),
            CALLS_AT_ONCE - 1,
        );
        tokio::join!(self.salts.load(now), others);
    }

    /// Counts one view, in two rounds of DynamoDB calls that keep every
    /// answer true under any single failed call:
    ///
    /// 1. the total (`ADD`), beside one strongly consistent `BatchGetItem`
    ///    of the visitor's seen-today marker and the day's item (after the
    ///    day's salt, from memory except on an instance's first view of a
    ///    day). Only the total can fail the request, and nothing that
    ///    counts is written before it: a 503 leaves no view in the history,
    ///    the log or the visitors;
    /// 2. then the day's item beside the visit log. A new visitor's marker
    ///    and the day's `views` and `count` are one `TransactWriteItems`,
    ///    so whoever finds the marker finds the visitor counted; anyone
    ///    else adds a view with `ADD` and reads the day's numbers from it.
    ///
    /// The history never holds more than the total, and every number
    /// answered is stored. `unique_today` is left out when it is not known
    /// to count this visitor (a failed call).
    pub async fn record(
        &self,
        sender: &Sender,
        private: bool,
        now: OffsetDateTime,
    ) -> ApiResult<Counts> {
        let day = day_of(now);
        let person = async {
            if private {
                Person::Private
            } else {
                self.find_visitor(sender, &day, now).await
            }
        };
        let (total, person) = tokio::join!(self.increment(TOTAL_ID), person);
        let count = total?;
        let log = async {
            if let Person::Known { visitor, .. } = &person {
                self.log_visit(&Visit::new(visitor, now, self.visit_ttl_days))
                    .await;
            }
        };
        let (unique_today, ()) = tokio::join!(self.count_in_day(&day, &person, now), log);
        Ok(Counts {
            count,
            unique_today,
        })
    }

    /// The visitor behind `sender` today, under the day's salt: whether
    /// their marker exists, and the day's unique visitors.
    async fn find_visitor(&self, sender: &Sender, day: &str, now: OffsetDateTime) -> Person {
        let Some(today) = self.salts.get(now).await else {
            return Person::Unknown;
        };
        let visitor = Visitor::new(sender, &today.salt);
        let expired_salt = async {
            if today.made {
                self.salts.delete_expired(now).await;
            }
        };
        let (read, ()) = tokio::join!(
            self.read_marker_and_day(day, &visitor.ip_hash),
            expired_salt
        );
        match read {
            Ok(Found { seen, uniques }) => Person::Known {
                visitor,
                seen,
                uniques,
            },
            Err(error) => {
                tracing::error!(table = self.counter.name(), %error, "cannot read today's visitor");
                Person::Unknown
            }
        }
    }

    /// One strongly consistent `BatchGetItem` of the marker of `ip_hash`
    /// and the day's item (their `id` and `count`). An error if the call
    /// failed or the marker's key came back unprocessed.
    async fn read_marker_and_day(&self, day: &str, ip_hash: &str) -> Result<Found, String> {
        let (marker, day_item) = (seen_id(day, ip_hash), day_id(day));
        let key = |id: &str| Item::from([(KEY.to_owned(), AttributeValue::S(id.to_owned()))]);
        let keys = KeysAndAttributes::builder()
            .keys(key(&marker))
            .keys(key(&day_item))
            .projection_expression("#id, #count")
            .expression_attribute_names("#id", KEY)
            .expression_attribute_names("#count", COUNT_ATTR)
            .consistent_read(true)
            .build()
            .map_err(|e| e.to_string())?;
        let table = self.counter.name();
        let output = self
            .counter
            .client()
            .batch_get_item()
            .request_items(table, keys)
            .send()
            .await
            .map_err(|e| DisplayErrorContext(&e).to_string())?;
        let found = output.responses().and_then(|r| r.get(table));
        let unprocessed = output.unprocessed_keys().and_then(|u| u.get(table));
        found_of(
            found.map_or(&[], Vec::as_slice),
            unprocessed.map_or(&[], KeysAndAttributes::keys),
            (&marker, &day_item),
            table,
        )
        .ok_or_else(|| "the marker's key was left unprocessed".to_owned())
    }

    /// Adds the view to the day's item (and a new visitor to its visitors),
    /// returning the day's unique visitors when they are known to count
    /// this one (or, for a private view, as they stand).
    async fn count_in_day(&self, day: &str, person: &Person, now: OffsetDateTime) -> Option<u64> {
        match person {
            Person::Private => return self.add_day_view(day).await.map(|d| d.uniques),
            Person::Unknown => {
                self.add_day_view(day).await;
                return None;
            }
            Person::Known { seen: true, .. } => {}
            Person::Known {
                visitor, uniques, ..
            } => match self.count_new_visitor(day, &visitor.ip_hash, now).await {
                NewVisitor::Counted => {
                    return match uniques {
                        Some(before) => Some(counted_with_one_more(*before)),
                        None => self.read_day(day).await,
                    }
                }
                NewVisitor::AlreadySeen => {}
                // It may have been applied: adding the view again could
                // put the history above the total, so the history may
                // miss this view instead.
                NewVisitor::Failed => return None,
            },
        }
        // A marker that exists was written with the visitor's count.
        self.add_day_view(day).await.map(|d| d.uniques)
    }

    /// One transaction: the visitor's seen-today marker, if absent, and
    /// `ADD views :1, count :1` on the day's item. Retried (a few times, a
    /// short pause apart) when it met another transaction on the day's
    /// item; the SDK retries it too, safely, under its client request token.
    async fn count_new_visitor(&self, day: &str, ip_hash: &str, now: OffsetDateTime) -> NewVisitor {
        for attempt in 0..3u32 {
            if attempt > 0 {
                tokio::time::sleep(std::time::Duration::from_millis(10 << attempt)).await;
            }
            let items = match self.new_visitor_items(day, ip_hash, now) {
                Ok(items) => items,
                Err(e) => {
                    tracing::error!(error = %e, "cannot build the new-visitor transaction");
                    return NewVisitor::Failed;
                }
            };
            let sent = self
                .counter
                .client()
                .transact_write_items()
                .set_transact_items(Some(items))
                .client_request_token(uuid::Uuid::new_v4().to_string())
                .send()
                .await;
            match sent.map_err(|e| cancellation(&e)) {
                Ok(_) => return NewVisitor::Counted,
                Err(Cancelled::Condition) => return NewVisitor::AlreadySeen,
                Err(Cancelled::Conflict) => continue,
                Err(Cancelled::Other(error)) => {
                    tracing::error!(table = self.counter.name(), %error, "cannot count a new visitor of the day");
                    return NewVisitor::Failed;
                }
            }
        }
        tracing::error!(
            table = self.counter.name(),
            "a new visitor's transaction kept conflicting"
        );
        NewVisitor::Failed
    }

    /// The marker put and the day's update of [`Self::count_new_visitor`].
    fn new_visitor_items(
        &self,
        day: &str,
        ip_hash: &str,
        now: OffsetDateTime,
    ) -> Result<Vec<TransactWriteItem>, aws_sdk_dynamodb::error::BuildError> {
        let marker = Put::builder()
            .table_name(self.counter.name())
            .item(KEY, AttributeValue::S(seen_id(day, ip_hash)))
            .item(
                EXPIRES_AT,
                AttributeValue::N(end_of_next_day(now).to_string()),
            )
            .condition_expression("attribute_not_exists(#id)")
            .expression_attribute_names("#id", KEY)
            .build()?;
        let day_item = Update::builder()
            .table_name(self.counter.name())
            .key(KEY, AttributeValue::S(day_id(day)))
            .update_expression("ADD #views :one, #count :one")
            .expression_attribute_names("#views", VIEWS_ATTR)
            .expression_attribute_names("#count", COUNT_ATTR)
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .build()?;
        Ok(vec![
            TransactWriteItem::builder().put(marker).build(),
            TransactWriteItem::builder().update(day_item).build(),
        ])
    }

    /// `ADD views :1` on the day's item, returning the item after it. A
    /// failure is logged: the history misses a view, the total does not.
    async fn add_day_view(&self, day: &str) -> Option<DayStats> {
        let id = day_id(day);
        let result = self
            .counter
            .update_item()
            .key(KEY, AttributeValue::S(id.clone()))
            .update_expression("ADD #views :one")
            .expression_attribute_names("#views", VIEWS_ATTR)
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .return_values(ReturnValue::AllNew)
            .customize()
            .config_override(OnlyThrottlingRetries::config())
            .send()
            .await;
        match result {
            Ok(output) => Some(day_stats(
                day,
                output.attributes.as_ref(),
                self.counter.name(),
            )),
            Err(e) => {
                tracing::error!(
                    table = self.counter.name(),
                    error = %DisplayErrorContext(&e),
                    "cannot add the view to the day's history"
                );
                None
            }
        }
    }

    /// The numbers as they are, for a request that is not counted: the
    /// total and today's unique visitors, read at once.
    pub async fn current(&self, now: OffsetDateTime) -> ApiResult<Counts> {
        let day = day_of(now);
        let (total, today) = tokio::join!(
            self.counter
                .get_item()
                .key(KEY, AttributeValue::S(TOTAL_ID.to_owned()))
                .send(),
            self.read_day(&day),
        );
        Ok(Counts {
            count: read_count(total?.item.as_ref(), self.counter.name(), TOTAL_ID),
            unique_today: today,
        })
    }

    /// Views and unique visitors of each of the `days` days that end with
    /// `last`, oldest first; days without an item are zeros. Reads with
    /// `BatchGetItem`, 100 days per call, the calls at once.
    pub async fn history(&self, last: Date, days: u16) -> ApiResult<Vec<DayStats>> {
        let dates = days_ending(last, days);
        let mut calls = tokio::task::JoinSet::new();
        for chunk in dates.chunks(BATCH_GET_MAX) {
            let ids: Vec<String> = chunk.iter().map(|d| day_id(d)).collect();
            let table = self.counter.clone();
            calls.spawn(async move { batch_get(&table, ids).await });
        }
        let mut found = std::collections::HashMap::new();
        while let Some(joined) = calls.join_next().await {
            let items = joined.map_err(|e| {
                tracing::error!(error = %e, "history read task failed");
                ApiError::Internal
            })??;
            for item in items {
                if let Some(AttributeValue::S(id)) = item.get(KEY) {
                    found.insert(id.clone(), item);
                }
            }
        }
        Ok(dates
            .iter()
            .map(|date| day_stats(date, found.get(&day_id(date)), self.counter.name()))
            .collect())
    }

    /// `ADD count :1` on item `id`, returning the new value. Retried only
    /// when DynamoDB throttled it, so it is applied at most once.
    async fn increment(
        &self,
        id: &str,
    ) -> Result<
        u64,
        aws_sdk_dynamodb::error::SdkError<
            aws_sdk_dynamodb::operation::update_item::UpdateItemError,
            aws_sdk_dynamodb::config::http::HttpResponse,
        >,
    > {
        let output = self
            .counter
            .update_item()
            .key(KEY, AttributeValue::S(id.to_owned()))
            .update_expression("ADD #count :one")
            .expression_attribute_names("#count", COUNT_ATTR)
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .return_values(ReturnValue::UpdatedNew)
            .customize()
            .config_override(OnlyThrottlingRetries::config())
            .send()
            .await?;
        Ok(read_count(
            output.attributes.as_ref(),
            self.counter.name(),
            id,
        ))
    }

    /// Writes the visit-log item. A failure is logged, never returned.
    async fn log_visit(&self, visit: &Visit) {
        let item = match serde_dynamo::to_item(visit) {
            Ok(item) => item,
            Err(e) => {
                tracing::error!(error = %e, "cannot build the visit-log item");
                return;
            }
        };
        if let Err(e) = self.visits.put_item().set_item(Some(item)).send().await {
            tracing::error!(
                table = self.visits.name(),
                visit_id = %visit.id,
                error = %DisplayErrorContext(&e),
                "visit log write failed; the visit was counted but not logged"
            );
        }
    }

    async fn read_day(&self, day: &str) -> Option<u64> {
        let id = day_id(day);
        match self
            .counter
            .get_item()
            .key(KEY, AttributeValue::S(id.clone()))
            .consistent_read(true)
            .send()
            .await
        {
            Ok(output) => Some(read_count(output.item.as_ref(), self.counter.name(), &id)),
            Err(e) => {
                tracing::error!(
                    table = self.counter.name(),
                    error = %DisplayErrorContext(&e),
                    "cannot read today's visitors"
                );
                None
            }
        }
    }
}

type Item = std::collections::HashMap<String, AttributeValue>;

/// The day's unique visitors once a new one is counted, from the number
/// read before its transaction: `before + 1`. The count only ever grows by
/// one (the new-visitor transaction), so it has held that number: a number
/// that was stored, counting no visitor twice, and short of the count only
/// by the new visitors counted between the read and the transaction.
fn counted_with_one_more(before: u64) -> u64 {
    before.saturating_add(1)
}

/// What a `BatchGetItem` of `(marker, day)` found, from the items it
/// returned and the keys it left unprocessed: `None` if the marker's key
/// was left (its existence unknown).
fn found_of(
    found: &[Item],
    unprocessed: &[Item],
    (marker, day): (&str, &str),
    table: &str,
) -> Option<Found> {
    let is = |item: &Item, id: &str| matches!(item.get(KEY), Some(AttributeValue::S(s)) if s == id);
    let left = |id: &str| unprocessed.iter().any(|k| is(k, id));
    if left(marker) {
        return None;
    }
    let day_item = found.iter().find(|i| is(i, day));
    Some(Found {
        seen: found.iter().any(|i| is(i, marker)),
        uniques: (!left(day)).then(|| read_count(day_item, table, day)),
    })
}

/// Why a transaction was refused.
enum Cancelled {
    /// A condition failed: for the new-visitor transaction, the marker exists.
    Condition,
    /// It met another transaction on one of its items; nothing was written.
    Conflict,
    /// Anything else, for the log.
    Other(String),
}

fn cancellation(
    e: &aws_sdk_dynamodb::error::SdkError<
        TransactWriteItemsError,
        aws_sdk_dynamodb::config::http::HttpResponse,
    >,
) -> Cancelled {
    let reasons = match e.as_service_error() {
        Some(TransactWriteItemsError::TransactionCanceledException(c)) => c.cancellation_reasons(),
        Some(other) if other.code() == Some("TransactionConflictException") => {
            return Cancelled::Conflict
        }
        _ => &[],
    };
    let has = |code: &str| reasons.iter().any(|r| r.code() == Some(code));
    if has("ConditionalCheckFailed") {
        Cancelled::Condition
    } else if has("TransactionConflict") {
        Cancelled::Conflict
    } else {
        Cancelled::Other(DisplayErrorContext(e).to_string())
    }
}

/// Every item of `ids` that exists, retrying the keys DynamoDB left
/// unprocessed (a few times, with a short pause).
async fn batch_get(counter: &Table, ids: Vec<String>) -> ApiResult<Vec<Item>> {
    let table = counter.name();
    let keys = ids
        .into_iter()
        .map(|id| std::collections::HashMap::from([(KEY.to_owned(), AttributeValue::S(id))]))
        .collect();
    let mut pending = Some(
        KeysAndAttributes::builder()
            .set_keys(Some(keys))
            .build()
            .map_err(|_| ApiError::Internal)?,
    );
    let mut items = Vec::new();
    for attempt in 0..5u32 {
        let Some(request) = pending.take() else {
            return Ok(items);
        };
        if attempt > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(25 << attempt)).await;
        }
        let output = counter
            .client()
            .batch_get_item()
            .request_items(table, request)
            .send()
            .await?;
        if let Some(mut responses) = output.responses {
            items.extend(responses.remove(table).unwrap_or_default());
        }
        pending = output
            .unprocessed_keys
            .and_then(|mut u| u.remove(table))
            .filter(|k| !k.keys.is_empty());
    }
    match pending {
        None => Ok(items),
        Some(_) => {
            tracing::error!(%table, "history read left keys unprocessed after 5 attempts");
            Err(ApiError::Unavailable)
        }
    }
}

/// The views and unique visitors of a day's item (zeros for no item).
fn day_stats(date: &str, item: Option<&Item>, table: &str) -> DayStats {
    let id = day_id(date);
    DayStats {
        date: date.to_owned(),
        views: read_number(item, VIEWS_ATTR, table, &id),
        uniques: read_count(item, table, &id),
    }
}

/// The `count` attribute as an integer; 0 if the item has none.
fn read_count(item: Option<&Item>, table: &str, id: &str) -> u64 {
    read_number(item, COUNT_ATTR, table, id)
}

/// Attribute `attr` as an integer; 0 if the item has none.
fn read_number(item: Option<&Item>, attr: &str, table: &str, id: &str) -> u64 {
    match item.and_then(|i| i.get(attr)) {
        Some(AttributeValue::N(n)) => n.parse().unwrap_or_else(|_| {
            tracing::error!(%table, %id, %attr, value = %n, "counter is not a whole number");
            0
        }),
        Some(_) => {
            tracing::error!(%table, %id, %attr, "counter attribute is not a number");
            0
        }
        None => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_and_marker_ids() {
        assert_eq!(day_id("2025-03-10"), "day#2025-03-10");
        assert_eq!(seen_id("2025-03-10", "ab"), "seen#2025-03-10#ab");
    }

    #[test]
    fn a_marker_and_day_read_says_what_it_found_and_what_it_left() {
        let (marker, day) = ("seen#2025-03-10#ab", "day#2025-03-10");
        let item = |id: &str, count: Option<&str>| {
            let mut item = Item::from([(KEY.to_owned(), AttributeValue::S(id.to_owned()))]);
            if let Some(n) = count {
                item.insert(COUNT_ATTR.to_owned(), AttributeValue::N(n.to_owned()));
            }
            item
        };
        let found = |found: &[Item], left: &[Item]| found_of(found, left, (marker, day), "t");
        let seen = |seen, uniques| Some(Found { seen, uniques });
        // A new visitor on a day without an item yet: nobody counted.
        assert_eq!(found(&[], &[]), seen(false, Some(0)));
        assert_eq!(found(&[item(day, Some("7"))], &[]), seen(false, Some(7)));
        assert_eq!(
            found(&[item(day, Some("7")), item(marker, None)], &[]),
            seen(true, Some(7))
        );
        // The day's key left unprocessed: its count is unknown, not 0.
        assert_eq!(
            found(&[item(marker, None)], &[item(day, None)]),
            seen(true, None)
        );
        // The marker's: whether the visitor was seen is unknown.
        assert_eq!(found(&[item(day, Some("7"))], &[item(marker, None)]), None);
    }

    #[test]
    fn a_new_visitor_is_counted_with_the_number_read_before() {
        assert_eq!(counted_with_one_more(0), 1);
        assert_eq!(counted_with_one_more(41), 42);
        assert_eq!(counted_with_one_more(u64::MAX), u64::MAX);
    }

    #[test]
    fn counts_are_read_from_number_attributes() {
        let mut item = std::collections::HashMap::new();
        assert_eq!(read_count(None, "t", "x"), 0);
        assert_eq!(read_count(Some(&item), "t", "x"), 0);
        item.insert(COUNT_ATTR.to_owned(), AttributeValue::N("12345".into()));
        assert_eq!(read_count(Some(&item), "t", "x"), 12345);
        item.insert(VIEWS_ATTR.to_owned(), AttributeValue::N("9".into()));
        assert_eq!(
            day_stats("2025-01-02", Some(&item), "t"),
            DayStats {
                date: "2025-01-02".into(),
                views: 9,
                uniques: 12345
            }
        );
        assert_eq!(day_stats("2025-01-02", None, "t").views, 0);
    }
}
