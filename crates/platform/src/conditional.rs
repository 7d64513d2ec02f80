//! Cacheable JSON responses: a strong `ETag` over the exact bytes served,
//! `Cache-Control`, and 304 Not Modified for a matching `If-None-Match`
//! (RFC 9110). Used by every route whose answer may be cached
//! (`GET /resume`, `GET /visitorcount/stats`).

use crate::error::ApiError;
use axum::response::{IntoResponse, Response};
use http::{header, HeaderMap, HeaderValue, StatusCode};
use sha2::{Digest, Sha256};

/// `body` (JSON bytes) as a 200 with its ETag and `cache_control`, or a 304
/// with the same two headers when `request` already holds that ETag.
pub fn json(
    body: Vec<u8>,
    cache_control: &'static str,
    request: &HeaderMap,
) -> Result<Response, ApiError> {
    let etag = HeaderValue::from_str(&etag_of(&body)).map_err(|_| ApiError::Internal)?;
    let cache = HeaderValue::from_static(cache_control);
    if if_none_match_hits(request, &etag) {
        let headers = [(header::ETAG, etag), (header::CACHE_CONTROL, cache)];
        return Ok((StatusCode::NOT_MODIFIED, headers).into_response());
    }
    let headers = [
        (
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        ),
        (header::ETAG, etag),
        (header::CACHE_CONTROL, cache),
    ];
    Ok((headers, body).into_response())
}

/// A strong validator: the first 128 bits of the SHA-256 of the exact bytes
/// served, as 32 hex digits in quotes.
pub fn etag_of(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

/// `If-None-Match` matches on `*` or any listed tag (weak comparison, as
/// RFC 9110 asks for this header).
fn if_none_match_hits(headers: &HeaderMap, etag: &HeaderValue) -> bool {
    let etag = etag.to_str().unwrap_or_default();
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|t| t == "*" || t.trim_start_matches("W/") == etag)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::IF_NONE_MATCH, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn etag_is_strong_stable_and_content_derived() {
        let a = etag_of(br#"{"basics":{"name":"A"}}"#);
        assert_eq!(a, etag_of(br#"{"basics":{"name":"A"}}"#));
        assert_ne!(a, etag_of(br#"{"basics":{"name":"B"}}"#));
        assert!(a.starts_with('"') && a.ends_with('"') && !a.starts_with("W/"));
        assert_eq!(a.len(), 34);
    }

    #[test]
    fn if_none_match_forms() {
        let tag = etag_of(b"x");
        let tag_value = HeaderValue::from_str(&tag).unwrap();
        let hits = |h: &HeaderMap| if_none_match_hits(h, &tag_value);
        assert!(hits(&headers(&tag)));
        assert!(hits(&headers(&format!("\"other\", {tag}"))));
        assert!(hits(&headers(&format!("W/{tag}"))));
        assert!(hits(&headers("*")));
        assert!(!hits(&headers("\"other\"")));
        assert!(!hits(&HeaderMap::new()));
    }

    #[test]
    fn a_match_is_a_304_with_the_validators_and_no_body() {
        let body = br#"{"a":1}"#.to_vec();
        let fresh = json(body.clone(), "public, max-age=60", &HeaderMap::new()).unwrap();
        assert_eq!(fresh.status(), StatusCode::OK);
        assert_eq!(fresh.headers()[header::CONTENT_TYPE], "application/json");
        assert_eq!(fresh.headers()[header::CACHE_CONTROL], "public, max-age=60");
        let etag = fresh.headers()[header::ETAG].to_str().unwrap().to_owned();
        let again = json(body, "public, max-age=60", &headers(&etag)).unwrap();
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
        assert_eq!(again.headers()[header::ETAG], etag.as_str());
        assert!(!again.headers().contains_key(header::CONTENT_TYPE));
    }
}
