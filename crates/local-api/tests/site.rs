#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! The site and the API on one origin (`local_api::site`): the response
//! headers policy read as CloudFront applies it, and the routing of `/api/...`,
//! the API's own paths and the site's files.

use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Request, StatusCode, Uri};
use axum::routing::get;
use axum::Router;
use http_body_util::BodyExt;
use local_api::site::{HeadersPolicy, Site, SiteSettings};
use platform::http::AllowedOrigins;
use tower::ServiceExt;

const AGREED: &str = include_str!("fixtures/site-headers-policy.yaml");
const TEMPLATE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../template.yaml");
const CSP: &str = "default-src 'self'; connect-src 'self'; img-src 'self' https: data:; script-src 'self'; style-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

fn policy(text: &str) -> HeadersPolicy {
    HeadersPolicy::from_template(text).unwrap().unwrap().1
}

fn added(policy: &HeadersPolicy) -> Vec<(String, String, bool)> {
    policy
        .add
        .iter()
        .map(|h| {
            let value = h.value.to_str().unwrap().to_owned();
            (h.name.as_str().to_owned(), value, h.replace)
        })
        .collect()
}

/// Issue 30's agreed `SiteHeadersPolicy`, field by field as CloudFront's
/// API reference names the header each one sends.
#[test]
fn the_agreed_policy_is_sent_as_cloudfront_sends_it() {
    let (id, policy) = HeadersPolicy::from_template(AGREED).unwrap().unwrap();
    assert_eq!(id, "SiteHeadersPolicy");
    let want = [
        ("content-security-policy", CSP),
        (
            "strict-transport-security",
            "max-age=63072000; includeSubDomains",
        ),
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "strict-origin-when-cross-origin"),
    ]
    .map(|(n, v)| (n.to_owned(), v.to_owned(), true));
    assert_eq!(added(&policy), want);
    assert!(policy.remove.is_empty());
}

#[test]
fn the_other_fields_and_override_false_behave_as_in_cloudfront() {
    let config = r#"
Resources:
  P:
    Type: AWS::CloudFront::ResponseHeadersPolicy
    Properties:
      ResponseHeadersPolicyConfig:
        SecurityHeadersConfig:
          StrictTransportSecurity: {AccessControlMaxAgeSec: "300", Preload: true, Override: "false"}
          FrameOptions: {FrameOption: SAMEORIGIN, Override: true}
          XSSProtection: {Protection: true, ModeBlock: true, ReportUri: "https://r.example/x", Override: true}
        CustomHeadersConfig:
          Items:
            - {Header: X-Robots-Tag, Value: noindex, Override: false}
        RemoveHeadersConfig:
          Items:
            - {Header: Server}
"#;
    let parsed = policy(config);
    assert_eq!(
        added(&parsed),
        [
            ("strict-transport-security", "max-age=300; preload", false),
            ("x-frame-options", "SAMEORIGIN", true),
            (
                "x-xss-protection",
                "1; mode=block; report=https://r.example/x",
                true
            ),
            ("x-robots-tag", "noindex", false),
        ]
        .map(|(n, v, r)| (n.to_owned(), v.to_owned(), r))
    );
    let mut headers = HeaderMap::new();
    for (name, value) in [
        ("x-robots-tag", "all"),
        ("x-frame-options", "DENY"),
        ("server", "origin"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    parsed.apply(&mut headers);
    // Override false keeps the origin's header; true replaces it.
    assert_eq!(headers["x-robots-tag"], "all");
    assert_eq!(headers["x-frame-options"], "SAMEORIGIN");
    assert_eq!(headers["strict-transport-security"], "max-age=300; preload");
    assert!(!headers.contains_key("server"));
    let off = policy(&config.replace(
        "Protection: true, ModeBlock: true, ReportUri: \"https://r.example/x\"",
        "Protection: false",
    ));
    assert_eq!(off.add[2].value, "0");
}

#[test]
fn a_policy_only_cloudformation_could_resolve_is_refused() {
    let two = format!(
        "{AGREED}\n  Second:\n    Type: AWS::CloudFront::ResponseHeadersPolicy\n    Properties: {{}}\n"
    );
    for (text, says) in [
        (two, "more than one"),
        (
            AGREED.replace(
                "FrameOption: DENY",
                "FrameOption: !If [HasSite, DENY, SAMEORIGIN]",
            ),
            "intrinsic function",
        ),
        (
            AGREED.replace("FrameOption: DENY", "FrameOption: ALLOWALL"),
            "not DENY or SAMEORIGIN",
        ),
        (
            AGREED.replace(
                "ContentTypeOptions: {Override: true}",
                "ContentTypeOptions: {}",
            ),
            "Override is missing",
        ),
        (
            AGREED.replace(
                "AccessControlMaxAgeSec: 63072000",
                "AccessControlMaxAgeSec: 2y",
            ),
            "not a whole number",
        ),
    ] {
        let error = format!("{:#}", HeadersPolicy::from_template(&text).unwrap_err());
        assert!(error.contains(says), "{says}: {error}");
    }
    let none = "Resources:\n  B:\n    Type: AWS::S3::Bucket\n";
    assert_eq!(HeadersPolicy::from_template(none).unwrap(), None);
}

/// The one source: template.yaml has the site's policy, and it is strict
/// (issue 30, point 5). local-api serves whatever it says.
#[test]
fn template_yaml_has_a_strict_site_headers_policy() {
    let text = std::fs::read_to_string(TEMPLATE).unwrap();
    let (id, policy) = HeadersPolicy::from_template(&text)
        .unwrap()
        .expect("template.yaml has no AWS::CloudFront::ResponseHeadersPolicy");
    let got: std::collections::BTreeMap<String, String> =
        added(&policy).into_iter().map(|(n, v, _)| (n, v)).collect();
    for name in [
        "content-security-policy",
        "strict-transport-security",
        "x-content-type-options",
        "referrer-policy",
    ] {
        assert!(got.contains_key(name), "{id} sends no {name}: {got:?}");
    }
    let csp = &got["content-security-policy"];
    for directive in [
        "default-src 'self'",
        "connect-src 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(
            csp.contains(directive),
            "{id}'s CSP lacks {directive}: {csp}"
        );
    }
    assert!(
        !csp.contains("'unsafe-"),
        "{id}'s CSP allows inline code: {csp}"
    );
}

/// A stub of the API: its routes answer the path they saw, and
/// `platform::http::finish` adds the real layers and JSON 404.
fn api() -> Router {
    let echo = || get(|uri: Uri| async move { uri.path().to_owned() });
    let host = get(|headers: HeaderMap| async move {
        headers
            .get("host")
            .map_or("none".to_owned(), |h| h.to_str().unwrap().to_owned())
    });
    let routes = Router::new()
        .route("/resume", echo())
        .route("/visitorcount/stats", echo())
        .route("/host", host);
    platform::http::finish(routes, &AllowedOrigins::new(vec![]))
}

/// A site directory of its own for test `name` (tests run in parallel).
fn site_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("local-api-site-{}-{name}", std::process::id()));
    std::fs::create_dir_all(dir.join("blog")).unwrap();
    std::fs::write(dir.join("index.html"), "<p>home</p>").unwrap();
    std::fs::write(dir.join("blog/index.html"), "<p>blog</p>").unwrap();
    std::fs::write(dir.join("app.js"), "console.log(1);").unwrap();
    dir
}

