#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! The owner's commands (`seed`, `validate`, `publish`) refuse bad input
//! before they touch a table.

use std::process::Command;

fn seed(file_contents: &str) -> std::process::Output {
    let dir = std::env::temp_dir().join(format!("seed-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("doc-{}.json", file_contents.len()));
    std::fs::write(&file, file_contents).unwrap();
    Command::new(env!("CARGO_BIN_EXE_local-api"))
        .args(["seed", "--file"])
        .arg(&file)
        // Nothing listens here: a test that reached DynamoDB would fail differently.
        .env("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:9")
        .env("AWS_ACCESS_KEY_ID", "x")
        .env("AWS_SECRET_ACCESS_KEY", "x")
        .env("AWS_REGION", "us-east-1")
        .output()
        .unwrap()
}

#[test]
fn a_file_that_is_not_a_json_resume_is_refused_with_a_clear_message() {
    for (doc, expected) in [
        (
            "[\"not\", \"an object\"]",
            "the top level must be an object",
        ),
        (r#"{"basics": "Jane"}"#, "/basics: \"Jane\" is not of type"),
        (
            r#"{"skills": [{"keywords": "rust"}]}"#,
            "/skills/0/keywords: ",
        ),
        ("{\"basics\": ", "not JSON"),
    ] {
        let out = seed(doc);
        assert!(!out.status.success(), "{doc} was accepted");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("cannot seed"), "{stderr}");
        assert!(stderr.contains(expected), "{doc}: {stderr}");
    }
}

/// The message names the value's line and column in the file as written
/// (it once said "line 1 column 1914" for a value on line 35) and its JSON
/// pointer.
#[test]
fn a_bad_value_is_located_in_the_owners_file() {
    let mut doc: serde_json::Value =
        serde_json::from_str(include_str!("../../../data/resume.json")).unwrap();
    doc["work"][1]["startDate"] = serde_json::json!(2019);
    let text = serde_json::to_string_pretty(&doc).unwrap();
    let line = text
        .lines()
        .position(|l| l.contains("\"startDate\": 2019"))
        .unwrap()
        + 1;
    assert!(line > 30, "the bad value should be far from line 1");
    let out = seed(&text);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(".json:{line}:")),
        "line {line} expected: {stderr}"
    );
    assert!(
        stderr.contains("at /work/1/startDate: 2019 is not of type \"string\""),
        "{stderr}"
    );
    assert!(!stderr.contains("line 1 column"), "{stderr}");
}

#[test]
fn a_missing_file_is_named() {
    let out = Command::new(env!("CARGO_BIN_EXE_local-api"))
        .args(["seed", "--file", "/nonexistent/resume.json"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read /nonexistent/resume.json"));
}

#[test]
fn an_invalid_id_is_refused() {
    let out = Command::new(env!("CARGO_BIN_EXE_local-api"))
        .args(["seed", "--file"])
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../data/resume.json"
        ))
        .args(["--id", "../etc/passwd"])
        .env("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:9")
        .env("AWS_REGION", "us-east-1")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid resume id"));
}

#[test]
fn validate_prints_file_pointer_message_line_and_column_and_exits_1() {
    let dir = std::env::temp_dir().join(format!("validate-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.json");
    std::fs::write(
        &bad,
        "{\n  \"basics\": {\"email\": \"x\", \"url\": \"\"}\n}",
    )
    .unwrap();
    let good = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/resume.json");
    let out = Command::new(env!("CARGO_BIN_EXE_local-api"))
        .arg("validate")
        .arg(good)
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let bad = bad.display();
    assert!(stdout.contains(&format!("{good}: valid")), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "{bad}: /basics/email: \"x\" is not a \"email\" (line 2, column 23)"
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("{bad}: /basics/url: ")),
        "{stdout}"
    );
    let ok = Command::new(env!("CARGO_BIN_EXE_local-api"))
        .args(["validate", good])
        .output()
        .unwrap();
    assert!(ok.status.success());
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn publish_refuses_an_invalid_file_before_the_table() {
    let dir = std::env::temp_dir().join(format!("publish-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.json");
    std::fs::write(&bad, r#"{"work": [{"startDate": "March 2020"}]}"#).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_local-api"))
        .arg("publish")
        .arg(&bad)
        .args(["--id", "x", "--dry-run"])
        .env("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:9")
        .env("AWS_ACCESS_KEY_ID", "x")
        .env("AWS_SECRET_ACCESS_KEY", "x")
        .env("AWS_REGION", "us-east-1")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("/work/0/startDate: \"March 2020\" does not match"),
        "{stderr}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}
