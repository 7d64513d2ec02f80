//! Raw SDK baselines: the DynamoDB work of one request, with nothing around
//! it. Handler overhead = a function's warm latency minus this.
//!
//! The client is `platform::dynamo::client()`, the one the Lambdas build, and
//! table names come from the same environment variables.

use std::time::{Duration, Instant};

use anyhow::Context;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;
use serde::Serialize;

use crate::stats::{ms, summarize, Summary};

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum Op {
    /// GetItem of the resume `RESUME_ID` from `RESUME_TABLE` (GET /resume).
    ResumeGet,
    /// GET /visitorcount of a visitor already seen today, in the handler's
    /// two rounds (`visitor_counter::store::Store::record`): UpdateItem ADD
    /// on the total beside a consistent BatchGetItem of the marker and the
    /// day; then UpdateItem ADD on the day's views beside a PutItem of the
    /// visit.
    Visitorcount,
    /// Consistent GetItem of `MANAGER_ITEM_ID` from `MANAGER_TABLE`
    /// (`{"operation": "read"}`).
    ManagerRead,
}

#[derive(clap::Args)]
pub struct RawArgs {
    #[arg(long, value_enum)]
    op: Op,
    /// Timed calls after the first one.
    #[arg(long, default_value_t = 500)]
    invokes: usize,
}

#[derive(Serialize)]
pub struct RawReport {
    /// Building the client (as a Lambda's init does).
    client_ms: f64,
    /// The first call: connection set-up and credential resolution.
    first_ms: f64,
    warm: Summary,
    loadavg_before: String,
    loadavg_after: String,
}

fn env(name: &str) -> anyhow::Result<String> {
    std::env::var(name).with_context(|| format!("{name} is not set"))
}

/// One request's DynamoDB work, prepared once.
enum Call {
    GetItem {
        table: String,
        id: String,
        consistent: bool,
    },
    Visit {
        counter: String,
        visits: String,
    },
}

impl Call {
    fn new(op: Op) -> anyhow::Result<Self> {
        Ok(match op {
            Op::ResumeGet => Call::GetItem {
                table: env("RESUME_TABLE")?,
                id: env("RESUME_ID")?,
                consistent: false,
            },
            Op::ManagerRead => Call::GetItem {
                table: env("MANAGER_TABLE")?,
                id: env("MANAGER_ITEM_ID")?,
                consistent: true,
            },
            Op::Visitorcount => Call::Visit {
                counter: env("COUNTER_TABLE")?,
                visits: env("VISITS_TABLE")?,
            },
        })
    }

    async fn once(&self, client: &Client) -> anyhow::Result<()> {
        match self {
            Call::GetItem {
                table,
                id,
                consistent,
            } => {
                let out = client
                    .get_item()
                    .table_name(table)
                    .key("id", AttributeValue::S(id.clone()))
                    .consistent_read(*consistent)
                    .send()
                    .await?;
                anyhow::ensure!(out.item.is_some(), "no item {id} in {table}");
            }
            Call::Visit { counter, visits } => visit(client, counter, visits).await?,
        }
        Ok(())
    }
}

pub async fn run(args: RawArgs) -> anyhow::Result<RawReport> {
    let call = Call::new(args.op)?;
    let loadavg_before = crate::loadavg();
    let started = Instant::now();
    let client = platform::dynamo::client().await;
    let client_ms = ms(started.elapsed());

    let started = Instant::now();
    call.once(&client).await.context("first call")?;
    let first_ms = ms(started.elapsed());

    let mut warm: Vec<Duration> = Vec::with_capacity(args.invokes);
    for _ in 0..args.invokes {
        let started = Instant::now();
        call.once(&client).await?;
        warm.push(started.elapsed());
    }
    Ok(RawReport {
        client_ms,
        first_ms,
        warm: summarize(&warm),
        loadavg_before,
        loadavg_after: crate::loadavg(),
    })
}

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

fn n(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

async fn visit(client: &Client, counter: &str, visits: &str) -> anyhow::Result<()> {
    use aws_sdk_dynamodb::types::{KeysAndAttributes, ReturnValue};
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let day = "day#raw";
    let add = |id: &str, attribute: &str| {
        client
            .update_item()
            .table_name(counter)
            .key("id", s(id))
            .update_expression("ADD #a :one")
            .expression_attribute_names("#a", attribute)
            .expression_attribute_values(":one", n(1))
            .return_values(ReturnValue::UpdatedNew)
            .send()
    };
    // Round 1: the total, beside the marker and the day's item.
    let keys = KeysAndAttributes::builder()
        .keys([("id".to_owned(), s("seen#raw#0"))].into())
        .keys([("id".to_owned(), s(day))].into())
        .consistent_read(true)
        .build()?;
    let read = client.batch_get_item().request_items(counter, keys).send();
    let (total, read) = tokio::join!(add("total-raw", "count"), read);
    total?;
    read?;
    // Round 2: the day's views, beside the visit log.
    let log = client
        .put_item()
        .table_name(visits)
        .item("id", s(format!("raw-{}", stamp.as_nanos())))
        .item("at", s("2025-01-01T00:00:00Z"))
        .item("ipHash", s("0".repeat(64)))
        .item("path", s("/visitorcount"))
        .item("expiresAt", n(2_000_000_000))
        .send();
    let (views, log) = tokio::join!(add(day, "views"), log);
    views?;
    log?;
    Ok(())
}
