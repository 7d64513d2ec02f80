#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! The `local-api seed` command refuses bad input before it touches a table.

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
        (
            r#"{"basics": "Jane"}"#,
            ":1:17: not a JSON Resume document: at /basics: invalid type",
        ),
        (
            r#"{"skills": [{"keywords": "rust"}]}"#,
            "at /skills/0/keywords",
        ),
        ("{\"basics\": ", "not valid JSON"),
    ] {
        let out = seed(doc);
        assert!(!out.status.success(), "{doc} was accepted");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("not a JSON Resume document") || stderr.contains("not valid JSON"),
            "{stderr}"
        );
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
        stderr.contains("at /work/1/startDate: invalid type: integer"),
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