fn site(dir: Option<&Path>) -> Site {
    Site {
        dir: dir.map(Path::to_path_buf),
        policy: std::sync::Arc::new(policy(AGREED)),
        headers_source: "test".into(),
    }
}

async fn get_path(app: &Router, path: &str) -> (StatusCode, HeaderMap, String) {
    let request = Request::get(path).body(Body::empty()).unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let (parts, body) = response.into_parts();
    let body = body.collect().await.unwrap().to_bytes();
    (
        parts.status,
        parts.headers,
        String::from_utf8_lossy(&body).into(),
    )
}

#[tokio::test]
async fn one_origin_serves_the_site_and_the_api_under_api_with_the_prefix_dropped() {
    let dir = site_dir("routes");
    let app = site(Some(dir.as_path())).router(api());
    for (path, body, kind) in [
        ("/", "<p>home</p>", "text/html"),
        ("/index.html", "<p>home</p>", "text/html"),
        ("/blog/", "<p>blog</p>", "text/html"),
        ("/app.js", "console.log(1);", "javascript"),
    ] {
        let (status, headers, got) = get_path(&app, path).await;
        assert_eq!((status, got.as_str()), (StatusCode::OK, body), "{path}");
        let content_type = headers["content-type"].to_str().unwrap();
        assert!(content_type.contains(kind), "{path}: {content_type}");
        assert_eq!(headers["content-security-policy"], CSP, "{path}");
        assert_eq!(headers["x-frame-options"], "DENY", "{path}");
        assert_eq!(headers["cache-control"], "no-cache", "{path}");
    }
    // The API sees the path without /api, as behind the distribution.
    for (path, seen) in [
        ("/api/resume", "/resume"),
        ("/api/visitorcount/stats?days=3", "/visitorcount/stats"),
    ] {
        let (status, headers, got) = get_path(&app, path).await;
        assert_eq!((status, got.as_str()), (StatusCode::OK, seen), "{path}");
        assert_eq!(headers["content-security-policy"], CSP, "{path}");
        assert!(
            headers.contains_key("x-request-id"),
            "{path}: the API's layers"
        );
    }
    // The API sees the origin's Host, never the viewer's (a request signed
    // for the site's host fails its SigV4 check, as in AWS).
    let viewer = |path: &str| {
        Request::get(path)
            .header("host", "127.0.0.1:3000")
            .body(Body::empty())
            .unwrap()
    };
    let seen = app.clone().oneshot(viewer("/api/host")).await.unwrap();
    let seen = seen.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(seen, local_api::site::ORIGIN_HOST.as_bytes());
    let seen = app.clone().oneshot(viewer("/host")).await.unwrap();
    let seen = seen.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(seen, "127.0.0.1:3000".as_bytes());
    // The API's own paths, as on the execute-api URL: no site headers.
    let (status, headers, got) = get_path(&app, "/resume").await;
    assert_eq!((status, got.as_str()), (StatusCode::OK, "/resume"));
    assert!(!headers.contains_key("content-security-policy"));
    // An unknown API path is the API's JSON 404, not a site file.
    for path in ["/api/nope", "/api", "/api/index.html"] {
        let (status, headers, got) = get_path(&app, path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        let json: serde_json::Value = serde_json::from_str(&got).unwrap();
        assert_eq!(json["error"], "not_found", "{path}: {got}");
        assert_eq!(headers["content-security-policy"], CSP, "{path}");
    }
    // The index function keeps the query string.
    let (status, _, got) = get_path(&app, "/blog/?from=home").await;
    assert_eq!((status, got.as_str()), (StatusCode::OK, "<p>blog</p>"));
    // What the directory does not have answers as S3 without s3:ListBucket
    // does through the distribution: 403 AccessDenied, with the site's
    // headers; a folder without its slash is no exception (no redirect).
    for path in ["/missing.html", "/blog", "/blog/missing/", "/nope/"] {
        let (status, headers, got) = get_path(&app, path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {got}");
        assert!(got.contains("<Code>AccessDenied</Code>"), "{path}: {got}");
        assert_eq!(headers["content-type"], "application/xml", "{path}");
        assert_eq!(headers["content-security-policy"], CSP, "{path}");
    }
    // Nor is anything outside it served.
    for path in ["/../Cargo.toml", "/%2e%2e/Cargo.toml"] {
        let (status, _, got) = get_path(&app, path).await;
        assert!(status.is_client_error(), "{path}: {status} {got}");
        assert!(!got.contains("[package]"), "{path}");
    }
    std::fs::remove_dir_all(dir).unwrap();
}

/// Without SITE_DIR, `local-api serve` is the execute-api URL's stand-in
/// as before: every unknown path (`/`, `/api/...`) is the API's JSON 404.
#[tokio::test]
async fn without_a_site_directory_the_api_is_served_alone() {
    let app = site(None).router(api());
    for path in ["/", "/index.html", "/api/resume"] {
        let (status, headers, got) = get_path(&app, path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(got.contains("not_found"), "{path}: {got}");
        assert!(!headers.contains_key("content-security-policy"), "{path}");
    }
    let (status, _, got) = get_path(&app, "/resume").await;
    assert_eq!((status, got.as_str()), (StatusCode::OK, "/resume"));
    let unset = SiteSettings {
        site_dir: None,
        site_template: PathBuf::from(TEMPLATE),
    };
    let loaded = unset.load().unwrap();
    assert_eq!(loaded.dir, None);
    assert_eq!(loaded.banner("http://x"), None);
}

#[test]
fn site_settings_refuse_a_missing_directory_and_tolerate_a_missing_template() {
    let settings = |dir: Option<&str>, template: &str| SiteSettings {
        site_dir: dir.map(PathBuf::from),
        site_template: PathBuf::from(template),
    };
    let error = settings(Some("/nonexistent/site"), TEMPLATE)
        .load()
        .unwrap_err();
    assert!(
        error.to_string().contains("SITE_DIR /nonexistent/site"),
        "{error}"
    );
    let dir = site_dir("settings");
    let loaded = settings(dir.to_str(), "/nonexistent/template.yaml")
        .load()
        .unwrap();
    assert_eq!(loaded.dir.as_deref(), Some(dir.as_path()));
    assert!(loaded.policy.add.is_empty());
    assert!(
        loaded.headers_source.starts_with("none"),
        "{}",
        loaded.headers_source
    );
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/site-headers-policy.yaml"
    );
    let loaded = settings(dir.to_str(), fixture).load().unwrap();
    assert_eq!(*loaded.policy, policy(AGREED));
    assert!(loaded.headers_source.ends_with("(SiteHeadersPolicy)"));
    let banner = loaded.banner("http://127.0.0.1:1").unwrap();
    assert!(
        banner.starts_with("  site http://127.0.0.1:1/ from "),
        "{banner}"
    );
    assert!(
        banner.contains("with the API at http://127.0.0.1:1/api/..."),
        "{banner}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}
