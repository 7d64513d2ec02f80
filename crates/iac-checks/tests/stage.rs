#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! The stage prefix (`/Prod/...`), with and without
//! `AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH`, which lambda_http reads on every
//! request. One test in this binary, so changing the variable races nothing.

use axum::Router;
use http::Uri;
use http_body_util::BodyExt;
use iac_checks::workspace_root;
use serde_json::Value;
use tower::ServiceExt;

const IGNORE_STAGE: &str = "AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH";

/// Answers with the path the router sees.
fn echo() -> Router {
    Router::new().fallback(|uri: Uri| async move { uri.path().to_owned() })
}

async fn seen_by_router(text: &str) -> String {
    let request = lambda_http::request::from_str(text).unwrap();
    let response = platform::lambda::service(echo(), &Default::default())
        .oneshot(request)
        .await
        .unwrap();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8(body.to_vec()).unwrap()
}

#[tokio::test]
async fn routers_see_the_path_without_the_stage_either_way() {
    let mut files: Vec<_> = std::fs::read_dir(workspace_root().join("events"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(files.len() > 10);
    let mut with_stage = 0;

    for ignore in [false, true] {
        // Safe here: the only test in this process, and nothing else runs.
        if ignore {
            std::env::set_var(IGNORE_STAGE, "true");
        } else {
            std::env::remove_var(IGNORE_STAGE);
        }
        for file in &files {
            let text = std::fs::read_to_string(file).unwrap();
            let event: Value = serde_json::from_str(&text).unwrap();
            let stage = event["requestContext"]["stage"].as_str().unwrap();
            let path = event["path"].as_str().unwrap();
            let prefix = format!("/{stage}/");
            let bare = path
                .strip_prefix(&prefix[..prefix.len() - 1])
                .unwrap_or(path);
            if !ignore && path.starts_with(&prefix) {
                with_stage += 1;
            }

            // What lambda_http alone makes of it: the stage is added unless
            // the variable is set (then the path is left as sent).
            let raw = lambda_http::request::from_str(&text).unwrap();
            let raw = raw.uri().path().to_owned();
            if ignore {
                assert_eq!(raw, path, "{}", file.display());
            } else {
                assert_eq!(raw, format!("/{stage}{bare}"), "{}", file.display());
            }

            // What the routers see: never the stage.
            assert_eq!(
                seen_by_router(&text).await,
                bare,
                "{} with {IGNORE_STAGE} {}",
                file.display(),
                if ignore { "set" } else { "unset" }
            );
        }
    }
    assert!(with_stage > 0, "no event carries the /Prod/ form");
    std::env::remove_var(IGNORE_STAGE);
}
