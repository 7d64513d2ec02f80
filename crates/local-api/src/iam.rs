//! The local stand-in for API Gateway's IAM authorization (`AWS_IAM`) on the
//! dynamodbmanager routes and the resume writes: a request must carry an AWS Signature Version 4
//! made with the local credentials, or it is refused before the router sees
//! it, with the same status and JSON body as the deployed gateway responses
//! ([`Refusal`]).
//!
//! It decides in two steps, as API Gateway does:
//!
//! 1. Before a byte of the body is read ([`Gate::authenticate`]): the
//!    signature is present, in the `Authorization` header or in the query
//!    string (a presigned URL: `X-Amz-Algorithm`, `-Credential`, `-Date`,
//!    `-Expires`, `-SignedHeaders`, `-Signature`, `-Security-Token`), well
//!    formed, made with the local key for this region and `execute-api`, its
//!    scope's date is the date of `X-Amz-Date`, it signs `host` (and
//!    `x-amz-date` in a header), and it is current: `X-Amz-Date` within
//!    [`MAX_SKEW`] of now, and for a presigned URL not past `X-Amz-Expires`
//!    (at most [`MAX_EXPIRES`]).
//! 2. After the body is read ([`Gate::verify`]): the signature is recomputed
//!    with `aws-sigv4` (the SDK's own signer) over the method, path, query,
//!    the headers the caller signed (`host` is the URI's authority when there
//!    is no `Host` header, as over HTTP/2) and the body's SHA-256, and
//!    compared in constant time.
//!
//! Any session token is accepted (only AWS can tell an expired one).

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    sign, SignableBody, SignableRequest, SignatureLocation, SigningSettings,
};
use aws_sigv4::sign::v4::SigningParams;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use clap::Args;
use platform::ApiError;
use subtle::ConstantTimeEq;
use time::macros::format_description;
use time::PrimitiveDateTime;

/// The service name execute-api signatures are scoped to.
pub const SERVICE: &str = "execute-api";

/// How far `X-Amz-Date` may be from now, as in API Gateway ("Signature
/// expired: ... (... - 5 min.)").
pub const MAX_SKEW: Duration = Duration::from_secs(5 * 60);

/// The longest `X-Amz-Expires` of a presigned URL (seven days, as in AWS).
pub const MAX_EXPIRES: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// The query parameters of a presigned URL's signature; none of them is
/// part of what it signs, except the session token.
const QUERY_AUTH: [&str; 7] = [
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Date",
    "X-Amz-Expires",
    "X-Amz-SignedHeaders",
    "X-Amz-Signature",
    "X-Amz-Security-Token",
];

/// Why a request is refused. Each is a gateway response type of
/// template.yaml, with the same status (403), code and message there.
///
/// These are all the local gate can decide. In AWS an expired signature or
/// presigned URL is also `INVALID_SIGNATURE` ("Signature expired",
/// `InvalidSignatureException`); `EXPIRED_TOKEN` (an expired session token)
/// and `ACCESS_DENIED` (no `execute-api:Invoke` policy) need IAM, so the
/// local gate never answers them; `crates/iac-checks` checks their texts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// No signature, in the headers or the query string:
    /// `MISSING_AUTHENTICATION_TOKEN`. In AWS an unknown route gets this same
    /// response, so its message covers both.
    MissingAuthenticationToken,
    /// A malformed, stale, expired or wrong signature, or an unknown key:
    /// `INVALID_SIGNATURE`.
    InvalidSignature,
}

impl Refusal {
    /// Every refusal, with its gateway response type in template.yaml.
    pub const ALL: [(Refusal, &'static str); 2] = [
        (
            Self::MissingAuthenticationToken,
            "MISSING_AUTHENTICATION_TOKEN",
        ),
        (Self::InvalidSignature, "INVALID_SIGNATURE"),
    ];

    /// The `error` code of the JSON answer.
    pub fn code(self) -> &'static str {
        match self {
            Self::MissingAuthenticationToken => "missing_authentication_token",
            Self::InvalidSignature => "invalid_signature",
        }
    }

