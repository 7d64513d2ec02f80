//! The site and the API on one origin (when `SITE_DIR` names the site: `make
//! dev` and the browser tests do), as the site's CloudFront distribution
//! serves them: `/api/...` goes to the API's routers with `/api` dropped
//! (the distribution's viewer-request function does the same before the
//! stage's `OriginPath`), and every other path is a file of the site's
//! directory, `/` and `/dir/` meaning their `index.html` (the default
//! behaviour's function). Any other path that is not a file, `/dir`
//! included, answers as S3 does behind the distribution without
//! `s3:ListBucket`: 403 `AccessDenied` (no redirect to `/dir/`, no 404). The
//! API's own paths (`/resume`, ...) answer at
//! the root too, as on the execute-api URL, so scripts, Postman and the
//! tests that call the API directly keep working; on this origin they
//! shadow a site file of the same path (CloudFront would serve the file).
//!
//! Without `SITE_DIR`, `local-api serve` is the API alone, as on the
//! execute-api URL (an unknown path is a JSON 404): the local stacks that
//! stand in for a stage (rehearse-staging, newman, sam-local-test) rely on it.
//!
//! `/api/...` requests reach the API with `Host: ` [`ORIGIN_HOST`], as the
//! distribution sends the origin's own domain name (its origin request
//! policy never forwards the viewer's `Host`): so a request signed for the
//! site's host fails the SigV4 gate there, as it fails API Gateway's check,
//! and the signed routes stay on the API's own paths.
//!
//! Site responses and `/api/...` responses carry the security headers of
//! template.yaml's one `AWS::CloudFront::ResponseHeadersPolicy` (one
//! source), each as CloudFront sends it ([`HeadersPolicy`]). Responses of
//! the API's root paths carry none, as the execute-api URL's do not.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, Context};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{HeaderName, HeaderValue, CACHE_CONTROL, CONTENT_TYPE, HOST};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::{map_request, map_response, map_response_with_state, Next};
use axum::response::Response;
use axum::Router;
use serde_norway::Value;
use tower_http::services::ServeDir;

/// Where the site comes from: `local-api serve` flags and their variables.
#[derive(clap::Args, Clone, Debug)]
pub struct SiteSettings {
    /// The site's directory (`make dev`: examples/frontend), served at `/`
    /// with the API at `/api/...` on the same origin. Unset: the API alone.
    #[arg(long, env = "SITE_DIR")]
    pub site_dir: Option<PathBuf>,
    /// The SAM template whose `AWS::CloudFront::ResponseHeadersPolicy`
    /// gives the security headers; missing, or without that resource: none.
    #[arg(long, env = "SITE_TEMPLATE", default_value = "template.yaml")]
    pub site_template: PathBuf,
}

/// The `Host` of `/api/...` requests as the API sees them: the
/// distribution's origin, never the viewer's host.
pub const ORIGIN_HOST: &str = "api-origin.invalid";

/// What [`SiteSettings::load`] found: the directory (if any) and headers.
#[derive(Clone, Debug)]
pub struct Site {
    /// The directory served at `/`; `None`: the API alone, as without a site.
    pub dir: Option<PathBuf>,
    /// The headers added to site and `/api/...` responses.
    pub policy: Arc<HeadersPolicy>,
    /// Where the headers come from, for the start-up banner.
    pub headers_source: String,
}

impl SiteSettings {
    /// Checks the directory and reads the template's headers policy (none
    /// without a directory).
    ///
    /// # Errors
    /// A `SITE_DIR` that is not a directory; a template that cannot be
    /// parsed, has two headers policies, or one this module cannot map.
    pub fn load(&self) -> anyhow::Result<Site> {
        let dir = match &self.site_dir {
            Some(dir) if dir.is_dir() => dir.clone(),
            Some(dir) => bail!("SITE_DIR {} is not a directory", dir.display()),
            None => {
                return Ok(Site {
                    dir: None,
                    policy: Arc::default(),
                    headers_source: "none (no site)".into(),
                })
            }
        };
        let path = &self.site_template;
        let (policy, headers_source) = match std::fs::read_to_string(path) {
            Err(e) => (None, format!("none: cannot read {}: {e}", path.display())),
            Ok(text) => match HeadersPolicy::from_template(&text)
                .with_context(|| format!("{}", path.display()))?
            {
                Some((id, policy)) => (Some(policy), format!("{} ({id})", path.display())),
                None => (
                    None,
                    format!(
                        "none: {} has no AWS::CloudFront::ResponseHeadersPolicy",
                        path.display()
                    ),
                ),
            },
        };
        if policy.is_none() {
            tracing::warn!("site security headers: {headers_source}");
        }
        Ok(Site {
            dir: Some(dir),
            policy: Arc::new(policy.unwrap_or_default()),
            headers_source,
        })
    }
}

