#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! `local-api site-publish` against S3 and CloudFront as moto serves them on
//! loopback (`.venv/bin/moto_server`, `make venv`; started here, stopped at
//! the end): what the first publish stores, that a second one sends and
//! invalidates nothing, that a change is uploaded and only its path
//! invalidated, that a removed file is deleted.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use aws_sdk_cloudfront::types::{
    DefaultCacheBehavior, DistributionConfig, Origin, Origins, S3OriginConfig, ViewerProtocolPolicy,
};
use local_api::site_publish::{IMMUTABLE, NO_CACHE, SHORT};

/// moto_server on a free loopback port, killed on drop.
struct Moto {
    child: Child,
    url: String,
}

impl Moto {
    fn start() -> Self {
        let bin = testkit::workspace_root().join(".venv/bin/moto_server");
        assert!(
            bin.is_file(),
            "{} is missing: run `make venv` (moto[server] is in requirements-dev.txt)",
            bin.display()
        );
        let port = testkit::ddb::free_port().unwrap();
        let child = Command::new(&bin)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let moto = Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while !answers(port) {
            assert!(
                Instant::now() < deadline,
                "moto_server did not answer within 30 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        moto
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn answers(port: u16) -> bool {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    let mut head = [0u8; 5];
    s.write_all(b"GET /moto-api/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .is_ok()
        && s.read_exact(&mut head).is_ok()
        && &head == b"HTTP/"
}

/// The environment of every SDK call here: dummy credentials, moto's
/// endpoint through the SDK's own variable, no real AWS.
const ENV: [(&str, &str); 4] = [
    ("AWS_ACCESS_KEY_ID", "testing"),
    ("AWS_SECRET_ACCESS_KEY", "testing"),
    ("AWS_REGION", "us-east-1"),
    ("AWS_EC2_METADATA_DISABLED", "true"),
];

fn site_publish(moto: &Moto, dir: &Path, bucket: &str, distribution: &str) -> Output {
    site_publish_with(moto, dir, bucket, distribution, &[])
}

fn site_publish_with(
    moto: &Moto,
    dir: &Path,
    bucket: &str,
    distribution: &str,
    extra: &[&str],
) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_local-api"))
        .args(["site-publish", "--dir"])
        .arg(dir)
        .args(["--bucket", bucket, "--distribution", distribution])
        .args(extra)
        .envs(ENV)
        .env("AWS_ENDPOINT_URL", &moto.url)
        .env("RUST_LOG", "warn")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_ENDPOINT_URL_S3")
        .env_remove("AWS_ENDPOINT_URL_CLOUDFRONT")
        .env_remove("SITE_DIR")
        .output()
        .unwrap();
    eprintln!("{}", String::from_utf8_lossy(&out.stdout));
    eprintln!("{}", String::from_utf8_lossy(&out.stderr));
    out
}

struct Aws {
    s3: aws_sdk_s3::Client,
    cloudfront: aws_sdk_cloudfront::Client,
}

async fn clients(moto: &Moto) -> Aws {
    let creds = aws_credential_types::Credentials::new("testing", "testing", None, None, "test");
    let config = aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_credential_types::provider::SharedCredentialsProvider::new(creds))
        .endpoint_url(&moto.url)
        .build();
    let s3 = aws_sdk_s3::config::Builder::from(&config)
        .force_path_style(true)
        .build();
    Aws {
        s3: aws_sdk_s3::Client::from_conf(s3),
        cloudfront: aws_sdk_cloudfront::Client::new(&config),
    }
}

async fn create_distribution(cf: &aws_sdk_cloudfront::Client, bucket: &str) -> String {
    let origin = Origin::builder()
        .id("site")
        .domain_name(format!("{bucket}.s3.us-east-1.amazonaws.com"))
        .s3_origin_config(S3OriginConfig::builder().origin_access_identity("").build())
        .build()
        .unwrap();
    let config = DistributionConfig::builder()
        .caller_reference(bucket)
        .comment("site-publish test")
        .enabled(true)
        .origins(
            Origins::builder()
                .quantity(1)
                .items(origin)
                .build()
                .unwrap(),
        )
        .default_cache_behavior(
            DefaultCacheBehavior::builder()
                .target_origin_id("site")
                .viewer_protocol_policy(ViewerProtocolPolicy::RedirectToHttps)
                .build()
                .unwrap(),
        )
        .build()
        .unwrap();
    let out = cf
        .create_distribution()
        .distribution_config(config)
        .send()
        .await
        .unwrap();
    out.distribution().unwrap().id().to_owned()
}

/// Every key of the bucket with its Content-Type and Cache-Control.
async fn objects(s3: &aws_sdk_s3::Client, bucket: &str) -> Vec<(String, String, String)> {
    let list = s3.list_objects_v2().bucket(bucket).send().await.unwrap();
    let mut out = Vec::new();
    for o in list.contents() {
        let key = o.key().unwrap().to_owned();
        let head = s3
            .head_object()
            .bucket(bucket)
            .key(&key)
            .send()
            .await
            .unwrap();
        out.push((
            key,
            head.content_type().unwrap_or_default().to_owned(),
            head.cache_control().unwrap_or_default().to_owned(),
        ));
    }
    out.sort();
    out
}

async fn body(s3: &aws_sdk_s3::Client, bucket: &str, key: &str) -> Vec<u8> {
    let out = s3
        .get_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .unwrap();
    out.body.collect().await.unwrap().into_bytes().to_vec()
}

/// The paths of each invalidation of `distribution`, in creation order.
async fn invalidations(cf: &aws_sdk_cloudfront::Client, distribution: &str) -> Vec<Vec<String>> {
    let list = cf
        .list_invalidations()
        .distribution_id(distribution)
        .send()
        .await
        .unwrap();
    let mut out = Vec::new();
    let summaries = list
        .invalidation_list()
        .map(|l| l.items())
        .unwrap_or_default();
    for summary in summaries {
        let inv = cf
            .get_invalidation()
            .distribution_id(distribution)
            .id(summary.id())
            .send()
            .await
            .unwrap();
        let batch = inv.invalidation().unwrap().invalidation_batch().unwrap();
        let mut paths = batch.paths().unwrap().items().to_vec();
        paths.sort();
        out.push(paths);
    }
    out
}

fn write(dir: &Path, rel: &str, body: &str) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, body).unwrap();
}

fn stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "site-publish failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn site_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("site-publish-it-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    write(&dir, "index.html", "<!doctype html><p>v1</p>");
    write(
        &dir,
        "config.js",
        "window.RESUME_CONFIG = { api: \"/api\", id: \"\" };",
    );
    write(&dir, "style.css", "p { color: red }");
    write(&dir, "assets/app.3f9a1c2b.js", "console.log(1)");
    write(&dir, "docs/index.html", "<p>docs</p>");
    write(&dir, "old.txt", "bye");
    dir
}

