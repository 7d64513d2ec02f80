#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! The signed resume writes: `PUT` and `DELETE /resume/{id}`. Every test
//! writes its own ids; none depends on the owner's resume.

use crate::util::{http, json_error, stack, unique_id, unsigned_http, workspace_root};
use reqwest::{header, StatusCode};
use serde_json::{json, Value};

fn doc(name: &str) -> Value {
    json!({"basics": {"name": name, "email": "a@example.com"},
           "work": [{"name": "Acme", "startDate": "2020-03"}]})
}

async fn put(id: &str, body: &Value, condition: Option<(&str, &str)>) -> reqwest::Response {
    let mut req = http().put(stack().url(&format!("/resume/{id}"))).json(body);
    if let Some((name, value)) = condition {
        req = req.header(name, value);
    }
    req.send().await.unwrap()
}

async fn get(id: &str) -> reqwest::Response {
    http()
        .get(stack().url(&format!("/resume/{id}")))
        .send()
        .await
        .unwrap()
}

async fn delete(id: &str) -> StatusCode {
    let url = stack().url(&format!("/resume/{id}"));
    http().delete(url).send().await.unwrap().status()
}

fn etag(response: &reqwest::Response) -> String {
    response.headers()[header::ETAG]
        .to_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn put_creates_replaces_and_a_read_sees_the_write() {
    let id = unique_id("write");
    let created = put(&id, &doc("A"), Some(("if-none-match", "*"))).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let first = etag(&created);
    assert_eq!(created.json::<Value>().await.unwrap(), doc("A"));
    let read = get(&id).await;
    assert_eq!(etag(&read), first);
    assert_eq!(read.json::<Value>().await.unwrap(), doc("A"));

    // If-None-Match: * only creates; If-Match must name the stored ETag.
    let again = put(&id, &doc("B"), Some(("if-none-match", "*"))).await;
    json_error(
        again,
        StatusCode::PRECONDITION_FAILED,
        "precondition_failed",
    )
    .await;
    let stale = put(&id, &doc("B"), Some(("if-match", "\"0000\""))).await;
    json_error(
        stale,
        StatusCode::PRECONDITION_FAILED,
        "precondition_failed",
    )
    .await;
    assert_eq!(get(&id).await.json::<Value>().await.unwrap(), doc("A"));

    let replaced = put(&id, &doc("B"), Some(("if-match", first.as_str()))).await;
    assert_eq!(replaced.status(), StatusCode::OK);
    let second = etag(&replaced);
    assert_ne!(second, first);
    let read = get(&id).await;
    assert_eq!(etag(&read), second);
    assert_eq!(read.json::<Value>().await.unwrap(), doc("B"));
    assert_eq!(put(&id, &doc("C"), None).await.status(), StatusCode::OK);

    assert_eq!(delete(&id).await, StatusCode::NO_CONTENT);
    assert_eq!(get(&id).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(delete(&id).await, StatusCode::NOT_FOUND);
    let absent = put(&id, &doc("D"), Some(("if-match", "*"))).await;
    json_error(
        absent,
        StatusCode::PRECONDITION_FAILED,
        "precondition_failed",
    )
    .await;
}

#[tokio::test]
async fn unsigned_writes_are_refused_before_the_handler() {
    let id = unique_id("unsigned");
    let url = stack().url(&format!("/resume/{id}"));
    let put = unsigned_http()
        .put(&url)
        .json(&doc("A"))
        .send()
        .await
        .unwrap();
    let body = json_error(put, StatusCode::FORBIDDEN, "missing_authentication_token").await;
    assert!(body["message"].is_string());
    let delete = unsigned_http().delete(&url).send().await.unwrap();
    assert_eq!(delete.status(), StatusCode::FORBIDDEN);
    assert_eq!(get(&id).await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn refused_documents_name_every_violation_and_nothing_is_written() {
    let id = unique_id("invalid");
    let bad = json!({"basics": {"email": "nope", "profiles": [{"url": ""}]},
                     "work": [{"startDate": "March 2020"}]});
    let body = json_error(
        put(&id, &bad, None).await,
        StatusCode::BAD_REQUEST,
        "invalid_resume",
    )
    .await;
    let pointers: Vec<&str> = body["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["pointer"].as_str().unwrap())
        .collect();
    assert_eq!(
        pointers,
        [
            "/basics/email",
            "/basics/profiles/0/url",
            "/work/0/startDate"
        ]
    );
    assert!(body["violations"][0]["message"]
        .as_str()
        .unwrap()
        .contains("email"));

    let url = stack().url(&format!("/resume/{id}"));
    let not_json = http().put(&url).body("{nope").send().await.unwrap();
    json_error(not_json, StatusCode::BAD_REQUEST, "invalid_json").await;
    let huge = json!({"basics": {"summary": "x".repeat(400_000)}});
    json_error(
        put(&id, &huge, None).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
    )
    .await;
    let array = put(&id, &json!([1]), None).await;
    let body = json_error(array, StatusCode::BAD_REQUEST, "invalid_resume").await;
    assert_eq!(body["violations"][0]["pointer"], "");
    assert_eq!(get(&id).await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_schema_packages_examples_are_accepted_by_put() {
    let dir = workspace_root().join("crates/model/schema/examples");
    for entry in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        let example: Value = serde_json::from_str(&text).unwrap();
        let id = unique_id("example");
        let response = put(&id, &example, None).await;
        assert_eq!(response.status(), StatusCode::CREATED, "{text}");
        assert_eq!(get(&id).await.json::<Value>().await.unwrap(), example);
        assert_eq!(delete(&id).await, StatusCode::NO_CONTENT);
    }
}

#[tokio::test]
async fn publish_writes_only_what_differs_and_says_what_changed() {
    use local_api::owner::{publish, Outcome};
    let stack = stack();
    let store = resume::Store(platform::dynamo::Table::new(
        stack.dynamo().await,
        stack.tables.resume.as_str(),
    ));
    let id = model::resume::ResumeId::parse(&unique_id("publish")).unwrap();
    let text = |name: &str| doc(name).to_string();

    let dry = publish(&store, &id, &text("A"), true).await.unwrap();
    assert_eq!(dry, Outcome::Created);
    assert_eq!(get(id.as_str()).await.status(), StatusCode::NOT_FOUND);
    let created = publish(&store, &id, &text("A"), false).await.unwrap();
    assert_eq!(created, Outcome::Created);
    let before = etag(&get(id.as_str()).await);
    assert_eq!(
        publish(&store, &id, &text("A"), false).await.unwrap(),
        Outcome::Unchanged
    );
    assert_eq!(etag(&get(id.as_str()).await), before);

    let updated = publish(&store, &id, &text("B"), false).await.unwrap();
    assert_eq!(updated, Outcome::Updated(vec!["basics".into()]));
    assert_eq!(
        get(id.as_str()).await.json::<Value>().await.unwrap(),
        doc("B")
    );
    let refused = publish(&store, &id, r#"{"basics": {"url": "x"}}"#, false).await;
    let message = format!("{:#}", refused.unwrap_err());
    assert!(message.contains("/basics/url: "), "{message}");
    assert_eq!(
        get(id.as_str()).await.json::<Value>().await.unwrap(),
        doc("B")
    );
    assert_eq!(delete(id.as_str()).await, StatusCode::NO_CONTENT);
}