    /// The `message` of the JSON answer, as in template.yaml.
    pub fn message(self) -> &'static str {
        match self {
            Self::MissingAuthenticationToken => {
                "no such route, or the route needs a request signed with AWS Signature Version 4 and none was sent"
            }
            Self::InvalidSignature => {
                "the AWS Signature Version 4 of the request is invalid: unknown access key, wrong secret, signed for another region or service (it must be this API's region and execute-api), changed request, a date more than 5 minutes from now, or an expired presigned URL"
            }
        }
    }
}

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        ApiError::Denied {
            code: refusal.code(),
            message: refusal.message(),
        }
    }
}

/// The credentials local callers sign with, and the switch that turns the
/// gate off. The defaults are what `make dev` exports for the AWS SDKs.
#[derive(Args, Clone, Debug)]
pub struct IamSettings {
    /// The access key id signed requests must use.
    #[arg(long, env = "LOCAL_IAM_ACCESS_KEY_ID", default_value = "local")]
    pub iam_access_key_id: String,
    /// Its secret access key.
    #[arg(
        long,
        env = "LOCAL_IAM_SECRET_ACCESS_KEY",
        default_value = "local",
        hide_env_values = true
    )]
    pub iam_secret_access_key: String,
    /// The region signatures are scoped to.
    #[arg(long, env = "LOCAL_IAM_REGION", default_value = "us-east-1")]
    pub iam_region: String,
    /// Serve the signed routes without checking signatures (local only;
    /// the deployed API always checks them).
    #[arg(long, env = "LOCAL_IAM_DISABLED", default_value_t = false)]
    pub no_iam_auth: bool,
}

/// The gate's state: the one key it accepts.
#[derive(Clone, Debug)]
pub struct Gate {
    access_key_id: Arc<str>,
    secret_access_key: Arc<str>,
    region: Arc<str>,
}

impl Gate {
    /// The gate for `settings`' key and region.
    pub fn new(settings: &IamSettings) -> Self {
        Self {
            access_key_id: settings.iam_access_key_id.as_str().into(),
            secret_access_key: settings.iam_secret_access_key.as_str().into(),
            region: settings.iam_region.as_str().into(),
        }
    }
}

/// Middleware: lets a correctly signed request through, refuses the rest.
/// The body is read only once the signature's presence, form, key, scope
/// and date are right, so an unsigned request is refused unread (and an
/// unsigned `Expect: 100-continue` is never invited to send it).
pub async fn require_sigv4(State(gate): State<Gate>, req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    let claim = match gate.authenticate(&parts, SystemTime::now()) {
        Ok(claim) => claim,
        Err(refusal) => return refuse(refusal),
    };
    let limit = platform::http::BODY_LIMIT;
    let Ok(bytes) = axum::body::to_bytes(body, limit).await else {
        return ApiError::PayloadTooLarge { limit }.into_response();
    };
    match gate.verify(&parts, &claim, &bytes) {
        Ok(()) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Err(refusal) => refuse(refusal),
    }
}

fn refuse(refusal: Refusal) -> Response {
    tracing::info!(
        code = refusal.code(),
        "refused an unsigned or badly signed request"
    );
    ApiError::from(refusal).into_response()
}

/// Where a request carries its signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Location {
    /// `Authorization: AWS4-HMAC-SHA256 ...` and `X-Amz-Date`.
    Header,
    /// A presigned URL's `X-Amz-*` query parameters.
    Query,
}

/// What a signature claims, checked by [`Gate::authenticate`] before the
/// body is read, and verified against the request by [`Gate::verify`].
#[derive(Debug, PartialEq, Eq)]
pub struct Claim {
    location: Location,
    time: SystemTime,
    /// `X-Amz-Expires`, for a presigned URL (always there).
    expires: Option<Duration>,
    signed_headers: Vec<String>,
    signature: String,
    /// `X-Amz-Security-Token` of a presigned URL.
    query_token: Option<String>,
}