fn row(key: &str, content_type: &str, cache_control: &str) -> (String, String, String) {
    (
        key.to_owned(),
        content_type.to_owned(),
        cache_control.to_owned(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn publishes_skips_reuploads_only_changes_and_deletes_what_is_gone() {
    let moto = Moto::start();
    let aws = clients(&moto).await;
    let bucket = "site-publish-test";
    aws.s3.create_bucket().bucket(bucket).send().await.unwrap();
    let distribution = create_distribution(&aws.cloudfront, bucket).await;
    let dir = site_dir();

    // 1. First publish: every file, with its type and caching; nothing was
    //    cached, so nothing is invalidated.
    let out = stdout(&site_publish(&moto, &dir, bucket, &distribution));
    assert!(out.contains("6 uploaded, 0 deleted, 0 unchanged"), "{out}");
    let html = "text/html; charset=utf-8";
    let js = "text/javascript; charset=utf-8";
    assert_eq!(
        objects(&aws.s3, bucket).await,
        [
            row("assets/app.3f9a1c2b.js", js, IMMUTABLE),
            row("config.js", js, NO_CACHE),
            row("docs/index.html", html, NO_CACHE),
            row("index.html", html, NO_CACHE),
            row("old.txt", "text/plain; charset=utf-8", SHORT),
            row("style.css", "text/css; charset=utf-8", SHORT),
        ]
    );
    assert!(invalidations(&aws.cloudfront, &distribution)
        .await
        .is_empty());

    // 2. Nothing changed: nothing sent, nothing invalidated.
    let out = stdout(&site_publish(&moto, &dir, bucket, &distribution));
    assert!(out.contains("0 uploaded, 0 deleted, 6 unchanged"), "{out}");
    assert!(out.contains("nothing cached changed"), "{out}");
    assert!(invalidations(&aws.cloudfront, &distribution)
        .await
        .is_empty());

    // 3. One file changed: a dry run says so and writes nothing; then only it
    //    is uploaded, only its path invalidated.
    write(&dir, "style.css", "p { color: blue }");
    let dry = site_publish_with(&moto, &dir, bucket, &distribution, &["--dry-run"]);
    let dry = stdout(&dry);
    assert!(
        dry.contains("would upload s3://site-publish-test/style.css (changed;")
            && dry.contains("would invalidate /style.css")
            && dry.contains("(dry run: nothing written)"),
        "{dry}"
    );
    assert!(invalidations(&aws.cloudfront, &distribution)
        .await
        .is_empty());
    assert_eq!(
        body(&aws.s3, bucket, "style.css").await,
        b"p { color: red }"
    );
    let out = stdout(&site_publish(&moto, &dir, bucket, &distribution));
    assert!(out.contains("1 uploaded, 0 deleted, 5 unchanged"), "{out}");
    assert!(
        out.contains("upload s3://site-publish-test/style.css (changed;"),
        "{out}"
    );
    assert_eq!(
        invalidations(&aws.cloudfront, &distribution).await,
        [vec!["/style.css".to_owned()]]
    );
    assert_eq!(
        body(&aws.s3, bucket, "style.css").await,
        b"p { color: blue }"
    );

    // 4. Files removed: their objects are deleted and their paths invalidated
    //    (`/docs/` too: the index rewrite caches it as /docs/index.html).
    std::fs::remove_file(dir.join("old.txt")).unwrap();
    std::fs::remove_file(dir.join("docs/index.html")).unwrap();
    let out = stdout(&site_publish(&moto, &dir, bucket, &distribution));
    assert!(out.contains("0 uploaded, 2 deleted, 4 unchanged"), "{out}");
    let keys: Vec<_> = objects(&aws.s3, bucket)
        .await
        .into_iter()
        .map(|r| r.0)
        .collect();
    assert_eq!(
        keys,
        [
            "assets/app.3f9a1c2b.js",
            "config.js",
            "index.html",
            "style.css"
        ]
    );
    let all = invalidations(&aws.cloudfront, &distribution).await;
    assert_eq!(all.len(), 2, "{all:?}");
    assert!(
        all.contains(&vec![
            "/docs/".to_owned(),
            "/docs/index.html".to_owned(),
            "/old.txt".to_owned()
        ]),
        "{all:?}"
    );

    // 5. Errors name the cause, and nothing panics.
    let out = site_publish(&moto, &dir, bucket, "ENOSUCHDIST");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "nothing changed, so nothing to invalidate: {err}"
    );
    write(&dir, "style.css", "p { color: green }");
    let out = site_publish(&moto, &dir, bucket, "ENOSUCHDIST");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("cannot invalidate /style.css on CloudFront distribution ENOSUCHDIST"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    let out = site_publish(&moto, &dir, "no-such-bucket", &distribution);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("cannot list s3://no-such-bucket") && err.contains("NoSuchBucket"),
        "{err}"
    );
    let empty = dir.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let out = site_publish(&moto, &empty, bucket, &distribution);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("has no files"), "{err}");
    assert_eq!(
        objects(&aws.s3, bucket).await.len(),
        4,
        "an empty folder deleted objects"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `local-api publish --distribution ID` (what `make resume-publish` passes
/// when the stack has a SiteDistributionId): a created or updated resume
/// invalidates its cached paths, an unchanged one nothing. DynamoDB Local
/// for the table, moto's CloudFront through AWS_ENDPOINT_URL_CLOUDFRONT.
#[tokio::test(flavor = "multi_thread")]
async fn a_changed_resume_invalidates_its_api_paths_an_unchanged_one_nothing() {
    let moto = Moto::start();
    let aws = clients(&moto).await;
    let distribution = create_distribution(&aws.cloudfront, "resume-cdn").await;
    let ddb = testkit::dynamodb_local();
    let table = format!("resume-cdn-{}", std::process::id());
    let example = testkit::workspace_root().join("data/resume.json");
    let publish = |file: &Path| {
        let out = Command::new(env!("CARGO_BIN_EXE_local-api"))
            .arg("publish")
            .arg(file)
            .args(["--create-tables", "--distribution", &distribution])
            .envs(ENV)
            .env("AWS_ENDPOINT_URL_DYNAMODB", ddb)
            .env("AWS_ENDPOINT_URL_CLOUDFRONT", &moto.url)
            .env("RESUME_TABLE", &table)
            .env("RESUME_ID", "me")
            .env("RUST_LOG", "warn")
            .env_remove("AWS_ENDPOINT_URL")
            .env_remove("AWS_PROFILE")
            .output()
            .unwrap();
        stdout(&out)
    };
    let paths = vec!["/api/resume*".to_owned(), "/resume*".to_owned()];

    let out = publish(&example);
    assert!(out.contains(": created"), "{out}");
    assert!(
        out.contains(&format!(
            "distribution {distribution}: invalidated /api/resume* /resume*"
        )),
        "{out}"
    );
    assert_eq!(
        invalidations(&aws.cloudfront, &distribution).await,
        std::slice::from_ref(&paths)
    );

    let out = publish(&example);
    assert!(out.contains(": unchanged"), "{out}");
    assert!(!out.contains("invalidat"), "{out}");
    assert_eq!(invalidations(&aws.cloudfront, &distribution).await.len(), 1);

    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&example).unwrap()).unwrap();
    doc["basics"]["label"] = serde_json::json!("Changed for the CDN test");
    let changed = std::env::temp_dir().join(format!("resume-cdn-{}.json", std::process::id()));
    std::fs::write(&changed, serde_json::to_string(&doc).unwrap()).unwrap();
    let out = publish(&changed);
    assert!(out.contains(": updated (basics)"), "{out}");
    assert_eq!(
        invalidations(&aws.cloudfront, &distribution).await,
        [paths.clone(), paths]
    );
    std::fs::remove_file(changed).unwrap();
}
