#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! The resume API over HTTP: `GET /resume`, `GET /resume/{id}`.

use crate::util::{http, json_error, stack, unique_id, workspace_root};
use reqwest::{header, StatusCode};
use serde_json::Value;

const ALLOWED_ORIGIN: &str = "http://localhost:8080";

fn read_json(path: &str) -> Value {
    let text = std::fs::read_to_string(workspace_root().join(path)).unwrap();
    serde_json::from_str(&text).unwrap()
}

async fn get(path: &str) -> reqwest::Response {
    http().get(stack().url(path)).send().await.unwrap()
}

#[tokio::test]
async fn default_resume_is_the_seeded_document() {
    let response = get("/resume").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[header::CONTENT_TYPE], "application/json");
    let body: Value = response.json().await.unwrap();
    // Locally the stack is seeded with data/resume.json; a deployed stage
    // serves the owner's resume, whatever it says (smoke checks that one).
    if stack().is_local() {
        assert_eq!(body, read_json("data/resume.json"));
    }
    // Plain JSON Resume, never DynamoDB's typed attribute JSON.
    assert!(body["basics"]["name"].is_string());
}

#[tokio::test]
async fn resume_by_id_serves_the_same_document() {
    let id = stack().resume_id();
    let by_id: Value = get(&format!("/resume/{id}")).await.json().await.unwrap();
    let default: Value = get("/resume").await.json().await.unwrap();
    assert_eq!(by_id, default);
}

