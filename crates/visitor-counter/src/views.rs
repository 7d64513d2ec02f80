//! What counts as a view: the one place that decides, from the request's
//! headers alone, whether `GET /visitorcount` raises the numbers.
//!
//! In order:
//!
//! 1. **A foreign `Origin`** (present, not on `ALLOWED_ORIGINS`, `null`
//!    included): refused with a 403 JSON error. Nothing is written.
//! 2. **Prefetch and prerender**: `Sec-Purpose: prefetch` or `prerender`
//!    (any token list containing either), `Purpose: prefetch`,
//!    `X-Moz: prefetch`. Not counted.
//! 3. **Bots and crawlers**: a `User-Agent` on the maintained list of the
//!    `isbot` crate (crawlers, link-preview fetchers, HTTP libraries such as
//!    curl, wget and python-requests, headless Chrome), or no `User-Agent`
//!    at all. Not counted.
//! 4. **Not from the owner's site**: not counted unless one of these says
//!    the page is the owner's:
//!    - an allowed `Origin` (a page on another origin: a cross-origin
//!      `fetch` sends it);
//!    - with no `Origin` (a same-origin `fetch` GET sends none):
//!      `Sec-Fetch-Site: same-origin`, which the browser sets when the page
//!      and the API share an origin, as the site and `/api/*` do behind
//!      the site's distribution. The API serves no pages of its own, so
//!      that page is the site's, whatever its domain: the function need not
//!      know the distribution's `*.cloudfront.net` name (which it could not
//!      be given without a dependency cycle in the template);
//!    - with no `Origin`: a `Referer` whose origin is allowed (older
//!      browsers send no `Sec-Fetch-Site`; a `Referrer-Policy` that keeps
//!      the origin, such as the default `strict-origin-when-cross-origin`,
//!      keeps this working).
//!
//!    So a request with neither signal (curl, a typed URL:
//!    `Sec-Fetch-Site: none`) is not counted, nor one whose `Referer` is
//!    another site's.
//! 5. Everything else is a view, and counted. With `Sec-GPC: 1` or `DNT: 1`
//!    it is a *private* view: it counts in the total and the day's views,
//!    but nothing personal (visit-log item, unique-visitor marker) is
//!    written for it.
//!
//! HEAD and preflights never reach this: HEAD gets a 405 and `OPTIONS` is
//! answered by the CORS layer.
//!
//! This filters accidents and crawlers, not a determined client: every one
//! of these headers can be forged. The stage's throttle bounds the rest.

use std::sync::LazyLock;

use http::{header, HeaderMap, HeaderName, HeaderValue};
use platform::http::AllowedOrigins;

/// The decision for one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// A view: count it. `private` when the browser asked not to be tracked
    /// (`Sec-GPC: 1` or `DNT: 1`).
    Count { private: bool },
    /// Answer with the current numbers, write nothing.
    Skip(Skip),
    /// A foreign `Origin`: 403, write nothing.
    Refuse,
}

/// Why a request is not counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Skip {
    Prefetch,
    Bot,
    NoUserAgent,
    NotFromSite,
}

impl Skip {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Prefetch => "prefetch",
            Self::Bot => "bot",
            Self::NoUserAgent => "no_user_agent",
            Self::NotFromSite => "not_from_site",
        }
    }
}

/// The bot list, compiled once per process (the router builds it at start,
/// so the first request does not pay for it).
static BOTS: LazyLock<isbot::Bots> = LazyLock::new(isbot::Bots::default);

