//! The counter's HTTP handlers: `GET /visitorcount` (a view, if it is one)
//! and `GET /visitorcount/stats?days=N` (the history).

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, Request, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use http::{header, HeaderMap, HeaderValue};
use platform::http::AllowedOrigins;
use platform::metrics;
use platform::{ApiError, ApiResult};
use serde::Serialize;

use crate::calendar::{utc_date, Clock};
use crate::config::OriginVerify;
use crate::store::{DayStats, Store};
use crate::views::{self, Verdict};
use crate::visitor;

/// Every count is fresh: no browser or CDN may reuse one.
pub const CACHE_CONTROL: &str = "no-store";
/// The history changes slowly: anyone may cache it for a minute.
pub const STATS_CACHE_CONTROL: &str = "public, max-age=60";

/// `days` of the stats route: its default and bounds.
pub const DEFAULT_STATS_DAYS: u16 = 30;
pub const MAX_STATS_DAYS: u16 = 366;

/// The counter's response body.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct CountBody {
    pub count: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unique_today: Option<u64>,
    /// Whether this request was counted as a view.
    pub counted: bool,
}

/// The stats route's response body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StatsBody {
    /// The first and last day, `YYYY-MM-DD` (UTC).
    pub from: String,
    pub to: String,
    /// One entry per day, oldest first.
    pub days: Vec<DayStats>,
}

/// HEAD on the counter: 405, since axum would otherwise run the GET handler.
pub async fn head_not_allowed() -> Response {
    let mut response = ApiError::MethodNotAllowed.into_response();
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("GET"));
    response
}

/// `GET /visitorcount`: counts the request if it is a view ([`views`]), and
/// answers the numbers.
pub async fn visitor_count(
    State(store): State<Store>,
    State(origins): State<AllowedOrigins>,
    State(clock): State<Clock>,
    State(origin_verify): State<OriginVerify>,
    req: Request,
) -> ApiResult<Response> {
    let now = clock();
    let (counts, counted) = match views::classify(req.headers(), &origins) {
        Verdict::Refuse => {
            not_counted(FOREIGN_ORIGIN);
            return Err(ApiError::Forbidden(
                "this origin may not count views".into(),
            ));
        }
        Verdict::Skip(why) => {
            tracing::debug!(reason = why.as_str(), "not counted");
            not_counted(why.as_str());
            (store.current(now).await?, false)
        }
        Verdict::Count { private } => {
            let sender = visitor::Sender::from_request(&req, &origin_verify);
            let counts = store.record(&sender, private, now).await?;
            metrics::view_counted(private);
            (counts, true)
        }
    };
    let body = CountBody {
        count: counts.count,
        unique_today: counts.unique_today,
        counted,
    };
    let no_store = [(
        header::CACHE_CONTROL,
        HeaderValue::from_static(CACHE_CONTROL),
    )];
    Ok((no_store, Json(body)).into_response())
}

/// The `Reason` of a request refused for its foreign `Origin`; the other
/// reasons are [`views::Skip::as_str`].
pub const FOREIGN_ORIGIN: &str = "foreign_origin";

/// Counts a request of the counter route that is not a view, by `reason`.
fn not_counted(reason: &str) {
    metrics::view_not_counted(reason);
}

/// `days`, from the query's pairs: absent means the default.
pub fn parse_days(query: &[(String, String)]) -> ApiResult<u16> {
    let bad = |message: String| ApiError::bad_request("invalid_days", message);
    let mut values = query.iter().filter(|(k, _)| k == "days").map(|(_, v)| v);
    let Some(raw) = values.next() else {
        return Ok(DEFAULT_STATS_DAYS);
    };
    if values.next().is_some() {
        return Err(bad("give days once".into()));
    }
    let range = format!("a whole number from 1 to {MAX_STATS_DAYS}");
    let is_digits = !raw.is_empty() && raw.len() <= 3 && raw.bytes().all(|b| b.is_ascii_digit());
    match raw.parse::<u16>() {
        Ok(n) if is_digits && (1..=MAX_STATS_DAYS).contains(&n) => Ok(n),
        _ => Err(bad(format!("days must be {range}"))),
    }
}

/// `GET /visitorcount/stats?days=N`: each of the last N UTC days, oldest first.
pub async fn stats(
    State(store): State<Store>,
    State(clock): State<Clock>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let Ok(Query(query)) = query else {
        return Err(ApiError::bad_request(
            "invalid_query",
            "the query string is malformed",
        ));
    };
    let days = parse_days(&query)?;
    let history = store.history(utc_date(clock()), days).await?;
    let body = StatsBody {
        from: history.first().map(|d| d.date.clone()).unwrap_or_default(),
        to: history.last().map(|d| d.date.clone()).unwrap_or_default(),
        days: history,
    };
    let bytes = serde_json::to_vec(&body).map_err(|_| ApiError::Internal)?;
    platform::conditional::json(bytes, STATS_CACHE_CONTROL, &headers)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::StatusCode;

    #[test]
    fn the_body_is_integers_says_if_counted_and_omits_an_unknown_unique_count() {
        let body = serde_json::to_string(&CountBody {
            count: 42,
            unique_today: Some(7),
            counted: true,
        })
        .unwrap();
        assert_eq!(body, r#"{"count":42,"unique_today":7,"counted":true}"#);
        let body = serde_json::to_string(&CountBody {
            count: 18_446_744_073_709_551_615,
            unique_today: None,
            counted: false,
        })
        .unwrap();
        assert_eq!(body, r#"{"count":18446744073709551615,"counted":false}"#);
    }

    fn q(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn days_default_to_30_and_must_be_1_to_366() {
        assert_eq!(parse_days(&q(&[])).unwrap(), 30);
        assert_eq!(parse_days(&q(&[("other", "x")])).unwrap(), 30);
        assert_eq!(parse_days(&q(&[("days", "1")])).unwrap(), 1);
        assert_eq!(parse_days(&q(&[("days", "366")])).unwrap(), 366);
        assert_eq!(parse_days(&q(&[("days", "007")])).unwrap(), 7);
        for bad in [
            "",
            "0",
            "367",
            "-1",
            "+5",
            "1.5",
            "ten",
            " 5",
            "1e2",
            "99999999999999999999",
            "0x10",
        ] {
            let err = parse_days(&q(&[("days", bad)])).unwrap_err();
            assert_eq!(err.status(), StatusCode::BAD_REQUEST, "{bad}");
            assert_eq!(err.code(), "invalid_days", "{bad}");
        }
        assert!(parse_days(&q(&[("days", "5"), ("days", "6")])).is_err());
    }
}
