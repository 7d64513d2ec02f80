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
        (r#"{"basics": "Jane"}"#, "at basics"),
        (
            r#"{"skills": [{"keywords": "rust"}]}"#,
            "skills[0].keywords",
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
