//! `local-api site-publish`: a static site folder (`SITE_DIR`) into the
//! stack's S3 bucket (its `SiteBucketName` output), then one CloudFront
//! invalidation of what changed on its distribution (`SiteDistributionId`).
//!
//! The rules, pure and tested here ([`content_type`], [`cache_control`],
//! [`plan`], [`invalidation_paths`]):
//! - the key is the file's path under the folder, `/`-separated; dot files
//!   and dot folders are skipped, except `.well-known/`;
//! - `Content-Type` by extension (unknown: `application/octet-stream`);
//! - `Cache-Control`: [`NO_CACHE`] for HTML and `config.js` (what names
//!   everything else, and the API), [`IMMUTABLE`] for content-hashed names
//!   ([`is_content_hashed`]), [`SHORT`] for the rest;
//! - an object is unchanged when its SHA-256 (user metadata [`HASH_METADATA`],
//!   which SSE-KMS and multipart ETags would not give), `Content-Type` and
//!   `Cache-Control` are the file's: then nothing is sent;
//! - objects with no file are deleted; new files are uploaded before the
//!   pages that may name them (HTML and `config.js` last), deletions after;
//! - invalidated: the changed and deleted paths only (a new path has nothing
//!   cached but, for at most 10 s, an error), with `/dir/` beside
//!   `/dir/index.html` (AWS advises both URIs when a viewer-request function
//!   rewrites one into the other); over [`MAX_INVALIDATION_PATHS`], one `/*`.
//!
//! Endpoints come from the SDK's own variables (`AWS_ENDPOINT_URL_S3`,
//! `AWS_ENDPOINT_URL_CLOUDFRONT`, `AWS_ENDPOINT_URL`), so the rehearsal and
//! the tests run it against moto on loopback.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::Context;
use aws_sdk_cloudfront::types::{InvalidationBatch, Paths};
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{Delete, ObjectIdentifier};
use sha2::{Digest, Sha256};

/// `Cache-Control` of HTML and `config.js`: browsers and CloudFront
/// revalidate every time (a 304 when unchanged), so a publish is seen at once.
pub const NO_CACHE: &str = "no-cache";
/// `Cache-Control` of content-hashed assets: a new content gets a new name.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// `Cache-Control` of every other file (CSS, scripts, images with plain
/// names): at most 5 minutes stale in a browser; CloudFront's copy is
/// invalidated by the publish that changes it.
pub const SHORT: &str = "public, max-age=300";
/// The user-metadata key (`x-amz-meta-sha256`) holding the hex SHA-256 of
/// the object's bytes, written on upload and compared on the next publish.
pub const HASH_METADATA: &str = "sha256";
/// More changed paths than this are invalidated as one `/*` (one path on the
/// bill, and far below CloudFront's 3,000 paths in progress).
pub const MAX_INVALIDATION_PATHS: usize = 100;
/// How deep the folder may nest (a symbolic link loop ends here).
const MAX_DEPTH: usize = 32;

/// `local-api site-publish`'s arguments.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The site folder: every file in it becomes an object.
    #[arg(long, env = "SITE_DIR", default_value = "examples/frontend")]
    pub dir: PathBuf,
    /// The bucket: the stack's `SiteBucketName` output.
    #[arg(long, env = "SITE_BUCKET_NAME")]
    pub bucket: String,
    /// The distribution whose cache to invalidate (`SiteDistributionId`);
    /// none: nothing is invalidated.
    #[arg(long, env = "SITE_DISTRIBUTION_ID")]
    pub distribution: Option<String>,
    /// Say what would change; write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// `Content-Type` of `key`, by its extension (case-insensitive); text types
/// say UTF-8.
pub fn content_type(key: &str) -> &'static str {
    let ext = key
        .rsplit('/')
        .next()
        .and_then(|name| name.rsplit_once('.'))
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" | "map" => "application/json",
        "webmanifest" => "application/manifest+json",
        "txt" => "text/plain; charset=utf-8",
        "xml" => "application/xml",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "pdf" => "application/pdf",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "otf" => "font/otf",
        "wasm" => "application/wasm",
        "mp4" => "video/mp4",
        "webm" => "video/webm",
        _ => "application/octet-stream",
    }
}