/// The fields of a signature, from the header or the query string.
#[derive(Debug, PartialEq, Eq)]
struct Fields {
    access_key_id: String,
    date: String,
    region: String,
    service: String,
    amz_date: String,
    expires: Option<String>,
    signed_headers: Vec<String>,
    signature: String,
    token: Option<String>,
}

/// Splits `Credential`'s `key/date/region/service/aws4_request`.
fn parse_scope(credential: &str) -> Option<[String; 4]> {
    let mut scope = credential.split('/');
    let parts = [scope.next()?, scope.next()?, scope.next()?, scope.next()?];
    let end = scope.next()? == "aws4_request" && scope.next().is_none();
    end.then(|| parts.map(str::to_owned))
}

/// The parts of `Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`,
/// with `amz_date`, the `X-Amz-Date` header.
fn parse_authorization(value: &str, amz_date: &str) -> Option<Fields> {
    let rest = value.strip_prefix("AWS4-HMAC-SHA256")?.trim_start();
    let (mut credential, mut signed, mut signature) = (None, None, None);
    for field in rest.split(',').map(str::trim) {
        let (key, val) = field.split_once('=')?;
        match key {
            "Credential" => credential = Some(val),
            "SignedHeaders" => signed = Some(val),
            "Signature" => signature = Some(val),
            _ => return None,
        }
    }
    let [access_key_id, date, region, service] = parse_scope(credential?)?;
    Some(Fields {
        access_key_id,
        date,
        region,
        service,
        amz_date: amz_date.to_owned(),
        expires: None,
        signed_headers: signed?.split(';').map(str::to_owned).collect(),
        signature: signature?.to_owned(),
        token: None,
    })
}

/// The decoded `X-Amz-*` parameters of a presigned URL's `query`, or `None`
/// when one (but the session token) is missing or repeated, or the
/// algorithm is not SigV4.
fn parse_query_auth(query: &str) -> Option<Fields> {
    let mut found: [Option<String>; 7] = Default::default();
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        if let Some(i) = QUERY_AUTH.iter().position(|name| *name == key) {
            if found[i].replace(value.into_owned()).is_some() {
                return None;
            }
        }
    }
    let [algorithm, credential, amz_date, expires, signed, signature, token] = found;
    if algorithm? != "AWS4-HMAC-SHA256" {
        return None;
    }
    let [access_key_id, date, region, service] = parse_scope(&credential?)?;
    Some(Fields {
        access_key_id,
        date,
        region,
        service,
        amz_date: amz_date?,
        // Required: it is part of what a presigned URL signs.
        expires: Some(expires?),
        signed_headers: signed?.split(';').map(str::to_owned).collect(),
        signature: signature?,
        token,
    })
}

/// `query` without a presigned URL's signature parameters, as signed.
fn strip_query_auth(query: &str) -> String {
    let signed = query.split('&').filter(|pair| {
        let key = pair.split('=').next().unwrap_or_default();
        let key = form_urlencoded::parse(key.as_bytes())
            .next()
            .map(|(k, _)| k.into_owned())
            .unwrap_or_default();
        !pair.is_empty() && !QUERY_AUTH.contains(&key.as_str())
    });
    signed.collect::<Vec<_>>().join("&")
}

fn parse_amz_date(value: &str) -> Option<SystemTime> {
    let format = format_description!("[year][month][day]T[hour][minute][second]Z");
    let at = PrimitiveDateTime::parse(value, format).ok()?.assume_utc();
    Some(SystemTime::from(at))
}

/// Whether a signature dated `time` is current at `now`: within
/// [`MAX_SKEW`] either way, or for a presigned URL, not before `time` less
/// the skew and not after `time + expires`.
fn is_current(time: SystemTime, expires: Option<Duration>, now: SystemTime) -> bool {
    let ahead = time.duration_since(now).unwrap_or_default();
    let behind = now.duration_since(time).unwrap_or_default();
    ahead <= MAX_SKEW && behind <= expires.unwrap_or(MAX_SKEW)
}