#[tokio::test]
async fn a_stress_document_round_trips_through_the_store_exactly() {
    let stack = stack();
    let text =
        std::fs::read_to_string(workspace_root().join("tests/fixtures/resume-roundtrip.json"))
            .unwrap();
    let id = unique_id("roundtrip");
    let client = stack.dynamo().await;
    // The store, not publish: the fixture's nulls are what the official schema
    // refuses (and publish with it), but a stored document keeps them exactly.
    let doc: Value = serde_json::from_str(&text).unwrap();
    let err = local_api::publish(client.clone(), &stack.tables.resume, &id, &text)
        .await
        .unwrap_err();
    assert!(
        format!("{err:#}")
            .contains("/basics/image: null is not of type \"string\" (line 36, column 14)"),
        "{err:#}"
    );
    let key = model::resume::ResumeId::parse(&id).unwrap();
    resume::Store(platform::dynamo::Table::new(
        client.clone(),
        stack.tables.resume.as_str(),
    ))
    .put(&key, &doc)
    .await
    .unwrap();

    let response = get(&format!("/resume/{id}")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let served = response.text().await.unwrap();
    let served: Value = serde_json::from_str(&served).unwrap();
    let expected: Value = serde_json::from_str(&text).unwrap();
    // With arbitrary precision on, numbers compare by their exact text.
    assert_eq!(served, expected);
    assert_eq!(
        served["basics"]["name"].as_str().unwrap(),
        expected["basics"]["name"].as_str().unwrap()
    );

    client
        .delete_item()
        .table_name(&stack.tables.resume)
        .key("id", aws_sdk_dynamodb::types::AttributeValue::S(id))
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn publish_refuses_what_is_not_a_json_resume() {
    let stack = stack();
    let client = stack.dynamo().await;
    let id = unique_id("bad");
    for (doc, expected) in [
        ("[1, 2]", "top level must be an object"),
        (
            r#"{"work": {"name": "x"}}"#,
            "/work: {\"name\":\"x\"} is not of type \"array\" (line 1, column 10)",
        ),
        (
            r#"{"basics": {"profiles": [{"url": 5}]}}"#,
            "/basics/profiles/0/url",
        ),
        (r#"{"basics": {"email": "nope"}}"#, "/basics/email"),
        ("{not json", "not JSON"),
    ] {
        let err = local_api::publish(client.clone(), &stack.tables.resume, &id, doc)
            .await
            .unwrap_err();
        assert!(format!("{err:#}").contains(expected), "{doc}: {err:#}");
    }
    // Nothing was written.
    let response = get(&format!("/resume/{id}")).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

/// `publish` compares as DynamoDB stores: a file with `1.50`, which DynamoDB
/// keeps as `1.5` ("leading and trailing zeroes are trimmed"), is written
/// once, then unchanged on every later run.
#[tokio::test]
async fn publish_writes_a_file_once_though_dynamodb_respells_its_numbers() {
    use aws_sdk_dynamodb::types::AttributeValue;
    use local_api::owner::Outcome;
    use resume::store::{DOCUMENT_ATTR, REVISION_ATTR};
    let stack = stack();
    let client = stack.dynamo().await;
    let table = stack.tables.resume.as_str();
    let id = unique_id("publish");
    let key = AttributeValue::S(id.clone());
    let with_score = |score: &str| {
        let mut doc = read_json("data/resume.json");
        doc["x-score"] = serde_json::from_str(score).unwrap();
        serde_json::to_string_pretty(&doc).unwrap()
    };
    let text = with_score("1.50");
    assert!(text.contains("\"x-score\": 1.50"), "{text}");
    let publish = |text: String| {
        let (client, id) = (client.clone(), id.clone());
        async move { local_api::publish(client, table, &id, &text).await.unwrap() }
    };
    let revision = || async {
        let item = client
            .get_item()
            .table_name(table)
            .key("id", key.clone())
            .consistent_read(true)
            .send()
            .await
            .unwrap()
            .item
            .unwrap();
        item[REVISION_ATTR].clone()
    };
    assert_eq!(publish(text.clone()).await, Outcome::Created);
    // DynamoDB Local keeps the text as written; the service trims it. Leave
    // the item as the service would, revision and all.
    client
        .update_item()
        .table_name(table)
        .key("id", key.clone())
        .update_expression("SET #d.#s = :n")
        .expression_attribute_names("#d", DOCUMENT_ATTR)
        .expression_attribute_names("#s", "x-score")
        .expression_attribute_values(":n", AttributeValue::N("1.5".into()))
        .send()
        .await
        .unwrap();
    let written = revision().await;

    for same in [
        text,
        with_score("1.5"),
        with_score("15e-1"),
        with_score("1.500e0"),
    ] {
        assert_eq!(publish(same).await, Outcome::Unchanged);
    }
    assert_eq!(revision().await, written, "an unchanged publish wrote");
    assert_eq!(
        publish(with_score("1.6")).await,
        Outcome::Updated(vec!["x-score".to_owned()])
    );

    client
        .delete_item()
        .table_name(table)
        .key("id", key)
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn unknown_id_is_404() {
    let id = unique_id("missing");
    let body = json_error(
        get(&format!("/resume/{id}")).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert!(body["message"].as_str().unwrap().contains(&id));
}

#[tokio::test]
async fn junk_ids_are_400() {
    let long = "a".repeat(65);
    for junk in [
        "bad!id",
        "a%20b",
        "..%2Fetc%2Fpasswd",
        ".hidden",
        "%C3%A9t%C3%A9",
        long.as_str(),
        "x%00y",
    ] {
        json_error(
            get(&format!("/resume/{junk}")).await,
            StatusCode::BAD_REQUEST,
            "invalid_id",
        )
        .await;
    }
}

#[tokio::test]
async fn etag_and_cache_control() {
    let first = get("/resume").await;
    assert_eq!(first.status(), StatusCode::OK);
    let etag = first.headers()[header::ETAG].to_str().unwrap().to_owned();
    assert!(etag.starts_with('"') && !etag.starts_with("W/"), "{etag}");
    let cache = first.headers()[header::CACHE_CONTROL]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cache.contains("max-age="), "{cache}");

    let again = http()
        .get(stack().url("/resume"))
        .header(header::IF_NONE_MATCH, &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(again.headers()[header::ETAG].to_str().unwrap(), etag);
    assert!(again.bytes().await.unwrap().is_empty());

    let stale = http()
        .get(stack().url("/resume"))
        .header(header::IF_NONE_MATCH, "\"something-else\"")
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), StatusCode::OK);
}

#[tokio::test]
async fn cors_allows_only_listed_origins() {
    let allowed = http()
        .get(stack().url("/resume"))
        .header(header::ORIGIN, ALLOWED_ORIGIN)
        .send()
        .await
        .unwrap();
    assert_eq!(allowed.status(), StatusCode::OK);
    assert_eq!(
        allowed.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN],
        ALLOWED_ORIGIN
    );
    let vary = allowed.headers()[header::VARY]
        .to_str()
        .unwrap()
        .to_lowercase();
    assert!(vary.contains("origin"), "{vary}");

    let foreign = http()
        .get(stack().url("/resume"))
        .header(header::ORIGIN, "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), StatusCode::OK);
    assert!(!foreign
        .headers()
        .contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN));

    let preflight = |origin: &'static str| {
        http()
            .request(reqwest::Method::OPTIONS, stack().url("/resume"))
            .header(header::ORIGIN, origin)
            .header(header::ACCESS_CONTROL_REQUEST_METHOD, "GET")
            .send()
    };
    let ok = preflight(ALLOWED_ORIGIN).await.unwrap();
    assert!(ok.status().is_success());
    assert_eq!(
        ok.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN],
        ALLOWED_ORIGIN
    );
    let refused = preflight("https://evil.example").await.unwrap();
    assert!(!refused
        .headers()
        .contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN));
    assert!(!refused
        .headers()
        .contains_key(header::ACCESS_CONTROL_ALLOW_METHODS));
}

#[tokio::test]
async fn unknown_routes_and_methods_are_json_errors() {
    json_error(get("/nope").await, StatusCode::NOT_FOUND, "not_found").await;
    let post = http().post(stack().url("/resume")).send().await.unwrap();
    json_error(post, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed").await;
}

#[tokio::test]
async fn every_response_names_its_request_id() {
    let response = http()
        .get(stack().url("/resume"))
        .header("x-request-id", "it-req-42")
        .send()
        .await
        .unwrap();
    // API Gateway substitutes its own id; locally the caller's is kept.
    let id = response.headers()["x-request-id"].to_str().unwrap();
    if stack().is_local() {
        assert_eq!(id, "it-req-42");
    } else {
        assert!(!id.is_empty());
    }
}
