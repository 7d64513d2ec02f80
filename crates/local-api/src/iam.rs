//! The local stand-in for API Gateway's IAM authorization (`AWS_IAM`) on the
//! dynamodbmanager routes: a request must carry an AWS Signature Version 4
//! made with the local credentials, or it is refused before the router sees
//! it, with the same status and JSON body as the deployed gateway responses
//! ([`Refusal`]).
//!
//! The signature is recomputed with `aws-sigv4` (the SDK's own signer) over
//! the method, path, query, the headers the caller signed (at least `host`
//! and `x-amz-date`) and the body's SHA-256, then compared in constant time.
//! `x-amz-date` must be within 15 minutes of now. `X-Amz-Security-Token` is
//! accepted when present (temporary credentials), and signed if the caller
//! signed it.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4::SigningParams;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use clap::Args;
use model::ApiError;
use subtle::ConstantTimeEq;
use time::macros::format_description;
use time::PrimitiveDateTime;

/// The service name execute-api signatures are scoped to.
pub const SERVICE: &str = "execute-api";

/// How far `x-amz-date` may be from now, as in AWS.
pub const MAX_SKEW: Duration = Duration::from_secs(15 * 60);

/// Why a request is refused. Each is a gateway response type of
/// template.yaml, with the same status (403), code and message there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// No `Authorization` header: `MISSING_AUTHENTICATION_TOKEN`. In AWS an
    /// unknown route gets this same response, so its message covers both.
    MissingAuthenticationToken,
    /// A malformed, stale or wrong signature, or an unknown key:
    /// `INVALID_SIGNATURE`.
    InvalidSignature,
    /// Expired temporary credentials: `EXPIRED_TOKEN`. Only AWS can tell;
    /// the local gate accepts any session token.
    ExpiredToken,
    /// A valid signature by an identity without `execute-api:Invoke` on the
    /// route: `ACCESS_DENIED`. Only AWS evaluates policies.
    AccessDenied,
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

    pub fn code(self) -> &'static str {
        match self {
            Self::MissingAuthenticationToken => "missing_authentication_token",
            Self::InvalidSignature => "invalid_signature",
            Self::ExpiredToken => "expired_token",
            Self::AccessDenied => "access_denied",
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            Self::MissingAuthenticationToken => {
                "no such route, or the route needs a request signed with AWS Signature Version 4 and none was sent"
            }
            Self::InvalidSignature => {
                "the AWS Signature Version 4 of the request is invalid: unknown access key, wrong secret, signed for another region or service (it must be this API's region and execute-api), changed request, or a date more than 15 minutes from now"
            }
            Self::ExpiredToken => {
                "the security token of the request has expired; sign with fresh credentials"
            }
            Self::AccessDenied => {
                "the signing identity may not call this route: attach the ManagerInvokePolicy of the stack"
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
    /// Serve the manager routes without checking signatures (local only;
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
    pub fn new(settings: &IamSettings) -> Self {
        Self {
            access_key_id: settings.iam_access_key_id.as_str().into(),
            secret_access_key: settings.iam_secret_access_key.as_str().into(),
            region: settings.iam_region.as_str().into(),
        }
    }
}

/// Middleware: lets a correctly signed request through, refuses the rest.
pub async fn require_sigv4(State(gate): State<Gate>, req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, platform::http::BODY_LIMIT).await {
        Ok(bytes) => bytes,
        Err(_) => {
            let limit = platform::http::BODY_LIMIT;
            return ApiError::PayloadTooLarge { limit }.into_response();
        }
    };
    let req = Request::from_parts(parts, Body::from(bytes.clone()));
    match gate.check(&req, &bytes, SystemTime::now()) {
        Ok(()) => next.run(req).await,
        Err(refusal) => {
            tracing::info!(
                code = refusal.code(),
                "refused an unsigned or badly signed request"
            );
            ApiError::from(refusal).into_response()
        }
    }
}

/// The parts of `Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`.
#[derive(Debug, PartialEq, Eq)]
struct Authorization<'a> {
    access_key_id: &'a str,
    date: &'a str,
    region: &'a str,
    service: &'a str,
    signed_headers: Vec<&'a str>,
    signature: &'a str,
}

fn parse_authorization(value: &str) -> Option<Authorization<'_>> {
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
    let mut scope = credential?.split('/');
    let auth = Authorization {
        access_key_id: scope.next()?,
        date: scope.next()?,
        region: scope.next()?,
        service: scope.next()?,
        signed_headers: signed?.split(';').collect(),
        signature: signature?,
    };
    (scope.next()? == "aws4_request" && scope.next().is_none()).then_some(auth)
}

