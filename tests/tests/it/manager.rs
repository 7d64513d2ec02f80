#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! The dynamodbmanager API over HTTP, against DynamoDB Local (or a deployed
//! stage with `API_URL`): every operation of `POST /dynamodbmanager`, the
//! REST `/items` routes, and every client error (4xx) the error table of
//! docs/dynamodbmanager.md#errors lists, each with the JSON error the Python original answered with a
//! 500.
//!
//! Each test uses ids of its own and deletes what it wrote, so the suite can
//! run against a shared stage. Throttling (429) cannot be produced by
//! DynamoDB Local (its mapping is unit-tested in `platform::error`); an
//! unreachable DynamoDB (503) is tested in `tests/it/faults.rs`.

use crate::util::{http, json_error, stack, unique_id};
use reqwest::{header, StatusCode};
use serde_json::{json, Value};

const BIG: &str = "12345678901234567890123456789012345678";

/// JSON from text, so that 38-digit numbers can be written literally.
fn j(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

async fn post_raw(body: impl Into<reqwest::Body>, content_type: Option<&str>) -> reqwest::Response {
    let mut request = http().post(stack().url("/dynamodbmanager")).body(body);
    if let Some(ct) = content_type {
        request = request.header(header::CONTENT_TYPE, ct);
    }
    request.send().await.unwrap()
}

/// POSTs `body` as JSON; returns the status and the parsed answer.
async fn call(body: &Value) -> (StatusCode, Value) {
    let response = post_raw(body.to_string(), Some("application/json")).await;
    let status = response.status();
    assert_eq!(
        response.headers()[header::CONTENT_TYPE],
        "application/json",
        "{body}"
    );
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap())
}

/// Calls and insists on a 200.
async fn ok(body: Value) -> Value {
    let (status, answer) = call(&body).await;
    assert_eq!(status, StatusCode::OK, "{body} -> {answer}");
    answer
}

/// Checks a JSON error answer ([`json_error`]); returns its message.
async fn assert_json_error(response: reqwest::Response, status: StatusCode, code: &str) -> String {
    let body = json_error(response, status, code).await;
    body["message"].as_str().unwrap().to_owned()
}

/// Calls and expects a JSON error; returns its message.
async fn error(body: &Value, status: StatusCode, code: &str) -> String {
    let response = post_raw(body.to_string(), Some("application/json")).await;
    assert_json_error(response, status, code).await
}

async fn read(id: &str) -> Value {
    ok(json!({"operation": "read", "payload": {"Key": {"id": id}, "ConsistentRead": true}})).await
}

async fn delete(id: &str) {
    ok(json!({"operation": "delete", "payload": {"Key": {"id": id}}})).await;
}

/// Sets come back in DynamoDB's order; compare them sorted.
fn sorted(v: &Value) -> Vec<String> {
    let mut items: Vec<String> = v.as_array().unwrap().iter().map(Value::to_string).collect();
    items.sort();
    items
}

