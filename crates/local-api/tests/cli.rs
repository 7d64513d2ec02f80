#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! The owner's commands (`validate`, `publish`) refuse bad input before they
//! touch a table.

use std::process::Command;

/// `local-api publish ARGS...` against an endpoint where nothing listens: a
/// test that reached DynamoDB would fail differently.
fn publish(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_local-api"));
    command
        .arg("publish")
        .args(args)
        .env("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:9")
        .env("AWS_ACCESS_KEY_ID", "x")
        .env("AWS_SECRET_ACCESS_KEY", "x")
        .env("AWS_REGION", "us-east-1")
        .env_remove("RESUME_ID")
        .env_remove("RESUME_TABLE");
    command
}

fn publish_text(file_contents: &str) -> std::process::Output {
    let dir = std::env::temp_dir().join(format!("publish-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("doc-{}.json", file_contents.len()));
    std::fs::write(&file, file_contents).unwrap();
    publish(&[file.to_str().unwrap(), "--dry-run"])
        .output()
        .unwrap()
}

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/resume.json");

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
        let out = publish_text(doc);
        assert!(!out.status.success(), "{doc} was accepted");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("cannot publish"), "{stderr}");
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
    let out = publish_text(&text);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("/work/1/startDate: 2019 is not of type \"string\""),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("(line {line}, column ")),
        "line {line} expected: {stderr}"
    );
    assert!(!stderr.contains("line 1 column"), "{stderr}");
}

#[test]
fn a_missing_file_is_named() {
    let out = publish(&["/nonexistent/resume.json"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read /nonexistent/resume.json"));
}

#[test]
fn an_invalid_id_is_refused() {
    let out = publish(&[EXAMPLE, "--id", "../etc/passwd"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid resume id"));
}

/// The stack serves one id at GET /resume (its ResumeId, the functions'
/// RESUME_ID): publishing under another is refused before any table is
/// touched, naming the file, the id and the stack.
#[test]
fn an_id_the_stack_does_not_serve_is_refused_naming_file_id_and_stack() {
    let out = publish(&[EXAMPLE, "--id", "example", "--stack", "resume-backend-prod"])
        .env("RESUME_ID", "me")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    for name in [EXAMPLE, "'example'", "stack resume-backend-prod", "'me'"] {
        assert!(stderr.contains(name), "{name} not named: {stderr}");
    }
    assert!(
        !stderr.contains("127.0.0.1:9"),
        "it tried the table: {stderr}"
    );
}

/// Against AWS, the table and the id must come from a stack (`make
/// resume-publish` reads its outputs), never from the local defaults.
#[test]
fn publishing_to_aws_needs_the_stack() {
    let out = publish(&[EXAMPLE])
        .env_remove("AWS_ENDPOINT_URL_DYNAMODB")
        .env("RESUME_TABLE", "some-table")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("needs the stack"), "{stderr}");
    assert!(
        stderr.contains("make resume-publish CONFIG_ENV="),
        "{stderr}"
    );
    let out = publish(&[EXAMPLE, "--stack", "s", "--create-tables"])
        .env_remove("AWS_ENDPOINT_URL_DYNAMODB")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("--create-tables needs AWS_ENDPOINT_URL_DYNAMODB"));
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
    let out = publish_text(r#"{"work": [{"startDate": "March 2020"}]}"#);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("/work/0/startDate: \"March 2020\" does not match"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("127.0.0.1:9"),
        "it tried the table: {stderr}"
    );
}
