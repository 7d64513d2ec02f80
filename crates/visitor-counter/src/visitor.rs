//! Who is visiting: the client IP and user agent, hashed at once with the
//! day's salt, and the path.
//!
//! # The client IP
//!
//! The address is the TCP peer's: API Gateway's `sourceIp` in Lambda, the
//! socket's peer locally. `X-Forwarded-For` is never read, since any client
//! can write it.
//!
//! Behind the site's CloudFront distribution (`/api/*`) that peer is a
//! CloudFront edge, shared by every visitor it serves. There the visitor is
//! CloudFront's `CloudFront-Viewer-Address` (`ip:port`), believed only on a
//! request whose [`ORIGIN_VERIFY`] header is `ORIGIN_VERIFY_SECRET`
//! ([`Hop::Distribution`]): CloudFront adds that header to each request it
//! sends to the API, over any value the viewer sent, and no one else knows
//! it. A request without it is a direct call (execute-api URL, the API's
//! custom domain, the local server) and its viewer headers are ignored, so a
//! forged `CloudFront-Viewer-Address` counts as its sender's own address.
//! A wrong value is ignored the same way, and logged.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};

use axum::extract::ConnectInfo;
use hmac::{Hmac, Mac};
use http::{header, HeaderMap, HeaderName, Request};
use lambda_http::request::RequestContext;
use lambda_http::RequestExt;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use crate::config::OriginVerify;
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
    /// The sender of `req`; `secret` says which requests came through the
    /// site's distribution (see the module docs).
    pub fn from_request<B>(req: &Request<B>, secret: &OriginVerify) -> Self {
        let ip = client_ip(req, secret);
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

/// The origin custom header the site's distribution adds to every request
/// it sends to the API, valued `ORIGIN_VERIFY_SECRET`.
pub const ORIGIN_VERIFY: HeaderName = HeaderName::from_static("x-origin-verify");
/// CloudFront's viewer address, `ip:port` (an origin request policy adds it).
pub const VIEWER_ADDRESS: HeaderName = HeaderName::from_static("cloudfront-viewer-address");

/// How a request reached the function, as far as its sender's address goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hop {
    /// Straight from the client: no [`ORIGIN_VERIFY`] header.
    Direct,
    /// Through the site's distribution: one [`ORIGIN_VERIFY`], the secret.
    Distribution,
    /// An [`ORIGIN_VERIFY`] that is not the secret (a guess, a secret changed
    /// on one side only, or none set here): treated as [`Hop::Direct`].
    Unproven,
}

/// Which way `headers` came, given the function's `secret`.
pub fn hop(headers: &HeaderMap, secret: &OriginVerify) -> Hop {
    let mut values = headers.get_all(ORIGIN_VERIFY).iter();
    match (values.next(), values.next()) {
        (None, _) => Hop::Direct,
        (Some(value), None) if secret.matches(value.as_bytes()) => Hop::Distribution,
        _ => Hop::Unproven,
    }
}

/// The client's address (see the module docs): the viewer CloudFront names
/// on a request that came through the distribution, else the TCP peer.
pub fn client_ip<B>(req: &Request<B>, secret: &OriginVerify) -> Option<IpAddr> {
    let ip = match hop(req.headers(), secret) {
        Hop::Direct => peer_ip(req),
        Hop::Distribution => viewer_ip(req.headers()).or_else(|| {
            // The origin request policy must add it; without it every
            // visitor of an edge is one.
            tracing::warn!("through CloudFront without one valid CloudFront-Viewer-Address: counting the edge's address");
            peer_ip(req)
        }),
        Hop::Unproven => {
            tracing::warn!("X-Origin-Verify is not ORIGIN_VERIFY_SECRET: CloudFront's viewer headers ignored");
            peer_ip(req)
        }
    };
    // `::ffff:1.2.3.4` and `1.2.3.4` are the same visitor.
    ip.map(|ip| ip.to_canonical())
}

/// The TCP peer: API Gateway's `sourceIp` in Lambda, the socket's peer
/// locally.
fn peer_ip<B>(req: &Request<B>) -> Option<IpAddr> {
    let from_gateway = match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV1(ctx)) => ctx.identity.source_ip.clone(),
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx.http.source_ip.clone(),
        _ => None,
    };
    match from_gateway {
        Some(text) => text.trim().parse::<IpAddr>().ok(),
        None => req
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip()),
    }
}

/// The address in the request's one [`VIEWER_ADDRESS`] header, if valid.
fn viewer_ip(headers: &HeaderMap) -> Option<IpAddr> {
    let mut values = headers.get_all(VIEWER_ADDRESS).iter();
    match (values.next(), values.next()) {
        (Some(value), None) => viewer_address(value.to_str().ok()?),
        _ => None,
    }
}