/// `Cache-Control` of `key`: [`NO_CACHE`] for HTML and any `config.js`,
/// [`IMMUTABLE`] for a content-hashed name, else [`SHORT`].
pub fn cache_control(key: &str) -> &'static str {
    let name = key.rsplit('/').next().unwrap_or(key);
    if name == "config.js" || content_type(key).starts_with("text/html") {
        NO_CACHE
    } else if is_content_hashed(name) {
        IMMUTABLE
    } else {
        SHORT
    }
}

/// Whether a file name carries a content hash, the way bundlers write one
/// (`app.3f9a1c2b.js`, `index-B7x2kQ9d.css`): the last `.`- or `-`-separated
/// part before the extension has 8 to 64 ASCII letters, digits or `_`, at
/// least one digit and one letter. A date or version (`photo-20240101.jpg`,
/// `lib-1.2.3.js`) is not a hash; a hash this misses only gets [`SHORT`].
pub fn is_content_hashed(name: &str) -> bool {
    let Some((stem, _ext)) = name.rsplit_once('.') else {
        return false;
    };
    let Some((base, hash)) = stem.rsplit_once(['.', '-']) else {
        return false;
    };
    !base.is_empty()
        && (8..=64).contains(&hash.len())
        && hash.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && hash.bytes().any(|b| b.is_ascii_digit())
        && hash.bytes().any(|b| b.is_ascii_alphabetic())
}

/// What an object is stored with: what decides whether it changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stored {
    /// Hex SHA-256 of the bytes ([`HASH_METADATA`]); `None` when the object
    /// has no such metadata (not uploaded by this command).
    pub sha256: Option<String>,
    /// Its `Content-Type`.
    pub content_type: Option<String>,
    /// Its `Cache-Control`.
    pub cache_control: Option<String>,
}

/// A file of the site folder, as it is to be stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalFile {
    /// The S3 key (its path under the folder, `/`-separated).
    pub key: String,
    /// Where it is on disk (named in errors).
    pub path: PathBuf,
    /// Hex SHA-256 of its bytes.
    pub sha256: String,
}

impl LocalFile {
    /// How it is stored once uploaded.
    pub fn stored(&self) -> Stored {
        Stored {
            sha256: Some(self.sha256.clone()),
            content_type: Some(content_type(&self.key).to_owned()),
            cache_control: Some(cache_control(&self.key).to_owned()),
        }
    }
}

/// Why a file is uploaded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// No object has its key.
    New,
    /// The object's bytes or headers differ.
    Changed,
}

/// What a publish does.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    /// Files to upload, in upload order (HTML and `config.js` last).
    pub uploads: Vec<(Change, LocalFile)>,
    /// Keys to delete (no file has them).
    pub deletes: Vec<String>,
    /// Keys already stored as they are.
    pub unchanged: Vec<String>,
}

/// The plan that makes the bucket (`remote`: every key, with how it is
/// stored) hold exactly `local`.
pub fn plan(local: Vec<LocalFile>, remote: &BTreeMap<String, Stored>) -> Plan {
    let mut out = Plan::default();
    let keys: BTreeSet<&str> = local.iter().map(|f| f.key.as_str()).collect();
    out.deletes = remote
        .keys()
        .filter(|k| !keys.contains(k.as_str()))
        .cloned()
        .collect();
    for file in local {
        match remote.get(&file.key) {
            None => out.uploads.push((Change::New, file)),
            Some(stored) if *stored != file.stored() => out.uploads.push((Change::Changed, file)),
            Some(_) => out.unchanged.push(file.key),
        }
    }
    // What names other files goes after them (a stable sort keeps key order).
    out.uploads
        .sort_by_key(|(_, f)| cache_control(&f.key) == NO_CACHE);
    out
}