impl Site {
    /// With a directory: `api` (the finished routers, as [`crate::app`]
    /// builds them) at its own paths and under `/api`, and the site's files
    /// for every other path, which get `Cache-Control: no-cache` (edits
    /// show at once). Without one: `api` as it is.
    pub fn router(&self, api: Router) -> Router {
        let Some(dir) = &self.dir else {
            return api;
        };
        let policy = self.policy.clone();
        let behind_cdn = api
            .clone()
            .layer(map_response_with_state(policy.clone(), add_policy))
            .layer(map_request(origin_host));
        let files = Router::new()
            .fallback_service(ServeDir::new(dir).append_index_html_on_directories(false))
            .layer(map_response(missing_is_access_denied))
            .layer(map_response_with_state(policy, add_policy))
            .layer(axum::middleware::from_fn(no_cache))
            .layer(map_request(index_html));
        api.nest("/api", behind_cdn).fallback_service(files)
    }
}

/// The distribution's `SiteIndexFunction`: a path ending in `/` gets
/// `index.html` (the query string kept).
async fn index_html(mut request: Request) -> Request {
    let uri = request.uri();
    if uri.path().ends_with('/') {
        let rewritten = match uri.query() {
            Some(query) => format!("{}index.html?{query}", uri.path()),
            None => format!("{}index.html", uri.path()),
        };
        if let Ok(rewritten) = rewritten.parse() {
            *request.uri_mut() = rewritten;
        }
    }
    request
}

/// S3's answer, through the distribution, for a key it does not have: the
/// bucket policy grants no `s3:ListBucket`, so 403 `AccessDenied`, not 404.
async fn missing_is_access_denied(response: Response) -> Response {
    if response.status() != StatusCode::NOT_FOUND {
        return response;
    }
    let mut denied = Response::new(Body::from(ACCESS_DENIED));
    *denied.status_mut() = StatusCode::FORBIDDEN;
    denied
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/xml"));
    denied
}

/// S3's `AccessDenied` error document (its request ids left out).
const ACCESS_DENIED: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>";

async fn origin_host(mut request: Request) -> Request {
    request
        .headers_mut()
        .insert(HOST, HeaderValue::from_static(ORIGIN_HOST));
    request
}

async fn add_policy(State(policy): State<Arc<HeadersPolicy>>, mut response: Response) -> Response {
    policy.apply(response.headers_mut());
    response
}

/// `Cache-Control: no-cache` unless the file's answer has its own.
async fn no_cache(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    response
        .headers_mut()
        .entry(CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-cache"));
    response
}

/// One header a response headers policy adds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyHeader {
    /// The header's name (lower case).
    pub name: HeaderName,
    /// Its value, as CloudFront writes it.
    pub value: HeaderValue,
    /// The policy's `Override`: replace the origin's header of that name;
    /// `false`: add it only when the origin sent none.
    pub replace: bool,
}

/// The headers a CloudFront response headers policy adds and removes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HeadersPolicy {
    /// Added (security headers, then custom headers), in the policy's order.
    pub add: Vec<PolicyHeader>,
    /// `RemoveHeadersConfig`'s headers.
    pub remove: Vec<HeaderName>,
}

