//! `If-Match` and `If-None-Match` on a write (RFC 9110, 13.1.1-2): checked
//! against the ETag of the stored document, the one `GET` gives it.

use http::{header, HeaderMap, HeaderName};
use platform::ApiError;

/// Whether the request states any precondition.
pub fn any(headers: &HeaderMap) -> bool {
    headers.contains_key(header::IF_MATCH) || headers.contains_key(header::IF_NONE_MATCH)
}

/// 412 unless the request's preconditions hold for the stored document
/// whose ETag is `current` (`None`: no document).
pub fn check(headers: &HeaderMap, current: Option<&str>) -> Result<(), ApiError> {
    if let Some(tags) = tags(headers, &header::IF_MATCH) {
        // Strong comparison: a weak tag never matches.
        let hit = current.is_some_and(|etag| tags.iter().any(|t| t == "*" || t == etag));
        if !hit {
            return Err(ApiError::PreconditionFailed(match current {
                Some(_) => "If-Match does not match the stored resume's ETag".into(),
                None => "If-Match: there is no resume with this id".into(),
            }));
        }
    }
    if let Some(tags) = tags(headers, &header::IF_NONE_MATCH) {
        let hit = current.is_some_and(|etag| {
            tags.iter()
                .any(|t| t == "*" || t.trim_start_matches("W/") == etag)
        });
        if hit {
            return Err(ApiError::PreconditionFailed(
                "If-None-Match: a resume with this id exists".into(),
            ));
        }
    }
    Ok(())
}

/// The entity tags of every `name` header, or `None` if there is none.
fn tags(headers: &HeaderMap, name: &HeaderName) -> Option<Vec<String>> {
    let values: Vec<String> = headers
        .get_all(name)
        .iter()
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .flat_map(|v| {
            v.split(',')
                .map(|t| t.trim().to_owned())
                .collect::<Vec<_>>()
        })
        .filter(|t| !t.is_empty())
        .collect();
    (headers.contains_key(name)).then_some(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(name: HeaderName, value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(name, value.parse().unwrap());
        h
    }

    #[test]
    fn if_none_match_star_only_creates() {
        let h = with(header::IF_NONE_MATCH, "*");
        assert!(check(&h, None).is_ok());
        assert_eq!(check(&h, Some("\"a\"")).unwrap_err().status(), 412);
    }

    #[test]
    fn if_match_needs_the_current_etag_strongly() {
        let h = with(header::IF_MATCH, "\"x\", \"a\"");
        assert!(check(&h, Some("\"a\"")).is_ok());
        assert_eq!(check(&h, Some("\"b\"")).unwrap_err().status(), 412);
        assert_eq!(check(&h, None).unwrap_err().status(), 412);
        let weak = with(header::IF_MATCH, "W/\"a\"");
        assert_eq!(check(&weak, Some("\"a\"")).unwrap_err().status(), 412);
        let star = with(header::IF_MATCH, "*");
        assert!(check(&star, Some("\"a\"")).is_ok());
        assert_eq!(check(&star, None).unwrap_err().status(), 412);
    }

    #[test]
    fn no_precondition_always_holds() {
        assert!(check(&HeaderMap::new(), None).is_ok());
        assert!(check(&HeaderMap::new(), Some("\"a\"")).is_ok());
        assert!(!any(&HeaderMap::new()));
        assert!(any(&with(header::IF_MATCH, "*")));
    }
}