#[tokio::test]
async fn ping_answers_pong_whatever_the_content_type() {
    for ct in [
        Some("application/json"),
        // What `curl -d` sends without -H.
        Some("application/x-www-form-urlencoded"),
        Some("text/plain; charset=utf-8"),
        None,
    ] {
        let response = post_raw(r#"{"operation": "ping"}"#, ct).await;
        assert_eq!(response.status(), StatusCode::OK, "{ct:?}");
        assert_eq!(response.headers()[header::CONTENT_TYPE], "application/json");
        assert_eq!(response.text().await.unwrap(), r#""pong""#, "{ct:?}");
    }
}

#[tokio::test]
async fn echo_returns_the_payload_unchanged() {
    let payload = format!(
        r#"{{"big":{BIG},"tenth":0.1,"e":-1.25e-7,"s":"Zoë 👩🏽‍💻","n":null,"l":[[],{{}},true],"$SS":["not","a set here"]}}"#
    );
    let body = format!(r#"{{"operation":"echo","payload":{payload}}}"#);
    let response = post_raw(body, Some("application/x-www-form-urlencoded")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.unwrap();
    // Digit for digit: nothing went through f64.
    assert!(
        text.contains(BIG) && text.contains(r#""tenth":0.1"#) && text.contains("-1.25e-7"),
        "{text}"
    );
    assert_eq!(j(&text), j(&payload));

    let (status, answer) = call(&json!({"operation": "echo"})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(answer, Value::Null);
}

#[tokio::test]
async fn every_type_round_trips_through_create_and_read() {
    let id = unique_id("mgr-types");
    let item = j(&format!(
        r#"{{
        "id": "{id}",
        "big": {BIG}, "negbig": -{BIG}, "tenth": 0.1, "int": -7, "zero": 0,
        "s": "Zoë 👩🏽‍💻", "empty": "", "t": true, "f": false, "nothing": null,
        "map": {{"deep": {{"er": [null, 1.5, "x", {{"k": [{BIG}]}}]}}, "em": {{}}}},
        "list": [[], {{}}, [1, [2, "three"]]],
        "bin": {{"$B": "AAECA/8="}},
        "ss": {{"$SS": ["b", "a", "ünï"]}},
        "ns": {{"$NS": [{BIG}, 0.1, -3]}},
        "bs": {{"$BS": ["aGk=", "AA=="]}}
    }}"#
    ));
    let created = ok(json!({"operation": "create", "payload": {"Item": item}})).await;
    assert_eq!(created, json!({}));

    let response = post_raw(
        json!({"operation": "read", "payload": {"Key": {"id": id}, "ConsistentRead": true}})
            .to_string(),
        Some("application/json"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.unwrap();
    assert!(text.contains(&format!(":{BIG}")), "{text}");
    assert!(text.contains(&format!(":-{BIG}")), "{text}");
    assert!(text.contains("\"tenth\":0.1"), "{text}");
    let mut got = j(&text)["Item"].clone();

    // Sets are unordered in DynamoDB.
    for (name, tag) in [("ss", "$SS"), ("ns", "$NS"), ("bs", "$BS")] {
        assert_eq!(sorted(&got[name][tag]), sorted(&item[name][tag]), "{name}");
        got[name] = item[name].clone();
    }
    assert_eq!(got, item);

    delete(&id).await;
}

#[tokio::test]
async fn read_of_an_absent_key_has_no_item_and_projection_works() {
    let absent =
        ok(json!({"operation": "read", "payload": {"Key": {"id": unique_id("mgr-none")}}})).await;
    assert_eq!(absent, json!({}));

    let id = unique_id("mgr-proj");
    ok(json!({"operation": "create", "payload": {"Item": {"id": id, "name": "n", "size": 3, "x": 1}}})).await;
    let projected = ok(json!({"operation": "read", "payload": {
        "Key": {"id": id},
        "ProjectionExpression": "#n, #s",
        "ExpressionAttributeNames": {"#n": "name", "#s": "size"},
        "ConsistentRead": true
    }}))
    .await;
    assert_eq!(projected, json!({"Item": {"name": "n", "size": 3}}));
    delete(&id).await;
}

#[tokio::test]
async fn create_with_condition_and_return_values() {
    let id = unique_id("mgr-create");
    let first = json!({"operation": "create", "payload": {
        "Item": {"id": id, "v": 1},
        "ConditionExpression": "attribute_not_exists(id)",
        "ReturnValues": "ALL_OLD"
    }});
    // New: nothing old to return.
    assert_eq!(ok(first.clone()).await, json!({}));
    // Again: the condition fails.
    let message = error(&first, StatusCode::CONFLICT, "conditional_check_failed").await;
    assert!(message.contains("condition"), "{message}");
    assert_eq!(read(&id).await["Item"]["v"], json!(1));

    // Overwrite with ALL_OLD: the old item comes back.
    let replaced = ok(json!({"operation": "create", "payload": {
        "Item": {"id": id, "v": 2},
        "ConditionExpression": "v = :one",
        "ExpressionAttributeValues": {":one": 1},
        "ReturnValues": "ALL_OLD"
    }}))
    .await;
    assert_eq!(replaced, json!({"Attributes": {"id": id, "v": 1}}));
    assert_eq!(read(&id).await["Item"]["v"], json!(2));
    delete(&id).await;
}

#[tokio::test]
async fn update_sets_adds_exactly_and_returns_values() {
    let id = unique_id("mgr-update");
    let almost = "99999999999999999999999999999999999998";
    ok(
        json!({"operation": "create", "payload": {"Item": j(&format!(
            r#"{{"id": "{id}", "n": {almost}, "tags": {{"$SS": ["a"]}}}}"#
        ))}}),
    )
    .await;

    // Without ReturnValues: {}.
    let plain = ok(json!({"operation": "update", "payload": {
        "Key": {"id": id},
        "UpdateExpression": "SET #s = :s",
        "ExpressionAttributeNames": {"#s": "status"},
        "ExpressionAttributeValues": {":s": "active"}
    }}))
    .await;
    assert_eq!(plain, json!({}));

    // ADD on a 38-digit number is exact; ALL_NEW returns the whole item.
    let updated = ok(json!({"operation": "update", "payload": {
        "Key": {"id": id},
        "UpdateExpression": "ADD n :one, tags :more SET price = :price",
        "ExpressionAttributeValues": {":one": 1, ":more": {"$SS": ["b"]}, ":price": j("0.1")},
        "ReturnValues": "ALL_NEW"
    }}))
    .await;
    let attrs = &updated["Attributes"];
    assert_eq!(
        attrs["n"].to_string(),
        "99999999999999999999999999999999999999"
    );
    assert_eq!(attrs["price"].to_string(), "0.1");
    assert_eq!(attrs["status"], "active");
    assert_eq!(sorted(&attrs["tags"]["$SS"]), sorted(&json!(["a", "b"])));

    // UPDATED_OLD returns only the changed attributes, as they were.
    let old = ok(json!({"operation": "update", "payload": {
        "Key": {"id": id},
        "UpdateExpression": "SET #s = :s",
        "ConditionExpression": "#s = :was",
        "ExpressionAttributeNames": {"#s": "status"},
        "ExpressionAttributeValues": {":s": "done", ":was": "active"},
        "ReturnValues": "UPDATED_OLD"
    }}))
    .await;
    assert_eq!(old, json!({"Attributes": {"status": "active"}}));

    // A failing condition is 409 and changes nothing.
    let failing = json!({"operation": "update", "payload": {
        "Key": {"id": id},
        "UpdateExpression": "SET #s = :s",
        "ConditionExpression": "#s = :was",
        "ExpressionAttributeNames": {"#s": "status"},
        "ExpressionAttributeValues": {":s": "again", ":was": "active"}
    }});
    error(&failing, StatusCode::CONFLICT, "conditional_check_failed").await;
    assert_eq!(read(&id).await["Item"]["status"], "done");
    delete(&id).await;
}

#[tokio::test]
async fn delete_returns_old_values_and_honours_conditions() {
    let id = unique_id("mgr-delete");
    ok(json!({"operation": "create", "payload": {"Item": {"id": id, "keep": true}}})).await;

    let guarded = json!({"operation": "delete", "payload": {
        "Key": {"id": id},
        "ConditionExpression": "attribute_not_exists(#k)",
        "ExpressionAttributeNames": {"#k": "keep"}
    }});
    error(&guarded, StatusCode::CONFLICT, "conditional_check_failed").await;
    assert_eq!(read(&id).await["Item"]["keep"], json!(true));

    let deleted = ok(json!({"operation": "delete", "payload": {
        "Key": {"id": id}, "ReturnValues": "ALL_OLD"
    }}))
    .await;
    assert_eq!(deleted, json!({"Attributes": {"id": id, "keep": true}}));
    assert_eq!(read(&id).await, json!({}));

    // Deleting what is not there is not an error; nothing comes back.
    let again = ok(json!({"operation": "delete", "payload": {
        "Key": {"id": id}, "ReturnValues": "ALL_OLD"
    }}))
    .await;
    assert_eq!(again, json!({}));
}

#[tokio::test]
async fn list_paginates_with_limit_and_exclusive_start_key() {
    let prefix = unique_id("mgr-list");
    let ids: Vec<String> = (0..5).map(|i| format!("{prefix}-{i}")).collect();
    for (i, id) in ids.iter().enumerate() {
        ok(json!({"operation": "create", "payload": {"Item": {"id": id, "i": i, "pad": "x"}}}))
            .await;
    }

    let mut seen = Vec::new();
    let mut start: Option<Value> = None;
    let mut pages = 0;
    loop {
        let mut payload = json!({
            "Limit": 2,
            "FilterExpression": "begins_with(id, :p)",
            "ProjectionExpression": "id, i",
            "ExpressionAttributeValues": {":p": prefix},
            "ConsistentRead": true
        });
        if let Some(key) = start.take() {
            payload["ExclusiveStartKey"] = key;
        }
        let page = ok(json!({"operation": "list", "payload": payload})).await;
        let items = page["Items"].as_array().unwrap();
        assert!(page["ScannedCount"].as_u64().unwrap() <= 2, "{page}");
        assert_eq!(page["Count"].as_u64().unwrap() as usize, items.len());
        for item in items {
            assert_eq!(item.as_object().unwrap().len(), 2, "projection: {item}");
            seen.push(item["id"].as_str().unwrap().to_owned());
        }
        pages += 1;
        assert!(pages < 100_000, "pagination does not end");
        match page.get("LastEvaluatedKey") {
            Some(key) => {
                assert_eq!(key.as_object().unwrap().keys().collect::<Vec<_>>(), ["id"]);
                start = Some(key.clone());
            }
            None => break,
        }
    }
    seen.sort();
    assert_eq!(seen, ids);
    assert!(
        pages >= 3,
        "5 items at Limit 2 need at least 3 pages, got {pages}"
    );

    // No payload, an empty one, and an oversized Limit all work.
    for payload in [None, Some(json!({})), Some(json!({"Limit": 5000}))] {
        let mut body = json!({"operation": "list"});
        if let Some(p) = payload {
            body["payload"] = p;
        }
        let page = ok(body).await;
        assert!(page["ScannedCount"].as_u64().unwrap() <= 1000, "{page}");
        assert!(page["Items"].is_array());
    }
    let page = ok(json!({"operation": "list", "payload": {}})).await;
    assert!(page["ScannedCount"].as_u64().unwrap() <= 100);

    for id in &ids {
        delete(id).await;
    }
}

#[tokio::test]
async fn table_name_is_checked_against_the_allow_list() {
    let stack = stack();
    // The managed table by name works like no name at all.
    if !stack.tables.manager.is_empty() {
        let id = unique_id("mgr-named");
        ok(
            json!({"operation": "create", "tableName": stack.tables.manager,
                  "payload": {"Item": {"id": id}}}),
        )
        .await;
        assert_eq!(read(&id).await["Item"]["id"], json!(id));
        delete(&id).await;
    }
    // Any other table, including this project's own resume table, is 403
    // before anything is read or written.
    let mut foreign = vec!["some-other-table".to_owned(), String::new()];
    if !stack.tables.resume.is_empty() {
        foreign.push(stack.tables.resume.clone());
    }
    for table in foreign {
        for op in ["create", "read", "update", "delete", "list"] {
            let body = json!({"operation": op, "tableName": table,
                              "payload": {"Key": {"id": "example"}, "Item": {"id": "x"}}});
            let message = error(&body, StatusCode::FORBIDDEN, "forbidden").await;
            assert!(message.contains(&format!("{table:?}")), "{message}");
            assert!(message.contains("tableName"), "{message}");
        }
    }
    // echo and ping touch no table.
    let (status, _) = call(&json!({"operation": "ping", "tableName": "some-other-table"})).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn unknown_operation_is_400_naming_the_valid_ones() {
    for op in ["drop", "PING", "scan", ""] {
        let message = error(
            &json!({"operation": op}),
            StatusCode::BAD_REQUEST,
            "unknown_operation",
        )
        .await;
        for valid in ["create", "read", "update", "delete", "list", "echo", "ping"] {
            assert!(message.contains(valid), "{message}");
        }
    }
}

#[tokio::test]
async fn wrong_shapes_are_400_naming_the_field_path() {
    let cases = [
        (json!({"payload": {}}), "body: missing field `operation`"),
        (json!({"operation": 7}), "operation: invalid type"),
        (
            json!({"operation": "read"}),
            "payload: the read operation needs a payload",
        ),
        (
            json!({"operation": "read", "payload": {}}),
            "payload: missing field `Key`",
        ),
        (
            json!({"operation": "read", "payload": {"Key": ["id"]}}),
            "payload.Key: invalid type",
        ),
        (
            json!({"operation": "read", "payload": {"Key": {"id": {"nested": 1}}}}),
            "payload.Key.id: a key attribute must be",
        ),
        (
            json!({"operation": "create", "payload": {"Item": {"id": "x", "s": {"$SS": []}}}}),
            "payload.Item.s.$SS: a set cannot be empty",
        ),
        (
            json!({"operation": "create", "payload": {"Item": {"id": "x"}, "Bogus": 1}}),
            "payload.Bogus: unknown field `Bogus`, expected one of `Item`",
        ),
        (
            json!({"operation": "update", "payload": {"Key": {"id": "x"}, "ReturnValues": "EVERYTHING"}}),
            "payload.ReturnValues: unknown variant `EVERYTHING`",
        ),
        (
            json!({"operation": "list", "payload": {"Limit": 0}}),
            "payload.Limit: must be a whole number from 1 to 1000",
        ),
        (
            json!({"operation": "list", "payload": {"ExclusiveStartKey": {"id": true}}}),
            "payload.ExclusiveStartKey.id: a key attribute must be",
        ),
        (
            json!([{"operation": "ping"}]),
            "body: expected a JSON object",
        ),
    ];
    for (body, expected) in cases {
        let message = error(&body, StatusCode::BAD_REQUEST, "invalid_request").await;
        assert!(message.starts_with(expected), "{body}: {message}");
    }
    for junk in ["", "{", "operation=ping", "{\"operation\": \"ping\"} x"] {
        assert_json_error(
            post_raw(junk, None).await,
            StatusCode::BAD_REQUEST,
            "invalid_json",
        )
        .await;
    }
    let invalid_utf8: Vec<u8> = b"{\"operation\": \"\xff\xfe\"}".to_vec();
    assert_json_error(
        post_raw(invalid_utf8, None).await,
        StatusCode::BAD_REQUEST,
        "invalid_json",
    )
    .await;
}

#[tokio::test]
async fn dynamodb_validation_errors_are_400_with_its_message() {
    let id = unique_id("mgr-invalid");
    let cases = [
        // Missing key attributes.
        (
            json!({"operation": "create", "payload": {"Item": {"name": "no id"}}}),
            "key",
        ),
        (
            json!({"operation": "read", "payload": {"Key": {"other": "x"}}}),
            "key",
        ),
        (
            json!({"operation": "delete", "payload": {"Key": {}}}),
            "key",
        ),
        (
            json!({"operation": "read", "payload": {"Key": {"id": 5}}}),
            "key",
        ),
        // Invalid expressions.
        (
            json!({"operation": "update", "payload": {"Key": {"id": id}, "UpdateExpression": "SET"}}),
            "UpdateExpression",
        ),
        (
            json!({"operation": "update", "payload": {"Key": {"id": id}, "UpdateExpression": "SET a = :missing"}}),
            ":missing",
        ),
        (
            json!({"operation": "read", "payload": {"Key": {"id": id}, "ProjectionExpression": "name, size"}}),
            "reserved keyword",
        ),
        (
            json!({"operation": "list", "payload": {"FilterExpression": "id ==="}}),
            "FilterExpression",
        ),
        (
            json!({"operation": "create", "payload": {"Item": {"id": id}, "ConditionExpression": "#x = :y"}}),
            "#x",
        ),
        // Values DynamoDB cannot store.
        (
            json!({"operation": "create", "payload": {"Item": {"id": id, "s": {"$SS": ["a", "a"]}}}}),
            "duplicates",
        ),
        (
            j(&format!(
                r#"{{"operation": "create", "payload": {{"Item": {{"id": "{id}", "n": 1234567890123456789012345678901234567891}}}}}}"#
            )),
            "38",
        ),
        (
            j(&format!(
                r#"{{"operation": "create", "payload": {{"Item": {{"id": "{id}", "n": 1e126}}}}}}"#
            )),
            "number",
        ),
    ];
    for (body, expected) in cases {
        let message = error(&body, StatusCode::BAD_REQUEST, "validation_error").await;
        assert!(
            message.to_lowercase().contains(&expected.to_lowercase()),
            "{body}: {message}"
        );
    }
    // None of them wrote anything.
    assert_eq!(read(&id).await, json!({}));
}

#[tokio::test]
async fn bodies_over_1_mib_are_413() {
    let big = format!(
        r#"{{"operation":"echo","payload":"{}"}}"#,
        "x".repeat(1024 * 1024)
    );
    assert!(big.len() > 1024 * 1024);
    let response = post_raw(big, Some("application/json")).await;
    assert_json_error(response, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
    // Just under the cap is fine.
    let fits = format!(
        r#"{{"operation":"echo","payload":"{}"}}"#,
        "x".repeat(1024 * 1024 - 64)
    );
    let response = post_raw(fits, None).await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn other_methods_on_the_manager_route_are_405() {
    let response = http()
        .get(stack().url("/dynamodbmanager"))
        .send()
        .await
        .unwrap();
    assert_json_error(
        response,
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
    )
    .await;
}

// ---- REST routes ------------------------------------------------------------

fn item_url(id: &str) -> String {
    stack().url(&format!("/items/{id}"))
}

async fn put_item(id: &str, body: &str) -> reqwest::Response {
    http()
        .put(item_url(id))
        .header(header::CONTENT_TYPE, "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn rest_put_get_delete() {
    let id = unique_id("rest");
    let body =
        format!(r#"{{"name": "Ada", "big": {BIG}, "tenth": 0.1, "tags": {{"$SS": ["x"]}}}}"#);

    let created = put_item(&id, &body).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let stored: Value = created.json().await.unwrap();
    let mut expected = j(&body);
    expected["id"] = json!(id);
    assert_eq!(stored, expected);

    let got = http().get(item_url(&id)).send().await.unwrap();
    assert_eq!(got.status(), StatusCode::OK);
    assert_eq!(got.headers()[header::CONTENT_TYPE], "application/json");
    let text = got.text().await.unwrap();
    assert!(text.contains(BIG) && text.contains("0.1"), "{text}");
    assert_eq!(j(&text), expected);

    // The same item through the manager API.
    assert_eq!(read(&id).await["Item"], expected);

    // Replacing: 200, and the same id in the body is fine.
    let replaced = put_item(&id, &format!(r#"{{"id": "{id}", "name": "Grace"}}"#)).await;
    assert_eq!(replaced.status(), StatusCode::OK);
    let got: Value = http()
        .get(item_url(&id))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(got, json!({"id": id, "name": "Grace"}));

    let deleted = http().delete(item_url(&id)).send().await.unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert!(deleted.bytes().await.unwrap().is_empty());

    let gone = http().get(item_url(&id)).send().await.unwrap();
    let message = assert_json_error(gone, StatusCode::NOT_FOUND, "not_found").await;
    assert!(message.contains(&id), "{message}");
    let again = http().delete(item_url(&id)).send().await.unwrap();
    assert_json_error(again, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn rest_put_refuses_a_different_id_and_bad_bodies() {
    let id = unique_id("rest-bad");
    let cases = [
        (r#"{"id": "someone-else", "x": 1}"#, "id_mismatch"),
        (r#"{"id": 5}"#, "id_mismatch"),
        (r#"{"id": null}"#, "id_mismatch"),
        ("[1, 2]", "invalid_request"),
        (r#"{"s": {"$NS": ["x"]}}"#, "invalid_request"),
        ("{", "invalid_json"),
        ("", "invalid_json"),
    ];
    for (body, code) in cases {
        let message =
            assert_json_error(put_item(&id, body).await, StatusCode::BAD_REQUEST, code).await;
        if code == "id_mismatch" {
            assert!(message.contains(&id), "{message}");
        }
    }
    // Nothing was written.
    let gone = http().get(item_url(&id)).send().await.unwrap();
    assert_json_error(gone, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn rest_ids_are_percent_decoded() {
    let id = format!("{} é ü", unique_id("rest-enc"));
    let encoded = id
        .replace(' ', "%20")
        .replace('é', "%C3%A9")
        .replace('ü', "%C3%BC");
    let created = put_item(&encoded, r#"{"v": 1}"#).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let got: Value = http()
        .get(item_url(&encoded))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(got, json!({"id": id, "v": 1}));
    assert_eq!(read(&id).await["Item"]["v"], json!(1));
    let deleted = http().delete(item_url(&encoded)).send().await.unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn rest_list_paginates_with_a_cursor() {
    let prefix = unique_id("rest-list");
    let ids: Vec<String> = (0..3).map(|i| format!("{prefix}-{i}")).collect();
    for id in &ids {
        assert_eq!(put_item(id, "{}").await.status(), StatusCode::CREATED);
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut url = stack().url("/items?limit=2");
        if let Some(c) = cursor.take() {
            url.push_str(&format!("&cursor={c}"));
        }
        let response = http().get(url).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let page: Value = response.json().await.unwrap();
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 2, "{page}");
        seen.extend(
            items
                .iter()
                .filter_map(|i| i["id"].as_str())
                .filter(|id| id.starts_with(&prefix))
                .map(str::to_owned),
        );
        pages += 1;
        assert!(pages < 100_000, "pagination does not end");
        match page.get("nextCursor") {
            Some(c) => cursor = Some(c.as_str().unwrap().to_owned()),
            None => break,
        }
    }
    seen.sort();
    assert_eq!(seen, ids);
    assert!(pages >= 2);

    let page: Value = http()
        .get(stack().url("/items?limit=5000"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(page["items"].as_array().unwrap().len() <= 1000);
    for query in [
        "limit=0",
        "limit=abc",
        "limit=-1",
        "limit=1.5",
        "cursor=%2A%2A%2A",
        "cursor=e30",
    ] {
        let response = http()
            .get(stack().url(&format!("/items?{query}")))
            .send()
            .await
            .unwrap();
        assert_json_error(response, StatusCode::BAD_REQUEST, "invalid_request").await;
    }
    for id in &ids {
        let deleted = http().delete(item_url(id)).send().await.unwrap();
        assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    }
}

#[tokio::test]
async fn manager_routes_answer_allowed_origins() {
    let response = http()
        .post(stack().url("/dynamodbmanager"))
        .header(header::ORIGIN, "http://localhost:8080")
        .body(r#"{"operation":"ping"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN],
        "http://localhost:8080"
    );
    let response = http()
        .get(stack().url("/items?limit=1"))
        .header(header::ORIGIN, "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(!response
        .headers()
        .contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN));
}