impl HeadersPolicy {
    /// The one `AWS::CloudFront::ResponseHeadersPolicy` of a SAM or
    /// CloudFormation template (YAML or JSON text), with its logical id;
    /// `None` if it has none.
    ///
    /// # Errors
    /// Unparsable text, more than one such resource, or a policy
    /// [`HeadersPolicy::from_config`] refuses.
    pub fn from_template(text: &str) -> anyhow::Result<Option<(String, Self)>> {
        let template: Value = serde_norway::from_str(text).context("not a YAML template")?;
        let Some(resources) = template.get("Resources").and_then(Value::as_mapping) else {
            return Ok(None);
        };
        let found: Vec<(String, &Value)> = resources
            .iter()
            .filter(|(_, r)| {
                r.get("Type").and_then(Value::as_str)
                    == Some("AWS::CloudFront::ResponseHeadersPolicy")
            })
            .map(|(id, r)| (id.as_str().unwrap_or("?").to_owned(), r))
            .collect();
        let [(id, resource)] = found.as_slice() else {
            if found.is_empty() {
                return Ok(None);
            }
            let ids: Vec<&str> = found.iter().map(|(id, _)| id.as_str()).collect();
            bail!("more than one AWS::CloudFront::ResponseHeadersPolicy: {ids:?}");
        };
        let config = resource
            .get("Properties")
            .and_then(|p| p.get("ResponseHeadersPolicyConfig"))
            .with_context(|| format!("{id}: no Properties.ResponseHeadersPolicyConfig"))?;
        let policy = Self::from_config(config).with_context(|| id.clone())?;
        Ok(Some((id.clone(), policy)))
    }

    /// A `ResponseHeadersPolicyConfig`: `SecurityHeadersConfig`,
    /// `CustomHeadersConfig` and `RemoveHeadersConfig` (CORS and
    /// `ServerTimingHeadersConfig` are not emulated).
    ///
    /// # Errors
    /// A missing required field, a value that is not a plain scalar (an
    /// intrinsic function), or a value no header can carry.
    pub fn from_config(config: &Value) -> anyhow::Result<Self> {
        let mut add = match config.get("SecurityHeadersConfig") {
            Some(security) => security_headers(security)?,
            None => Vec::new(),
        };
        for (i, item) in items(config, "CustomHeadersConfig")?.iter().enumerate() {
            let at = format!("CustomHeadersConfig.Items[{i}]");
            add.push(header(
                &text(item, "Header", &at)?,
                text(item, "Value", &at)?,
                item,
                &at,
            )?);
        }
        let mut remove = Vec::new();
        for (i, item) in items(config, "RemoveHeadersConfig")?.iter().enumerate() {
            let at = format!("RemoveHeadersConfig.Items[{i}]");
            let name = text(item, "Header", &at)?;
            remove.push(HeaderName::try_from(name.as_str()).with_context(|| at.clone())?);
        }
        Ok(Self { add, remove })
    }

    /// Applies the policy to a response's headers, as CloudFront does.
    pub fn apply(&self, headers: &mut HeaderMap) {
        for name in &self.remove {
            headers.remove(name);
        }
        for h in &self.add {
            if h.replace || !headers.contains_key(&h.name) {
                headers.insert(h.name.clone(), h.value.clone());
            }
        }
    }
}

/// `SecurityHeadersConfig`, each field as the header CloudFront documents
/// for it (CloudFront API reference, ResponseHeadersPolicy*).
fn security_headers(config: &Value) -> anyhow::Result<Vec<PolicyHeader>> {
    let mut out = Vec::new();
    let at = "SecurityHeadersConfig";
    if let Some(c) = config.get("ContentSecurityPolicy") {
        let value = text(c, "ContentSecurityPolicy", at)?;
        out.push(header("content-security-policy", value, c, at)?);
    }
    if let Some(c) = config.get("StrictTransportSecurity") {
        let mut value = format!("max-age={}", integer(c, "AccessControlMaxAgeSec", at)?);
        if optional_bool(c, "IncludeSubdomains", at)? {
            value.push_str("; includeSubDomains");
        }
        if optional_bool(c, "Preload", at)? {
            value.push_str("; preload");
        }
        out.push(header("strict-transport-security", value, c, at)?);
    }
    if let Some(c) = config.get("ContentTypeOptions") {
        out.push(header("x-content-type-options", "nosniff".into(), c, at)?);
    }
    if let Some(c) = config.get("FrameOptions") {
        let option = text(c, "FrameOption", at)?;
        if !matches!(option.as_str(), "DENY" | "SAMEORIGIN") {
            bail!("{at}.FrameOptions.FrameOption: {option:?} is not DENY or SAMEORIGIN");
        }
        out.push(header("x-frame-options", option, c, at)?);
    }
    if let Some(c) = config.get("ReferrerPolicy") {
        let value = text(c, "ReferrerPolicy", at)?;
        out.push(header("referrer-policy", value, c, at)?);
    }
    if let Some(c) = config.get("XSSProtection") {
        out.push(header("x-xss-protection", xss_protection(c)?, c, at)?);
    }
    Ok(out)
}