/// The CloudFront paths to invalidate after `plan`: each changed or deleted
/// key (URL-encoded), `/dir/` beside `/dir/index.html`; sorted, no
/// duplicates; `["/*"]` over [`MAX_INVALIDATION_PATHS`]; empty when nothing
/// cached can be stale.
pub fn invalidation_paths(plan: &Plan) -> Vec<String> {
    let changed = plan
        .uploads
        .iter()
        .filter(|(change, _)| *change == Change::Changed)
        .map(|(_, f)| f.key.as_str());
    let mut paths = BTreeSet::new();
    for key in changed.chain(plan.deletes.iter().map(String::as_str)) {
        let path = format!("/{}", url_encode(key));
        if let Some(dir) = path.strip_suffix("index.html").filter(|d| d.ends_with('/')) {
            paths.insert(dir.to_owned());
        }
        paths.insert(path);
    }
    if paths.len() > MAX_INVALIDATION_PATHS {
        return vec!["/*".to_owned()];
    }
    paths.into_iter().collect()
}

/// Percent-encodes all but RFC 3986's unreserved characters and `/`
/// (CloudFront wants unsafe characters encoded; `*` would be a wildcard).
fn url_encode(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for b in key.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Every file under `dir` with its key and hash, sorted by key.
///
/// # Errors
/// `dir` missing or unreadable, a file unreadable, a name that is not UTF-8
/// (an S3 key must be), nesting deeper than 32: the message names the path.
pub fn scan(dir: &Path) -> anyhow::Result<Vec<LocalFile>> {
    let meta = std::fs::metadata(dir)
        .with_context(|| format!("cannot read the site folder {}", dir.display()))?;
    anyhow::ensure!(meta.is_dir(), "{} is not a folder", dir.display());
    let mut files = Vec::new();
    walk(dir, "", 0, &mut files)?;
    files.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(files)
}

fn walk(dir: &Path, prefix: &str, depth: usize, out: &mut Vec<LocalFile>) -> anyhow::Result<()> {
    anyhow::ensure!(
        depth < MAX_DEPTH,
        "{}: nested deeper than {MAX_DEPTH} folders (a link loop?)",
        dir.display()
    );
    let entries =
        std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot read {}", dir.display()))?;
        let path = entry.path();
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
            anyhow::bail!(
                "{}: the name is not UTF-8, which an S3 key must be",
                path.display()
            );
        };
        if name.starts_with('.') && name != ".well-known" {
            continue;
        }
        let key = format!("{prefix}{name}");
        // Follows symbolic links, as a browser of the folder would.
        let meta =
            std::fs::metadata(&path).with_context(|| format!("cannot read {}", path.display()))?;
        if meta.is_dir() {
            walk(&path, &format!("{key}/"), depth + 1, out)?;
        } else if meta.is_file() {
            let bytes =
                std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
            out.push(LocalFile {
                key,
                sha256: sha256_hex(&bytes),
                path,
            });
        }
    }
    Ok(())
}

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The clients a publish uses.
#[derive(Clone, Debug)]
pub struct Clients {
    /// S3, path-style when an endpoint is set (moto on loopback has no
    /// per-bucket host names).
    pub s3: aws_sdk_s3::Client,
    /// CloudFront (a global service: signed for us-east-1).
    pub cloudfront: aws_sdk_cloudfront::Client,
}

impl Clients {
    /// Both clients from one SDK configuration (credentials, region,
    /// timeouts; endpoints from the SDK's `AWS_ENDPOINT_URL*` variables).
    pub fn new(config: &aws_config::SdkConfig) -> Self {
        let endpoint_set = ["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"]
            .iter()
            .any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty()));
        let s3 = aws_sdk_s3::config::Builder::from(config)
            .force_path_style(endpoint_set)
            .build();
        Self {
            s3: aws_sdk_s3::Client::from_conf(s3),
            cloudfront: aws_sdk_cloudfront::Client::new(config),
        }
    }
}

/// What a publish did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// The plan it carried out (or, dry, would have).
    pub plan: Plan,
    /// The paths invalidated (or, dry, that would be).
    pub invalidated: Vec<String>,
    /// The invalidation's id, when one was created.
    pub invalidation_id: Option<String>,
}

