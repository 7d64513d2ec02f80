#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! Creating the tables from `platform::dynamo` specs: idempotent, and safe when
//! several processes (the local server, tests, seed) race to do it.

use crate::util::{dynamodb_local, unique_id};

#[tokio::test]
async fn concurrent_ensures_of_a_ttl_table_all_succeed() {
    let client = testkit::client(dynamodb_local());
    let name = unique_id("race");
    let spec = platform::dynamo::COUNTER_TABLE;
    assert!(spec.ttl_attribute.is_some());
    let results = futures_join(&client, &spec, &name).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert!(results.iter().filter(|r| matches!(r, Ok(true))).count() >= 1);
    // And once it exists, ensure is a no-op.
    assert!(!spec.ensure(&client, &name).await.unwrap());
    let ttl = client
        .describe_time_to_live()
        .table_name(&name)
        .send()
        .await
        .unwrap();
    let desc = ttl.time_to_live_description.unwrap();
    assert_eq!(desc.attribute_name.as_deref(), spec.ttl_attribute);
}

async fn futures_join(
    client: &aws_sdk_dynamodb::Client,
    spec: &platform::dynamo::TableSpec,
    name: &str,
) -> Vec<Result<bool, aws_sdk_dynamodb::Error>> {
    let (a, b, c, d) = tokio::join!(
        spec.ensure(client, name),
        spec.ensure(client, name),
        spec.ensure(client, name),
        spec.ensure(client, name)
    );
    vec![a, b, c, d]
}