/// Compiles the bot list now rather than on the first request, and runs
/// it once on a browser's `User-Agent`, which fills most of the states its
/// lazy DFA builds on first use (~0.6 ms of CPU on the first match).
pub fn warm_up() {
    let _ = BOTS.is_bot(
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 \
         (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    );
}

const SEC_PURPOSE: HeaderName = HeaderName::from_static("sec-purpose");
const PURPOSE: HeaderName = HeaderName::from_static("purpose");
const X_MOZ: HeaderName = HeaderName::from_static("x-moz");
const SEC_GPC: HeaderName = HeaderName::from_static("sec-gpc");
const DNT: HeaderName = HeaderName::from_static("dnt");
const SEC_FETCH_SITE: HeaderName = HeaderName::from_static("sec-fetch-site");

/// Decides what `headers` are: see the module docs.
pub fn classify(headers: &HeaderMap, allowed: &AllowedOrigins) -> Verdict {
    let origin = headers.get(header::ORIGIN);
    if let Some(origin) = origin {
        if !allowed.allows(origin) {
            return Verdict::Refuse;
        }
    }
    if is_prefetch(headers) {
        return Verdict::Skip(Skip::Prefetch);
    }
    match user_agent(headers) {
        None => return Verdict::Skip(Skip::NoUserAgent),
        Some(ua) if BOTS.is_bot(ua) => return Verdict::Skip(Skip::Bot),
        Some(_) => {}
    }
    // An `Origin` here is allowed (checked above).
    let from_site =
        origin.is_some() || is_same_origin(headers) || referer_allowed(headers, allowed);
    if !from_site {
        return Verdict::Skip(Skip::NotFromSite);
    }
    Verdict::Count {
        private: is_private(headers),
    }
}

/// `Sec-Fetch-Site: same-origin`: the browser says the page that made the
/// request shares the API's origin.
pub fn is_same_origin(headers: &HeaderMap) -> bool {
    headers.get(SEC_FETCH_SITE).is_some_and(|v| {
        v.as_bytes()
            .trim_ascii()
            .eq_ignore_ascii_case(b"same-origin")
    })
}

/// A `Referer` whose origin is on the allow-list.
fn referer_allowed(headers: &HeaderMap, allowed: &AllowedOrigins) -> bool {
    headers
        .get(header::REFERER)
        .and_then(|r| r.to_str().ok())
        .and_then(origin_of)
        .and_then(|o| HeaderValue::from_str(o).ok())
        .is_some_and(|o| allowed.allows(&o))
}

/// A prefetch or prerender, by any of the headers browsers send for one.
pub fn is_prefetch(headers: &HeaderMap) -> bool {
    let has_token = |name: &HeaderName, tokens: &[&str]| {
        headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            // `Sec-Purpose` is a structured-field list: `prefetch;anonymous-client-ip`.
            .flat_map(|v| v.split([',', ';']))
            .map(str::trim)
            .any(|t| tokens.iter().any(|want| t.eq_ignore_ascii_case(want)))
    };
    has_token(&SEC_PURPOSE, &["prefetch", "prerender"])
        || has_token(&PURPOSE, &["prefetch"])
        || has_token(&X_MOZ, &["prefetch"])
}

/// `Sec-GPC: 1` or `DNT: 1`.
pub fn is_private(headers: &HeaderMap) -> bool {
    [SEC_GPC, DNT].iter().any(|name| {
        headers
            .get(name)
            .is_some_and(|v| v.as_bytes().trim_ascii() == b"1")
    })
}

fn user_agent(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|ua| !ua.is_empty())
}