/// Makes `bucket` hold exactly the files of `dir`, then invalidates the
/// changed paths on `distribution` (if any). `dry_run`: reads only.
///
/// # Errors
/// A file that cannot be read, refused by S3 or CloudFront (the message
/// names the file or key and the service's error), or an empty folder
/// (which would delete the whole site).
pub async fn publish(
    clients: &Clients,
    dir: &Path,
    bucket: &str,
    distribution: Option<&str>,
    dry_run: bool,
) -> anyhow::Result<Report> {
    let local = scan(dir)?;
    anyhow::ensure!(
        !local.is_empty(),
        "{} has no files: publishing it would delete the whole site",
        dir.display()
    );
    let remote = stored_objects(&clients.s3, bucket, &local).await?;
    let plan = plan(local, &remote);
    let invalidated = invalidation_paths(&plan);
    let mut report = Report {
        plan,
        invalidated,
        invalidation_id: None,
    };
    if dry_run {
        return Ok(report);
    }
    for (_, file) in &report.plan.uploads {
        upload(&clients.s3, bucket, file).await?;
    }
    delete(&clients.s3, bucket, &report.plan.deletes).await?;
    if let Some(distribution) = distribution {
        report.invalidation_id =
            invalidate(&clients.cloudfront, distribution, &report.invalidated).await?;
    }
    Ok(report)
}

/// Every key of `bucket`; for the keys `local` also has, how it is stored
/// (a HEAD each: the listing has no metadata).
async fn stored_objects(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    local: &[LocalFile],
) -> anyhow::Result<BTreeMap<String, Stored>> {
    let mut keys = Vec::new();
    let mut pages = s3.list_objects_v2().bucket(bucket).into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| anyhow::anyhow!("cannot list s3://{bucket}: {}", cause(&e)))?;
        keys.extend(
            page.contents()
                .iter()
                .filter_map(|o| o.key().map(str::to_owned)),
        );
    }
    let wanted: BTreeSet<&str> = local.iter().map(|f| f.key.as_str()).collect();
    let mut out = BTreeMap::new();
    for key in keys {
        let stored = if wanted.contains(key.as_str()) {
            head(s3, bucket, &key).await?
        } else {
            Stored {
                sha256: None,
                content_type: None,
                cache_control: None,
            }
        };
        out.insert(key, stored);
    }
    Ok(out)
}

async fn head(s3: &aws_sdk_s3::Client, bucket: &str, key: &str) -> anyhow::Result<Stored> {
    let head = s3
        .head_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .map_err(|e| anyhow::anyhow!("cannot read s3://{bucket}/{key}: {}", cause(&e)))?;
    Ok(Stored {
        sha256: head.metadata().and_then(|m| m.get(HASH_METADATA)).cloned(),
        content_type: head.content_type().map(str::to_owned),
        cache_control: head.cache_control().map(str::to_owned),
    })
}

async fn upload(s3: &aws_sdk_s3::Client, bucket: &str, file: &LocalFile) -> anyhow::Result<()> {
    let path = file.path.display();
    let bytes = tokio::fs::read(&file.path)
        .await
        .with_context(|| format!("cannot read {path}"))?;
    // Hashed again: the file may have changed since the scan.
    let sha256 = sha256_hex(&bytes);
    s3.put_object()
        .bucket(bucket)
        .key(&file.key)
        .content_type(content_type(&file.key))
        .cache_control(cache_control(&file.key))
        .metadata(HASH_METADATA, sha256)
        .body(ByteStream::from(bytes))
        .send()
        .await
        .map_err(|e| {
            anyhow::anyhow!(
                "cannot upload {path} to s3://{bucket}/{}: {}",
                file.key,
                cause(&e)
            )
        })?;
    Ok(())
}