/// The IP of a `CloudFront-Viewer-Address` value: `198.51.100.10:46532`,
/// or an IPv6 address with the port after its last colon, unbracketed
/// (`2001:db8::1:46532`) as CloudFront sends it, or bracketed. `None`
/// without a port or with anything else.
pub fn viewer_address(value: &str) -> Option<IpAddr> {
    let value = value.trim();
    if let Ok(socket) = value.parse::<SocketAddr>() {
        return Some(socket.ip());
    }
    let (ip, port) = value.rsplit_once(':')?;
    let is_port = !port.is_empty() && port.len() <= 5 && port.bytes().all(|b| b.is_ascii_digit());
    if !is_port || port.parse::<u16>().is_err() {
        return None;
    }
    ip.parse::<Ipv6Addr>().ok().map(IpAddr::V6)
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
        let s = Sender::from_request(&req, &OriginVerify::default());
        assert_eq!(s.user_agent.unwrap().len(), MAX_USER_AGENT_CHARS);
        assert_eq!(s.path, "/visitorcount");
    }

    #[test]
    fn the_socket_peer_is_the_client_locally_and_forwarding_headers_are_ignored() {
        let mut req = Request::get("/visitorcount")
            .header("x-forwarded-for", "198.51.100.1")
            .body(())
            .unwrap();
        assert_eq!(client_ip(&req, &OriginVerify::default()), None);
        req.extensions_mut().insert(ConnectInfo::<SocketAddr>(
            "[::ffff:127.0.0.9]:5555".parse().unwrap(),
        ));
        assert_eq!(
            client_ip(&req, &OriginVerify::default()),
            Some("127.0.0.9".parse().unwrap())
        );
    }

    const SECRET: &str = "0123456789abcdef0123456789abcdef-site";

    fn secret() -> OriginVerify {
        SECRET.parse().unwrap()
    }

    /// A REST API event from `source_ip` with these headers (one value
    /// each), as lambda_http reads it.
    fn event(source_ip: &str, headers: &[(&str, &str)]) -> lambda_http::Request {
        let mut single = serde_json::Map::new();
        let mut multi = serde_json::Map::new();
        for (k, v) in headers {
            single.insert((*k).into(), (*v).into());
            multi.insert((*k).into(), serde_json::json!([v]));
        }
        let event = serde_json::json!({
            "resource": "/visitorcount", "path": "/visitorcount", "httpMethod": "GET",
            "headers": single, "multiValueHeaders": multi, "queryStringParameters": null,
            "multiValueQueryStringParameters": null, "pathParameters": null,
            "stageVariables": null, "body": null, "isBase64Encoded": false,
            "requestContext": {"accountId": "123456789012", "resourceId": "abc",
                "stage": "Prod", "requestId": "r-1", "resourcePath": "/visitorcount",
                "httpMethod": "GET", "apiId": "abc", "path": "/Prod/visitorcount",
                "identity": {"sourceIp": source_ip, "userAgent": "test"}}
        });
        lambda_http::request::from_str(&event.to_string()).unwrap()
    }

    fn ip(text: &str) -> Option<IpAddr> {
        Some(text.parse().unwrap())
    }

    #[test]
    fn api_gateway_source_ip_is_the_client_in_lambda() {
        let req = event(
            "203.0.113.7",
            &[
                ("Host", "abc.execute-api.eu-west-1.amazonaws.com"),
                ("X-Forwarded-For", "198.51.100.1, 130.176.0.1"),
            ],
        );
        assert_eq!(client_ip(&req, &secret()), ip("203.0.113.7"));
        assert_eq!(client_ip(&req, &OriginVerify::default()), ip("203.0.113.7"));
    }

    #[test]
    fn viewer_addresses_as_cloudfront_writes_them() {
        for (value, want) in [
            ("198.51.100.10:46532", "198.51.100.10"),
            (" 198.51.100.10:0 ", "198.51.100.10"),
            ("2001:db8::8a2e:370:7334:46532", "2001:db8::8a2e:370:7334"),
            ("2001:db8::1:443", "2001:db8::1"),
            ("[2001:db8::1]:443", "2001:db8::1"),
            ("::ffff:198.51.100.10:5000", "::ffff:198.51.100.10"),
        ] {
            assert_eq!(viewer_address(value), ip(want), "{value}");
        }
        for bad in [
            "",
            "198.51.100.10",
            "198.51.100.10:",
            "198.51.100.10:65536",
            "198.51.100.10:+80",
            "198.51.100.10:80:80",
            "2001:db8::",
            "[2001:db8::1]",
            "example.com:443",
            "198.51.100.10, 203.0.113.7",
        ] {
            assert_eq!(viewer_address(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn the_hop_is_the_distribution_only_with_the_one_secret() {
        let h = |pairs: &[(&str, &str)]| {
            let mut map = HeaderMap::new();
            for (k, v) in pairs {
                map.append(
                    HeaderName::from_bytes(k.as_bytes()).unwrap(),
                    v.parse().unwrap(),
                );
            }
            map
        };
        let on = secret();
        let off = OriginVerify::default();
        assert_eq!(hop(&h(&[]), &on), Hop::Direct);
        assert_eq!(hop(&h(&[]), &off), Hop::Direct);
        assert_eq!(
            hop(&h(&[("x-origin-verify", SECRET)]), &on),
            Hop::Distribution
        );
        assert_eq!(
            hop(&h(&[("X-Origin-Verify", SECRET)]), &on),
            Hop::Distribution
        );
        // No secret set here: nothing proves the way, whatever is sent.
        assert_eq!(hop(&h(&[("x-origin-verify", SECRET)]), &off), Hop::Unproven);
        assert_eq!(hop(&h(&[("x-origin-verify", "")]), &off), Hop::Unproven);
        let near = format!("{}X", &SECRET[..SECRET.len() - 1]);
        for wrong in ["guess", near.as_str(), &SECRET[1..], &format!("{SECRET} ")] {
            let got = hop(&h(&[("x-origin-verify", wrong)]), &on);
            assert_eq!(got, Hop::Unproven, "{wrong:?}");
        }
        // Twice, even with the secret once: not what CloudFront sends.
        let twice = h(&[("x-origin-verify", "guess"), ("x-origin-verify", SECRET)]);
        assert_eq!(hop(&twice, &on), Hop::Unproven);
    }

    #[test]
    fn behind_the_distribution_each_viewer_is_a_visitor_and_a_forged_viewer_is_not() {
        let edge = "130.176.1.23";
        let through = |viewer: &str| {
            event(
                edge,
                &[
                    ("X-Origin-Verify", SECRET),
                    ("CloudFront-Viewer-Address", viewer),
                ],
            )
        };
        let on = secret();
        let (a, b) = (through("198.51.100.1:50001"), through("2001:db8::7:50002"));
        assert_eq!(client_ip(&a, &on), ip("198.51.100.1"));
        assert_eq!(client_ip(&b, &on), ip("2001:db8::7"));
        // CloudFront's IPv4-mapped form is the same visitor as the IPv4.
        assert_eq!(
            client_ip(&through("::ffff:198.51.100.1:50003"), &on),
            ip("198.51.100.1")
        );
        // Through the distribution but no usable viewer: the edge.
        for broken in [
            event(edge, &[("X-Origin-Verify", SECRET)]),
            through("not an address"),
        ] {
            assert_eq!(client_ip(&broken, &on), ip(edge));
        }
        // A direct call forging the viewer, with no, a wrong, or an unset
        // secret: its own address.
        let forged = |verify: Option<&str>| {
            let mut headers = vec![("CloudFront-Viewer-Address", "198.51.100.1:50001")];
            headers.extend(verify.map(|v| ("X-Origin-Verify", v)));
            event("203.0.113.66", &headers)
        };
        assert_eq!(client_ip(&forged(None), &on), ip("203.0.113.66"));
        assert_eq!(client_ip(&forged(Some("guess")), &on), ip("203.0.113.66"));
        let off = OriginVerify::default();
        assert_eq!(client_ip(&forged(Some(SECRET)), &off), ip("203.0.113.66"));
        assert_eq!(client_ip(&a, &off), ip(edge));
    }

    #[test]
    fn locally_the_same_rules_hold_over_the_socket_peer() {
        let local = |headers: &[(&str, &str)]| {
            let mut req = Request::get("/visitorcount");
            for (k, v) in headers {
                req = req.header(*k, *v);
            }
            let mut req = req.body(()).unwrap();
            req.extensions_mut()
                .insert(ConnectInfo::<SocketAddr>("127.0.0.1:5555".parse().unwrap()));
            req
        };
        let on = secret();
        let viewer = ("cloudfront-viewer-address", "192.0.2.8:4000");
        assert_eq!(client_ip(&local(&[viewer]), &on), ip("127.0.0.1"));
        let proxied = local(&[viewer, ("x-origin-verify", SECRET)]);
        assert_eq!(client_ip(&proxied, &on), ip("192.0.2.8"));
        // Two viewer addresses: not what CloudFront sends; the peer. (An
        // API Gateway event's `headers` keep one value of each name.)
        let two = local(&[viewer, viewer, ("x-origin-verify", SECRET)]);
        assert_eq!(client_ip(&two, &on), ip("127.0.0.1"));
    }

    #[test]
    fn a_request_without_an_address_still_gets_a_hash() {
        let req = Request::get("/visitorcount").body(()).unwrap();
        let s = Salt::random();
        let v = Visitor::new(&Sender::from_request(&req, &OriginVerify::default()), &s);
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
