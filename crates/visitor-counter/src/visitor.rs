//! Who is visiting: the client IP and user agent, hashed at once with the
//! day's salt, and the path.

use std::net::{IpAddr, SocketAddr};

use axum::extract::ConnectInfo;
use hmac::{Hmac, Mac};
use http::{header, Request};
use lambda_http::request::RequestContext;
use lambda_http::RequestExt;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use crate::salt::Salt;

/// The visit log keeps this many characters of the user agent.
pub const MAX_USER_AGENT_CHARS: usize = 256;

/// What a request says about its sender, before hashing. Never stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sender {
    pub ip: Option<IpAddr>,
    /// At most [`MAX_USER_AGENT_CHARS`] characters; `None` if empty.
    pub user_agent: Option<String>,
    pub path: String,
}

impl Sender {
    pub fn from_request<B>(req: &Request<B>) -> Self {
        let ip = client_ip(req);
        if ip.is_none() {
            tracing::warn!("no client address on the request; hashing it as 'unknown'");
        }
        Self {
            ip,
            user_agent: req
                .headers()
                .get(header::USER_AGENT)
                .map(|v| truncate(&String::from_utf8_lossy(v.as_bytes()), MAX_USER_AGENT_CHARS))
                .filter(|ua| !ua.is_empty()),
            path: req.uri().path().to_owned(),
        }
    }
}

/// What is kept of a request. The raw IP is not: only a keyed hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Visitor {
    /// HMAC-SHA256, under the day's salt, of the client IP and user agent,
    /// as 64 hex digits.
    pub ip_hash: String,
    pub user_agent: Option<String>,
    pub path: String,
}

impl Visitor {
    pub fn new(sender: &Sender, salt: &Salt) -> Self {
        let ip_text = sender
            .ip
            .map_or_else(|| "unknown".to_owned(), |ip| ip.to_string());
        Self {
            ip_hash: hash_visitor(salt, &ip_text, sender.user_agent.as_deref()),
            user_agent: sender.user_agent.clone(),
            path: sender.path.clone(),
        }
    }
}

/// One visit-log item.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Visit {
    /// A random UUID v4.
    pub id: String,
    /// RFC 3339, UTC.
    pub at: String,
    /// HMAC-SHA256 of the client IP, hex.
    pub ip_hash: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    pub path: String,
    /// Epoch seconds; DynamoDB TTL deletes the item after it.
    pub expires_at: i64,
}

impl Visit {
    pub fn new(visitor: &Visitor, now: OffsetDateTime, ttl_days: u32) -> Self {
        Self {
            id: uuid::Uuid::new_v4().to_string(),
            at: now
                .to_offset(time::UtcOffset::UTC)
                .format(&Rfc3339)
                .unwrap_or_else(|_| now.unix_timestamp().to_string()),
            ip_hash: visitor.ip_hash.clone(),
            user_agent: visitor.user_agent.clone(),
            path: visitor.path.clone(),
            expires_at: (now + Duration::days(i64::from(ttl_days))).unix_timestamp(),
        }
    }
}

/// The client's address: API Gateway's `sourceIp` in Lambda, the socket's
/// peer locally. Forwarding headers are never trusted.
pub fn client_ip<B>(req: &Request<B>) -> Option<IpAddr> {
    let from_gateway = match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV1(ctx)) => ctx.identity.source_ip.clone(),
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx.http.source_ip.clone(),
        _ => None,
    };
    let ip = match from_gateway {
        Some(text) => text.trim().parse::<IpAddr>().ok(),
        None => req
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip()),
    };
    // `::ffff:1.2.3.4` and `1.2.3.4` are the same visitor.
    ip.map(|ip| ip.to_canonical())
}

/// HMAC-SHA256, keyed with the salt, of the IP and the user agent (as
/// Plausible's `hash(daily_salt + ip + user_agent)`), in lower-case hex.
pub fn hash_visitor(salt: &Salt, ip: &str, user_agent: Option<&str>) -> String {
    let mut data = Vec::with_capacity(ip.len() + 1 + user_agent.map_or(0, str::len));
    data.extend_from_slice(ip.as_bytes());
    data.push(b'\n');
    data.extend_from_slice(user_agent.unwrap_or_default().as_bytes());
    hmac_hex(salt.expose(), &data)
}