/// Deletes `keys` (1,000 a request, S3's limit); any key S3 refuses is an
/// error naming it.
async fn delete(s3: &aws_sdk_s3::Client, bucket: &str, keys: &[String]) -> anyhow::Result<()> {
    for chunk in keys.chunks(1000) {
        let objects = chunk
            .iter()
            .map(|k| ObjectIdentifier::builder().key(k).build())
            .collect::<Result<Vec<_>, _>>()?;
        let delete = Delete::builder()
            .set_objects(Some(objects))
            .quiet(true)
            .build()?;
        let out = s3
            .delete_objects()
            .bucket(bucket)
            .delete(delete)
            .send()
            .await
            .map_err(|e| {
                anyhow::anyhow!(
                    "cannot delete {} from s3://{bucket}: {}",
                    chunk.join(", "),
                    cause(&e)
                )
            })?;
        if let Some(e) = out.errors().first() {
            anyhow::bail!(
                "cannot delete s3://{bucket}/{}: {}: {}",
                e.key().unwrap_or("?"),
                e.code().unwrap_or(""),
                e.message().unwrap_or("")
            );
        }
    }
    Ok(())
}

/// One invalidation of `paths` on `distribution`; `None` (no request) when
/// `paths` is empty. Returns the invalidation's id.
///
/// # Errors
/// CloudFront's refusal, naming the distribution and the paths.
pub async fn invalidate(
    cloudfront: &aws_sdk_cloudfront::Client,
    distribution: &str,
    paths: &[String],
) -> anyhow::Result<Option<String>> {
    if paths.is_empty() {
        return Ok(None);
    }
    let quantity = i32::try_from(paths.len()).context("too many paths")?;
    let batch = InvalidationBatch::builder()
        .paths(
            Paths::builder()
                .quantity(quantity)
                .set_items(Some(paths.to_vec()))
                .build()?,
        )
        // Unique per request: the same reference twice is one invalidation.
        .caller_reference(uuid::Uuid::new_v4().to_string())
        .build()?;
    let out = cloudfront
        .create_invalidation()
        .distribution_id(distribution)
        .invalidation_batch(batch)
        .send()
        .await
        .map_err(|e| {
            anyhow::anyhow!(
                "cannot invalidate {} on CloudFront distribution {distribution}: {}",
                paths.join(" "),
                cause(&e)
            )
        })?;
    Ok(out.invalidation().map(|i| i.id().to_owned()))
}

/// What a changed resume invalidates: its URI as the viewer asks for it and
/// as the `/api/*` behaviour's viewer-request function rewrites it (the
/// cache key; AWS advises invalidating both), `*` for `/resume/{id}` and any
/// query string. `/resume*` also matches site files named `resume*`: they
/// are fetched again, nothing worse.
pub const RESUME_PATHS: [&str; 2] = ["/api/resume*", "/resume*"];

/// Invalidates [`RESUME_PATHS`] on `distribution` (`dry_run`: only says
/// so); returns the line to print.
///
/// # Errors
/// As [`invalidate`].
pub async fn invalidate_resume(
    config: &aws_config::SdkConfig,
    distribution: &str,
    dry_run: bool,
) -> anyhow::Result<String> {
    let paths = RESUME_PATHS.map(str::to_owned);
    if dry_run {
        return Ok(format!(
            "distribution {distribution}: would invalidate {}",
            paths.join(" ")
        ));
    }
    let cloudfront = Clients::new(config).cloudfront;
    let id = invalidate(&cloudfront, distribution, &paths).await?;
    Ok(format!(
        "distribution {distribution}: invalidated {} (invalidation {})",
        paths.join(" "),
        id.unwrap_or_default()
    ))
}

/// An SDK error as a person reads it: the service's code and message, or
/// (no answer: timeout, connection refused, ...) the chain of causes.
fn cause<E, R>(e: &SdkError<E, R>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match e.as_service_error() {
        Some(service) => format!(
            "{}: {}",
            service.code().unwrap_or("error"),
            service.message().unwrap_or("(no message)")
        ),
        None => DisplayErrorContext(e).to_string(),
    }
}