impl Gate {
    /// Step 1, before the body is read: whether the request carries a
    /// signature, well formed, with this gate's key and scope, current at
    /// `now`. Returns what it claims, for [`Gate::verify`].
    pub fn authenticate(&self, parts: &Parts, now: SystemTime) -> Result<Claim, Refusal> {
        use Refusal::{InvalidSignature, MissingAuthenticationToken};
        let header = |name: &str| parts.headers.get(name).map(|v| v.to_str().ok());
        let query = parts.uri.query().unwrap_or_default();
        let presigned = form_urlencoded::parse(query.as_bytes())
            .any(|(key, _)| QUERY_AUTH[..6].contains(&&*key));
        let (location, fields) = match (header("authorization"), presigned) {
            (None, false) => return Err(MissingAuthenticationToken),
            (Some(_), true) => return Err(InvalidSignature),
            (Some(auth), false) => {
                let amz_date = header("x-amz-date").flatten().ok_or(InvalidSignature)?;
                let fields = parse_authorization(auth.ok_or(InvalidSignature)?, amz_date);
                (Location::Header, fields.ok_or(InvalidSignature)?)
            }
            (None, true) => (
                Location::Query,
                parse_query_auth(query).ok_or(InvalidSignature)?,
            ),
        };
        let time = parse_amz_date(&fields.amz_date).ok_or(InvalidSignature)?;
        let expires = match &fields.expires {
            None => None,
            Some(secs) => {
                let secs: u64 = secs.parse().map_err(|_| InvalidSignature)?;
                let expires = Duration::from_secs(secs);
                (secs > 0 && expires <= MAX_EXPIRES)
                    .then_some(expires)
                    .ok_or(InvalidSignature)?
                    .into()
            }
        };
        let signs = |name: &str| fields.signed_headers.iter().any(|h| h == name);
        let in_scope = fields.access_key_id == *self.access_key_id
            && fields.region == *self.region
            && fields.service == SERVICE
            && fields.amz_date.get(..8) == Some(fields.date.as_str())
            && signs("host")
            && (location == Location::Query || signs("x-amz-date"))
            && is_current(time, expires, now);
        if !in_scope {
            return Err(InvalidSignature);
        }
        Ok(Claim {
            location,
            time,
            expires,
            signed_headers: fields.signed_headers,
            signature: fields.signature,
            query_token: fields.token,
        })
    }

    /// Step 2, once the body is read: whether the claimed signature is the
    /// one the request and `body` make with this gate's key.
    pub fn verify(&self, parts: &Parts, claim: &Claim, body: &[u8]) -> Result<(), Refusal> {
        let expected = self.signature(parts, claim, body)?;
        let same: bool = expected.as_bytes().ct_eq(claim.signature.as_bytes()).into();
        same.then_some(()).ok_or(Refusal::InvalidSignature)
    }

    /// Both steps on a whole request, as of `now` (for tests and tools).
    pub fn check(&self, req: &Request, body: &[u8], now: SystemTime) -> Result<(), Refusal> {
        let (parts, ()) = clone_parts(req);
        let claim = self.authenticate(&parts, now)?;
        self.verify(&parts, &claim, body)
    }