fn hmac_hex(key: &[u8], data: &[u8]) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => return String::new(),
    };
    mac.update(data);
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The first `max` characters of `s`.
pub fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_dynamodb::types::AttributeValue;
    use time::macros::datetime;

    fn sender(ip: &str, ua: Option<&str>) -> Sender {
        Sender {
            ip: Some(ip.parse().unwrap()),
            user_agent: ua.map(str::to_owned),
            path: "/visitorcount".into(),
        }
    }

    #[test]
    fn hmac_matches_rfc_4231_test_case_2() {
        assert_eq!(
            hmac_hex(b"Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn hashes_depend_on_ip_user_agent_and_salt_and_hide_the_ip() {
        let (a, b) = (Salt::random(), Salt::random());
        let h = Visitor::new(&sender("203.0.113.7", Some("UA")), &a).ip_hash;
        assert_eq!(h.len(), 64);
        assert!(h.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(h, hash_visitor(&a, "203.0.113.7", Some("UA")));
        assert_eq!(
            h,
            Visitor::new(&sender("203.0.113.7", Some("UA")), &a).ip_hash
        );
        assert_ne!(h, hash_visitor(&a, "203.0.113.8", Some("UA")));
        assert_ne!(h, hash_visitor(&a, "203.0.113.7", Some("UA2")));
        assert_ne!(h, hash_visitor(&a, "203.0.113.7", None));
        // Another day, another salt: the same visitor is another hash.
        assert_ne!(h, hash_visitor(&b, "203.0.113.7", Some("UA")));
        assert!(!h.contains("203.0.113.7"));
    }

    #[test]
    fn user_agents_are_cut_on_character_boundaries() {
        assert_eq!(truncate("abc", 2), "ab");
        assert_eq!(truncate("ééé", 2), "éé");
        assert_eq!(truncate("ab", 5), "ab");
        let long = "x".repeat(1000);
        let req = Request::get("/visitorcount")
            .header(header::USER_AGENT, long)
            .body(())
            .unwrap();
        let s = Sender::from_request(&req);
        assert_eq!(s.user_agent.unwrap().len(), MAX_USER_AGENT_CHARS);
        assert_eq!(s.path, "/visitorcount");
    }

    #[test]
    fn the_socket_peer_is_the_client_locally_and_forwarding_headers_are_ignored() {
        let mut req = Request::get("/visitorcount")
            .header("x-forwarded-for", "198.51.100.1")
            .body(())
            .unwrap();
        assert_eq!(client_ip(&req), None);
        req.extensions_mut().insert(ConnectInfo::<SocketAddr>(
            "[::ffff:127.0.0.9]:5555".parse().unwrap(),
        ));
        assert_eq!(client_ip(&req), Some("127.0.0.9".parse().unwrap()));
    }

    #[test]
    fn api_gateway_source_ip_is_the_client_in_lambda() {
        let event = r#"{
            "resource": "/visitorcount", "path": "/visitorcount", "httpMethod": "GET",
            "headers": {"Host": "abc.execute-api.eu-west-1.amazonaws.com",
                        "X-Forwarded-For": "198.51.100.1, 130.176.0.1"},
            "multiValueHeaders": {}, "queryStringParameters": null,
            "multiValueQueryStringParameters": null, "pathParameters": null,
            "stageVariables": null, "body": null, "isBase64Encoded": false,
            "requestContext": {"accountId": "123456789012", "resourceId": "abc",
                "stage": "Prod", "requestId": "r-1", "resourcePath": "/visitorcount",
                "httpMethod": "GET", "apiId": "abc", "path": "/Prod/visitorcount",
                "identity": {"sourceIp": "203.0.113.7", "userAgent": "test"}}
        }"#;
        let req = lambda_http::request::from_str(event).unwrap();
        assert_eq!(client_ip(&req), Some("203.0.113.7".parse().unwrap()));
    }

    #[test]
    fn a_request_without_an_address_still_gets_a_hash() {
        let req = Request::get("/visitorcount").body(()).unwrap();
        let s = Salt::random();
        let v = Visitor::new(&Sender::from_request(&req), &s);
        assert_eq!(v.ip_hash, hash_visitor(&s, "unknown", None));
        assert_eq!(v.user_agent, None);
    }

    #[test]
    fn a_visit_item_has_every_field_and_expires_after_the_ttl() {
        let visitor = Visitor {
            ip_hash: "ab".repeat(32),
            user_agent: None,
            path: "/visitorcount".into(),
        };
        let now = datetime!(2025-01-31 12:00:00.5 UTC);
        let visit = Visit::new(&visitor, now, 90);
        assert!(uuid::Uuid::parse_str(&visit.id).is_ok());
        assert_eq!(visit.at, "2025-01-31T12:00:00.5Z");
        assert_eq!(
            visit.expires_at,
            datetime!(2025-05-01 12:00:00.5 UTC).unix_timestamp()
        );
        assert_ne!(visit.id, Visit::new(&visitor, now, 90).id);
        // No NULL attribute for a missing user agent.
        let item: std::collections::HashMap<String, AttributeValue> =
            serde_dynamo::to_item(&visit).unwrap();
        assert!(!item.contains_key("userAgent"));
        assert_eq!(
            item["expiresAt"],
            AttributeValue::N(visit.expires_at.to_string())
        );
        assert_eq!(item["ipHash"], AttributeValue::S(visitor.ip_hash));
    }
}