/// Prints `report`, one line per object, then a summary.
pub fn print(report: &Report, bucket: &str, distribution: Option<&str>, dry_run: bool) {
    let verb = if dry_run { "would " } else { "" };
    for (change, file) in &report.plan.uploads {
        let why = match change {
            Change::New => "new",
            Change::Changed => "changed",
        };
        println!(
            "{verb}upload s3://{bucket}/{} ({why}; {}; {})",
            file.key,
            content_type(&file.key),
            cache_control(&file.key)
        );
    }
    for key in &report.plan.deletes {
        println!("{verb}delete s3://{bucket}/{key}");
    }
    let cdn = match (distribution, report.invalidated.is_empty()) {
        (None, _) => "no distribution: nothing invalidated".to_owned(),
        (Some(d), true) => format!("distribution {d}: nothing cached changed"),
        (Some(d), false) => format!(
            "distribution {d}: {verb}invalidate {}{}",
            report.invalidated.join(" "),
            report
                .invalidation_id
                .as_deref()
                .map(|id| format!(" (invalidation {id})"))
                .unwrap_or_default()
        ),
    };
    println!(
        "site s3://{bucket}: {} uploaded, {} deleted, {} unchanged; {cdn}{}",
        report.plan.uploads.len(),
        report.plan.deletes.len(),
        report.plan.unchanged.len(),
        if dry_run {
            " (dry run: nothing written)"
        } else {
            ""
        }
    );
}