/// The origin (`scheme://host[:port]`) of an absolute http(s) URL, as the
/// browser would send it in `Origin`; `None` for anything else (relative
/// URLs, user info, other schemes).
pub fn origin_of(url: &str) -> Option<&str> {
    let (scheme, rest) = url.split_once("://")?;
    if !(scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https")) {
        return None;
    }
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    if authority.is_empty() || authority.contains('@') {
        return None;
    }
    Some(&url[..scheme.len() + 3 + end])
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHROME: &str = testkit::BROWSER_USER_AGENT;
    const FIREFOX: &str =
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0";
    const SITE: &str = "https://me.example";

    fn allowed() -> AllowedOrigins {
        format!("{SITE},http://localhost:8080").parse().unwrap()
    }

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        h
    }

    fn verdict(pairs: &[(&str, &str)]) -> Verdict {
        classify(&headers(pairs), &allowed())
    }

    const COUNT: Verdict = Verdict::Count { private: false };

    #[test]
    fn a_browser_on_the_site_counts_by_origin_or_referer() {
        assert_eq!(verdict(&[("origin", SITE), ("user-agent", CHROME)]), COUNT);
        assert_eq!(
            verdict(&[
                ("referer", "https://me.example/cv?x=1#top"),
                ("user-agent", FIREFOX)
            ]),
            COUNT
        );
        assert_eq!(
            verdict(&[
                ("referer", "http://localhost:8080/"),
                ("user-agent", CHROME)
            ]),
            COUNT
        );
    }

    #[test]
    fn a_same_origin_fetch_counts_without_origin_or_a_known_referer() {
        // The site behind its distribution: the page's domain is not on the
        // list (the default *.cloudfront.net one cannot be), no Origin.
        let page = "https://d111111abcdef8.cloudfront.net/";
        for same in ["same-origin", "Same-Origin", " same-origin "] {
            assert_eq!(
                verdict(&[
                    ("sec-fetch-site", same),
                    ("sec-fetch-mode", "cors"),
                    ("referer", page),
                    ("user-agent", CHROME)
                ]),
                COUNT,
                "{same:?}"
            );
        }
        // Referrer-Policy: no-referrer: Sec-Fetch-Site alone suffices.
        assert_eq!(
            verdict(&[("sec-fetch-site", "same-origin"), ("user-agent", FIREFOX)]),
            COUNT
        );
        // A browser without Sec-Fetch-*, on a listed domain (a custom
        // domain can be listed), counts by its Referer as before.
        assert_eq!(
            verdict(&[("referer", "https://me.example/"), ("user-agent", CHROME)]),
            COUNT
        );
        // The other rules still come first.
        let same = ("sec-fetch-site", "same-origin");
        assert_eq!(
            verdict(&[same, ("user-agent", "curl/8.5.0")]),
            Verdict::Skip(Skip::Bot)
        );
        assert_eq!(
            verdict(&[same, ("user-agent", CHROME), ("sec-purpose", "prefetch")]),
            Verdict::Skip(Skip::Prefetch)
        );
        assert_eq!(
            verdict(&[same, ("user-agent", CHROME), ("sec-gpc", "1")]),
            Verdict::Count { private: true }
        );
        assert_eq!(
            verdict(&[
                same,
                ("origin", "https://evil.example"),
                ("user-agent", CHROME)
            ]),
            Verdict::Refuse
        );
    }

    #[test]
    fn other_fetch_sites_need_an_allowed_origin_or_referer() {
        let skip = Verdict::Skip(Skip::NotFromSite);
        for site in [
            "cross-site",
            "same-site",
            "none",
            "same-origin, cross-site",
            "",
            "sameorigin",
        ] {
            assert_eq!(
                verdict(&[("sec-fetch-site", site), ("user-agent", CHROME)]),
                skip,
                "{site:?}"
            );
            // Another site's page, whatever it claims.
            assert_eq!(
                verdict(&[
                    ("sec-fetch-site", site),
                    ("referer", "https://evil.example/"),
                    ("user-agent", CHROME)
                ]),
                skip,
                "{site:?}"
            );
            // The owner's page on a listed origin, no Origin sent (an
            // <img>, a no-cors fetch): counted by its Referer, as before.
            assert_eq!(
                verdict(&[
                    ("sec-fetch-site", site),
                    ("referer", "https://me.example/cv"),
                    ("user-agent", CHROME)
                ]),
                COUNT,
                "{site:?}"
            );
        }
    }

    #[test]
    fn a_foreign_origin_is_refused_whatever_else_it_sends() {
        for origin in [
            "https://evil.example",
            "null",
            "https://me.example.evil",
            "http://me.example",
        ] {
            assert_eq!(
                verdict(&[
                    ("origin", origin),
                    ("user-agent", CHROME),
                    ("referer", "https://me.example/")
                ]),
                Verdict::Refuse,
                "{origin}"
            );
        }
        // Even a bot or a prefetch: the origin is checked first.
        assert_eq!(
            verdict(&[
                ("origin", "https://evil.example"),
                ("user-agent", "curl/8.5.0")
            ]),
            Verdict::Refuse
        );
    }

    #[test]
    fn requests_not_from_the_site_are_not_counted() {
        let skip = Verdict::Skip(Skip::NotFromSite);
        assert_eq!(verdict(&[("user-agent", CHROME)]), skip);
        for referer in [
            "https://evil.example/",
            "https://me.example.evil/",
            "https://me.example@evil.example/",
            "/relative",
            "ftp://me.example/",
            "not a url",
        ] {
            assert_eq!(
                verdict(&[("referer", referer), ("user-agent", CHROME)]),
                skip,
                "{referer}"
            );
        }
    }

    #[test]
    fn bots_crawlers_previews_and_tools_are_not_counted() {
        for ua in [
            "curl/8.5.0",
            "Wget/1.21.4",
            "python-requests/2.32.3",
            "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
            "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
            "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
            "Twitterbot/1.0",
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/126.0.0.0 Safari/537.36",
            // Patterns with `\s` and `\d` (`^fdm[\s/]\d`, `ptst[\s/]`): the
            // classes vendor/isbot keeps regex's `unicode-perl` feature for.
            "FDM 3.x",
            "PTST/1.0",
        ] {
            assert_eq!(
                verdict(&[("origin", SITE), ("user-agent", ua)]),
                Verdict::Skip(Skip::Bot),
                "{ua}"
            );
        }
        assert_eq!(
            verdict(&[("origin", SITE)]),
            Verdict::Skip(Skip::NoUserAgent)
        );
        assert_eq!(
            verdict(&[("origin", SITE), ("user-agent", " ")]),
            Verdict::Skip(Skip::NoUserAgent)
        );
    }

    #[test]
    fn prefetches_and_prerenders_are_not_counted() {
        let skip = Verdict::Skip(Skip::Prefetch);
        for (name, value) in [
            ("sec-purpose", "prefetch"),
            ("sec-purpose", "prefetch;prerender"),
            ("sec-purpose", "prefetch;anonymous-client-ip"),
            ("sec-purpose", "prerender"),
            ("purpose", "prefetch"),
            ("Purpose", "Prefetch"),
            ("x-moz", "prefetch"),
        ] {
            assert_eq!(
                verdict(&[("origin", SITE), ("user-agent", CHROME), (name, value)]),
                skip,
                "{name}: {value}"
            );
        }
        // Other purposes are views.
        assert_eq!(
            verdict(&[
                ("origin", SITE),
                ("user-agent", CHROME),
                ("purpose", "other")
            ]),
            COUNT
        );
    }

    #[test]
    fn gpc_and_dnt_make_a_view_private() {
        let private = Verdict::Count { private: true };
        for (name, value) in [("sec-gpc", "1"), ("dnt", "1"), ("DNT", " 1 ")] {
            assert_eq!(
                verdict(&[("origin", SITE), ("user-agent", CHROME), (name, value)]),
                private,
                "{name}"
            );
        }
        for (name, value) in [("sec-gpc", "0"), ("dnt", "0"), ("dnt", "")] {
            assert_eq!(
                verdict(&[("origin", SITE), ("user-agent", CHROME), (name, value)]),
                COUNT,
                "{name}: {value}"
            );
        }
    }

    #[test]
    fn origins_of_urls() {
        assert_eq!(
            origin_of("https://me.example/a/b?c#d"),
            Some("https://me.example")
        );
        assert_eq!(
            origin_of("http://localhost:8080"),
            Some("http://localhost:8080")
        );
        assert_eq!(
            origin_of("http://localhost:8080?x"),
            Some("http://localhost:8080")
        );
        assert_eq!(origin_of("https://"), None);
        assert_eq!(origin_of("https://a@b/"), None);
        assert_eq!(origin_of("javascript://x"), None);
        assert_eq!(origin_of("/path"), None);
    }
}