    /// The signed headers' values, in the order the caller listed them;
    /// `host` from the URI's authority when no `Host` header came (HTTP/2).
    fn signed_values<'a>(
        parts: &'a Parts,
        claim: &'a Claim,
    ) -> Result<Vec<(&'a str, &'a str)>, Refusal> {
        let mut signed = Vec::new();
        for name in &claim.signed_headers {
            let mut values = parts.headers.get_all(name.as_str()).iter().peekable();
            if values.peek().is_none() && name == "host" {
                let authority = parts.uri.authority().ok_or(Refusal::InvalidSignature)?;
                signed.push((name.as_str(), authority.as_str()));
                continue;
            }
            if values.peek().is_none() {
                return Err(Refusal::InvalidSignature);
            }
            for value in values {
                let value = value.to_str().map_err(|_| Refusal::InvalidSignature)?;
                signed.push((name.as_str(), value));
            }
        }
        Ok(signed)
    }

    /// The signature the caller should have sent, from aws-sigv4.
    fn signature(&self, parts: &Parts, claim: &Claim, body: &[u8]) -> Result<String, Refusal> {
        let refuse = |_| Refusal::InvalidSignature;
        let signed = Self::signed_values(parts, claim)?;
        let mut settings = SigningSettings::default();
        settings.excluded_headers = Some(Vec::new());
        let path = parts.uri.path();
        let (token, path_and_query) = match claim.location {
            Location::Header => {
                let token = signed.iter().find(|(n, _)| *n == "x-amz-security-token");
                let query = parts.uri.query().map(|q| format!("?{q}"));
                (
                    token.map(|(_, v)| v.to_string()),
                    format!("{path}{}", query.unwrap_or_default()),
                )
            }
            Location::Query => {
                settings.signature_location = SignatureLocation::QueryParams;
                // aws-sigv4 panics on a presigned request without expiry.
                settings.expires_in = Some(claim.expires.ok_or(Refusal::InvalidSignature)?);
                let query = strip_query_auth(parts.uri.query().unwrap_or_default());
                (claim.query_token.clone(), format!("{path}?{query}"))
            }
        };
        let credentials = Credentials::new(
            &*self.access_key_id,
            &*self.secret_access_key,
            token,
            None,
            "local-api",
        );
        let identity = credentials.into();
        let params = SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name(SERVICE)
            .time(claim.time)
            .settings(settings)
            .build()
            .map_err(|_| Refusal::InvalidSignature)?
            .into();
        let signable = SignableRequest::new(
            parts.method.as_str(),
            &path_and_query,
            signed.into_iter(),
            SignableBody::Bytes(body),
        )
        .map_err(refuse)?;
        let output = sign(signable, &params).map_err(refuse)?;
        Ok(output.signature().to_owned())
    }
}