/// `local-api site-publish`: [`publish`], then [`print`].
///
/// # Errors
/// As [`publish`].
pub async fn run(args: Args, config: &aws_config::SdkConfig) -> anyhow::Result<()> {
    let clients = Clients::new(config);
    let distribution = args.distribution.as_deref().filter(|d| !d.is_empty());
    let report = publish(
        &clients,
        &args.dir,
        &args.bucket,
        distribution,
        args.dry_run,
    )
    .await
    .with_context(|| format!("cannot publish the site {}", args.dir.display()))?;
    print(&report, &args.bucket, distribution, args.dry_run);
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn file(key: &str, sha: &str) -> LocalFile {
        LocalFile {
            key: key.to_owned(),
            path: PathBuf::from(key),
            sha256: sha.to_owned(),
        }
    }

    #[test]
    fn content_types_by_extension() {
        for (key, expected) in [
            ("index.html", "text/html; charset=utf-8"),
            ("dir/PAGE.HTM", "text/html; charset=utf-8"),
            ("style.css", "text/css; charset=utf-8"),
            ("config.js", "text/javascript; charset=utf-8"),
            ("a.mjs", "text/javascript; charset=utf-8"),
            ("img/me.JPG", "image/jpeg"),
            ("logo.svg", "image/svg+xml"),
            ("f.woff2", "font/woff2"),
            ("data.json", "application/json"),
            ("README", "application/octet-stream"),
            ("archive.tar.xz", "application/octet-stream"),
            (".well-known/security.txt", "text/plain; charset=utf-8"),
            ("dir.css/file", "application/octet-stream"),
        ] {
            assert_eq!(content_type(key), expected, "{key}");
        }
    }

    #[test]
    fn cache_control_rules() {
        for (key, expected) in [
            ("index.html", NO_CACHE),
            ("blog/post.html", NO_CACHE),
            ("config.js", NO_CACHE),
            ("sub/config.js", NO_CACHE),
            ("settings.js", SHORT),
            ("style.css", SHORT),
            ("assets/app.3f9a1c2b.js", IMMUTABLE),
            ("assets/index-B7x2kQ9d.css", IMMUTABLE),
            ("font.5d41402abc4b2a76b9719d911017c592.woff2", IMMUTABLE),
            // Dates, versions, words: not hashes.
            ("photo-20240101.jpg", SHORT),
            ("lib-1.2.3.js", SHORT),
            ("logo-fullsize.png", SHORT),
            ("abcdef12.js", SHORT),
            ("page.3f9a1c2b.html", NO_CACHE),
        ] {
            assert_eq!(cache_control(key), expected, "{key}");
        }
    }

    #[test]
    fn the_plan_uploads_new_and_changed_deletes_gone_and_keeps_the_rest() {
        let local = vec![
            file("index.html", "h1"),
            file("a.css", "c1"),
            file("b.js", "b1"),
            file("new.png", "n1"),
        ];
        let mut remote = BTreeMap::new();
        remote.insert("index.html".to_owned(), file("index.html", "h0").stored());
        remote.insert("a.css".to_owned(), file("a.css", "c1").stored());
        // Same bytes, other headers (an older rule): uploaded again.
        let mut b = file("b.js", "b1").stored();
        b.cache_control = Some(IMMUTABLE.to_owned());
        remote.insert("b.js".to_owned(), b);
        remote.insert("gone.txt".to_owned(), file("gone.txt", "g").stored());
        let plan = plan(local, &remote);
        let uploads: Vec<_> = plan
            .uploads
            .iter()
            .map(|(c, f)| (*c, f.key.as_str()))
            .collect();
        // HTML last, whatever its key's order.
        assert_eq!(
            uploads,
            [
                (Change::Changed, "b.js"),
                (Change::New, "new.png"),
                (Change::Changed, "index.html")
            ]
        );
        assert_eq!(plan.deletes, ["gone.txt"]);
        assert_eq!(plan.unchanged, ["a.css"]);
        assert_eq!(
            invalidation_paths(&plan),
            ["/", "/b.js", "/gone.txt", "/index.html"]
        );
    }

    #[test]
    fn an_object_without_our_hash_is_uploaded_again() {
        let f = file("a.css", "c1");
        let mut s = f.stored();
        s.sha256 = None;
        let remote = BTreeMap::from([("a.css".to_owned(), s)]);
        let plan = plan(vec![f], &remote);
        assert_eq!(plan.uploads.len(), 1);
        assert_eq!(plan.uploads[0].0, Change::Changed);
    }

    #[test]
    fn nothing_changed_nothing_to_invalidate() {
        let local = vec![file("index.html", "h"), file("a.css", "c")];
        let remote: BTreeMap<_, _> = local.iter().map(|f| (f.key.clone(), f.stored())).collect();
        let plan = plan(local, &remote);
        assert!(plan.uploads.is_empty() && plan.deletes.is_empty());
        assert!(invalidation_paths(&plan).is_empty());
    }

    #[test]
    fn new_files_are_not_invalidated() {
        let plan = plan(vec![file("index.html", "h")], &BTreeMap::new());
        assert_eq!(plan.uploads.len(), 1);
        assert!(invalidation_paths(&plan).is_empty());
    }

    #[test]
    fn invalidation_paths_are_encoded_and_capped() {
        let plan = Plan {
            deletes: vec![
                "docs/index.html".to_owned(),
                "my file*.txt".to_owned(),
                "café.css".to_owned(),
            ],
            ..Plan::default()
        };
        assert_eq!(
            invalidation_paths(&plan),
            [
                "/caf%C3%A9.css",
                "/docs/",
                "/docs/index.html",
                "/my%20file%2A.txt"
            ]
        );
        let many = Plan {
            deletes: (0..=MAX_INVALIDATION_PATHS)
                .map(|i| format!("f{i}.css"))
                .collect(),
            ..Plan::default()
        };
        assert_eq!(invalidation_paths(&many), ["/*"]);
        let limit = Plan {
            deletes: many.deletes[1..].to_vec(),
            ..Plan::default()
        };
        assert_eq!(invalidation_paths(&limit).len(), MAX_INVALIDATION_PATHS);
    }

    #[test]
    fn scan_keys_hashes_and_skips_dot_files() {
        let dir = std::env::temp_dir().join(format!("site-scan-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for (path, body) in [
            ("index.html", "<p>hi</p>"),
            ("css/a.css", "p{}"),
            (".git/config", "x"),
            (".DS_Store", "x"),
            (".well-known/security.txt", "Contact: x"),
        ] {
            let p = dir.join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, body).unwrap();
        }
        let files = scan(&dir).unwrap();
        let keys: Vec<_> = files.iter().map(|f| f.key.as_str()).collect();
        assert_eq!(
            keys,
            [".well-known/security.txt", "css/a.css", "index.html"]
        );
        assert_eq!(files[2].sha256, sha256_hex(b"<p>hi</p>"));
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        let missing = scan(&dir.join("nope")).unwrap_err().to_string();
        assert!(missing.contains("nope"), "{missing}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