/// `X-XSS-Protection`: `1` or `0`, then `; mode=block` and `; report=URI`.
fn xss_protection(c: &Value) -> anyhow::Result<String> {
    let at = "SecurityHeadersConfig.XSSProtection";
    let mut value = String::from(if boolean(c, "Protection", at)? {
        "1"
    } else {
        "0"
    });
    if optional_bool(c, "ModeBlock", at)? {
        value.push_str("; mode=block");
    }
    if c.get("ReportUri").is_some() {
        value.push_str(&format!("; report={}", text(c, "ReportUri", at)?));
    }
    Ok(value)
}

fn header(name: &str, value: String, config: &Value, at: &str) -> anyhow::Result<PolicyHeader> {
    Ok(PolicyHeader {
        name: HeaderName::try_from(name.to_ascii_lowercase()).with_context(|| at.to_owned())?,
        value: HeaderValue::try_from(value).with_context(|| format!("{at}: {name}"))?,
        replace: boolean(config, "Override", &format!("{at}: {name}"))?,
    })
}

fn items<'a>(config: &'a Value, key: &str) -> anyhow::Result<&'a [Value]> {
    match config.get(key).and_then(|c| c.get("Items")) {
        None => Ok(&[]),
        Some(Value::Sequence(items)) => Ok(items.as_slice()),
        Some(_) => bail!("{key}.Items is not a list"),
    }
}

/// A plain scalar field; an intrinsic function (`!If`, `!Sub`) is an error,
/// since only CloudFormation can resolve it.
fn scalar<'a>(map: &'a Value, key: &str, at: &str) -> anyhow::Result<&'a Value> {
    match map.get(key) {
        None => bail!("{at}: {key} is missing"),
        Some(Value::Tagged(_)) => bail!("{at}: {key} is an intrinsic function, not a value"),
        Some(Value::Mapping(_) | Value::Sequence(_)) => bail!("{at}: {key} is not a scalar"),
        Some(v) => Ok(v),
    }
}

fn text(map: &Value, key: &str, at: &str) -> anyhow::Result<String> {
    match scalar(map, key, at)? {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        _ => bail!("{at}: {key} is empty"),
    }
}

fn boolean(map: &Value, key: &str, at: &str) -> anyhow::Result<bool> {
    match scalar(map, key, at)? {
        Value::Bool(b) => Ok(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(false),
        other => bail!("{at}: {key} is not a boolean: {other:?}"),
    }
}

fn optional_bool(map: &Value, key: &str, at: &str) -> anyhow::Result<bool> {
    match map.get(key) {
        None => Ok(false),
        Some(_) => boolean(map, key, at),
    }
}

fn integer(map: &Value, key: &str, at: &str) -> anyhow::Result<u64> {
    let value = text(map, key, at)?;
    value
        .parse()
        .with_context(|| format!("{at}: {key} is not a whole number: {value:?}"))
}

impl Site {
    /// The start-up banner's line about the site at `base`, if any.
    pub fn banner(&self, base: &str) -> Option<String> {
        let dir = self.dir.as_deref().map(Path::display)?;
        Some(format!(
            "  site {base}/ from {dir}, with the API at {base}/api/... (one origin, as behind CloudFront); security headers from {}",
            self.headers_source
        ))
    }
}