fn parse_amz_date(value: &str) -> Option<SystemTime> {
    let format = format_description!("[year][month][day]T[hour][minute][second]Z");
    let at = PrimitiveDateTime::parse(value, format).ok()?.assume_utc();
    Some(SystemTime::from(at))
}

impl Gate {
    /// Whether `req`, whose body is `body`, is signed with this gate's key
    /// and dated within [`MAX_SKEW`] of `now`.
    pub fn check(&self, req: &Request, body: &[u8], now: SystemTime) -> Result<(), Refusal> {
        use Refusal::{InvalidSignature, MissingAuthenticationToken};
        let headers = req.headers();
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let Some(authorization) = header("authorization") else {
            return Err(MissingAuthenticationToken);
        };
        let auth = parse_authorization(authorization).ok_or(InvalidSignature)?;
        let amz_date = header("x-amz-date").ok_or(InvalidSignature)?;
        let time = parse_amz_date(amz_date).ok_or(InvalidSignature)?;
        let skew = now.duration_since(time).unwrap_or_else(|e| e.duration());
        let in_scope = auth.access_key_id == &*self.access_key_id
            && auth.region == &*self.region
            && auth.service == SERVICE
            && amz_date.starts_with(auth.date)
            && auth.signed_headers.contains(&"host")
            && auth.signed_headers.contains(&"x-amz-date")
            && skew <= MAX_SKEW;
        if !in_scope {
            return Err(InvalidSignature);
        }
        let expected = self.signature(req, body, &auth, time)?;
        let same: bool = expected.as_bytes().ct_eq(auth.signature.as_bytes()).into();
        if same {
            Ok(())
        } else {
            Err(InvalidSignature)
        }
    }

    /// The signature the caller should have sent, from aws-sigv4.
    fn signature(
        &self,
        req: &Request,
        body: &[u8],
        auth: &Authorization<'_>,
        time: SystemTime,
    ) -> Result<String, Refusal> {
        let refuse = |_| Refusal::InvalidSignature;
        let mut signed = Vec::new();
        for name in &auth.signed_headers {
            let values: Vec<&str> = req
                .headers()
                .get_all(*name)
                .iter()
                .map(|v| v.to_str().map_err(|_| Refusal::InvalidSignature))
                .collect::<Result<_, _>>()?;
            if values.is_empty() {
                return Err(Refusal::InvalidSignature);
            }
            signed.extend(values.into_iter().map(|v| (*name, v)));
        }
        let token = signed
            .iter()
            .find(|(name, _)| *name == "x-amz-security-token")
            .map(|(_, v)| v.to_string());
        let credentials = Credentials::new(
            &*self.access_key_id,
            &*self.secret_access_key,
            token,
            None,
            "local-api",
        );
        let identity = credentials.into();
        let mut settings = SigningSettings::default();
        settings.excluded_headers = Some(Vec::new());
        let params = SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name(SERVICE)
            .time(time)
            .settings(settings)
            .build()
            .map_err(|_| Refusal::InvalidSignature)?
            .into();
        let path_and_query = req.uri().path_and_query().map_or("/", |p| p.as_str());
        let signable = SignableRequest::new(
            req.method().as_str(),
            path_and_query,
            signed.into_iter(),
            SignableBody::Bytes(body),
        )
        .map_err(refuse)?;
        let output = sign(signable, &params).map_err(refuse)?;
        Ok(output.signature().to_owned())
    }
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
        // Within 15 minutes either way is fine.
        let skewed = signed(("local", "local"), None, at(NOW - 14 * 60), OP);
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
        let auth = parse_authorization(ok).unwrap();
        assert_eq!(auth.access_key_id, "local");
        assert_eq!(auth.signed_headers, ["host", "x-amz-date"]);
        for bad in [
            "Bearer x",
            "AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/execute-api, SignedHeaders=host, Signature=ab",
            "AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/execute-api/aws4_request, Signature=ab",
            "AWS4-HMAC-SHA256 Credential=a/b/c/d/aws4_request/extra, SignedHeaders=host, Signature=ab",
        ] {
            assert!(parse_authorization(bad).is_none(), "{bad}");
        }
        assert!(parse_amz_date("20260101T000000Z").is_some());
        assert!(parse_amz_date("2026-01-01T00:00:00Z").is_none());
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