/// A copy of `req`'s head.
fn clone_parts(req: &Request) -> (Parts, ()) {
    let mut copy = axum::http::Request::new(());
    *copy.method_mut() = req.method().clone();
    *copy.uri_mut() = req.uri().clone();
    *copy.version_mut() = req.version();
    *copy.headers_mut() = req.headers().clone();
    copy.into_parts()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_790_000_000;

    fn gate() -> Gate {
        Gate::new(&IamSettings {
            iam_access_key_id: "local".into(),
            iam_secret_access_key: "local".into(),
            iam_region: "us-east-1".into(),
            no_iam_auth: false,
        })
    }

    fn at(secs: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
    }

    /// A request signed the way SDKs sign it, with aws-sigv4 itself.
    fn signed(
        key: (&str, &str),
        token: Option<&str>,
        time: SystemTime,
        (method, uri, body): (&str, &str, &str),
    ) -> Request {
        let mut req = http::Request::builder()
            .method(method)
            .uri(uri)
            .header("host", "127.0.0.1:3000")
            .header("content-type", "application/json")
            .body(Body::from(body.to_owned()))
            .unwrap();
        let identity = Credentials::new(key.0, key.1, token.map(str::to_owned), None, "t").into();
        let params = SigningParams::builder()
            .identity(&identity)
            .region("us-east-1")
            .name(SERVICE)
            .time(time)
            .settings(SigningSettings::default())
            .build()
            .unwrap()
            .into();
        let headers: Vec<(String, String)> = req
            .headers()
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_str().unwrap().to_owned()))
            .collect();
        let signable = SignableRequest::new(
            method,
            uri,
            headers.iter().map(|(n, v)| (n.as_str(), v.as_str())),
            SignableBody::Bytes(body.as_bytes()),
        )
        .unwrap();
        let (instructions, _) = sign(signable, &params).unwrap().into_parts();
        instructions.apply_to_request_http1x(&mut req);
        req
    }

    const OP: (&str, &str, &str) = ("POST", "/dynamodbmanager?x=1", r#"{"operation":"ping"}"#);

    fn check(req: &Request, body: &str, now: SystemTime) -> Result<(), Refusal> {
        gate().check(req, body.as_bytes(), now)
    }

    #[test]
    fn a_request_signed_with_the_local_key_passes() {
        let req = signed(("local", "local"), None, at(NOW), OP);
        assert_eq!(check(&req, OP.2, at(NOW + 60)), Ok(()));
        // Temporary credentials: the session token is signed and accepted.
        let req = signed(("local", "local"), Some("tok3n"), at(NOW), OP);
        assert!(req.headers().contains_key("x-amz-security-token"));
        assert_eq!(check(&req, OP.2, at(NOW)), Ok(()));
    }

    #[test]
    fn unsigned_and_wrongly_signed_requests_are_refused() {
        let unsigned = http::Request::post("/dynamodbmanager")
            .body(Body::empty())
            .unwrap();
        assert_eq!(
            check(&unsigned, "", at(NOW)),
            Err(Refusal::MissingAuthenticationToken)
        );
        let wrong_secret = signed(("local", "nope"), None, at(NOW), OP);
        let unknown_key = signed(("AKIDEXAMPLE", "local"), None, at(NOW), OP);
        let stale = signed(("local", "local"), None, at(NOW - 16 * 60), OP);
        let future = signed(("local", "local"), None, at(NOW + 16 * 60), OP);
        for req in [&wrong_secret, &unknown_key, &stale, &future] {
            assert_eq!(check(req, OP.2, at(NOW)), Err(Refusal::InvalidSignature));
        }
        // Within 5 minutes either way is fine.
        let skewed = signed(("local", "local"), None, at(NOW - 4 * 60), OP);
        assert_eq!(check(&skewed, OP.2, at(NOW)), Ok(()));
    }

    /// A signature scoped to another region or service (a common mistake)
    /// is an invalid signature, and the message names both as causes.
    #[test]
    fn a_signature_for_another_region_or_service_is_refused_and_named() {
        for (from, to) in [
            ("/us-east-1/", "/eu-west-1/"),
            ("/execute-api/", "/dynamodb/"),
        ] {
            let mut req = signed(("local", "local"), None, at(NOW), OP);
            let auth = req.headers()["authorization"]
                .to_str()
                .unwrap()
                .replace(from, to);
            assert!(auth.contains(to), "{auth}");
            req.headers_mut()
                .insert("authorization", auth.parse().unwrap());
            assert_eq!(
                check(&req, OP.2, at(NOW)),
                Err(Refusal::InvalidSignature),
                "{to}"
            );
        }
        let message = Refusal::InvalidSignature.message();
        assert!(message.contains("another region or service"), "{message}");
        assert!(message.contains(SERVICE), "{message}");
    }

    #[test]
    fn a_changed_body_path_query_or_method_is_refused() {
        let req = signed(("local", "local"), None, at(NOW), OP);
        assert_eq!(
            check(&req, r#"{"operation":"list"}"#, at(NOW)),
            Err(Refusal::InvalidSignature)
        );
        for (method, uri) in [
            ("POST", "/items?x=1"),
            ("POST", "/dynamodbmanager?x=2"),
            ("PUT", "/dynamodbmanager?x=1"),
        ] {
            let mut moved = signed(("local", "local"), None, at(NOW), OP);
            *moved.uri_mut() = uri.parse().unwrap();
            *moved.method_mut() = method.parse().unwrap();
            assert_eq!(
                check(&moved, OP.2, at(NOW)),
                Err(Refusal::InvalidSignature),
                "{method} {uri}"
            );
        }
    }

    #[test]
    fn authorization_headers_are_parsed_strictly() {
        let ok = "AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=ab12";
        let auth = parse_authorization(ok, "20260101T000000Z").unwrap();
        assert_eq!(auth.access_key_id, "local");
        assert_eq!(auth.signed_headers, ["host", "x-amz-date"]);
        for bad in [
            "Bearer x",
            "AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/execute-api, SignedHeaders=host, Signature=ab",
            "AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/execute-api/aws4_request, Signature=ab",
            "AWS4-HMAC-SHA256 Credential=a/b/c/d/aws4_request/extra, SignedHeaders=host, Signature=ab",
        ] {
            assert!(parse_authorization(bad, "").is_none(), "{bad}");
        }
        assert!(parse_amz_date("20260101T000000Z").is_some());
        assert!(parse_amz_date("2026-01-01T00:00:00Z").is_none());
    }

    /// [`signed`], with the signature in the query string (a presigned
    /// URL) valid for `expires`, as aws-sigv4 presigns.
    fn presigned(token: Option<&str>, time: SystemTime, expires: Duration, uri: &str) -> Request {
        let identity =
            Credentials::new("local", "local", token.map(str::to_owned), None, "t").into();
        let mut settings = SigningSettings::default();
        settings.signature_location = aws_sigv4::http_request::SignatureLocation::QueryParams;
        settings.expires_in = Some(expires);
        let params = SigningParams::builder()
            .identity(&identity)
            .region("us-east-1")
            .name(SERVICE)
            .time(time)
            .settings(settings)
            .build()
            .unwrap()
            .into();
        let headers = [("host", "127.0.0.1:3000")];
        let signable =
            SignableRequest::new("GET", uri, headers.into_iter(), SignableBody::Bytes(b""))
                .unwrap();
        let (instructions, _) = sign(signable, &params).unwrap().into_parts();
        let mut req = http::Request::get(uri)
            .header("host", "127.0.0.1:3000")
            .body(Body::empty())
            .unwrap();
        instructions.apply_to_request_http1x(&mut req);
        req
    }

    #[test]
    fn the_clock_may_be_five_minutes_off_as_in_aws_not_more() {
        for offset in [-6 * 60, 6 * 60, -14 * 60, 14 * 60] {
            let at_offset = at(NOW.checked_add_signed(offset).unwrap());
            let req = signed(("local", "local"), None, at_offset, OP);
            assert_eq!(
                check(&req, OP.2, at(NOW)),
                Err(Refusal::InvalidSignature),
                "{offset} s"
            );
        }
        for offset in [-5 * 60, -4 * 60, 4 * 60, 5 * 60] {
            let at_offset = at(NOW.checked_add_signed(offset).unwrap());
            let req = signed(("local", "local"), None, at_offset, OP);
            assert_eq!(check(&req, OP.2, at(NOW)), Ok(()), "{offset} s");
        }
    }

    #[test]
    fn the_scope_date_must_equal_the_date_of_x_amz_date() {
        // A correct signature, whose Credential's date is then rewritten:
        // only the date of X-Amz-Date itself may stand there.
        let req = signed(("local", "local"), None, at(NOW), OP);
        let auth = req.headers()["authorization"].to_str().unwrap().to_owned();
        let day = &req.headers()["x-amz-date"].to_str().unwrap()[..8];
        assert!(auth.contains(&format!("local/{day}/")), "{auth}");
        for other in ["", "2", &day[..7], "20260102", &format!("{day}0")] {
            let mut moved = signed(("local", "local"), None, at(NOW), OP);
            let value = auth.replace(&format!("local/{day}/"), &format!("local/{other}/"));
            moved
                .headers_mut()
                .insert("authorization", value.parse().unwrap());
            assert_eq!(
                check(&moved, OP.2, at(NOW)),
                Err(Refusal::InvalidSignature),
                "scope date {other:?}"
            );
        }
    }

    #[test]
    fn over_http2_the_host_is_the_uri_authority() {
        // HTTP/2 carries the host in `:authority`, which hyper puts in the
        // URI; there is no `host` header.
        let mut req = signed(("local", "local"), None, at(NOW), OP);
        req.headers_mut().remove("host");
        *req.uri_mut() = "http://127.0.0.1:3000/dynamodbmanager?x=1".parse().unwrap();
        assert_eq!(check(&req, OP.2, at(NOW)), Ok(()));
        // Another authority is another request.
        *req.uri_mut() = "http://127.0.0.1:3001/dynamodbmanager?x=1".parse().unwrap();
        assert_eq!(check(&req, OP.2, at(NOW)), Err(Refusal::InvalidSignature));
        // No host at all: refused, not a panic in the signer.
        *req.uri_mut() = "/dynamodbmanager?x=1".parse().unwrap();
        assert_eq!(check(&req, OP.2, at(NOW)), Err(Refusal::InvalidSignature));
    }

    #[test]
    fn a_presigned_url_passes_until_it_expires() {
        let uri = "/items?limit=2&cursor=a%2Fb";
        let minute = Duration::from_secs(60);
        for token in [None, Some("tok3n")] {
            let req = presigned(token, at(NOW), minute, uri);
            let query = req.uri().query().unwrap().to_owned();
            assert!(query.contains("X-Amz-Signature="), "{query}");
            assert_eq!(check(&req, "", at(NOW)), Ok(()), "{token:?}");
            assert_eq!(check(&req, "", at(NOW + 60)), Ok(()), "{token:?}");
            assert_eq!(
                check(&req, "", at(NOW + 61)),
                Err(Refusal::InvalidSignature),
                "expired, {token:?}"
            );
        }
        // An hour-long URL is good after the five minutes of skew...
        let hour = presigned(None, at(NOW), 60 * minute, uri);
        assert_eq!(check(&hour, "", at(NOW + 59 * 60)), Ok(()));
        // ...but not before it was signed, beyond the skew.
        assert_eq!(
            check(&hour, "", at(NOW - 6 * 60)),
            Err(Refusal::InvalidSignature)
        );
        // More than seven days is refused, as AWS refuses it.
        let week = presigned(
            None,
            at(NOW),
            7 * 24 * 60 * minute + Duration::from_secs(1),
            uri,
        );
        assert_eq!(check(&week, "", at(NOW)), Err(Refusal::InvalidSignature));
    }

    #[test]
    fn a_presigned_url_covers_its_query_method_and_body() {
        let uri = "/items?limit=2";
        let req = presigned(None, at(NOW), Duration::from_secs(60), uri);
        let signed_uri = req.uri().to_string();
        for tampered in [
            signed_uri.replace("limit=2", "limit=3"),
            format!("{signed_uri}&extra=1"),
            signed_uri.replace("Expires=60", "Expires=600"),
            signed_uri.replace("/items", "/items/x"),
        ] {
            let mut moved = presigned(None, at(NOW), Duration::from_secs(60), uri);
            *moved.uri_mut() = tampered.parse().unwrap();
            assert_eq!(
                check(&moved, "", at(NOW)),
                Err(Refusal::InvalidSignature),
                "{tampered}"
            );
        }
        let mut post = presigned(None, at(NOW), Duration::from_secs(60), uri);
        *post.method_mut() = http::Method::DELETE;
        assert_eq!(check(&post, "", at(NOW)), Err(Refusal::InvalidSignature));
        assert_eq!(
            check(&req, "{}", at(NOW)),
            Err(Refusal::InvalidSignature),
            "a body the URL was not signed with"
        );
        // Half a presigned URL is a bad signature, not a missing one.
        let partial: Request = http::Request::get("/items?X-Amz-Signature=ab12")
            .header("host", "127.0.0.1:3000")
            .body(Body::empty())
            .unwrap();
        assert_eq!(check(&partial, "", at(NOW)), Err(Refusal::InvalidSignature));
        let without_expires = signed_uri.replace("&X-Amz-Expires=60", "");
        assert_ne!(without_expires, signed_uri);
        let mut moved = presigned(None, at(NOW), Duration::from_secs(60), uri);
        *moved.uri_mut() = without_expires.parse().unwrap();
        assert_eq!(check(&moved, "", at(NOW)), Err(Refusal::InvalidSignature));
    }

    #[test]
    fn headers_the_caller_did_not_sign_must_still_be_signed_if_listed() {
        // `host` and `x-amz-date` must be among the signed headers.
        let mut req = signed(("local", "local"), None, at(NOW), OP);
        let auth = req.headers()["authorization"].to_str().unwrap().to_owned();
        let without_host = auth.replace(
            "SignedHeaders=content-type;host;x-amz-date",
            "SignedHeaders=content-type;x-amz-date",
        );
        assert_ne!(auth, without_host, "{auth}");
        req.headers_mut()
            .insert("authorization", without_host.parse().unwrap());
        assert_eq!(check(&req, OP.2, at(NOW)), Err(Refusal::InvalidSignature));
    }
}
